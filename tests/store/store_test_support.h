// Shared fixtures for store tests: a temporary directory and small event builders.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../support/dates.h"
#include "../support/temp_dir.h"
#include "store/clock.h"
#include "store/event_log.h"
#include "store/file_system.h"

namespace gaplog::testing {

inline NewEvent comment(const std::string& stream, const std::string& text,
                        std::optional<Micros> occurred_at = std::nullopt, Uuid id = {}) {
  return NewEvent{stream, id, occurred_at, "ann@example.com", CommentAdded{stream, text}};
}

inline AppendRequest one(NewEvent e) {
  AppendRequest r;
  r.events.push_back(std::move(e));
  return r;
}

// The seqs of each stream's events in `all` (events in seq order, e.g. a whole log's).
inline std::map<std::string, std::vector<uint64_t>> seqs_by_stream(const std::vector<Event>& all) {
  std::map<std::string, std::vector<uint64_t>> out;
  for (const Event& e : all) out[e.stream].push_back(e.seq);
  return out;
}

// Reading `stream` through the stream index gives exactly `seqs`, as versions 1..n.
inline void expect_stream_reads_as(const EventLog& log, const std::string& stream,
                                   const std::vector<uint64_t>& seqs, const std::string& when) {
  auto read = log.read_stream(stream, 1);
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  ASSERT_EQ(read->size(), seqs.size()) << when << ": " << stream;
  for (size_t i = 0; i < seqs.size(); ++i) {
    ASSERT_EQ((*read)[i].seq, seqs[i]) << when << ": " << stream;
    ASSERT_EQ((*read)[i].version, i + 1) << when << ": " << stream;
  }
}

// An event log in a temporary directory, on a fault-injecting file system and a manual clock.
class LogFixture : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  // `customize` may set the options' test hooks.
  void reopen(const std::function<void(EventLogOptions&)>& customize = nullptr) {
    log_.reset();
    EventLogOptions options{dir_.sub("events"), &faulty_, &clock_, /*create_if_missing=*/true};
    if (customize) customize(options);
    auto log = EventLog::open(options);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    log_ = std::move(log).value();
  }

  void close() { log_.reset(); }

  AppendResult must_append(AppendRequest r) {
    auto res = log_->append(std::move(r));
    EXPECT_TRUE(res.is_ok()) << res.status().to_string();
    return res.is_ok() ? std::move(res).value() : AppendResult{};
  }

  TempDir dir_;
  std::unique_ptr<FileSystem> posix_ = make_posix_file_system();
  FaultInjectingFileSystem faulty_{*posix_};
  ManualClock clock_{kT0};
  std::unique_ptr<EventLog> log_;
};

}  // namespace gaplog::testing
