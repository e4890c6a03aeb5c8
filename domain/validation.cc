#include "domain/validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>

#include "domain/time.h"

namespace gaplog {
namespace {

constexpr size_t kMaxEchoedChars = 40;
constexpr size_t kMaxDownloadNameBytes = 100;
constexpr size_t kMaxKeptExtensionBytes = 16;  // ".pdf", ".xlsx", ".json" ... including the dot

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

// The ranges of the second byte are those of the Unicode standard's table of well-formed
// byte sequences (Table 3-7): they exclude overlongs (C0, C1, E0 80..9F, F0 80..8F),
// surrogates (ED A0..BF) and code points above U+10FFFF (F4 90..BF, F5..FF).
size_t utf8_sequence_length(std::string_view s, size_t pos) {
  const auto byte_at = [s](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte_at(pos);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return 0;
  }
  if (pos + length > s.size()) return 0;
  if (byte_at(pos + 1) < second_min || byte_at(pos + 1) > second_max) return 0;
  for (size_t i = pos + 2; i < pos + length; ++i) {
    if (!is_continuation(byte_at(i))) return 0;
  }
  return length;
}

std::optional<size_t> first_invalid_utf8_byte(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    // Most text is ASCII: skip it without decoding.
    if (static_cast<unsigned char>(s[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const size_t length = utf8_sequence_length(s, pos);
    if (length == 0) return pos;
    pos += length;
  }
  return std::nullopt;
}

namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

// The code point of the well-formed UTF-8 sequence of `length` bytes at s[pos].
char32_t code_point_at(std::string_view s, size_t pos, size_t length) {
  const auto b = [&](size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[pos + i]));
  };
  switch (length) {
    case 1:
      return b(0);
    case 2:
      return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
    case 3:
      return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    default:
      return (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
  }
}

// Unicode White_Space, and the invisible characters that are not (zero-width space, joiners,
// word joiner, BOM): a name of nothing else shows as blank.
bool is_blank_character(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200D) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x2060 || c == 0x3000 || c == 0xFEFF;
}

// Unicode's bidirectional formatting characters (UAX #9): marks, embeddings, overrides and
// isolates. In a file name they only serve to make it read as another.
bool is_bidi_control(char32_t c) {
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}
bool is_ascii_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_ascii_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

struct ControlCharacter {
  unsigned char byte;
  size_t position;  // 1-based, in characters
};

// The first control character of valid UTF-8 `s`; \n, \r and \t are allowed if `multiline`.
std::optional<ControlCharacter> first_control_character(std::string_view s, bool multiline) {
  size_t position = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_continuation(c)) continue;
    ++position;
    if (!is_control(c)) continue;
    if (multiline && (c == '\n' || c == '\r' || c == '\t')) continue;
    return ControlCharacter{c, position};
  }
  return std::nullopt;
}

std::string describe_control(unsigned char c) {
  switch (c) {
    case '\n':
      return "a line break (\\n)";
    case '\r':
      return "a carriage return (\\r)";
    case '\t':
      return "a tab (\\t)";
    case '\0':
      return "a NUL character (U+0000)";
    default:
      return fmt::format("the control character U+{:04X}", c);
  }
}

Status invalid_utf8(std::string_view field, size_t byte_offset) {
  return invalid_argument(fmt::format(
      "{} is not valid UTF-8 (bad byte sequence at byte offset {}); send the text encoded as UTF-8",
      field, byte_offset));
}

Status too_long(std::string_view field, size_t length, size_t max_chars) {
  return invalid_argument(
      fmt::format("{} is {} characters; shorten it to at most {}", field, length, max_chars));
}

// RFC 6838 restricted-name-chars after the first character.
bool is_restricted_name_char(char c) {
  return is_ascii_alnum(c) || std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
}
// RFC 9110 tchar: the characters of a token (parameter names and unquoted values).
bool is_token_char(char c) {
  return is_ascii_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A cursor over a media type; each method consumes what it accepts and says whether it did.
class MediaTypeParser {
 public:
  explicit MediaTypeParser(std::string_view text) : text_(text) {}

  // type "/" subtype *( OWS ";" OWS name "=" ( token / quoted-string ) )
  bool parse() {
    if (!restricted_name() || !literal('/') || !restricted_name()) return false;
    while (!at_end()) {
      skip_whitespace();
      if (!literal(';')) return false;
      skip_whitespace();
      if (!token() || !literal('=')) return false;
      if (!(peek() == '"' ? quoted_string() : token())) return false;
    }
    return true;
  }
  size_t position() const { return pos_; }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  bool literal(char c) {
    if (at_end() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void skip_whitespace() {
    while (!at_end() && (peek() == ' ' || peek() == '\t')) ++pos_;
  }
  bool restricted_name() {
    if (at_end() || !is_ascii_alnum(peek())) return false;
    const size_t start = pos_++;
    while (!at_end() && is_restricted_name_char(peek())) ++pos_;
    return pos_ - start <= 127;
  }
  bool token() {
    const size_t start = pos_;
    while (!at_end() && is_token_char(peek())) ++pos_;
    return pos_ > start;
  }
  // '"' *( printable ASCII except '"' and '\\' / "\" printable ASCII ) '"'
  bool quoted_string() {
    ++pos_;  // the opening quote
    while (!at_end()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (at_end()) return false;
        const char escaped = text_[pos_++];
        if (escaped != '\t' && (escaped < ' ' || escaped > '~')) return false;
      } else if (c != '\t' && (c < ' ' || c > '~')) {
        return false;
      }
    }
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

void trim_trailing_dots_and_spaces(std::string& name) {
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.pop_back();
}

}  // namespace

bool is_valid_utf8(std::string_view s) { return !first_invalid_utf8_byte(s).has_value(); }

size_t utf8_length(std::string_view s) {
  return static_cast<size_t>(std::ranges::count_if(
      s, [](char c) { return !is_continuation(static_cast<unsigned char>(c)); }));
}

std::string quoted_excerpt(std::string_view input) {
  std::string out = "'";
  size_t pos = 0;
  for (size_t shown = 0; pos < input.size() && shown < kMaxEchoedChars; ++shown) {
    const size_t length = utf8_sequence_length(input, pos);
    const auto lead = static_cast<unsigned char>(input[pos]);
    if (length == 0 || is_control(lead)) {
      // Not printable, or not text at all: show the byte, never pass it through.
      out += fmt::format("\\x{:02X}", lead);
      pos += 1;
    } else {
      out += input.substr(pos, length);
      pos += length;
    }
  }
  if (pos < input.size()) out += "\u2026";
  out += "'";
  return out;
}

Status check_text(std::string_view field, std::string_view value, size_t max_chars, bool required,
                  bool multiline) {
  if (const auto bad = first_invalid_utf8_byte(value)) return invalid_utf8(field, *bad);
  const size_t length = utf8_length(value);
  if (length > max_chars) return too_long(field, length, max_chars);
  if (required && std::ranges::all_of(value, is_ascii_whitespace)) {
    return invalid_argument(
        value.empty() ? fmt::format("{} is required; give a non-empty value", field)
                      : fmt::format("{} is blank; give a value that is not only spaces", field));
  }
  if (const auto control = first_control_character(value, multiline)) {
    const bool is_line_break = control->byte == '\n' || control->byte == '\r';
    if (!multiline && is_line_break) {
      return invalid_argument(fmt::format("{} must be a single line; remove {} at character {}",
                                          field, describe_control(control->byte),
                                          control->position));
    }
    return invalid_argument(fmt::format("{} contains {} at character {}; remove it", field,
                                        describe_control(control->byte), control->position));
  }
  return Status::ok();
}

Status check_email(std::string_view field, std::string_view email) {
  constexpr std::string_view kExample = "e.g. alice@example.com";
  if (email.empty()) {
    return invalid_argument(
        fmt::format("{} is empty; give an e-mail address, {}", field, kExample));
  }
  const auto is_ascii = [](char c) { return static_cast<unsigned char>(c) < 0x80; };
  if (!std::ranges::all_of(email, is_ascii)) {
    return invalid_argument(
        fmt::format("{} {} contains a non-ASCII character; give an ASCII e-mail address, {}", field,
                    quoted_excerpt(email), kExample));
  }
  // Checked after the ASCII test, so bytes are characters here.
  if (email.size() > kMaxEmailChars) return too_long(field, email.size(), kMaxEmailChars);
  const auto is_space_or_control = [](char c) {
    return c == ' ' || is_control(static_cast<unsigned char>(c));
  };
  if (std::ranges::any_of(email, is_space_or_control)) {
    return invalid_argument(fmt::format("{} {} contains a space or control character; remove it",
                                        field, quoted_excerpt(email)));
  }
  const size_t at = email.find('@');
  if (at == std::string_view::npos) {
    return invalid_argument(fmt::format("{} {} has no '@'; give a full e-mail address, {}", field,
                                        quoted_excerpt(email), kExample));
  }
  if (email.find('@', at + 1) != std::string_view::npos) {
    return invalid_argument(fmt::format("{} {} has more than one '@'; give one address, {}", field,
                                        quoted_excerpt(email), kExample));
  }
  if (at == 0) {
    return invalid_argument(fmt::format("{} {} has nothing before the '@'; give a full address, {}",
                                        field, quoted_excerpt(email), kExample));
  }
  const std::string_view domain = email.substr(at + 1);
  const bool domain_ok = domain.find('.') != std::string_view::npos && domain.front() != '.' &&
                         domain.back() != '.' && domain.find("..") == std::string_view::npos;
  if (!domain_ok) {
    return invalid_argument(
        fmt::format("{} {} needs a domain with a dot after the '@', such as example.com; {}", field,
                    quoted_excerpt(email), kExample));
  }
  return Status::ok();
}

std::string normalize_email(std::string_view email) {
  std::string normalized(email);
  for (char& c : normalized) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return normalized;
}

Status check_control_id(std::string_view id) {
  constexpr std::string_view kRule =
      "use 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. AC-01)";
  if (id.empty()) return invalid_argument(fmt::format("control id is required; {}", kRule));
  if (!is_ascii_alnum(id.front())) {
    return invalid_argument(fmt::format("control id {} must start with a letter or digit; {}",
                                        quoted_excerpt(id), kRule));
  }
  const auto is_id_char = [](char c) {
    return is_ascii_alnum(c) || c == '.' || c == '_' || c == '-';
  };
  const size_t bad = static_cast<size_t>(std::ranges::find_if_not(id, is_id_char) - id.begin());
  if (bad < id.size()) {
    // Everything before `bad` is ASCII, so it is also the character position.
    const size_t bad_length = std::max<size_t>(1, utf8_sequence_length(id, bad));
    return invalid_argument(
        fmt::format("control id {} contains {} at position {}; {}", quoted_excerpt(id),
                    quoted_excerpt(id.substr(bad, bad_length)), bad + 1, kRule));
  }
  // All ASCII from here on, so bytes are characters.
  if (id.size() > kMaxControlIdChars) {
    return invalid_argument(fmt::format("control id {} is {} characters; shorten it to at most {}",
                                        quoted_excerpt(id), id.size(), kMaxControlIdChars));
  }
  return Status::ok();
}

Status check_date(std::string_view field, std::string_view date) {
  constexpr std::string_view kFormat = "use YYYY-MM-DD, e.g. 2026-03-31";
  if (date.empty()) return invalid_argument(fmt::format("{} is empty; {}", field, kFormat));
  if (parse_date(date).is_ok()) return Status::ok();
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  bool has_date_shape = date.size() == 10;
  for (size_t i = 0; has_date_shape && i < date.size(); ++i) {
    has_date_shape = (i == 4 || i == 7) ? date[i] == '-' : is_digit(date[i]);
  }
  if (has_date_shape) {
    return invalid_argument(fmt::format(
        "{} {} is not a day of the calendar; check the month and the day (years 0001 to 9999)",
        field, quoted_excerpt(date)));
  }
  return invalid_argument(
      fmt::format("{} {} is not a date; {}", field, quoted_excerpt(date), kFormat));
}

Status check_filename(std::string_view filename) {
  constexpr std::string_view kField = "filename";
  if (filename.empty()) {
    return invalid_argument("filename is empty; give the name of the file, e.g. report.pdf");
  }
  if (const auto bad = first_invalid_utf8_byte(filename)) return invalid_utf8(kField, *bad);
  const size_t length = utf8_length(filename);
  if (length > kMaxFilenameChars) return too_long(kField, length, kMaxFilenameChars);
  if (filename == "." || filename == "..") {
    return invalid_argument(
        fmt::format("filename {} is not a file name; give the name of the file, e.g. report.pdf",
                    quoted_excerpt(filename)));
  }
  const size_t separator = filename.find_first_of("/\\");
  if (separator != std::string_view::npos) {
    return invalid_argument(fmt::format(
        "filename {} contains '{}'; give the file's name only, without folders (e.g. report.pdf)",
        quoted_excerpt(filename), filename[separator]));
  }
  if (const auto control = first_control_character(filename, /*multiline=*/false)) {
    return invalid_argument(fmt::format("filename contains {} at character {}; remove it",
                                        describe_control(control->byte), control->position));
  }
  // Valid UTF-8 from here on.
  bool blank = true;
  size_t position = 0;
  for (size_t pos = 0; pos < filename.size(); ++position) {
    const size_t length = utf8_sequence_length(filename, pos);
    const char32_t c = code_point_at(filename, pos, length);
    pos += length;
    blank = blank && is_blank_character(c);
    if (c >= 0x80 && c <= 0x9F) {
      return invalid_argument(
          fmt::format("filename contains the control character U+{:04X} at character {}; remove it",
                      static_cast<uint32_t>(c), position + 1));
    }
    if (is_bidi_control(c)) {
      return invalid_argument(fmt::format(
          "filename contains the bidirectional formatting character U+{:04X} at character {}, "
          "which can make a name display as another (a .exe shown as .pdf); remove it",
          static_cast<uint32_t>(c), position + 1));
    }
  }
  if (blank) {
    return invalid_argument(
        "filename is blank (only spaces or invisible characters); give the name of the file, "
        "e.g. report.pdf");
  }
  return Status::ok();
}

Status check_numbered_id(std::string_view field, std::string_view id, std::string_view prefix) {
  const auto refused = [&] {
    return invalid_argument(fmt::format(
        "{} must be an id {}-<n> (n a whole number from 1, without leading zeros, e.g. {}-12); "
        "got {}",
        field, prefix, prefix, quoted_excerpt(id)));
  };
  if (id.size() < prefix.size() + 2 || !id.starts_with(prefix) || id[prefix.size()] != '-') {
    return refused();
  }
  const std::string_view digits = id.substr(prefix.size() + 1);
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.front() == '0') {
    return refused();
  }
  return Status::ok();
}

Status check_media_type(std::string_view media_type) {
  if (media_type.empty()) {
    return invalid_argument(
        "media_type is empty; give the file's media type, e.g. application/pdf "
        "(application/octet-stream if it is not known)");
  }
  MediaTypeParser parser(media_type);
  if (!parser.parse()) {
    return invalid_argument(fmt::format(
        "media_type {} is not a media type (problem at character {}); use type/subtype with "
        "optional parameters, e.g. application/pdf or text/plain; charset=utf-8",
        quoted_excerpt(media_type), parser.position() + 1));
  }
  // The parser accepts ASCII only, so bytes are characters here.
  if (media_type.size() > kMaxMediaTypeChars) {
    return too_long("media_type", media_type.size(), kMaxMediaTypeChars);
  }
  return Status::ok();
}

std::string safe_download_name(std::string_view filename) {
  const auto is_safe = [](char c) {
    return is_ascii_alnum(c) || c == '.' || c == '_' || c == ' ' || c == '-';
  };
  std::string name;
  for (size_t pos = 0; pos < filename.size();) {
    if (is_safe(filename[pos])) {
      name += filename[pos++];
      continue;
    }
    // One '_' per character, so "résumé.pdf" reads "r_sum_.pdf"; a stray byte counts as one.
    name += '_';
    pos += std::max<size_t>(1, utf8_sequence_length(filename, pos));
  }
  // Leading dots would make a hidden file (or "..", "."); trailing dots and spaces are dropped
  // by some file systems, so the browser would save a different name than we send.
  const size_t first_kept = name.find_first_not_of(". ");
  name.erase(0, first_kept == std::string::npos ? name.size() : first_kept);
  if (name.size() > kMaxDownloadNameBytes) {
    const size_t dot = name.rfind('.');
    const bool keep_extension =
        dot != std::string::npos && dot > 0 && name.size() - dot <= kMaxKeptExtensionBytes;
    const std::string extension = keep_extension ? name.substr(dot) : std::string();
    name.resize(kMaxDownloadNameBytes - extension.size());
    name += extension;
  }
  trim_trailing_dots_and_spaces(name);
  return name.empty() ? std::string("evidence") : name;
}

}  // namespace gaplog
