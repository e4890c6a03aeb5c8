// How fast the daily pass of SPEC §11 decides: daily_firings() + plan_notifications() for one day
// on a 10,000-finding program, against a plain fold of the same state (evolve() over all its
// events), measured in the same run, interleaved, median of N repetitions (the machine is noisy).
//
//   build/bench/reminders_bench                  # 10,000 findings, 21 repetitions
//   GAPLOG_BENCH_FINDINGS=50000 GAPLOG_BENCH_REPEAT=11 build/bench/reminders_bench
//
// The program: 60 users (2 admins, 3 editors, 55 contributors), 200 controls (three in four
// implemented), findings with owners and due dates spread over D ± 60 days, some in progress or
// remediated, one in twenty risk-accepted with expiries around D, evidence on controls expiring
// over the 90 days after D, three webhooks. Events are made in memory: no log, no I/O.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "domain/state.h"
#include "projections/reminders.h"

namespace gaplog {
namespace {

using Clock = std::chrono::steady_clock;

double millis_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

size_t env_or(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : static_cast<size_t>(std::strtoull(v, nullptr, 10));
}

class ProgramBuilder {
 public:
  ProgramBuilder(Date d, Micros start) : d_(d), t_(start) {}

  void add(std::string stream, Payload p) {
    Event e;
    e.seq = events_.size() + 1;
    e.stream = std::move(stream);
    e.version = ++versions_[e.stream];
    e.recorded_at = e.occurred_at = t_;
    t_ += kMicrosPerSecond;
    e.actor = "admin0@example.com";
    e.payload = std::move(p);
    events_.push_back(std::move(e));
  }
  std::string around(int spread) {
    return format_date(Date{d_.days - spread + static_cast<int32_t>(rng_() % (2 * spread + 1))});
  }
  std::string after(int span) {
    return format_date(Date{d_.days + static_cast<int32_t>(rng_() % span)});
  }
  uint64_t roll(uint64_t n) { return rng_() % n; }
  std::vector<Event> take() { return std::move(events_); }

 private:
  Date d_;
  Micros t_;
  std::mt19937_64 rng_{42};
  std::vector<Event> events_;
  std::map<std::string, uint32_t> versions_;
};

void add_people_and_controls(ProgramBuilder& b, std::vector<std::string>& owners) {
  for (int i = 0; i < 60; ++i) {
    const Role role = i < 2 ? Role::kAdmin : i < 5 ? Role::kEditor : Role::kContributor;
    const std::string email = fmt::format("{}{}@example.com", name(role), i);
    b.add(user_stream(email), UserAdded{email, "U", role});
    owners.push_back(email);
  }
  for (int i = 0; i < 200; ++i) {
    const std::string id = fmt::format("C-{:03}", i);
    b.add(control_stream(id), ControlDefined{id,
                                             "Control",
                                             "",
                                             {"CC6.1"},
                                             i % 4 == 3 ? ControlStatus::kNotImplemented
                                                        : ControlStatus::kImplemented});
  }
  const std::vector<std::string> all{"due_soon", "overdue", "acceptance_expired"};
  for (int i = 0; i < 3; ++i) {
    const std::string id = fmt::format("wh_{:016x}", i);
    b.add(webhook_stream(id), WebhookAdded{id, "https://hooks.example/" + id, all});
  }
}

void add_findings(ProgramBuilder& b, const std::vector<std::string>& owners, size_t findings) {
  using S = FindingStatus;
  for (size_t i = 1; i <= findings; ++i) {
    const std::string id = fmt::format("F-{}", i);
    b.add(finding_stream(id), FindingRecorded{id,
                                              "Finding",
                                              "",
                                              Severity::kHigh,
                                              {"CC6.1"},
                                              "",
                                              FindingSource::kControlEvaluation,
                                              owners[b.roll(owners.size())],
                                              b.around(60)});
    const uint64_t what = b.roll(20);
    if (what == 0) {
      b.add(finding_stream(id), RiskAccepted{id, "compensating control", b.around(40), S::kOpen});
    } else if (what < 6) {
      b.add(finding_stream(id), FindingStatusChanged{id, S::kOpen, S::kInProgress, ""});
    } else if (what < 8) {
      b.add(finding_stream(id), FindingStatusChanged{id, S::kOpen, S::kRemediated, ""});
    }
  }
  for (size_t i = 1; i <= findings / 2; ++i) {
    const std::string id = fmt::format("E-{}", i);
    b.add(evidence_stream(id), EvidenceUploaded{id, "report.pdf", "application/pdf",
                                                std::string(64, 'a'), 100, "", b.after(90)});
    b.add(evidence_stream(id), EvidenceLinked{id, "", fmt::format("C-{:03}", b.roll(200))});
  }
}

ProgramState fold(const std::vector<Event>& events) {
  ProgramState s;
  for (const Event& e : events) evolve(s, e);
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int run() {
  const size_t findings = env_or("GAPLOG_BENCH_FINDINGS", 10'000);
  const size_t repeat = std::max<size_t>(1, env_or("GAPLOG_BENCH_REPEAT", 21));
  const Date d = date_from_ymd(2026, 6, 1);  // a Monday: the digest is part of the pass
  ProgramBuilder b(d, static_cast<Micros>(d.days - 90) * kMicrosPerDay);
  std::vector<std::string> owners;
  add_people_and_controls(b, owners);
  add_findings(b, owners, findings);
  const std::vector<Event> events = b.take();
  const ProgramState state = fold(events);

  std::vector<double> pass_ms, fold_ms;
  size_t firings = 0, notifications = 0;
  for (size_t r = 0; r < repeat; ++r) {
    // Interleaved: a slow moment of the machine hits both sides alike.
    auto t0 = Clock::now();
    const std::vector<RuleFiring> f = daily_firings(state, d);
    const std::vector<PlannedNotification> n = plan_notifications(state, f, true);
    pass_ms.push_back(millis_since(t0));
    firings = f.size();
    notifications = n.size();
    t0 = Clock::now();
    const ProgramState folded = fold(events);
    fold_ms.push_back(millis_since(t0));
    if (folded.findings.size() != state.findings.size()) return 1;
  }
  const double pass = median(pass_ms), plain = median(fold_ms);
  fmt::print(
      "program: {} findings, {} evidence, {} events; day {} ({} firings, {} notifications)\n",
      state.findings.size(), state.evidence.size(), events.size(), format_date(d), firings,
      notifications);
  fmt::print("daily pass (daily_firings + plan_notifications), median of {}: {:.2f} ms\n", repeat,
             pass);
  fmt::print("plain fold of the same state (evolve over {} events), median of {}: {:.2f} ms\n",
             events.size(), repeat, plain);
  fmt::print("ratio pass / fold: {:.3f}\n", pass / plain);
  return 0;
}

}  // namespace
}  // namespace gaplog

int main() { return gaplog::run(); }
