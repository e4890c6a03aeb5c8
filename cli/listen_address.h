// HOST:PORT of serve's listeners (--listen, --metrics-listen).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "domain/status.h"

namespace gaplog {

// "127.0.0.1:8080", "[::1]:8080", "localhost:0" as (host, port); kInvalidArgument naming `flag`
// otherwise.
Result<std::pair<std::string, uint16_t>> parse_listen(std::string_view flag,
                                                      const std::string& listen);

}  // namespace gaplog
