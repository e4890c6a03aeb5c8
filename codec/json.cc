#include "codec/json.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <functional>
#include <memory>
#include <system_error>
#include <unordered_set>

#include "domain/hex.h"
#include "domain/text.h"
#include "domain/validation.h"

namespace gaplog::json {

namespace detail {
struct ValueAccess {
  static Value array(std::vector<Value> items) {
    return Value(std::in_place_type<Value::Array>, std::move(items));
  }
  // `members` must have unique keys.
  static Value object(std::vector<Value::Member> members) {
    return Value(std::in_place_type<Value::Object>, std::move(members));
  }
};
}  // namespace detail

namespace {

using detail::ValueAccess;

// ---- UTF-8 ----------------------------------------------------------------------------------

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_json_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// ---- Numbers --------------------------------------------------------------------------------

// 2^63: the doubles in [-2^63, 2^63) that are integral convert to int64 exactly.
constexpr double kTwoTo63 = 9223372036854775808.0;

std::optional<int64_t> exact_int64(double d) {
  if (!(d >= -kTwoTo63 && d < kTwoTo63) || d != std::trunc(d)) return std::nullopt;
  return static_cast<int64_t>(d);
}

// The decimal order of magnitude of a (grammatically valid, non-zero) JSON number literal:
// > 0 when its absolute value is at least 1. Used only to tell overflow from underflow when
// std::from_chars says "out of range", so it need not be more precise than the sign.
int64_t decimal_magnitude(std::string_view literal) {
  size_t i = literal[0] == '-' ? 1 : 0;
  const size_t int_start = i;
  while (i < literal.size() && is_digit(literal[i])) ++i;
  const auto int_digits = static_cast<int64_t>(i - int_start);
  const bool int_is_zero = int_digits == 1 && literal[int_start] == '0';
  int64_t magnitude = int_digits;
  if (i < literal.size() && literal[i] == '.') {
    ++i;
    int64_t leading_zeros = 0;
    while (i < literal.size() && literal[i] == '0') ++i, ++leading_zeros;
    if (int_is_zero) magnitude = -leading_zeros;
    while (i < literal.size() && is_digit(literal[i])) ++i;
  } else if (int_is_zero) {
    magnitude = 0;
  }
  if (i < literal.size() && (literal[i] == 'e' || literal[i] == 'E')) {
    ++i;
    bool negative = false;
    if (literal[i] == '+' || literal[i] == '-') negative = literal[i++] == '-';
    int64_t exponent = 0;
    for (; i < literal.size(); ++i) {
      // Saturate: only the sign of the sum matters, and digits may go on for a megabyte.
      exponent = std::min<int64_t>(exponent * 10 + (literal[i] - '0'), int64_t{1} << 40);
    }
    magnitude += negative ? -exponent : exponent;
  }
  return magnitude;
}

void write_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (d == 0) {
    // -0 would read back as the integer 0 and then write as "0": write every zero as "0", so
    // that writing what was read is stable (found by tests/fuzz/json_fuzz).
    out += "0";
    return;
  }
  char buffer[64];
  // Shortest round trip. Where the fixed form is chosen for an integral double it prints the
  // exact value (2^60 as 1152921504606846976), so it reads back as an equal integer.
  out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, d).ptr);
}

// ---- Parser ---------------------------------------------------------------------------------

// The keys of the object being parsed, indexed by their position in `members`: the set holds
// indices, not copies, and hashes through the vector (whose address is stable, see Frame).
struct KeyHash {
  const std::vector<Value::Member>* members;
  size_t operator()(size_t i) const { return std::hash<std::string_view>{}((*members)[i].first); }
};
struct KeyEqual {
  const std::vector<Value::Member>* members;
  bool operator()(size_t a, size_t b) const { return (*members)[a].first == (*members)[b].first; }
};
using KeyIndex = std::unordered_set<size_t, KeyHash, KeyEqual>;

// Objects with up to this many members find duplicates by scanning, larger ones by hashing.
constexpr size_t kMaxScannedMembers = 16;

// A container that is open while its contents are parsed. Frames live in a deque, which never
// moves them, so a KeyIndex may point at its frame's members.
struct Frame {
  bool is_object = false;
  size_t open_offset = 0;
  std::vector<Value> items;             // arrays
  std::vector<Value::Member> members;   // objects; the last one awaits its value after a key
  std::unique_ptr<KeyIndex> key_index;  // objects past kMaxScannedMembers
};

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits) : text_(text), limits_(limits) {}

  Result<Value> run() {
    GAPLOG_RETURN_IF_ERROR(check_body());
    skip_whitespace();
    if (at_end()) return invalid_argument("the body is empty; send a JSON value such as {}");

    std::deque<Frame> stack;
    Value current;
    for (;;) {
      GAPLOG_ASSIGN_OR_RETURN(const bool complete, begin_value(stack, current));
      if (!complete) continue;  // a container opened: its first element follows
      GAPLOG_ASSIGN_OR_RETURN(const bool whole, hand_to_container(stack, current));
      if (whole) return current;
    }
  }

 private:
  // What is refused before parsing: a body too large, not UTF-8, or with a byte order mark.
  Status check_body() const {
    if (text_.size() > limits_.max_bytes) {
      return too_large(
          fmt::format("the body is {} bytes; the limit is {} bytes; send a smaller body",
                      text_.size(), limits_.max_bytes));
    }
    if (const std::optional<size_t> bad = first_invalid_utf8_byte(text_)) {
      return error_at(
          *bad,
          fmt::format("invalid UTF-8 (byte 0x{:02X})", static_cast<unsigned char>(text_[*bad])),
          "send the body encoded as UTF-8");
    }
    if (text_.starts_with("\xEF\xBB\xBF")) {
      return invalid_argument(
          "the body starts with a byte order mark (U+FEFF); send UTF-8 without a byte order mark");
    }
    return Status::ok();
  }

  // A value starts here (whitespace skipped). Containers push a frame and answer false: their
  // first element follows. Everything else completes `current` and answers true.
  Result<bool> begin_value(std::deque<Frame>& stack, Value& current) {
    if (at_end()) return unexpected("a value");
    const char c = text_[pos_];
    if (c == '[' || c == '{') {
      if (stack.size() >= limits_.max_depth) {
        return error_at(pos_, fmt::format("nesting deeper than {} levels", limits_.max_depth),
                        "flatten the body");
      }
      Frame& frame = stack.emplace_back();
      frame.is_object = c == '{';
      frame.open_offset = pos_;
      ++pos_;
      skip_whitespace();
      const char close = frame.is_object ? '}' : ']';
      if (at_end() || text_[pos_] != close) {
        if (frame.is_object) GAPLOG_RETURN_IF_ERROR(parse_key(frame));
        return false;
      }
      ++pos_;
      current = frame.is_object ? Value::object() : Value::array();
      stack.pop_back();
    } else {
      GAPLOG_ASSIGN_OR_RETURN(current, parse_scalar());
    }
    return true;
  }

  // Hands `current` to its container, closing every container that ends here. Answers true when
  // `current` is the whole body, false when the next element of a container follows.
  Result<bool> hand_to_container(std::deque<Frame>& stack, Value& current) {
    for (;;) {
      if (stack.empty()) {
        skip_whitespace();
        if (!at_end()) return unexpected_after_value();
        return true;
      }
      Frame& frame = stack.back();
      if (frame.is_object) {
        frame.members.back().second = std::move(current);
      } else {
        frame.items.push_back(std::move(current));
      }
      skip_whitespace();
      const char close = frame.is_object ? '}' : ']';
      const std::string_view container = frame.is_object ? "object" : "array";
      if (at_end()) {
        return invalid_argument(fmt::format(
            "the body ends before the {} opened at {} is closed; complete it and close it "
            "with '{}'",
            container, where(frame.open_offset), close));
      }
      if (text_[pos_] == close) {
        ++pos_;
        current = frame.is_object ? ValueAccess::object(std::move(frame.members))
                                  : ValueAccess::array(std::move(frame.items));
        stack.pop_back();
        continue;
      }
      if (text_[pos_] != ',') {
        return unexpected(fmt::format("',' or '{}' after an {} {}", close, container,
                                      frame.is_object ? "member" : "item"));
      }
      const size_t comma = pos_++;
      skip_whitespace();
      if (!at_end() && text_[pos_] == close) {
        return error_at(comma, fmt::format("trailing comma before '{}'", close),
                        "remove the comma");
      }
      if (frame.is_object) GAPLOG_RETURN_IF_ERROR(parse_key(frame));
      return false;
    }
  }

  bool at_end() const { return pos_ >= text_.size(); }

  void skip_whitespace() {
    while (pos_ < text_.size() && is_json_whitespace(text_[pos_])) ++pos_;
  }

  // "line 3, column 14": lines split at \n, columns count characters from 1.
  std::string where(size_t offset) const {
    offset = std::min(offset, text_.size());
    size_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset; ++i) {
      if (text_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    const size_t column = 1 + utf8_length(text_.substr(line_start, offset - line_start));
    return fmt::format("line {}, column {}", line, column);
  }

  Status error_at(size_t offset, std::string_view what, std::string_view fix) const {
    return invalid_argument(fmt::format("{} at {}; {}", what, where(offset), fix));
  }

  // The character at `offset`, quoted for a message ('x', 'é').
  std::string character_at(size_t offset) const {
    const size_t length = std::max<size_t>(1, utf8_sequence_length(text_, offset));
    return quoted_excerpt(text_.substr(offset, length));
  }

  // Explains why the text at pos_ cannot be what was `expected`, naming the usual suspects.
  Status unexpected(std::string_view expected) const {
    if (at_end()) {
      return invalid_argument(
          fmt::format("the body ends too early at {}: expected {}; send a complete JSON value",
                      where(pos_), expected));
    }
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("//") || rest.starts_with("/*")) {
      return error_at(pos_, "a comment", "JSON has no comments; remove it");
    }
    if (rest[0] == '\'') {
      return error_at(pos_, "a single quote",
                      "strings and member names take double quotes: \"text\", not 'text'");
    }
    return error_at(pos_, fmt::format("unexpected {}", character_at(pos_)),
                    fmt::format("expected {}", expected));
  }

  Status unexpected_after_value() const {
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("//") || rest.starts_with("/*")) {
      return error_at(pos_, "a comment", "JSON has no comments; remove it");
    }
    return error_at(pos_, fmt::format("unexpected {} after the JSON value", character_at(pos_)),
                    "send exactly one value (wrap several in an array)");
  }

  // A member name and its ':' (pos_ at the name; whitespace after ':' skipped). Appends the
  // member with a null value that the caller replaces; duplicates are refused here, before
  // their value is read.
  Status parse_key(Frame& frame) {
    if (at_end() || text_[pos_] != '"') return unexpected("a member name in double quotes");
    const size_t key_offset = pos_;
    std::string key;
    GAPLOG_RETURN_IF_ERROR(parse_string(key));
    frame.members.emplace_back(std::move(key), Value());
    const size_t index = frame.members.size() - 1;
    bool duplicate = false;
    if (frame.key_index) {
      duplicate = !frame.key_index->insert(index).second;
    } else {
      const std::string& name = frame.members[index].first;
      duplicate =
          std::any_of(frame.members.begin(), frame.members.begin() + static_cast<ptrdiff_t>(index),
                      [&name](const Value::Member& m) { return m.first == name; });
      if (!duplicate && frame.members.size() > kMaxScannedMembers) {
        frame.key_index =
            std::make_unique<KeyIndex>(0, KeyHash{&frame.members}, KeyEqual{&frame.members});
        for (size_t i = 0; i <= index; ++i) frame.key_index->insert(i);
      }
    }
    if (duplicate) {
      return error_at(
          key_offset,
          fmt::format("duplicate key {} in an object", quoted_excerpt(frame.members[index].first)),
          "send each field once");
    }
    skip_whitespace();
    if (at_end() || text_[pos_] != ':') return unexpected("':' after the member name");
    ++pos_;
    skip_whitespace();
    return Status::ok();
  }

  Result<Value> parse_scalar() {
    const char c = text_[pos_];
    if (c == '"') {
      std::string s;
      GAPLOG_RETURN_IF_ERROR(parse_string(s));
      return Value::string(std::move(s));
    }
    if (c == '-' || is_digit(c)) return parse_number();
    if (is_letter(c)) return parse_word();
    if (c == '+') {
      return error_at(pos_, "a number starting with '+'", "remove the '+'");
    }
    if (c == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1])) {
      return error_at(pos_, "a number starting with '.'", "write 0.5, not .5");
    }
    return unexpected("a value");
  }

  Result<Value> parse_word() {
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           (is_letter(text_[pos_]) || is_digit(text_[pos_]) || text_[pos_] == '_')) {
      ++pos_;
    }
    const std::string_view word = text_.substr(start, pos_ - start);
    if (word == "true") return Value::boolean(true);
    if (word == "false") return Value::boolean(false);
    if (word == "null") return Value::null();
    if (word == "NaN" || word == "Infinity") {
      return error_at(start, fmt::format("{} is not a JSON number", word),
                      "send a finite number, or null");
    }
    return error_at(start, fmt::format("unexpected word {}", quoted_excerpt(word)),
                    "a value is a string in double quotes, a number, true, false, null, an "
                    "array or an object");
  }

  Result<Value> parse_number() {
    const size_t start = pos_;
    if (text_[pos_] == '-') {
      ++pos_;
      if (text_.substr(pos_).starts_with("Infinity")) {
        return error_at(start, "-Infinity is not a JSON number", "send a finite number, or null");
      }
      if (at_end() || !is_digit(text_[pos_])) {
        return error_at(start, "a '-' without digits", "write a number such as -1");
      }
    }
    const size_t int_start = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    if (text_[int_start] == '0' && pos_ - int_start > 1) {
      return error_at(start,
                      fmt::format("the number {} has a leading zero",
                                  quoted_excerpt(text_.substr(start, pos_ - start))),
                      "remove the leading zeros, or send an identifier as a string");
    }
    bool integral = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (at_end() || !is_digit(text_[pos_])) {
        return error_at(pos_ - 1, "a decimal point without digits after it",
                        "write 1.0 or 1, not 1.");
      }
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integral = false;
      const size_t e = pos_++;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (at_end() || !is_digit(text_[pos_])) {
        return error_at(e, "an exponent without digits", "write 1e5, not 1e");
      }
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    const std::string_view literal = text_.substr(start, pos_ - start);
    const char* first = literal.data();
    const char* last = literal.data() + literal.size();
    if (integral) {
      int64_t i = 0;
      const auto [ptr, ec] = std::from_chars(first, last, i);
      if (ec == std::errc() && ptr == last) return Value::integer(i);
      // Beyond int64: kept as the nearest double (documented in the header).
    }
    double d = 0;
    const auto [ptr, ec] = std::from_chars(first, last, d);
    if (ec == std::errc() && ptr == last && std::isfinite(d)) return Value::number(d);
    if (ec == std::errc::result_out_of_range && decimal_magnitude(literal) <= 0) {
      // Too small for a double: it is as good as zero.
      return Value::number(literal[0] == '-' ? -0.0 : 0.0);
    }
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(d))) {
      return error_at(start, fmt::format("the number {} is too large", quoted_excerpt(literal)),
                      "send a number between -1.7e308 and 1.7e308");
    }
    return error_at(start, fmt::format("the number {} cannot be read", quoted_excerpt(literal)),
                    "send a plain decimal number");
  }

  // A string literal at pos_ (the opening quote), unescaped into `out`.
  Status parse_string(std::string& out) {
    const size_t start = pos_++;
    for (;;) {
      const size_t run_start = pos_;
      while (pos_ < text_.size()) {
        const auto b = static_cast<unsigned char>(text_[pos_]);
        if (b == '"' || b == '\\' || b < 0x20) break;
        ++pos_;
      }
      // The text was checked as UTF-8 up front, so the run is copied as is.
      out.append(text_.substr(run_start, pos_ - run_start));
      if (out.size() > limits_.max_string_bytes) {
        return too_large(
            fmt::format("the string starting at {} is longer than {} bytes; send a shorter one",
                        where(start), limits_.max_string_bytes));
      }
      if (at_end()) {
        return error_at(start, "a string that is never closed", "end it with '\"'");
      }
      const auto b = static_cast<unsigned char>(text_[pos_]);
      if (b == '"') {
        ++pos_;
        return Status::ok();
      }
      if (b < 0x20) {
        const std::string_view short_form = b == '\n'   ? " (or \\n)"
                                            : b == '\t' ? " (or \\t)"
                                            : b == '\r' ? " (or \\r)"
                                                        : "";
        return error_at(pos_, fmt::format("a raw control character U+{:04X} in a string", b),
                        fmt::format("escape it as \\u{:04x}{}", b, short_form));
      }
      GAPLOG_RETURN_IF_ERROR(parse_escape(out));
    }
  }

  // An escape at pos_ (the backslash), appended to `out` as UTF-8.
  Status parse_escape(std::string& out) {
    constexpr std::string_view kEscapes =
        "the escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\u followed by four hex digits";
    const size_t start = pos_;
    if (pos_ + 1 >= text_.size()) {
      return error_at(start, "a string that ends in a backslash", "end it with '\"'");
    }
    const char e = text_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case '"':
        out += '"';
        return Status::ok();
      case '\\':
        out += '\\';
        return Status::ok();
      case '/':
        out += '/';
        return Status::ok();
      case 'b':
        out += '\b';
        return Status::ok();
      case 'f':
        out += '\f';
        return Status::ok();
      case 'n':
        out += '\n';
        return Status::ok();
      case 'r':
        out += '\r';
        return Status::ok();
      case 't':
        out += '\t';
        return Status::ok();
      case 'u':
        break;
      default:
        return error_at(
            start,
            fmt::format(
                "the invalid escape {} in a string",
                quoted_excerpt(text_.substr(
                    start, 1 + std::max<size_t>(1, utf8_sequence_length(text_, start + 1))))),
            kEscapes);
    }
    const auto read_hex4 = [this](size_t at) -> std::optional<uint32_t> {
      if (text_.size() - at < 4) return std::nullopt;
      uint32_t cp = 0;
      for (size_t i = at; i < at + 4; ++i) {
        const int h = hex_digit_value(text_[i]);
        if (h < 0) return std::nullopt;
        cp = cp * 16 + static_cast<uint32_t>(h);
      }
      return cp;
    };
    const std::optional<uint32_t> unit = read_hex4(pos_);
    if (!unit) return error_at(start, "a \\u escape without four hex digits", kEscapes);
    pos_ += 4;
    uint32_t cp = *unit;
    constexpr std::string_view kSurrogateFix =
        "send the character as UTF-8, or as a high surrogate \\ud800-\\udbff followed by a low "
        "surrogate \\udc00-\\udfff";
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return error_at(start, fmt::format("the lone low surrogate \\u{:04x}", cp), kSurrogateFix);
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      std::optional<uint32_t> low;
      if (text_.substr(pos_).starts_with("\\u")) low = read_hex4(pos_ + 2);
      if (!low || *low < 0xDC00 || *low > 0xDFFF) {
        return error_at(start, fmt::format("the unpaired high surrogate \\u{:04x}", cp),
                        kSurrogateFix);
      }
      pos_ += 6;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
    }
    append_utf8(out, cp);
    return Status::ok();
  }

  std::string_view text_;
  const ParseLimits& limits_;
  size_t pos_ = 0;
};

// ---- Writer ---------------------------------------------------------------------------------

void write_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t run_start = pos;
    while (pos < s.size()) {
      const auto b = static_cast<unsigned char>(s[pos]);
      if (b < 0x20 || b == '"' || b == '\\' || b >= 0x80) break;
      ++pos;
    }
    out.append(s.substr(run_start, pos - run_start));
    if (pos == s.size()) break;
    const auto b = static_cast<unsigned char>(s[pos]);
    if (b >= 0x80) {
      const size_t length = utf8_sequence_length(s, pos);
      if (length == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD: never emit bytes that are not UTF-8
        pos += 1;
      } else {
        out.append(s.substr(pos, length));
        pos += length;
      }
    } else if (b == '"' || b == '\\') {
      out += '\\';
      out += static_cast<char>(b);
      pos += 1;
    } else {
      out += "\\u00";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      pos += 1;
    }
  }
  out += '"';
}

void write_value(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      out += "null";
      return;
    case Value::Kind::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Kind::kNumber:
      if (v.is_integer()) {
        char buffer[24];
        const auto result = std::to_chars(buffer, buffer + sizeof buffer, v.as_integer());
        out.append(buffer, result.ptr);
      } else {
        write_double(out, v.as_double());
      }
      return;
    case Value::Kind::kString:
      write_string(out, v.as_string());
      return;
    case Value::Kind::kArray: {
      out += '[';
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out += ',';
        first = false;
        write_value(out, item);
      }
      out += ']';
      return;
    }
    case Value::Kind::kObject: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : v.members()) {
        if (!first) out += ',';
        first = false;
        write_string(out, key);
        out += ':';
        write_value(out, member);
      }
      out += '}';
      return;
    }
  }
}

bool numbers_equal(const Value& a, const Value& b) {
  if (a.is_integer() && b.is_integer()) return a.as_integer() == b.as_integer();
  if (!a.is_integer() && !b.is_integer()) return a.as_double() == b.as_double();
  const Value& integer = a.is_integer() ? a : b;
  const Value& other = a.is_integer() ? b : a;
  const std::optional<int64_t> exact = exact_int64(other.as_double());
  return exact && *exact == integer.as_integer();
}

bool looks_like_typo(std::string_view sent, std::string_view known) {
  constexpr size_t kMaxCompared = 64;
  if (sent.size() > kMaxCompared || known.size() > kMaxCompared) return false;
  return edit_distance(sent, known) <= std::min<size_t>(2, known.size() / 2);
}

}  // namespace

// ---- Value ----------------------------------------------------------------------------------

Value::Kind Value::kind() const {
  switch (v_.index()) {
    case 0:
      return Kind::kNull;
    case 1:
      return Kind::kBool;
    case 2:
    case 3:
      return Kind::kNumber;
    case 4:
      return Kind::kString;
    case 5:
      return Kind::kArray;
    default:
      return Kind::kObject;
  }
}

double Value::as_double() const {
  if (const auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  return std::get<double>(v_);
}

Value& Value::push(Value v) & {
  std::get<Array>(v_).push_back(std::move(v));
  return *this;
}

Value& Value::set(std::string key, Value v) & {
  auto& members = std::get<Object>(v_);
  for (auto& member : members) {
    if (member.first == key) {
      member.second = std::move(v);
      return *this;
    }
  }
  members.emplace_back(std::move(key), std::move(v));
  return *this;
}

const Value* Value::find(std::string_view key) const {
  const auto* members = std::get_if<Object>(&v_);
  if (members == nullptr) return nullptr;
  for (const auto& member : *members) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(std::as_const(*this).find(key));
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      return a.as_bool() == b.as_bool();
    case Value::Kind::kNumber:
      return numbers_equal(a, b);
    case Value::Kind::kString:
      return a.as_string() == b.as_string();
    case Value::Kind::kArray:
      return a.items() == b.items();
    case Value::Kind::kObject: {
      const auto& am = a.members();
      const auto& bm = b.members();
      if (am.size() != bm.size()) return false;
      // Usually both are in the same order; fall back to lookups (keys are unique) otherwise.
      size_t i = 0;
      while (i < am.size() && am[i].first == bm[i].first) {
        if (!(am[i].second == bm[i].second)) return false;
        ++i;
      }
      for (; i < am.size(); ++i) {
        const Value* other = b.find(am[i].first);
        if (other == nullptr || !(am[i].second == *other)) return false;
      }
      return true;
    }
  }
  return false;
}

std::string_view kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return "a boolean";
    case Value::Kind::kNumber:
      return "a number";
    case Value::Kind::kString:
      return "a string";
    case Value::Kind::kArray:
      return "an array";
    case Value::Kind::kObject:
      return "an object";
  }
  return "a value";
}

// ---- parse / write --------------------------------------------------------------------------

Result<Value> parse(std::string_view text, const ParseLimits& limits) {
  return Parser(text, limits).run();
}

std::string write(const Value& v) {
  std::string out;
  write_value(out, v);
  return out;
}

// ---- ObjectReader ---------------------------------------------------------------------------

namespace {

Status wrong_type(std::string_view field, std::string_view expected, const Value& got) {
  return invalid_argument(
      fmt::format("field '{}' must be {}, not {}", field, expected, kind_name(got.kind())));
}

Status null_not_allowed(std::string_view field, std::string_view expected) {
  return invalid_argument(
      fmt::format("field '{}' must be {}, not null; omit the field instead", field, expected));
}

// "a finding", "an evidence link". A leading 'u' takes "a" ("a user").
std::string with_article(std::string_view noun) {
  const bool vowel =
      !noun.empty() && std::string_view("aeioAEIO").find(noun[0]) != std::string_view::npos;
  return fmt::format("{} {}", vowel ? "an" : "a", noun);
}

Result<std::vector<std::string>> read_string_list(std::string_view field, const Value& v) {
  if (!v.is_array()) return wrong_type(field, "an array of strings", v);
  std::vector<std::string> out;
  out.reserve(v.items().size());
  for (size_t i = 0; i < v.items().size(); ++i) {
    const Value& item = v.items()[i];
    if (!item.is_string()) {
      return invalid_argument(fmt::format("field '{}' must be an array of strings; {}[{}] is {}",
                                          field, field, i, kind_name(item.kind())));
    }
    out.push_back(item.as_string());
  }
  return out;
}

}  // namespace

ObjectReader::ObjectReader(const Value& value, std::string entity)
    : value_(value), entity_(std::move(entity)) {}

Status ObjectReader::not_an_object() const {
  return invalid_argument(
      fmt::format("the body must be a JSON object with the fields of {}, not {}",
                  with_article(entity_), kind_name(value_.kind())));
}

Result<const Value*> ObjectReader::lookup(std::string_view field) {
  if (!value_.is_object()) return not_an_object();
  if (std::find(known_.begin(), known_.end(), field) == known_.end()) known_.emplace_back(field);
  return value_.find(field);
}

Status ObjectReader::missing(std::string_view field) const {
  for (const auto& [key, member] : value_.members()) {
    if (key != field && looks_like_typo(key, field) &&
        std::find(known_.begin(), known_.end(), key) == known_.end()) {
      return invalid_argument(
          fmt::format("field '{}' is required; the body has {} instead: is it misspelt?", field,
                      quoted_excerpt(key)));
    }
  }
  return invalid_argument(fmt::format("field '{}' is required; add it to the {}", field, entity_));
}

Result<std::string> ObjectReader::required_string(std::string_view field) {
  GAPLOG_ASSIGN_OR_RETURN(const Value* v, lookup(field));
  if (v == nullptr) return missing(field);
  if (!v->is_string()) return wrong_type(field, "a string", *v);
  return v->as_string();
}

Result<std::optional<std::string>> ObjectReader::optional_string(std::string_view field) {
  GAPLOG_ASSIGN_OR_RETURN(const Value* v, lookup(field));
  if (v == nullptr) return std::optional<std::string>();
  if (v->is_null()) return null_not_allowed(field, "a string");
  if (!v->is_string()) return wrong_type(field, "a string", *v);
  return std::optional<std::string>(v->as_string());
}

Result<NullableString> ObjectReader::nullable_string(std::string_view field) {
  GAPLOG_ASSIGN_OR_RETURN(const Value* v, lookup(field));
  NullableString out;
  if (v == nullptr) return out;
  out.present = true;
  if (v->is_null()) return out;
  if (!v->is_string()) {
    return invalid_argument(
        fmt::format("field '{}' must be a string or null, not {}", field, kind_name(v->kind())));
  }
  out.value = v->as_string();
  return out;
}

Result<std::vector<std::string>> ObjectReader::required_string_list(std::string_view field) {
  GAPLOG_ASSIGN_OR_RETURN(const Value* v, lookup(field));
  if (v == nullptr) return missing(field);
  return read_string_list(field, *v);
}

Result<std::optional<std::vector<std::string>>> ObjectReader::optional_string_list(
    std::string_view field) {
  GAPLOG_ASSIGN_OR_RETURN(const Value* v, lookup(field));
  if (v == nullptr) return std::optional<std::vector<std::string>>();
  if (v->is_null()) return null_not_allowed(field, "an array of strings");
  GAPLOG_ASSIGN_OR_RETURN(std::vector<std::string> list, read_string_list(field, *v));
  return std::optional<std::vector<std::string>>(std::move(list));
}

Result<std::optional<int64_t>> ObjectReader::optional_integer(std::string_view field) {
  GAPLOG_ASSIGN_OR_RETURN(const Value* v, lookup(field));
  if (v == nullptr) return std::optional<int64_t>();
  if (v->is_null()) return null_not_allowed(field, "an integer");
  if (!v->is_number()) return wrong_type(field, "an integer", *v);
  if (v->is_integer()) return std::optional<int64_t>(v->as_integer());
  const std::optional<int64_t> exact = exact_int64(v->as_double());
  if (!exact) {
    return invalid_argument(
        fmt::format("field '{}' must be an integer, not {}", field, quoted_excerpt(write(*v))));
  }
  return std::optional<int64_t>(*exact);
}

Result<std::optional<bool>> ObjectReader::optional_bool(std::string_view field) {
  GAPLOG_ASSIGN_OR_RETURN(const Value* v, lookup(field));
  if (v == nullptr) return std::optional<bool>();
  if (v->is_null()) return null_not_allowed(field, "true or false");
  if (!v->is_bool()) return wrong_type(field, "true or false", *v);
  return std::optional<bool>(v->as_bool());
}

Result<const Value*> ObjectReader::optional_value(std::string_view field) { return lookup(field); }

Status ObjectReader::finish() const {
  if (!value_.is_object()) return not_an_object();
  for (const auto& [key, member] : value_.members()) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    if (known_.empty()) {
      return invalid_argument(fmt::format("unknown field {}; {} takes no fields, send {{}}",
                                          quoted_excerpt(key), with_article(entity_)));
    }
    std::string hint;
    for (const std::string& known : known_) {
      if (looks_like_typo(key, known)) {
        hint = fmt::format(" (did you mean '{}'?)", known);
        break;
      }
    }
    return invalid_argument(fmt::format("unknown field {}{}; the fields of {} are: {}",
                                        quoted_excerpt(key), hint, with_article(entity_),
                                        fmt::join(known_, ", ")));
  }
  return Status::ok();
}

}  // namespace gaplog::json
