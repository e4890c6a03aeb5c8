#include "cli/listen_address.h"

#include <fmt/format.h>

namespace gaplog {

Result<std::pair<std::string, uint16_t>> parse_listen(std::string_view flag,
                                                      const std::string& listen) {
  const size_t colon = listen.rfind(':');
  auto bad = [&] {
    return invalid_argument(
        fmt::format("{} takes HOST:PORT, e.g. 127.0.0.1:8080; got '{}'", flag, listen));
  };
  if (colon == std::string::npos || colon == 0) return bad();
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    return bad();
  const unsigned long n = std::stoul(port);
  if (n > 65535) return bad();
  return std::make_pair(host, static_cast<uint16_t>(n));
}

}  // namespace gaplog
