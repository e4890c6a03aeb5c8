// How the Api's answers are built. Internal to api/.
//
// Every answer of the Api, on every path (handle, try_quick, start and its completion on the
// commit thread, uploads), ends in answer(): that is where a Status becomes its error response
// (error_response in request_handler.h: the code's HTTP status, {"error":{"code","message"}}),
// where `Cache-Control: no-store` is added and where the user is stamped for the access log.
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/request_handler.h"
#include "codec/json.h"
#include "domain/status.h"

namespace gaplog {

// The response, or the error response of its Status, with Cache-Control: no-store (unless it
// sets its own) and `user` ("" when none) for the access log.
ApiResponse answer(Result<ApiResponse> response, const std::string& user);

// {"error":{"code":code,"message":message}}: the body of every error answer. Callers with more
// to say add members to the inner object (the import's rows).
json::Value error_json(std::string_view code, std::string message);

// 405 for a path that exists, but not for `method`: names the methods it takes (also in Allow).
ApiResponse method_not_allowed(std::string_view method, std::string_view path,
                               const std::string& allowed);

ApiResponse json_response(int status, const json::Value& body);
// A 200 with a JSON body already written (a kept answer).
ApiResponse json_body_response(std::string body);

// "\"<version>\"": the ETag of an entity at that version.
std::string etag(uint32_t version);

}  // namespace gaplog
