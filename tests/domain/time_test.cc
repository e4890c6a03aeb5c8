#include "domain/time.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "domain/hex.h"
#include "domain/uuid.h"

namespace gaplog {
namespace {

using namespace std::string_literals;

// ---- Dates ----------------------------------------------------------------------------------

TEST(Dates, EpochAndNeighbours) {
  EXPECT_EQ(parse_date("1970-01-01")->days, 0);
  EXPECT_EQ(parse_date("1970-01-02")->days, 1);
  EXPECT_EQ(parse_date("1969-12-31")->days, -1);
  EXPECT_EQ(parse_date("2000-03-01")->days, 11017);
  EXPECT_EQ(format_date(Date{0}), "1970-01-01");
  EXPECT_EQ(format_date(Date{-1}), "1969-12-31");
  EXPECT_EQ(format_date(Date{11017}), "2000-03-01");
}

TEST(Dates, LeapDays) {
  for (const char* leap_day : {"2024-02-29", "2000-02-29", "1600-02-29", "0004-02-29"}) {
    Result<Date> d = parse_date(leap_day);
    ASSERT_TRUE(d.is_ok()) << leap_day;
    EXPECT_EQ(format_date(*d), leap_day);
  }
  EXPECT_EQ(parse_date("2024-03-01")->days - parse_date("2024-02-28")->days, 2);
  EXPECT_EQ(parse_date("2023-03-01")->days - parse_date("2023-02-28")->days, 1);
  for (const char* not_a_day : {"2023-02-29", "2100-02-29", "1900-02-29", "2024-02-30"}) {
    Result<Date> d = parse_date(not_a_day);
    ASSERT_FALSE(d.is_ok()) << not_a_day;
    EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
  }
}

TEST(Dates, DaysPerMonth) {
  const char* last_days[] = {"2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30",
                             "2025-05-31", "2025-06-30", "2025-07-31", "2025-08-31",
                             "2025-09-30", "2025-10-31", "2025-11-30", "2025-12-31"};
  for (const char* last : last_days) {
    EXPECT_TRUE(parse_date(last).is_ok()) << last;
    std::string after(last);  // none of the last days ends in 9
    after[9] = static_cast<char>(after[9] + 1);
    EXPECT_FALSE(parse_date(after).is_ok()) << after;
  }
}

TEST(Dates, RejectsBadFormats) {
  for (const std::string& bad : {""s,
                                 "2024"s,
                                 "2024-1-05"s,
                                 "2024-01-5"s,
                                 "24-01-05"s,
                                 "2024/01/05"s,
                                 "2024-01-05 "s,
                                 " 2024-01-05"s,
                                 "2024-01-05T00:00:00Z"s,
                                 "2024-13-01"s,
                                 "2024-00-10"s,
                                 "2024-01-00"s,
                                 "2024-01-32"s,
                                 "0000-01-01"s,
                                 "+2024-01-0"s,
                                 "-024-01-05"s,
                                 "abcd-ef-gh"s,
                                 "2024-01-0x"s,
                                 "2024_01_05"s,
                                 "20240105"s,
                                 "2024-01-05\0"s,
                                 "２０２４-01-05"s}) {
    Result<Date> d = parse_date(bad);
    EXPECT_FALSE(d.is_ok()) << bad;
    if (!d.is_ok()) {
      EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
      EXPECT_NE(d.status().message().find("YYYY-MM-DD"), std::string::npos);
    }
  }
}

TEST(Dates, RangeEnds) {
  EXPECT_EQ(format_date(*parse_date("0001-01-01")), "0001-01-01");
  EXPECT_EQ(format_date(*parse_date("9999-12-31")), "9999-12-31");
  EXPECT_EQ(parse_date("0001-01-01")->days, -719162);
  EXPECT_EQ(parse_date("9999-12-31")->days, 2932896);
}

// Every day from 0001-01-01 to 9999-12-31 formats and parses back, in order, with no gaps.
TEST(Dates, EveryDayRoundTrips) {
  const Date first = date_from_ymd(1, 1, 1);
  const Date last = date_from_ymd(9999, 12, 31);
  std::string previous;
  for (int32_t day = first.days; day <= last.days; ++day) {
    const std::string text = format_date(Date{day});
    Result<Date> parsed = parse_date(text);
    ASSERT_TRUE(parsed.is_ok()) << text;
    ASSERT_EQ(parsed->days, day) << text;
    ASSERT_LT(previous, text);  // ISO dates sort like the days they name
    previous = text;
  }
}

TEST(Dates, FromYmdAgreesWithParse) {
  EXPECT_EQ(date_from_ymd(2024, 2, 29), *parse_date("2024-02-29"));
  EXPECT_EQ(date_from_ymd(1970, 1, 1), Date{0});
  EXPECT_EQ(date_from_ymd(1969, 12, 31), Date{-1});
  EXPECT_LT(date_from_ymd(2026, 3, 30), date_from_ymd(2026, 3, 31));
}

// ---- Instants -------------------------------------------------------------------------------

Micros at(int year, unsigned month, unsigned day, int64_t h, int64_t m, int64_t s) {
  return static_cast<Micros>(date_from_ymd(year, month, day).days) * kMicrosPerDay +
         (h * 3600 + m * 60 + s) * kMicrosPerSecond;
}

TEST(Timestamps, ParsesWholeSeconds) {
  EXPECT_EQ(*parse_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_timestamp("2026-11-28T04:06:27Z"), at(2026, 11, 28, 4, 6, 27));
  EXPECT_EQ(*parse_timestamp("1969-12-31T23:59:59Z"), -kMicrosPerSecond);
  EXPECT_EQ(*parse_timestamp("2024-02-29T23:59:59Z"), at(2024, 2, 29, 23, 59, 59));
  // RFC 3339 allows lowercase t and z.
  EXPECT_EQ(*parse_timestamp("2026-11-28t04:06:27z"), at(2026, 11, 28, 4, 6, 27));
}

TEST(Timestamps, ParsesFractions) {
  const Micros base = at(2026, 3, 31, 14, 0, 0);
  EXPECT_EQ(*parse_timestamp("2026-03-31T14:00:00.5Z"), base + 500'000);
  EXPECT_EQ(*parse_timestamp("2026-03-31T14:00:00.123456Z"), base + 123'456);
  EXPECT_EQ(*parse_timestamp("2026-03-31T14:00:00.000001Z"), base + 1);
  EXPECT_EQ(*parse_timestamp("2026-03-31T14:00:00.000000Z"), base);
  // Digits past microseconds are accepted (up to nanoseconds) and truncated.
  EXPECT_EQ(*parse_timestamp("2026-03-31T14:00:00.123456789Z"), base + 123'456);
  EXPECT_EQ(*parse_timestamp("1969-12-31T23:59:59.999999Z"), -1);
}

TEST(Timestamps, RejectsOffsetsOtherThanZ) {
  for (const char* with_offset :
       {"2026-03-31T14:00:00+00:00", "2026-03-31T14:00:00-00:00", "2026-03-31T14:00:00+02:00",
        "2026-03-31T14:00:00.5-05:00", "2026-03-31T14:00:00", "2026-03-31T14:00:00.123",
        "2026-03-31T14:00:00Z+01:00", "2026-03-31T14:00:00UTC"}) {
    Result<Micros> t = parse_timestamp(with_offset);
    EXPECT_FALSE(t.is_ok()) << with_offset;
    if (!t.is_ok()) {
      EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
    }
  }
}

TEST(Timestamps, RejectsBadFormats) {
  for (const std::string& bad : {""s,
                                 "2026-03-31"s,
                                 "2026-03-31T"s,
                                 "2026-03-31T14:00Z"s,
                                 "2026-03-31 14:00:00Z"s,
                                 "2026-03-31T24:00:00Z"s,
                                 "2026-03-31T23:60:00Z"s,
                                 "2026-03-31T23:59:60Z"s,
                                 "2026-03-31T1:00:00Z"s,
                                 "2026-03-31T14:00:00.Z"s,
                                 "2026-03-31T14:00:00.1234567890Z"s,
                                 "2026-03-31T14:00:00,5Z"s,
                                 "2026-02-30T00:00:00Z"s,
                                 "2023-02-29T00:00:00Z"s,
                                 "0000-01-01T00:00:00Z"s,
                                 "2026-03-31T14:00:00ZZ"s,
                                 "2026-03-31T14:00:00Z "s,
                                 " 2026-03-31T14:00:00Z"s,
                                 "2026-03-31T14:00:00.-5Z"s,
                                 "2026-03-31T14:00:00Z\0"s,
                                 "2026-03-31T14:0a:00Z"s}) {
    Result<Micros> t = parse_timestamp(bad);
    EXPECT_FALSE(t.is_ok()) << bad;
    if (!t.is_ok()) {
      EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
      EXPECT_NE(t.status().message().find("RFC 3339"), std::string::npos);
    }
  }
}

TEST(Timestamps, Formats) {
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(at(2026, 11, 28, 4, 6, 27)), "2026-11-28T04:06:27Z");
  EXPECT_EQ(format_timestamp(at(2026, 11, 28, 4, 6, 27) + 120'000), "2026-11-28T04:06:27.120000Z");
  EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_timestamp(-kMicrosPerDay), "1969-12-31T00:00:00Z");
  EXPECT_EQ(format_timestamp(at(1, 1, 1, 0, 0, 0)), "0001-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(at(9999, 12, 31, 23, 59, 59) + 999'999),
            "9999-12-31T23:59:59.999999Z");
}

// Regression: the time of day used to be computed as t - days * kMicrosPerDay, whose product
// overflows int64 (undefined behaviour, caught by UBSan) for instants near the minimum.
TEST(Timestamps, FormatsExtremeInstantsWithoutOverflow) {
  const std::string min = format_timestamp(std::numeric_limits<Micros>::min());
  EXPECT_EQ(min.substr(min.size() - 17), "T19:59:05.224192Z");
  const std::string max = format_timestamp(std::numeric_limits<Micros>::max());
  EXPECT_EQ(max.substr(max.size() - 17), "T04:00:54.775807Z");
}

TEST(Timestamps, RoundTripOverTheWholeRange) {
  const Micros lowest = at(1, 1, 1, 0, 0, 0);
  const Micros highest = at(9999, 12, 31, 23, 59, 59) + 999'999;
  std::mt19937_64 random(42);
  std::uniform_int_distribution<Micros> instant(lowest, highest);
  for (int i = 0; i < 200'000; ++i) {
    Micros t = instant(random);
    if (i % 2 == 0) t -= t % kMicrosPerSecond;  // half of them whole seconds
    const std::string text = format_timestamp(t);
    Result<Micros> parsed = parse_timestamp(text);
    ASSERT_TRUE(parsed.is_ok()) << text;
    ASSERT_EQ(*parsed, t) << text;
  }
  for (Micros t : {lowest, highest, Micros{0}, Micros{-1}, Micros{1}}) {
    EXPECT_EQ(*parse_timestamp(format_timestamp(t)), t);
  }
}

TEST(Instants, DateOf) {
  EXPECT_EQ(date_of(0), Date{0});
  EXPECT_EQ(date_of(kMicrosPerDay - 1), Date{0});
  EXPECT_EQ(date_of(kMicrosPerDay), Date{1});
  EXPECT_EQ(date_of(-1), Date{-1});
  EXPECT_EQ(date_of(-kMicrosPerDay), Date{-1});
  EXPECT_EQ(date_of(-kMicrosPerDay - 1), Date{-2});
  EXPECT_EQ(date_of(at(1969, 7, 20, 20, 17, 40)), date_from_ymd(1969, 7, 20));
  EXPECT_EQ(date_of(at(1, 1, 1, 23, 59, 59)), date_from_ymd(1, 1, 1));
  EXPECT_EQ(date_of(*parse_timestamp("2024-02-29T23:59:59.999999Z")), *parse_date("2024-02-29"));
}

TEST(Instants, EndOfDay) {
  EXPECT_EQ(end_of_day(Date{0}), kMicrosPerDay);
  EXPECT_EQ(end_of_day(Date{-1}), 0);
  EXPECT_EQ(end_of_day(*parse_date("2026-03-31")), *parse_timestamp("2026-04-01T00:00:00Z"));
  for (int32_t day : {-719162, -1000, -2, -1, 0, 1, 19000, 2932896}) {
    const Date d{day};
    EXPECT_EQ(date_of(end_of_day(d) - 1), d);
    EXPECT_EQ(date_of(end_of_day(d)), Date{day + 1});
  }
}

// ---- UUIDs ----------------------------------------------------------------------------------

TEST(Uuids, FormatsCanonicalLowercase) {
  Uuid id;
  for (size_t i = 0; i < 16; ++i) id.bytes[i] = static_cast<uint8_t>(i * 0x11);
  EXPECT_EQ(to_string(id), "00112233-4455-6677-8899-aabbccddeeff");
  EXPECT_EQ(to_string(Uuid{}), "00000000-0000-0000-0000-000000000000");
  EXPECT_TRUE(Uuid{}.is_nil());
  EXPECT_FALSE(id.is_nil());
}

TEST(Uuids, ParsesEitherCase) {
  Result<Uuid> lower = parse_uuid("123e4567-e89b-12d3-a456-426614174000");
  Result<Uuid> upper = parse_uuid("123E4567-E89B-12D3-A456-426614174000");
  ASSERT_TRUE(lower.is_ok());
  ASSERT_TRUE(upper.is_ok());
  EXPECT_EQ(*lower, *upper);
  EXPECT_EQ(lower->bytes[0], 0x12);
  EXPECT_EQ(lower->bytes[15], 0x00);
  EXPECT_EQ(to_string(*upper), "123e4567-e89b-12d3-a456-426614174000");
  EXPECT_TRUE(parse_uuid("00000000-0000-0000-0000-000000000000")->is_nil());
}

TEST(Uuids, RoundTrips) {
  std::mt19937_64 random(1);
  for (int i = 0; i < 1000; ++i) {
    Uuid id;
    for (uint8_t& b : id.bytes) b = static_cast<uint8_t>(random());
    Result<Uuid> parsed = parse_uuid(to_string(id));
    ASSERT_TRUE(parsed.is_ok());
    EXPECT_EQ(*parsed, id);
  }
}

TEST(Uuids, RejectsMalformed) {
  for (const std::string& bad :
       {""s, "123e4567e89b12d3a456426614174000"s, "123e4567-e89b-12d3-a456-42661417400"s,
        "123e4567-e89b-12d3-a456-4266141740000"s, "{123e4567-e89b-12d3-a456-426614174000}"s,
        "123e4567-e89b-12d3-a456_426614174000"s, "123e4567-e89b-12d3a-456-426614174000"s,
        "123e456g-e89b-12d3-a456-426614174000"s, "123e4567-e89b-12d3-a456-4266141740-0"s,
        "123e4567 e89b 12d3 a456 426614174000"s, "123e4567-e89b-12d3-a456-42661417400\0"s,
        "+23e4567-e89b-12d3-a456-426614174000"s}) {
    Result<Uuid> id = parse_uuid(bad);
    EXPECT_FALSE(id.is_ok()) << bad;
    if (!id.is_ok()) {
      EXPECT_EQ(id.status().code(), Code::kInvalidArgument);
    }
  }
}

// ---- Hex ------------------------------------------------------------------------------------

TEST(Hex, EncodesLowercase) {
  EXPECT_EQ(to_hex(""), "");
  EXPECT_EQ(to_hex("\x00\x01\x7f\x80\xff"s), "00017f80ff");
  EXPECT_EQ(to_hex("abc"), "616263");
}

TEST(Hex, DecodesEitherCase) {
  EXPECT_EQ(from_hex(""), ""s);
  EXPECT_EQ(from_hex("00017f80ff"), "\x00\x01\x7f\x80\xff"s);
  EXPECT_EQ(from_hex("DEADbeef"), "\xde\xad\xbe\xef"s);
}

TEST(Hex, RoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string hex = to_hex(all);
  EXPECT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 6), "000102");
  EXPECT_EQ(hex.substr(506), "fdfeff");
  EXPECT_EQ(from_hex(hex), all);
}

TEST(Hex, RejectsOddLengthsAndNonHexDigits) {
  for (const std::string& bad :
       {"0"s, "abc"s, "0g"s, "g0"s, "zz"s, " 00"s, "00 "s, "0x00"s, "-1"s, "\0\0"s, "ａｂ"s}) {
    EXPECT_EQ(from_hex(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace gaplog

namespace gaplog {
namespace {

// SPEC §12 cadences count in calendar months, the day clamped to a shorter month's last.
TEST(Dates, AddMonthsKeepsTheDayOrTheMonthsLast) {
  auto plus = [](const char* from, int months) {
    return format_date(add_months(*parse_date(from), months));
  };
  EXPECT_EQ(plus("2026-01-15", 1), "2026-02-15");
  EXPECT_EQ(plus("2026-01-31", 1), "2026-02-28");
  EXPECT_EQ(plus("2028-01-31", 1), "2028-02-29");
  EXPECT_EQ(plus("2026-03-31", 3), "2026-06-30");
  EXPECT_EQ(plus("2026-08-31", 6), "2027-02-28");
  EXPECT_EQ(plus("2024-02-29", 12), "2025-02-28");
  EXPECT_EQ(plus("2026-12-15", 1), "2027-01-15");
  EXPECT_EQ(plus("2026-11-30", 3), "2027-02-28");
  EXPECT_EQ(plus("2026-05-10", 0), "2026-05-10");
  EXPECT_EQ(plus("2026-03-31", -1), "2026-02-28");
}

}  // namespace
}  // namespace gaplog
