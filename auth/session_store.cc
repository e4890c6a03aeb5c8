// Sessions in their own RocksDB database. Keys: "s/<sha256 of the cookie, hex>" → a JSON object
// {email, csrf_token, subject, created_at, last_seen_at} (microseconds); "t/<token id>" → the
// decimal microseconds of its last use. JSON, because these records are few and small, and
// someone debugging a sign-in can read them with `ldb`.
#include "auth/session_store.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <rocksdb/db.h>

#include <charconv>
#include <stdexcept>

#include "codec/json.h"
#include "domain/hex.h"
#include "store/sha256.h"

namespace gaplog {

namespace {

constexpr std::string_view kSessionPrefix = "s/";
constexpr std::string_view kTokenPrefix = "t/";
// "last seen" and "last used" are persisted when they moved at least this much.
constexpr Micros kPersistEvery = 60 * kMicrosPerSecond;

std::string session_key(std::string_view cookie_value) {
  const Hash h = sha256(cookie_value);
  return std::string(kSessionPrefix) +
         to_hex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string encode(const Session& s) {
  return json::write(json::Value::object()
                         .set("email", json::Value::string(s.email))
                         .set("csrf_token", json::Value::string(s.csrf_token))
                         .set("subject", json::Value::string(s.subject))
                         .set("created_at", json::Value::integer(s.created_at))
                         .set("last_seen_at", json::Value::integer(s.last_seen_at)));
}

std::optional<Session> decode(std::string_view text) {
  Result<json::Value> v = json::parse(text);
  if (!v || !v->is_object()) return std::nullopt;
  const json::Value* email = v->find("email");
  const json::Value* csrf = v->find("csrf_token");
  const json::Value* subject = v->find("subject");
  const json::Value* created = v->find("created_at");
  const json::Value* seen = v->find("last_seen_at");
  if (!email || !email->is_string() || !csrf || !csrf->is_string() || !subject ||
      !subject->is_string() || !created || !created->is_integer() || !seen || !seen->is_integer()) {
    return std::nullopt;
  }
  return Session{email->as_string(), csrf->as_string(), subject->as_string(), created->as_integer(),
                 seen->as_integer()};
}

Status from_rocksdb(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::ok();
  return io_error(fmt::format("the session database could not {}: {}", what, s.ToString()));
}

}  // namespace

std::string random_secret_hex() {
  std::string bytes(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) !=
      1) {
    throw std::runtime_error("OpenSSL could not produce random bytes");
  }
  return to_hex(bytes);
}

std::optional<std::string_view> cookie_in(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    return pair.substr(eq + 1);
  }
  return std::nullopt;
}

SessionStore::SessionStore(std::unique_ptr<rocksdb::DB> db, Clock& clock, SessionPolicy policy)
    : clock_(clock), policy_(policy), db_(std::move(db)) {}

SessionStore::~SessionStore() = default;

Result<std::unique_ptr<SessionStore>> SessionStore::open(const std::string& dir, Clock& clock,
                                                         SessionPolicy policy) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_log_file_size = 1 << 20;
  options.keep_log_file_num = 2;
  rocksdb::DB* raw = nullptr;
  GAPLOG_RETURN_IF_ERROR(from_rocksdb(rocksdb::DB::Open(options, dir, &raw), "be opened"));
  std::unique_ptr<SessionStore> store(
      new SessionStore(std::unique_ptr<rocksdb::DB>(raw), clock, policy));
  MutexLock lock(store->mu_);
  GAPLOG_RETURN_IF_ERROR(store->load());
  return store;
}

Status SessionStore::load() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const Micros now = clock_.now();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    const std::string_view value(it->value().data(), it->value().size());
    if (key.starts_with(kSessionPrefix)) {
      std::optional<Session> s = decode(value);
      // A record this version cannot read, or an expired session, is dropped (signed out).
      if (!s || expired(*s, now)) {
        GAPLOG_RETURN_IF_ERROR(erase(key));
        continue;
      }
      sessions_[key] = Entry{*s, s->last_seen_at};
    } else if (key.starts_with(kTokenPrefix)) {
      Micros last = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), last).ec == std::errc()) {
        token_uses_[key.substr(kTokenPrefix.size())] = TokenUse{last, last};
      }
    }
  }
  return from_rocksdb(it->status(), "be read");
}

bool SessionStore::expired(const Session& s, Micros now) const {
  return now >= s.last_seen_at + policy_.idle || now >= s.created_at + policy_.max;
}

Micros SessionStore::expires_at(const Session& s) const {
  return std::min(s.last_seen_at + policy_.idle, s.created_at + policy_.max);
}

Status SessionStore::put(const std::string& key, const std::string& value, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return from_rocksdb(db_->Put(wo, key, value), "be written");
}

Status SessionStore::erase(const std::string& key) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return from_rocksdb(db_->Delete(wo, key), "be written");
}

Result<std::string> SessionStore::create(const std::string& email, const std::string& subject) {
  std::string cookie = random_secret_hex();
  const Micros now = clock_.now();
  Session s{email, random_secret_hex(), subject, now, now};
  const std::string key = session_key(cookie);
  MutexLock lock(mu_);
  GAPLOG_RETURN_IF_ERROR(put(key, encode(s), /*sync=*/true));
  sessions_[key] = Entry{std::move(s), now};
  return cookie;
}

std::optional<Session> SessionStore::find(std::string_view cookie_value) {
  if (cookie_value.empty() || cookie_value.size() > 128) return std::nullopt;
  const std::string key = session_key(cookie_value);
  const Micros now = clock_.now();
  MutexLock lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  Entry& e = it->second;
  if (expired(e.session, now)) {
    sessions_.erase(it);
    // Best effort: an expired record left behind is dropped by the next load() anyway.
    (void)erase(key).is_ok();
    return std::nullopt;
  }
  e.session.last_seen_at = std::max(e.session.last_seen_at, now);
  if (e.session.last_seen_at - e.persisted_last_seen >= kPersistEvery &&
      put(key, encode(e.session), /*sync=*/false).is_ok()) {
    e.persisted_last_seen = e.session.last_seen_at;
  }
  return e.session;
}

Status SessionStore::remove(std::string_view cookie_value) {
  const std::string key = session_key(cookie_value);
  MutexLock lock(mu_);
  if (sessions_.erase(key) == 0) return Status::ok();
  return erase(key);
}

size_t SessionStore::remove_user(const std::string& email) {
  MutexLock lock(mu_);
  size_t n = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.session.email != email) {
      ++it;
      continue;
    }
    (void)erase(it->first).is_ok();  // a record left behind fails find() once its user is gone
    it = sessions_.erase(it);
    ++n;
  }
  return n;
}

void SessionStore::token_used(const std::string& token_id) {
  const Micros now = clock_.now();
  MutexLock lock(mu_);
  TokenUse& use = token_uses_[token_id];
  use.last = std::max(use.last, now);
  if (use.last - use.persisted >= kPersistEvery &&
      put(std::string(kTokenPrefix) + token_id, std::to_string(use.last), /*sync=*/false).is_ok()) {
    use.persisted = use.last;
  }
}

std::optional<Micros> SessionStore::token_last_used(const std::string& token_id) {
  MutexLock lock(mu_);
  auto it = token_uses_.find(token_id);
  if (it == token_uses_.end()) return std::nullopt;
  return it->second.last;
}

}  // namespace gaplog
