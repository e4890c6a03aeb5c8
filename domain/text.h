// Comparing words people type, for "did you mean" hints.
#pragma once

#include <cstddef>
#include <string_view>

namespace gaplog {

// The Levenshtein distance between `a` and `b`: the fewest single-byte insertions, deletions
// and substitutions that turn one into the other. Bytes, not characters: a non-ASCII letter
// counts as its UTF-8 length. O(|a|·|b|) time, O(|b|) memory: callers bound long inputs.
size_t edit_distance(std::string_view a, std::string_view b);

// Equal when ASCII letters are compared without case (header and cookie names, schemes).
bool equals_ignoring_ascii_case(std::string_view a, std::string_view b);

}  // namespace gaplog
