#include "projections/queries.h"

#include <gtest/gtest.h>

#include "../domain/domain_test_support.h"

namespace gaplog {
namespace {

using testing::kContributor;
using testing::kEditor;
using testing::kOther;

std::vector<std::string> ids(const Page<FindingState>& p) {
  std::vector<std::string> out;
  for (const FindingState* f : p.items) out.push_back(f->id);
  return out;
}

class Queries : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 12; ++i) {
      p.must(kEditor, RecordFinding{"f" + std::to_string(i),
                                    "",
                                    i % 2 ? "high" : "low",
                                    {i % 3 ? "CC6.1" : "CC7.2"},
                                    "",
                                    "",
                                    i % 4 ? kContributor : kOther,
                                    i <= 3 ? "2026-01-15" : ""});
    }
  }
  testing::Program p;
  const Date d = *parse_date("2026-02-01");
};

TEST_F(Queries, NaturalOrderAndPages) {
  auto first = list_findings(p.state, d, {}, PageRequest{5, ""});
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(ids(*first), (std::vector<std::string>{"F-1", "F-2", "F-3", "F-4", "F-5"}));
  EXPECT_EQ(first->next_after, "F-5");
  auto second = list_findings(p.state, d, {}, PageRequest{5, "F-5"});
  EXPECT_EQ(ids(*second), (std::vector<std::string>{"F-6", "F-7", "F-8", "F-9", "F-10"}));
  auto last = list_findings(p.state, d, {}, PageRequest{5, "F-10"});
  EXPECT_EQ(ids(*last), (std::vector<std::string>{"F-11", "F-12"}));
  EXPECT_FALSE(last->next_after.has_value());
  // Exactly a full last page: no next page.
  EXPECT_FALSE(list_findings(p.state, d, {}, PageRequest{12, ""})->next_after.has_value());
  EXPECT_EQ(list_findings(p.state, d, {}, PageRequest{0, ""}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(list_findings(p.state, d, {}, PageRequest{1001, ""}).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(list_findings(p.state, d, {}, PageRequest{1000, ""}).is_ok());
}

TEST_F(Queries, Filters) {
  FindingFilter by_owner;
  by_owner.owners = {kOther};
  EXPECT_EQ(ids(*list_findings(p.state, d, by_owner, {})),
            (std::vector<std::string>{"F-4", "F-8", "F-12"}));
  FindingFilter by_criterion;
  by_criterion.criteria = {"CC7.2"};
  by_criterion.severities = {Severity::kLow};
  EXPECT_EQ(ids(*list_findings(p.state, d, by_criterion, {})),
            (std::vector<std::string>{"F-6", "F-12"}));
  FindingFilter overdue;
  overdue.overdue_only = true;
  EXPECT_EQ(ids(*list_findings(p.state, d, overdue, {})),
            (std::vector<std::string>{"F-1", "F-2", "F-3"}));
  EXPECT_TRUE(list_findings(p.state, *parse_date("2026-01-15"), overdue, {})->items.empty());
  p.must(kContributor, ChangeFindingStatus{"F-1", "in_progress", ""});
  FindingFilter in_progress;
  in_progress.statuses = {FindingStatus::kInProgress};
  EXPECT_EQ(ids(*list_findings(p.state, d, in_progress, {})), (std::vector<std::string>{"F-1"}));
}

}  // namespace
}  // namespace gaplog
