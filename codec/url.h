// Percent-encoded text of URLs (RFC 3986 §2.1), as the API's paths and query strings and the web
// UI's paths carry it. Pure functions: safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gaplog {

// What a '+' means: itself (paths), or a space (query strings, form encoding).
enum class PlusSign { kLiteral, kSpace };

// Decodes every %XX (two hex digits in either case) to its byte. Returns nullopt when a '%' is
// not followed by two hex digits. The result is bytes: the caller checks what it may contain
// (UTF-8, control characters, '/').
std::optional<std::string> percent_decode(std::string_view in, PlusSign plus);

// Encodes every byte but the unreserved characters of RFC 3986 §2.3 (A-Z a-z 0-9 - . _ ~) as %XX
// (uppercase hex), a space too: the result is safe in a path segment, a query string and an
// application/x-www-form-urlencoded body.
std::string percent_encode(std::string_view in);

}  // namespace gaplog
