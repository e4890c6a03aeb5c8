#include "export/audit_bundle.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <set>

#include "codec/json.h"
#include "codec/tar.h"
#include "domain/event_codec.h"
#include "domain/hex.h"
#include "domain/readiness.h"
#include "domain/state.h"
#include "export/bundle_files.h"  // generated: kEventsCapnpSchema, kVerifyGuide
#include "store/merkle.h"
#include "store/sha256.h"
#include "views/json_views.h"

namespace gaplog {
namespace {

using json::Value;

constexpr uint64_t kEventBatch = 512;           // events read per refill while streaming
constexpr uint64_t kBlobPiece = 1 << 20;        // evidence bytes read per refill
constexpr uint64_t kMaxSmallMember = 64 << 20;  // limit for members read whole when checking

// Cap'n Proto stream framing of a single-segment message: the segment count minus one (0) and
// the segment's size in words, both little-endian 32-bit, then the segment.
std::string framed(std::string_view message) {
  std::string out(8, '\0');
  const uint64_t words = message.size() / 8;
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>((words >> (8 * i)) & 0xff);
  out.append(message);
  return out;
}

// One line of events.jsonl: the API's event object with the leaf hash of the stored bytes.
std::string event_line(const Event& e, std::string_view stored) {
  return json::write(event_json(e, merkle_leaf_hash(stored))) + "\n";
}

std::vector<const EvidenceState*> evidence_in_order(const ProgramState& state) {
  std::vector<const EvidenceState*> items;
  for (const auto& [id, e] : state.evidence) items.push_back(&e);
  std::sort(items.begin(), items.end(), [](const EvidenceState* a, const EvidenceState* b) {
    return natural_less(a->id, b->id);
  });
  return items;
}

// The three members derived from the state: the same function writes them and checks them.
std::string manifest_text(const ProgramState& state, Date as_of, uint64_t tree_size) {
  Value items = Value::array();
  for (const EvidenceState* e : evidence_in_order(state))
    items.push(evidence_json(state, *e, as_of, /*with_validity=*/false));
  return json::write(Value::object()
                         .set("as_of", Value::string(format_date(as_of)))
                         .set("tree_size", Value::integer(static_cast<int64_t>(tree_size)))
                         .set("evidence", std::move(items))) +
         "\n";
}

std::string readiness_text(const ProgramState& state, Date as_of, uint64_t tree_size) {
  return json::write(readiness_json(readiness_at(state, as_of), std::nullopt, tree_size)) + "\n";
}

std::string evidence_member(const std::string& sha256) { return "evidence/" + sha256; }

// The two folds of a bundle's events: `all` of them, for the evidence the bundle ships, and
// those that occurred by the end of the bundle date, in seq order, for readiness.json (SPEC §5
// "as of D"; the same selection as the API's ?as_of=D).
struct BundleStates {
  explicit BundleStates(Date date) : end(end_of_day(date)) {}
  void fold(const Event& e) {
    evolve(all, e);
    if (e.occurred_at < end) evolve(as_of, e);
  }
  Micros end;
  ProgramState all;
  ProgramState as_of;
};

struct Member {
  enum class Kind { kText, kEventsBin, kEventsJsonl, kBlob };
  std::string name;
  Kind kind = Kind::kText;
  uint64_t size = 0;
  std::string text;  // kText: the content; kBlob: the SHA-256 of the file
};

class BundleBody final : public BodySource {
 public:
  BundleBody(const EventLog& log, BlobStore& blobs, std::vector<Member> members, uint64_t tree_size,
             int64_t mtime)
      : log_(log),
        blobs_(blobs),
        members_(std::move(members)),
        tree_size_(tree_size),
        mtime_(mtime) {}

  Result<std::string> next(size_t max) override {
    while (pending_.size() - pos_ < max && !done_) {
      pending_.erase(0, pos_);
      pos_ = 0;
      GAPLOG_RETURN_IF_ERROR(refill());
    }
    const size_t n = std::min(max, pending_.size() - pos_);
    std::string out = pending_.substr(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  // Appends the next piece of the archive to pending_.
  Status refill() {
    if (index_ == members_.size()) {
      pending_ += tar_end();
      done_ = true;
      return Status::ok();
    }
    const Member& m = members_[index_];
    if (!started_) {
      GAPLOG_ASSIGN_OR_RETURN(std::string header, tar_header(m.name, m.size, mtime_));
      pending_ += header;
      started_ = true;
      produced_ = 0;
      next_seq_ = 1;
      blob_.reset();
      return Status::ok();
    }
    if (produced_ < m.size) {
      GAPLOG_ASSIGN_OR_RETURN(std::string piece, content(m));
      if (piece.empty() || piece.size() > m.size - produced_) {
        return internal_error(fmt::format("{} changed while the bundle was being written", m.name));
      }
      produced_ += piece.size();
      pending_ += piece;
      return Status::ok();
    }
    if (m.kind == Member::Kind::kBlob) {
      // Reading past the end checks the file's hash.
      GAPLOG_RETURN_IF_ERROR(open_blob(m));
      GAPLOG_ASSIGN_OR_RETURN(std::string rest, blob_->read(1));
      if (!rest.empty()) return internal_error(fmt::format("{} is larger than recorded", m.name));
    }
    pending_.append(tar_padding(m.size), '\0');
    ++index_;
    started_ = false;
    return Status::ok();
  }

  Status open_blob(const Member& m) {
    if (blob_) return Status::ok();
    GAPLOG_ASSIGN_OR_RETURN(blob_, blobs_.open_blob(m.text));
    return Status::ok();
  }

  Result<std::string> content(const Member& m) {
    switch (m.kind) {
      case Member::Kind::kText:
        return m.text;
      case Member::Kind::kBlob:
        GAPLOG_RETURN_IF_ERROR(open_blob(m));
        return blob_->read(kBlobPiece);
      case Member::Kind::kEventsBin:
      case Member::Kind::kEventsJsonl: {
        std::string out;
        const uint64_t last = std::min(tree_size_, next_seq_ + kEventBatch - 1);
        GAPLOG_RETURN_IF_ERROR(
            log_.scan(next_seq_, last, [&](uint64_t, std::string_view bytes) -> Status {
              if (m.kind == Member::Kind::kEventsBin) {
                out += framed(bytes);
              } else {
                GAPLOG_ASSIGN_OR_RETURN(Event e, decode_stored_event(bytes));
                out += event_line(e, bytes);
              }
              return Status::ok();
            }));
        next_seq_ = last + 1;
        return out;
      }
    }
    return internal_error("unknown bundle member kind");
  }

  const EventLog& log_;
  BlobStore& blobs_;
  const std::vector<Member> members_;
  const uint64_t tree_size_;
  const int64_t mtime_;

  size_t index_ = 0;       // the member being written
  bool started_ = false;   // its header is out
  uint64_t produced_ = 0;  // content bytes of it written so far
  uint64_t next_seq_ = 1;  // for the event members
  std::unique_ptr<BlobStore::Reader> blob_;
  std::string pending_;  // bytes produced and not yet handed out, from pos_
  size_t pos_ = 0;
  bool done_ = false;
};

}  // namespace

Result<PreparedBundle> prepare_audit_bundle(EventLog& log, BlobStore& blobs,
                                            const TreeHeadSigner& signer, Clock& clock,
                                            std::optional<Date> as_of) {
  const Date today = date_of(clock.now());
  const Date date = as_of.value_or(today);
  if (date > today) {
    return invalid_argument(
        fmt::format("as_of {} is after today ({}): a bundle shows the past; leave as_of out "
                    "for today's bundle",
                    format_date(date), format_date(today)));
  }
  // Every event up to the current head, whatever the date: the date only chooses the day of
  // readiness.json. (Cutting the log at what was recorded by D left a back-filled program
  // with an empty bundle that still verified.)
  const uint64_t tree_size = log.last_seq();
  GAPLOG_ASSIGN_OR_RETURN(StoredTreeHead head, tree_head_for_size(log, signer, clock, tree_size));

  // One pass over the events: the sizes of the event members, the state of all of them (for
  // the evidence) and the state as of the bundle date (for readiness).
  BundleStates states(date);
  uint64_t bin_size = 0, jsonl_size = 0;
  GAPLOG_RETURN_IF_ERROR(log.scan(1, tree_size, [&](uint64_t, std::string_view bytes) -> Status {
    GAPLOG_ASSIGN_OR_RETURN(Event e, decode_stored_event(bytes));
    bin_size += 8 + bytes.size();
    jsonl_size += event_line(e, bytes).size();
    states.fold(e);
    return Status::ok();
  }));
  const ProgramState& state = states.all;

  std::vector<Member> members;
  auto text = [&](std::string name, std::string content) {
    const uint64_t size = content.size();
    members.push_back(Member{std::move(name), Member::Kind::kText, size, std::move(content)});
  };
  text("VERIFY.md", std::string(kVerifyGuide));
  text("events.capnp", std::string(kEventsCapnpSchema));
  text("public-key.pem", signer.public_key_pem());
  text("tree-head.json", json::write(tree_head_json(head, signer.public_key_pem())) + "\n");
  text("readiness.json", readiness_text(states.as_of, date, tree_size));
  text("evidence/manifest.json", manifest_text(state, date, tree_size));
  members.push_back(Member{"events.bin", Member::Kind::kEventsBin, bin_size, {}});
  members.push_back(Member{"events.jsonl", Member::Kind::kEventsJsonl, jsonl_size, {}});
  std::map<std::string, uint64_t> files;  // by SHA-256: the same bytes are shipped once
  for (const auto& [id, e] : state.evidence) files.emplace(e.sha256, e.size);
  for (const auto& [sha, size] : files) {
    // Check every file now, so that a missing one is an error response, not a cut-off archive.
    GAPLOG_ASSIGN_OR_RETURN(auto reader, blobs.open_blob(sha));
    if (reader->size() != size) {
      return corruption(
          fmt::format("evidence file {} has {} bytes in the blob store but {} were recorded", sha,
                      reader->size(), size));
    }
    members.push_back(Member{evidence_member(sha), Member::Kind::kBlob, size, sha});
  }

  PreparedBundle bundle;
  bundle.as_of = date;
  bundle.size = tar_end().size();
  for (const Member& m : members) bundle.size += tar_member_bytes(m.size);
  bundle.file_name = fmt::format("gaplog-audit-bundle-{}-{}.tar", format_date(date), tree_size);
  const int64_t mtime = head.timestamp / kMicrosPerSecond;
  bundle.head = std::move(head);
  bundle.body = std::make_unique<BundleBody>(log, blobs, std::move(members), tree_size, mtime);
  return bundle;
}

// ---- checking a bundle ----------------------------------------------------------------------

namespace {

// The first place where two JSON values differ, as "path: found X, expected Y".
std::optional<std::string> first_difference(const Value& expected, const Value& found,
                                            const std::string& path) {
  auto shown = [](const Value& v) {
    std::string s = json::write(v);
    return s.size() > 80 ? s.substr(0, 77) + "..." : s;
  };
  const std::string here = path.empty() ? "the document" : path;
  if (expected.kind() != found.kind()) {
    return fmt::format("{} is {} but the events give {}", here, shown(found), shown(expected));
  }
  if (expected.is_object()) {
    for (const auto& [key, value] : expected.members()) {
      const Value* other = found.find(key);
      const std::string sub = path.empty() ? key : fmt::format("{}.{}", path, key);
      if (!other) return fmt::format("{} is missing (the events give {})", sub, shown(value));
      if (auto d = first_difference(value, *other, sub)) return d;
    }
    for (const auto& [key, value] : found.members()) {
      if (!expected.find(key))
        return fmt::format("{} is not expected",
                           path.empty() ? key : fmt::format("{}.{}", path, key));
    }
    return std::nullopt;
  }
  if (expected.is_array()) {
    const auto& a = expected.items();
    const auto& b = found.items();
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      const Value* id = a[i].is_object() ? a[i].find("id") : nullptr;
      const std::string sub = id && id->is_string() ? fmt::format("{}[{}]", here, id->as_string())
                                                    : fmt::format("{}[{}]", here, i);
      if (auto d = first_difference(a[i], b[i], sub)) return d;
    }
    if (a.size() != b.size()) {
      return fmt::format("{} has {} entries but the events give {}", here, b.size(), a.size());
    }
    return std::nullopt;
  }
  if (!(expected == found))
    return fmt::format("{} is {} but the events give {}", here, shown(found), shown(expected));
  return std::nullopt;
}

// Reads members of an archive by name.
class ArchiveReader {
 public:
  explicit ArchiveReader(const std::string& path) : in_(path, std::ios::binary) {}
  bool is_open() const { return in_.is_open(); }
  std::ifstream& stream() { return in_; }

  Status index() {
    GAPLOG_ASSIGN_OR_RETURN(auto members, tar_index(in_));
    for (TarMember& m : members) members_.emplace(m.name, std::move(m));
    return Status::ok();
  }
  const std::map<std::string, TarMember>& members() const { return members_; }
  const TarMember* find(const std::string& name) const {
    auto it = members_.find(name);
    return it == members_.end() ? nullptr : &it->second;
  }
  Result<std::string> read_whole(const TarMember& m) {
    if (m.size > kMaxSmallMember)
      return too_large(fmt::format("{} is over {} bytes", m.name, kMaxSmallMember));
    std::string content(m.size, '\0');
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(m.offset));
    if (!in_.read(content.data(), static_cast<std::streamsize>(m.size)))
      return io_error("cannot read " + m.name);
    return content;
  }

 private:
  std::ifstream in_;
  std::map<std::string, TarMember> members_;
};

// Sequential reads of one member, from its own file handle.
class MemberStream {
 public:
  MemberStream(const std::string& path, const TarMember& m)
      : in_(path, std::ios::binary), left_(m.size) {
    in_.seekg(static_cast<std::streamoff>(m.offset));
  }
  uint64_t left() const { return left_; }
  // Exactly n bytes, or nullopt when the member has fewer left or the read fails.
  std::optional<std::string> read(uint64_t n) {
    if (n > left_) return std::nullopt;
    std::string out(n, '\0');
    if (!in_.read(out.data(), static_cast<std::streamsize>(n))) return std::nullopt;
    left_ -= n;
    return out;
  }
  // The next line without its "\n"; nullopt at the end of the member.
  std::optional<std::string> line() {
    if (left_ == 0) return std::nullopt;
    std::string out;
    std::getline(in_, out);
    const uint64_t consumed = out.size() + (in_.eof() ? 0 : 1);
    if (consumed > left_) {  // an unterminated last line: what follows belongs to the next member
      out.resize(left_);
      left_ = 0;
    } else {
      left_ -= consumed;
    }
    return out;
  }

 private:
  std::ifstream in_;
  uint64_t left_;
};

struct HeadFields {
  StoredTreeHead head;
  std::string public_key;
};

Result<HeadFields> parse_tree_head_json(std::string_view text) {
  GAPLOG_ASSIGN_OR_RETURN(Value v, json::parse(text));
  auto field = [&](const char* name) -> const Value* {
    return v.is_object() ? v.find(name) : nullptr;
  };
  const Value* size = field("tree_size");
  const Value* root = field("root_hash");
  const Value* timestamp = field("timestamp");
  const Value* signature = field("signature");
  const Value* key = field("public_key");
  if (!size || !size->is_integer() || size->as_integer() < 0)
    return invalid_argument("tree_size is not a count");
  if (!root || !root->is_string() || !parse_hash_hex(root->as_string()))
    return invalid_argument("root_hash is not 64 hex digits");
  if (!timestamp || !timestamp->is_string() || !parse_timestamp(timestamp->as_string())) {
    return invalid_argument("timestamp is not an RFC 3339 instant");
  }
  HeadFields out;
  out.head.tree_size = static_cast<uint64_t>(size->as_integer());
  out.head.root = *parse_hash_hex(root->as_string());
  out.head.timestamp = *parse_timestamp(timestamp->as_string());
  if (signature && signature->is_string()) {
    if (auto raw = from_hex(signature->as_string())) out.head.signature = *raw;
  }
  if (key && key->is_string()) out.public_key = key->as_string();
  return out;
}

// One event of events.bin: the event and the canonical bytes it was decoded from.
struct BundleEvent {
  Event event;
  std::string bytes;
};

// The checks of one bundle, in the order their problems are reported. Each step reports what
// it finds wrong and keeps what later steps need (the members' content, the signed head, the
// bundle date, whether every event decoded).
class BundleChecker {
 public:
  BundleChecker(const std::string& path, const BundleCheckOptions& options, ArchiveReader& archive)
      : path_(path), options_(options), archive_(archive) {}

  BundleCheck run() {
    check_members();
    check_public_key();
    check_tree_head();
    check_earlier_tree_head();
    read_bundle_date();
    // The events: decode each, rebuild the tree, fold the states, and compare events.jsonl.
    BundleStates states(as_of_.value_or(Date{}));
    check_events(states);
    check_readiness(states.as_of);
    check_manifest(states.all);
    check_evidence_files(states.all);
    return std::move(check_);
  }

 private:
  void problem(std::string text) { check_.problems.push_back(std::move(text)); }

  // Which members there must be, and nothing else; reads the small ones.
  void check_members() {
    static const std::array<std::string_view, 8> kRequired = {
        "VERIFY.md",      "events.capnp",           "public-key.pem", "tree-head.json",
        "readiness.json", "evidence/manifest.json", "events.bin",     "events.jsonl"};
    for (const auto& [name, m] : archive_.members()) {
      const bool known = std::find(kRequired.begin(), kRequired.end(), name) != kRequired.end();
      const std::string_view sha = std::string_view(name).substr(std::min<size_t>(name.size(), 9));
      if (name.starts_with("evidence/") && parse_hash_hex(sha) &&
          hash_hex(*parse_hash_hex(sha)) == sha) {
        evidence_files_.insert(std::string(sha));
      } else if (!known) {
        problem(fmt::format("{}: not a member of a gaplog audit bundle", name));
      }
    }
    for (std::string_view name : kRequired) {
      const TarMember* m = archive_.find(std::string(name));
      if (!m) {
        problem(fmt::format("{}: missing from the bundle", name));
        continue;
      }
      if (name == "events.bin" || name == "events.jsonl") continue;
      auto content = archive_.read_whole(*m);
      if (!content) {
        problem(fmt::format("{}: {}", name, content.status().message()));
        continue;
      }
      small_.emplace(std::string(name), std::move(*content));
    }
  }

  // The key: its fingerprint, and whether it is the key the auditor was given.
  void check_public_key() {
    if (!small_.count("public-key.pem")) return;
    key_pem_ = small_["public-key.pem"];
    auto fingerprint = public_key_fingerprint(key_pem_);
    if (!fingerprint) {
      problem("public-key.pem: " + fingerprint.status().message());
      key_pem_.clear();
      return;
    }
    check_.key_sha256 = *fingerprint;
    if (options_.expected_public_key_pem) {
      auto expected = public_key_fingerprint(*options_.expected_public_key_pem);
      if (!expected || *expected != *fingerprint) {
        problem(
            fmt::format("public-key.pem: the bundle is signed with key {}, not the key you gave",
                        *fingerprint));
      }
    }
  }

  // The signed head: its fields, its key and its signature.
  void check_tree_head() {
    if (!small_.count("tree-head.json")) return;
    auto parsed = parse_tree_head_json(small_["tree-head.json"]);
    if (!parsed) {
      problem("tree-head.json: " + parsed.status().message());
      return;
    }
    head_ = parsed->head;
    check_.tree_size = head_->tree_size;
    check_.root_hash = hash_hex(head_->root);
    check_.timestamp = format_timestamp(head_->timestamp);
    if (!key_pem_.empty()) {
      if (parsed->public_key != key_pem_)
        problem("tree-head.json: its public_key is not the one in public-key.pem");
      if (!verify_tree_head_signature(key_pem_, *head_)) {
        problem(
            "tree-head.json: the signature does not verify with public-key.pem: the tree head was "
            "changed "
            "after it was signed");
      }
    }
  }

  // The tree head the auditor kept from earlier, which the bundle must extend.
  void check_earlier_tree_head() {
    if (!options_.earlier_tree_head_json) return;
    auto parsed = parse_tree_head_json(*options_.earlier_tree_head_json);
    if (!parsed) {
      problem("the earlier tree head you gave: " + parsed.status().message());
      return;
    }
    earlier_ = parsed->head;
    if (!key_pem_.empty() && !verify_tree_head_signature(key_pem_, *earlier_)) {
      problem("the earlier tree head you gave is not signed by this bundle's key");
    }
  }

  // The bundle date, which readiness.json carries: readiness is recomputed as of it.
  void read_bundle_date() {
    if (!small_.count("readiness.json")) return;
    auto found = json::parse(small_["readiness.json"]);
    const Value* date = found && found->is_object() ? found->find("as_of") : nullptr;
    if (date && date->is_string()) {
      if (auto d = parse_date(date->as_string())) as_of_ = *d;
    }
    if (as_of_) {
      check_.as_of = format_date(*as_of_);
    } else {
      problem("readiness.json: has no valid as_of date");
    }
    if (found) readiness_found_ = std::move(*found);
  }

  // Decodes every event of events.bin in seq order, checks it against events.jsonl, the tree
  // heads and the order of recording, and folds it into `states`.
  void check_events(BundleStates& states) {
    const TarMember* bin = archive_.find("events.bin");
    const TarMember* jsonl = archive_.find("events.jsonl");
    if (!bin || !jsonl) return;
    MemberStream events(path_, *bin), lines(path_, *jsonl);
    MerkleFrontier tree;
    std::optional<Hash> earlier_root;
    if (earlier_ && earlier_->tree_size == 0) earlier_root = merkle_empty_root();
    bool jsonl_reported = false;
    Micros last_recorded = 0;
    events_ok_ = true;
    while (events.left() > 0) {
      const uint64_t seq = count_ + 1;
      std::optional<BundleEvent> read = read_event(events, seq);
      if (!read) {
        events_ok_ = false;
        break;
      }
      const Event& e = read->event;
      const Hash leaf = merkle_leaf_hash(read->bytes);
      if (!jsonl_reported) jsonl_reported = report_jsonl_mismatch(lines, *read, leaf);
      tree.append(leaf);
      if (earlier_ && tree.size() == earlier_->tree_size) earlier_root = tree.root();
      if (e.recorded_at < last_recorded) {
        problem(
            fmt::format("events.bin: event seq {} was recorded before the event before it", seq));
      }
      last_recorded = e.recorded_at;
      states.fold(e);
      ++count_;
    }
    check_.events_checked = count_;
    if (events_ok_ && !jsonl_reported && lines.line())
      problem("events.jsonl: has more lines than events.bin has events");
    if (events_ok_) check_roots(tree, earlier_root);
  }

  // The next message of events.bin, which must be event `seq`; nullopt (reported) when it is not.
  std::optional<BundleEvent> read_event(MemberStream& events, uint64_t seq) {
    auto frame = events.read(8);
    if (!frame || frame->substr(0, 4) != std::string(4, '\0')) {
      problem(fmt::format(
          "events.bin: the message for seq {} is not a single-segment Cap'n Proto message", seq));
      return std::nullopt;
    }
    uint64_t words = 0;
    for (int i = 3; i >= 0; --i) words = (words << 8) | static_cast<unsigned char>((*frame)[4 + i]);
    auto bytes = events.read(words * 8);
    if (!bytes) {
      problem(fmt::format("events.bin: the message for seq {} is cut short", seq));
      return std::nullopt;
    }
    auto e = decode_event(*bytes);
    if (!e) {
      problem(
          fmt::format("events.bin: event seq {} does not decode: {}", seq, e.status().message()));
      return std::nullopt;
    }
    if (e->seq != seq) {
      problem(
          fmt::format("events.bin: message {} says it is seq {}: events were removed or reordered",
                      seq, e->seq));
      return std::nullopt;
    }
    return BundleEvent{std::move(*e), std::move(*bytes)};
  }

  // Compares the next line of events.jsonl with the event; true when a mismatch was reported.
  bool report_jsonl_mismatch(MemberStream& lines, const BundleEvent& read, const Hash& leaf) {
    const uint64_t seq = read.event.seq;
    auto line = lines.line();
    const std::string expected = event_line(read.event, read.bytes);
    if (!line) {
      problem(fmt::format("events.jsonl: ends before event seq {}", seq));
      return true;
    }
    if (*line + "\n" == expected) return false;
    auto listed = json::parse(*line);
    const Value* listed_leaf = listed && listed->is_object() ? listed->find("leaf_hash") : nullptr;
    if (listed_leaf && listed_leaf->is_string() && listed_leaf->as_string() != hash_hex(leaf)) {
      problem(fmt::format(
          "event seq {}: its bytes in events.bin hash to leaf {} but events.jsonl lists {}: "
          "one of them was changed",
          seq, hash_hex(leaf), listed_leaf->as_string()));
    } else {
      problem(
          fmt::format("events.jsonl: line {} does not match event seq {} in events.bin", seq, seq));
    }
    return true;
  }

  // The events against the signed tree head, and against the earlier head the auditor kept.
  void check_roots(const MerkleFrontier& tree, const std::optional<Hash>& earlier_root) {
    if (head_) {
      if (count_ != head_->tree_size) {
        problem(fmt::format("events.bin: holds {} events but the signed tree head covers {}",
                            count_, head_->tree_size));
      } else if (tree.root() != head_->root) {
        problem(fmt::format(
            "events.bin: the Merkle root of its events is {} but the signed root is {}: an event "
            "was changed, removed or added",
            hash_hex(tree.root()), hash_hex(head_->root)));
      }
    }
    if (earlier_) {
      if (earlier_->tree_size > count_) {
        problem(fmt::format(
            "the earlier tree head covers {} events but this bundle holds only {}: the log shrank",
            earlier_->tree_size, count_));
      } else if (!earlier_root || *earlier_root != earlier_->root) {
        problem(fmt::format(
            "the first {} events of this bundle do not have the earlier tree head's root: the log "
            "was rewritten since that head",
            earlier_->tree_size));
      }
    }
  }

  // Readiness, recomputed from the events that occurred by the end of the bundle date. The
  // bundle may hold events recorded (or occurring) after that date: it is the whole log.
  void check_readiness(const ProgramState& state_as_of) {
    if (!as_of_ || !readiness_found_ || !events_ok_) return;
    const std::string expected = readiness_text(state_as_of, *as_of_, count_);
    if (expected != small_["readiness.json"]) {
      auto want = json::parse(expected);
      auto diff = want ? first_difference(*want, *readiness_found_, "") : std::nullopt;
      problem("readiness.json: does not equal the readiness recomputed from the events: " +
              diff.value_or("the bytes differ"));
    }
  }

  // Evidence: the manifest against the events.
  void check_manifest(const ProgramState& state) {
    if (!events_ok_ || !as_of_ || !small_.count("evidence/manifest.json")) return;
    const std::string expected = manifest_text(state, *as_of_, count_);
    const std::string& found_text = small_["evidence/manifest.json"];
    if (expected != found_text) {
      auto want = json::parse(expected);
      auto found = json::parse(found_text);
      std::optional<std::string> diff;
      if (!found)
        diff = found.status().message();
      else if (want)
        diff = first_difference(*want, *found, "");
      problem("evidence/manifest.json: does not match the evidence recorded by the events: " +
              diff.value_or("the bytes differ"));
    }
  }

  // Evidence: every file the events record against its hash and size, and no file they do not.
  void check_evidence_files(const ProgramState& state) {
    if (!events_ok_) return;
    std::map<std::string, std::vector<std::string>> ids_by_sha;
    for (const EvidenceState* e : evidence_in_order(state)) ids_by_sha[e->sha256].push_back(e->id);
    for (const auto& [sha, ids] : ids_by_sha) {
      const std::string who = fmt::format("{} ({})", evidence_member(sha), fmt::join(ids, ", "));
      const TarMember* m = archive_.find(evidence_member(sha));
      if (!m) {
        problem(who + ": missing from the bundle");
        continue;
      }
      const std::string actual = content_hash(*m);
      if (actual != sha) {
        problem(fmt::format("{}: its content hashes to {}: the file was changed", who,
                            actual.empty() ? "nothing readable" : actual));
      } else if (m->size != state.evidence.at(ids.front()).size) {
        problem(fmt::format("{}: has {} bytes but {} were recorded", who, m->size,
                            state.evidence.at(ids.front()).size));
      }
      ++check_.evidence_files;
    }
    for (const std::string& sha : evidence_files_) {
      if (!ids_by_sha.count(sha))
        problem(evidence_member(sha) + ": no event records this evidence file");
    }
  }

  // The SHA-256 of a member's content, hex; "" when it cannot be read whole.
  std::string content_hash(const TarMember& m) const {
    MemberStream file(path_, m);
    Sha256 hasher;
    while (file.left() > 0) {
      auto piece = file.read(std::min<uint64_t>(file.left(), kBlobPiece));
      if (!piece) return "";
      hasher.update(*piece);
    }
    return hash_hex(hasher.finish());
  }

  const std::string& path_;
  const BundleCheckOptions& options_;
  ArchiveReader& archive_;
  BundleCheck check_;
  std::set<std::string> evidence_files_;      // the sha256 of each evidence/ member
  std::map<std::string, std::string> small_;  // the required members but events.*, by name
  std::string key_pem_;                       // "" when missing or unusable
  std::optional<StoredTreeHead> head_;
  std::optional<StoredTreeHead> earlier_;
  std::optional<Date> as_of_;
  std::optional<Value> readiness_found_;
  uint64_t count_ = 0;  // events decoded
  bool events_ok_ = false;
};

}  // namespace

Result<BundleCheck> check_audit_bundle(const std::string& path, const BundleCheckOptions& options) {
  ArchiveReader archive(path);
  if (!archive.is_open()) return io_error(fmt::format("cannot open {}", path));
  GAPLOG_RETURN_IF_ERROR(archive.index());
  return BundleChecker(path, options, archive).run();
}

}  // namespace gaplog
