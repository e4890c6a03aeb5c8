// Sessions in their own RocksDB database. Keys: "s/<sha256 of the cookie, hex>" → a JSON object
// {email, csrf_token, subject, created_at, last_seen_at} (microseconds); "t/<token id>" → the
// decimal microseconds of its last use. JSON, because these records are few and small, and
// someone debugging a sign-in can read them with `ldb`.
#include "auth/session_store.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
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

std::string random_bytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) !=
      1) {
    throw std::runtime_error("OpenSSL could not produce random bytes");
  }
  return bytes;
}

std::string random_secret_hex() { return to_hex(random_bytes(32)); }

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
        GAPLOG_RETURN_IF_ERROR(erase({key}, /*sync=*/false));
        continue;
      }
      sessions_[key] = Entry{*s, s->last_seen_at};
    } else if (key.starts_with(kTokenPrefix)) {
      Micros last = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), last).ec == std::errc()) {
        MutexLock uses(uses_mu_);
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

Status SessionStore::write(rocksdb::WriteBatch& batch, bool sync, bool wait) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  if (wait) {
    MutexLock lock(write_mu_);
    return from_rocksdb(db_->Write(wo, &batch), "be written");
  }
  if (!write_mu_.try_lock()) return unavailable("another write is under way");
  MutexLock lock(write_mu_, std::adopt_lock);
  return from_rocksdb(db_->Write(wo, &batch), "be written");
}

Status SessionStore::put(const std::string& key, const std::string& value, bool sync, bool wait) {
  rocksdb::WriteBatch batch;
  GAPLOG_RETURN_IF_ERROR(from_rocksdb(batch.Put(key, value), "be written"));
  return write(batch, sync, wait);
}

Status SessionStore::erase(const std::vector<std::string>& keys, bool sync) {
  if (keys.empty()) return Status::ok();
  rocksdb::WriteBatch batch;
  for (const std::string& key : keys) {
    GAPLOG_RETURN_IF_ERROR(from_rocksdb(batch.Delete(key), "be written"));
  }
  return write(batch, sync);
}

std::vector<std::string> SessionStore::sweep_locked(Micros now, const std::string& email) {
  std::vector<std::string> gone;
  std::vector<std::pair<Micros, std::string>> of_user;  // created_at, key
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (expired(it->second.session, now)) {
      gone.push_back(it->first);
      it = sessions_.erase(it);
      continue;
    }
    if (it->second.session.email == email)
      of_user.emplace_back(it->second.session.created_at, it->first);
    ++it;
  }
  if (of_user.size() >= kMaxSessionsPerUser) {
    std::sort(of_user.begin(), of_user.end());
    for (size_t i = 0; i + kMaxSessionsPerUser <= of_user.size(); ++i) {
      sessions_.erase(of_user[i].second);
      gone.push_back(of_user[i].second);
    }
  }
  return gone;
}

Result<std::string> SessionStore::create(const std::string& email, const std::string& subject) {
  std::string cookie = random_secret_hex();
  const Micros now = clock_.now();
  Session s{email, random_secret_hex(), subject, now, now};
  const std::string key = session_key(cookie);
  std::vector<std::string> gone;
  {
    MutexLock lock(mu_);
    gone = sweep_locked(now, email);
  }
  // Out of the map first, off the disk next: a record left behind by a failed delete is dropped
  // by the next load() (expired) or never presented again (ended).
  rocksdb::WriteBatch batch;
  for (const std::string& k : gone)
    GAPLOG_RETURN_IF_ERROR(from_rocksdb(batch.Delete(k), "be written"));
  GAPLOG_RETURN_IF_ERROR(from_rocksdb(batch.Put(key, encode(s)), "be written"));
  GAPLOG_RETURN_IF_ERROR(write(batch, /*sync=*/true));
  MutexLock lock(mu_);
  sessions_[key] = Entry{std::move(s), now};
  return cookie;
}

std::optional<Session> SessionStore::find(std::string_view cookie_value) {
  if (cookie_value.empty() || cookie_value.size() > 128) return std::nullopt;
  const std::string key = session_key(cookie_value);
  const Micros now = clock_.now();
  {
    MutexLock lock(mu_);
    auto it = sessions_.find(key);
    if (it == sessions_.end()) return std::nullopt;
    Entry& e = it->second;
    if (!expired(e.session, now)) {
      e.session.last_seen_at = std::max(e.session.last_seen_at, now);
      // Under mu_ (see the header): never after the session left the map.
      if (e.session.last_seen_at - e.persisted_last_seen >= kPersistEvery &&
          put(key, encode(e.session), /*sync=*/false, /*wait=*/false).is_ok()) {
        e.persisted_last_seen = e.session.last_seen_at;
      }
      return e.session;
    }
    sessions_.erase(it);
  }
  // Best effort: an expired record left behind is dropped by the next load() anyway.
  if (Status s = erase({key}, /*sync=*/false); !s.is_ok()) return std::nullopt;
  return std::nullopt;
}

Status SessionStore::remove(std::string_view cookie_value) {
  const std::string key = session_key(cookie_value);
  {
    MutexLock lock(mu_);
    if (sessions_.erase(key) == 0) return Status::ok();
  }
  return erase({key}, /*sync=*/true);
}

size_t SessionStore::remove_user(const std::string& email) {
  std::vector<std::string> gone;
  {
    MutexLock lock(mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second.session.email != email) {
        ++it;
        continue;
      }
      gone.push_back(it->first);
      it = sessions_.erase(it);
    }
  }
  // A record left behind by a failed delete is refused at once when presented: its user is not
  // active (the reason this is called), and the next load() drops it when it expires.
  if (Status s = erase(gone, /*sync=*/true); !s.is_ok()) return gone.size();
  return gone.size();
}

void SessionStore::token_used(const std::string& token_id) {
  if (token_id.empty()) return;
  const Micros now = clock_.now();
  Micros to_write = 0;
  Micros persisted_before = 0;
  {
    MutexLock lock(uses_mu_);
    TokenUse& use = token_uses_[token_id];
    use.last = std::max(use.last, now);
    if (use.last - use.persisted < kPersistEvery) return;
    persisted_before = use.persisted;
    use.persisted = use.last;  // claimed: other threads do not write it too
    to_write = use.last;
  }
  // Without sync, outside uses_mu_, and never waiting for another write (the quick paths call
  // this): "last used" may be a minute behind after a crash.
  if (put(std::string(kTokenPrefix) + token_id, std::to_string(to_write), /*sync=*/false,
          /*wait=*/false)
          .is_ok()) {
    return;
  }
  MutexLock lock(uses_mu_);  // not written: the next use tries again
  TokenUse& use = token_uses_[token_id];
  if (use.persisted == to_write) use.persisted = persisted_before;
}

std::optional<Micros> SessionStore::token_last_used(const std::string& token_id) {
  MutexLock lock(uses_mu_);
  auto it = token_uses_.find(token_id);
  if (it == token_uses_.end()) return std::nullopt;
  return it->second.last;
}

}  // namespace gaplog
