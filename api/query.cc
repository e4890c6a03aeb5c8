#include "api/query.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "domain/catalog.h"
#include "domain/validation.h"

namespace gaplog {

Result<std::string> decode_target_part(std::string_view text, PlusSign plus,
                                       std::string_view what) {
  std::optional<std::string> out = percent_decode(text, plus);
  if (!out) {
    return invalid_argument(
        fmt::format("{} has a malformed %-escape; write %XX with two hex digits", what));
  }
  if (!is_valid_utf8(*out)) {
    return invalid_argument(fmt::format("{} is not valid UTF-8 once %-decoded", what));
  }
  for (unsigned char c : *out) {
    if (c < 0x20 || c == 0x7f) {
      return invalid_argument(fmt::format("{} contains a control character; remove it", what));
    }
  }
  return std::move(*out);
}

Result<uint64_t> parse_count(std::string_view field, std::string_view text, uint64_t min,
                             uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return invalid_argument(fmt::format("{} must be a whole number from {} to {}; got {}", field,
                                        min, max, quoted_excerpt(text)));
  }
  return v;
}

Result<Date> parse_date_param(std::string_view field, std::string_view text) {
  auto d = parse_date(text);
  if (!d) {
    return invalid_argument(
        fmt::format("{} must be a date YYYY-MM-DD; got {}", field, quoted_excerpt(text)));
  }
  return *d;
}

Result<Micros> parse_timestamp_param(std::string_view field, std::string_view text) {
  auto t = parse_timestamp(text);
  if (!t) {
    return invalid_argument(
        fmt::format("{} must be an RFC 3339 UTC timestamp such as "
                    "2026-03-01T09:00:00Z; got {}",
                    field, quoted_excerpt(text)));
  }
  return *t;
}

Result<Query> Query::parse(std::string_view text) {
  Query q;
  while (!text.empty()) {
    const size_t amp = text.find('&');
    std::string_view part = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    GAPLOG_ASSIGN_OR_RETURN(
        std::string key,
        decode_target_part(part.substr(0, eq), PlusSign::kSpace, "a query parameter name"));
    GAPLOG_ASSIGN_OR_RETURN(
        std::string value,
        decode_target_part(
            eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1),
            PlusSign::kSpace,
            fmt::format("query parameter '{}'", std::string_view(key).substr(0, 40))));
    if (key == "ignore_column") {  // the one parameter that may be repeated
      q.repeated_[key].push_back(value);
    } else if (q.has(key)) {
      return invalid_argument(fmt::format("query parameter '{}' is given twice; give it once",
                                          std::string_view(key).substr(0, 40)));
    }
    q.values_.emplace(std::move(key), std::move(value));
  }
  return q;
}

Status Query::check_known(const std::vector<std::string_view>& known) const {
  for (const auto& [k, v] : values_) {
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      std::string list;
      for (std::string_view n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      return invalid_argument(
          fmt::format("unknown query parameter {}; {}", quoted_excerpt(k),
                      known.empty() ? "this endpoint takes none" : "this endpoint takes: " + list));
    }
  }
  return Status::ok();
}

const std::string* Query::find(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

std::string Query::get(std::string_view key) const {
  const std::string* v = find(key);
  return v ? *v : std::string();
}

std::vector<std::string> Query::all(std::string_view key) const {
  auto it = repeated_.find(key);
  return it == repeated_.end() ? std::vector<std::string>() : it->second;
}

Result<std::optional<Date>> Query::date(std::string_view key) const {
  const std::string* v = find(key);
  if (v == nullptr) return std::optional<Date>();
  GAPLOG_ASSIGN_OR_RETURN(Date d, parse_date_param(key, *v));
  return std::optional<Date>(d);
}

Result<std::optional<Micros>> Query::timestamp(std::string_view key) const {
  const std::string* v = find(key);
  if (v == nullptr) return std::optional<Micros>();
  GAPLOG_ASSIGN_OR_RETURN(Micros t, parse_timestamp_param(key, *v));
  return std::optional<Micros>(t);
}

Result<std::optional<uint64_t>> Query::count(std::string_view key, uint64_t min,
                                             uint64_t max) const {
  const std::string* v = find(key);
  if (v == nullptr) return std::optional<uint64_t>();
  GAPLOG_ASSIGN_OR_RETURN(uint64_t n, parse_count(key, *v, min, max));
  return std::optional<uint64_t>(n);
}

Result<std::optional<bool>> Query::boolean(std::string_view key) const {
  const std::string* v = find(key);
  if (v == nullptr) return std::optional<bool>();
  if (*v != "true" && *v != "false") return not_one_of(key, "true or false", *v);
  return std::optional<bool>(*v == "true");
}

Status check_criterion_param(std::string_view id) {
  if (find_criterion(id) != nullptr) return Status::ok();
  return invalid_argument(
      fmt::format("criterion {} is not in the TSC catalog; GET /api/v1/criteria lists them",
                  quoted_excerpt(id)));
}

Result<std::vector<std::string>> Query::values(std::string_view key) const {
  std::vector<std::string> out;
  const std::string* v = find(key);
  if (v == nullptr) return out;
  size_t start = 0;
  while (true) {
    const size_t comma = v->find(',', start);
    std::string part =
        v->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (part.empty()) {
      return invalid_argument(
          fmt::format("{} has an empty value; give one or more values separated by commas", key));
    }
    if (std::find(out.begin(), out.end(), part) == out.end()) out.push_back(std::move(part));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Status Query::not_one_of(std::string_view key, std::string_view choices,
                         std::string_view value) const {
  return invalid_argument(
      fmt::format("{} must be {}; got {}", key, choices, quoted_excerpt(value)));
}

Result<AsOf> Query::as_of(Date today) const {
  AsOf a{today, std::nullopt};
  GAPLOG_ASSIGN_OR_RETURN(std::optional<Date> date, this->date("as_of"));
  if (date) a.date = *date;
  GAPLOG_ASSIGN_OR_RETURN(a.known_at, timestamp("as_known_at"));
  return a;
}

namespace {

// A list's `after` cursor must be an id of the list's shape ("" starts from the beginning): a
// typo or a cursor from another list is an error, not silently the first page.
Status check_after(ListId list, std::string_view after) {
  if (after.empty()) return Status::ok();
  Status checked;
  switch (list) {
    case ListId::kFinding:
      return check_numbered_id("after", after, "F");
    case ListId::kEvidence:
      return check_numbered_id("after", after, "E");
    case ListId::kDocument:
      return check_numbered_id("after", after, "D");
    case ListId::kInterview:
      return check_numbered_id("after", after, "I");
    case ListId::kControl:
      checked = check_control_id(after);
      break;
    case ListId::kUser:
      checked = check_email("after", after);
      break;
  }
  if (checked.is_ok()) return checked;
  return invalid_argument(
      fmt::format("after must be the id of the last item of the previous page "
                  "(its next_after): {}",
                  checked.message()));
}

}  // namespace

Result<PageRequest> Query::page(ListId list) const {
  PageRequest page;
  GAPLOG_ASSIGN_OR_RETURN(std::optional<uint64_t> limit, count("limit", 1, kMaxPageSize));
  if (limit) page.limit = *limit;
  page.after = get("after");
  GAPLOG_RETURN_IF_ERROR(check_after(list, page.after));
  return page;
}

}  // namespace gaplog
