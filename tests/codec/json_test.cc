#include "codec/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "../support/json_samples.h"
#include "domain/validation.h"

namespace gaplog::json {

// Failure messages show values as JSON.
void PrintTo(const Value& v, std::ostream* os) { *os << write(v); }

namespace {

using namespace std::string_literals;
using ::testing::HasSubstr;

std::string repeat(std::string_view unit, size_t times) {
  std::string out;
  out.reserve(unit.size() * times);
  for (size_t i = 0; i < times; ++i) out += unit;
  return out;
}

Value parse_ok(std::string_view text, const ParseLimits& limits = {}) {
  Result<Value> result = parse(text, limits);
  EXPECT_TRUE(result.is_ok()) << quoted_excerpt(text) << ": " << result.status().to_string();
  return result.is_ok() ? std::move(result).value() : Value();
}

// Every rejection has the given code and a message that is short, valid UTF-8 and contains
// each of `parts`.
void expect_rejected(std::string_view text, Code code, const std::vector<std::string>& parts,
                     const ParseLimits& limits = {}) {
  const Result<Value> result = parse(text, limits);
  ASSERT_FALSE(result.is_ok()) << "accepted " << quoted_excerpt(text);
  EXPECT_EQ(result.status().code(), code)
      << quoted_excerpt(text) << ": " << result.status().message();
  const std::string& message = result.status().message();
  EXPECT_TRUE(is_valid_utf8(message)) << message;
  EXPECT_LT(message.size(), 400u) << message;
  for (const std::string& part : parts) {
    EXPECT_THAT(message, HasSubstr(part)) << "input " << quoted_excerpt(text);
  }
}

void expect_invalid(std::string_view text, const std::vector<std::string>& parts) {
  expect_rejected(text, Code::kInvalidArgument, parts);
}

// ---- Value ----------------------------------------------------------------------------------

TEST(JsonValue, BuildersAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value::null().is_null());
  EXPECT_EQ(Value::null().kind(), Value::Kind::kNull);
  EXPECT_TRUE(Value::boolean(true).as_bool());
  EXPECT_EQ(Value::integer(-7).as_integer(), -7);
  EXPECT_TRUE(Value::integer(-7).is_number());
  EXPECT_TRUE(Value::integer(-7).is_integer());
  EXPECT_FALSE(Value::number(2.0).is_integer());
  EXPECT_EQ(Value::number(2.5).as_double(), 2.5);
  EXPECT_EQ(Value::integer(3).as_double(), 3.0);
  EXPECT_EQ(Value::string("x").as_string(), "x");
  EXPECT_EQ(Value::array().kind(), Value::Kind::kArray);
  EXPECT_EQ(Value::object().kind(), Value::Kind::kObject);
  EXPECT_THROW((void)Value::string("x").as_integer(), std::bad_variant_access);
}

TEST(JsonValue, SetAppendsInOrderAndReplacesInPlace) {
  Value v = Value::object()
                .set("id", Value::string("F-1"))
                .set("title", Value::string("old"))
                .set("version", Value::integer(1));
  v.set("title", Value::string("new"));
  ASSERT_EQ(v.members().size(), 3u);
  EXPECT_EQ(v.members()[0].first, "id");
  EXPECT_EQ(v.members()[1].first, "title");
  EXPECT_EQ(v.members()[1].second.as_string(), "new");
  EXPECT_EQ(write(v), R"({"id":"F-1","title":"new","version":1})");
  ASSERT_NE(v.find("version"), nullptr);
  EXPECT_EQ(v.find("version")->as_integer(), 1);
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_EQ(Value::array().find("id"), nullptr);
  // Setting a member of a number is a bug, which throws.
  EXPECT_THROW(v.find("version")->set("unused", Value()), std::bad_variant_access);
}

TEST(JsonValue, PushAppendsItems) {
  Value list = Value::array().push(Value::integer(1)).push(Value::string("two"));
  list.push(Value::null());
  ASSERT_EQ(list.items().size(), 3u);
  EXPECT_EQ(write(list), R"([1,"two",null])");
}

TEST(JsonValue, EqualityIsSemantic) {
  EXPECT_EQ(Value::integer(1), Value::number(1.0));
  EXPECT_NE(Value::integer(1), Value::number(1.5));
  EXPECT_NE(Value::integer(INT64_MAX), Value::number(9223372036854775808.0));
  EXPECT_NE(Value::number(NAN), Value::number(NAN));
  EXPECT_NE(Value::integer(0), Value::boolean(false));
  EXPECT_NE(Value::null(), Value::string(""));
  const Value ab = Value::object().set("a", Value::integer(1)).set("b", Value::integer(2));
  const Value ba = Value::object().set("b", Value::integer(2)).set("a", Value::integer(1));
  EXPECT_EQ(ab, ba);
  EXPECT_NE(ab, Value::object().set("a", Value::integer(1)).set("c", Value::integer(2)));
  EXPECT_NE(ab, Value::object().set("a", Value::integer(1)));
  EXPECT_NE(Value::array().push(Value::integer(1)).push(Value::integer(2)),
            Value::array().push(Value::integer(2)).push(Value::integer(1)));
}

// ---- write ----------------------------------------------------------------------------------

TEST(JsonWrite, IsCompactAndKeepsMemberOrder) {
  const Value v = Value::object()
                      .set("z", Value::array().push(Value::boolean(true)).push(Value::null()))
                      .set("a", Value::object())
                      .set("m", Value::array());
  EXPECT_EQ(write(v), R"({"z":[true,null],"a":{},"m":[]})");
  EXPECT_EQ(write(v), write(v));
}

TEST(JsonWrite, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(write(Value::string("say \"hi\" \\ bye")), R"("say \"hi\" \\ bye")");
  EXPECT_EQ(write(Value::string("a\nb\tc\rd\x01\x1f"s + '\0')),
            R"("a\u000ab\u0009c\u000dd\u0001\u001f\u0000")");
  EXPECT_EQ(write(Value::string("/ and \x7f stay")), "\"/ and \x7f stay\"");
}

TEST(JsonWrite, KeepsNonAsciiAsUtf8) {
  EXPECT_EQ(write(Value::string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92 \xE2\x80\xA8")),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92 \xE2\x80\xA8\"");
  EXPECT_EQ(write(Value::object().set("cl\xC3\xA9", Value::integer(1))), "{\"cl\xC3\xA9\":1}");
}

TEST(JsonWrite, ReplacesInvalidUtf8WithReplacementCharacter) {
  const std::string out =
      write(Value::string("a\xFF"
                          "b\xC3"));
  EXPECT_EQ(out,
            "\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\"");
  EXPECT_TRUE(parse(out).is_ok());
}

TEST(JsonWrite, Numbers) {
  EXPECT_EQ(write(Value::integer(0)), "0");
  EXPECT_EQ(write(Value::integer(-42)), "-42");
  EXPECT_EQ(write(Value::integer(INT64_MAX)), "9223372036854775807");
  EXPECT_EQ(write(Value::integer(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(write(Value::number(0.1)), "0.1");
  EXPECT_EQ(write(Value::number(-2.5)), "-2.5");
  EXPECT_EQ(write(Value::number(3.0)), "3");
  EXPECT_EQ(write(Value::number(1e300)), "1e+300");
  EXPECT_EQ(write(Value::number(5e-324)), "5e-324");
  EXPECT_EQ(write(Value::number(-0.0)), "0");  // see NegativeZeroWritesAsZeroSoRewritingIsStable
  EXPECT_EQ(write(Value::number(1.0 / 3.0)), "0.3333333333333333");
}

TEST(JsonWrite, NonFiniteNumbersBecomeNull) {
  EXPECT_EQ(write(Value::number(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(write(Value::number(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(write(Value::array().push(Value::number(-std::numeric_limits<double>::infinity()))),
            "[null]");
}

// ---- parse: accepted ------------------------------------------------------------------------

TEST(JsonParse, CanonicalTextsWriteBackUnchanged) {
  for (const std::string_view text : {"null",
                                      "true",
                                      "false",
                                      "0",
                                      "-1",
                                      "9223372036854775807",
                                      "-9223372036854775808",
                                      "0.5",
                                      "-0.001",
                                      "1e+300",
                                      "1.5e-10",
                                      R"("")",
                                      R"("plain")",
                                      R"("tab\u0009quote\"")",
                                      "[]",
                                      "{}",
                                      "[1,2,3]",
                                      R"({"b":1,"a":[{},[]],"c":{"d":null}})",
                                      "\"caf\xC3\xA9 \xF0\x9F\x94\x92\"",
                                      R"([true,false,null,"x",{"k":"v"}])"}) {
    EXPECT_EQ(write(parse_ok(text)), text);
  }
}

TEST(JsonParse, AcceptsWhitespaceAroundTokens) {
  const Value v = parse_ok(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] , \"b\":{ } }\n ");
  EXPECT_EQ(write(v), R"({"a":[1,2],"b":{}})");
}

TEST(JsonParse, DecodesEscapes) {
  EXPECT_EQ(parse_ok(R"("\" \\ \/ \b \f \n \r \t")").as_string(), "\" \\ / \b \f \n \r \t");
  EXPECT_EQ(parse_ok(R"("\u00e9\u00C9\u20ac")").as_string(), "\xC3\xA9\xC3\x89\xE2\x82\xAC");
  EXPECT_EQ(parse_ok(R"("a\u0000b")").as_string(), "a\0b"s);
  EXPECT_EQ(parse_ok(R"({"k\u0065y":1})").members()[0].first, "key");
}

TEST(JsonParse, DecodesSurrogatePairs) {
  EXPECT_EQ(parse_ok(R"("\ud83d\udd12")").as_string(), "\xF0\x9F\x94\x92");  // U+1F512
  EXPECT_EQ(parse_ok(R"("\uD800\uDC00")").as_string(), "\xF0\x90\x80\x80");  // U+10000
  EXPECT_EQ(parse_ok(R"("\udbff\udfff")").as_string(), "\xF4\x8F\xBF\xBF");  // U+10FFFF
  EXPECT_EQ(write(parse_ok(R"("\ud83d\udd12")")), "\"\xF0\x9F\x94\x92\"");
}

TEST(JsonParse, KeepsInt64ExactlyAndFallsBackToDoubleBeyond) {
  const Value max = parse_ok("9223372036854775807");
  ASSERT_TRUE(max.is_integer());
  EXPECT_EQ(max.as_integer(), INT64_MAX);
  const Value min = parse_ok("-9223372036854775808");
  ASSERT_TRUE(min.is_integer());
  EXPECT_EQ(min.as_integer(), INT64_MIN);

  // Documented choice: 2^63 and beyond are numbers, kept as the nearest double.
  const Value two_to_63 = parse_ok("9223372036854775808");
  EXPECT_TRUE(two_to_63.is_number());
  EXPECT_FALSE(two_to_63.is_integer());
  EXPECT_EQ(two_to_63.as_double(), 9223372036854775808.0);
  const Value below_min = parse_ok("-9223372036854775809");
  EXPECT_FALSE(below_min.is_integer());
  EXPECT_EQ(below_min.as_double(), -9223372036854775808.0);
  EXPECT_FALSE(parse_ok(repeat("9", 300)).is_integer());

  // A fraction or exponent makes a double even when integral.
  EXPECT_FALSE(parse_ok("1.0").is_integer());
  EXPECT_FALSE(parse_ok("1e2").is_integer());
  EXPECT_EQ(parse_ok("1e2").as_double(), 100.0);
  EXPECT_TRUE(parse_ok("-0").is_integer());
}

TEST(JsonParse, DoubleRangeEdges) {
  EXPECT_EQ(parse_ok("1.7976931348623157e308").as_double(), 1.7976931348623157e308);
  EXPECT_EQ(parse_ok("-1.7976931348623157e308").as_double(), -1.7976931348623157e308);
  EXPECT_EQ(parse_ok("5e-324").as_double(), 5e-324);
  // Underflow is not an error: the number is as good as zero.
  EXPECT_EQ(parse_ok("1e-400").as_double(), 0.0);
  EXPECT_EQ(parse_ok("0." + repeat("0", 400) + "1").as_double(), 0.0);
  EXPECT_TRUE(std::signbit(parse_ok("-1e-400").as_double()));
}

// ---- parse: rejected ------------------------------------------------------------------------

TEST(JsonParse, RejectsEmptyBody) {
  expect_invalid("", {"empty"});
  expect_invalid(" \n\t ", {"empty"});
}

TEST(JsonParse, RejectsInvalidUtf8AnywhereWithItsPosition) {
  expect_invalid("\"ab\xFF\"", {"UTF-8", "0xFF", "line 1, column 4"});
  expect_invalid("[\"\xC0\xAF\"]", {"UTF-8", "0xC0"});              // overlong '/'
  expect_invalid("\"\xED\xA0\x80\"", {"UTF-8", "0xED"});            // an encoded surrogate
  expect_invalid("\"\xF4\x90\x80\x80\"", {"UTF-8"});                // above U+10FFFF
  expect_invalid("\"\xE2\x82\"", {"UTF-8"});                        // truncated
  expect_invalid("{\"k\xE9y\":1}", {"UTF-8", "line 1, column 4"});  // Latin-1 in a key
  expect_invalid("[1]\xFF", {"UTF-8"});
  expect_invalid("\"caf\xC3\xA9\"\n\xFF", {"UTF-8", "line 2, column 1"});
  expect_invalid("\xEF\xBB\xBF{}", {"byte order mark"});
}

TEST(JsonParse, RejectsControlCharactersInStrings) {
  expect_invalid("\"a\nb\"", {"control character U+000A", "line 1, column 3", "\\u000a", "\\n"});
  expect_invalid("\"a\tb\"", {"control character U+0009"});
  expect_invalid("{\"a\x01\":1}", {"control character U+0001"});
  expect_invalid("\"a"s + '\0' + "\""s, {"control character U+0000"});
}

TEST(JsonParse, RejectsBadEscapes) {
  expect_invalid(R"("\x41")", {"invalid escape '\\x'", "\\u followed by four hex digits"});
  expect_invalid(R"("\a")", {"invalid escape"});
  expect_invalid(R"("\')", {"invalid escape"});
  expect_invalid(R"("\u12G4")", {"four hex digits"});
  expect_invalid(R"("\u12")", {"four hex digits"});
  expect_invalid(R"("\U0041")", {"invalid escape"});
  expect_invalid("\"\\", {"backslash"});
}

TEST(JsonParse, RejectsLoneSurrogates) {
  expect_invalid(R"("\ud800")", {"unpaired high surrogate \\ud800", "line 1, column 2"});
  expect_invalid(R"("\udc00")", {"lone low surrogate \\udc00"});
  expect_invalid(R"("\ud800\u0041")", {"unpaired high surrogate"});
  expect_invalid(R"("\ud800x")", {"unpaired high surrogate"});
  expect_invalid(R"("\ud800\ud800")", {"unpaired high surrogate"});
  expect_invalid(R"("\udc00\ud800")", {"lone low surrogate"});
  expect_invalid(R"("\ud800\n")", {"unpaired high surrogate"});
}

TEST(JsonParse, RejectsMalformedNumbers) {
  expect_invalid("01", {"leading zero", "'01'"});
  expect_invalid("-007", {"leading zero"});
  expect_invalid("[00]", {"leading zero"});
  expect_invalid("+1", {"'+'"});
  expect_invalid(".5", {"0.5"});
  expect_invalid("1.", {"decimal point"});
  expect_invalid("1.e5", {"decimal point"});
  expect_invalid("1e", {"exponent"});
  expect_invalid("1e+", {"exponent"});
  expect_invalid("-", {"'-' without digits"});
  expect_invalid("-a", {"'-' without digits"});
  expect_invalid("0x1F", {"unexpected 'x'"});
}

TEST(JsonParse, RejectsNanAndInfinity) {
  expect_invalid("NaN", {"NaN is not a JSON number", "null"});
  expect_invalid("Infinity", {"Infinity is not a JSON number"});
  expect_invalid("[-Infinity]", {"-Infinity is not a JSON number"});
  expect_invalid("nan", {"unexpected word 'nan'"});
}

TEST(JsonParse, RejectsNumbersBeyondDouble) {
  expect_invalid("1e400", {"'1e400' is too large", "1.7e308"});
  expect_invalid("-1e400", {"too large"});
  expect_invalid("[1.8e308]", {"too large"});
  expect_invalid(repeat("9", 400), {"too large"});
  expect_invalid("1e99999999999999999999999", {"too large"});
}

TEST(JsonParse, RejectsTrailingCommas) {
  expect_invalid("[1,]", {"trailing comma before ']'", "line 1, column 3", "remove the comma"});
  expect_invalid(R"({"a":1,})", {"trailing comma before '}'"});
  expect_invalid("[1,\n ]", {"trailing comma"});
  expect_invalid("[,]", {"unexpected ','"});
  expect_invalid("[1,,2]", {"unexpected ','", "expected a value"});
  expect_invalid("{,}", {"unexpected ','"});
}

TEST(JsonParse, RejectsComments) {
  expect_invalid("// note\n{}", {"comment", "line 1, column 1"});
  expect_invalid("[1 /* one */]", {"comment"});
  expect_invalid("{\"a\":1} // done", {"comment"});
  expect_invalid("{\"a\":/*x*/1}", {"comment"});
}

TEST(JsonParse, RejectsSingleQuotes) {
  expect_invalid("'text'", {"single quote", "double quotes"});
  expect_invalid("{'a':1}", {"single quote"});
  expect_invalid("[\"a\",'b']", {"single quote"});
}

TEST(JsonParse, RejectsBareWordsAndMisspelledLiterals) {
  expect_invalid("tru", {"unexpected word 'tru'"});
  expect_invalid("True", {"unexpected word 'True'"});
  expect_invalid("nulll", {"unexpected word 'nulll'"});
  expect_invalid("[undefined]", {"unexpected word 'undefined'"});
  expect_invalid("{a:1}", {"member name in double quotes"});
}

TEST(JsonParse, RejectsDuplicateKeys) {
  expect_invalid(R"({"title":"a","title":"b"})", {"duplicate key 'title' in an object",
                                                  "line 1, column 14", "send each field once"});
  expect_invalid(R"({"a":{"x":1,"x":2}})", {"duplicate key 'x'"});
  // Escapes are decoded before comparing.
  expect_invalid(R"({"a":1,"\u0061":2})", {"duplicate key 'a'"});
  // Large objects use a hash set: the duplicate is still found, wherever it is.
  std::string big = "{";
  for (int i = 0; i < 1000; ++i) big += "\"k" + std::to_string(i) + "\":0,";
  big += R"("k17":0})";
  expect_invalid(big, {"duplicate key 'k17'"});
  // The same key in different objects is fine.
  EXPECT_TRUE(parse(R"([{"a":1},{"a":2},{"b":{"a":3}}])").is_ok());
}

TEST(JsonParse, RejectsDuplicateKeyBeforeReadingItsValue) {
  expect_invalid(R"({"a":1,"a":[1,,]})", {"duplicate key 'a'"});
}

TEST(JsonParse, NestingLimitIsThirtyTwoLevels) {
  EXPECT_TRUE(parse(repeat("[", 32) + repeat("]", 32)).is_ok());
  expect_invalid(repeat("[", 33) + repeat("]", 33),
                 {"nesting deeper than 32 levels", "line 1, column 33"});
  EXPECT_TRUE(parse(repeat("{\"a\":", 32) + "1" + repeat("}", 32)).is_ok());
  expect_invalid(repeat("{\"a\":", 33) + "1" + repeat("}", 33), {"nesting deeper than 32"});
  expect_invalid(repeat("[{\"a\":", 17) + "1" + repeat("}]", 17), {"nesting deeper than 32"});
  // Scalars do not count, and the limit is configurable.
  EXPECT_TRUE(parse("1", {.max_depth = 0}).is_ok());
  expect_rejected("[]", Code::kInvalidArgument, {"nesting deeper than 0 levels"}, {.max_depth = 0});
}

TEST(JsonParse, AMegabyteOfOpenBracketsDoesNotOverflowTheStack) {
  const std::string brackets = repeat("[", 1 << 20);
  expect_invalid(brackets, {"nesting deeper than 32 levels"});
  // Even with no depth limit, the parser is iterative.
  expect_rejected(brackets, Code::kInvalidArgument, {"the body ends too early"},
                  {.max_depth = SIZE_MAX});
  expect_rejected(repeat("{\"a\":", 200'000), Code::kInvalidArgument, {"ends too early"},
                  {.max_depth = SIZE_MAX});
}

TEST(JsonParse, BodySizeLimitIsOneMebibyte) {
  constexpr size_t kMax = 1 << 20;
  const std::string exact = "\"" + repeat("a", kMax - 2) + "\"";
  ASSERT_EQ(exact.size(), kMax);
  EXPECT_EQ(parse_ok(exact).as_string().size(), kMax - 2);
  const std::string over = exact + " ";
  const Result<Value> result = parse(over);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), Code::kTooLarge);
  EXPECT_THAT(result.status().message(), HasSubstr("1048577 bytes"));
  EXPECT_THAT(result.status().message(), HasSubstr("1048576"));
  // Garbage over the limit is refused for its size before anything else is looked at.
  expect_rejected(std::string(kMax + 1, '\xFF'), Code::kTooLarge, {"limit"});
  expect_rejected("[1, 2]", Code::kTooLarge, {"6 bytes"}, {.max_bytes = 5});
}

TEST(JsonParse, StringLimitIsTooLarge) {
  EXPECT_TRUE(parse(R"("abcd")", {.max_string_bytes = 4}).is_ok());
  expect_rejected(R"("abcde")", Code::kTooLarge, {"longer than 4 bytes"}, {.max_string_bytes = 4});
  expect_rejected(R"({"abcde":1})", Code::kTooLarge, {"longer than 4 bytes"},
                  {.max_string_bytes = 4});
  // Escapes count as the bytes they stand for.
  EXPECT_TRUE(parse(R"("\u00e9\u00e9")", {.max_string_bytes = 4}).is_ok());
  expect_rejected(R"("\u00e9\u00e9a")", Code::kTooLarge, {"longer"}, {.max_string_bytes = 4});
}

TEST(JsonParse, RejectsAnythingAfterTheValue) {
  expect_invalid("1 2",
                 {"unexpected '2' after the JSON value", "line 1, column 3", "exactly one value"});
  expect_invalid("{}{}", {"after the JSON value"});
  expect_invalid("[]x", {"after the JSON value"});
  expect_invalid("null,", {"after the JSON value"});
  expect_invalid("\"a\" \"b\"", {"after the JSON value"});
  expect_invalid("{}\n]", {"line 2, column 1"});
}

TEST(JsonParse, RejectsUnfinishedValues) {
  expect_invalid("[", {"ends too early", "expected a value"});
  expect_invalid("[1", {"ends before the array opened at line 1, column 1", "']'"});
  expect_invalid("{", {"ends too early", "member name"});
  expect_invalid(R"({"a")", {"':'"});
  expect_invalid(R"({"a":)", {"ends too early", "a value"});
  expect_invalid(R"({"a":1)", {"ends before the object", "'}'"});
  expect_invalid("\"abc", {"never closed", "line 1, column 1"});
  expect_invalid("[1 2]", {"unexpected '2'", "',' or ']'"});
  expect_invalid(R"({"a" 1})", {"':' after the member name"});
  expect_invalid(R"({"a":1 "b":2})", {"',' or '}'"});
  expect_invalid("{1:2}", {"member name in double quotes"});
  expect_invalid("]", {"unexpected ']'"});
  expect_invalid("[}", {"unexpected '}'"});
  expect_invalid("{]", {"unexpected ']'"});
  expect_invalid("\xC3\xA9", {"unexpected '\xC3\xA9'"});
}

TEST(JsonParse, ErrorPositionsCountLinesAndCharacters) {
  expect_invalid("{\n  \"a\": 1,\n  \"b\": tru\n}", {"line 3, column 8"});
  // Columns count characters, not bytes.
  expect_invalid("[\"\xC3\xA9\xC3\xA9\", 01]", {"line 1, column 8"});
}

// How fast a mebibyte parses is measured in bench/json_bench.cc; here, that it parses whole.
TEST(JsonParse, AMebibyteOfArraysAndOneOfObjectKeysParseWhole) {
  const std::string body = testing_json::mebibyte_of_findings();
  ASSERT_LE(body.size(), size_t{1} << 20);
  const Value v = parse_ok(body);
  EXPECT_GT(v.find("findings")->items().size(), 1000u);
  EXPECT_EQ(parse_ok(write(v)), v);

  // One big object takes the hashed duplicate check.
  const std::string object = testing_json::mebibyte_object();
  auto parsed = parse(object);
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->find("key7")->as_integer(), 7);
}

// ---- round trips and robustness -------------------------------------------------------------

// Random values whose strings are valid UTF-8 (the writer replaces invalid bytes, so those
// would not round-trip by design).
class RandomValues {
 public:
  explicit RandomValues(uint32_t seed) : rng_(seed) {}

  Value value(int depth) {
    const int kind = pick(depth > 0 ? 8 : 6);
    switch (kind) {
      case 0:
        return Value::null();
      case 1:
        return Value::boolean(pick(2) == 1);
      case 2:
        return Value::integer(integer());
      case 3:
        return Value::number(finite_double());
      case 4:
      case 5:
        return Value::string(text());
      case 6: {
        Value array = Value::array();
        for (int i = pick(5); i > 0; --i) array.push(value(depth - 1));
        return array;
      }
      default: {
        Value object = Value::object();
        for (int i = pick(5); i > 0; --i) object.set(text(), value(depth - 1));
        return object;
      }
    }
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  int64_t integer() {
    switch (pick(4)) {
      case 0:
        return std::numeric_limits<int64_t>::max() - pick(3);
      case 1:
        return std::numeric_limits<int64_t>::min() + pick(3);
      case 2:
        return pick(2001) - 1000;
      default:
        return static_cast<int64_t>(rng_());
    }
  }

  double finite_double() {
    for (;;) {
      double d = 0;
      switch (pick(4)) {
        case 0:
          d = std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
          break;
        case 1:
          d = static_cast<double>(pick(1000)) / 8.0;
          break;
        case 2:
          d = std::ldexp(1.0, pick(200) - 100) * (pick(2) ? 1 : -1);
          break;
        default: {
          const uint64_t bits = rng_();
          std::memcpy(&d, &bits, sizeof d);
        }
      }
      if (std::isfinite(d)) return d;
    }
  }

  std::string text() {
    static const std::vector<std::string> kPieces = {"a",
                                                     "Z",
                                                     "0",
                                                     " ",
                                                     "\"",
                                                     "\\",
                                                     "/",
                                                     "\n",
                                                     "\t",
                                                     "\x01",
                                                     "\x1f",
                                                     "\x7f",
                                                     "\0"s,
                                                     "\xC3\xA9",
                                                     "\xE2\x82\xAC",
                                                     "\xF0\x9F\x94\x92",
                                                     "\xE2\x80\xA8",
                                                     "title",
                                                     "\xEF\xBF\xBF"};
    std::string out;
    const int count = static_cast<int>(kPieces.size());
    for (int i = pick(8); i > 0; --i) out += kPieces[static_cast<size_t>(pick(count))];
    return out;
  }

  std::mt19937_64 rng_;
};

TEST(JsonRoundTrip, ParseOfWriteGivesTheSameValue) {
  RandomValues random(20240601);
  for (int i = 0; i < 3000; ++i) {
    const Value v = random.value(4);
    const std::string text = write(v);
    ASSERT_TRUE(is_valid_utf8(text));
    const Result<Value> back = parse(text);
    ASSERT_TRUE(back.is_ok()) << text << ": " << back.status().to_string();
    EXPECT_EQ(*back, v) << text;
    EXPECT_EQ(write(*back), text);
  }
}

TEST(JsonRoundTrip, DoublesRoundTripExactly) {
  for (const double d :
       {0.1, 1.0 / 3.0, 1e-300, 5e-324, 1.7976931348623157e308, 1e21, 1e22, 9007199254740993.0,
        1152921504606846976.0, 18446744073709551616.0, -1234.5678e-90}) {
    const Value back = parse_ok(write(Value::number(d)));
    EXPECT_EQ(back.as_double(), d) << write(Value::number(d));
  }
}

// A parse failure must be a clean status; a success must survive write and parse again.
void expect_robust(std::string_view text) {
  const Result<Value> result = parse(text);
  if (!result.is_ok()) {
    const Code code = result.status().code();
    EXPECT_TRUE(code == Code::kInvalidArgument || code == Code::kTooLarge);
    EXPECT_FALSE(result.status().message().empty());
    EXPECT_TRUE(is_valid_utf8(result.status().message())) << result.status().message();
    return;
  }
  const std::string written = write(*result);
  const Result<Value> again = parse(written);
  ASSERT_TRUE(again.is_ok()) << written << ": " << again.status().to_string();
  EXPECT_EQ(*again, *result) << written;
  EXPECT_EQ(write(*again), written);
}

TEST(JsonRobustness, RandomBytesNeverCrash) {
  std::mt19937 rng(12345);
  const std::string alphabet = "{}[]:,\"\\/ \n\t0123456789-+.eEtrufalsn'uU*abcdxyz\x01\xC3\xA9\xFF";
  for (int i = 0; i < 4000; ++i) {
    const size_t length = rng() % 64;
    std::string text;
    const bool any_byte = i % 4 == 0;
    for (size_t j = 0; j < length; ++j) {
      text += any_byte ? static_cast<char>(rng() & 0xFF) : alphabet[rng() % alphabet.size()];
    }
    expect_robust(text);
  }
}

TEST(JsonRobustness, MutatedDocumentsNeverCrash) {
  const std::vector<std::string> seeds = {
      R"({"title":"Firewall review","description":"caf\u00e9 \ud83d\udd12","severity":"high",)"
      R"("criteria":["CC6.1","CC7.2"],"owner":null,"due_date":"2024-06-30","score":-1.5e3})",
      R"([1,-0,0.25,1e10,9223372036854775807,true,false,null,"",[],{},[[{"a":[]}]]])",
      "{\"nested\":{\"deeper\":{\"list\":[\"\xC3\xA9\",\"\\\"q\\\"\",\"\\\\\"]}}}",
  };
  const std::string inserts = "{}[]:,\"\\ 0-.eE'/*\x01\xFF\xC3";
  std::mt19937 rng(777);
  int accepted = 0;
  for (int i = 0; i < 6000; ++i) {
    std::string text = seeds[static_cast<size_t>(i) % seeds.size()];
    for (int m = 1 + static_cast<int>(rng() % 3); m > 0 && !text.empty(); --m) {
      const size_t at = rng() % text.size();
      switch (rng() % 5) {
        case 0:
          text[at] = static_cast<char>(rng() & 0xFF);
          break;
        case 1:
          text.erase(at, 1 + rng() % 4);
          break;
        case 2:
          text.insert(at, 1, inserts[rng() % inserts.size()]);
          break;
        case 3:
          text.insert(at, text.substr(rng() % text.size(), rng() % 12));
          break;
        default:
          text.resize(at);
          break;
      }
    }
    expect_robust(text);
    if (parse(text).is_ok()) ++accepted;
  }
  // The mutations should exercise both outcomes.
  EXPECT_GT(accepted, 50);
  EXPECT_LT(accepted, 5000);
}

// ---- ObjectReader ---------------------------------------------------------------------------

Value body(std::string_view text) { return parse_ok(text); }

TEST(JsonObjectReader, ReadsEveryKindOfField) {
  const Value v =
      body(R"({"title":"Review firewall","description":"Quarterly","owner":"ann@x.io",)"
           R"("criteria":["CC6.1","CC6.6"],"limit":50,"overdue":true,"extra":{"k":1}})");
  ObjectReader r(v, "finding");
  EXPECT_EQ(*r.required_string("title"), "Review firewall");
  EXPECT_EQ(**r.optional_string("description"), "Quarterly");
  const NullableString owner = *r.nullable_string("owner");
  EXPECT_FALSE(owner.is_absent());
  EXPECT_FALSE(owner.is_null());
  EXPECT_EQ(owner.value, "ann@x.io");
  EXPECT_THAT(*r.required_string_list("criteria"), ::testing::ElementsAre("CC6.1", "CC6.6"));
  EXPECT_EQ(**r.optional_integer("limit"), 50);
  EXPECT_EQ(**r.optional_bool("overdue"), true);
  const Value* extra = *r.optional_value("extra");
  ASSERT_NE(extra, nullptr);
  EXPECT_TRUE(extra->is_object());
  EXPECT_TRUE(r.finish().is_ok()) << r.finish().to_string();
}

TEST(JsonObjectReader, AbsentOptionalFieldsAreEmptyAndStillKnown) {
  const Value v = body(R"({"title":"t"})");
  ObjectReader r(v, "finding");
  EXPECT_FALSE(r.optional_string("description")->has_value());
  EXPECT_TRUE(r.nullable_string("owner")->is_absent());
  EXPECT_FALSE(r.optional_string_list("criteria")->has_value());
  EXPECT_FALSE(r.optional_integer("limit")->has_value());
  EXPECT_FALSE(r.optional_bool("overdue")->has_value());
  EXPECT_EQ(*r.optional_value("extra"), nullptr);
  const Status status = r.finish();
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "unknown field 'title'; the fields of a finding are: description, owner, criteria, "
            "limit, overdue, extra");
}

TEST(JsonObjectReader, NullableStringTellsAbsentFromNullFromValue) {
  const Value v = body(R"({"owner":null,"control":"AC-1"})");
  ObjectReader r(v, "finding");
  const NullableString owner = *r.nullable_string("owner");
  EXPECT_TRUE(owner.present);
  EXPECT_TRUE(owner.is_null());
  EXPECT_FALSE(owner.value.has_value());
  const NullableString control = *r.nullable_string("control");
  EXPECT_FALSE(control.is_null());
  EXPECT_EQ(control.value, "AC-1");
  const NullableString due = *r.nullable_string("due_date");
  EXPECT_TRUE(due.is_absent());
  EXPECT_FALSE(due.is_null());
  EXPECT_TRUE(r.finish().is_ok());

  const Value wrong = body(R"({"owner":5})");
  ObjectReader w(wrong, "finding");
  EXPECT_EQ(w.nullable_string("owner").status().message(),
            "field 'owner' must be a string or null, not a number");
}

TEST(JsonObjectReader, WrongTypesNameTheFieldAndBothTypes) {
  const Value v = body(R"({"title":5,"description":[],"criteria":"CC6.1","limit":"10",)"
                       R"("overdue":1,"tags":["a",2]})");
  ObjectReader r(v, "finding");
  EXPECT_EQ(r.required_string("title").status().message(),
            "field 'title' must be a string, not a number");
  EXPECT_EQ(r.optional_string("description").status().message(),
            "field 'description' must be a string, not an array");
  EXPECT_EQ(r.required_string_list("criteria").status().message(),
            "field 'criteria' must be an array of strings, not a string");
  EXPECT_EQ(r.optional_integer("limit").status().message(),
            "field 'limit' must be an integer, not a string");
  EXPECT_EQ(r.optional_bool("overdue").status().message(),
            "field 'overdue' must be true or false, not a number");
  EXPECT_EQ(r.optional_string_list("tags").status().message(),
            "field 'tags' must be an array of strings; tags[1] is a number");
  EXPECT_EQ(r.required_string("title").status().code(), Code::kInvalidArgument);
}

TEST(JsonObjectReader, OptionalFieldsRejectNull) {
  const Value v = body(R"({"description":null,"limit":null,"criteria":null,"overdue":null})");
  ObjectReader r(v, "finding");
  EXPECT_EQ(r.optional_string("description").status().message(),
            "field 'description' must be a string, not null; omit the field instead");
  EXPECT_THAT(r.optional_integer("limit").status().message(), HasSubstr("not null"));
  EXPECT_THAT(r.optional_string_list("criteria").status().message(), HasSubstr("not null"));
  EXPECT_THAT(r.optional_bool("overdue").status().message(), HasSubstr("not null"));
  const Value* raw = *r.optional_value("description");
  ASSERT_NE(raw, nullptr);
  EXPECT_TRUE(raw->is_null());
}

TEST(JsonObjectReader, RequiredFieldsMustBePresent) {
  const Value v = body(R"({"title":null})");
  ObjectReader r(v, "finding");
  EXPECT_EQ(r.required_string("title").status().message(),
            "field 'title' must be a string, not null");
  EXPECT_EQ(r.required_string("severity").status().message(),
            "field 'severity' is required; add it to the finding");
  EXPECT_EQ(r.required_string_list("criteria").status().message(),
            "field 'criteria' is required; add it to the finding");
}

TEST(JsonObjectReader, MissingFieldPointsAtAMisspelling) {
  const Value v = body(R"({"titel":"x"})");
  ObjectReader r(v, "finding");
  const Status status = r.required_string("title").status();
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "field 'title' is required; the body has 'titel' instead: is it misspelt?");
}

TEST(JsonObjectReader, FinishNamesTheFirstUnknownField) {
  const Value v = body(R"({"title":"t","titel":"x","zzz":1,"description":"d"})");
  ObjectReader r(v, "finding");
  ASSERT_TRUE(r.required_string("title").is_ok());
  ASSERT_TRUE(r.optional_string("description").is_ok());
  ASSERT_TRUE(r.optional_string("description").is_ok());  // asking twice lists it once
  const Status status = r.finish();
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "unknown field 'titel' (did you mean 'title'?); the fields of a finding are: title, "
            "description");

  const Value empty_entity = body(R"({"x":1})");
  ObjectReader none(empty_entity, "deactivation");
  EXPECT_EQ(none.finish().message(), "unknown field 'x'; a deactivation takes no fields, send {}");
  ObjectReader link(empty_entity, "evidence link");
  (void)link.optional_string("finding");
  EXPECT_EQ(link.finish().message(),
            "unknown field 'x'; the fields of an evidence link are: finding");

  // Hostile keys are quoted safely and cut short.
  const Value hostile = body("{\"" + repeat("\\n", 100) + "\":1}");
  ObjectReader h(hostile, "comment");
  (void)h.optional_string("text");
  EXPECT_LT(h.finish().message().size(), 400u);
  EXPECT_THAT(h.finish().message(), HasSubstr("\\x0A"));
}

TEST(JsonObjectReader, BodyMustBeAnObject) {
  for (const std::string_view text : {"[]", "null", "\"title\"", "3"}) {
    const Value v = body(text);
    ObjectReader r(v, "finding");
    for (const Status& status :
         {r.required_string("title").status(), r.optional_string("x").status(),
          r.nullable_string("x").status(), r.required_string_list("x").status(),
          r.optional_string_list("x").status(), r.optional_integer("x").status(),
          r.optional_bool("x").status(), r.optional_value("x").status(), r.finish()}) {
      EXPECT_EQ(status.code(), Code::kInvalidArgument);
      EXPECT_THAT(status.message(), HasSubstr("the body must be a JSON object"));
    }
  }
  const Value array = body("[]");
  EXPECT_EQ(ObjectReader(array, "finding").finish().message(),
            "the body must be a JSON object with the fields of a finding, not an array");
}

TEST(JsonObjectReader, IntegersAcceptIntegralNumbersOnly) {
  const Value v = body(R"({"a":10,"b":1e1,"c":10.0,"d":2.5,"e":1e300,)"
                       R"("f":-9223372036854775808,"g":9223372036854775808})");
  ObjectReader r(v, "query");
  EXPECT_EQ(**r.optional_integer("a"), 10);
  EXPECT_EQ(**r.optional_integer("b"), 10);
  EXPECT_EQ(**r.optional_integer("c"), 10);
  EXPECT_EQ(r.optional_integer("d").status().message(), "field 'd' must be an integer, not '2.5'");
  EXPECT_EQ(r.optional_integer("e").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(**r.optional_integer("f"), INT64_MIN);
  EXPECT_EQ(r.optional_integer("g").status().code(), Code::kInvalidArgument);
}

TEST(JsonObjectReader, StringListsAcceptEmptyArrays) {
  const Value v = body(R"({"criteria":[],"tags":[]})");
  ObjectReader r(v, "control");
  EXPECT_TRUE(r.required_string_list("criteria")->empty());
  const auto tags = *r.optional_string_list("tags");
  ASSERT_TRUE(tags.has_value());
  EXPECT_TRUE(tags->empty());
  EXPECT_TRUE(r.finish().is_ok());
}

}  // namespace
}  // namespace gaplog::json

namespace gaplog::json {
namespace {

// Found by tests/fuzz/json_fuzz: "-0e3" read as -0.0 wrote "-0", which read back as the integer
// 0 and then wrote "0": writing what was read must be stable.
TEST(JsonWrite, NegativeZeroWritesAsZeroSoRewritingIsStable) {
  auto v = parse("-0e3");
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(write(*v), "0");
  auto again = parse(write(*v));
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(write(*again), write(*v));
}

}  // namespace
}  // namespace gaplog::json
