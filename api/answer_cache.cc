#include "api/answer_cache.h"

#include <cstdlib>
#include <string_view>

namespace gaplog {

AnswerCache::AnswerCache()
    : enabled_([] {
        const char* v = std::getenv("GAPLOG_ANSWER_CACHE");
        return !(v && std::string_view(v) == "0");
      }()) {}

std::optional<std::string> AnswerCache::find(
    const std::string& key, ProgramHistory& history, Date d, std::optional<Micros> known_at,
    const std::function<Result<uint64_t>(uint64_t)>& tree_size) {
  if (!enabled_) return std::nullopt;
  Entry entry;
  {
    MutexLock lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    entry = it->second;
  }
  const std::optional<uint64_t> now = history.still_holds(entry.seq, d, known_at);
  if (!now) return std::nullopt;
  if (!entry.spliced) return std::move(entry.head);
  Result<uint64_t> size = tree_size(*now);
  if (!size.is_ok()) return std::nullopt;
  return entry.head + std::to_string(*size) + entry.tail;
}

void AnswerCache::keep(const std::string& key, uint64_t seq, std::string body,
                       std::optional<size_t> splice_at) {
  if (!enabled_ || body.size() > kMaxBytes / 4) return;
  Entry entry{seq, std::move(body), {}, splice_at.has_value()};
  if (splice_at) {
    size_t end = *splice_at;
    while (end < entry.head.size() && entry.head[end] >= '0' && entry.head[end] <= '9') ++end;
    entry.tail = entry.head.substr(end);
    entry.head.resize(*splice_at);
  }
  MutexLock lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    bytes_ -= it->second.head.size() + it->second.tail.size();
    it->second = std::move(entry);
    bytes_ += it->second.head.size() + it->second.tail.size();
  } else {
    bytes_ += entry.head.size() + entry.tail.size();
    entries_.emplace(key, std::move(entry));
    order_.push_back(key);
  }
  while (bytes_ > kMaxBytes && !order_.empty()) {
    auto it = entries_.find(order_.front());
    bytes_ -= it->second.head.size() + it->second.tail.size();
    entries_.erase(it);
    order_.pop_front();
  }
}

}  // namespace gaplog
