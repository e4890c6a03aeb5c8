#include "api/served_program.h"

namespace gaplog {

Result<std::unique_ptr<ServedProgram>> ServedProgram::open(FileSystem& fs, Clock& clock,
                                                           const std::string& dir,
                                                           ApiOptions options) {
  std::unique_ptr<ServedProgram> p(new ServedProgram());
  GAPLOG_ASSIGN_OR_RETURN(p->program_, Program::open(fs, clock, dir, options.max_evidence_bytes));
  p->api_ = std::make_unique<Api>(p->program_->store(), p->program_->service(),
                                  p->program_->history(), clock, options);
  return p;
}

ServedProgram::~ServedProgram() {
  // The log's commit thread may still be answering writes through the Api, which is destroyed
  // before the program.
  if (program_) program_->wait_for_async_appends();
}

}  // namespace gaplog
