#include "domain/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace gaplog {
namespace {

using namespace std::string_literals;
using ::testing::HasSubstr;
using ::testing::Not;

std::string repeat(std::string_view unit, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += unit;
  return out;
}

// Every rejection is a 400 whose message names the field, is valid UTF-8 and stays short.
void expect_rejected(const Status& status, std::string_view field, const std::string& input) {
  EXPECT_EQ(status.code(), Code::kInvalidArgument) << "input: " << quoted_excerpt(input);
  EXPECT_THAT(status.message(), HasSubstr(std::string(field)))
      << "input: " << quoted_excerpt(input);
  EXPECT_TRUE(is_valid_utf8(status.message())) << status.message();
  EXPECT_LT(status.message().size(), 400u) << status.message();
}

// ---- UTF-8 ----------------------------------------------------------------------------------

TEST(Utf8, AcceptsWellFormedText) {
  for (const std::string& s :
       {""s, "plain ASCII"s, "caf\xC3\xA9"s, "\xE2\x82\xAC 5"s, "\xF0\x9F\x94\x92 lock"s,
        "\xED\x9F\xBF"s /* U+D7FF */, "\xEE\x80\x80"s /* U+E000 */,
        "\xF4\x8F\xBF\xBF"s /* U+10FFFF */, "nul \0 inside"s, "\xC2\x80"s /* U+0080 */}) {
    EXPECT_TRUE(is_valid_utf8(s)) << quoted_excerpt(s);
  }
}

TEST(Utf8, RejectsOverlongEncodings) {
  for (const std::string& s : {"\xC0\xAF"s, "\xC1\xBF"s, "\xE0\x80\xAF"s, "\xE0\x9F\xBF"s,
                               "\xF0\x80\x80\xAF"s, "\xF0\x8F\xBF\xBF"s}) {
    EXPECT_FALSE(is_valid_utf8(s)) << quoted_excerpt(s);
  }
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\xBD\xED\xB2\xA9"));  // a CESU-8 surrogate pair
}

TEST(Utf8, RejectsCodePointsAboveU10FFFF) {
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF7\xBF\xBF\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xFE"));
}

TEST(Utf8, RejectsTruncatedSequences) {
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
  EXPECT_FALSE(is_valid_utf8("\xE2\x82 and more"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x94"));
  EXPECT_FALSE(is_valid_utf8("ok \xF0\x9F"));
}

TEST(Utf8, RejectsLoneContinuationBytes) {
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(
      is_valid_utf8("a\xBF"
                    "b"));
  EXPECT_FALSE(is_valid_utf8("\xC3\xA9\xA9"));  // one continuation byte too many
}

TEST(Utf8, LengthCountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("caf\xC3\xA9"), 4u);
  EXPECT_EQ(utf8_length("\xE2\x82\xAC"), 1u);
  EXPECT_EQ(utf8_length("\xF0\x9F\x94\x92!"), 2u);
}

// ---- quoted_excerpt -------------------------------------------------------------------------

TEST(QuotedExcerpt, QuotesShortInput) {
  EXPECT_EQ(quoted_excerpt("AC-01"), "'AC-01'");
  EXPECT_EQ(quoted_excerpt(""), "''");
  EXPECT_EQ(quoted_excerpt("caf\xC3\xA9"), "'caf\xC3\xA9'");
}

TEST(QuotedExcerpt, ShowsAtMost40Characters) {
  EXPECT_EQ(quoted_excerpt(repeat("x", 40)), "'" + repeat("x", 40) + "'");
  EXPECT_EQ(quoted_excerpt(repeat("x", 41)), "'" + repeat("x", 40) + "\u2026'");
  // Cut between characters, never inside one.
  EXPECT_EQ(quoted_excerpt(repeat("\xC3\xA9", 50)), "'" + repeat("\xC3\xA9", 40) + "\u2026'");
}

TEST(QuotedExcerpt, EscapesControlCharactersAndInvalidBytes) {
  EXPECT_EQ(quoted_excerpt("a\nb"), "'a\\x0Ab'");
  EXPECT_EQ(quoted_excerpt("a\0b"s), "'a\\x00b'");
  EXPECT_EQ(quoted_excerpt("\x7F"), "'\\x7F'");
  EXPECT_EQ(quoted_excerpt("\xC0\xAF"), "'\\xC0\\xAF'");
  EXPECT_EQ(quoted_excerpt("\xE2\x82"), "'\\xE2\\x82'");
  EXPECT_TRUE(is_valid_utf8(quoted_excerpt("\xFF\xFE\xED\xA0\x80")));
}

// ---- check_text -----------------------------------------------------------------------------

Status check_title(std::string_view v) {
  return check_text("title", v, kMaxTitleChars, /*required=*/true, /*multiline=*/false);
}
Status check_description(std::string_view v) {
  return check_text("description", v, kMaxLongTextChars, /*required=*/false, /*multiline=*/true);
}

TEST(CheckText, TitleOf200CharactersIsAcceptedAnd201Rejected) {
  EXPECT_TRUE(check_title(repeat("a", 200)).is_ok());
  const Status s = check_title(repeat("a", 201));
  expect_rejected(s, "title", repeat("a", 201));
  EXPECT_EQ(s.message(), "title is 201 characters; shorten it to at most 200");
}

TEST(CheckText, LengthIsCountedInCharactersNotBytes) {
  for (std::string_view unit : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x94\x92"}) {
    EXPECT_TRUE(check_title(repeat(unit, 200)).is_ok()) << unit;
    const Status s = check_title(repeat(unit, 201));
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << unit;
    EXPECT_THAT(s.message(), HasSubstr("201 characters")) << unit;
  }
}

TEST(CheckText, LongTextOf10000CharactersIsAcceptedAnd10001Rejected) {
  EXPECT_TRUE(check_description(repeat("b", 10'000)).is_ok());
  EXPECT_TRUE(check_description(repeat("\xC3\xA9", 10'000)).is_ok());
  const Status s = check_description(repeat("b", 10'001));
  expect_rejected(s, "description", "");
  EXPECT_THAT(s.message(), HasSubstr("10001 characters"));
  EXPECT_THAT(s.message(), HasSubstr("at most 10000"));
  // The message does not echo the text.
  EXPECT_THAT(s.message(), Not(HasSubstr("bbbb")));
}

TEST(CheckText, RequiredFieldMustNotBeEmptyOrBlank) {
  for (const std::string& v : {""s, " "s, "   "s, " \t "s}) {
    const Status s = check_title(v);
    expect_rejected(s, "title", v);
    EXPECT_THAT(s.message(), ::testing::AnyOf(HasSubstr("required"), HasSubstr("blank")));
  }
  const Status blank = check_text("comment", " \n\t\r\n ", kMaxLongTextChars, true, true);
  expect_rejected(blank, "comment", "");
  EXPECT_THAT(blank.message(), HasSubstr("blank"));
  EXPECT_TRUE(check_title(" x ").is_ok());
}

TEST(CheckText, OptionalFieldMayBeEmptyOrBlank) {
  EXPECT_TRUE(check_description("").is_ok());
  EXPECT_TRUE(check_description("  \n ").is_ok());
}

TEST(CheckText, RejectsInvalidUtf8WithoutEchoingIt) {
  for (const std::string& bad :
       {"\xC0\xAF"s, "\xED\xA0\x80"s, "\xE2\x82"s, "\xF4\x90\x80\x80"s, "\x80"s, "ok\xFF"s}) {
    const Status title = check_title(bad);
    expect_rejected(title, "title", bad);
    EXPECT_THAT(title.message(), HasSubstr("UTF-8"));
    expect_rejected(check_description(bad), "description", bad);
  }
  EXPECT_THAT(check_title("ab\x80").message(), HasSubstr("byte offset 2"));
}

TEST(CheckText, MultilineTextAllowsLineBreaksAndTabs) {
  EXPECT_TRUE(check_description("line one\nline two\r\n\tindented").is_ok());
}

TEST(CheckText, SingleLineTextRejectsLineBreaksAndTabs) {
  const Status newline = check_title("two\nlines");
  expect_rejected(newline, "title", "two\nlines");
  EXPECT_THAT(newline.message(), HasSubstr("single line"));
  EXPECT_THAT(newline.message(), HasSubstr("character 4"));
  expect_rejected(check_title("carriage\rreturn"), "title", "");
  const Status tab = check_title("a\tb");
  expect_rejected(tab, "title", "a\tb");
  EXPECT_THAT(tab.message(), HasSubstr("tab"));
  expect_rejected(check_text("name", "Ann\nLee", kMaxNameChars, true, false), "name", "");
}

TEST(CheckText, RejectsOtherControlCharactersEverywhere) {
  for (const std::string& v :
       {"nul\0here"s, "\x01"s, "bell\x07"s, "esc\x1B[0m"s, "unit\x1F"s, "del\x7F"s}) {
    expect_rejected(check_title(v), "title", v);
    expect_rejected(check_description(v), "description", v);
  }
  EXPECT_THAT(check_description("nul\0"s).message(), HasSubstr("NUL"));
  // Positions are in characters: "é" is one.
  EXPECT_THAT(check_description("\xC3\xA9\x01").message(), HasSubstr("character 2"));
  EXPECT_THAT(check_description("\xC3\xA9\x01").message(), HasSubstr("U+0001"));
}

TEST(CheckText, AcceptsOrdinaryUnicodeText) {
  EXPECT_TRUE(
      check_title("MFA f\xC3\xBCr alle Produktionszug\xC3\xA4nge \xF0\x9F\x94\x92").is_ok());
  EXPECT_TRUE(check_title("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E").is_ok());
}

// ---- e-mail ---------------------------------------------------------------------------------

TEST(CheckEmail, AcceptsPlainAddresses) {
  for (std::string_view email : {"alice@example.com", "Alice.Smith+soc2@Sub.Example.CO.uk", "a@b.c",
                                 "o'brien@example.ie", "x_y-z@mail-1.example.org"}) {
    EXPECT_TRUE(check_email("email", email).is_ok()) << email;
  }
}

TEST(CheckEmail, RejectsMalformedAddressesNamingTheField) {
  for (const std::string& email :
       {""s, "alice"s, "alice@"s, "@example.com"s, "alice@example"s, "a@@b.c"s, "a@b@c.d"s,
        "alice @example.com"s, "alice@exa mple.com"s, " alice@example.com"s, "al\tice@x.com"s,
        "alice@x.com\n"s, "alice\0@x.com"s,
        "al\xC3\xAD"
        "ce@example.com"s,
        "alice@b\xC3\xBC.de"s, "a@.com"s, "a@b."s, "a@b..c"s, "\xFF@x.com"s}) {
    expect_rejected(check_email("owner", email), "owner", email);
  }
}

TEST(CheckEmail, MessagesSayWhatIsWrong) {
  EXPECT_THAT(check_email("email", "alice").message(), HasSubstr("'@'"));
  EXPECT_THAT(check_email("email", "alice@example").message(), HasSubstr("domain"));
  EXPECT_THAT(check_email("email", "al ice@x.com").message(), HasSubstr("space"));
  EXPECT_THAT(check_email("email", "alice@example").message(), HasSubstr("'alice@example'"));
}

TEST(CheckEmail, At254CharactersIsAcceptedAnd255Rejected) {
  const std::string domain = "@example.com";  // 12 characters
  const std::string longest = repeat("a", 254 - domain.size()) + domain;
  ASSERT_EQ(longest.size(), 254u);
  EXPECT_TRUE(check_email("email", longest).is_ok());
  const std::string too_long = "a" + longest;
  const Status s = check_email("email", too_long);
  expect_rejected(s, "email", too_long);
  EXPECT_THAT(s.message(), HasSubstr("255 characters"));
}

TEST(NormalizeEmail, LowercasesTheAddress) {
  EXPECT_EQ(normalize_email("Alice.Smith@Example.COM"), "alice.smith@example.com");
  EXPECT_EQ(normalize_email("bob@example.com"), "bob@example.com");
  EXPECT_EQ(normalize_email(normalize_email("MiXeD@X.io")), "mixed@x.io");
}

// ---- control ids ----------------------------------------------------------------------------

TEST(CheckControlId, AcceptsIdsOfTheSpecPattern) {
  for (std::string_view id : {"AC-01", "a.b_c-d", "0", "Z", "CC6.1", "9-lives", "A..", "x__--"}) {
    EXPECT_TRUE(check_control_id(id).is_ok()) << id;
  }
  EXPECT_TRUE(check_control_id(repeat("A", 32)).is_ok());
}

TEST(CheckControlId, RejectsIdsOutsideThePattern) {
  for (const std::string& id : {""s, repeat("A", 33), "-x"s, ".x"s, "_x"s, " AC-01"s, "AC 01"s,
                                "AC/01"s, "AC-01\n"s, "AC\0"s,
                                "\xC3\x87"
                                "A-01"s,
                                "A\xC3\x87-01"s, "AC:01"s, "AC+01"s}) {
    expect_rejected(check_control_id(id), "control id", id);
  }
}

TEST(CheckControlId, MessagesExplainTheRule) {
  EXPECT_THAT(check_control_id("").message(), HasSubstr("required"));
  EXPECT_THAT(check_control_id("-x").message(), HasSubstr("start with a letter or digit"));
  EXPECT_THAT(check_control_id(repeat("A", 33)).message(), HasSubstr("33 characters"));
  EXPECT_THAT(check_control_id(repeat("A", 33)).message(), HasSubstr("at most 32"));
  const Status space = check_control_id("AC 01");
  EXPECT_THAT(space.message(), HasSubstr("' ' at position 3"));
  // A non-ASCII character is shown whole.
  EXPECT_THAT(check_control_id("A\xC3\x87").message(), HasSubstr("'\xC3\x87'"));
}

// ---- dates ----------------------------------------------------------------------------------

TEST(CheckDate, AcceptsCalendarDays) {
  for (std::string_view date :
       {"2024-02-29", "2026-03-31", "2000-02-29", "0001-01-01", "9999-12-31", "2026-12-31"}) {
    EXPECT_TRUE(check_date("due_date", date).is_ok()) << date;
  }
}

TEST(CheckDate, RejectsNonDaysNamingTheField) {
  for (const std::string& date :
       {"2023-02-29"s, "2026-1-01"s, "2026-01-1"s, "2026/01/01"s, ""s, "26-01-01"s, "2026-13-01"s,
        "2026-00-10"s, "2026-04-31"s, "2026-01-00"s, "0000-01-01"s, " 2026-01-01"s, "2026-01-01 "s,
        "2026-01-01T00:00:00Z"s, "20260101"s, "tomorrow"s, "2026-01-01\0"s,
        "\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x92\xEF\xBC\x96-01-01"s /* full-width digits */}) {
    expect_rejected(check_date("due_date", date), "due_date", date);
  }
}

TEST(CheckDate, MessagesShowTheFormat) {
  const Status shape = check_date("valid_until", "2026-1-01");
  EXPECT_THAT(shape.message(), HasSubstr("valid_until"));
  EXPECT_THAT(shape.message(), HasSubstr("'2026-1-01'"));
  EXPECT_THAT(shape.message(), HasSubstr("YYYY-MM-DD"));
  const Status no_such_day = check_date("collected_on", "2023-02-29");
  EXPECT_THAT(no_such_day.message(), HasSubstr("collected_on"));
  EXPECT_THAT(no_such_day.message(), HasSubstr("not a day of the calendar"));
  EXPECT_THAT(check_date("expires_on", "").message(), HasSubstr("empty"));
  EXPECT_THAT(check_date("due_date", repeat("9", 5000)).message(), Not(HasSubstr(repeat("9", 41))));
}

// ---- file names -----------------------------------------------------------------------------

TEST(CheckFilename, AcceptsOrdinaryNames) {
  for (std::string_view name : {"report.pdf", "r\xC3\xA9sum\xC3\xA9 2024 (final).pdf", ".hidden",
                                "...", "a..b", "no extension", "\xE6\x97\xA5.txt"}) {
    EXPECT_TRUE(check_filename(name).is_ok()) << name;
  }
}

TEST(CheckFilename, RejectsPathTricks) {
  for (const std::string& name :
       {"../x"s, "a/b"s, ".."s, "."s, "a\\b"s, "..\\..\\boot.ini"s, "/etc/passwd"s, "dir/"s}) {
    expect_rejected(check_filename(name), "filename", name);
  }
  EXPECT_THAT(check_filename("a/b").message(), HasSubstr("'/'"));
  EXPECT_THAT(check_filename("a\\b").message(), HasSubstr("'\\'"));
}

TEST(CheckFilename, RejectsControlCharactersAndBadEncoding) {
  for (const std::string& name : {"\0"s, "a\0b.pdf"s, "a\nb"s, "a\tb"s, "a\rb"s, "\x7F"s,
                                  "\xC0\xAF.pdf"s, "\xED\xA0\x80"s, "x\xE2\x82"s, ""s}) {
    expect_rejected(check_filename(name), "filename", name);
  }
}

// Issue 16: a file name must be a plain name.
TEST(CheckFilename, RejectsBlankNames) {
  for (const std::string& name :
       {" "s, "   "s, "\xC2\xA0"s /* U+00A0 */, "\xE3\x80\x80"s /* U+3000 */,
        "\xE2\x80\x8B"s /* U+200B */, " \xEF\xBB\xBF "s /* U+FEFF */}) {
    const Status s = check_filename(name);
    expect_rejected(s, "filename", name);
    EXPECT_THAT(s.message(), HasSubstr("blank")) << quoted_excerpt(name);
  }
}

TEST(CheckFilename, RejectsBidirectionalFormattingAndC1ControlCharacters) {
  for (const std::string& name :
       {"\xE2\x80\xAE"
        "fdp.exe"s /* U+202E */,
        "a\xE2\x80\xAA.pdf"s /* U+202A */, "a\xE2\x80\xAD.pdf"s /* U+202D */,
        "a\xE2\x81\xA6.pdf"s /* U+2066 */, "a\xE2\x81\xA9.pdf"s /* U+2069 */,
        "a\xE2\x80\x8E.pdf"s /* U+200E */, "a\xE2\x80\x8F.pdf"s /* U+200F */,
        "a\xD8\x9C.pdf"s /* U+061C */, "a\xC2\x85.pdf"s /* U+0085 */,
        "a\xC2\x9B.pdf"s /* U+009B */}) {
    expect_rejected(check_filename(name), "filename", name);
  }
  const Status s = check_filename(
      "invoice\xE2\x80\xAE"
      "fdp.exe");
  EXPECT_THAT(s.message(), HasSubstr("U+202E at character 8"));
  EXPECT_THAT(s.message(), HasSubstr("remove it"));
  EXPECT_THAT(check_filename("a\xC2\x85").message(), HasSubstr("U+0085"));
}

TEST(CheckFilename, AcceptsSpacesAndJoinersAmongVisibleCharacters) {
  for (std::string_view name :
       {" a.pdf", "two  spaces.pdf",
        "a\xC2\xA0"
        "b.pdf",
        "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB.png" /* U+200D joins the emoji */,
        "\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A.pdf" /* Arabic, right to left by itself */}) {
    EXPECT_TRUE(check_filename(name).is_ok()) << name;
  }
}

// ---- numbered ids ---------------------------------------------------------------------------

TEST(CheckNumberedId, AcceptsTheIdsTheServerIssues) {
  for (std::string_view id : {"F-1", "F-10", "F-18446744073709551615"}) {
    EXPECT_TRUE(check_numbered_id("after", id, "F").is_ok()) << id;
  }
  EXPECT_TRUE(check_numbered_id("after", "E-7", "E").is_ok());
}

TEST(CheckNumberedId, RejectsOtherShapesAndNumbersOutOfRange) {
  for (const std::string& id :
       {""s, "F"s, "F-"s, "F-0"s, "F-01"s, "F-18446744073709551616"s, "F-99999999999999999999"s,
        "AAA"s, "E-1"s, "f-1"s, "F-1 "s, "F--1"s, "F-+1"s, "F-1x"s, "F_1"s, "F-\xD9\xA1"s}) {
    expect_rejected(check_numbered_id("after", id, "F"), "after", id);
  }
  EXPECT_THAT(check_numbered_id("after", "AAA", "F").message(), HasSubstr("F-<n>"));
}

TEST(CheckFilename, At255CharactersIsAcceptedAnd256Rejected) {
  EXPECT_TRUE(check_filename(repeat("f", 255)).is_ok());
  EXPECT_TRUE(check_filename(repeat("\xC3\xA9", 255)).is_ok());
  const Status s = check_filename(repeat("f", 256));
  expect_rejected(s, "filename", "");
  EXPECT_THAT(s.message(), HasSubstr("256 characters"));
}

// ---- media types ----------------------------------------------------------------------------

TEST(CheckMediaType, AcceptsTypesWithOptionalParameters) {
  for (std::string_view type :
       {"application/pdf", "text/plain", "Application/PDF", "image/svg+xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/plain; charset=utf-8", "text/plain;charset=UTF-8",
        "text/csv; charset=utf-8; header=present", "multipart/form-data; boundary=\"a b;c\"",
        "application/x-www-form-urlencoded", "application/octet-stream", "message/rfc822",
        "video/3gpp"}) {
    EXPECT_TRUE(check_media_type(type).is_ok()) << type;
  }
}

TEST(CheckMediaType, RejectsMalformedTypes) {
  for (const std::string& type : {""s,
                                  "pdf"s,
                                  "application/"s,
                                  "/pdf"s,
                                  "application/pdf/x"s,
                                  "text /plain"s,
                                  "text/ plain"s,
                                  "text/plain;"s,
                                  "text/plain; charset"s,
                                  "text/plain; =utf-8"s,
                                  "text/plain; charset="s,
                                  "text/plain; charset=\"open"s,
                                  "t\xC3\xABxt/plain"s,
                                  "text/plain\n"s,
                                  "-text/plain"s,
                                  "text/-plain"s,
                                  "text/plain "s,
                                  "text/pl@in"s,
                                  "text/plain\0"s,
                                  "*/*"s,
                                  "text/*"s}) {
    expect_rejected(check_media_type(type), "media_type", type);
  }
  EXPECT_THAT(check_media_type("pdf").message(), HasSubstr("application/pdf"));
}

TEST(CheckMediaType, At127CharactersIsAcceptedAnd128Rejected) {
  const std::string prefix = "application/";
  const std::string longest = prefix + repeat("x", 127 - prefix.size());
  ASSERT_EQ(longest.size(), 127u);
  EXPECT_TRUE(check_media_type(longest).is_ok());
  const Status s = check_media_type(longest + "x");
  expect_rejected(s, "media_type", "");
  EXPECT_THAT(s.message(), HasSubstr("128 characters"));
}

// ---- download names -------------------------------------------------------------------------

bool is_download_safe(const std::string& name) {
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ' ' || c == '-';
    if (!ok) return false;
  }
  return !name.empty() && name.size() <= 100 && name.front() != '.';
}

TEST(SafeDownloadName, KeepsPlainNames) {
  EXPECT_EQ(safe_download_name("report.pdf"), "report.pdf");
  EXPECT_EQ(safe_download_name("Q3 access-review_v2.xlsx"), "Q3 access-review_v2.xlsx");
}

TEST(SafeDownloadName, ReplacesEachUnsafeCharacterWithOneUnderscore) {
  EXPECT_EQ(safe_download_name("my report (v2).pdf"), "my report _v2_.pdf");
  EXPECT_EQ(safe_download_name("r\xC3\xA9sum\xC3\xA9.pdf"), "r_sum_.pdf");
  EXPECT_EQ(safe_download_name("a\"b;c\r\n.txt"), "a_b_c__.txt");
  EXPECT_EQ(safe_download_name("\xF0\x9F\x94\x92.txt"), "_.txt");
  EXPECT_EQ(safe_download_name("bad\xFF\xFE.bin"), "bad__.bin");
}

TEST(SafeDownloadName, NeutralisesPathsAndHiddenNames) {
  EXPECT_EQ(safe_download_name("../../etc/passwd"), "_.._etc_passwd");
  EXPECT_EQ(safe_download_name(".bashrc"), "bashrc");
  EXPECT_EQ(safe_download_name("C:\\temp\\x.doc"), "C__temp_x.doc");
  EXPECT_EQ(safe_download_name("name. . "), "name");
}

TEST(SafeDownloadName, IsNeverEmpty) {
  for (const std::string& name : {""s, "."s, ".."s, "..."s, "   "s, " . "s}) {
    EXPECT_EQ(safe_download_name(name), "evidence") << quoted_excerpt(name);
  }
  EXPECT_EQ(safe_download_name("\xE6\x97\xA5"), "_");
}

TEST(SafeDownloadName, CutsTo100BytesKeepingTheExtension) {
  EXPECT_EQ(safe_download_name(repeat("a", 100)), repeat("a", 100));
  EXPECT_EQ(safe_download_name(repeat("a", 300)), repeat("a", 100));
  EXPECT_EQ(safe_download_name(repeat("a", 300) + ".pdf"), repeat("a", 96) + ".pdf");
  EXPECT_EQ(safe_download_name(repeat("\xC3\xA9", 300) + ".xlsx"), repeat("_", 95) + ".xlsx");
  // An "extension" too long to be one is not kept.
  EXPECT_EQ(safe_download_name("a." + repeat("b", 200)), "a." + repeat("b", 98));
}

TEST(SafeDownloadName, OutputIsAlwaysSafe) {
  for (const std::string& name :
       {"report.pdf"s, "../x"s, "\0\0"s, repeat("\xFF", 500), repeat(". ", 200) + "x",
        "x" + repeat(" ", 150) + ".pdf"s, "\"quoted\".txt"s, "a\\b/c:d*e?f<g>h|i"s,
        repeat("\xF0\x9F\x94\x92", 120)}) {
    EXPECT_TRUE(is_download_safe(safe_download_name(name)))
        << quoted_excerpt(name) << " -> " << safe_download_name(name);
  }
}

}  // namespace
}  // namespace gaplog
