// Percent-encoding of URL parts (RFC 3986 §2).
#include "codec/url.h"

#include <gtest/gtest.h>

#include <string>

namespace gaplog {
namespace {

TEST(PercentEncoding, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b+c&d=e/f?g#h%i:j"), "a%20b%2Bc%26d%3De%2Ff%3Fg%23h%25i%3Aj");
  EXPECT_EQ(percent_encode("caf\xc3\xa9"), "caf%C3%A9");
  EXPECT_EQ(percent_encode(std::string("\0\x7f", 2)), "%00%7F");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(PercentEncoding, DecodingGivesTheBytesBack) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_EQ(percent_decode(percent_encode(all), PlusSign::kSpace), all);
  EXPECT_EQ(percent_decode(percent_encode(all), PlusSign::kLiteral), all);
}

}  // namespace
}  // namespace gaplog
