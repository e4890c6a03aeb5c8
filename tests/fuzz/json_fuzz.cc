// libFuzzer target: the JSON body parser. Any input either parses or is refused with a status;
// what parses writes back to text that parses to an equal value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "codec/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gaplog;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = json::parse(text);
  if (!v.is_ok()) {
    if (v.status().message().empty()) std::abort();  // every refusal says why
    return 0;
  }
  const std::string written = json::write(*v);
  auto again = json::parse(written);
  if (!again.is_ok() || !(*again == *v)) std::abort();
  if (json::write(*again) != written) std::abort();  // writing is deterministic
  return 0;
}
