// Large JSON documents shared by the JSON tests and bench/json_bench.cc: just under 1 MiB
// (the API's body limit, SPEC §9) of an array of findings, and of one object with many keys.
#pragma once

#include <string>

namespace gaplog::testing_json {

inline std::string mebibyte_of_findings() {
  std::string body = "{\"findings\":[";
  for (int i = 0; body.size() < (1 << 20) - 200; ++i) {
    if (i > 0) body += ',';
    body += R"({"id":"F-)" + std::to_string(i) +
            R"(","title":"Firewall rules not reviewed \u00e9","severity":"high","criteria":)"
            R"(["CC6.1","CC6.6"],"owner":null,"score":)" +
            std::to_string(i * 0.25) + "}";
  }
  body += "]}";
  return body;
}

inline std::string mebibyte_object() {
  std::string object = "{";
  for (int i = 0; object.size() < (1 << 20) - 100; ++i) {
    if (i > 0) object += ',';
    object += "\"key" + std::to_string(i) + "\":" + std::to_string(i);
  }
  object += "}";
  return object;
}

}  // namespace gaplog::testing_json
