// Event log speed, reported as ratios against baselines measured in the same run (the machine
// is shared and noisy, so absolute figures mean little on their own).
//
//   build/bench/event_log_bench                      # 1,000,000 events for the read-back
//   GAPLOG_BENCH_EVENTS=200000 build/bench/event_log_bench
//
// Baselines: raw RocksDB Put with sync=true (the disk's limit for durable single writes) and raw
// RocksDB iteration over the stored event values. See docs/performance.md for figures.
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>

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
  return NewEvent{stream, {}, std::nullopt, "owner@example.com",
                  CommentAdded{stream, "Uploaded the access review for Q3; the two leavers flagged "
                                       "by HR were removed on 2026-10-02. Ticket SEC-" +
                                           std::to_string(i)}};
}

size_t sample_size() { return encode_event(Event{1, "finding/F-1", 1, {}, 0, 0, "owner@example.com",
                                                 sample_event(1).payload}).size(); }

void BM_RawRocksDbPutSync(benchmark::State& state) {
  static rocksdb::DB* db = [] {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* d = nullptr;
    if (!rocksdb::DB::Open(o, g_dir + "/raw-put", &d).ok()) std::exit(3);
    return d;
  }();
  const std::string value(sample_size(), 'v');
  rocksdb::WriteOptions wo;
  wo.sync = true;
  uint64_t i = 0;
  for (auto _ : state) {
    if (!db->Put(wo, keys::event(++i), value).ok()) state.SkipWithError("put failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Baseline for batched appends: 100 event-sized values per synced WriteBatch, one key each
// (no indexes, no Merkle nodes): what RocksDB and the disk do at best with this batching.
void BM_RawRocksDbBatch100Sync(benchmark::State& state) {
  static rocksdb::DB* db = [] {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* d = nullptr;
    if (!rocksdb::DB::Open(o, g_dir + "/raw-batch", &d).ok()) std::exit(3);
    return d;
  }();
  const std::string value(sample_size(), 'v');
  rocksdb::WriteOptions wo;
  wo.sync = true;
  uint64_t i = 0;
  for (auto _ : state) {
    rocksdb::WriteBatch batch;
    for (int k = 0; k < 100; ++k) batch.Put(keys::event(++i), value);
    if (!db->Write(wo, &batch).ok()) state.SkipWithError("write failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 100);
}

// The floor for batched appends: the same raw batch, but of what the log must store at least,
// computed per call as the log does: each event built, encoded to canonical Cap'n Proto bytes
// and leaf-hashed (SPEC §2), one key per event. No checks, no indexes, no Merkle nodes.
void BM_RawRocksDbBatch100EncodedSync(benchmark::State& state) {
  static rocksdb::DB* db = [] {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* d = nullptr;
    if (!rocksdb::DB::Open(o, g_dir + "/raw-batch-encoded", &d).ok()) std::exit(3);
    return d;
  }();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  uint64_t i = 0;
  for (auto _ : state) {
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
    if (!db->Write(wo, &batch).ok()) state.SkipWithError("write failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 100);
}

void BM_AppendSingleWriter(benchmark::State& state) {
  static auto log = open_log("single");
  uint64_t i = 0;
  for (auto _ : state) {
    AppendRequest r;
    r.events.push_back(sample_event(++i));
    if (!log->append(std::move(r))) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

EventLog* g_shared_log = nullptr;

void BM_AppendConcurrentWriters(benchmark::State& state) {
  uint64_t i = static_cast<uint64_t>(state.thread_index()) << 40;
  for (auto _ : state) {
    AppendRequest r;
    r.events.push_back(sample_event(++i));
    if (!g_shared_log->append(std::move(r))) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_AppendBatch100(benchmark::State& state) {
  static auto log = open_log("batch");
  uint64_t i = 0;
  for (auto _ : state) {
    AppendRequest r;
    for (int k = 0; k < 100; ++k) r.events.push_back(sample_event(++i));
    if (!log->append(std::move(r))) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 100);
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
void BM_RawIterateEvents(benchmark::State& state) {
  rocksdb::DB* db = nullptr;
  readback_log();
  static std::unique_ptr<rocksdb::DB> raw = [] {
    rocksdb::Options o;
    rocksdb::DB* d = nullptr;
    // A second, read-only handle on the same files.
    if (!rocksdb::DB::OpenForReadOnly(o, g_dir + "/readback", &d).ok()) std::exit(3);
    return std::unique_ptr<rocksdb::DB>(d);
  }();
  db = raw.get();
  uint64_t n = 0;
  for (auto _ : state) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    uint64_t sum = 0;
    for (it->Seek(std::string(1, keys::kEvent)); it->Valid() && it->key()[0] == keys::kEvent; it->Next()) {
      const rocksdb::Slice v = it->value();
      for (size_t k = 0; k < v.size(); k += 64) sum += static_cast<unsigned char>(v[k]);
      ++n;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

// Full read-back: every event decoded, every leaf hashed into a tree whose root must equal the
// log's root.
void BM_ReadBackDecodeAndCheckLeaves(benchmark::State& state) {
  EventLog& log = readback_log();
  const uint64_t size = log.last_seq();
  const Hash expected = *log.root(size);
  uint64_t n = 0;
  for (auto _ : state) {
    MerkleFrontier tree;
    Status s = log.scan(1, size, [&](uint64_t, std::string_view bytes) -> Status {
      auto e = decode_stored_event(bytes);
      if (!e) return e.status();
      benchmark::DoNotOptimize(e->seq);
      tree.append(merkle_leaf_hash(bytes));
      return Status::ok();
    });
    if (!s.is_ok() || tree.root() != expected) state.SkipWithError("read-back did not match the root");
    n += size;
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

// The two halves of the read-back, to see where its time goes.
void BM_ReadBackDecodeOnly(benchmark::State& state) {
  EventLog& log = readback_log();
  uint64_t n = 0;
  for (auto _ : state) {
    Status s = log.scan(1, log.last_seq(), [&](uint64_t, std::string_view bytes) -> Status {
      auto e = decode_stored_event(bytes);
      if (!e) return e.status();
      benchmark::DoNotOptimize(e->seq);
      return Status::ok();
    });
    if (!s.is_ok()) state.SkipWithError("decode failed");
    n += log.last_seq();
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

void BM_ReadBackLeafHashOnly(benchmark::State& state) {
  EventLog& log = readback_log();
  uint64_t n = 0;
  for (auto _ : state) {
    MerkleFrontier tree;
    Status s = log.scan(1, log.last_seq(), [&](uint64_t, std::string_view bytes) -> Status {
      tree.append(merkle_leaf_hash(bytes));
      return Status::ok();
    });
    benchmark::DoNotOptimize(tree.root());
    n += log.last_seq();
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

void BM_Verify(benchmark::State& state) {
  EventLog& log = readback_log();
  uint64_t n = 0;
  for (auto _ : state) {
    auto r = log.verify();
    if (!r || !r->ok) state.SkipWithError("verify failed");
    n += log.last_seq();
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

BENCHMARK(BM_RawRocksDbPutSync)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_AppendSingleWriter)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_AppendConcurrentWriters)->UseRealTime()->MinTime(2.0)->Threads(8);
BENCHMARK(BM_RawRocksDbBatch100Sync)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_RawRocksDbBatch100EncodedSync)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_AppendBatch100)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_RawIterateEvents)->UseRealTime()->Iterations(3);
BENCHMARK(BM_ReadBackDecodeAndCheckLeaves)->UseRealTime()->Iterations(3);
BENCHMARK(BM_ReadBackDecodeOnly)->UseRealTime()->Iterations(3);
BENCHMARK(BM_ReadBackLeafHashOnly)->UseRealTime()->Iterations(3);
BENCHMARK(BM_Verify)->UseRealTime()->Iterations(1);

// Prints every run as usual and keeps items/s per benchmark for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) rates_[run.run_name.function_name] = it->second.value;
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
  g_dir = (std::filesystem::temp_directory_path() / ("gaplog-bench-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(g_dir);
  auto shared = open_log("concurrent");
  g_shared_log = shared.get();

  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  auto ratio = [&](const char* a, const char* b) {
    const double d = reporter.rate(b);
    return d > 0 ? reporter.rate(a) / d : 0.0;
  };
  std::printf("\n%-58s %12s %8s %s\n", "measure", "per second", "ratio", "target");
  std::printf("%-58s %12.0f %8s\n", "raw RocksDB Put sync=true (baseline)", reporter.rate("BM_RawRocksDbPutSync"), "1.00");
  std::printf("%-58s %12.0f %8.2f %s\n", "durable single-writer appends vs raw sync Put",
              reporter.rate("BM_AppendSingleWriter"), ratio("BM_AppendSingleWriter", "BM_RawRocksDbPutSync"), ">= 0.8");
  std::printf("%-58s %12.0f %8.2f %s\n", "durable appends, 8 writers vs single writer",
              reporter.rate("BM_AppendConcurrentWriters"), ratio("BM_AppendConcurrentWriters", "BM_AppendSingleWriter"), ">= 2.5");
  std::printf("%-58s %12.0f %8s\n", "raw RocksDB batch of 100 values, sync (baseline)",
              reporter.rate("BM_RawRocksDbBatch100Sync"), "1.00");
  std::printf("%-58s %12.0f %8.2f\n", "  the same, of encoded + leaf-hashed events (floor)",
              reporter.rate("BM_RawRocksDbBatch100EncodedSync"),
              ratio("BM_RawRocksDbBatch100EncodedSync", "BM_RawRocksDbBatch100Sync"));
  std::printf("%-58s %12.0f %8.2f %s\n", "batched appends (100 events per call), events/s",
              reporter.rate("BM_AppendBatch100"), ratio("BM_AppendBatch100", "BM_RawRocksDbBatch100Sync"),
              ">= 150000 events/s");
  std::printf("%-58s %12s %8.2f\n", "  batched appends vs the floor", "",
              ratio("BM_AppendBatch100", "BM_RawRocksDbBatch100EncodedSync"));
  std::printf("%-58s %12.0f %8s\n", "raw RocksDB iteration of stored events (baseline)", reporter.rate("BM_RawIterateEvents"), "1.00");
  std::printf("%-58s %12.0f %8.2f %s\n", "read-back: decode + leaf hash check vs raw iteration",
              reporter.rate("BM_ReadBackDecodeAndCheckLeaves"), ratio("BM_ReadBackDecodeAndCheckLeaves", "BM_RawIterateEvents"), ">= 0.3");
  std::printf("%-58s %12.0f %8.2f\n", "  of which decode only",
              reporter.rate("BM_ReadBackDecodeOnly"), ratio("BM_ReadBackDecodeOnly", "BM_RawIterateEvents"));
  std::printf("%-58s %12.0f %8.2f\n", "  of which leaf hashes + root only",
              reporter.rate("BM_ReadBackLeafHashOnly"), ratio("BM_ReadBackLeafHashOnly", "BM_RawIterateEvents"));
  std::printf("%-58s %12.0f %8.2f\n", "verify (leaves + stored Merkle nodes) vs raw iteration",
              reporter.rate("BM_Verify"), ratio("BM_Verify", "BM_RawIterateEvents"));
  std::printf("(%llu events in the read-back log; events of %zu bytes)\n",
              static_cast<unsigned long long>(readback_events()), sample_size());
  shared.reset();
  std::error_code ec;
  std::filesystem::remove_all(g_dir, ec);
}
