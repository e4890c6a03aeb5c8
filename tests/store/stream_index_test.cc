// The stream index is written behind the log, into its own database: these tests hold the
// indexer back, take the index away or damage it, and check that reads by stream stay exact.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "store/event_log.h"
#include "store/keys.h"
#include "store_test_support.h"

namespace gaplog {
namespace {

using testing::comment;
using testing::one;

// Holds the indexer at its next write until released.
class IndexerGate {
 public:
  void close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void pass() {
    std::unique_lock lock(mu_);
    ++arrivals_;
    cv_.wait(lock, [&] { return open_; });
  }
  int arrivals() {
    std::lock_guard lock(mu_);
    return arrivals_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int arrivals_ = 0;
};

class StreamIndexTest : public testing::LogFixture {
 protected:
  std::string events_path() const { return dir_.sub("events"); }
  std::string index_path() const { return dir_.sub("events") + "/stream-index"; }

  void open_with_gate() {
    reopen([this](EventLogOptions& options) {
      options.before_stream_index_write = [this] { gate_.pass(); };
    });
  }

  // Appends `n` events spread over `streams` streams, in groups of 7.
  void append_spread(int n, int streams) {
    for (int i = 0; i < n;) {
      AppendRequest r;
      for (int k = 0; k < 7 && i < n; ++k, ++i) {
        r.events.push_back(
            comment("finding/F-" + std::to_string(i % streams), "e" + std::to_string(i)));
      }
      must_append(std::move(r));
    }
  }

  // Every stream read through the index must be exactly its events taken from a scan of the
  // whole log, versions 1..n in seq order; and reading from a middle version gives the tail.
  void expect_index_matches_log(const std::string& when) {
    auto all = log_->read_range(1, log_->last_seq());
    ASSERT_TRUE(all.is_ok()) << all.status().to_string();
    for (const auto& [stream, seqs] : testing::seqs_by_stream(*all)) {
      testing::expect_stream_reads_as(*log_, stream, seqs, when);
      if (HasFatalFailure()) return;
      EXPECT_EQ(*log_->stream_version(stream), seqs.size()) << when << ": " << stream;
      const uint32_t middle = static_cast<uint32_t>(seqs.size() / 2 + 1);
      auto tail = log_->read_stream(stream, middle);
      ASSERT_TRUE(tail.is_ok());
      ASSERT_EQ(tail->size(), seqs.size() - middle + 1) << when << ": " << stream;
      if (!tail->empty()) {
        EXPECT_EQ(tail->front().version, middle) << when << ": " << stream;
      }
    }
  }

  // Direct access to the index database, as a damaged disk or a careless restore would.
  void edit_index(const std::function<void(rocksdb::DB&)>& edit) {
    close();
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), index_path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    edit(*db);
  }

  std::string raw_get(rocksdb::DB& db, const std::string& key) {
    std::string value;
    auto s = db.Get(rocksdb::ReadOptions(), key, &value);
    return s.ok() ? value : "<" + s.ToString() + ">";
  }

  IndexerGate gate_;
};

TEST_F(StreamIndexTest, ReadsSeeEventsTheIndexerHasNotWrittenYet) {
  open_with_gate();
  append_spread(30, 4);
  // Let the first batch through, then hold the indexer at its next write.
  while (gate_.arrivals() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  gate_.close();
  append_spread(60, 5);  // streams F-0..F-3 continue, F-4 is new
  while (gate_.arrivals() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // The indexer now holds entries it has taken but not written; more wait behind it.
  append_spread(40, 6);  // F-5 is new
  expect_index_matches_log("indexer held");
  // A leader with no cached head (a reopened log would have none; here a stream never seen)
  // and a conflict check against the in-memory head of a stream whose entries are unwritten.
  AppendRequest guarded = one(comment("finding/F-4", "guarded"));
  guarded.expected_versions = {{"finding/F-4", *log_->stream_version("finding/F-4")}};
  must_append(std::move(guarded));
  AppendRequest stale = one(comment("finding/F-4", "stale"));
  stale.expected_versions = {{"finding/F-4", 1}};
  EXPECT_EQ(log_->append(std::move(stale)).status().code(), Code::kVersionConflict);
  gate_.open();
  reopen();
  expect_index_matches_log("after the indexer caught up and a reopen");
}

TEST_F(StreamIndexTest, AnAppendWaitsWhileTooManyEventsAreUnindexed) {
  std::promise<void> waiting;
  reopen([&](EventLogOptions& options) {
    options.before_stream_index_write = [this] { gate_.pass(); };
    options.max_unindexed_events = 10;
    options.on_append_waits_for_index = [&] { waiting.set_value(); };
  });
  gate_.close();
  append_spread(6, 2);  // 6 unindexed: within the bound
  while (gate_.arrivals() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // The indexer holds those 6; 7 more would make 13 unindexed.
  std::atomic<bool> answered{false};
  std::thread appender([&] {
    AppendRequest r;
    for (int i = 0; i < 7; ++i)
      r.events.push_back(comment("finding/F-9", "over " + std::to_string(i)));
    must_append(std::move(r));
    answered = true;
  });
  // Written, but neither answered nor visible while the indexer is held: the append waits for
  // it (the bound on the future only turns a wrong bound, which never waits, into a failure).
  EXPECT_EQ(waiting.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready)
      << "the append did not wait for the indexer";
  EXPECT_FALSE(answered.load());
  EXPECT_EQ(log_->last_seq(), 6u);
  gate_.open();
  appender.join();
  EXPECT_TRUE(answered.load());
  EXPECT_EQ(log_->last_seq(), 13u);
  expect_index_matches_log("after the indexer caught up");
}

TEST_F(StreamIndexTest, OpenReindexesWhatTheIndexLost) {
  append_spread(200, 9);
  expect_index_matches_log("before");
  // As after a crash that lost the indexer's last writes: the watermark goes back and the
  // keys after it are gone.
  edit_index([&](rocksdb::DB& db) {
    rocksdb::WriteBatch batch;
    batch.DeleteRange(keys::streams_begin(), keys::streams_end());
    batch.Put(keys::indexed_through(), keys::seq_value(0));
    ASSERT_TRUE(db.Write(rocksdb::WriteOptions(), &batch).ok());
  });
  reopen();
  expect_index_matches_log("after losing every 'S' key");

  edit_index([&](rocksdb::DB& db) {
    // Half the keys lost: a watermark in the middle.
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
    rocksdb::WriteBatch batch;
    for (it->Seek(keys::streams_begin()); it->Valid() && it->key()[0] == keys::kStream;
         it->Next()) {
      if (keys::get_be64(it->value().ToStringView()) > 100) batch.Delete(it->key());
    }
    batch.Put(keys::indexed_through(), keys::seq_value(100));
    ASSERT_TRUE(db.Write(rocksdb::WriteOptions(), &batch).ok());
  });
  reopen();
  expect_index_matches_log("after losing the keys past seq 100");
}

TEST_F(StreamIndexTest, AMissingIndexIsRebuilt) {
  append_spread(120, 6);
  close();
  std::filesystem::remove_all(index_path());
  reopen();
  expect_index_matches_log("rebuilt from nothing");
  must_append(one(comment("finding/F-1", "after")));
  expect_index_matches_log("appended after the rebuild");
}

TEST_F(StreamIndexTest, AnIndexAheadOfTheLogIsRebuilt) {
  append_spread(50, 5);
  // An index from a later state than the log (a log restored from an older backup): its
  // entries name seqs the log does not hold, and one claims a version F-1 never reached.
  edit_index([&](rocksdb::DB& db) {
    ASSERT_TRUE(
        db.Put(rocksdb::WriteOptions(), keys::stream("finding/F-1", 40), keys::seq_value(70)).ok());
    ASSERT_TRUE(
        db.Put(rocksdb::WriteOptions(), keys::indexed_through(), keys::seq_value(999)).ok());
  });
  reopen();
  EXPECT_EQ(*log_->stream_version("finding/F-1"), 10u);
  expect_index_matches_log("rebuilt");
  const Event next = must_append(one(comment("finding/F-1", "next"))).events[0];
  EXPECT_EQ(next.version, 11u);
}

TEST_F(StreamIndexTest, ADamagedIndexEntryIsCorruptionNotAnOutOfBoundsRead) {
  append_spread(50, 5);
  // A tampered index database: a short value, and a key with bytes after its version. Reading
  // them used to take 8 bytes from a shorter value (an out-of-bounds read under ASan).
  edit_index([&](rocksdb::DB& db) {
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), keys::stream("finding/F-1", 3), "abc").ok());
    ASSERT_TRUE(
        db.Put(rocksdb::WriteOptions(), keys::stream("finding/F-2", 4) + "xy", keys::seq_value(17))
            .ok());
    ASSERT_TRUE(
        db.Put(rocksdb::WriteOptions(), keys::stream("finding/F-3", 10), "abc").ok());  // its last
  });
  reopen();
  for (const char* stream : {"finding/F-1", "finding/F-2"}) {
    auto read = log_->read_stream(stream, 1);
    ASSERT_FALSE(read.is_ok()) << stream;
    EXPECT_EQ(read.status().code(), Code::kCorruption) << read.status().to_string();
  }
  auto version = log_->stream_version("finding/F-3");
  ASSERT_FALSE(version.is_ok());
  EXPECT_EQ(version.status().code(), Code::kCorruption);
}

TEST_F(StreamIndexTest, OpensALogOfThePreviousFormatAndMovesItsIndex) {
  append_spread(80, 7);
  auto root = log_->root(log_->last_seq());
  ASSERT_TRUE(root.is_ok());
  close();
  // The previous layout: version gaplog-log-2, the 'S' keys in the log's own database, no
  // separate index.
  {
    auto log = EventLog::open(EventLogOptions{events_path(), &faulty_, &clock_, false});
    ASSERT_TRUE(log.is_ok());
    auto all = (*log)->read_range(1, 1000);
    ASSERT_TRUE(all.is_ok());
    log->reset();
    std::filesystem::remove_all(index_path());
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), events_path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::WriteBatch batch;
    for (const Event& e : *all)
      batch.Put(keys::stream(e.stream, e.version), keys::seq_value(e.seq));
    batch.Put(keys::format(), std::string(keys::kPreviousFormatVersion));
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
  }
  reopen();
  expect_index_matches_log("upgraded");
  EXPECT_EQ(*log_->root(log_->last_seq()), *root);
  auto report = log_->verify();
  ASSERT_TRUE(report.is_ok());
  EXPECT_TRUE(report->ok) << report->problem;
  close();
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), events_path(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  EXPECT_EQ(raw_get(*db, keys::format()), keys::kFormatVersion);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  it->Seek(keys::streams_begin());
  EXPECT_FALSE(it->Valid() && it->key()[0] == keys::kStream) << "the old 'S' keys were left behind";
}

TEST_F(StreamIndexTest, AFailedIndexWriteRefusesAppendsAndReadsStayExact) {
  append_spread(20, 3);
  close();
  open_with_gate();
  gate_.close();
  append_spread(20, 3);
  while (gate_.arrivals() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  faulty_.set_fail_writes(true);
  gate_.open();
  // The indexer's write fails: the log refuses writes from then on.
  for (int i = 0; i < 200 && !log_->refusing_writes(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(log_->refusing_writes());
  faulty_.set_fail_writes(false);
  expect_index_matches_log("after the failed index write");
  EXPECT_EQ(log_->append(one(comment("finding/F-1", "refused"))).status().code(),
            Code::kUnavailable);
  reopen();
  expect_index_matches_log("reopened");
  must_append(one(comment("finding/F-1", "accepted again")));
}

}  // namespace
}  // namespace gaplog
