// Lowercase hex encoding of byte strings (hashes in JSON are lowercase hex).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gaplog {

std::string to_hex(std::string_view bytes);
// The value of one hex digit, upper- or lowercase (0..15); -1 for any other character.
int hex_digit_value(char c);
// Accepts upper- or lowercase; nullopt on odd length or a non-hex character.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace gaplog
