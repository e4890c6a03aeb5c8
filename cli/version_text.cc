#include "cli/version_text.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <rocksdb/version.h>

#include <boost/version.hpp>

#include "metrics/version.h"

namespace gaplog {

std::string version_text() {
  return fmt::format("gaplog {}\nRocksDB {}\n{}\nBoost {}.{}.{}", gaplog_version(),
                     rocksdb::GetRocksVersionAsString(true), OpenSSL_version(OPENSSL_VERSION),
                     BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
}

}  // namespace gaplog
