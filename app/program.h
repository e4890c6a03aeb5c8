// A program opened from its data directory and wired up: the store, the projections (loaded from
// their checkpoint when it matches the log) and the command service (seeded from the
// projections' current state). api/served_program.h puts the Api in front of it.
//
//   <dir>/projections/checkpoint.bin   projection checkpoint (see ProgramHistory)
//
// Not copyable; members are safe to use from many threads as their own headers say.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "app/command_service.h"
#include "domain/status.h"
#include "projections/program_history.h"
#include "store/clock.h"
#include "store/data_dir.h"
#include "store/file_system.h"

namespace gaplog {

class Program {
 public:
  // `fs` and `clock` are borrowed and must outlive the program; `observers` watch the log.
  static Result<std::unique_ptr<Program>> open(
      FileSystem& fs, Clock& clock, const std::string& dir,
      uint64_t max_evidence_bytes = kDefaultMaxEvidenceBytes, LogObservers observers = {});
  ~Program();

  // Saves the projections' checkpoint, so that the next open does not replay the whole log.
  Status save_checkpoint();
  // Waits until the log's commit thread has answered every write handed to it (callbacks run
  // code of the service and of whatever sits in front of it, which must outlive them).
  void wait_for_async_appends();

  Store& store() { return store_; }
  EventLog& log() { return *store_.log; }
  CommandService& service() { return *service_; }
  ProgramHistory& history() { return *history_; }

 private:
  Program() = default;
  Store store_;
  std::unique_ptr<ProgramHistory> history_;
  std::unique_ptr<CommandService> service_;
};

std::string checkpoint_path(const std::string& dir);

}  // namespace gaplog
