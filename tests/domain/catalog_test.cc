#include "domain/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/validation.h"

namespace gaplog {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// SPEC §1, written out literally, in catalog order.
// clang-format off
const std::vector<std::string_view> kSpecIds = {
    // security (33)
    "CC1.1", "CC1.2", "CC1.3", "CC1.4", "CC1.5",
    "CC2.1", "CC2.2", "CC2.3",
    "CC3.1", "CC3.2", "CC3.3", "CC3.4",
    "CC4.1", "CC4.2",
    "CC5.1", "CC5.2", "CC5.3",
    "CC6.1", "CC6.2", "CC6.3", "CC6.4", "CC6.5", "CC6.6", "CC6.7", "CC6.8",
    "CC7.1", "CC7.2", "CC7.3", "CC7.4", "CC7.5",
    "CC8.1",
    "CC9.1", "CC9.2",
    // availability (3)
    "A1.1", "A1.2", "A1.3",
    // confidentiality (2)
    "C1.1", "C1.2",
    // processing_integrity (5)
    "PI1.1", "PI1.2", "PI1.3", "PI1.4", "PI1.5",
    // privacy (18)
    "P1.1", "P2.1", "P3.1", "P3.2", "P4.1", "P4.2", "P4.3", "P5.1", "P5.2",
    "P6.1", "P6.2", "P6.3", "P6.4", "P6.5", "P6.6", "P6.7", "P7.1", "P8.1",
};
// clang-format on

Category category_of_spec_id(std::string_view id) {
  if (id.starts_with("CC")) return Category::kSecurity;
  if (id.starts_with("A")) return Category::kAvailability;
  if (id.starts_with("C")) return Category::kConfidentiality;
  if (id.starts_with("PI")) return Category::kProcessingIntegrity;
  return Category::kPrivacy;
}

// ---- The catalog ----------------------------------------------------------------------------

TEST(TscCatalog, HasExactly61Criteria) {
  EXPECT_EQ(kSpecIds.size(), 61u);
  EXPECT_EQ(tsc_catalog().size(), 61u);
}

TEST(TscCatalog, IdsAndOrderAreThoseOfTheSpec) {
  std::vector<std::string_view> ids;
  for (const Criterion& c : tsc_catalog()) ids.push_back(c.id);
  EXPECT_EQ(ids, kSpecIds);
}

TEST(TscCatalog, EachCriterionIsInItsCategory) {
  for (const Criterion& c : tsc_catalog()) {
    EXPECT_EQ(c.category, category_of_spec_id(c.id)) << c.id;
  }
}

TEST(TscCatalog, CountsPerCategory) {
  std::map<Category, int> counts;
  for (const Criterion& c : tsc_catalog()) ++counts[c.category];
  EXPECT_EQ(counts[Category::kSecurity], 33);
  EXPECT_EQ(counts[Category::kAvailability], 3);
  EXPECT_EQ(counts[Category::kConfidentiality], 2);
  EXPECT_EQ(counts[Category::kProcessingIntegrity], 5);
  EXPECT_EQ(counts[Category::kPrivacy], 18);
}

TEST(TscCatalog, CategoriesComeInSpecOrder) {
  const std::vector<Category> expected = {Category::kSecurity, Category::kAvailability,
                                          Category::kConfidentiality,
                                          Category::kProcessingIntegrity, Category::kPrivacy};
  std::vector<Category> seen;
  for (const Criterion& c : tsc_catalog()) {
    if (seen.empty() || seen.back() != c.category) seen.push_back(c.category);
  }
  EXPECT_EQ(seen, expected);
}

TEST(TscCatalog, IdsAreUnique) {
  std::set<std::string_view> ids;
  for (const Criterion& c : tsc_catalog()) EXPECT_TRUE(ids.insert(c.id).second) << c.id;
}

TEST(TscCatalog, TitlesAreShortSingleLineText) {
  std::set<std::string_view> titles;
  for (const Criterion& c : tsc_catalog()) {
    EXPECT_FALSE(c.title.empty()) << c.id;
    EXPECT_LE(utf8_length(c.title), 80u) << c.id;
    EXPECT_TRUE(check_text("title", c.title, 80, /*required=*/true, /*multiline=*/false).is_ok())
        << c.id;
    EXPECT_TRUE(titles.insert(c.title).second) << c.id << " repeats the title of another criterion";
  }
}

// ---- find_criterion -------------------------------------------------------------------------

TEST(FindCriterion, FindsEveryCatalogId) {
  for (std::string_view id : kSpecIds) {
    const Criterion* c = find_criterion(id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_EQ(c->id, id);
  }
  EXPECT_EQ(find_criterion("CC6.1")->category, Category::kSecurity);
  EXPECT_EQ(find_criterion("PI1.3")->category, Category::kProcessingIntegrity);
  EXPECT_EQ(find_criterion("P8.1")->category, Category::kPrivacy);
}

TEST(FindCriterion, PointsIntoTheCatalog) {
  EXPECT_EQ(find_criterion("CC1.1"), &tsc_catalog().front());
  EXPECT_EQ(find_criterion("P8.1"), &tsc_catalog().back());
}

TEST(FindCriterion, UnknownIdsAreNotFound) {
  for (std::string_view id : {"CC6.9", "CC10.1", "CC1.0", "A1.4", "C1.3", "PI1.6", "P6.8", "P9.1",
                              "", "CC", "CC6", "CC6.1 ", " CC6.1", "CC6.10", "CC 6.1"}) {
    EXPECT_EQ(find_criterion(id), nullptr) << "'" << id << "'";
  }
}

TEST(FindCriterion, IsCaseSensitive) {
  EXPECT_EQ(find_criterion("cc6.1"), nullptr);
  EXPECT_EQ(find_criterion("Cc6.1"), nullptr);
  EXPECT_EQ(find_criterion("pi1.1"), nullptr);
  EXPECT_NE(find_criterion("PI1.1"), nullptr);
}

// ---- check_criteria -------------------------------------------------------------------------

TEST(CheckCriteria, AcceptsKnownDistinctIds) {
  EXPECT_TRUE(check_criteria({"CC6.1"}, true).is_ok());
  EXPECT_TRUE(check_criteria({"CC6.1", "A1.2", "P8.1"}, true).is_ok());
  EXPECT_TRUE(check_criteria({"CC6.1", "A1.2", "P8.1"}, false).is_ok());
}

TEST(CheckCriteria, AcceptsTheWholeCatalog) {
  std::vector<std::string> all(kSpecIds.begin(), kSpecIds.end());
  EXPECT_TRUE(check_criteria(all, true).is_ok());
}

TEST(CheckCriteria, EmptyListIsFineUnlessRequired) {
  EXPECT_TRUE(check_criteria({}, false).is_ok());
  const Status s = check_criteria({}, true);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("criteria"));
  EXPECT_THAT(s.message(), HasSubstr("GET /api/v1/criteria"));
}

TEST(CheckCriteria, UnknownIdIsARuleViolationThatNamesIt) {
  const Status s = check_criteria({"CC6.1", "CC6.9"}, true);
  EXPECT_EQ(s.code(), Code::kRuleViolation);
  EXPECT_THAT(s.message(), HasSubstr("'CC6.9'"));
  EXPECT_THAT(s.message(), HasSubstr("criteria"));
  EXPECT_THAT(s.message(), HasSubstr("GET /api/v1/criteria"));
  // Not required does not make unknown ids acceptable.
  EXPECT_EQ(check_criteria({"CC6.9"}, false).code(), Code::kRuleViolation);
}

TEST(CheckCriteria, WrongCaseSuggestsTheCatalogId) {
  const Status s = check_criteria({"cc6.1"}, true);
  EXPECT_EQ(s.code(), Code::kRuleViolation);
  EXPECT_THAT(s.message(), HasSubstr("'cc6.1'"));
  EXPECT_THAT(s.message(), HasSubstr("'CC6.1'"));
}

TEST(CheckCriteria, DuplicateIsInvalidArgumentThatNamesIt) {
  const Status s = check_criteria({"CC6.1", "A1.1", "CC6.1"}, true);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("'CC6.1'"));
  EXPECT_THAT(s.message(), HasSubstr("once"));
}

TEST(CheckCriteria, FirstProblemInListOrderIsReported) {
  EXPECT_EQ(check_criteria({"CC6.1", "CC6.1", "XX"}, true).code(), Code::kInvalidArgument);
  EXPECT_EQ(check_criteria({"XX", "CC6.1", "CC6.1"}, true).code(), Code::kRuleViolation);
}

TEST(CheckCriteria, HostileIdIsNotEchoedInFull) {
  const std::string huge(10'000, 'Z');
  const Status s = check_criteria({huge}, true);
  EXPECT_EQ(s.code(), Code::kRuleViolation);
  EXPECT_THAT(s.message(), HasSubstr(std::string(40, 'Z')));
  EXPECT_THAT(s.message(), Not(HasSubstr(std::string(41, 'Z'))));
  EXPECT_LT(s.message().size(), 300u);

  const Status control = check_criteria({std::string("CC6.1\n\0x", 8)}, true);
  EXPECT_EQ(control.code(), Code::kRuleViolation);
  EXPECT_EQ(control.message().find('\n'), std::string::npos);
  EXPECT_EQ(control.message().find('\0'), std::string::npos);
  EXPECT_TRUE(is_valid_utf8(check_criteria({"\xC0\xAF"}, true).message()));
}

}  // namespace
}  // namespace gaplog
