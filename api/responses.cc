#include "api/responses.h"

#include <fmt/format.h>

#include "domain/validation.h"

namespace gaplog {

using json::Value;

namespace {

// Every answer of the Api is about the program as it is now (or as the request's dates ask),
// for one user: no cache, shared or private, may keep it (SPEC §6).
void add_no_store(ApiResponse& response) {
  if (!response.header("Cache-Control")) response.headers.emplace_back("Cache-Control", "no-store");
}

}  // namespace

ApiResponse answer(Result<ApiResponse> response, const std::string& user) {
  ApiResponse r = response ? std::move(*response) : error_response(response.status());
  add_no_store(r);
  r.user = user;
  return r;
}

json::Value error_json(std::string_view code, std::string message) {
  return Value::object().set("error", Value::object()
                                          .set("code", Value::string(std::string(code)))
                                          .set("message", Value::string(std::move(message))));
}

ApiResponse method_not_allowed(std::string_view method, std::string_view path,
                               const std::string& allowed) {
  ApiResponse r = json_response(
      405, error_json("method_not_allowed",
                      fmt::format("method {} is not allowed on {}; use {}", quoted_excerpt(method),
                                  quoted_excerpt(path), allowed)));
  r.headers.emplace_back("Allow", allowed);
  return r;
}

ApiResponse json_response(int status, const Value& body) {
  ApiResponse r;
  r.status = status;
  r.body = json::write(body);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

ApiResponse json_body_response(std::string body) {
  ApiResponse r;
  r.status = 200;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

std::string etag(uint32_t version) { return fmt::format("\"{}\"", version); }

}  // namespace gaplog
