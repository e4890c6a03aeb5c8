// Server-side sessions of people signed in to the dashboard (SPEC §10), and the last time each
// API token was used. Both are state, not events: they live in their own RocksDB database,
// <data>/sessions/, beside the event log (docs/sign-in.md). A session survives a restart of the
// server; losing the database signs everyone out and forgets "last used", nothing more.
//
// - The cookie value is 256 random bits (hex); the store keeps only its SHA-256, so a copy of
//   the database does not let anyone in.
// - A session ends after `idle` without a request, or `max` after sign-in, whichever is first
//   (by the injected clock), when signed out (remove) and when its user is deactivated (the Api
//   removes it on the first request it refuses).
// - Creation and removal are written with sync (an answered sign-out stays signed out after a
//   crash); the idle clock ("last seen") and tokens' "last used" are written without sync, at
//   most once a minute per session or token: after a crash they may be a minute behind.
//
// - At most kMaxSessionsPerUser sessions per user (signing in again past that ends the oldest);
//   expired sessions are swept from memory and disk at every sign-in, not only when presented.
//
// Thread-safe: every member may be called from many threads at once.
// - mu_ guards the session map. The database is written outside mu_, except for one ordering
//   rule: a session's non-synced "last seen" write happens under mu_ while the session is in
//   the map, and its delete after it left the map, so no late write can bring back a session
//   that was removed. Synced writes (sign-in, sign-out, deactivation) never hold mu_: a sign-in
//   does not stall other people's requests.
// - uses_mu_ guards the tokens' last uses, in memory only; token_used() never waits for disk
//   under it (the once-a-minute write is made after it is released).
// - write_mu_ lets one thread at a time write to the database. RocksDB is thread-safe, but its
//   group commit copies other writers' batches under atomics that ThreadSanitizer cannot see
//   (Debian's RocksDB is not instrumented); one writer at a time keeps the TSan run meaningful
//   and costs nothing at sign-in rates. Only synced writes wait for it; the "last seen" and
//   "last used" writes try it and, when it is busy, leave the write to the next request.
// - Order: mu_ before write_mu_ (a try, in find); uses_mu_ is never held with another.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "domain/time.h"
#include "store/clock.h"
#include "store/mutex.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace gaplog {

struct SessionPolicy {
  Micros idle = static_cast<Micros>(8) * 3600 * kMicrosPerSecond;      // --session-idle
  Micros max = static_cast<Micros>(7) * 24 * 3600 * kMicrosPerSecond;  // --session-max
};

struct Session {
  std::string email;       // the user signed in (normalized)
  std::string csrf_token;  // 256 random bits, hex: writes with the cookie must send it
  std::string subject;     // the identity provider's `sub`
  Micros created_at = 0;
  Micros last_seen_at = 0;
};

class SessionStore {
 public:
  // Opens (creating when missing) the database at `dir`. `clock` is borrowed.
  static Result<std::unique_ptr<SessionStore>> open(const std::string& dir, Clock& clock,
                                                    SessionPolicy policy = {});
  ~SessionStore();
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  // A new session for `email`; returns the cookie value (shown once, never stored).
  Result<std::string> create(const std::string& email, const std::string& subject);
  // The live session of a cookie value, its idle clock restarted; nullopt when there is none or
  // it expired (an expired one is removed).
  std::optional<Session> find(std::string_view cookie_value);
  // Ends the session of a cookie value (no error when there is none).
  Status remove(std::string_view cookie_value);
  // Ends every session of `email` (deactivation); returns how many there were.
  size_t remove_user(const std::string& email);
  // When `s` ends if no request comes: the earlier of idle and absolute expiry.
  Micros expires_at(const Session& s) const;
  const SessionPolicy& policy() const { return policy_; }

  // API tokens: note a use now, and read the last one.
  void token_used(const std::string& token_id);
  std::optional<Micros> token_last_used(const std::string& token_id);

 private:
  struct Entry {
    Session session;
    Micros persisted_last_seen = 0;
  };
  struct TokenUse {
    Micros last = 0;
    Micros persisted = 0;
  };
  SessionStore(std::unique_ptr<rocksdb::DB> db, Clock& clock, SessionPolicy policy);
  Status load() GAPLOG_REQUIRES(mu_) GAPLOG_EXCLUDES(uses_mu_);
  bool expired(const Session& s, Micros now) const;
  // Writes through write_mu_: waits for it, or with `wait` false gives up (kUnavailable) when
  // another write is under way.
  Status write(rocksdb::WriteBatch& batch, bool sync, bool wait = true);
  Status put(const std::string& key, const std::string& value, bool sync, bool wait = true);
  // Deletes `keys` in one write.
  Status erase(const std::vector<std::string>& keys, bool sync);
  // Takes out of the map the sessions that expired by `now`, and the oldest of `email`'s beyond
  // kMaxSessionsPerUser - 1; returns their keys.
  std::vector<std::string> sweep_locked(Micros now, const std::string& email) GAPLOG_REQUIRES(mu_);

  Clock& clock_;
  const SessionPolicy policy_;
  const std::unique_ptr<rocksdb::DB> db_;
  Mutex mu_;
  std::map<std::string, Entry> sessions_ GAPLOG_GUARDED_BY(mu_);  // by SHA-256 of the cookie (hex)
  Mutex uses_mu_;
  std::map<std::string, TokenUse> token_uses_ GAPLOG_GUARDED_BY(uses_mu_);  // by token id
  Mutex write_mu_;  // one writer of db_ at a time (see above); guards no field
};

constexpr size_t kMaxSessionsPerUser = 20;

// The value of the cookie `name` in a Cookie header ("a=1; gaplog_session=..."), if there is one.
std::optional<std::string_view> cookie_in(std::string_view cookie_header, std::string_view name);
constexpr std::string_view kSessionCookie = "gaplog_session";
inline std::optional<std::string_view> session_cookie(std::string_view cookie_header) {
  return cookie_in(cookie_header, kSessionCookie);
}

// `n` random bytes from OpenSSL; throws when it has no randomness (a broken environment).
std::string random_bytes(size_t n);
// 32 random bytes, as 64 lowercase hex characters.
std::string random_secret_hex();

}  // namespace gaplog
