// The gaplog HTTP API of SPEC §6 as a transport-independent function: a request goes in, a
// response comes out. The Beast transport (http/http_server.h) only moves bytes; the CLI, the
// tests and the fuzzer call the same Api in-process.
//
// - Auth: every /api/v1 request carries `Authorization: Bearer <token>` or the session cookie
//   of a person signed in (SPEC §10; 401 otherwise); a write with the cookie also carries
//   X-CSRF-Token and a same-origin Origin (403 otherwise). GET /healthz is open; /auth/* is
//   sign-in itself (api/sign_in.h). Role rules live in the domain (decide()); the Api adds only the
//   read-side ones (verify and the audit bundle are for admins and auditors).
// - Errors: {"error":{"code","message"}} with the status of the Code (400, 401, 403, 404, 409,
//   412, 413, 422; 503 when the log refuses writes; 500 only for a broken environment).
// - Writes honour If-Match, Idempotency-Key and X-Occurred-At and answer with the entity as
//   stored (its version and the seq of the last event written).
// - Every answer (errors included, on every path: handle, try_quick, start, uploads) carries
//   `Cache-Control: no-store`. HEAD is answered wherever GET is, exactly as GET, body included:
//   a transport sends the head only. A request with two Authorization headers is refused (400).
// - A list's `after` must be an id of the list's shape (F-<n>, E-<n>, a control id, an e-mail;
//   "" starts from the beginning): 400 otherwise, never silently the first page.
//
// Evidence uploads are streamed: the transport asks streams_body(), then begin_upload() with the
// request head before reading any byte of the body (auth, role, links and dates are checked
// first, so a refused upload costs nothing), and feeds the body to the returned sink as it
// arrives. handle() also accepts an upload with its body in memory (the CLI, the fuzzer).
//
// Thread-safe: handle() and begin_upload() may run on many threads at once; each UploadSink
// and each response body belongs to one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/request_handler.h"
#include "app/backups.h"
#include "app/command_service.h"
#include "auth/oidc_client.h"
#include "auth/pending_logins.h"
#include "auth/session_store.h"
#include "domain/status.h"
#include "notify/reminders.h"
#include "projections/program_history.h"
#include "store/clock.h"
#include "store/data_dir.h"

namespace gaplog {

struct ApiOptions {
  uint64_t max_json_bytes = 1 << 20;  // SPEC §9: JSON body ≤ 1 MiB
  uint64_t max_evidence_bytes = kDefaultMaxEvidenceBytes;

  // Sign-in for people (SPEC §10, api/sign_in.h). `public_url` is where people reach the server
  // (scheme, host and port, no path): cookie-authenticated writes must come from its origin, the
  // session cookie is Secure when it is https, and the identity provider sends people back to
  // {public_url}/auth/callback.
  std::string public_url = "http://127.0.0.1:8080";
  std::optional<OidcConfig> oidc;  // none: token sign-in only
  SessionPolicy sessions;
  HttpsClientOptions https;
  // The server log (failed sign-ins with their reason; never a token, code or cookie). Null:
  // standard error. Called from many threads.
  std::function<void(const std::string&)> log;
};

// The parts the Api borrows from its owner (api/served_program.h): sign-in's (`oidc` is null
// when no identity provider is configured) and the reminders' (null: the reminder endpoints
// answer that reminders are not available in this process).
struct ApiParts {
  SessionStore* sessions = nullptr;
  PendingLogins* pending = nullptr;
  OidcClient* oidc = nullptr;
  Reminders* reminders = nullptr;
  Backups* backups = nullptr;  // null: this process takes no backups (the endpoints say so)
};

class Api final : public RequestHandler {
 public:
  // Everything is borrowed and must outlive the Api.
  Api(Store& store, CommandService& service, ProgramHistory& history, Clock& clock, ApiParts parts,
      ApiOptions options = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  ApiResponse handle(const ApiRequest& request) override;
  // In-process callers that hold the data directory (the embedded CLI) act as `actor`, an
  // active user, instead of sending a token. Transports never call this.
  ApiResponse handle_as(const ApiRequest& request, const std::string& actor);
  // POST /api/v1/evidence streams its body.
  bool streams_body(const ApiRequest& head) const override;
  std::variant<ApiResponse, std::unique_ptr<UploadSink>> begin_upload(
      const ApiRequest& head) override;
  uint64_t max_body_bytes() const override { return options_.max_json_bytes; }
  // GET /healthz, and GET /api/v1/readiness while its cached answer is current.
  std::optional<ApiResponse> try_quick(const ApiRequest& request) override;
  // The writes that are one command (not token issue or revocation, the import, uploads) and
  // carry no Idempotency-Key: decided on the calling thread when the state is free, answered
  // from the log's commit thread once durable (CommandService::execute_async).
  void start(const ApiRequest& request, StartDone done) override;
  std::string route_of(const ApiRequest& head) const override;

  const ApiOptions& options() const { return options_; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  ApiOptions options_;
};

}  // namespace gaplog
