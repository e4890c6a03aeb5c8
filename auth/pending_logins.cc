#include "auth/pending_logins.h"

namespace gaplog {

void PendingLogins::drop_expired_locked(Micros now) {
  while (!by_age_.empty() &&
         (by_age_.begin()->first + ttl_ <= now || by_state_.size() >= capacity_)) {
    by_state_.erase(by_age_.begin()->second);
    by_age_.erase(by_age_.begin());
  }
}

void PendingLogins::add(const std::string& state, PendingLogin login) {
  const Micros now = clock_.now();
  login.started_at = now;
  MutexLock lock(mu_);
  drop_expired_locked(now);
  if (by_state_.contains(state)) return;  // 256 random bits: never happens
  by_age_.emplace(now, state);
  by_state_.emplace(state, std::move(login));
}

std::optional<PendingLogin> PendingLogins::take(const std::string& state) {
  const Micros now = clock_.now();
  MutexLock lock(mu_);
  auto it = by_state_.find(state);
  if (it == by_state_.end()) return std::nullopt;
  PendingLogin login = std::move(it->second);
  by_state_.erase(it);
  for (auto [b, e] = by_age_.equal_range(login.started_at); b != e; ++b) {
    if (b->second == state) {
      by_age_.erase(b);
      break;
    }
  }
  if (login.started_at + ttl_ <= now) return std::nullopt;
  return login;
}

size_t PendingLogins::size() {
  MutexLock lock(mu_);
  return by_state_.size();
}

}  // namespace gaplog
