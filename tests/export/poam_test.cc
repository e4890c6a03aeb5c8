// The OSCAL POA&M export of SPEC §7: one poam-item and one risk per finding, statuses mapped,
// deadlines, owners as parties, stable UUIDs, and every reference resolving inside the document.
// (Schema validation with ajv runs in scripts/test: tests/oscal/validate_poam.sh.)
#include "export/poam.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <regex>
#include <set>

#include "../store/store_test_support.h"
#include "api/served_program.h"
#include "app/demo.h"

namespace gaplog {
namespace {

using json::Value;

TEST(UuidV5, MatchesTheRfc4122Construction) {
  // Python's uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
  const Uuid dns = *parse_uuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
  EXPECT_EQ(to_string(uuid_v5(dns, "python.org")), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  EXPECT_NE(uuid_v5(dns, "python.org"), uuid_v5(dns, "python.org."));
}

TEST(PoamStatus, IsMappedAsTheSpecSays) {
  EXPECT_EQ(oscal_risk_status(FindingStatus::kOpen), "open");
  EXPECT_EQ(oscal_risk_status(FindingStatus::kInProgress), "remediating");
  EXPECT_EQ(oscal_risk_status(FindingStatus::kRemediated), "remediating");
  EXPECT_EQ(oscal_risk_status(FindingStatus::kRiskAccepted), "deviation-approved");
  EXPECT_EQ(oscal_risk_status(FindingStatus::kClosed), "closed");
}

TEST(PoamStatus, AnExpiredRiskAcceptanceIsOpen) {
  FindingState f;
  f.status = FindingStatus::kRiskAccepted;
  f.risk_acceptance =
      RiskAcceptanceState{"compensating control", optional_date("2026-06-30"), "admin@example.com"};
  EXPECT_EQ(oscal_risk_status(f, *parse_date("2026-06-30")), "deviation-approved");
  EXPECT_EQ(oscal_risk_status(f, *parse_date("2026-07-01")), "open");
  f.status = FindingStatus::kInProgress;
  f.risk_acceptance.reset();
  EXPECT_EQ(oscal_risk_status(f, *parse_date("2026-07-01")), "remediating");
}

// Every value of a key in the document, with the key's name: for walking references.
void walk(const Value& v, const std::function<void(const std::string&, const Value&)>& visit) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.members()) {
      visit(k, child);
      walk(child, visit);
    }
  } else if (v.is_array()) {
    for (const Value& child : v.items()) walk(child, visit);
  }
}

const Value& at(const Value& v, std::string_view key) {
  static const Value kNull;
  const Value* found = v.is_object() ? v.find(key) : nullptr;
  return found ? *found : kNull;
}

class PoamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_data_dir(*fs_, clock_, dir_.sub("data")).is_ok());
    auto p = ServedProgram::open(*fs_, clock_, dir_.sub("data"));
    ASSERT_TRUE(p.is_ok());
    program_ = std::move(p).value();
    ASSERT_TRUE(program_->service().execute(kAdmin, AddUser{kAdmin, "Alex", "admin"}).is_ok());
  }
  void build() {
    Status s = build_demo(program_->service(), *program_->store().blobs, kAdmin, clock_.now());
    ASSERT_TRUE(s.is_ok()) << s.to_string();
  }
  Value poam(const std::string& as = "dana.fox@cpa.example", const std::string& query = "") {
    ApiResponse r =
        program_->api().handle_as(ApiRequest{"GET", "/api/v1/export/poam" + query, {}, ""}, as);
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = json::parse(r.body);
    EXPECT_TRUE(v.is_ok()) << r.body;
    return v.is_ok() ? *v : Value();
  }

  static constexpr const char* kAdmin = "admin@acme.example";
  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  ManualClock clock_{testing::kT0 + 200 * kMicrosPerDay};
  std::unique_ptr<ServedProgram> program_;
};

// SPEC §3 and §7: once expired, a risk acceptance is exported as open and planned as a
// remediation again, never as an approved deviation.
TEST_F(PoamTest, AnExpiredRiskAcceptanceIsExportedAsOpen) {
  ASSERT_TRUE(
      program_->service()
          .execute(kAdmin, RecordFinding{"No DR plan", "", "medium", {"A1.3"}, "", "", "", ""})
          .is_ok());
  const Date today = date_of(clock_.now());
  ASSERT_TRUE(program_->service()
                  .execute(kAdmin, AcceptRisk{"F-1", "compensating control",
                                              format_date(Date{today.days + 30})})
                  .is_ok());
  auto risk = [&] {
    const Value doc = poam(kAdmin);
    const Value& risks = at(at(doc, "plan-of-action-and-milestones"), "risks");
    EXPECT_EQ(risks.items().size(), 1u);
    return risks.items().empty() ? Value() : risks.items()[0];
  };
  auto remediation_type = [&](const Value& r) {
    return at(at(at(r, "remediations").items()[0], "props").items()[0], "value").as_string();
  };
  auto has_expired_prop = [&](const Value& r) {
    for (const Value& p : at(r, "props").items()) {
      if (at(p, "name").as_string() == "acceptance-expired") return true;
    }
    return false;
  };
  clock_.advance(30 * kMicrosPerDay);  // the last day of the acceptance
  const Value approved = risk();
  EXPECT_EQ(at(approved, "status").as_string(), "deviation-approved");
  EXPECT_EQ(remediation_type(approved), "accept");
  EXPECT_FALSE(has_expired_prop(approved));
  clock_.advance(kMicrosPerDay);
  const Value expired = risk();
  EXPECT_EQ(at(expired, "status").as_string(), "open");
  EXPECT_EQ(remediation_type(expired), "mitigate");
  EXPECT_TRUE(has_expired_prop(expired));
}

// SPEC §13: a finding's likelihood and impact travel as an OSCAL characterization of its risk
// (facets of gaplog's naming system), its origin as a property; an unrated finding has none.
TEST_F(PoamTest, LikelihoodAndImpactAreCharacterizationsOfTheRisk) {
  RecordFinding rated{"No DR plan", "", "medium", {"A1.3"}, "", "", "", ""};
  rated.likelihood = 2;
  rated.impact = 5;
  ASSERT_TRUE(program_->service().execute(kAdmin, rated).is_ok());
  ASSERT_TRUE(program_->service()
                  .execute(kAdmin, RecordFinding{"No MFA", "", "high", {"CC6.1"}, "", "", "", ""})
                  .is_ok());
  const Value doc = poam(kAdmin);
  const Value& risks = at(at(doc, "plan-of-action-and-milestones"), "risks");
  ASSERT_EQ(risks.items().size(), 2u);
  std::map<std::string, std::string> facets;
  std::string score;
  for (const Value& r : risks.items()) {
    const Value& chars = at(r, "characterizations");
    if (at(r, "title").as_string() == "No MFA") {
      EXPECT_TRUE(chars.is_null()) << "an unrated finding has no characterization";
      continue;
    }
    ASSERT_EQ(chars.items().size(), 1u);
    const Value& c = chars.items()[0];
    EXPECT_EQ(at(at(at(c, "origin"), "actors").items()[0], "type").as_string(), "party");
    for (const Value& f : at(c, "facets").items()) {
      EXPECT_EQ(at(f, "system").as_string(), "https://gaplog.dev/ns/oscal");
      facets[at(f, "name").as_string()] = at(f, "value").as_string();
    }
    for (const Value& p : at(r, "props").items()) {
      if (at(p, "name").as_string() == "risk-score") score = at(p, "value").as_string();
    }
  }
  EXPECT_EQ(facets, (std::map<std::string, std::string>{{"impact", "5"}, {"likelihood", "2"}}));
  EXPECT_EQ(score, "10");
}

TEST_F(PoamTest, OneItemAndOneRiskPerFindingWithStatusDeadlineAndOwner) {
  build();
  const Value doc = poam();
  const Value& plan = at(doc, "plan-of-action-and-milestones");
  ProgramState state = *program_->service().read([](const ProgramState& s) { return s; });
  ASSERT_EQ(at(plan, "poam-items").items().size(), state.findings.size());
  ASSERT_EQ(at(plan, "risks").items().size(), state.findings.size());
  EXPECT_EQ(at(at(plan, "metadata"), "oscal-version").as_string(), "1.1.2");

  std::map<std::string, const Value*> risks;
  for (const Value& r : at(plan, "risks").items()) risks[at(r, "uuid").as_string()] = &r;
  std::map<std::string, std::string> party_email;
  int organizations = 0;
  for (const Value& p : at(at(plan, "metadata"), "parties").items()) {
    if (at(p, "type").as_string() == "organization") {
      ++organizations;  // the program, origin of the risk ratings (SPEC §13)
      continue;
    }
    party_email[at(p, "uuid").as_string()] = at(p, "email-addresses").items()[0].as_string();
  }
  EXPECT_EQ(party_email.size(), state.users.size());
  EXPECT_EQ(organizations, 1) << "the demo rates its findings";

  int with_owner = 0, with_deadline = 0;
  for (const Value& item : at(plan, "poam-items").items()) {
    std::string id;
    for (const Value& p : at(item, "props").items()) {
      if (at(p, "name").as_string() == "finding-id") id = at(p, "value").as_string();
    }
    ASSERT_TRUE(state.findings.count(id)) << id;
    const FindingState& f = state.findings.at(id);
    EXPECT_EQ(at(item, "title").as_string(), f.title);
    const Value& risk =
        *risks.at(at(at(item, "related-risks").items()[0], "risk-uuid").as_string());
    EXPECT_EQ(at(risk, "status").as_string(), oscal_risk_status(f, date_of(clock_.now()))) << id;
    if (!f.due_date) {
      EXPECT_TRUE(at(risk, "deadline").is_null()) << id;
    } else {
      EXPECT_EQ(at(risk, "deadline").as_string(), format_date(*f.due_date) + "T23:59:59Z") << id;
      ++with_deadline;
    }
    const Value& task = at(at(risk, "remediations").items()[0], "tasks").items()[0];
    std::string owner;
    for (const Value& role : at(task, "responsible-roles").is_array()
                                 ? at(task, "responsible-roles").items()
                                 : std::vector<Value>{}) {
      if (at(role, "role-id").as_string() == "finding-owner") {
        owner = party_email.at(at(role, "party-uuids").items()[0].as_string());
      }
    }
    EXPECT_EQ(owner, f.owner) << id;
    with_owner += !owner.empty();
  }
  EXPECT_GT(with_owner, 10);
  EXPECT_GT(with_deadline, 10);
}

TEST_F(PoamTest, EveryReferenceResolvesInsideTheDocument) {
  build();
  const Value doc = poam();
  std::set<std::string> defined_uuids, roles;
  std::vector<std::pair<std::string, std::string>> references;  // key, uuid
  const std::regex v4_or_v5(
      "^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  walk(doc, [&](const std::string& key, const Value& v) {
    if (key == "uuid") {
      EXPECT_TRUE(std::regex_match(v.as_string(), v4_or_v5)) << v.as_string();
      EXPECT_TRUE(defined_uuids.insert(v.as_string()).second) << "duplicate uuid " << v.as_string();
    } else if (key.ends_with("-uuid")) {
      references.emplace_back(key, v.as_string());
    } else if (key.ends_with("-uuids")) {
      for (const Value& u : v.items()) references.emplace_back(key, u.as_string());
    } else if (key == "role-id") {
      references.emplace_back(key, v.as_string());
    }
  });
  for (const Value& r :
       at(at(at(doc, "plan-of-action-and-milestones"), "metadata"), "roles").items()) {
    roles.insert(at(r, "id").as_string());
  }
  ASSERT_FALSE(references.empty());
  for (const auto& [key, target] : references) {
    if (key == "role-id") {
      EXPECT_TRUE(roles.count(target)) << key << " " << target;
    } else {
      EXPECT_TRUE(defined_uuids.count(target)) << key << " " << target << " resolves to nothing";
    }
  }
}

TEST_F(PoamTest, UuidsAreStableAcrossExportsAndDistinctAcrossPrograms) {
  build();
  auto uuids = [](const Value& doc) {
    std::vector<std::string> out;
    walk(doc, [&](const std::string& key, const Value& v) {
      if (key == "uuid") out.push_back(v.as_string());
    });
    return out;
  };
  const auto first = uuids(poam());
  clock_.advance(kMicrosPerDay);
  ASSERT_TRUE(program_->service()
                  .execute(kAdmin, RecordFinding{"New gap", "", "low", {"CC1.1"}, "", "", "", ""})
                  .is_ok());
  const auto second = uuids(poam(kAdmin));
  // The same objects keep their UUIDs; the new finding adds its own.
  for (const std::string& u : first)
    EXPECT_NE(std::find(second.begin(), second.end(), u), second.end()) << u;
  EXPECT_GT(second.size(), first.size());

  testing::TempDir other_dir;
  ASSERT_TRUE(init_data_dir(*fs_, clock_, other_dir.sub("data")).is_ok());
  auto other = ServedProgram::open(*fs_, clock_, other_dir.sub("data"));
  ASSERT_TRUE(other.is_ok());
  ASSERT_TRUE((*other)->service().execute(kAdmin, AddUser{kAdmin, "Alex", "admin"}).is_ok());
  auto r = (*other)->api().handle_as(ApiRequest{"GET", "/api/v1/export/poam", {}, ""}, kAdmin);
  auto doc = json::parse(r.body);
  ASSERT_TRUE(doc.is_ok());
  for (const std::string& u : uuids(*doc))
    EXPECT_EQ(std::find(first.begin(), first.end(), u), first.end()) << u;
}

TEST_F(PoamTest, AsOfAPastDateShowsTheFindingsOfThatDay) {
  build();
  ProgramState state = *program_->service().read([](const ProgramState& s) { return s; });
  auto first = program_->history().first_event_date();
  ASSERT_TRUE(first.is_ok() && first->has_value());
  const Date early{(*first)->days + 3};
  auto then = program_->history().state_at(AsOf{early, std::nullopt});
  ASSERT_TRUE(then.is_ok());
  ASSERT_LT(then->findings.size(), state.findings.size());
  const Value doc = poam("sofia.garcia@acme.example", "?as_of=" + format_date(early));
  EXPECT_EQ(at(at(doc, "plan-of-action-and-milestones"), "poam-items").items().size(),
            then->findings.size());
  EXPECT_EQ(program_->api()
                .handle_as(ApiRequest{"GET", "/api/v1/export/poam?as_of=soon", {}, ""}, kAdmin)
                .status,
            400);
}

TEST_F(PoamTest, AnEmptyProgramGivesAValidEmptyPlan) {
  const Value doc = poam(kAdmin);
  const Value& plan = at(doc, "plan-of-action-and-milestones");
  ASSERT_EQ(at(plan, "poam-items").items().size(), 1u)
      << "OSCAL requires one item: a marked placeholder";
  const Value& placeholder = at(plan, "poam-items").items()[0];
  EXPECT_EQ(at(at(placeholder, "props").items()[0], "name").as_string(), "placeholder");
  EXPECT_TRUE(at(placeholder, "related-risks").is_null());
  EXPECT_TRUE(at(plan, "risks").is_null()) << "OSCAL arrays may not be empty: risks is left out";
  EXPECT_EQ(at(at(plan, "metadata"), "parties").items().size(), 1u);
}

}  // namespace
}  // namespace gaplog
