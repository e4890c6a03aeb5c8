// daily_firings() on the history's state as of each day, against a model written here that
// knows nothing of overdue_since() or changed_on: it folds the log from scratch as of each day,
// and finds the start of an overdue run by walking back, day by day, over the states as of the
// earlier days. Random programs over a few months, back-filled, on several seeds.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "../store/store_test_support.h"
#include "../support/random_commands.h"
#include "app/command_service.h"
#include "domain/readiness.h"
#include "projections/program_history.h"
#include "projections/reminders.h"

namespace gaplog {
namespace {

using Kind = NotificationKind;

// --- the model ---------------------------------------------------------------------------------

ProgramState fold_as_of(const std::vector<Event>& log, Date d) {
  ProgramState s;
  for (const Event& e : log) {
    if (e.occurred_at < (static_cast<Micros>(d.days) + 1) * kMicrosPerDay) evolve(s, e);
  }
  return s;
}

std::set<std::string> active_with_role(const ProgramState& s, const std::set<Role>& roles) {
  std::set<std::string> out;
  for (const auto& [email, u] : s.users) {
    if (u.active && roles.contains(u.role)) out.insert(email);
  }
  return out;
}

void add_owner(const ProgramState& s, const std::string& owner, std::set<std::string>& people) {
  const auto it = s.users.find(owner);
  if (it != s.users.end() && it->second.active) people.insert(owner);
}

// The program folded as of every day from `first` on, and the findings overdue on each.
struct Days {
  Date first;
  std::vector<ProgramState> states;
  std::vector<std::set<std::string>> overdue;

  const ProgramState& at(Date d) const { return states[static_cast<size_t>(d.days - first.days)]; }
  bool overdue_on(const std::string& id, Date d) const {
    return d >= first && overdue[static_cast<size_t>(d.days - first.days)].contains(id);
  }
};

Days fold_days(const std::vector<Event>& log, Date first, Date last) {
  Days days{first, {}, {}};
  for (Date d = first; d <= last; d = Date{d.days + 1}) {
    days.states.push_back(fold_as_of(log, d));
    std::set<std::string> overdue;
    for (const auto& [id, f] : days.states.back().findings) {
      if (is_overdue(f, d)) overdue.insert(id);
    }
    days.overdue.push_back(std::move(overdue));
  }
  return days;
}

// valid_until, or collected_on (else the upload day) plus the cadence's months, the day clamped
// to the month's last; none without either.
std::optional<Date> model_valid_until(const EvidenceState& e, const ControlState& c) {
  if (e.valid_until) return e.valid_until;
  const std::map<EvidenceCadence, int> months{{EvidenceCadence::kMonthly, 1},
                                              {EvidenceCadence::kQuarterly, 3},
                                              {EvidenceCadence::kSemiannual, 6},
                                              {EvidenceCadence::kAnnual, 12}};
  if (!months.contains(c.evidence_every)) return std::nullopt;
  const std::string base = format_date(
      e.collected_on.value_or(Date{static_cast<int32_t>(e.uploaded_at / kMicrosPerDay)}));
  int y = std::stoi(base.substr(0, 4));
  int m = std::stoi(base.substr(5, 2)) + months.at(c.evidence_every);
  const int day = std::stoi(base.substr(8, 2));
  while (m > 12) {
    m -= 12;
    ++y;
  }
  for (int dd = day; dd >= 28; --dd) {
    if (parse_date(fmt::format("{:04}-{:02}-{:02}", y, m, dd)).is_ok())
      return *parse_date(fmt::format("{:04}-{:02}-{:02}", y, m, dd));
  }
  return *parse_date(fmt::format("{:04}-{:02}-{:02}", y, m, day));
}

struct ModelFiring {
  Kind kind;
  std::string subject;
  std::set<std::string> people;
};

void model_finding(const Days& days, const ProgramState& s, const FindingState& f, Date d,
                   std::vector<ModelFiring>& out) {
  std::set<std::string> owner;
  add_owner(s, f.owner, owner);
  if (f.due_date && is_unresolved(f, d) &&
      (f.due_date->days - d.days == 7 || f.due_date->days - d.days == 1))
    out.push_back({Kind::kDueSoon, f.id, owner});
  if (days.overdue_on(f.id, d)) {
    Date start = d;
    while (days.overdue_on(f.id, Date{start.days - 1})) start = Date{start.days - 1};
    if ((d.days - start.days) % 7 == 0) out.push_back({Kind::kOverdue, f.id, owner});
  }
  if (f.status == FindingStatus::kRiskAccepted && f.risk_acceptance &&
      f.risk_acceptance->expires_on) {
    const int32_t left = f.risk_acceptance->expires_on->days - d.days;
    std::set<std::string> admins = active_with_role(s, {Role::kAdmin});
    if (left == 30 || left == 7) out.push_back({Kind::kAcceptanceExpiring, f.id, admins});
    add_owner(s, f.owner, admins);
    if (left == -1) out.push_back({Kind::kAcceptanceExpired, f.id, admins});
  }
}

std::vector<ModelFiring> model_firings(const Days& days, Date d) {
  const ProgramState& s = days.at(d);
  std::vector<ModelFiring> out;
  for (const auto& [id, f] : s.findings) model_finding(days, s, f, d, out);
  for (const auto& [id, e] : s.evidence) {
    std::set<std::string> people;
    bool fires = false;
    for (const std::string& cid : e.controls) {
      if (!s.controls.contains(cid)) continue;
      const ControlState& c = s.controls.at(cid);
      if (c.status != ControlStatus::kImplemented) continue;  // whatever its tests (SPEC §11)
      const std::optional<Date> end = model_valid_until(e, c);
      if (!end || end->days - d.days != 30 || (e.collected_on && *e.collected_on > d)) continue;
      fires = true;
      const auto owner = s.users.find(c.owner);
      if (owner != s.users.end() && owner->second.active) {
        people.insert(c.owner);
      } else {
        for (const std::string& p : active_with_role(s, {Role::kAdmin, Role::kEditor}))
          people.insert(p);
      }
    }
    if (fires) out.push_back({Kind::kEvidenceExpiring, id, people});
  }
  // 2026-01-05 was a Monday.
  if (((d.days - date_from_ymd(2026, 1, 5).days) % 7 + 7) % 7 == 0) {
    std::set<std::string> people = active_with_role(s, {Role::kAdmin, Role::kEditor});
    for (const auto& [id, f] : s.findings) {
      if (is_unresolved(f, d)) add_owner(s, f.owner, people);
    }
    out.push_back({Kind::kWeeklyDigest, "", people});
  }
  std::sort(out.begin(), out.end(), [](const ModelFiring& a, const ModelFiring& b) {
    return a.kind != b.kind ? a.kind < b.kind : natural_less(a.subject, b.subject);
  });
  return out;
}

// Both sides as text, for readable failures.
std::vector<std::string> text(const std::vector<ModelFiring>& firings) {
  std::vector<std::string> out;
  out.reserve(firings.size());
  for (const ModelFiring& f : firings)
    out.push_back(fmt::format("{} {} [{}]", name(f.kind), f.subject, fmt::join(f.people, " ")));
  return out;
}
std::vector<std::string> text(const std::vector<RuleFiring>& firings, Date d) {
  std::vector<std::string> out;
  out.reserve(firings.size());
  for (const RuleFiring& f : firings) {
    EXPECT_EQ(f.day, d);
    out.push_back(fmt::format("{} {} [{}]", name(f.kind), f.subject, fmt::join(f.people, " ")));
  }
  return out;
}

// --- the random programs -----------------------------------------------------------------------

// Commands that bring the rules' days within a few weeks of `now`, which the shared generator
// rarely does (its dates spread over a year): near due dates, short acceptances, evidence about
// to expire on implemented controls, and, rarely, a contributor leaving.
class NearCommands {
 public:
  explicit NearCommands(uint32_t seed) : rng_(seed * 7919u + 13u) {}

  bool coin(unsigned one_in) { return rng_() % one_in == 0; }
  std::string admin() { return coin(2) ? "admin@example.com" : "admin2@example.com"; }

  Command command(const ProgramState& s, Micros now) {
    const Date today = date_of(now);
    const auto near = [&](int from, int span) {
      return format_date(Date{today.days + from + static_cast<int32_t>(rng_() % span)});
    };
    const std::string finding = fmt::format("F-{}", 1 + rng_() % (s.findings_recorded + 1));
    const std::string control = std::array<std::string, 3>{"AC-01", "AC-02", "BK-01"}[rng_() % 3];
    switch (rng_() % 12) {
      case 0:
      case 1:
      case 2:
        return SetFindingDueDate{finding, near(-6, 30), ""};
      case 3:
      case 4:
        return AcceptRisk{finding, "compensating control", near(1, 45)};
      case 5:
        return ChangeFindingStatus{finding, "open", "acceptance revoked"};
      case 6:
      case 7:
        return UploadEvidence{"cert.pdf",
                              "application/pdf",
                              std::string(64, 'c'),
                              10,
                              coin(3) ? near(-10, 20) : "",
                              near(15, 60),
                              "",
                              control};
      case 8:
        return SetControlStatus{control, coin(4) ? "not_implemented" : "implemented", ""};
      case 9:
        return DefineControl{control, "Control", "", {"CC6.1"}, "implemented"};
      case 10:
        if (coin(40))
          return DeactivateUser{coin(2) ? "con@example.com" : "other@example.com", "left"};
        return AssignFinding{finding, testing::kUsers[rng_() % 5]};
      default:
        return RecordFinding{
            "Near",      "", "high", {"CC6.1"}, "", "", coin(5) ? "" : testing::kUsers[rng_() % 5],
            near(-3, 25)};
    }
  }

 private:
  std::mt19937 rng_;
};

class RemindersPropertyTest : public ::testing::Test {
 protected:
  // A random program of `commands` commands from kT0 + 30 days on, a third of them from
  // NearCommands, half of them back-filled by up to 40 days. Returns its log.
  std::vector<Event> random_program(uint32_t seed, int commands) {
    auto log = EventLog::open(
        EventLogOptions{dir_.sub(fmt::format("events-{}", seed)), fs_.get(), &clock_, true});
    EXPECT_TRUE(log.is_ok());
    log_ = std::move(log).value();
    clock_.set(testing::kT0);
    svc_ = std::move(CommandService::open(*log_, clock_)).value();
    testing::add_users(*svc_);
    clock_.set(testing::kT0 + 30 * kMicrosPerDay);
    testing::CommandGenerator gen(seed);
    NearCommands near(seed);
    std::mt19937 rng(seed + 1);
    for (int i = 0; i < commands; ++i) {
      clock_.advance(static_cast<Micros>(rng() % 14400) * kMicrosPerSecond);
      const bool mine = rng() % 3 == 0;
      const Command cmd = *svc_->read([&](const ProgramState& s) {
        return mine ? near.command(s, clock_.now()) : gen.command(s, clock_.now());
      });
      const bool backfill = rng() % 2 == 0;
      CommandOptions o;
      if (backfill) o.occurred_at = clock_.now() - static_cast<Micros>(rng() % 40) * kMicrosPerDay;
      const std::string actor = backfill || mine ? near.admin() : gen.user();
      svc_->execute(actor, cmd, o).status().ignore();
    }
    history_ = std::move(ProgramHistory::open(*log_)).value();
    return *log_->read_range(1, log_->last_seq());
  }

  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  ManualClock clock_{testing::kT0};
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<CommandService> svc_;
  std::unique_ptr<ProgramHistory> history_;
};

TEST_F(RemindersPropertyTest, DailyFiringsEqualAnIndependentFoldDayByDay) {
  std::map<Kind, int> counts;
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    const std::vector<Event> log = random_program(seed, 1200);
    ASSERT_GT(log.size(), 300u);
    const Date first = date_of(testing::kT0);
    const Date last{date_of(clock_.now()).days + 50};
    const Days days = fold_days(log, first, last);
    for (Date d = first; d <= last; d = Date{d.days + 1}) {
      auto state = history_->state_at(AsOf{d, std::nullopt});
      ASSERT_TRUE(state.is_ok()) << state.status().to_string();
      const std::vector<RuleFiring> got = daily_firings(*state, d);
      const std::vector<ModelFiring> want = model_firings(days, d);
      ASSERT_EQ(text(got, d), text(want)) << format_date(d);
      for (const RuleFiring& f : got) ++counts[f.kind];
    }
  }
  for (Kind k : {Kind::kDueSoon, Kind::kOverdue, Kind::kAcceptanceExpiring,
                 Kind::kAcceptanceExpired, Kind::kEvidenceExpiring, Kind::kWeeklyDigest}) {
    EXPECT_GT(counts[k], 0) << name(k);
    std::cout << name(k) << ": " << counts[k] << "\n";
  }
}

}  // namespace
}  // namespace gaplog
