// Generates the programs bench/scale_bench.sh measures: a year of a program with N findings,
// the same shape for every N, appended straight to the event log of a data directory made by
// `gaplog init`.
//
//   build/bench/scale_bench generate DIR N
//
// The history covers the 365 days that end yesterday, occurred_at increasing along the log:
// max(5, N/15) owners (contributors), max(10, N/20) controls of 1–3 criteria (half with a
// quarterly evidence cadence) and their evidence, scope security + availability +
// confidentiality, a Type II audit target, and finding i (0-based) recorded on day
// floor(i * 300 / N) with an owner and a due date 30–120 days out, then commented, reassigned
// (half), its due date slipped (three in ten), worked on, remediated with evidence (seven in
// ten), verified and closed (six in ten) or its risk accepted for a while (one in twenty):
// about 14 events per finding. Nothing planned after yesterday happens. Fixed seed, so the
// same N gives the same history (relative to the day it is run).
//
// The events bypass decide(), but each is one the rules would accept as a back-fill: the actors
// are admins (only an admin may back-fill, SPEC §2), whoever closes a finding neither remediated
// nor owns it, every status change is a transition of SPEC §3 (checked here), and everything an
// event names exists by its occurred_at. The projections' checkpoint is removed so that the
// next `gaplog serve` rebuilds them from the log. Any failure ends the program with exit 1.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "domain/catalog.h"
#include "domain/transitions.h"
#include "store/clock.h"
#include "store/data_dir.h"
#include "store/file_system.h"

namespace gaplog {
namespace {

constexpr int kDays = 365;           // day 0 is a year ago, day 364 yesterday
constexpr int kRecordingDays = 300;  // findings are recorded over days 0–299
constexpr size_t kEventsPerAppend = 5000;
constexpr uint64_t kSeed = 20240601;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "scale_bench: %s\n", what.c_str());
  std::exit(1);
}

void check(const Status& s, const std::string& doing) {
  if (!s.is_ok()) die(fmt::format("{}: {}", doing, s.message()));
}

// What one planned step does; most append one event, the uploads two (uploaded, linked).
enum class Act : uint8_t {
  kAddUser,           // subject: person
  kNameProgram,       //
  kSetScope,          //
  kSetAuditTarget,    //
  kDefineControl,     // subject: control
  kSetControlStatus,  // subject: control; arg: ControlStatus
  kTestControl,       // subject: control; arg: TestResult
  kControlEvidence,   // subject: control; arg: days valid, 0 = the control's cadence
  kRecordFinding,     // subject: finding
  kRateFinding,       // subject: finding
  kComment,           // subject: finding; arg: which text
  kAssign,            // subject: finding; arg: new owner (person)
  kSlipDueDate,       // subject: finding; arg: new due day
  kChangeStatus,      // subject: finding; arg: FindingStatus to move to
  kAcceptRisk,        // subject: finding; arg: day the acceptance expires
  kFixEvidence,       // subject: finding
};

struct Step {
  int32_t day;
  Act act;
  uint32_t subject = 0;
  uint32_t arg = 0;
};

int events_of(Act act) { return act == Act::kControlEvidence || act == Act::kFixEvidence ? 2 : 1; }

// People: the lead (admin: records, assigns, reports fixes, uploads), two verifiers (admins who
// close findings or send them back), then the owners (contributors).
constexpr uint32_t kLead = 0;
constexpr uint32_t kFirstVerifier = 1;
constexpr uint32_t kFirstOwner = 3;

struct ControlPlan {
  std::vector<uint32_t> criteria;  // indexes into the in-scope criteria
  bool quarterly = false;
  uint32_t owner = 0;  // person; 0 = none
};

struct FindingPlan {
  uint32_t title = 0;
  Severity severity = Severity::kMedium;
  uint32_t control = 0;
  std::vector<uint32_t> criteria;  // a subset of its control's
  uint8_t likelihood = 0, impact = 0;
  bool rated_at_once = false;
  uint32_t owner = kFirstOwner;  // person
  int32_t due_day = 0;
};

constexpr const char* kProblems[] = {
    "MFA not enforced",      "Access review overdue",   "Unpatched hosts",
    "Logs kept too briefly", "No restore test",         "Stale admin accounts",
    "Unencrypted backups",   "Vendor review missing",   "Change without approval",
    "Alert not routed",      "Policy not acknowledged", "Secrets in configuration"};
constexpr const char* kPlaces[] = {"billing", "the VPN",    "production",    "staging",
                                   "the CRM", "laptops",    "the data lake", "CI",
                                   "payroll", "the website"};
constexpr const char* kComments[] = {
    "Discussed in the weekly sync; owner confirmed the scope.",
    "Waiting on the platform team for a change window.",
    "Partial fix rolled out to the first region.",
    "Ticket opened with the vendor.",
    "Re-tested after the last deploy; still reproduces in one account.",
    "Raised with the steering group.",
    "Fixed; evidence attached for review."};
constexpr uint32_t kFixedComment = 6;
constexpr const char* kDescription = "Found while evaluating the control.";

// The plan of the whole history: what happens on which day, in the order it was planned (the
// order of a day's steps in the log).
class Planner {
 public:
  Planner(int findings, size_t criteria)
      : findings_(static_cast<uint32_t>(findings)),
        owners_(std::max(5u, findings_ / 15)),
        controls_(std::max(10u, findings_ / 20)),
        criteria_(static_cast<uint32_t>(criteria)) {}

  uint32_t people() const { return kFirstOwner + owners_; }
  std::vector<Step>& steps() { return steps_; }
  const std::vector<ControlPlan>& controls() const { return control_plans_; }
  const std::vector<FindingPlan>& findings() const { return finding_plans_; }

  void plan_program() {
    for (uint32_t p = 0; p < people(); ++p) add(0, Act::kAddUser, p);
    add(0, Act::kNameProgram);
    add(0, Act::kSetScope);
    add(20, Act::kSetAuditTarget);
  }

  // Every control is defined on day 0 (the control set is imported), implemented or partly so
  // over the next months, tested once, and given evidence: every quarter for those with a
  // cadence, else once, valid for a year (one in five for half a year, so it lapses).
  void plan_controls() {
    for (uint32_t c = 0; c < controls_; ++c) {
      ControlPlan plan;
      const uint32_t n = 1 + pick(3);
      for (uint32_t k = 0; k < n; ++k) {
        const uint32_t criterion = pick(criteria_);
        if (std::find(plan.criteria.begin(), plan.criteria.end(), criterion) == plan.criteria.end())
          plan.criteria.push_back(criterion);
      }
      plan.quarterly = c % 2 == 0;
      plan.owner = pick(2) ? kFirstOwner + pick(owners_) : 0;
      control_plans_.push_back(std::move(plan));
      add(0, Act::kDefineControl, c);
      const uint32_t roll = pick(100);
      if (roll >= 85) continue;  // 15% stay at the status they were defined with
      const int done = 10 + static_cast<int>(pick(150));
      if (roll >= 75) {
        add(done, Act::kSetControlStatus, c, uint32_t(ControlStatus::kPartiallyImplemented));
        continue;
      }
      add(done, Act::kSetControlStatus, c, uint32_t(ControlStatus::kImplemented));
      add(done + 30, Act::kTestControl, c,
          uint32_t(pick(10) == 0 ? TestResult::kFail : TestResult::kPass));
      if (!control_plans_.back().quarterly) {
        add(done, Act::kControlEvidence, c, pick(5) == 0 ? 180 : 365);
        continue;
      }
      for (int day = done; day < kDays; day += 88) add(day, Act::kControlEvidence, c, 0);
    }
  }

  void plan_findings() {
    for (uint32_t i = 0; i < findings_; ++i) plan_finding(i);
  }

 private:
  uint32_t pick(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }

  void add(int day, Act act, uint32_t subject = 0, uint32_t arg = 0) {
    if (day < kDays) steps_.push_back(Step{day, act, subject, arg});
  }

  void plan_finding(uint32_t i) {
    const int recorded = static_cast<int>(uint64_t{i} * kRecordingDays / uint64_t{findings_});
    FindingPlan f;
    f.title = pick(std::size(kProblems) * std::size(kPlaces));
    const uint32_t s = pick(10);
    f.severity = s == 0  ? Severity::kCritical
                 : s < 4 ? Severity::kHigh
                 : s < 8 ? Severity::kMedium
                         : Severity::kLow;
    f.control = pick(controls_);
    const std::vector<uint32_t>& of_control = control_plans_[f.control].criteria;
    f.criteria.push_back(of_control[pick(static_cast<uint32_t>(of_control.size()))]);
    if (of_control.size() > 1 && pick(3) == 0 && of_control[0] != f.criteria[0])
      f.criteria.push_back(of_control[0]);
    f.likelihood = static_cast<uint8_t>(1 + pick(5));
    f.impact = static_cast<uint8_t>(1 + pick(5));
    const uint32_t rating = pick(10);
    f.rated_at_once = rating < 6;
    f.owner = kFirstOwner + pick(owners_);
    f.due_day = recorded + 30 + static_cast<int>(pick(91));
    finding_plans_.push_back(f);
    add(recorded, Act::kRecordFinding, i);
    if (rating >= 6 && rating < 9)
      add(recorded + 1 + static_cast<int>(pick(10)), Act::kRateFinding, i);
    plan_lifecycle(i, recorded, f);
    const uint32_t comments = 5 + pick(6);
    for (uint32_t k = 0; k < comments; ++k) {
      add(recorded + 1 + static_cast<int>(pick(150)), Act::kComment, i, pick(kFixedComment));
    }
  }

  // Reassignment, a slipped due date, then the finding's fate (in the order of SPEC §3).
  void plan_lifecycle(uint32_t i, int recorded, const FindingPlan& f) {
    using S = FindingStatus;
    if (pick(2) == 0) {
      const uint32_t other =
          kFirstOwner + (f.owner - kFirstOwner + 1 + pick(owners_ - 1)) % owners_;
      add(recorded + 1 + static_cast<int>(pick(20)), Act::kAssign, i, other);
    }
    if (pick(10) < 3) {
      const int slip_on =
          recorded + 20 + static_cast<int>(pick(static_cast<uint32_t>(f.due_day - recorded - 20)));
      add(slip_on, Act::kSlipDueDate, i, static_cast<uint32_t>(f.due_day + 14 + pick(60)));
    }
    const uint32_t fate = pick(100);  // <5 risk accepted, <65 closed, <75 remediated, <95 in work
    const int start = recorded + 2 + static_cast<int>(pick(14));
    if (fate < 5) {
      if (pick(2)) add(start, Act::kChangeStatus, i, uint32_t(S::kInProgress));
      const int accepted = start + 5 + static_cast<int>(pick(30));
      add(accepted, Act::kAcceptRisk, i, static_cast<uint32_t>(accepted + 60 + pick(300)));
      return;
    }
    if (fate >= 95) return;  // still open
    add(start, Act::kChangeStatus, i, uint32_t(S::kInProgress));
    if (fate >= 75) return;
    int fixed = start + 10 + static_cast<int>(pick(50));
    add(fixed, Act::kChangeStatus, i, uint32_t(S::kRemediated));
    add(fixed, Act::kFixEvidence, i);
    add(fixed, Act::kComment, i, kFixedComment);
    if (fate >= 65) return;
    if (pick(10) == 0) {  // the verification failed once
      add(fixed + 3, Act::kChangeStatus, i, uint32_t(S::kInProgress));
      fixed += 10;
      add(fixed, Act::kChangeStatus, i, uint32_t(S::kRemediated));
    }
    add(fixed + 2 + static_cast<int>(pick(10)), Act::kChangeStatus, i, uint32_t(S::kClosed));
  }

  std::mt19937_64 rng_{kSeed};
  uint32_t findings_, owners_, controls_, criteria_;
  std::vector<Step> steps_;
  std::vector<ControlPlan> control_plans_;
  std::vector<FindingPlan> finding_plans_;
};

// Turns the planned steps, in time order, into events and appends them in batches. Keeps what
// the events carry from the previous state of their subject (owner, due date, status).
class HistoryWriter {
 public:
  HistoryWriter(Store& store, const Planner& plan, std::vector<std::string> criteria,
                std::vector<BlobInfo> blobs, std::string init_admin, Date first_day)
      : store_(store),
        plan_(plan),
        criteria_(std::move(criteria)),
        blobs_(std::move(blobs)),
        init_admin_(std::move(init_admin)),
        first_day_(first_day),
        owner_(plan.findings().size()),
        due_(plan.findings().size()),
        status_(plan.findings().size(), FindingStatus::kOpen),
        has_evidence_(plan.findings().size(), false) {
    for (uint32_t p = 0; p < plan.people(); ++p) people_.push_back(person(p));
  }

  // Appends every step of `steps` (sorted by day); returns the number of events appended.
  uint64_t write(const std::vector<Step>& steps) {
    size_t i = 0;
    while (i < steps.size()) {
      size_t end = i;
      int events = 0;
      while (end < steps.size() && steps[end].day == steps[i].day)
        events += events_of(steps[end++].act);
      // The day's events are spread evenly over 08:00–20:00.
      const Micros day_start = static_cast<Micros>(first_day_.days + steps[i].day) * kMicrosPerDay;
      spacing_ = 12 * 3600 * kMicrosPerSecond / std::max(events, 1);
      next_at_ = day_start + 8 * 3600 * kMicrosPerSecond;
      for (; i < end; ++i) apply(steps[i]);
    }
    flush();
    return appended_;
  }

 private:
  static std::string person(uint32_t p) {
    if (p == kLead) return "lead@bench.example";
    if (p < kFirstOwner) return fmt::format("verifier-{}@bench.example", p - kFirstVerifier + 1);
    return fmt::format("owner-{:05}@bench.example", p - kFirstOwner + 1);
  }
  static std::string control_id(uint32_t c) { return fmt::format("CTL-{:04}", c + 1); }
  static std::string finding_id(uint32_t f) { return fmt::format("F-{}", f + 1); }
  std::string date(int day) const { return format_date(Date{first_day_.days + day}); }

  void emit(std::string stream, const std::string& actor, Payload payload) {
    batch_.events.push_back(NewEvent{std::move(stream), {}, next_at_, actor, std::move(payload)});
    next_at_ += spacing_;
    if (batch_.events.size() >= kEventsPerAppend) flush();
  }

  void flush() {
    if (batch_.events.empty()) return;
    const size_t n = batch_.events.size();
    auto appended = store_.log->append(std::move(batch_));
    check(appended.status(), "appending events");
    appended_ += n;
    batch_ = AppendRequest{};
  }

  void apply(const Step& s) {
    if (s.act >= Act::kRecordFinding) return apply_finding(s);
    const std::string& lead = people_[kLead];
    switch (s.act) {
      case Act::kAddUser: {
        const std::string& email = people_[s.subject];
        const Role role = s.subject < kFirstOwner ? Role::kAdmin : Role::kContributor;
        const std::string name = s.subject == kLead ? "Lee Lead"
                                 : role == Role::kAdmin
                                     ? fmt::format("Vera Verifier {}", s.subject)
                                     : fmt::format("Owner {}", s.subject - kFirstOwner + 1);
        return emit(user_stream(email), init_admin_, UserAdded{email, name, role});
      }
      case Act::kNameProgram:
        return emit(
            program_stream(), lead,
            ProgramNamed{fmt::format("Scale bench ({} findings)", plan_.findings().size())});
      case Act::kSetScope:
        return emit(
            program_stream(), lead,
            ScopeSet{{Category::kSecurity, Category::kAvailability, Category::kConfidentiality}});
      case Act::kSetAuditTarget:
        return emit(program_stream(), lead,
                    AuditTargetSet{AuditType::kType2, "", date(kDays + 60), date(kDays + 242)});
      default:
        return apply_control(s);
    }
  }

  void apply_control(const Step& s) {
    const std::string id = control_id(s.subject);
    const ControlPlan& c = plan_.controls()[s.subject];
    const std::string& lead = people_[kLead];
    switch (s.act) {
      case Act::kDefineControl: {
        std::vector<std::string> criteria;
        for (uint32_t k : c.criteria) criteria.push_back(criteria_[k]);
        return emit(
            control_stream(id), lead,
            ControlDefined{id, fmt::format("Control {}", s.subject + 1), "", std::move(criteria),
                           ControlStatus::kNotImplemented, c.owner ? people_[c.owner] : "",
                           c.quarterly ? EvidenceCadence::kQuarterly : EvidenceCadence::kNone});
      }
      case Act::kSetControlStatus:
        return emit(control_stream(id), lead,
                    ControlStatusSet{id, static_cast<ControlStatus>(s.arg),
                                     ControlStatus::kNotImplemented, "rolled out"});
      case Act::kTestControl: {
        return emit(control_stream(id), people_[kFirstVerifier],
                    ControlTested{id,
                                  TestKind::kOperating,
                                  format_date(date_of(next_at_)),
                                  static_cast<TestResult>(s.arg),
                                  "Sampled 25 occurrences.",
                                  {}});
      }
      default: {  // kControlEvidence
        const std::string evidence = upload(lead, s.arg);
        return emit(evidence_stream(evidence), lead, EvidenceLinked{evidence, "", id});
      }
    }
  }

  // Emits an evidence upload collected today, valid for `valid_days` (0: no end of its own);
  // returns its id.
  std::string upload(const std::string& actor, uint32_t valid_days) {
    const std::string id = fmt::format("E-{}", ++evidence_);
    const BlobInfo& blob = blobs_[evidence_ % blobs_.size()];
    const Date today = date_of(next_at_);
    emit(evidence_stream(id), actor,
         EvidenceUploaded{
             id, fmt::format("evidence-{}.txt", evidence_), "text/plain", blob.sha256, blob.size,
             format_date(today),
             valid_days ? format_date(Date{today.days + static_cast<int32_t>(valid_days)}) : ""});
    return id;
  }

  void apply_finding(const Step& s) {
    const uint32_t f = s.subject;
    const std::string id = finding_id(f);
    const FindingPlan& p = plan_.findings()[f];
    const std::string& lead = people_[kLead];
    switch (s.act) {
      case Act::kRecordFinding:
        return record(f, p);
      case Act::kRateFinding:
        return emit(finding_stream(id), lead,
                    FindingUpdated{id, title(p), kDescription, p.severity, criteria_of(p),
                                   control_id(p.control), "", p.likelihood, p.impact, ""});
      case Act::kComment:
        return emit(finding_stream(id), lead, CommentAdded{id, kComments[s.arg]});
      case Act::kAssign:
        emit(finding_stream(id), lead, FindingAssigned{id, people_[s.arg], people_[owner_[f]]});
        owner_[f] = s.arg;
        return;
      case Act::kSlipDueDate:
        emit(finding_stream(id), lead,
             FindingDueDateSet{id, date(static_cast<int>(s.arg)), date(due_[f]),
                               "waiting on a vendor fix"});
        due_[f] = static_cast<int32_t>(s.arg);
        return;
      case Act::kAcceptRisk:
        return accept_risk(f, static_cast<int>(s.arg));
      case Act::kFixEvidence: {
        const std::string evidence = upload(lead, 0);
        has_evidence_[f] = true;
        return emit(evidence_stream(evidence), lead, EvidenceLinked{evidence, id, ""});
      }
      default:
        return change_status(f, static_cast<FindingStatus>(s.arg));
    }
  }

  std::string title(const FindingPlan& p) const {
    return fmt::format("{} on {}", kProblems[p.title % std::size(kProblems)],
                       kPlaces[p.title / std::size(kProblems)]);
  }
  std::vector<std::string> criteria_of(const FindingPlan& p) const {
    std::vector<std::string> out;
    for (uint32_t k : p.criteria) out.push_back(criteria_[k]);
    return out;
  }

  void record(uint32_t f, const FindingPlan& p) {
    const std::string id = finding_id(f);
    owner_[f] = p.owner;
    due_[f] = p.due_day;
    FindingRecorded r{id,
                      title(p),
                      kDescription,
                      p.severity,
                      criteria_of(p),
                      control_id(p.control),
                      FindingSource::kControlEvaluation,
                      people_[p.owner],
                      date(p.due_day)};
    if (p.rated_at_once) {
      r.likelihood = p.likelihood;
      r.impact = p.impact;
    }
    emit(finding_stream(id), people_[kLead], std::move(r));
  }

  void accept_risk(uint32_t f, int expires_day) {
    const std::string id = finding_id(f);
    const FindingStatus from = status_[f];
    if (from != FindingStatus::kOpen && from != FindingStatus::kInProgress)
      die(fmt::format("planned a risk acceptance of {}, which is {}", id, name(from)));
    emit(finding_stream(id), people_[kLead],
         RiskAccepted{id, "Compensating control in place until the platform migration.",
                      date(expires_day), from});
    status_[f] = FindingStatus::kRiskAccepted;
  }

  // A status change of SPEC §3: the lead reports progress and fixes; a verifier (an admin who
  // neither owns the finding nor remediated it) closes it or sends it back.
  void change_status(uint32_t f, FindingStatus to) {
    const std::string id = finding_id(f);
    const FindingStatus from = status_[f];
    const std::optional<FindingTransition> t = find_transition(from, to);
    if (!t)
      die(fmt::format("planned {} from {} to {}, not a transition of SPEC §3", id, name(from),
                      name(to)));
    if (t->verifies && !has_evidence_[f])
      die(fmt::format("planned closing {} without evidence", id));
    const bool by_verifier = t->verifies || t->reason_required;
    const std::string& actor = people_[by_verifier ? kFirstVerifier + f % 2 : kLead];
    emit(finding_stream(id), actor,
         FindingStatusChanged{id, from, to,
                              t->reason_required
                                  ? "Verification failed: the fix does not cover every host."
                              : t->verifies ? "verified"
                                            : ""});
    status_[f] = to;
  }

  Store& store_;
  const Planner& plan_;
  const std::vector<std::string> criteria_;
  const std::vector<BlobInfo> blobs_;
  const std::string init_admin_;
  const Date first_day_;
  std::vector<std::string> people_;
  std::vector<uint32_t> owner_;
  std::vector<int32_t> due_;
  std::vector<FindingStatus> status_;
  std::vector<bool> has_evidence_;
  uint64_t evidence_ = 0;
  AppendRequest batch_;
  uint64_t appended_ = 0;
  Micros next_at_ = 0, spacing_ = 0;
};

std::vector<std::string> in_scope_criteria() {
  std::vector<std::string> ids;
  for (const Criterion& c : tsc_catalog()) {
    if (c.category == Category::kSecurity || c.category == Category::kAvailability ||
        c.category == Category::kConfidentiality) {
      ids.emplace_back(c.id);
    }
  }
  return ids;
}

// A few evidence files, shared by every upload (the blob store keeps identical bytes once).
std::vector<BlobInfo> put_evidence_blobs(BlobStore& blobs) {
  std::vector<BlobInfo> out;
  for (int k = 1; k <= 8; ++k) {
    auto info = blobs.put(fmt::format("scale bench evidence file {}\n", k));
    check(info.status(), "storing an evidence file");
    out.push_back(*info);
  }
  return out;
}

int generate(const std::string& dir, int findings) {
  auto fs = make_posix_file_system();
  SystemClock clock;
  auto store = open_data_dir(*fs, clock, dir);
  check(store.status(), fmt::format("opening {}", dir));
  auto first = store->log->read(1);
  check(first.status(), fmt::format("reading the first event of {} (made by gaplog init?)", dir));
  auto generated = store->log->stream_version(finding_stream("F-1"));
  check(generated.status(), "reading the log");
  if (*generated != 0)
    die(fmt::format("{} already holds findings; generate into a fresh init", dir));

  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<std::string> criteria = in_scope_criteria();
  Planner planner(findings, criteria.size());
  planner.plan_program();
  planner.plan_controls();
  planner.plan_findings();
  std::vector<Step>& steps = planner.steps();
  std::stable_sort(steps.begin(), steps.end(),
                   [](const Step& a, const Step& b) { return a.day < b.day; });
  const Date today = date_of(clock.now());
  HistoryWriter writer(*store, planner, criteria, put_evidence_blobs(*store->blobs), first->actor,
                       Date{today.days - kDays});
  const uint64_t appended = writer.write(steps);
  std::error_code ec;
  std::filesystem::remove(dir + "/projections/checkpoint.bin", ec);
  if (ec) die(fmt::format("removing the projections' checkpoint: {}", ec.message()));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("appended %llu events (%d findings, %.1f events per finding) in %.1f s\n",
              static_cast<unsigned long long>(appended), findings,
              static_cast<double>(appended) / findings, secs);
  return 0;
}

}  // namespace
}  // namespace gaplog

int main(int argc, char** argv) {
  if (argc != 4 || std::string(argv[1]) != "generate") {
    std::fprintf(stderr, "usage: scale_bench generate DIR N   (DIR made by gaplog init)\n");
    return 2;
  }
  char* end = nullptr;
  const long n = std::strtol(argv[3], &end, 10);
  if (*end != '\0' || n < 1 || n > 10'000'000) {
    std::fprintf(stderr, "scale_bench: N must be a number of findings from 1 to 10000000\n");
    return 2;
  }
  return gaplog::generate(argv[2], static_cast<int>(n));
}
