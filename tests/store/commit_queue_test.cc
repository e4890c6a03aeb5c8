// CommitQueue on its own, with a commit function that records the groups it is given: the
// group-commit contract the event log builds on (queue order, group size, who leads, who is
// answered where).
#include "store/commit_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store_test_support.h"

namespace gaplog {
namespace {

using testing::comment;
using testing::one;

// A request told apart by the stream of its single event.
AppendRequest named(const std::string& name) { return one(comment(name, "x")); }

// Answers every member with one event whose stream is the member's, and records the groups.
class RecordingCommit {
 public:
  CommitQueue::CommitGroup function() {
    return [this](const std::vector<CommitQueue::Writer*>& group) {
      std::vector<std::string> names;
      for (CommitQueue::Writer* w : group) {
        names.push_back(w->request.events.at(0).stream);
        Event e;
        e.stream = names.back();
        AppendResult r;
        r.events.push_back(std::move(e));
        w->result = std::move(r);
      }
      std::lock_guard lock(mu_);
      groups_.push_back(std::move(names));
    };
  }
  std::vector<std::vector<std::string>> groups() const {
    std::lock_guard lock(mu_);
    return groups_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::vector<std::string>> groups_;
};

std::string stream_of(const Result<AppendResult>& r) {
  return r.is_ok() && r.value().events.size() == 1 ? r.value().events[0].stream : "(no answer)";
}

TEST(CommitQueue, BatchesQueuedBeforeAnyoneWaitsCommitAsOneGroupInQueueOrder) {
  RecordingCommit commit;
  CommitQueue queue(10, commit.function());
  auto a = queue.queue(named("a"), Status::ok());
  auto b = queue.queue(named("b"), Status::ok());
  auto c = queue.queue(named("c"), Status::ok());
  EXPECT_EQ(stream_of(b->wait()), "b");  // b leads the whole queue, not only itself
  EXPECT_EQ(stream_of(c->wait()), "c");
  EXPECT_EQ(stream_of(a->wait()), "a");
  EXPECT_EQ(commit.groups(), (std::vector<std::vector<std::string>>{{"a", "b", "c"}}));
}

TEST(CommitQueue, AGroupStopsBeforeTheBatchThatWouldPassTheEventLimit) {
  RecordingCommit commit;
  CommitQueue queue(2, commit.function());
  auto a = queue.queue(named("a"), Status::ok());
  auto b = queue.queue(named("b"), Status::ok());
  auto c = queue.queue(named("c"), Status::ok());
  EXPECT_EQ(stream_of(a->wait()), "a");
  EXPECT_EQ(stream_of(c->wait()), "c");
  EXPECT_EQ(stream_of(b->wait()), "b");
  EXPECT_EQ(commit.groups(), (std::vector<std::vector<std::string>>{{"a", "b"}, {"c"}}));
}

TEST(CommitQueue, ABatchRefusedBeforeQueueingIsAnsweredWithoutACommit) {
  RecordingCommit commit;
  CommitQueue queue(10, commit.function());
  auto refused = queue.queue(named("a"), invalid_argument("bad shape"));
  const auto r = refused->wait();
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "bad shape");

  std::promise<std::pair<Status, std::thread::id>> answered;
  queue.queue_async(
      named("b"),
      [&](Result<AppendResult> r) {
        answered.set_value({r.status(), std::this_thread::get_id()});
      },
      invalid_argument("bad shape too"));
  auto [status, thread] = answered.get_future().get();
  EXPECT_EQ(status.message(), "bad shape too");
  EXPECT_NE(thread, std::this_thread::get_id());  // on the commit thread, even refused
  queue.wait_for_async();
  EXPECT_TRUE(commit.groups().empty());
}

TEST(CommitQueue, AsyncBatchesAreCommittedAndAnsweredOnTheCommitThreadInOrder) {
  RecordingCommit commit;
  CommitQueue queue(10, commit.function());
  std::mutex mu;
  std::vector<std::string> answers;
  std::vector<std::thread::id> threads;
  for (const char* name : {"a", "b", "c", "d"}) {
    queue.queue_async(
        named(name),
        [&](Result<AppendResult> r) {
          std::lock_guard lock(mu);
          answers.push_back(stream_of(r));
          threads.push_back(std::this_thread::get_id());
        },
        Status::ok());
  }
  queue.wait_for_async();
  std::lock_guard lock(mu);
  EXPECT_EQ(answers, (std::vector<std::string>{"a", "b", "c", "d"}));
  for (std::thread::id t : threads) EXPECT_NE(t, std::this_thread::get_id());
}

TEST(CommitQueue, AWaitingAppenderLeadsWhileTheCommitThreadIsHeldByACallback) {
  RecordingCommit commit;
  CommitQueue queue(10, commit.function());
  std::promise<void> entered, release;
  queue.queue_async(
      named("held"),
      [&](Result<AppendResult>) {
        entered.set_value();
        release.get_future().wait();
      },
      Status::ok());
  entered.get_future().wait();
  EXPECT_EQ(stream_of(queue.queue(named("a"), Status::ok())->wait()), "a");
  release.set_value();
  queue.wait_for_async();
}

TEST(CommitQueue, DestroyingTheQueueCommitsAndAnswersWhatIsQueued) {
  RecordingCommit commit;
  auto answered = std::make_shared<std::atomic<int>>(0);
  {
    CommitQueue queue(10, commit.function());
    for (int i = 0; i < 20; ++i) {
      queue.queue_async(
          named("s" + std::to_string(i)),
          [answered](Result<AppendResult> r) {
            if (r.is_ok()) ++*answered;
          },
          Status::ok());
    }
  }
  EXPECT_EQ(*answered, 20);
  size_t committed = 0;
  for (const auto& group : commit.groups()) committed += group.size();
  EXPECT_EQ(committed, 20u);
}

}  // namespace
}  // namespace gaplog
