// The one error type of gaplog. Every fallible call returns a Status or a Result<T>.
//
// Codes are documented once here and mapped once to HTTP statuses and CLI exit codes
// (see status_http / the CLI). Business rules never throw; exceptions are reserved for
// bugs and broken environments.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace gaplog {

enum class Code {
  kOk,
  kInvalidArgument,   // malformed input: bad date, wrong type, over-long text (HTTP 400)
  kUnauthenticated,   // no or bad credentials (401)
  kPermissionDenied,  // the role does not allow it (403)
  kNotFound,          // no such entity (404)
  kAlreadyExists,     // duplicate id or e-mail (409)
  kVersionConflict,   // expected stream version did not match: a failed test-and-set (409/412)
  kTooLarge,          // a size limit was exceeded (413)
  kRuleViolation,     // well-formed, but breaks a rule of the spec (422)
  kUnavailable,       // the log refuses writes after a failed write or sync; reopen to recover
  kIoError,           // the file system failed
  kCorruption,        // stored data does not match its hash or does not decode
  kInternal,          // a bug
};

// A stable snake_case name for the code, used as the default error code in JSON.
std::string_view code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {
    assert(code != Code::kOk);
  }

  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "invalid_argument: title is 201 characters; shorten it to at most 200"
  std::string to_string() const;

  // Marks a status as deliberately ignored (e.g. best-effort cleanup).
  void ignore() const {}

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status permission_denied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status not_found(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status already_exists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
inline Status version_conflict(std::string m) { return {Code::kVersionConflict, std::move(m)}; }
inline Status too_large(std::string m) { return {Code::kTooLarge, std::move(m)}; }
inline Status rule_violation(std::string m) { return {Code::kRuleViolation, std::move(m)}; }
inline Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status io_error(std::string m) { return {Code::kIoError, std::move(m)}; }
inline Status corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
inline Status internal_error(std::string m) { return {Code::kInternal, std::move(m)}; }

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).is_ok());
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  const Status& status() const {
    static const Status kOkStatus;
    return is_ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace gaplog

// Returns early from the enclosing function when `expr` is not ok.
#define GAPLOG_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    ::gaplog::Status gaplog_status_ = (expr);           \
    if (!gaplog_status_.is_ok()) return gaplog_status_; \
  } while (0)

#define GAPLOG_CONCAT_INNER_(a, b) a##b
#define GAPLOG_CONCAT_(a, b) GAPLOG_CONCAT_INNER_(a, b)
// GAPLOG_ASSIGN_OR_RETURN(auto x, f()) — declares x from a Result or returns its Status.
// `decl` is a declaration ("auto x"), which cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define GAPLOG_ASSIGN_OR_RETURN(decl, expr)                   \
  auto GAPLOG_CONCAT_(gaplog_result_, __LINE__) = (expr);     \
  if (!GAPLOG_CONCAT_(gaplog_result_, __LINE__).is_ok())      \
    return GAPLOG_CONCAT_(gaplog_result_, __LINE__).status(); \
  decl = std::move(GAPLOG_CONCAT_(gaplog_result_, __LINE__)).value()
// NOLINTEND(bugprone-macro-parentheses)
