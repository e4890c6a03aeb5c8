// Event log speed, reported as ratios against baselines measured in the same run (the machine
// is shared and noisy, so absolute figures mean little on their own).
//
//   build/bench/event_log_bench                      # 1,000,000 events for the read-back
//   GAPLOG_BENCH_EVENTS=200000 build/bench/event_log_bench   # quicker; the read-back ratios then
//                                                            # mean little (a small log stays in
//                                                            # RocksDB's memtable)
//
// Baselines: raw RocksDB Put with sync=true (the disk's limit for durable single writes), a raw
// synced batch of 100 values, the same batch of encoded and leaf-hashed events (the floor of any
// batched append), and raw RocksDB iteration over the stored event values. Appends and their
// baselines take turns step by step (take_turns), because the shared disk's speed drifts by
// tens of percent within seconds. See docs/performance.md for figures.
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "domain/event_codec.h"
#include "store/clock.h"
#include "store/event_log.h"
#include "store/keys.h"
#include "store/merkle.h"

namespace gaplog {
namespace {

std::string g_dir;
std::unique_ptr<FileSystem> g_fs = make_posix_file_system();
SystemClock g_clock;

std::unique_ptr<EventLog> open_log(const std::string& name) {
  auto log = EventLog::open(EventLogOptions{g_dir + "/" + name, g_fs.get(), &g_clock, true});
  if (!log) {
    std::fprintf(stderr, "cannot open log: %s\n", log.status().to_string().c_str());
    std::exit(3);
  }
  return std::move(log).value();
}

// A typical event: a comment of ~120 characters on a finding.
NewEvent sample_event(uint64_t i) {
  const std::string stream = "finding/F-" + std::to_string(i % 5000);
  return NewEvent{stream,
                  {},
                  std::nullopt,
                  "owner@example.com",
                  CommentAdded{stream,
                               "Uploaded the access review for Q3; the two leavers flagged "
                               "by HR were removed on 2026-10-02. Ticket SEC-" +
                                   std::to_string(i)}};
}

size_t sample_size() {
  return encode_event(
             Event{1, "finding/F-1", 1, {}, 0, 0, "owner@example.com", sample_event(1).payload})
      .size();
}

rocksdb::DB* open_raw_db(const std::string& name) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* d = nullptr;
  if (!rocksdb::DB::Open(o, g_dir + "/" + name, &d).ok()) std::exit(3);
  return d;
}

rocksdb::WriteOptions synced() {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return wo;
}

// One step of each contender. `i` is the last key or event number used.

// Baseline for single appends: one event-sized value, synced (the disk's limit).
bool raw_put(rocksdb::DB& db, uint64_t& i, const std::string& value) {
  return db.Put(synced(), keys::event(++i), value).ok();
}

// Baseline for batched appends: 100 event-sized values per synced WriteBatch, one key each
// (no indexes, no Merkle nodes): what RocksDB and the disk do at best with this batching.
bool raw_batch(rocksdb::DB& db, uint64_t& i, const std::string& value) {
  rocksdb::WriteBatch batch;
  for (int k = 0; k < 100; ++k) batch.Put(keys::event(++i), value);
  return db.Write(synced(), &batch).ok();
}

// The floor for batched appends: the same raw batch, but of what the log must store at least,
// computed per call as the log does: each event built, encoded to canonical Cap'n Proto bytes
// and leaf-hashed (SPEC §2), one key per event. No checks, no indexes, no Merkle nodes.
bool floor_batch(rocksdb::DB& db, uint64_t& i) {
  std::vector<NewEvent> events;
  for (int k = 0; k < 100; ++k) events.push_back(sample_event(i + 1 + static_cast<uint64_t>(k)));
  rocksdb::WriteBatch batch;
  for (NewEvent& ne : events) {
    ++i;
    Uuid id;  // distinct per event, as the log's are
    for (size_t b = 0; b < 8; ++b) id.bytes[8 + b] = static_cast<uint8_t>(i >> (8 * b));
    Event e{i, ne.stream, static_cast<uint32_t>(i), id, 0, 0, ne.actor, std::move(ne.payload)};
    std::string value = encode_event(e);
    const Hash leaf = merkle_leaf_hash(value);
    value.append(hash_bytes(leaf));
    batch.Put(keys::event(i), value);
  }
  return db.Write(synced(), &batch).ok();
}

bool append_events(EventLog& log, uint64_t& i, int n) {
  AppendRequest r;
  for (int k = 0; k < n; ++k) r.events.push_back(sample_event(++i));
  return log.append(std::move(r)).is_ok();
}

// Runs the contenders in turn, one step each per iteration, and reports each one's rate over
// the time it ran (items per step / seconds) as a counter named after it. Taking turns step by
// step, they meet the same moments of the shared disk, so their ratios stay put while the
// disk's speed drifts by tens of percent within seconds.
void take_turns(benchmark::State& state, int64_t items_per_step,
                const std::vector<std::pair<std::string, std::function<bool()>>>& contenders) {
  std::vector<double> seconds(contenders.size(), 0.0);
  for (auto _ : state) {
    for (size_t c = 0; c < contenders.size(); ++c) {
      const auto start = std::chrono::steady_clock::now();
      if (!contenders[c].second())
        state.SkipWithError(("a step of " + contenders[c].first + " failed").c_str());
      seconds[c] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
  }
  const double items = static_cast<double>(state.iterations() * items_per_step);
  for (size_t c = 0; c < contenders.size(); ++c) {
    state.counters[contenders[c].first] = seconds[c] > 0 ? items / seconds[c] : 0.0;
  }
}

void BM_SingleAppendsInTurns(benchmark::State& state) {
  static rocksdb::DB* db = open_raw_db("raw-put");
  static auto log = open_log("single");
  const std::string value(sample_size(), 'v');
  uint64_t raw_i = 0, log_i = 0;
  take_turns(state, 1,
             {{"raw_put", [&] { return raw_put(*db, raw_i, value); }},
              {"append", [&] { return append_events(*log, log_i, 1); }}});
}

void BM_BatchedAppendsInTurns(benchmark::State& state) {
  static rocksdb::DB* raw = open_raw_db("raw-batch");
  static rocksdb::DB* floor = open_raw_db("raw-batch-encoded");
  static auto log = open_log("batch");
  const std::string value(sample_size(), 'v');
  uint64_t raw_i = 0, floor_i = 0, log_i = 0;
  take_turns(state, 100,
             {{"raw_batch", [&] { return raw_batch(*raw, raw_i, value); }},
              {"floor_batch", [&] { return floor_batch(*floor, floor_i); }},
              {"append_batch", [&] { return append_events(*log, log_i, 100); }}});
}

// A round of one writer: `per_writer` appends of one event each.
bool single_writer_round(EventLog& log, uint64_t& i, int per_writer) {
  for (int k = 0; k < per_writer; ++k) {
    if (!append_events(log, i, 1)) return false;
  }
  return true;
}

// A round of `writers` threads doing the same at once (started before the clock runs): group
// commit lets them share syncs.
struct ConcurrentRound {
  bool ok = true;
  double seconds = 0;
};
ConcurrentRound concurrent_round(EventLog& log, uint64_t round, int writers, int per_writer) {
  std::latch go(1);
  std::atomic<bool> ok{true};
  std::vector<std::thread> threads;
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&, t] {
      uint64_t i = (round << 24 | static_cast<uint64_t>(t)) << 20;  // distinct streams per thread
      go.wait();
      if (!single_writer_round(log, i, per_writer)) ok = false;
    });
  }
  const auto start = std::chrono::steady_clock::now();
  go.count_down();
  for (std::thread& t : threads) t.join();
  return {ok.load(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

// 8 writers against 1, in alternating rounds on the same log.
void BM_WritersInTurns(benchmark::State& state) {
  static auto log = open_log("concurrent");
  constexpr int kWriters = 8, kPerWriter = 100;
  uint64_t single_i = uint64_t{1} << 60, round = 0;
  double single_seconds = 0, concurrent_seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    if (!single_writer_round(*log, single_i, kPerWriter)) state.SkipWithError("append failed");
    single_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const ConcurrentRound r = concurrent_round(*log, ++round, kWriters, kPerWriter);
    if (!r.ok) state.SkipWithError("append failed");
    concurrent_seconds += r.seconds;
  }
  const double rounds = static_cast<double>(state.iterations());
  state.counters["one_writer"] = rounds * kPerWriter / single_seconds;
  state.counters["eight_writers"] = rounds * kPerWriter * kWriters / concurrent_seconds;
}

uint64_t readback_events() {
  const char* env = std::getenv("GAPLOG_BENCH_EVENTS");
  return env ? std::strtoull(env, nullptr, 10) : 1'000'000;
}

// The read-back log, filled once with readback_events() events in batches of 1,000.
EventLog& readback_log() {
  static auto log = [] {
    auto l = open_log("readback");
    const uint64_t n = readback_events();
    for (uint64_t i = l->last_seq(); i < n;) {
      AppendRequest r;
      for (int k = 0; k < 1000 && i < n; ++k) r.events.push_back(sample_event(++i));
      if (!l->append(std::move(r))) std::exit(3);
    }
    return l;
  }();
  return *log;
}

// Baseline: RocksDB iteration over the same stored values, touching every byte.
bool raw_iterate(rocksdb::DB& db) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  uint64_t sum = 0;
  for (it->Seek(std::string(1, keys::kEvent)); it->Valid() && it->key()[0] == keys::kEvent;
       it->Next()) {
    const rocksdb::Slice v = it->value();
    for (size_t k = 0; k < v.size(); k += 64) sum += static_cast<unsigned char>(v[k]);
  }
  benchmark::DoNotOptimize(sum);
  return it->status().ok();
}

// Full read-back: every event decoded, every leaf hashed into a tree whose root must equal the
// log's root. `decode` and `hash` off give its two halves, to see where its time goes.
bool read_back(EventLog& log, bool decode, bool hash) {
  const uint64_t size = log.last_seq();
  MerkleFrontier tree;
  Status s = log.scan(1, size, [&](uint64_t, std::string_view bytes) -> Status {
    if (decode) {
      auto e = decode_stored_event(bytes);
      if (!e) return e.status();
      benchmark::DoNotOptimize(e->seq);
    }
    if (hash) tree.append(merkle_leaf_hash(bytes));
    return Status::ok();
  });
  return s.is_ok() && (!hash || tree.root() == *log.root(size));
}

void BM_ReadBackInTurns(benchmark::State& state) {
  EventLog& log = readback_log();
  // A second, read-only handle on the same files.
  static std::unique_ptr<rocksdb::DB> raw = [] {
    rocksdb::DB* d = nullptr;
    if (!rocksdb::DB::OpenForReadOnly(rocksdb::Options(), g_dir + "/readback", &d).ok())
      std::exit(3);
    return std::unique_ptr<rocksdb::DB>(d);
  }();
  take_turns(state, static_cast<int64_t>(log.last_seq()),
             {{"raw_iterate", [&] { return raw_iterate(*raw); }},
              {"read_back", [&] { return read_back(log, true, true); }},
              {"decode_only", [&] { return read_back(log, true, false); }},
              {"leaf_hash_only", [&] { return read_back(log, false, true); }},
              {"verify", [&] {
                 auto r = log.verify();
                 return r.is_ok() && r->ok;
               }}});
}

BENCHMARK(BM_SingleAppendsInTurns)->UseRealTime()->MinTime(4.0);
BENCHMARK(BM_WritersInTurns)->UseRealTime()->MinTime(6.0);
BENCHMARK(BM_BatchedAppendsInTurns)->UseRealTime()->MinTime(6.0);
BENCHMARK(BM_ReadBackInTurns)->UseRealTime()->Iterations(3);

// Prints every run as usual and keeps, for the ratio table, items/s per benchmark (by its name)
// and the rates of the contenders that take turns (by theirs).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      for (const auto& [name, counter] : run.counters) {
        rates_[name == "items_per_second" ? run.run_name.function_name : name] = counter.value;
      }
    }
  }
  double rate(const std::string& name) const {
    auto it = rates_.find(name);
    return it == rates_.end() ? 0.0 : it->second;
  }

 private:
  std::map<std::string, double> rates_;
};

}  // namespace
}  // namespace gaplog

int main(int argc, char** argv) {
  using namespace gaplog;
  g_dir = (std::filesystem::temp_directory_path() / ("gaplog-bench-" + std::to_string(::getpid())))
              .string();
  std::filesystem::create_directories(g_dir);

  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  auto ratio = [&](const char* a, const char* b) {
    const double d = reporter.rate(b);
    return d > 0 ? reporter.rate(a) / d : 0.0;
  };
  std::printf("\n%-58s %12s %8s %s\n", "measure", "per second", "ratio", "target");
  std::printf("%-58s %12.0f %8s\n", "raw RocksDB Put sync=true (baseline, in turns)",
              reporter.rate("raw_put"), "1.00");
  std::printf("%-58s %12.0f %8.2f %s\n", "durable single-writer appends vs raw sync Put (in turns)",
              reporter.rate("append"), ratio("append", "raw_put"), ">= 0.8");
  std::printf("%-58s %12.0f %8.2f %s\n", "durable appends, 8 writers vs single writer (in turns)",
              reporter.rate("eight_writers"), ratio("eight_writers", "one_writer"), ">= 2.5");
  std::printf("%-58s %12.0f %8s\n", "raw RocksDB batch of 100 values, sync (baseline, in turns)",
              reporter.rate("raw_batch"), "1.00");
  std::printf("%-58s %12.0f %8.2f\n", "  the same, of encoded + leaf-hashed events (floor)",
              reporter.rate("floor_batch"), ratio("floor_batch", "raw_batch"));
  std::printf("%-58s %12.0f %8.2f %s\n", "batched appends (100 events per call), events/s",
              reporter.rate("append_batch"), ratio("append_batch", "raw_batch"),
              ">= 150000 events/s");
  std::printf("%-58s %12s %8.2f\n", "  batched appends vs the floor", "",
              ratio("append_batch", "floor_batch"));
  std::printf("%-58s %12.0f %8s\n", "raw RocksDB iteration of stored events (baseline)",
              reporter.rate("raw_iterate"), "1.00");
  std::printf("%-58s %12.0f %8.2f %s\n", "read-back: decode + leaf hash check vs raw iteration",
              reporter.rate("read_back"), ratio("read_back", "raw_iterate"), ">= 0.3");
  std::printf("%-58s %12.0f %8.2f\n", "  of which decode only", reporter.rate("decode_only"),
              ratio("decode_only", "raw_iterate"));
  std::printf("%-58s %12.0f %8.2f\n", "  of which leaf hashes + root only",
              reporter.rate("leaf_hash_only"), ratio("leaf_hash_only", "raw_iterate"));
  std::printf("%-58s %12.0f %8.2f\n", "verify (leaves + stored Merkle nodes) vs raw iteration",
              reporter.rate("verify"), ratio("verify", "raw_iterate"));
  std::printf("(%llu events in the read-back log; events of %zu bytes)\n",
              static_cast<unsigned long long>(readback_events()), sample_size());
  std::error_code ec;
  std::filesystem::remove_all(g_dir, ec);
}
