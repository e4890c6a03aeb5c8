#include "api/request_handler.h"

#include "api/responses.h"
#include "codec/json.h"
#include "domain/text.h"

namespace gaplog {
namespace {

std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (equals_ignoring_ascii_case(k, name)) return v;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> ApiRequest::header(std::string_view name) const {
  return find_header(headers, name);
}

std::optional<std::string_view> ApiResponse::header(std::string_view name) const {
  return find_header(headers, name);
}

int http_status(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kVersionConflict:
      return 412;
    case Code::kTooLarge:
      return 413;
    case Code::kRuleViolation:
      return 422;
    case Code::kUnavailable:
      return 503;
    case Code::kIoError:
    case Code::kCorruption:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

ApiResponse error_response(const Status& status) {
  ApiResponse r;
  r.status = http_status(status.code());
  r.body = json::write(error_json(code_name(status.code()), status.message()));
  r.headers.emplace_back("Content-Type", "application/json");
  if (status.code() == Code::kUnauthenticated) {
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gaplog\"");
  }
  return r;
}

}  // namespace gaplog
