// A program opened from its data directory and wired up: the store, the projections (loaded from
// their checkpoint when it matches the log), the command service (seeded from the projections'
// current state) and the Api over them. What `gaplog serve` and the embedded CLI run.
//
//   <dir>/projections/checkpoint.bin   projection checkpoint (see ProgramHistory)
//
// Not copyable; members are safe to use from many threads as their own headers say.
#pragma once

#include <memory>
#include <string>

#include "domain/status.h"
#include "projections/program_history.h"
#include "server/api.h"
#include "server/command_service.h"
#include "store/clock.h"
#include "store/data_dir.h"
#include "store/file_system.h"

namespace gaplog {

class Program {
 public:
  // `fs` and `clock` are borrowed and must outlive the program.
  static Result<std::unique_ptr<Program>> open(FileSystem& fs, Clock& clock, const std::string& dir,
                                               ApiOptions options = {});
  ~Program();

  // Saves the projections' checkpoint, so that the next open does not replay the whole log.
  Status save_checkpoint();

  Store& store() { return store_; }
  EventLog& log() { return *store_.log; }
  CommandService& service() { return *service_; }
  ProgramHistory& history() { return *history_; }
  Api& api() { return *api_; }

 private:
  Program() = default;
  Store store_;
  std::unique_ptr<ProgramHistory> history_;
  std::unique_ptr<CommandService> service_;
  std::unique_ptr<Api> api_;
};

std::string checkpoint_path(const std::string& dir);

}  // namespace gaplog
