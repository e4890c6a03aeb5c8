// json::Value, the writer and ObjectReader: the data model, compact output and the request-body
// field rules. The parser is in json_parse.cc.
#include "codec/json.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "domain/text.h"
#include "domain/validation.h"

namespace gaplog::json {

namespace {

// ---- Numbers --------------------------------------------------------------------------------

// 2^63: the doubles in [-2^63, 2^63) that are integral convert to int64 exactly.
constexpr double kTwoTo63 = 9223372036854775808.0;

std::optional<int64_t> exact_int64(double d) {
  if (!(d >= -kTwoTo63 && d < kTwoTo63) || d != std::trunc(d)) return std::nullopt;
  return static_cast<int64_t>(d);
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

// ---- write ----------------------------------------------------------------------------------
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
