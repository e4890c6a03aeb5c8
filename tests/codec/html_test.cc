// Text inside HTML (codec/html.h).
#include "codec/html.h"

#include <gtest/gtest.h>

namespace gaplog {
namespace {

TEST(HtmlEscape, ReplacesEveryCharacterThatEndsTextOrAnAttribute) {
  EXPECT_EQ(html_escape("<a href=\"x\" title='y'>Tom & Jerry</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain text, é and 🧾"), "plain text, é and 🧾");
  EXPECT_EQ(html_escape(""), "");
}

}  // namespace
}  // namespace gaplog
