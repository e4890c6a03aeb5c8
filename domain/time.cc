#include "domain/time.h"

#include <fmt/format.h>

#include <algorithm>

namespace gaplog {
namespace {

// Days from civil date, proleptic Gregorian (the well-known era arithmetic).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Parses exactly `n` ASCII digits at `text[pos]`.
bool digits(std::string_view text, size_t pos, size_t n, int64_t& out) {
  if (pos + n > text.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  out = v;
  return true;
}

bool parse_ymd(std::string_view text, int64_t& y, int64_t& m, int64_t& d) {
  return text.size() >= 10 && digits(text, 0, 4, y) && text[4] == '-' && digits(text, 5, 2, m) &&
         text[7] == '-' && digits(text, 8, 2, d) && y >= 1 && m >= 1 && m <= 12 && d >= 1 &&
         d <= days_in_month(y, static_cast<unsigned>(m));
}

}  // namespace

Date date_from_ymd(int year, unsigned month, unsigned day) {
  return Date{static_cast<int32_t>(days_from_civil(year, month, day))};
}

Date add_years(Date date, int years) {
  const Civil c = civil_from_days(date.days);
  const int64_t year = c.year + years;
  return Date{static_cast<int32_t>(
      days_from_civil(year, c.month, std::min(c.day, days_in_month(year, c.month))))};
}

Date add_months(Date date, int months) {
  const Civil c = civil_from_days(date.days);
  const int64_t index = c.year * 12 + (c.month - 1) + months;
  const int64_t year = index >= 0 ? index / 12 : (index - 11) / 12;
  const auto month = static_cast<unsigned>(index - year * 12 + 1);
  return Date{static_cast<int32_t>(
      days_from_civil(year, month, std::min(c.day, days_in_month(year, month))))};
}

Result<Date> parse_date(std::string_view text) {
  int64_t y, m, d;
  if (text.size() != 10 || !parse_ymd(text, y, m, d)) {
    return invalid_argument(fmt::format("'{}' is not a valid date; use YYYY-MM-DD, e.g. 2026-03-31",
                                        text.substr(0, 40)));
  }
  return Date{
      static_cast<int32_t>(days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)))};
}

std::optional<Date> optional_date(std::string_view text) {
  if (text.empty()) return std::nullopt;
  auto d = parse_date(text);
  return d ? std::optional<Date>(*d) : std::nullopt;
}

std::string format_optional_date(const std::optional<Date>& date) {
  return date ? format_date(*date) : "";
}

std::string format_date(Date date) {
  const Civil c = civil_from_days(date.days);
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

Result<Micros> parse_timestamp(std::string_view text) {
  auto bad = [&] {
    return invalid_argument(
        fmt::format("'{}' is not a valid timestamp; use RFC 3339 in UTC, e.g. 2026-03-31T14:00:00Z",
                    text.substr(0, 40)));
  };
  int64_t y, mo, d, h, mi, s;
  if (text.size() < 20 || !parse_ymd(text, y, mo, d)) return bad();
  if ((text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, h) || text[13] != ':' ||
      !digits(text, 14, 2, mi) || text[16] != ':' || !digits(text, 17, 2, s)) {
    return bad();
  }
  if (h > 23 || mi > 59 || s > 59) return bad();
  size_t pos = 19;
  int64_t frac = 0;
  if (text[pos] == '.') {
    ++pos;
    size_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (n < 6) frac = frac * 10 + (text[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0 || n > 9) return bad();
    for (size_t i = n; i < 6; ++i) frac *= 10;
  }
  if (pos + 1 != text.size() || (text[pos] != 'Z' && text[pos] != 'z')) return bad();
  const int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * kMicrosPerDay + (h * 3600 + mi * 60 + s) * kMicrosPerSecond + frac;
}

std::string format_timestamp(Micros t) {
  const Date day = date_of(t);
  // The remainder, not t - days * kMicrosPerDay: that product overflows near the int64 minimum.
  Micros in_day = t % kMicrosPerDay;
  if (in_day < 0) in_day += kMicrosPerDay;
  const int64_t secs = in_day / kMicrosPerSecond;
  const int64_t frac = in_day % kMicrosPerSecond;
  std::string out = fmt::format("{}T{:02}:{:02}:{:02}", format_date(day), secs / 3600,
                                (secs / 60) % 60, secs % 60);
  if (frac != 0) out += fmt::format(".{:06}", frac);
  out += 'Z';
  return out;
}

}  // namespace gaplog
