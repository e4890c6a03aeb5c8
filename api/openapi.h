// The OpenAPI 3.1 document of the API (SPEC §15), served at GET /api/v1/openapi.json.
//
// The maintained source is api/openapi.yaml; the build converts it to minified JSON
// (api/openapi_json.py) and compiles it in, so the server answers with exactly the document of
// its own sources. Pure functions over constant data; safe from any thread.
#pragma once

#include <string_view>

#include "api/request_handler.h"

namespace gaplog {

// The document, minified JSON (generated: build/api/openapi_document.cc).
std::string_view openapi_document();

// The path it is served at; open, like /healthz.
inline constexpr std::string_view kOpenApiPath = "/api/v1/openapi.json";

// The answer to `method` on kOpenApiPath: 200 with the document, its ETag (its SHA-256) and
// `Cache-Control: no-cache`; 304 when If-None-Match names that ETag; 405 for a method other
// than GET and HEAD.
ApiResponse openapi_response(const ApiRequest& request);

}  // namespace gaplog
