#include "app/program.h"

namespace gaplog {

std::string checkpoint_path(const std::string& dir) { return dir + "/projections/checkpoint.bin"; }

Result<std::unique_ptr<Program>> Program::open(FileSystem& fs, Clock& clock, const std::string& dir,
                                               uint64_t max_evidence_bytes,
                                               LogObservers observers) {
  std::unique_ptr<Program> p(new Program());
  GAPLOG_ASSIGN_OR_RETURN(p->store_,
                          open_data_dir(fs, clock, dir, max_evidence_bytes, std::move(observers)));
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(dir + "/projections"));
  GAPLOG_ASSIGN_OR_RETURN(p->history_,
                          ProgramHistory::open(*p->store_.log, &fs, checkpoint_path(dir)));
  // The command side starts from the projections' current state instead of folding the log again.
  GAPLOG_ASSIGN_OR_RETURN(auto current, p->history_->current());
  GAPLOG_ASSIGN_OR_RETURN(p->service_,
                          CommandService::open(*p->store_.log, clock, std::move(current)));
  return p;
}

Program::~Program() {
  // The service is destroyed before the log, whose commit thread may still be answering writes
  // through it.
  wait_for_async_appends();
}

void Program::wait_for_async_appends() {
  if (store_.log) store_.log->wait_for_async_appends();
}

Status Program::save_checkpoint() { return history_->save_checkpoint(); }

}  // namespace gaplog
