// Base64 with the standard alphabet and padding (RFC 4648 §4), as Standard Webhooks secrets and
// signatures and RFC 2047 encoded words write it. (auth/jwt.h has the base64url of JWTs.)
#pragma once

#include <string>
#include <string_view>

#include "domain/status.h"

namespace gaplog {

std::string base64_encode(std::string_view bytes);

// Strict: a length that is a multiple of 4, only A-Z a-z 0-9 + /, and '=' only as the one or two
// last characters. No whitespace. kInvalidArgument otherwise.
Result<std::string> base64_decode(std::string_view text);

}  // namespace gaplog
