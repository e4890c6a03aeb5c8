// A program opened from its data directory with the Api in front of it: what `gaplog serve` and
// the embedded CLI run. The Program (app/program.h) knows nothing of the API; this is where the
// two are put together.
//
// Not copyable; members are safe to use from many threads as their own headers say.
#pragma once

#include <memory>
#include <string>

#include "api/api.h"
#include "app/program.h"

namespace gaplog {

class ServedProgram {
 public:
  // `fs` and `clock` are borrowed and must outlive the program.
  static Result<std::unique_ptr<ServedProgram>> open(FileSystem& fs, Clock& clock,
                                                     const std::string& dir,
                                                     ApiOptions options = {});
  ~ServedProgram();

  Status save_checkpoint() { return program_->save_checkpoint(); }

  Program& program() { return *program_; }
  Store& store() { return program_->store(); }
  EventLog& log() { return program_->log(); }
  CommandService& service() { return program_->service(); }
  ProgramHistory& history() { return program_->history(); }
  Api& api() { return *api_; }

 private:
  ServedProgram() = default;
  std::unique_ptr<Program> program_;
  std::unique_ptr<Api> api_;
};

}  // namespace gaplog
