// One data directory holds one program:
//
//   <dir>/events/                  the event log (RocksDB)
//   <dir>/evidence/                evidence blobs by SHA-256
//   <dir>/keys/tree-head.key       Ed25519 private key (PKCS#8 PEM, mode 0600)
//   <dir>/keys/tree-head.pub       its public key (PEM)
#pragma once

#include <memory>
#include <string>

#include "domain/status.h"
#include "store/blob_store.h"
#include "store/clock.h"
#include "store/event_log.h"
#include "store/file_system.h"
#include "store/tree_head.h"

namespace gaplog {

constexpr uint64_t kDefaultMaxEvidenceBytes = 100ull * 1024 * 1024;

struct DataDirPaths {
  std::string root;
  std::string events() const { return root + "/events"; }
  std::string evidence() const { return root + "/evidence"; }
  std::string keys() const { return root + "/keys"; }
  std::string private_key() const { return keys() + "/tree-head.key"; }
  std::string public_key() const { return keys() + "/tree-head.pub"; }
};

struct Store {
  std::unique_ptr<EventLog> log;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<TreeHeadSigner> signer;
};

// Creates the directory layout, an empty log and a new signing key. Fails with
// kAlreadyExists if `dir` already holds a program.
Status init_data_dir(FileSystem& fs, Clock& clock, const std::string& dir);

// Opens an initialised data directory. `fs` and `clock` must outlive the Store; `observers`
// watch the log (event_log.h).
Result<Store> open_data_dir(FileSystem& fs, Clock& clock, const std::string& dir,
                            uint64_t max_evidence_bytes = kDefaultMaxEvidenceBytes,
                            LogObservers observers = {});

}  // namespace gaplog
