#include "projections/queries.h"

#include <fmt/format.h>

#include <algorithm>

namespace gaplog {
namespace {

// Items of a map keyed by id, filtered, in natural id order, cut to one page.
template <typename Item, typename Keep>
Page<Item> paginate(const std::map<std::string, Item>& items, const PageRequest& page, Keep keep) {
  std::vector<std::pair<const std::string*, const Item*>> sorted;
  for (const auto& [id, item] : items) {
    if (keep(item) && (page.after.empty() || natural_less(page.after, id)))
      sorted.emplace_back(&id, &item);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return natural_less(*a.first, *b.first); });
  Page<Item> out;
  for (size_t i = 0; i < sorted.size() && i < page.limit; ++i)
    out.items.push_back(sorted[i].second);
  if (sorted.size() > page.limit) out.next_after = *sorted[page.limit - 1].first;
  return out;
}

}  // namespace

Status check_page(const PageRequest& page) {
  if (page.limit < 1 || page.limit > kMaxPageSize) {
    return invalid_argument(fmt::format("limit must be between 1 and {}", kMaxPageSize));
  }
  return Status::ok();
}

Result<Page<FindingState>> list_findings(const ProgramState& s, Date d, const FindingFilter& f,
                                         const PageRequest& page) {
  GAPLOG_RETURN_IF_ERROR(check_page(page));
  return paginate(s.findings, page, [&](const FindingState& x) {
    return (!f.status || x.status == *f.status) && (!f.owner || x.owner == *f.owner) &&
           (!f.severity || x.severity == *f.severity) &&
           (!f.criterion ||
            std::find(x.criteria.begin(), x.criteria.end(), *f.criterion) != x.criteria.end()) &&
           (!f.overdue_only || is_overdue(x, d));
  });
}

Result<Page<ControlState>> list_controls(const ProgramState& s, const PageRequest& page) {
  GAPLOG_RETURN_IF_ERROR(check_page(page));
  return paginate(s.controls, page, [](const ControlState&) { return true; });
}

Result<Page<EvidenceState>> list_evidence(const ProgramState& s, const PageRequest& page) {
  GAPLOG_RETURN_IF_ERROR(check_page(page));
  return paginate(s.evidence, page, [](const EvidenceState&) { return true; });
}

Result<Page<UserState>> list_users(const ProgramState& s, const PageRequest& page) {
  GAPLOG_RETURN_IF_ERROR(check_page(page));
  return paginate(s.users, page, [](const UserState&) { return true; });
}

}  // namespace gaplog
