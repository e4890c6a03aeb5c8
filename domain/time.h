// Calendar dates and instants. Pure arithmetic: no clock is read here.
//
// An instant is microseconds since 1970-01-01T00:00:00Z (UTC). A date is a UTC calendar day,
// counted in days since 1970-01-01.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace gaplog {

using Micros = int64_t;

struct Date {
  int32_t days = 0;  // days since 1970-01-01
  auto operator<=>(const Date&) const = default;
};

constexpr Micros kMicrosPerSecond = 1'000'000;
constexpr Micros kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Dates outside [0001-01-01, 9999-12-31] are rejected.
Result<Date> parse_date(std::string_view text);  // "YYYY-MM-DD"
std::string format_date(Date date);              // "YYYY-MM-DD"
Date date_from_ymd(int year, unsigned month, unsigned day);
// The same month and day `years` later (earlier when negative); 29 February becomes 28
// February in a common year.
Date add_years(Date date, int years);
// The same day `months` later, clamped to the last day of a shorter month (31 January + 1 month
// is 28 or 29 February).
Date add_months(Date date, int months);

// RFC 3339 in UTC with "Z" (e.g. 2026-11-28T04:06:27Z or ...27.123456Z). Offsets other than Z
// are rejected, as the spec says timestamps are UTC with Z.
Result<Micros> parse_timestamp(std::string_view text);
// Whole seconds print without a fraction; otherwise six fractional digits.
std::string format_timestamp(Micros t);

// A date field of an event ("" = none) as the folded state keeps it. The log holds only dates
// decide() validated, so text that is not a date is read as none rather than failing a fold.
std::optional<Date> optional_date(std::string_view text);
// The other way: none is "".
std::string format_optional_date(const std::optional<Date>& date);

inline Date date_of(Micros t) {
  Micros d = t / kMicrosPerDay;
  if (t % kMicrosPerDay < 0) --d;
  return Date{static_cast<int32_t>(d)};
}
// The first instant after the end of `date`: events "as of D" have occurred_at < this.
inline Micros end_of_day(Date date) { return (static_cast<Micros>(date.days) + 1) * kMicrosPerDay; }

}  // namespace gaplog
