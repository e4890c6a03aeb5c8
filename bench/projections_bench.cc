// Projection speed over a generated history (default 1,000,000 events: a large program with
// thousands of findings and three years of status changes, back-filled into a fresh log).
//
//   build/bench/projections_bench                    # 1,000,000 events
//   GAPLOG_BENCH_EVENTS=200000 build/bench/projections_bench
//
// Reports, with the baseline measured in the same run:
//   - full rebuild of the projections from the log vs plain decoding of the same events;
//   - readiness as of a random past date: p50 / p99;
//   - a 52-point weekly timeline;
//   - resident memory of the live projections.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "app/command_service.h"
#include "domain/catalog.h"
#include "domain/event_codec.h"
#include "projections/program_history.h"
#include "store/clock.h"
#include "store/event_log.h"

namespace gaplog {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// Appends a plausible three-year history of `total` events, in batches, with occurred_at
// spread evenly over the three years (a back-filled import of a big program).
void generate(EventLog& log, uint64_t total, Micros start, Micros span) {
  std::mt19937_64 rng(42);
  const auto catalog = tsc_catalog();
  std::vector<std::string> in_scope_ids;
  for (const Criterion& c : catalog) {
    if (c.category == Category::kSecurity || c.category == Category::kAvailability ||
        c.category == Category::kConfidentiality) {
      in_scope_ids.emplace_back(c.id);
    }
  }
  const std::string admin = "admin@example.com";
  std::vector<std::string> owners;
  struct Finding {
    FindingStatus status = FindingStatus::kOpen;
    bool has_evidence = false;
  };
  std::vector<Finding> findings;
  int controls = 0, evidence = 0;
  uint64_t n = 0;
  AppendRequest batch;
  auto emit = [&](std::string stream, Payload p) {
    const Micros t =
        start + static_cast<Micros>(static_cast<double>(span) * static_cast<double>(n) /
                                    static_cast<double>(total));
    batch.events.push_back(NewEvent{std::move(stream), {}, t, admin, std::move(p)});
    ++n;
    if (batch.events.size() == 1000) {
      if (!log.append(std::move(batch))) std::exit(3);
      batch = AppendRequest{};
    }
  };
  auto random_criteria = [&] {
    std::vector<std::string> c{in_scope_ids[rng() % in_scope_ids.size()]};
    if (rng() % 2) {
      const std::string& other = in_scope_ids[rng() % in_scope_ids.size()];
      if (other != c[0]) c.push_back(other);
    }
    return c;
  };
  auto date_after = [&](int days) {
    const Micros t =
        start + static_cast<Micros>(static_cast<double>(span) * static_cast<double>(n) /
                                    static_cast<double>(total));
    return format_date(Date{date_of(t).days + days});
  };
  emit("user/" + admin, UserAdded{admin, "Admin", Role::kAdmin});
  for (int i = 0; i < 20; ++i) {
    owners.push_back(fmt::format("owner{}@example.com", i));
    emit("user/" + owners.back(), UserAdded{owners.back(), "Owner", Role::kContributor});
  }
  emit("program",
       ScopeSet{{Category::kSecurity, Category::kAvailability, Category::kConfidentiality}});
  while (n < total) {
    const unsigned roll = static_cast<unsigned>(rng() % 1000);
    if (findings.size() < 8000 && (roll < 12 || findings.size() < 50)) {
      findings.emplace_back();
      const std::string id = fmt::format("F-{}", findings.size());
      emit("finding/" + id,
           FindingRecorded{id, "Finding " + id, "", static_cast<Severity>(rng() % 4),
                           random_criteria(), "", FindingSource::kControlEvaluation,
                           owners[rng() % owners.size()],
                           date_after(30 + static_cast<int>(rng() % 120))});
    } else if (controls < 150 && roll < 16) {
      ++controls;
      const std::string id = fmt::format("C-{:03}", controls);
      // Half the controls have an evidence cadence (SPEC §12).
      emit("control/" + id,
           ControlDefined{id, "Control " + id, "", random_criteria(), ControlStatus::kImplemented,
                          "", rng() % 2 ? EvidenceCadence::kQuarterly : EvidenceCadence::kNone});
    } else if (controls > 0 && roll < 17) {
      // A control test now and then, one in four failing.
      const std::string id = fmt::format("C-{:03}", 1 + rng() % controls);
      emit("control/" + id, ControlTested{id,
                                          TestKind::kOperating,
                                          date_after(0),
                                          rng() % 4 ? TestResult::kPass : TestResult::kFail,
                                          "",
                                          {}});
    } else if (evidence < 4000 && roll < 22 && controls > 0) {
      ++evidence;
      const std::string id = fmt::format("E-{}", evidence);
      emit("evidence/" + id,
           EvidenceUploaded{id, "report.pdf", "application/pdf", std::string(64, 'a'), 100,
                            date_after(0),
                            rng() % 2 ? date_after(90 + static_cast<int>(rng() % 365)) : ""});
      emit("evidence/" + id, EvidenceLinked{id, "", fmt::format("C-{:03}", 1 + rng() % controls)});
      if (rng() % 2) {
        const size_t f = rng() % findings.size();
        findings[f].has_evidence = true;
        emit("evidence/" + id, EvidenceLinked{id, fmt::format("F-{}", f + 1), ""});
      }
    } else {
      const size_t f = rng() % findings.size();
      const std::string id = fmt::format("F-{}", f + 1);
      Finding& finding = findings[f];
      using S = FindingStatus;
      const unsigned what = static_cast<unsigned>(rng() % 10);
      if (what < 3) {
        emit("finding/" + id, CommentAdded{id, "Status update from the owner."});
      } else if (what < 4) {
        emit("finding/" + id,
             FindingDueDateSet{id, date_after(14 + static_cast<int>(rng() % 60)), "", "slipped"});
      } else if (what < 5) {
        emit("finding/" + id, FindingAssigned{id, owners[rng() % owners.size()], ""});
      } else if (finding.status == S::kOpen) {
        finding.status = S::kInProgress;
        emit("finding/" + id, FindingStatusChanged{id, S::kOpen, S::kInProgress, ""});
      } else if (finding.status == S::kInProgress) {
        finding.status = what < 8 ? S::kRemediated : S::kOpen;
        emit("finding/" + id, FindingStatusChanged{id, S::kInProgress, finding.status, ""});
      } else if (finding.status == S::kRemediated) {
        const S to = finding.has_evidence && what < 9 ? S::kClosed : S::kInProgress;
        finding.status = to;
        emit("finding/" + id, FindingStatusChanged{id, S::kRemediated, to, "verified"});
      } else if (finding.status == S::kClosed && what == 9) {
        finding.status = S::kOpen;
        emit("finding/" + id, FindingStatusChanged{id, S::kClosed, S::kOpen, "reopened"});
      } else {
        emit("finding/" + id, CommentAdded{id, "Checked again."});
      }
    }
  }
  if (!batch.events.empty() && !log.append(std::move(batch))) std::exit(3);
}

}  // namespace
}  // namespace gaplog

int main() {
  using namespace gaplog;
  const char* env = std::getenv("GAPLOG_BENCH_EVENTS");
  const uint64_t total = env ? std::strtoull(env, nullptr, 10) : 1'000'000;
  const std::string dir =
      (std::filesystem::temp_directory_path() / fmt::format("gaplog-proj-bench-{}", ::getpid()))
          .string();
  auto fs = make_posix_file_system();
  SystemClock clock;
  const Micros now = clock.now();
  const Micros span = 3 * 365 * kMicrosPerDay;
  {
    auto log = EventLog::open(EventLogOptions{dir, fs.get(), &clock, true});
    if (!log) return 3;
    const auto t0 = std::chrono::steady_clock::now();
    generate(**log, total, now - span - kMicrosPerDay, span);
    std::printf("generated %llu events in %.1f s\n",
                static_cast<unsigned long long>((*log)->last_seq()), seconds_since(t0));
  }
  auto log = EventLog::open(EventLogOptions{dir, fs.get(), &clock, false});
  if (!log) return 3;
  // Let RocksDB finish compacting the fresh log: on two cores it would otherwise compete with
  // what is measured.
  std::this_thread::sleep_for(std::chrono::seconds(total >= 500'000 ? 15 : 2));
  EventLog& l = **log;
  const uint64_t n = l.last_seq();

  // Baseline: plain decoding of every event. Measured before and after the rebuild (RocksDB
  // may still be compacting the fresh log in the background) and averaged.
  uint64_t sink = 0;
  auto decode_all = [&]() -> double {
    const auto d0 = std::chrono::steady_clock::now();
    if (!l.scan(1, n, [&](uint64_t, std::string_view bytes) -> Status {
            auto e = decode_stored_event(bytes);
            if (!e) return e.status();
            sink += e->version;
            return Status::ok();
          }).is_ok()) {
      std::exit(3);
    }
    return seconds_since(d0);
  };
  double decode_s = decode_all();
  auto t0 = std::chrono::steady_clock::now();

  const long rss_before = rss_kib();
  t0 = std::chrono::steady_clock::now();
  auto history = ProgramHistory::open(l);
  if (!history) return 3;
  const double history_s = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  auto seed = (*history)->current();
  if (!seed) return 3;
  auto service = CommandService::open(l, clock, std::move(*seed));
  if (!service) return 3;
  const double seed_s = seconds_since(t0);
  // For comparison: the command state folded on its own.
  t0 = std::chrono::steady_clock::now();
  auto alone = CommandService::open(l, clock);
  if (!alone) return 3;
  const double alone_s = seconds_since(t0);
  alone->reset();
  const long rss_after = rss_kib();
  decode_s = (decode_s + decode_all()) / 2;

  // Readiness as of random past dates.
  std::mt19937 rng(7);
  const Date today = date_of(now);
  std::vector<double> ms;
  for (int i = 0; i < 300; ++i) {
    const Date d{today.days - static_cast<int32_t>(rng() % (3 * 365))};
    const auto q0 = std::chrono::steady_clock::now();
    auto r = (*history)->readiness(AsOf{d, std::nullopt});
    ms.push_back(seconds_since(q0) * 1000);
    if (!r) return 3;
    sink += static_cast<uint64_t>(r->overall.ready);
  }
  std::sort(ms.begin(), ms.end());
  const double p50 = ms[ms.size() / 2], p99 = ms[ms.size() * 99 / 100];

  t0 = std::chrono::steady_clock::now();
  auto timeline = (*history)->timeline(Date{today.days - 7 * 51}, today, 7, std::nullopt);
  const double timeline_ms = seconds_since(t0) * 1000;
  if (!timeline || timeline->points.size() != 52) return 3;

  std::printf("\n%-62s %14s %8s %s\n", "measure", "value", "ratio", "target");
  std::printf("%-62s %11.0f/s %8s\n", "plain decoding of every event (baseline)", n / decode_s,
              "1.00");
  std::printf("%-62s %11.0f/s %8.2f %s\n", "rebuild of every projection, one pass (ProgramHistory)",
              n / history_s, decode_s / history_s, ">= 0.5");
  std::printf("%-62s %12.2f s %8s %s\n", "  rebuild time, incl. seeding the command state",
              history_s + seed_s, "", "<= 3 s");
  std::printf("%-62s %11.0f/s %8.2f\n", "(the command state folded on its own, for comparison)",
              n / alone_s, decode_s / alone_s);
  std::printf("%-62s %11.2f ms %8s\n", "readiness as of a random past date, p50", p50, "");
  std::printf("%-62s %11.2f ms %8s %s\n", "readiness as of a random past date, p99", p99, "",
              "<= 20 ms");
  std::printf("%-62s %11.1f ms %8s %s\n", "52-point weekly timeline (with ready_since)",
              timeline_ms, "", "<= 250 ms");
  std::printf("%-62s %10ld MiB %8s %s\n", "resident memory added by the live projections",
              (rss_after - rss_before) / 1024, "", "<= 500 MiB");
  std::printf("%-62s %10zu MiB\n", "  of which the as-of and readiness indexes (counted)",
              (*history)->memory_bytes() >> 20);
  std::printf("(%llu events; %zu findings; sink %llu)\n", static_cast<unsigned long long>(n),
              *(*service)->read([](const ProgramState& s) { return s.findings.size(); }),
              static_cast<unsigned long long>(sink));
  service->reset();
  history->reset();
  log->reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
