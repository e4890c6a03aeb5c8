// The AICPA Trust Services Criteria (TSC 2017) catalog of SPEC §1: exactly 61 criterion ids.
//
// The catalog is a compile-time constant: entries live for the whole program, so the
// string_views and pointers handed out here never dangle. Titles are short summaries of each
// criterion's subject written for gaplog (the AICPA wording is copyrighted and not used).
// Everything here is pure and safe to call from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"

namespace gaplog {

struct Criterion {
  std::string_view id;  // "CC6.1"
  Category category;
  std::string_view title;  // at most 80 characters, our own words
};

// All 61 criteria in catalog order: security (CC1.1 ... CC9.2), availability (A1.x),
// confidentiality (C1.x), processing_integrity (PI1.x), privacy (P1.1 ... P8.1).
std::span<const Criterion> tsc_catalog();

// The entry with exactly this id (case-sensitive: "cc6.1" is not found), or nullptr.
const Criterion* find_criterion(std::string_view id);

// Checks a list of criterion ids given by a user (the `criteria` field of a control or finding):
//  - an empty list when `required`        -> kInvalidArgument
//  - the same id twice                    -> kInvalidArgument
//  - an id that is not in the catalog     -> kRuleViolation (SPEC §6: unknown criterion is 422)
// Messages name the offending id (at most 40 characters of it) and say where valid ids are
// listed (GET /api/v1/criteria).
Status check_criteria(const std::vector<std::string>& ids, bool required);

}  // namespace gaplog
