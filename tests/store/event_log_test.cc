#include "store/event_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "store/merkle.h"
#include "store_test_support.h"

namespace gaplog {
namespace {

using testing::comment;
using testing::kT0;
using testing::LogFixture;
using testing::one;

class EventLogTest : public LogFixture {};

TEST_F(EventLogTest, AssignsGapFreeSeqsAndPerStreamVersions) {
  must_append(one(comment("finding/F-1", "a")));
  must_append(one(comment("finding/F-2", "b")));
  AppendRequest batch;
  batch.events = {comment("finding/F-1", "c"), comment("finding/F-1", "d"),
                  comment("program", "e")};
  AppendResult r = must_append(std::move(batch));
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.events[0].seq, 3u);
  EXPECT_EQ(r.events[0].version, 2u);
  EXPECT_EQ(r.events[1].seq, 4u);
  EXPECT_EQ(r.events[1].version, 3u);
  EXPECT_EQ(r.events[2].version, 1u);
  EXPECT_EQ(log_->last_seq(), 5u);
  auto all = log_->read_range(1, 100);
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 5u);
  for (size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].seq, i + 1);
  EXPECT_EQ(*log_->stream_version("finding/F-1"), 3u);
  EXPECT_EQ(*log_->stream_version("finding/F-9"), 0u);
}

TEST_F(EventLogTest, ABatchConditionedOnAPrefixThatDidNotCommitWritesNothing) {
  must_append(one(comment("finding/F-1", "first")));
  const uint64_t n = log_->last_seq();
  // `a` fails (a stale expected version); `b` was decided on the log with `a` in it, so it must
  // not commit either, though nothing else about it is wrong.
  AppendRequest a = one(comment("finding/F-1", "a"));
  a.expected_last_seq = n;
  a.expected_versions = {{"finding/F-1", 7}};
  AppendRequest b = one(comment("finding/F-2", "b"));
  b.expected_last_seq = n + 1;
  auto queued_a = log_->append_queued(std::move(a));
  auto queued_b = log_->append_queued(std::move(b));
  auto ra = queued_a->wait();
  auto rb = queued_b->wait();
  ASSERT_FALSE(ra.is_ok());
  ASSERT_FALSE(rb.is_ok());
  EXPECT_EQ(rb.status().code(), Code::kVersionConflict) << rb.status().to_string();
  EXPECT_EQ(log_->last_seq(), n) << "nothing written";
  // The same batch conditioned on the log as it is commits.
  AppendRequest c = one(comment("finding/F-2", "c"));
  c.expected_last_seq = n;
  c.batch_id = 5;
  EXPECT_EQ(must_append(std::move(c)).events[0].seq, n + 1);

  // By name: `e` was decided after `d`, which fails; another batch fills the gap `d` left, so
  // the length matches, but `e` does not follow `d` and writes nothing.
  AppendRequest d = one(comment("finding/F-1", "d"));
  d.batch_id = 6;
  d.follows_batch = 5;
  d.expected_versions = {{"finding/F-1", 7}};
  AppendRequest filler = one(comment("other", "filler"));
  AppendRequest e = one(comment("finding/F-2", "e"));
  e.batch_id = 7;
  e.follows_batch = 6;
  e.expected_last_seq = n + 2;
  auto queued_d = log_->append_queued(std::move(d));
  auto queued_filler = log_->append_queued(std::move(filler));
  auto queued_e = log_->append_queued(std::move(e));
  EXPECT_FALSE(queued_d->wait().is_ok());
  EXPECT_TRUE(queued_filler->wait().is_ok());
  auto re = queued_e->wait();
  ASSERT_FALSE(re.is_ok()) << "committed after a batch it was not decided after";
  EXPECT_EQ(re.status().code(), Code::kVersionConflict);
  EXPECT_EQ(log_->last_seq(), n + 2);
}

TEST_F(EventLogTest, StateSurvivesReopen) {
  must_append(one(comment("finding/F-1", "a")));
  must_append(one(comment("finding/F-1", "b")));
  reopen();
  EXPECT_EQ(log_->last_seq(), 2u);
  AppendResult r = must_append(one(comment("finding/F-1", "c")));
  EXPECT_EQ(r.events[0].seq, 3u);
  EXPECT_EQ(r.events[0].version, 3u);
  auto e = log_->read(2);
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(std::get<CommentAdded>(e->payload).text, "b");
}

TEST_F(EventLogTest, ExpectedVersionMismatchIsAConflictAndWritesNothing) {
  must_append(one(comment("finding/F-1", "a")));
  AppendRequest stale = one(comment("finding/F-1", "b"));
  stale.expected_versions = {{"finding/F-1", 0}};
  auto r = log_->append(std::move(stale));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kVersionConflict);
  EXPECT_NE(r.status().message().find("version 1"), std::string::npos) << r.status().message();
  EXPECT_EQ(log_->last_seq(), 1u);

  AppendRequest fresh = one(comment("finding/F-1", "b"));
  fresh.expected_versions = {{"finding/F-1", 1}};
  EXPECT_TRUE(log_->append(std::move(fresh)).is_ok());

  // A new stream expects version 0.
  AppendRequest create = one(comment("finding/F-2", "x"));
  create.expected_versions = {{"finding/F-2", 0}};
  EXPECT_TRUE(log_->append(std::move(create)).is_ok());
}

TEST_F(EventLogTest, ExpectedVersionOfAnotherStreamGuardsTheWholeBatch) {
  must_append(one(comment("control/AC-01", "a")));
  AppendRequest r = one(comment("finding/F-1", "b"));
  r.expected_versions = {{"control/AC-01", 2}};
  auto res = log_->append(std::move(r));
  EXPECT_EQ(res.status().code(), Code::kVersionConflict);
  EXPECT_EQ(log_->last_seq(), 1u);
}

TEST_F(EventLogTest, BatchIsAtomicWhenOneEventBreaksARule) {
  must_append(one(comment("finding/F-1", "a")));
  AppendRequest batch;
  batch.events = {comment("finding/F-2", "ok"), comment("finding/F-1", "too early", kT0 - 1)};
  auto r = log_->append(std::move(batch));
  EXPECT_EQ(r.status().code(), Code::kRuleViolation);
  EXPECT_EQ(log_->last_seq(), 1u);
  EXPECT_EQ(*log_->stream_version("finding/F-2"), 0u);
  // The next append takes the next seq: nothing was reserved by the refused batch.
  EXPECT_EQ(must_append(one(comment("finding/F-2", "ok"))).events[0].seq, 2u);
}

TEST_F(EventLogTest, ReplayOfTheSameIdsReturnsTheOriginalAndWritesNothing) {
  const Uuid a = random_uuid(), b = random_uuid();
  AppendRequest first;
  first.events = {comment("finding/F-1", "a", std::nullopt, a),
                  comment("finding/F-1", "b", std::nullopt, b)};
  AppendResult original = must_append(first);
  must_append(one(comment("finding/F-1", "c")));
  clock_.advance(kMicrosPerSecond);

  // The retry carries the same expected version as the first attempt: it must still succeed.
  AppendRequest retry = first;
  retry.expected_versions = {{"finding/F-1", 0}};
  AppendResult again = must_append(retry);
  EXPECT_TRUE(again.replayed);
  ASSERT_EQ(again.events.size(), 2u);
  EXPECT_EQ(again.events[0].seq, original.events[0].seq);
  EXPECT_EQ(again.events[1].seq, original.events[1].seq);
  EXPECT_EQ(again.events[0].recorded_at, original.events[0].recorded_at);
  EXPECT_EQ(log_->last_seq(), 3u);

  reopen();
  EXPECT_TRUE(must_append(first).replayed);
  EXPECT_EQ(log_->last_seq(), 3u);
}

TEST_F(EventLogTest, PartlyKnownIdsAreRefused) {
  const Uuid a = random_uuid();
  must_append(one(comment("finding/F-1", "a", std::nullopt, a)));
  AppendRequest mixed;
  mixed.events = {comment("finding/F-1", "a", std::nullopt, a), comment("finding/F-1", "new")};
  mixed.events[1].id = random_uuid();
  EXPECT_EQ(log_->append(std::move(mixed)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->last_seq(), 1u);
}

TEST_F(EventLogTest, DuplicateIdsInOneBatchAreRefused) {
  const Uuid a = random_uuid();
  AppendRequest r;
  r.events = {comment("s", "a", std::nullopt, a), comment("s", "b", std::nullopt, a)};
  EXPECT_EQ(log_->append(std::move(r)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->last_seq(), 0u);
}

TEST_F(EventLogTest, EventsWithoutIdsGetDistinctRandomIds) {
  AppendRequest r;
  r.events = {comment("s", "a"), comment("s", "b")};
  AppendResult res = must_append(std::move(r));
  EXPECT_FALSE(res.events[0].id.is_nil());
  EXPECT_NE(res.events[0].id, res.events[1].id);
  EXPECT_EQ(res.events[0].id.bytes[6] >> 4, 7);  // version 7: time-ordered
  EXPECT_EQ(res.events[0].id.bytes[8] >> 6, 2);  // RFC 9562 variant
  // The first 48 bits are the recording time in milliseconds.
  uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = ms << 8 | res.events[0].id.bytes[i];
  EXPECT_EQ(static_cast<Micros>(ms), res.events[0].recorded_at / 1000);
}

TEST_F(EventLogTest, GeneratedIdsNameTheirSeqAndAreFoundAfterReopen) {
  AppendRequest r;
  r.events = {comment("s", "a"), comment("t", "b"), comment("s", "c")};
  must_append(one(comment("u", "first")));
  AppendResult res = must_append(std::move(r));
  reopen();
  for (const Event& e : res.events) {
    uint64_t named = 0;
    for (int i = 10; i < 16; ++i) named = named << 8 | e.id.bytes[i];
    EXPECT_EQ(named, e.seq);  // the last 48 bits of a generated id are its seq
    EXPECT_EQ(*log_->seq_of_event_id(e.id), std::optional<uint64_t>(e.seq));
  }
  // Resending the events with the ids the log gave them is a replay.
  AppendRequest again;
  for (const Event& e : res.events)
    again.events.push_back(comment(e.stream, "x", std::nullopt, e.id));
  AppendResult replay = must_append(std::move(again));
  EXPECT_TRUE(replay.replayed);
  ASSERT_EQ(replay.events.size(), 3u);
  EXPECT_EQ(replay.events[2].seq, 4u);
  EXPECT_EQ(log_->last_seq(), 4u);
}

TEST_F(EventLogTest, CallerIdsThatLookLikeGeneratedOnesAreIndexed) {
  const Event first = must_append(one(comment("s", "a"))).events[0];
  // A version 7 id whose last 48 bits say seq 1, but which is not the id of seq 1.
  Uuid lookalike = first.id;
  lookalike.bytes[9] ^= 0x01;
  EXPECT_EQ(*log_->seq_of_event_id(lookalike), std::nullopt);
  const Event second = must_append(one(comment("s", "b", std::nullopt, lookalike))).events[0];
  EXPECT_EQ(second.seq, 2u);
  reopen();
  EXPECT_EQ(*log_->seq_of_event_id(lookalike), std::optional<uint64_t>(2));
  EXPECT_EQ(*log_->seq_of_event_id(first.id), std::optional<uint64_t>(1));
  // A caller's id naming a seq the log has not reached yet is still found once the log has
  // reached that seq with an event of another id.
  Uuid future = lookalike;
  for (int i = 10; i < 16; ++i) future.bytes[i] = 0;
  future.bytes[15] = 4;
  must_append(one(comment("s", "c", std::nullopt, future)));  // seq 3
  const Event fourth = must_append(one(comment("s", "d"))).events[0];
  EXPECT_EQ(fourth.seq, 4u);
  EXPECT_EQ(*log_->seq_of_event_id(future), std::optional<uint64_t>(3));
  EXPECT_EQ(*log_->seq_of_event_id(fourth.id), std::optional<uint64_t>(4));
}

// With predictable random bits, a caller can send exactly the id the log will generate for a
// later seq. The log must notice and generate another; in particular when the caller's id came
// in a group that had already looked at the id index for that millisecond (a cached "no id
// here" must not outlive the group that adds one).
TEST_F(EventLogTest, AGeneratedIdNeverRepeatsACallersId) {
  reopen([](EventLogOptions& options) {
    options.random_bytes_for_ids = [](uint8_t* out, size_t n) { std::fill(out, out + n, 0); };
  });
  // The id the log generates for seq 3 at this instant (all random bits zero): the millisecond,
  // version 7, variant 2, then the seq in the last 48 bits.
  Uuid predicted;
  const uint64_t ms = static_cast<uint64_t>(clock_.now() / 1000);
  for (int i = 0; i < 6; ++i) predicted.bytes[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  predicted.bytes[6] = 0x70;
  predicted.bytes[8] = 0x80;
  predicted.bytes[15] = 3;
  // One request: an event with a generated id (seq 1), then the caller's event with the id
  // predicted for seq 3 (seq 2).
  AppendRequest first;
  first.events = {comment("s", "a"), comment("s", "b", std::nullopt, predicted)};
  AppendResult r1 = must_append(std::move(first));
  ASSERT_EQ(r1.events.size(), 2u);
  const Event third = must_append(one(comment("s", "c"))).events[0];
  EXPECT_EQ(third.seq, 3u);
  EXPECT_NE(third.id, predicted);
  EXPECT_EQ(*log_->seq_of_event_id(predicted), std::optional<uint64_t>(2));
  EXPECT_EQ(*log_->seq_of_event_id(third.id), std::optional<uint64_t>(3));
  reopen();
  EXPECT_EQ(*log_->seq_of_event_id(predicted), std::optional<uint64_t>(2));
  EXPECT_EQ(*log_->seq_of_event_id(third.id), std::optional<uint64_t>(3));
}

TEST_F(EventLogTest, OccurredAtIndexMatchesASortOfTheLog) {
  // Groups mixing back-filled and on-time events, several groups at the same instant and the
  // clock moving on: every range must list exactly the events with occurred_at in it, in
  // (occurred_at, seq) order.
  const Micros minute = 60 * kMicrosPerSecond;
  uint64_t state = 7;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  std::map<std::string, Micros> last_occurred;
  for (int group = 0; group < 40; ++group) {
    if (next() % 3 != 0) clock_.set(clock_.now() + static_cast<Micros>(next() % 5) * minute);
    AppendRequest r;
    const int n = 1 + static_cast<int>(next() % 6);
    for (int k = 0; k < n; ++k) {
      const std::string stream = "finding/F-" + std::to_string(next() % 50);
      std::optional<Micros> occurred;
      if (next() % 3 == 0) {
        const Micros floor =
            last_occurred.count(stream) ? last_occurred[stream] : kT0 - 1000 * minute;
        occurred = std::min(clock_.now(), floor + static_cast<Micros>(next() % 30) * minute);
      }
      last_occurred[stream] = occurred.value_or(clock_.now());
      r.events.push_back(comment(stream, std::to_string(group), occurred));
    }
    must_append(std::move(r));
    if (group == 20) reopen();
  }
  auto all = log_->read_range(1, 1000);
  ASSERT_TRUE(all.is_ok());
  std::vector<std::pair<Micros, uint64_t>> sorted;
  for (const Event& e : *all) sorted.emplace_back(e.occurred_at, e.seq);
  std::sort(sorted.begin(), sorted.end());
  std::vector<Micros> bounds{kT0 - 2000 * minute, clock_.now() + 1};
  for (int i = 0; i < 20; ++i)
    bounds.push_back(sorted[next() % sorted.size()].first + static_cast<Micros>(next() % 2));
  for (Micros from : bounds) {
    for (Micros to : bounds) {
      std::vector<uint64_t> expected;
      for (const auto& [at, seq] : sorted) {
        if (at >= from && at < to) expected.push_back(seq);
      }
      auto got = log_->seqs_by_occurred_at(from, to);
      ASSERT_TRUE(got.is_ok());
      EXPECT_EQ(*got, expected) << from << " " << to;
    }
  }
}

TEST_F(EventLogTest, RecordedAtNeverDecreasesEvenWhenTheClockGoesBack) {
  clock_.set(kT0 + 10 * kMicrosPerSecond);
  const Micros first = must_append(one(comment("a", "1"))).events[0].recorded_at;
  clock_.set(kT0);  // the wall clock stepped back
  const Micros second = must_append(one(comment("b", "2"))).events[0].recorded_at;
  EXPECT_EQ(first, kT0 + 10 * kMicrosPerSecond);
  EXPECT_GE(second, first);
  reopen();  // also across a restart
  const Micros third = must_append(one(comment("c", "3"))).events[0].recorded_at;
  EXPECT_GE(third, second);
}

TEST_F(EventLogTest, OccurredAtDefaultsToRecordedAt) {
  Event e = must_append(one(comment("a", "1"))).events[0];
  EXPECT_EQ(e.occurred_at, e.recorded_at);
  EXPECT_EQ(e.recorded_at, kT0);
  EXPECT_FALSE(is_backfilled(e));
}

TEST_F(EventLogTest, OccurredAtInTheFutureIsRefused) {
  auto r = log_->append(one(comment("a", "1", kT0 + 1)));
  EXPECT_EQ(r.status().code(), Code::kRuleViolation);
  EXPECT_EQ(log_->last_seq(), 0u);
}

TEST_F(EventLogTest, OccurredAtMustNotPrecedeThePreviousEventOfItsStream) {
  const Micros day = kMicrosPerDay;
  must_append(one(comment("finding/F-1", "a", kT0 - 10 * day)));
  // Same instant as the previous event: allowed.
  must_append(one(comment("finding/F-1", "b", kT0 - 10 * day)));
  auto r = log_->append(one(comment("finding/F-1", "c", kT0 - 11 * day)));
  EXPECT_EQ(r.status().code(), Code::kRuleViolation);
  EXPECT_NE(r.status().message().find("finding/F-1"), std::string::npos);
  // Another stream may go further back: the rule is per stream.
  must_append(one(comment("finding/F-2", "d", kT0 - 30 * day)));
  // Within one batch, events of a stream must also be in order.
  AppendRequest batch;
  batch.events = {comment("finding/F-3", "x", kT0 - day),
                  comment("finding/F-3", "y", kT0 - 2 * day)};
  EXPECT_EQ(log_->append(std::move(batch)).status().code(), Code::kRuleViolation);
  EXPECT_EQ(log_->last_seq(), 3u);
  // And the rule survives a restart (the stream head is reloaded from disk).
  reopen();
  EXPECT_EQ(log_->append(one(comment("finding/F-1", "c", kT0 - 11 * day))).status().code(),
            Code::kRuleViolation);
}

TEST_F(EventLogTest, BackfilledEventsAreMarked) {
  Event e = must_append(one(comment("a", "old", kT0 - 5 * 60 * kMicrosPerSecond - 1))).events[0];
  EXPECT_TRUE(is_backfilled(e));
  Event f = must_append(one(comment("b", "recent", kT0 - 5 * 60 * kMicrosPerSecond))).events[0];
  EXPECT_FALSE(is_backfilled(f));
}

TEST_F(EventLogTest, ReadsByStreamAndByOccurredAt) {
  const Micros day = kMicrosPerDay;
  must_append(one(comment("finding/F-1", "a", kT0 - 3 * day)));
  must_append(one(comment("finding/F-2", "b", kT0 - 5 * day)));
  must_append(one(comment("finding/F-1", "c", kT0 - 1 * day)));
  must_append(one(comment("finding/F-10", "d", kT0 - 4 * day)));

  auto stream = log_->read_stream("finding/F-1", 1);
  ASSERT_TRUE(stream.is_ok());
  ASSERT_EQ(stream->size(), 2u);
  EXPECT_EQ((*stream)[0].seq, 1u);
  EXPECT_EQ((*stream)[1].seq, 3u);
  auto from2 = log_->read_stream("finding/F-1", 2);
  ASSERT_EQ(from2->size(), 1u);
  EXPECT_EQ((*from2)[0].version, 2u);
  // "finding/F-1" must not pick up "finding/F-10".
  EXPECT_EQ(log_->read_stream("finding/F-10", 1)->size(), 1u);

  auto by_time = log_->seqs_by_occurred_at(kT0 - 10 * day, kT0);
  ASSERT_TRUE(by_time.is_ok());
  EXPECT_EQ(*by_time, (std::vector<uint64_t>{2, 4, 1, 3}));
  EXPECT_EQ(*log_->seqs_by_occurred_at(kT0 - 4 * day, kT0 - 1 * day),
            (std::vector<uint64_t>{4, 1}));

  auto range = log_->read_range(2, 2);
  ASSERT_EQ(range->size(), 2u);
  EXPECT_EQ((*range)[1].seq, 3u);
  EXPECT_EQ(log_->read(5).status().code(), Code::kNotFound);
}

TEST_F(EventLogTest, WaitAndSubscribeSeeNewCommits) {
  std::atomic<uint64_t> seen{0};
  auto sub = log_->subscribe([&](uint64_t last) { seen.store(last); });
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    must_append(one(comment("a", "1")));
  });
  const uint64_t got = log_->wait_for_seq_after(0, std::chrono::seconds(10));
  writer.join();
  EXPECT_EQ(got, 1u);
  EXPECT_EQ(seen.load(), 1u);
  sub.reset();
  must_append(one(comment("a", "2")));
  EXPECT_EQ(seen.load(), 1u);  // no calls after the subscription ended
  EXPECT_EQ(log_->wait_for_seq_after(2, std::chrono::milliseconds(20)), 2u);  // times out
}

TEST_F(EventLogTest, ConcurrentAppendersGetDistinctGapFreeSeqs) {
  constexpr int kThreads = 8, kPerThread = 60;
  std::vector<std::vector<Uuid>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        AppendRequest r;
        // Each thread writes its own stream and, every third append, a shared one.
        r.events.push_back(comment("thread/" + std::to_string(t), std::to_string(i)));
        if (i % 3 == 0) r.events.push_back(comment("shared", std::to_string(t)));
        for (auto& e : r.events) {
          e.id = random_uuid();
          ids[t].push_back(e.id);
        }
        auto res = log_->append(std::move(r));
        ASSERT_TRUE(res.is_ok()) << res.status().to_string();
      }
    });
  }
  for (auto& t : threads) t.join();
  const size_t total = kThreads * (kPerThread + kPerThread / 3);
  ASSERT_EQ(log_->last_seq(), total);
  auto all = log_->read_range(1, total + 10);
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), total);
  std::set<Uuid> present;
  std::map<std::string, uint32_t> versions;
  for (size_t i = 0; i < all->size(); ++i) {
    const Event& e = (*all)[i];
    EXPECT_EQ(e.seq, i + 1);
    present.insert(e.id);
    EXPECT_EQ(e.version, ++versions[e.stream]) << e.stream;  // versions contiguous per stream
  }
  for (const auto& mine : ids) {
    for (const Uuid& id : mine) EXPECT_TRUE(present.contains(id));
  }
  EXPECT_TRUE(log_->verify()->ok);
}

TEST_F(EventLogTest, ConcurrentAppendersShareSyncs) {
  // A slow disk: while one group syncs, the other writers queue up and go in the next group.
  faulty_.set_sync_delay(std::chrono::milliseconds(20));
  constexpr int kThreads = 8, kPerThread = 8;
  const uint64_t before = faulty_.syncs();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i)
        ASSERT_TRUE(log_->append(one(comment("s", "x"))).is_ok());
    });
  }
  for (auto& t : threads) t.join();
  faulty_.set_sync_delay(std::chrono::microseconds(0));
  const uint64_t syncs = faulty_.syncs() - before;
  EXPECT_EQ(log_->last_seq(), uint64_t{kThreads * kPerThread});
  // One sync per append would be 64; grouping must at least halve that.
  EXPECT_LE(syncs, uint64_t{kThreads * kPerThread / 2}) << syncs << " syncs for 64 appends";
}

TEST_F(EventLogTest, ReadersNeverSeeAGap) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop) {
      const uint64_t last = log_->last_seq();
      auto events = log_->read_range(1, last + 5);
      if (!events.is_ok() || events->size() < last) ++bad;
      for (size_t i = 0; events.is_ok() && i < events->size(); ++i) {
        if ((*events)[i].seq != i + 1) ++bad;
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        AppendRequest r;
        r.events = {comment("a", "1"), comment("b", "2"), comment("c", "3")};
        ASSERT_TRUE(log_->append(std::move(r)).is_ok());
      }
    });
  }
  for (auto& w : writers) w.join();
  stop = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(EventLogTest, MerkleRootAndProofsMatchAnIndependentTree) {
  MemoryMerkleTree expected;
  std::vector<Hash> roots{expected.root()};
  for (int i = 0; i < 37; ++i) {
    AppendRequest r;
    for (int k = 0; k <= i % 3; ++k)
      r.events.push_back(comment("s" + std::to_string(k), std::to_string(i)));
    must_append(std::move(r));
  }
  ASSERT_TRUE(log_->scan(1, log_->last_seq(),
                         [&](uint64_t, std::string_view bytes) {
                           expected.append(merkle_leaf_hash(bytes));
                           roots.push_back(expected.root());
                           return Status::ok();
                         })
                  .is_ok());
  reopen();  // proofs come from the persisted nodes
  const uint64_t n = log_->last_seq();
  for (uint64_t size = 0; size <= n; ++size) EXPECT_EQ(*log_->root(size), roots[size]) << size;
  for (uint64_t seq = 1; seq <= n; seq += 5) {
    for (uint64_t size = seq; size <= n; size += 7) {
      auto proof = log_->inclusion_proof(seq, size);
      ASSERT_TRUE(proof.is_ok());
      EXPECT_TRUE(
          merkle_verify_inclusion(*log_->leaf_hash(seq), seq - 1, size, *proof, roots[size]));
    }
  }
  for (uint64_t m = 1; m <= n; m += 3) {
    auto proof = log_->consistency_proof(m, n);
    ASSERT_TRUE(proof.is_ok());
    EXPECT_TRUE(merkle_verify_consistency(m, n, roots[m], roots[n], *proof));
  }
  EXPECT_EQ(log_->root(n + 1).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->inclusion_proof(0, n).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->inclusion_proof(5, 4).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->consistency_proof(5, 4).status().code(), Code::kInvalidArgument);
  auto report = log_->verify();
  ASSERT_TRUE(report.is_ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->root, roots[n]);
}

TEST_F(EventLogTest, SecondProcessCannotOpenTheSameLog) {
  EventLogOptions options{dir_.sub("events"), &faulty_, &clock_, false};
  auto second = EventLog::open(options);
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  EXPECT_NE(second.status().message().find("--server"), std::string::npos);
}

TEST_F(EventLogTest, OpeningAMissingLogSaysHowToCreateOne) {
  EventLogOptions options{dir_.sub("nowhere"), &faulty_, &clock_, false};
  auto r = EventLog::open(options);
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find("gaplog init"), std::string::npos);
}

TEST_F(EventLogTest, ShapeErrorsAreRefused) {
  EXPECT_EQ(log_->append(AppendRequest{}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->append(one(comment("", "x"))).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->append(one(comment(std::string("a\0b", 3), "x"))).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(log_->append(one(comment(std::string(257, 's'), "x"))).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(log_->append(one(comment(std::string(256, 's'), "x"))).is_ok());
  AppendRequest big;
  for (int i = 0; i < 10'001; ++i) big.events.push_back(comment("s", "x"));
  EXPECT_EQ(log_->append(std::move(big)).status().code(), Code::kTooLarge);
  EXPECT_EQ(log_->last_seq(), 1u);
}

}  // namespace
}  // namespace gaplog
