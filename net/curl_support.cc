#include "net/curl_support.h"

#include <mutex>
#include <stdexcept>

namespace gaplog {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

}  // namespace gaplog
