// A small, strict JSON library for request bodies and responses (RFC 8259), and a field reader
// that enforces the API's rules for request bodies in one place (SPEC §6, §9).
//
// - parse() accepts exactly one JSON value and nothing else, and explains every rejection: what
//   is wrong, where (line and column), and how to fix it.
// - write() is compact and deterministic: the same Value always gives the same bytes, object
//   members in the order they were added.
//
// Values are plain copyable data; nothing here keeps global state, so every function is safe to
// call from any thread on distinct values (and concurrently on the same const value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "domain/status.h"

namespace gaplog::json {

namespace detail {
struct ValueAccess;  // lets the parser build objects whose keys it has already checked
}  // namespace detail

// A JSON value: null, a boolean, a number, a string, an array or an object.
//
// Numbers are kept as an int64 when they are integers that fit (a parsed literal without
// fraction or exponent in [-2^63, 2^63-1], or Value::integer), and as a double otherwise:
// 9223372036854775807 stays exact, 9223372036854775808 (2^63) becomes the double 2^63.
//
// Objects keep their members in the order they were written or added; keys are unique (set()
// replaces, parse() rejects duplicates). Lookup is linear, which suits the small objects of the
// API; parse() checks duplicates with a hash set, so big objects parse in linear time.
//
// Values nest by ownership; copying, comparing, writing and destroying recurse to the depth of
// the value, which parse() bounds by ParseLimits::max_depth.
class Value {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, Value>;

  Value() = default;  // null

  static Value null() { return Value(); }
  static Value boolean(bool b) { return Value(std::in_place_type<bool>, b); }
  // Kept as a double even when integral (is_integer() is false). NaN and infinities may be
  // stored but are written as null: JSON has no such numbers.
  static Value number(double d) { return Value(std::in_place_type<double>, d); }
  static Value integer(int64_t i) { return Value(std::in_place_type<int64_t>, i); }
  // `s` should be UTF-8; write() replaces bytes that are not with U+FFFD.
  static Value string(std::string s) {
    return Value(std::in_place_type<std::string>, std::move(s));
  }
  static Value array() { return Value(std::in_place_type<Array>); }
  static Value object() { return Value(std::in_place_type<Object>); }

  Kind kind() const;
  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_number() const { return is_integer() || std::holds_alternative<double>(v_); }
  // A number held exactly as an int64 (see the class comment).
  bool is_integer() const { return std::holds_alternative<int64_t>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }

  // Accessors: calling one on a value of another kind is a bug and throws
  // std::bad_variant_access. Check the kind first when the value comes from a client.
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_integer() const { return std::get<int64_t>(v_); }
  // Any number; an integer beyond 2^53 is rounded to the nearest double.
  double as_double() const;
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const std::vector<Value>& items() const { return std::get<Array>(v_); }
  std::vector<Value>& items() { return std::get<Array>(v_); }
  const std::vector<Member>& members() const { return std::get<Object>(v_); }

  // Appends to an array. Returns *this, so calls chain: Value::array().push(a).push(b).
  Value& push(Value v) &;
  Value&& push(Value v) && { return std::move(push(std::move(v))); }

  // Sets a member of an object: appends it, or replaces the value in place (keeping the member's
  // position) when the key is already there. Returns *this, so calls chain:
  //   Value::object().set("id", Value::string(id)).set("version", Value::integer(v))
  Value& set(std::string key, Value v) &;
  Value&& set(std::string key, Value v) && { return std::move(set(std::move(key), std::move(v))); }

  // The value of member `key` of an object, or nullptr when absent or when this is not an object.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);

  // Semantic equality: numbers compare by mathematical value (integer 1 equals number 1.0; NaN
  // equals nothing), objects compare as sets of members (order is ignored), arrays in order.
  friend bool operator==(const Value& a, const Value& b);

 private:
  friend struct detail::ValueAccess;
  using Array = std::vector<Value>;
  using Object = std::vector<Member>;
  using Storage = std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object>;

  // In place, not from a Storage temporary: moving a variant built a line earlier trips GCC 12's
  // -Wmaybe-uninitialized under -O2 with sanitizers.
  template <typename T, typename... Args>
  explicit Value(std::in_place_type_t<T> type, Args&&... args)
      : v_(type, std::forward<Args>(args)...) {}

  Storage v_;
};

// "null", "a boolean", "a number", "a string", "an array", "an object": for error messages.
std::string_view kind_name(Value::Kind kind);

struct ParseLimits {
  size_t max_bytes = 1 << 20;  // the whole text; more is kTooLarge
  // Containers open at once: 32 allows "[[...32 times...]]", refuses 33. The parser itself is
  // iterative, but the Value it returns is destroyed recursively: keep this in the hundreds.
  size_t max_depth = 32;
  size_t max_string_bytes = 1 << 20;  // one string (or key) after unescaping; more is kTooLarge
};

// Parses exactly one JSON value (RFC 8259), with optional whitespace around it and nothing after.
//
// Rejects, with kInvalidArgument and a message that says what is wrong, where ("line 3,
// column 14") and how to fix it: an empty body; invalid UTF-8 anywhere (a byte order mark too);
// unescaped control characters in strings; unknown escapes; \u escapes that leave a lone
// surrogate (a valid pair is decoded to one code point); leading zeros, '+', NaN, Infinity,
// numbers beyond the range of a double (1e400; tiny ones such as 1e-400 become 0); trailing
// commas, comments, single quotes, bare words; duplicate keys in one object; more than
// max_depth nested containers; anything after the value.
// Rejects with kTooLarge a text over max_bytes or a string over max_string_bytes.
//
// \u0000 is accepted (it is valid JSON and valid UTF-8); fields that must not contain control
// characters check that themselves (check_text in domain/validation.h).
//
// Linear time; a 1 MiB body parses in milliseconds.
Result<Value> parse(std::string_view text, const ParseLimits& limits = {});

// Compact serialisation: no whitespace; members in order; strings with '"', '\\' and control
// characters U+0000..U+001F escaped (as \u00XX, lowercase hex) and all other characters written
// as UTF-8 (bytes that are not valid UTF-8 become U+FFFD, so the output is always valid JSON);
// integers without decimals; doubles in the shortest form that reads back to the same double
// (std::to_chars: 0.1, 1e+300, and 3.0 as "3"); NaN and infinities as null;
// zero (also -0.0) as "0".
// parse(write(v)) == v for every finite v whose strings are valid UTF-8.
std::string write(const Value& v);

// A string field that may be absent, null or a string: PATCH-style "leave / clear / set".
struct NullableString {
  bool present = false;              // the field was in the body (possibly as null)
  std::optional<std::string> value;  // the string, when the field was a string

  bool is_absent() const { return !present; }
  bool is_null() const { return present && !value.has_value(); }
};

// Reads the fields of a request body object and enforces the API's rules in one place:
// wrong types, missing required fields and unknown fields are kInvalidArgument (HTTP 400) with
// messages that name the field:
//
//   ObjectReader body(value, "finding");
//   GAPLOG_ASSIGN_OR_RETURN(std::string title, body.required_string("title"));
//   GAPLOG_ASSIGN_OR_RETURN(auto description, body.optional_string("description"));
//   GAPLOG_ASSIGN_OR_RETURN(auto owner, body.nullable_string("owner"));
//   GAPLOG_RETURN_IF_ERROR(body.finish());  // unknown fields
//
// Every field asked for, present or not, becomes a known field of the entity; finish() names
// the first member (in body order) that was never asked for and lists the known ones.
// When the value is not an object, every call (finish() too) returns "the body must be a JSON
// object". Optional fields reject null ("omit the field instead"); nullable_string is the one
// that gives null a meaning.
//
// Borrows `value`, which must outlive the reader. Not thread-safe.
class ObjectReader {
 public:
  // `entity` is what the body describes, for messages: "finding", "control", "user".
  ObjectReader(const Value& value, std::string entity);

  Result<std::string> required_string(std::string_view field);
  Result<std::optional<std::string>> optional_string(std::string_view field);
  Result<NullableString> nullable_string(std::string_view field);

  // An array of strings. Required: absence is an error, [] is accepted.
  Result<std::vector<std::string>> required_string_list(std::string_view field);
  // nullopt when absent (PATCH: leave unchanged); [] when sent as [].
  Result<std::optional<std::vector<std::string>>> optional_string_list(std::string_view field);

  // An integer: an integral JSON number in the int64 range (10, 1e1 and 10.0 all give 10).
  Result<std::optional<int64_t>> optional_integer(std::string_view field);
  Result<std::optional<bool>> optional_bool(std::string_view field);

  // Any value, for fields the caller checks itself (nested objects): nullptr when absent, a
  // null Value when sent as null.
  Result<const Value*> optional_value(std::string_view field);

  // Ok when every member of the object was asked for; otherwise names the first unknown one:
  // "unknown field 'titel'; the fields of a finding are: title, description, ...".
  Status finish() const;

 private:
  // Marks `field` known and returns its value, nullptr when absent; fails when not an object.
  Result<const Value*> lookup(std::string_view field);
  Status not_an_object() const;
  Status missing(std::string_view field) const;

  const Value& value_;
  std::string entity_;
  std::vector<std::string> known_;  // in the order asked, without repeats
};

}  // namespace gaplog::json
