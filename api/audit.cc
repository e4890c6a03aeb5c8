// The audit trail: the events of the log, its signed tree head, inclusion and consistency
// proofs, and the verification of the whole log.
#include <fmt/format.h>

#include <algorithm>

#include "api/handlers.h"
#include "domain/hex.h"
#include "domain/validation.h"
#include "store/tree_head.h"
#include "views/json_views.h"

namespace gaplog {

using json::Value;

namespace {

// Events examined by one GET /events with filters before it answers with what it found and a
// next_after to continue from: a filter that matches nothing cannot make one request scan an
// unbounded log.
constexpr size_t kMaxEventsScanned = 50'000;

// One page of GET /events: the events kept, and how far the log was examined.
class EventsPage {
 public:
  EventsPage(const EventLog& log, const Query& q, uint64_t after, size_t limit)
      : log_(log),
        after_(after),
        limit_(limit),
        stream_(q.find("stream")),
        actor_(q.find("actor")),
        type_(q.find("type")),
        actor_email_(actor_ ? normalize_email(*actor_) : "") {}

  // Reads the page from the log, up to seq `last`.
  Status read(uint64_t last) { return stream_ ? read_stream(last) : scan(last); }

  // {"events":[…],"next_after":seq|null,"tree_size":last}
  Value json(uint64_t last) && {
    Value next =
        scanned_to_ < last ? Value::integer(static_cast<int64_t>(scanned_to_)) : Value::null();
    return Value::object()
        .set("events", std::move(items_))
        .set("next_after", std::move(next))
        .set("tree_size", Value::integer(static_cast<int64_t>(last)));
  }

 private:
  bool keep(const Event& e) const {
    return (!stream_ || e.stream == *stream_) && (!actor_ || e.actor == actor_email_) &&
           (!type_ || event_type_name(e.payload) == *type_);
  }

  Status add(const Event& e) {
    GAPLOG_ASSIGN_OR_RETURN(const Hash leaf, log_.leaf_hash(e.seq));
    items_.push(event_json(e, leaf));
    ++found_;
    return Status::ok();
  }

  // A stream's events are found through the stream index, not by scanning the log.
  Status read_stream(uint64_t last) {
    GAPLOG_ASSIGN_OR_RETURN(const std::vector<Event> events, log_.read_stream(*stream_, 1));
    scanned_to_ = last;
    for (const Event& e : events) {
      if (e.seq <= after_ || e.seq > last || !keep(e)) continue;
      if (found_ == limit_) {
        scanned_to_ = items_.items().empty()
                          ? after_
                          : static_cast<uint64_t>(items_.items().back().find("seq")->as_integer());
        break;
      }
      GAPLOG_RETURN_IF_ERROR(add(e));
    }
    return Status::ok();
  }

  Status scan(uint64_t last) {
    size_t scanned = 0;
    while (found_ < limit_ && scanned_to_ < last && scanned < kMaxEventsScanned) {
      const size_t batch = std::min<uint64_t>(last - scanned_to_, 1000);
      GAPLOG_ASSIGN_OR_RETURN(const std::vector<Event> events,
                              log_.read_range(scanned_to_ + 1, batch));
      if (events.empty()) break;
      for (const Event& e : events) {
        scanned_to_ = e.seq;
        ++scanned;
        if (keep(e)) {
          GAPLOG_RETURN_IF_ERROR(add(e));
          if (found_ == limit_) break;
        }
      }
    }
    return Status::ok();
  }

  const EventLog& log_;
  const uint64_t after_;
  const size_t limit_;
  const std::string* stream_;
  const std::string* actor_;
  const std::string* type_;
  const std::string actor_email_;
  Value items_ = Value::array();
  size_t found_ = 0;
  uint64_t scanned_to_ = after_;  // every seq ≤ this has been looked at
};

}  // namespace

Result<ApiResponse> get_events(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<uint64_t> after,
                          call.query.count("after", 0, UINT64_MAX));
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<uint64_t> limit,
                          call.query.count("limit", 1, kMaxPageSize));
  const EventLog& log = *call.backend.store.log;
  const uint64_t last = log.last_seq();
  EventsPage page(log, call.query, after.value_or(0), limit.value_or(kDefaultPageSize));
  GAPLOG_RETURN_IF_ERROR(page.read(last));
  return json_response(200, std::move(page).json(last));
}

Result<ApiResponse> get_tree_head(Call& call) {
  Store& store = call.backend.store;
  GAPLOG_ASSIGN_OR_RETURN(const auto head,
                          current_tree_head(*store.log, *store.signer, call.backend.clock));
  return json_response(200, tree_head_json(head, store.signer->public_key_pem()));
}

Result<ApiResponse> get_inclusion(Call& call) {
  const EventLog& log = *call.backend.store.log;
  const Query& q = call.query;
  const uint64_t last = log.last_seq();
  if (last == 0) return not_found("the log is empty: there is nothing to prove");
  if (!q.has("seq")) return invalid_argument("give the event: ?seq=N");
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<uint64_t> tree_size_param,
                          q.count("tree_size", 1, last));
  const uint64_t tree_size = tree_size_param.value_or(last);
  GAPLOG_ASSIGN_OR_RETURN(const uint64_t seq, parse_count("seq", q.get("seq"), 1, tree_size));
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<Hash> proof, log.inclusion_proof(seq, tree_size));
  GAPLOG_ASSIGN_OR_RETURN(const Hash leaf, log.leaf_hash(seq));
  return json_response(200, Value::object()
                                .set("seq", Value::integer(static_cast<int64_t>(seq)))
                                .set("leaf_index", Value::integer(static_cast<int64_t>(seq - 1)))
                                .set("tree_size", Value::integer(static_cast<int64_t>(tree_size)))
                                .set("leaf_hash", Value::string(hash_hex(leaf)))
                                .set("audit_path", hash_list_json(proof)));
}

Result<ApiResponse> get_consistency(Call& call) {
  const EventLog& log = *call.backend.store.log;
  const Query& q = call.query;
  const uint64_t last = log.last_seq();
  if (last == 0) return not_found("the log is empty: there is nothing to prove");
  if (!q.has("from")) return invalid_argument("give the older tree size: ?from=N");
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<uint64_t> to_param, q.count("to", 1, last));
  const uint64_t to = to_param.value_or(last);
  GAPLOG_ASSIGN_OR_RETURN(const uint64_t from, parse_count("from", q.get("from"), 1, to));
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<Hash> proof, log.consistency_proof(from, to));
  return json_response(200, Value::object()
                                .set("from", Value::integer(static_cast<int64_t>(from)))
                                .set("to", Value::integer(static_cast<int64_t>(to)))
                                .set("proof", hash_list_json(proof)));
}

Result<ApiResponse> get_verify(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const auto report, call.backend.store.log->verify());
  return json_response(
      200,
      Value::object()
          .set("ok", Value::boolean(report.ok))
          .set("tree_size", Value::integer(static_cast<int64_t>(report.tree_size)))
          .set("root_hash", Value::string(hash_hex(report.root)))
          .set("first_bad_seq", report.first_bad_seq
                                    ? Value::integer(static_cast<int64_t>(*report.first_bad_seq))
                                    : Value::null())
          .set("problem", string_or_null(report.problem)));
}

}  // namespace gaplog
