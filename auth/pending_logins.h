// Sign-ins under way: between GET /auth/login and GET /auth/callback the server keeps, by the
// request's `state`, what it must check the answer against (the nonce and the PKCE verifier)
// and where to send the person afterwards. Each state is taken at most once: a replayed or
// forged callback finds nothing. Kept in memory only: a sign-in interrupted by a restart of the
// server is simply started again.
//
// Bounded: at most `capacity` sign-ins under way (the oldest is dropped first), each for at most
// `ttl`, so a flood of /auth/login requests cannot grow the server's memory.
//
// Thread-safe: mu_ guards the map.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "domain/time.h"
#include "store/clock.h"
#include "store/mutex.h"

namespace gaplog {

struct PendingLogin {
  std::string nonce;
  std::string code_verifier;
  // 256 random bits also set as a cookie on the browser that started the sign-in: the callback
  // must come from that browser (no signing someone else in with your callback URL).
  std::string browser;
  std::string return_to;  // a path on this server, "/" by default
  Micros started_at = 0;
};

class PendingLogins {
 public:
  static constexpr Micros kDefaultTtl = static_cast<Micros>(10) * 60 * kMicrosPerSecond;
  explicit PendingLogins(Clock& clock, size_t capacity = 10000, Micros ttl = kDefaultTtl)
      : clock_(clock), capacity_(capacity), ttl_(ttl) {}

  void add(const std::string& state, PendingLogin login);
  // The sign-in started with `state`, removed so that it cannot be used again; nullopt when it
  // is unknown, already used or older than the ttl.
  std::optional<PendingLogin> take(const std::string& state);
  size_t size();

 private:
  void drop_expired_locked(Micros now) GAPLOG_REQUIRES(mu_);

  Clock& clock_;
  const size_t capacity_;
  const Micros ttl_;
  Mutex mu_;
  std::map<std::string, PendingLogin> by_state_ GAPLOG_GUARDED_BY(mu_);
  // started_at → state, oldest first (for expiry and eviction).
  std::multimap<Micros, std::string> by_age_ GAPLOG_GUARDED_BY(mu_);
};

}  // namespace gaplog
