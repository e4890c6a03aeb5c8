// The JSON parser behind json::parse(): a non-recursive descent over the text with explicit
// frames, duplicate-key detection, number and string decoding, and the error messages that say
// what is wrong, where, and how to fix it. Values, the writer and ObjectReader are in json.cc.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <functional>
#include <memory>
#include <system_error>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "codec/json.h"
#include "domain/hex.h"
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
    // The null Value is built in place: moving a temporary one trips GCC 12's
    // -Wmaybe-uninitialized here (a false positive, see Value's constructor).
    frame.members.emplace_back(std::piecewise_construct, std::forward_as_tuple(std::move(key)),
                               std::forward_as_tuple());
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

}  // namespace

// ---- parse ----------------------------------------------------------------------------------

Result<Value> parse(std::string_view text, const ParseLimits& limits) {
  return Parser(text, limits).run();
}

}  // namespace gaplog::json
