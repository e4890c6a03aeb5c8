// Property test: thousands of random commands (random actors, targets, back-fill times) through
// the real command service and event log. Whatever was accepted or refused, the event log must
// satisfy the invariants of SPEC §2–§4, refused commands must leave no event, and folding the
// log from scratch must give the service's live state.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "server/command_service.h"
#include "../store/store_test_support.h"
#include "../support/random_commands.h"

namespace gaplog {
namespace {

// A readable dump of everything in the state, to compare two states.
std::string dump(const ProgramState& s) {
  std::string out = fmt::format("name={} scope={} seq={} f={} e={}\n", s.name, s.scope.size(),
                                s.last_seq, s.findings_recorded, s.evidence_uploaded);
  for (const auto& [k, u] : s.users) out += fmt::format("user {} {} {} {} v{}\n", k, u.name, name(u.role), u.active, u.version);
  for (const auto& [k, t] : s.tokens) out += fmt::format("token {} {} {}\n", k, t.email, t.revoked);
  for (const auto& [k, c] : s.controls) {
    out += fmt::format("control {} {} {} {} v{}\n", k, c.title, fmt::join(c.criteria, ","), name(c.status), c.version);
  }
  for (const auto& [k, f] : s.findings) {
    out += fmt::format("finding {} {} {} {} {} [{}] {} {} {} [{}] {} v{}\n", k, f.title, name(f.severity),
                       name(f.status), f.owner, fmt::join(f.criteria, ","), f.control, f.due_date,
                       f.risk_acceptance ? f.risk_acceptance->expires_on : "-", fmt::join(s.evidence_of(k), ","),
                       f.recorded_on.days, f.version);
  }
  for (const auto& [k, e] : s.evidence) {
    out += fmt::format("evidence {} {} {} [{}] [{}] v{}\n", k, e.filename, e.sha256,
                       fmt::join(e.findings, ","), fmt::join(e.controls, ","), e.version);
  }
  return out;
}

// Checks the invariants over the whole log with a fold of its own (not evolve()).
void check_invariants(const std::vector<Event>& events) {
  std::map<std::string, uint32_t> versions;
  std::map<std::string, Micros> last_occurred;
  std::map<std::string, Role> roles;
  std::map<std::string, std::string> owners;
  std::map<std::string, std::set<std::string>> evidence_of;
  uint64_t findings = 0, evidence = 0;
  Micros last_recorded = INT64_MIN;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    SCOPED_TRACE(fmt::format("seq {} {}", e.seq, event_type_name(e.payload)));
    ASSERT_EQ(e.seq, i + 1);
    ASSERT_EQ(e.version, ++versions[e.stream]) << "versions in order per stream";
    ASSERT_GE(e.recorded_at, last_recorded);
    last_recorded = e.recorded_at;
    ASSERT_LE(e.occurred_at, e.recorded_at);
    if (last_occurred.contains(e.stream)) {
      ASSERT_GE(e.occurred_at, last_occurred[e.stream]);
    }
    last_occurred[e.stream] = e.occurred_at;
    const Role role = roles.contains(e.actor) ? roles[e.actor] : Role::kAdmin;  // bootstrap
    ASSERT_NE(role, Role::kAuditor) << "auditors write nothing";
    if (e.occurred_at != e.recorded_at) {
      ASSERT_EQ(role, Role::kAdmin) << "only admins back-fill";
    }

    if (auto* p = std::get_if<UserAdded>(&e.payload)) roles[p->email] = p->role;
    if (auto* p = std::get_if<UserRoleChanged>(&e.payload)) roles[p->email] = p->role;
    if (auto* p = std::get_if<FindingRecorded>(&e.payload)) {
      ASSERT_EQ(p->finding_id, fmt::format("F-{}", ++findings)) << "finding ids in order";
      owners[p->finding_id] = p->owner;
    }
    if (auto* p = std::get_if<FindingAssigned>(&e.payload)) owners[p->finding_id] = p->owner;
    if (auto* p = std::get_if<EvidenceUploaded>(&e.payload)) {
      ASSERT_EQ(p->evidence_id, fmt::format("E-{}", ++evidence)) << "evidence ids in order";
    }
    if (auto* p = std::get_if<EvidenceLinked>(&e.payload); p && !p->finding_id.empty()) {
      evidence_of[p->finding_id].insert(p->evidence_id);
    }
    if (auto* p = std::get_if<EvidenceUnlinked>(&e.payload); p && !p->finding_id.empty()) {
      evidence_of[p->finding_id].erase(p->evidence_id);
    }
    if (auto* p = std::get_if<FindingStatusChanged>(&e.payload); p && p->to == FindingStatus::kClosed) {
      ASSERT_FALSE(evidence_of[p->finding_id].empty()) << "closed without evidence";
      ASSERT_NE(owners[p->finding_id], e.actor) << "closed by its owner";
      ASSERT_TRUE(role == Role::kAdmin || role == Role::kEditor);
    }
    if (auto* p = std::get_if<RiskAccepted>(&e.payload)) {
      ASSERT_EQ(role, Role::kAdmin);
      ASSERT_NE(owners[p->finding_id], e.actor);
      const Date expires = *parse_date(p->expires_on);
      const Date day = date_of(e.occurred_at);
      ASSERT_GT(expires, day);
      ASSERT_LE(expires.days, day.days + 365);
    }
  }
}

TEST(CommandProperty, RandomHistoriesKeepEveryInvariant) {
  constexpr int kSeeds = 3, kCommands = 1200;
  for (uint32_t seed = 1; seed <= kSeeds; ++seed) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    testing::TempDir dir;
    auto fs = make_posix_file_system();
    ManualClock clock(testing::kT0);
    auto log = EventLog::open(EventLogOptions{dir.sub("events"), fs.get(), &clock, true});
    ASSERT_TRUE(log.is_ok());
    auto service = CommandService::open(**log, clock);
    ASSERT_TRUE(service.is_ok());
    CommandService& svc = **service;
    testing::add_users(svc);
    testing::CommandGenerator gen(seed);
    int accepted = 0;
    for (int i = 0; i < kCommands; ++i) {
      clock.advance(static_cast<Micros>(gen.coin(2) ? 3600 : 60) * kMicrosPerSecond);
      const Command cmd = svc.read([&](const ProgramState& s) { return gen.command(s, clock.now()); });
      CommandOptions options;
      if (gen.coin(5)) options.occurred_at = clock.now() - static_cast<Micros>(gen.coin(2) ? 1 : 40) * kMicrosPerDay;
      const uint64_t before = (*log)->last_seq();
      auto r = svc.execute(gen.user(), cmd, options);
      if (r.is_ok()) {
        ++accepted;
      } else {
        ASSERT_NE(r.status().code(), Code::kInternal) << r.status().to_string();
        ASSERT_NE(r.status().code(), Code::kIoError) << r.status().to_string();
        ASSERT_EQ((*log)->last_seq(), before) << "a refused command left events: " << r.status().to_string();
      }
    }
    EXPECT_GT(accepted, kCommands / 10) << "the generator should produce enough valid commands";
    auto events = (*log)->read_range(1, (*log)->last_seq());
    ASSERT_TRUE(events.is_ok());
    check_invariants(*events);
    // Replaying the log gives the live state.
    ProgramState replayed;
    for (const Event& e : *events) evolve(replayed, e);
    EXPECT_EQ(dump(replayed), svc.read([](const ProgramState& s) { return dump(s); }));
    // Folding in (occurred_at, seq) order — how projections fold "as of" a date — gives the
    // same state: evolve() depends only on the order within each stream.
    std::vector<Event> by_time = *events;
    std::stable_sort(by_time.begin(), by_time.end(), [](const Event& a, const Event& b) {
      return a.occurred_at < b.occurred_at;
    });
    ASSERT_NE(by_time.front().seq, 1u) << "back-fills should have moved events before the first";
    ProgramState by_time_state;
    for (const Event& e : by_time) evolve(by_time_state, e);
    EXPECT_EQ(dump(by_time_state), dump(replayed));
    // And so does a service opened afresh on the same log.
    auto reopened = CommandService::open(**log, clock);
    EXPECT_EQ(dump(replayed), (*reopened)->read([](const ProgramState& s) { return dump(s); }));
    const bool closed_something = std::any_of(events->begin(), events->end(), [](const Event& e) {
      auto* p = std::get_if<FindingStatusChanged>(&e.payload);
      return p && p->to == FindingStatus::kClosed;
    });
    EXPECT_TRUE(closed_something) << "the generator should reach closed findings";
  }
}

}  // namespace
}  // namespace gaplog
