// A realistic sample program for `gaplog demo`: a SaaS company of about 60 people six months
// into its SOC 2 remediation. About 40 findings over every category from a gap assessment,
// 25 controls, 9 people, evidence with validity dates, some findings closed, some overdue, one
// risk accepted, and the scope widened half-way. The history is back-filled by admins, day
// by day, from 182 days ago to today, so readiness, the timeline, workloads and the roadmap all
// have something to show. Deterministic for a given `now`.
#pragma once

#include <string>

#include "app/command_service.h"
#include "domain/status.h"
#include "store/blob_store.h"

namespace gaplog {

// Fills an initialised, empty program whose first admin is `admin`. Every event occurs at or
// before `now`.
Status build_demo(CommandService& service, BlobStore& blobs, const std::string& admin, Micros now);

}  // namespace gaplog
