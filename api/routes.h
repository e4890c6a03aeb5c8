// The routes of the API (SPEC §6, docs/api.md) as one table: for each method and path, its
// handler and what the dispatcher must know before calling it. Internal to api/.
//
// Every route is below /api/v1/ and needs a Bearer token (GET /healthz, the one open path, is
// the dispatcher's). Paths are matched segment by segment after %-decoding; "{}" matches one
// non-empty segment, handed to the handler as a param. HEAD is answered wherever GET is.
//
// A RouteTable is immutable once built: safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/call.h"

namespace gaplog {

enum class RouteKind {
  kRead,     // GET (and HEAD)
  kCommand,  // a write that runs exactly one command through run(): start() may serve it
  kWrite,    // any other write (token issue and revocation, the import): handle() only
  kUpload,   // its body streams to begin_upload() (POST /evidence); no handler
};

struct Route {
  std::string_view method;
  std::string_view path;                // below /api/v1/: "findings/{}/status"
  std::vector<std::string_view> query;  // the parameters it takes; any other is 400
  RouteKind kind = RouteKind::kRead;
  Handler handler = nullptr;  // null for kUpload
  // Non-empty: only admins and auditors may call it; anyone else gets 403 with this message.
  std::string_view admins_and_auditors_only = {};
  // Set for the routes try_quick() may serve: the answer to GET of the bare path from memory,
  // without blocking, or nullopt when there is none at hand.
  std::optional<ApiResponse> (*quick)(Backend&) = nullptr;
  // A write about the caller's own account (its personal tokens) that auditors, who otherwise
  // write nothing, may send too; the domain still decides whose account it is.
  bool own_account = false;
};

class RouteTable {
 public:
  // The routes of the API, in the order their methods are listed in a 405's Allow.
  RouteTable();
  RouteTable(const RouteTable&) = delete;  // quick_ and uploads_ point into entries_
  RouteTable& operator=(const RouteTable&) = delete;

  struct Match {
    const Route* route = nullptr;     // null when the path is unknown or takes other methods
    std::vector<std::string> params;  // its {} segments
    std::string allowed;              // no route: the methods the path takes ("GET, HEAD, POST")
  };
  // Every route's method and path pattern ("findings/{}/status"), in table order: what the
  // OpenAPI document must describe (tests/api/openapi_test.cc).
  struct Signature {
    std::string_view method;
    std::string_view path;
  };
  std::vector<Signature> signatures() const;

  // The route of `method` on the decoded segments of a path below /api/v1/.
  Match match(std::string_view method, const std::vector<std::string>& segments) const;

  // The path pattern ("findings/{}/status") of the first route matching the decoded segments,
  // whatever its method; "" when none does.
  std::string_view pattern_of(const std::vector<std::string>& segments) const;

  // The route whose quick answer serves the target `target` as sent (path only), if any.
  const Route* quick_route(std::string_view target) const;
  // Whether `method` on the path `path` as sent is an upload whose body streams.
  bool is_upload(std::string_view method, std::string_view path) const;

 private:
  struct Entry {
    Route route;
    std::vector<std::string_view> pattern;  // route.path split at '/'
    std::string target;                     // "/api/v1/" + route.path
  };
  std::vector<Entry> entries_;
  std::vector<const Entry*> quick_;    // those with a quick answer
  std::vector<const Entry*> uploads_;  // kUpload
};

// HEAD is answered wherever GET is, as GET is; the transport sends the head without the body.
inline bool method_matches(std::string_view route_method, std::string_view method) {
  return route_method == method || (route_method == "GET" && method == "HEAD");
}

}  // namespace gaplog
