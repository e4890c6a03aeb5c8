#include "store/subscribers.h"

#include <utility>
#include <vector>

namespace gaplog {

class Subscribers::Handle final : public EventLog::Subscription {
 public:
  Handle(Subscribers& subscribers, uint64_t token) : subscribers_(subscribers), token_(token) {}
  ~Handle() override { subscribers_.unsubscribe(token_); }

 private:
  Subscribers& subscribers_;
  uint64_t token_;
};

std::unique_ptr<EventLog::Subscription> Subscribers::subscribe(
    std::function<void(uint64_t)> on_commit) {
  MutexLock lock(mu_);
  const uint64_t token = ++next_token_;
  subscribers_.emplace(token, std::make_shared<const OnCommit>(std::move(on_commit)));
  return std::make_unique<Handle>(*this, token);
}

void Subscribers::unsubscribe(uint64_t token) {
  MutexLock lock(mu_);
  subscribers_.erase(token);
  while (calling_ == token && calling_thread_ != std::this_thread::get_id()) call_ended_.wait(mu_);
}

bool Subscribers::start_call(uint64_t token) {
  MutexLock lock(mu_);
  if (!subscribers_.count(token)) return false;  // ended by an earlier callback
  calling_ = token;
  calling_thread_ = std::this_thread::get_id();
  return true;
}

void Subscribers::end_call() {
  MutexLock lock(mu_);
  calling_ = 0;
  call_ended_.notify_all();
}

void Subscribers::notify(uint64_t last_seq) {
  std::vector<std::pair<uint64_t, std::shared_ptr<const OnCommit>>> current;
  {
    MutexLock lock(mu_);
    if (subscribers_.empty()) return;
    current.assign(subscribers_.begin(), subscribers_.end());
  }
  for (const auto& [token, on_commit] : current) {
    if (!start_call(token)) continue;
    try {
      (*on_commit)(last_seq);
    } catch (...) {
      end_call();
      throw;
    }
    end_call();
  }
}

}  // namespace gaplog
