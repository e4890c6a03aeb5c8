// The OSCAL 1.1.2 Plan of Action and Milestones of SPEC §7 (GET /api/v1/export/poam,
// `gaplog export poam`), built from the program state as of a date.
//
// One risk and one poam-item per finding, the item pointing at its risk (related-risks). The
// risk carries the mapped status (open → open, in_progress and remediated → remediating,
// risk_accepted → deviation-approved, an expired risk acceptance → open, closed → closed; an
// expired acceptance is planned as a remediation again), the due date as its deadline (the end of
// that day, UTC), and a remediation whose milestone task names the owner through the
// "finding-owner" role. Every user is a party (type person) in the metadata. A program without
// findings gets one poam-item marked with the prop placeholder=true, because OSCAL requires at
// least one.
//
// UUIDs are name-based (version 5): the document's namespace is derived from the program's
// public key, and each object's UUID from the id it stands for, so that exports of the same
// program always give the same UUIDs and two programs never share one. See docs/auditors.md.
#pragma once

#include <string>
#include <string_view>

#include "codec/json.h"
#include "domain/state.h"
#include "domain/time.h"
#include "domain/uuid.h"

namespace gaplog {

struct PoamContext {
  Date as_of;
  Micros last_modified = 0;      // metadata.last-modified: when the last event was recorded
  uint64_t tree_size = 0;        // how many events the state folds, for metadata.version
  std::string program_identity;  // stable and unique per program: its public key (PEM)
};

// The POA&M document ({"plan-of-action-and-milestones": {...}}).
json::Value poam_json(const ProgramState& state, const PoamContext& context);

// "open", "remediating", "deviation-approved" or "closed".
std::string_view oscal_risk_status(FindingStatus status);
// As above for a finding as of `d`: an acceptance expired at `d` is "open", never approved.
std::string_view oscal_risk_status(const FindingState& f, Date d);

}  // namespace gaplog
