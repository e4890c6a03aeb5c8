// The query string of an API request and typed reads of its parameters, with the 400 messages
// of SPEC §6 written once: each parameter at most once (ignore_column may repeat), only those
// the endpoint takes, dates, timestamps, whole numbers within limits, booleans, enum values and
// list cursors checked the same way everywhere.
//
// A Query is a plain value; const methods are safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "codec/url.h"
#include "domain/status.h"
#include "domain/time.h"
#include "projections/program_history.h"
#include "projections/queries.h"

namespace gaplog {

// A %-encoded part of a request's target (a path segment, a query parameter's name or value),
// decoded: 400 naming `what` for a malformed escape, a result that is not UTF-8, or a control
// character.
Result<std::string> decode_target_part(std::string_view text, PlusSign plus, std::string_view what);

// A whole number from `min` to `max` (a query parameter or a header: If-Match, Content-Length).
Result<uint64_t> parse_count(std::string_view field, std::string_view text, uint64_t min,
                             uint64_t max);
Result<Date> parse_date_param(std::string_view field, std::string_view text);
Result<Micros> parse_timestamp_param(std::string_view field, std::string_view text);

// A criterion filter's value: a TSC catalog id (400 naming it otherwise).
Status check_criterion_param(std::string_view id);

// The ids a list is sorted and paged by, for its `after` cursor.
enum class ListId { kFinding, kEvidence, kControl, kUser, kDocument, kInterview };

class Query {
 public:
  // The parameters of `text` (the target after '?'), %-decoded, '+' as a space; empty parts
  // ("a=1&&b=2") are skipped. 400 for a bad escape or a parameter given twice.
  static Result<Query> parse(std::string_view text);

  // Ok when every parameter is one of `known` (400 naming it and listing them otherwise).
  Status check_known(const std::vector<std::string_view>& known) const;

  bool has(std::string_view key) const { return values_.find(key) != values_.end(); }
  // The value, or nullptr when absent.
  const std::string* find(std::string_view key) const;
  // The value, or "" when absent.
  std::string get(std::string_view key) const;
  // Every value of the one parameter that may be repeated (ignore_column), in order.
  std::vector<std::string> all(std::string_view key) const;

  // Typed reads: nullopt when the parameter is absent, 400 naming it when it is malformed.
  Result<std::optional<Date>> date(std::string_view key) const;         // YYYY-MM-DD
  Result<std::optional<Micros>> timestamp(std::string_view key) const;  // RFC 3339 UTC
  Result<std::optional<uint64_t>> count(std::string_view key, uint64_t min, uint64_t max) const;
  Result<std::optional<bool>> boolean(std::string_view key) const;  // true or false
  // A value `parse` accepts; otherwise "<key> must be <choices>; got '<value>'".
  template <typename T>
  Result<std::optional<T>> one_of(std::string_view key, std::optional<T> (*parse)(std::string_view),
                                  std::string_view choices) const;

  // The comma-separated values of one parameter (SPEC §12: status=open,in_progress), each once;
  // empty when absent; 400 for an empty value ("a,,b", "").
  Result<std::vector<std::string>> values(std::string_view key) const;
  // The same, each value one `parse` accepts.
  template <typename T>
  Result<std::set<T>> some_of(std::string_view key, std::optional<T> (*parse)(std::string_view),
                              std::string_view choices) const;

  // True when as_of or as_known_at is given: the request asks about another time than now.
  bool asks_as_of() const { return has("as_of") || has("as_known_at"); }
  // as_of (default `today`) and as_known_at (default: everything known), SPEC §5.
  Result<AsOf> as_of(Date today) const;
  // limit (1 to kMaxPageSize, default kDefaultPageSize) and after, which must be an id of the
  // shape of `list`'s ids ("" or absent: from the beginning), never silently the first page.
  Result<PageRequest> page(ListId list) const;

 private:
  Status not_one_of(std::string_view key, std::string_view choices, std::string_view value) const;

  std::map<std::string, std::string, std::less<>> values_;                 // the first of each
  std::map<std::string, std::vector<std::string>, std::less<>> repeated_;  // ignore_column
};

template <typename T>
Result<std::optional<T>> Query::one_of(std::string_view key,
                                       std::optional<T> (*parse)(std::string_view),
                                       std::string_view choices) const {
  const std::string* v = find(key);
  if (v == nullptr) return std::optional<T>();
  std::optional<T> parsed = parse(*v);
  if (!parsed) return not_one_of(key, choices, *v);
  return parsed;
}

template <typename T>
Result<std::set<T>> Query::some_of(std::string_view key,
                                   std::optional<T> (*parse)(std::string_view),
                                   std::string_view choices) const {
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<std::string> texts, values(key));
  std::set<T> out;
  for (const std::string& v : texts) {
    std::optional<T> parsed = parse(v);
    if (!parsed) return not_one_of(key, choices, v);
    out.insert(*parsed);
  }
  return out;
}

}  // namespace gaplog
