#include "store/event_log.h"

#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <memory>
#include <utility>

#include "store/append_stager.h"
#include "store/commit_queue.h"
#include "store/log_format.h"
#include "store/log_reader.h"
#include "store/merkle_store.h"
#include "store/published_seq.h"
#include "store/stream_indexer.h"
#include "store/subscribers.h"
#include "store/write_refusal.h"

namespace gaplog {
namespace {

// The event log, wired from its parts (docs/storage.md, "Inside the event log"). An append goes
// through the commit queue; its leader commits the group: the stager writes it, then the
// stream indexer takes its entries, the published seq moves, and the subscribers are called.
// Everything else is a read of one part.
//
// The parts are declared in the order they are built and destroyed in reverse: the commit queue
// first (it commits and answers what is queued, then stops the commit thread, which uses all
// the others), then the indexer (it writes what it holds), then the databases close.
// A synchronous append observed for LogObservers::append_answered: from its queueing to the
// answer its wait() returns.
class TimedAppend final : public EventLog::QueuedAppend {
 public:
  TimedAppend(std::unique_ptr<EventLog::QueuedAppend> ticket,
              std::chrono::steady_clock::time_point queued,
              const std::function<void(std::chrono::nanoseconds)>& observe)
      : ticket_(std::move(ticket)), queued_(queued), observe_(observe) {}
  Result<AppendResult> wait() override {
    Result<AppendResult> result = ticket_->wait();
    observe_(std::chrono::steady_clock::now() - queued_);
    return result;
  }

 private:
  std::unique_ptr<EventLog::QueuedAppend> ticket_;
  const std::chrono::steady_clock::time_point queued_;
  const std::function<void(std::chrono::nanoseconds)>& observe_;  // the log's options
};

class EventLogImpl final : public EventLog {
 public:
  EventLogImpl(const EventLogOptions& options, LogDatabases databases)
      : options_(options),
        databases_(std::move(databases)),
        reader_(*databases_.log, published_),
        merkle_(*databases_.log, published_, refusal_),
        stream_index_(*databases_.stream_index, options_, refusal_),
        stager_(*databases_.log, reader_, stream_index_, refusal_, *options_.clock,
                options_.random_bytes_for_ids, options_.observers.group_synced),
        queue_(options_.max_events_per_append,
               [this](const std::vector<CommitQueue::Writer*>& group) { commit_group(group); }) {}

  // Reads where the log ends, restores the tree's right edge, and re-indexes what a crash left
  // out of the stream index, before the log serves anyone.
  Status open() {
    GAPLOG_ASSIGN_OR_RETURN(std::optional<LogHead> head,
                            open_log_format(*databases_.log, options_.path));
    if (!head) return stream_index_.catch_up(reader_, 0);
    GAPLOG_ASSIGN_OR_RETURN(MerkleFrontier frontier, merkle_.restore_frontier(head->last_seq));
    stager_.restore(*head, std::move(frontier));
    published_.publish(head->last_seq);
    return stream_index_.catch_up(reader_, head->last_seq);
  }

  Result<AppendResult> append(AppendRequest request) override {
    return append_queued(std::move(request))->wait();
  }
  std::unique_ptr<QueuedAppend> append_queued(AppendRequest request) override {
    Status shape = check_append_shape(request, options_.max_events_per_append);
    const auto queued = std::chrono::steady_clock::now();
    std::unique_ptr<QueuedAppend> ticket = queue_.queue(std::move(request), std::move(shape));
    if (!options_.observers.append_answered) return ticket;
    return std::make_unique<TimedAppend>(std::move(ticket), queued,
                                         options_.observers.append_answered);
  }
  void append_async(AppendRequest request, AppendCallback done) override {
    Status shape = check_append_shape(request, options_.max_events_per_append);
    if (options_.observers.append_answered) {
      done = [queued = std::chrono::steady_clock::now(),
              &observe = options_.observers.append_answered,
              done = std::move(done)](Result<AppendResult> result) {
        observe(std::chrono::steady_clock::now() - queued);
        done(std::move(result));
      };
    }
    queue_.queue_async(std::move(request), std::move(done), std::move(shape));
  }
  void wait_for_async_appends() override { queue_.wait_for_async(); }

  uint64_t last_seq() const override { return published_.get(); }

  Status scan(uint64_t from_seq, uint64_t to_seq,
              const std::function<Status(uint64_t, std::string_view)>& visit) const override {
    return reader_.scan(from_seq, to_seq, visit);
  }
  Result<std::vector<Event>> read_range(uint64_t from_seq, size_t max_count) const override {
    return reader_.read_range(from_seq, max_count);
  }
  Result<Event> read(uint64_t seq) const override { return reader_.read(seq); }
  Result<std::vector<Event>> read_stream(std::string_view stream,
                                         uint32_t from_version) const override {
    const uint64_t last = published_.get();
    GAPLOG_ASSIGN_OR_RETURN(std::vector<uint64_t> seqs,
                            stream_index_.stream_seqs(stream, from_version, last));
    std::vector<Event> out;
    out.reserve(seqs.size());
    for (uint64_t seq : seqs) {
      GAPLOG_ASSIGN_OR_RETURN(Event e, reader_.read(seq));
      out.push_back(std::move(e));
    }
    return out;
  }
  Result<uint32_t> stream_version(std::string_view stream) const override {
    const uint64_t last = published_.get();
    GAPLOG_ASSIGN_OR_RETURN(auto found, stream_index_.last_in_stream(stream, last));
    return found ? found->first : 0u;
  }
  Result<std::optional<uint64_t>> seq_of_event_id(const Uuid& id) const override {
    return reader_.seq_of_event_id(id);
  }
  Result<std::vector<uint64_t>> seqs_by_occurred_at(Micros from, Micros to) const override {
    return reader_.seqs_by_occurred_at(from, to);
  }

  uint64_t wait_for_seq_after(uint64_t after, std::chrono::milliseconds timeout) const override {
    return published_.wait_after(after, timeout);
  }
  std::unique_ptr<Subscription> subscribe(std::function<void(uint64_t)> on_commit) override {
    return subscribers_.subscribe(std::move(on_commit));
  }

  Result<Hash> root(uint64_t tree_size) const override { return merkle_.root(tree_size); }
  Result<std::vector<Hash>> inclusion_proof(uint64_t seq, uint64_t tree_size) const override {
    return merkle_.inclusion_proof(seq, tree_size);
  }
  Result<std::vector<Hash>> consistency_proof(uint64_t from_size, uint64_t to_size) const override {
    return merkle_.consistency_proof(from_size, to_size);
  }
  Result<Hash> leaf_hash(uint64_t seq) const override { return merkle_.leaf_hash(seq); }
  Status store_tree_head(const StoredTreeHead& head) override {
    return merkle_.store_tree_head(head);
  }
  Result<std::optional<StoredTreeHead>> latest_tree_head() const override {
    return merkle_.latest_tree_head();
  }
  Result<std::optional<StoredTreeHead>> tree_head_at(uint64_t tree_size) const override {
    return merkle_.tree_head_at(tree_size);
  }
  Result<VerifyReport> verify() const override { return merkle_.verify(); }
  Status checkpoint(const std::string& dir) const override {
    return checkpoint_log_database(*databases_.log, dir);
  }

  bool refusing_writes() const override { return refusal_.refusing(); }

 private:
  // The leader's commit of a group. The stream entries are handed over before the seqs are
  // published, so a reader that sees a seq finds its stream entry; the subscribers are called
  // last, with no lock of the log held.
  void commit_group(const std::vector<CommitQueue::Writer*>& group) {
    try {
      std::optional<AppendStager::Committed> committed = stager_.commit(group);
      if (!committed) return;
      stream_index_.hand(std::move(committed->stream_entries), committed->last_seq);
      published_.publish(committed->last_seq);
      subscribers_.notify(committed->last_seq);
    } catch (const std::exception& e) {
      // A bug or an exhausted environment (no memory, no randomness), before or after the
      // write, or a subscriber that threw: never guess whether it landed. Every member is
      // answered, none is left waiting.
      refusal_.refuse(fmt::format("an append failed unexpectedly: {}", e.what()));
      for (CommitQueue::Writer* w : group) w->result = refusal_.status();
    }
  }

  const EventLogOptions options_;
  LogDatabases databases_;
  PublishedSeq published_;
  WriteRefusal refusal_;
  LogReader reader_;
  MerkleStore merkle_;
  Subscribers subscribers_;
  StreamIndexer stream_index_;
  AppendStager stager_;
  CommitQueue queue_;
};

}  // namespace

Result<std::unique_ptr<EventLog>> EventLog::open(const EventLogOptions& options) {
  if (options.fs == nullptr || options.clock == nullptr) {
    return internal_error("EventLog::open needs a file system and a clock");
  }
  GAPLOG_ASSIGN_OR_RETURN(LogDatabases databases, open_log_databases(options));
  auto log = std::make_unique<EventLogImpl>(options, std::move(databases));
  GAPLOG_RETURN_IF_ERROR(log->open());
  return std::unique_ptr<EventLog>(std::move(log));
}

Result<uint64_t> count_recorded_before(const EventLog& log, Micros end) {
  uint64_t lo = 0, hi = log.last_seq();  // the answer is in [lo, hi]
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    GAPLOG_ASSIGN_OR_RETURN(Event e, log.read(mid));
    if (e.recorded_at < end) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

}  // namespace gaplog
