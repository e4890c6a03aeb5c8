// Parsing a request body at the API's limit (1 MiB, SPEC §9): an array of findings, and one
// object with many keys (the hashed duplicate-key check). Was a wall-clock assertion in
// tests/codec/json_test.cc; speed is measured here, never asserted in a test.
//   build/bench/json_bench
#include <benchmark/benchmark.h>

#include "../tests/support/json_samples.h"
#include "codec/json.h"

namespace gaplog {
namespace {

void BM_ParseMebibyteOfFindings(benchmark::State& state) {
  const std::string body = testing_json::mebibyte_of_findings();
  for (auto _ : state) {
    auto v = json::parse(body);
    if (!v.is_ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseMebibyteOfFindings)->Unit(benchmark::kMillisecond);

void BM_ParseMebibyteObject(benchmark::State& state) {
  const std::string body = testing_json::mebibyte_object();
  for (auto _ : state) {
    auto v = json::parse(body);
    if (!v.is_ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseMebibyteObject)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gaplog

BENCHMARK_MAIN();
