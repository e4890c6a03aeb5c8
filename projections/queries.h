// The list and detail read models of SPEC §6 over a folded state (current, or as of a date):
// filters, natural id order (F-2 before F-10) and pagination by `after` + `limit`.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
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

// Each set filters when not empty, keeping items that match any of its values (SPEC §12
// multi-value filters); the filters combine with "and".
struct FindingFilter {
  std::set<FindingStatus> statuses;
  std::set<std::string> owners;  // normalized e-mails; "" = unassigned
  std::set<Severity> severities;
  std::set<std::string> criteria;
  bool overdue_only = false;
  // Every word must occur in the id, title, description or recommendation, ASCII letters in
  // any case (search_words() makes them).
  std::vector<std::string> words;
};
// The words of a search text: split at white space, ASCII letters lowercased, each once.
std::vector<std::string> search_words(std::string_view text);
bool matches_search(const FindingState& f, const std::vector<std::string>& words);

struct ControlFilter {
  std::set<std::string> owners;  // normalized e-mails; "" = without owner
  std::set<ControlStatus> statuses;
  std::set<EvidenceStatus> evidence_statuses;  // at the list's date
  std::optional<std::string> criterion;
};

struct EvidenceFilter {
  // expires_on() within [d, d + days].
  std::optional<int32_t> expiring_within;
  // true: linked to nothing; false: linked to something.
  std::optional<bool> unlinked;
  std::optional<std::string> control, finding;  // linked to it
};

Status check_page(const PageRequest& page);

// Findings matching the filter at date d (overdue is evaluated at d), in natural id order.
Result<Page<FindingState>> list_findings(const ProgramState& s, Date d, const FindingFilter& filter,
                                         const PageRequest& page);
Result<Page<ControlState>> list_controls(const ProgramState& s, Date d, const ControlFilter& filter,
                                         const PageRequest& page);
Result<Page<EvidenceState>> list_evidence(const ProgramState& s, Date d,
                                          const EvidenceFilter& filter, const PageRequest& page);
Result<Page<UserState>> list_users(const ProgramState& s, const PageRequest& page);
// The assessment's documents and interviews (SPEC §13), in natural id order.
Result<Page<DocumentState>> list_documents(const ProgramState& s, const PageRequest& page);
Result<Page<InterviewState>> list_interviews(const ProgramState& s, const PageRequest& page);

}  // namespace gaplog
