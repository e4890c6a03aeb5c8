// The list and detail read models of SPEC §6 over a folded state (current, or as of a date):
// filters, natural id order (F-2 before F-10) and pagination by `after` + `limit`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/readiness.h"
#include "domain/state.h"
#include "domain/status.h"

namespace gaplog {

constexpr size_t kDefaultPageSize = 100;
constexpr size_t kMaxPageSize = 1000;

struct PageRequest {
  size_t limit = kDefaultPageSize;  // 1..1000
  std::string after;                // the last id of the previous page; "" = from the start
};

template <typename Item>
struct Page {
  std::vector<const Item*> items;         // pointers into the state the page was taken from
  std::optional<std::string> next_after;  // the last id when more items follow
};

struct FindingFilter {
  std::optional<FindingStatus> status;
  std::optional<std::string> owner;  // normalized e-mail
  std::optional<Severity> severity;
  std::optional<std::string> criterion;
  bool overdue_only = false;
};

Status check_page(const PageRequest& page);

// Findings matching the filter at date d (overdue is evaluated at d), in natural id order.
Result<Page<FindingState>> list_findings(const ProgramState& s, Date d, const FindingFilter& filter,
                                         const PageRequest& page);
Result<Page<ControlState>> list_controls(const ProgramState& s, const PageRequest& page);
Result<Page<EvidenceState>> list_evidence(const ProgramState& s, const PageRequest& page);
Result<Page<UserState>> list_users(const ProgramState& s, const PageRequest& page);

}  // namespace gaplog
