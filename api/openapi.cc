#include "api/openapi.h"

#include <string>

#include "api/handlers.h"
#include "api/responses.h"
#include "store/sha256.h"

namespace gaplog {

namespace {

// The document never changes while the process runs: its ETag is computed once.
const std::string& document_etag() {
  static const std::string kEtag = "\"" + hash_hex(sha256(openapi_document())) + "\"";
  return kEtag;
}

}  // namespace

ApiResponse openapi_response(const ApiRequest& request) {
  if (request.method != "GET" && request.method != "HEAD")
    return method_not_allowed(request.method, kOpenApiPath, "GET, HEAD");
  ApiResponse r;
  // Unlike the rest of the API, the document is the same for everyone and changes only with
  // the binary: a client may keep it, but must ask (If-None-Match) before using it again.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("ETag", document_etag());
  if (request.header("If-None-Match") == std::optional<std::string_view>(document_etag())) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::string(openapi_document());
  return r;
}

Result<ApiResponse> get_openapi(Call& call) { return openapi_response(call.request); }

}  // namespace gaplog
