#include "domain/text.h"

#include <gtest/gtest.h>

#include <string>

namespace gaplog {
namespace {

TEST(EditDistance, EqualWordsAreZeroApart) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("readiness", "readiness"), 0u);
}

TEST(EditDistance, AgainstTheEmptyWordIsTheLength) {
  EXPECT_EQ(edit_distance("", "list"), 4u);
  EXPECT_EQ(edit_distance("list", ""), 4u);
}

TEST(EditDistance, CountsTheTyposPeopleMake) {
  EXPECT_EQ(edit_distance("readines", "readiness"), 1u);  // a letter left out
  EXPECT_EQ(edit_distance("--asof", "--as-of"), 1u);      // a dash left out
  EXPECT_EQ(edit_distance("lst", "list"), 1u);
  EXPECT_EQ(edit_distance("severiti", "severity"), 1u);  // a letter changed
  EXPECT_EQ(edit_distance("--as-off", "--as-of"), 1u);   // a letter added
  EXPECT_EQ(edit_distance("owenr", "owner"), 2u);        // two letters swapped: two edits
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(EditDistance, IsSymmetric) {
  for (const auto& [a, b] :
       {std::pair{"owner", "owners"}, std::pair{"due_date", "due"}, std::pair{"abc", "xyz"}}) {
    EXPECT_EQ(edit_distance(a, b), edit_distance(b, a)) << a << " / " << b;
  }
}

TEST(EditDistance, ComparesBytes) {
  EXPECT_EQ(edit_distance("caf\xc3\xa9", "cafe"), 2u);  // é is two bytes in UTF-8
  EXPECT_EQ(edit_distance(std::string("a\0b", 3), "ab"), 1u);
}

}  // namespace
}  // namespace gaplog
