// What the Api's handlers work with, and the helpers they share. Internal to api/.
//
// A handler (api/handlers.h) is a function of one Call that returns the response or the Status
// that stands in its place; the dispatcher (api/api.cc) turns that into the answer. Handlers
// read through with_state(), write through run() / write_command(), and never build an error
// response themselves.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/answer_cache.h"
#include "api/api.h"
#include "api/query.h"
#include "api/request_handler.h"
#include "api/responses.h"
#include "codec/json.h"
#include "store/mutex.h"

namespace gaplog {

// The program as the handlers see it: its store, command service and history and the clock
// (borrowed from the Api's owner, they outlive the Api), the options, and the one thing the Api
// keeps itself: the current readiness as last served. Thread-safe.
class Backend {
 public:
  Backend(Store& store, CommandService& commands, ProgramHistory& history, Clock& clock,
          ApiParts parts, const ApiOptions& options)
      : store(store),
        commands(commands),
        history(history),
        clock(clock),
        sessions(*parts.sessions),
        pending(*parts.pending),
        oidc(parts.oidc),
        reminders(parts.reminders),
        backups(parts.backups),
        options(options) {}

  Store& store;
  CommandService& commands;
  ProgramHistory& history;
  Clock& clock;
  SessionStore& sessions;
  PendingLogins& pending;
  OidcClient* oidc;      // null: no identity provider configured
  Reminders* reminders;  // null: not in this process (the reminder endpoints answer 503)
  Backups* backups;      // null: not in this process (the backup endpoints answer 400)
  const ApiOptions& options;

  Date today() const { return date_of(clock.now()); }

  // The readiness served last, when it is still the current one (the log's size and the day
  // are unchanged). With `wait` false, never blocks: nullopt also while another thread holds it.
  std::optional<ApiResponse> cached_readiness(bool wait);
  // Keeps `body` as the current readiness for (seq, day).
  void keep_readiness(uint64_t seq, Date day, std::string body);

  // Answers as of past dates (readiness, timelines), kept while they hold.
  AnswerCache answers;

 private:
  // The last current readiness answer, for the quick path: valid while the log is at
  // readiness_seq_ and the day is readiness_day_.
  Mutex readiness_mu_;
  uint64_t readiness_seq_ GAPLOG_GUARDED_BY(readiness_mu_) = UINT64_MAX;
  Date readiness_day_ GAPLOG_GUARDED_BY(readiness_mu_);
  std::string readiness_body_ GAPLOG_GUARDED_BY(readiness_mu_);
};

// One request on its way through a handler.
struct Call {
  Backend& backend;
  const ApiRequest& request;
  std::vector<std::string> params;  // the {} segments of the route, decoded
  Query query;
  std::string actor;  // the authenticated user's e-mail
  Role role = Role::kAuditor;
  // Set by start(): run() then executes the command without blocking, hands `start_done` to
  // the service and sets `started`; the handler's return value is then unused.
  RequestHandler::StartDone* start_done = nullptr;
  bool started = false;

  // The id the path names (its first {} segment).
  const std::string& id() const { return params.front(); }
};

using Handler = Result<ApiResponse> (*)(Call&);

// ---- reads ----

// as_of and as_known_at of the query (today when absent).
Result<AsOf> as_of_params(const Call& call);
// The caller as a user of `s`, when `s` is the current state: what they may do next is asked
// of the present only (null for a past state, where nothing can change any more).
const UserState* caller_now(const Call& call, const ProgramState& s);

// Calls fn(state, date, seq) with the current state (and its seq), or with the state as of the
// `as_of` / `as_known_at` query parameters and the number of events it folds (as known at
// `as_known_at`, or all of them).
using StateReader = std::function<Result<ApiResponse>(const ProgramState&, Date, uint64_t)>;
Result<ApiResponse> with_state(Call& call, const StateReader& fn);
// The same, for readers that need no seq: fn(state, date).
using DatedStateReader = std::function<Result<ApiResponse>(const ProgramState&, Date)>;
Result<ApiResponse> with_state(Call& call, const DatedStateReader& fn);

// {"items":[item_json(i)…],"next_after":id|null}
template <typename Item, typename Fn>
Result<ApiResponse> page_response(const Result<Page<Item>>& p, Fn item_json) {
  if (!p) return p.status();
  json::Value items = json::Value::array();
  for (const Item* i : p->items) items.push(item_json(*i));
  return json_response(
      200, json::Value::object()
               .set("items", std::move(items))
               .set("next_after",
                    p->next_after ? json::Value::string(*p->next_after) : json::Value::null()));
}

// ---- writes ----

// Idempotency-Key, If-Match and X-Occurred-At of a write.
Result<CommandOptions> command_options(const ApiRequest& request);
// The same for a write of several commands (the import, a bulk action), where If-Match, one
// entity's version, does not apply: 400 saying `why`.
Result<CommandOptions> batch_command_options(const ApiRequest& request, std::string_view why);

// The request's body as a JSON object (Content-Type absent or application/json; at most
// max_json_bytes). With `may_be_empty`, an empty body is {}.
Result<json::Value> body_object(const Call& call, bool may_be_empty);

// Runs a command and answers with the entity it was about, as stored (`status` 200 or 201).
// Under start() (call.start_done set) it runs without blocking: see Call.
Result<ApiResponse> run(Call& call, const Command& command, int status);

// A write whose JSON body becomes one command: reads the body object, lets `read` take the
// fields of `entity` and build the command, refuses unknown fields, then runs it.
using CommandReader = std::function<Result<Command>(json::ObjectReader&)>;
Result<ApiResponse> write_command(Call& call, std::string_view entity, int status,
                                  const CommandReader& read, bool may_be_empty = false);

// The answer to a command that ran: the entity it was about as stored, with the version this
// command wrote and the seq of its last event; ETag, and Location for a creation (201). A
// finding carries the status changes open to `actor` after the write.
// The events of one entity's stream (GET …/{id}/history): {"id", "events": [...]}.
Result<ApiResponse> stream_history(Call& call, const std::string& id, const std::string& stream);

Result<ApiResponse> written(Backend& backend, const CommandOutcome& outcome, int status,
                            const std::string& actor);

}  // namespace gaplog
