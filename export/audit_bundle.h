// The audit bundle of SPEC §7: a tar archive with which the CPA firm checks the remediation
// history without trusting the company, and the offline check of such a bundle.
//
// Members, in this order (see docs/auditors.md):
//   VERIFY.md               how to check the bundle with standard tools (tar, python3, openssl,
//   capnp) events.capnp            the Cap'n Proto schema of the events public-key.pem          the
//   program's Ed25519 public key tree-head.json          the signed tree head {tree_size,
//   root_hash, timestamp, signature, public_key} readiness.json          readiness (SPEC §5.1) as
//   of the bundle date, from the bundled events evidence/manifest.json  {"tree_size", "as_of",
//   "evidence":[the API's evidence objects]}: every
//                           evidence item the bundled events record, `current` as of the bundle
//                           date
//   events.bin              every event 1..tree_size as stored, with Cap'n Proto stream framing
//   events.jsonl            the same events as the API's JSON, one per line, with their leaf hashes
//   evidence/<sha256>       every evidence file uploaded by then, once per distinct content
//
// A bundle always holds the whole log up to the current signed tree head (a prefix of the
// append-only log: back-filled events recorded later belong to it too). Its date D (default:
// today) only chooses the day of readiness.json, folded from those events as of D (SPEC §5:
// every event with occurred_at before the end of D, in seq order). The same log and date give
// byte-identical bundles: the tree head issued for a size is stored and reused, every member's
// mtime is that head's timestamp, and nothing else varies.
//
// The archive is streamed: preparing it reads the log once (to size the members and fold the
// state for the manifest and readiness), streaming reads it again; neither holds more than one
// batch of events or one piece of an evidence file in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/body_source.h"
#include "domain/status.h"
#include "domain/time.h"
#include "store/blob_store.h"
#include "store/clock.h"
#include "store/event_log.h"
#include "store/tree_head.h"

namespace gaplog {

struct PreparedBundle {
  Date as_of;
  StoredTreeHead head;
  std::string file_name;             // gaplog-audit-bundle-<as_of>-<tree_size>.tar
  uint64_t size = 0;                 // of the whole archive
  std::unique_ptr<BodySource> body;  // the archive; borrows the log and blob store
};

// Prepares the bundle as of `as_of` (default: today by `clock`). kInvalidArgument when the date
// is after today. May sign and store a tree head for the bundle's size (tree_head_for_size).
Result<PreparedBundle> prepare_audit_bundle(EventLog& log, BlobStore& blobs,
                                            const TreeHeadSigner& signer, Clock& clock,
                                            std::optional<Date> as_of);

struct BundleCheckOptions {
  // A public key (PEM) the auditor received earlier: the bundle's key must be this one.
  std::optional<std::string> expected_public_key_pem;
  // A tree head (tree-head.json) the auditor kept from earlier: the bundle must extend it,
  // i.e. the root of its first tree_size events must be that head's root.
  std::optional<std::string> earlier_tree_head_json;
};

struct BundleCheck {
  std::vector<std::string> problems;  // each names the member and what is wrong; empty = ok
  uint64_t tree_size = 0;
  std::string root_hash;        // hex, as signed
  std::string timestamp;        // of the tree head
  std::string as_of;            // the bundle date (from readiness.json)
  uint64_t events_checked = 0;  // events of events.bin decoded and checked (all, when ok)
  std::string key_sha256;       // SHA-256 of the public key's DER form, hex
  size_t evidence_files = 0;
  bool ok() const { return problems.empty(); }
};

// Checks a bundle file offline: the tree head's signature, every event (canonical encoding, seq
// order, leaf hash, events.jsonl agreeing with events.bin), the Merkle root against the signed
// head, every evidence file against its name, the manifest and the events, and readiness.json
// against the readiness recomputed from the events. Returns an error only when the file cannot
// be read as a tar archive at all; everything else is reported in `problems`.
Result<BundleCheck> check_audit_bundle(const std::string& path,
                                       const BundleCheckOptions& options = {});

}  // namespace gaplog
