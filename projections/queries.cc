#include "projections/queries.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

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

// The same for a map whose ids are `prefix` + 1, 2, ... `count` (findings, evidence,
// documents, interviews: numbered in the order recorded, never removed): natural order is number
// order, so a page walks the numbers from `after` and stops at the page's end and the next
// match, instead of sorting the whole map. Anything else (an `after` that is not such an id, a
// map that is not dense) takes paginate().
template <typename Item, typename Keep>
Page<Item> paginate_numbered(const std::map<std::string, Item>& items, std::string_view prefix,
                             uint64_t count, const PageRequest& page, Keep keep) {
  uint64_t first = 1;
  if (!page.after.empty()) {
    const uint64_t n = id_number(page.after);
    if (page.after != fmt::format("{}{}", prefix, n)) return paginate(items, page, keep);
    if (n >= count) return Page<Item>{};  // nothing numbers after it (and n + 1 may wrap)
    first = n + 1;
  }
  if (items.size() != count) return paginate(items, page, keep);
  Page<Item> out;
  std::string id(prefix);
  const std::string* last = nullptr;  // the id of the page's last item
  for (uint64_t n = first; n <= count; ++n) {
    id.resize(prefix.size());
    fmt::format_to(std::back_inserter(id), "{}", n);
    auto it = items.find(id);
    if (it == items.end() || !keep(it->second)) continue;
    if (out.items.size() == page.limit) {
      out.next_after = *last;
      break;
    }
    out.items.push_back(&it->second);
    last = &it->first;
  }
  return out;
}

template <typename T>
bool admits(const std::set<T>& chosen, const T& value) {
  return chosen.empty() || chosen.contains(value);
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

Status check_page(const PageRequest& page) {
  if (page.limit < 1 || page.limit > kMaxPageSize) {
    return invalid_argument(fmt::format("limit must be between 1 and {}", kMaxPageSize));
  }
  return Status::ok();
}

std::vector<std::string> search_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && std::find(words.begin(), words.end(), word) == words.end())
      words.push_back(word);
    word.clear();
  };
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      flush();
    } else {
      word.push_back(ascii_lower(c));
    }
  }
  flush();
  return words;
}

bool matches_search(const FindingState& f, const std::vector<std::string>& words) {
  if (words.empty()) return true;
  std::string text;
  text.reserve(f.id.size() + f.title.size() + f.description.size() + f.recommendation.size() + 3);
  // Joined by a line break, so that no word matches across two fields.
  for (const std::string* part : {&f.id, &f.title, &f.description, &f.recommendation}) {
    for (char c : *part) text.push_back(ascii_lower(c));
    text.push_back('\n');
  }
  return std::all_of(words.begin(), words.end(),
                     [&](const std::string& w) { return text.find(w) != std::string::npos; });
}

Result<Page<FindingState>> list_findings(const ProgramState& s, Date d, const FindingFilter& f,
                                         const PageRequest& page) {
  GAPLOG_RETURN_IF_ERROR(check_page(page));
  return paginate_numbered(s.findings, "F-", s.findings_recorded, page, [&](const FindingState& x) {
    return admits(f.statuses, x.status) && admits(f.owners, x.owner) &&
           admits(f.severities, x.severity) &&
           (f.criteria.empty() ||
            std::any_of(x.criteria.begin(), x.criteria.end(),
                        [&](const auto& c) { return f.criteria.contains(c); })) &&
           (!f.overdue_only || is_overdue(x, d)) && matches_search(x, f.words);
  });
}

Result<Page<ControlState>> list_controls(const ProgramState& s, Date d, const ControlFilter& f,
                                         const PageRequest& page) {
  GAPLOG_RETURN_IF_ERROR(check_page(page));
  return paginate(s.controls, page, [&](const ControlState& c) {
    return admits(f.owners, c.owner) && admits(f.statuses, c.status) &&
           (!f.criterion ||
            std::find(c.criteria.begin(), c.criteria.end(), *f.criterion) != c.criteria.end()) &&
           (f.evidence_statuses.empty() ||
            f.evidence_statuses.contains(control_evidence_at(s, c, d).status));
  });
}

Result<Page<EvidenceState>> list_evidence(const ProgramState& s, Date d, const EvidenceFilter& f,
                                          const PageRequest& page) {
  GAPLOG_RETURN_IF_ERROR(check_page(page));
  return paginate_numbered(
      s.evidence, "E-", s.evidence_uploaded, page, [&](const EvidenceState& e) {
        if (f.unlinked && *f.unlinked != (e.findings.empty() && e.controls.empty())) return false;
        if (f.control && !e.controls.contains(*f.control)) return false;
        if (f.finding && !e.findings.contains(*f.finding)) return false;
        if (f.expiring_within) {
          const std::optional<Date> until = expires_on(s, e);
          if (!until || *until < d || until->days - d.days > *f.expiring_within) return false;
        }
        return true;
      });
}

Result<Page<UserState>> list_users(const ProgramState& s, const PageRequest& page) {
  GAPLOG_RETURN_IF_ERROR(check_page(page));
  return paginate(s.users, page, [](const UserState&) { return true; });
}

Result<Page<DocumentState>> list_documents(const ProgramState& s, const PageRequest& page) {
  GAPLOG_RETURN_IF_ERROR(check_page(page));
  return paginate_numbered(s.documents, "D-", s.documents_recorded, page,
                           [](const DocumentState&) { return true; });
}

Result<Page<InterviewState>> list_interviews(const ProgramState& s, const PageRequest& page) {
  GAPLOG_RETURN_IF_ERROR(check_page(page));
  return paginate_numbered(s.interviews, "I-", s.interviews_recorded, page,
                           [](const InterviewState&) { return true; });
}

}  // namespace gaplog
