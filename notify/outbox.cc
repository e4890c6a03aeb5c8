// The outbox in its own RocksDB database. Keys: "d/<delivery key>" → the delivery, encoded as
// below. Not JSON (as the session store is): the message is opaque bytes, which JSON strings
// cannot carry unchanged.
//
// Value format, version 1 (all integers little-endian):
//   u8 version = 1
//   7 × (u32 length, bytes): kind, subject, recipient, day, message_id, message, last_error
//   6 × i64: enqueued_at, first_attempt_at, next_attempt_at, sent_at, finished_at,
//            last_attempt_at
//   u32 attempts, u8 state (0 pending, 1 delivered, 2 failed)
// A value that is shorter, longer, of another version, with an unknown state, or whose fields do
// not give back its key, is damaged.
#include "notify/outbox.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>
#include <tuple>

#include "store/sha256.h"

namespace gaplog {

namespace {

constexpr std::string_view kDeliveryPrefix = "d/";
constexpr uint8_t kFormatVersion = 1;

std::string db_key(std::string_view key) { return std::string(kDeliveryPrefix) + std::string(key); }

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_i64(std::string& out, Micros v) {
  const auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}
void put_string(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// Reads the fields of a value in order; any read past the end makes it fail for good.
class FieldReader {
 public:
  explicit FieldReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return in_.empty(); }
  uint64_t uint(size_t bytes) {
    if (!ok_ || in_.size() < bytes) return fail();
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(bytes);
    return v;
  }
  Micros i64() { return static_cast<Micros>(uint(8)); }
  std::string string() {
    const uint64_t n = uint(4);
    if (!ok_ || in_.size() < n) {
      fail();
      return {};
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }

 private:
  uint64_t fail() {
    ok_ = false;
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
};

std::string encode(const Delivery& d) {
  std::string out;
  out.reserve(64 + d.message.size() + d.last_error.size());
  out.push_back(static_cast<char>(kFormatVersion));
  for (const std::string* s :
       {&d.kind, &d.subject, &d.recipient, &d.day, &d.message_id, &d.message, &d.last_error})
    put_string(out, *s);
  for (Micros t : {d.enqueued_at, d.first_attempt_at, d.next_attempt_at, d.sent_at, d.finished_at,
                   d.last_attempt_at})
    put_i64(out, t);
  put_u32(out, d.attempts);
  out.push_back(static_cast<char>(d.state));
  return out;
}

std::optional<Delivery> decode(std::string_view key, std::string_view value) {
  FieldReader in(value);
  if (in.uint(1) != kFormatVersion) return std::nullopt;
  Delivery d;
  d.key = std::string(key);
  for (std::string* s :
       {&d.kind, &d.subject, &d.recipient, &d.day, &d.message_id, &d.message, &d.last_error})
    *s = in.string();
  for (Micros* t : {&d.enqueued_at, &d.first_attempt_at, &d.next_attempt_at, &d.sent_at,
                    &d.finished_at, &d.last_attempt_at})
    *t = in.i64();
  d.attempts = static_cast<uint32_t>(in.uint(4));
  const uint64_t state = in.uint(1);
  if (!in.ok() || !in.at_end() || state > static_cast<uint64_t>(DeliveryState::kFailed))
    return std::nullopt;
  d.state = static_cast<DeliveryState>(state);
  if (make_delivery_key(d.kind, d.subject, d.recipient, d.day) != d.key) return std::nullopt;
  return d;
}

Status from_rocksdb(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::ok();
  return io_error(fmt::format("the outbox database could not {}: {}", what, s.ToString()));
}

// The directory of the database, private to the server's user (messages name people).
Status make_private_dir(const std::string& dir) {
  const std::filesystem::path path(dir);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec)
    return io_error(fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return io_error(fmt::format("cannot create {}: {}", dir, std::strerror(errno)));
  return Status::ok();
}

void append_escaped(std::string& out, std::string_view part) {
  for (char c : part) {
    if (c == '%') {
      out += "%25";
    } else if (c == '|') {
      out += "%7C";
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

std::string_view name(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string make_delivery_key(std::string_view kind, std::string_view subject,
                              std::string_view recipient, std::string_view day) {
  std::string key;
  key.reserve(kind.size() + subject.size() + recipient.size() + day.size() + 3);
  append_escaped(key, kind);
  key.push_back('|');
  append_escaped(key, subject);
  key.push_back('|');
  append_escaped(key, recipient);
  key.push_back('|');
  append_escaped(key, day);
  return key;
}

std::string make_message_id(std::string_view key) {
  return hash_hex(sha256_of({"gaplog notification", key})).substr(0, 32);
}

Micros last_activity(const Delivery& d) {
  return std::max({d.enqueued_at, d.last_attempt_at, d.finished_at});
}

Outbox::Outbox(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

Outbox::~Outbox() = default;

Result<std::unique_ptr<Outbox>> Outbox::open(const std::string& dir) {
  GAPLOG_RETURN_IF_ERROR(make_private_dir(dir));
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_log_file_size = 1 << 20;
  options.keep_log_file_num = 2;
  rocksdb::DB* raw = nullptr;
  GAPLOG_RETURN_IF_ERROR(from_rocksdb(rocksdb::DB::Open(options, dir, &raw), "be opened"));
  std::unique_ptr<Outbox> outbox(new Outbox(std::unique_ptr<rocksdb::DB>(raw)));
  MutexLock lock(outbox->mu_);
  GAPLOG_RETURN_IF_ERROR(outbox->load());
  return outbox;
}

Status Outbox::load() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(kDeliveryPrefix));
       it->Valid() &&
       it->key().starts_with(rocksdb::Slice(kDeliveryPrefix.data(), kDeliveryPrefix.size()));
       it->Next()) {
    const std::string_view key(it->key().data() + kDeliveryPrefix.size(),
                               it->key().size() - kDeliveryPrefix.size());
    std::optional<Delivery> d =
        decode(key, std::string_view(it->value().data(), it->value().size()));
    if (!d) {
      damaged_.emplace_back(key);
      continue;
    }
    deliveries_.emplace(d->key, std::move(*d));
  }
  return from_rocksdb(it->status(), "be read");
}

Status Outbox::write(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return from_rocksdb(db_->Write(wo, &batch), "be written");
}

Result<bool> Outbox::enqueue(Delivery d) {
  std::vector<Delivery> one;
  one.push_back(std::move(d));
  GAPLOG_ASSIGN_OR_RETURN(size_t added, enqueue_all(std::move(one)));
  return added == 1;
}

namespace {
// Checks a delivery to be queued and fills in what it may leave out.
Status prepare(Delivery& d) {
  if (d.kind.empty() || d.recipient.empty() || d.day.empty())
    return invalid_argument("a delivery needs a kind, a recipient and a day");
  const std::string key = make_delivery_key(d.kind, d.subject, d.recipient, d.day);
  if (d.key.empty()) d.key = key;
  if (d.key != key)
    return invalid_argument(fmt::format("the delivery key {} should be {}", d.key, key));
  if (d.message_id.empty()) d.message_id = make_message_id(d.key);
  d.state = DeliveryState::kPending;
  d.next_attempt_at = d.enqueued_at;
  return Status::ok();
}
}  // namespace

Result<size_t> Outbox::enqueue_all(std::vector<Delivery> ds) {
  for (Delivery& d : ds) GAPLOG_RETURN_IF_ERROR(prepare(d));
  MutexLock writing(write_mu_);
  std::vector<Delivery*> fresh;
  {
    MutexLock lock(mu_);
    std::set<std::string> seen;
    for (Delivery& d : ds) {
      if (deliveries_.count(d.key) == 0 && seen.insert(d.key).second) fresh.push_back(&d);
    }
  }
  if (fresh.empty()) return size_t{0};
  rocksdb::WriteBatch batch;
  for (const Delivery* d : fresh) {
    GAPLOG_RETURN_IF_ERROR(from_rocksdb(batch.Put(db_key(d->key), encode(*d)), "be written"));
  }
  GAPLOG_RETURN_IF_ERROR(write(batch));  // one synced write for all of them
  MutexLock lock(mu_);
  for (Delivery* d : fresh) deliveries_.emplace(d->key, std::move(*d));
  return fresh.size();
}

Status Outbox::update(const Delivery& d) {
  rocksdb::WriteBatch batch;
  GAPLOG_RETURN_IF_ERROR(from_rocksdb(batch.Put(db_key(d.key), encode(d)), "be written"));
  MutexLock writing(write_mu_);
  {
    MutexLock lock(mu_);
    auto it = deliveries_.find(d.key);
    if (it == deliveries_.end())
      return not_found(fmt::format("no delivery {} in the outbox", d.key));
    if (it->second.message_id != d.message_id || it->second.kind != d.kind ||
        it->second.subject != d.subject || it->second.recipient != d.recipient ||
        it->second.day != d.day) {
      return invalid_argument(
          fmt::format("the delivery {} cannot change its firing or message id", d.key));
    }
  }
  GAPLOG_RETURN_IF_ERROR(write(batch));
  MutexLock lock(mu_);
  deliveries_[d.key] = d;
  return Status::ok();
}

std::vector<Delivery> Outbox::due(Micros now, size_t max) const {
  std::vector<const Delivery*> found;
  MutexLock lock(mu_);
  for (const auto& [key, d] : deliveries_) {
    if (d.state == DeliveryState::kPending && d.next_attempt_at <= now) found.push_back(&d);
  }
  std::sort(found.begin(), found.end(), [](const Delivery* a, const Delivery* b) {
    return std::tie(a->next_attempt_at, a->key) < std::tie(b->next_attempt_at, b->key);
  });
  if (found.size() > max) found.resize(max);
  std::vector<Delivery> out;
  out.reserve(found.size());
  for (const Delivery* d : found) out.push_back(*d);
  return out;
}

std::optional<Delivery> Outbox::find(const std::string& key) const {
  MutexLock lock(mu_);
  auto it = deliveries_.find(key);
  if (it == deliveries_.end()) return std::nullopt;
  return it->second;
}

std::vector<Delivery> Outbox::recent(size_t limit, std::string_view recipient,
                                     std::optional<DeliveryState> state) const {
  std::vector<std::pair<Micros, const Delivery*>> found;
  MutexLock lock(mu_);
  for (const auto& [key, d] : deliveries_) {
    if (!d.recipient.starts_with(recipient) || (state && d.state != *state)) continue;
    found.emplace_back(last_activity(d), &d);
  }
  // Newest first; among equals, by key (the map's order), so the log reads the same each time.
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  if (found.size() > limit) found.resize(limit);
  std::vector<Delivery> out;
  out.reserve(found.size());
  for (const auto& [at, d] : found) out.push_back(*d);
  return out;
}

std::optional<Delivery> Outbox::last_for(std::string_view recipient) const {
  MutexLock lock(mu_);
  const Delivery* last = nullptr;
  for (const auto& [key, d] : deliveries_) {
    if (d.recipient != recipient || d.last_attempt_at == 0) continue;
    if (last == nullptr || d.last_attempt_at > last->last_attempt_at) last = &d;
  }
  if (last == nullptr) return std::nullopt;
  return *last;
}

std::optional<Micros> Outbox::next_wake() const {
  MutexLock lock(mu_);
  std::optional<Micros> earliest;
  for (const auto& [key, d] : deliveries_) {
    if (d.state != DeliveryState::kPending) continue;
    if (!earliest || d.next_attempt_at < *earliest) earliest = d.next_attempt_at;
  }
  return earliest;
}

Status Outbox::prune(Micros before) {
  MutexLock writing(write_mu_);
  std::vector<std::string> gone;
  {
    MutexLock lock(mu_);
    for (const auto& [key, d] : deliveries_) {
      if (d.state != DeliveryState::kPending && d.finished_at < before) gone.push_back(key);
    }
  }
  if (gone.empty()) return Status::ok();
  rocksdb::WriteBatch batch;
  for (const std::string& key : gone)
    GAPLOG_RETURN_IF_ERROR(from_rocksdb(batch.Delete(db_key(key)), "be written"));
  GAPLOG_RETURN_IF_ERROR(write(batch));
  MutexLock lock(mu_);
  for (const std::string& key : gone) deliveries_.erase(key);
  return Status::ok();
}

size_t Outbox::size() const {
  MutexLock lock(mu_);
  return deliveries_.size();
}

}  // namespace gaplog
