#include "server/program.h"

namespace gaplog {

std::string checkpoint_path(const std::string& dir) { return dir + "/projections/checkpoint.bin"; }

Result<std::unique_ptr<Program>> Program::open(FileSystem& fs, Clock& clock, const std::string& dir,
                                               ApiOptions options) {
  std::unique_ptr<Program> p(new Program());
  GAPLOG_ASSIGN_OR_RETURN(p->store_, open_data_dir(fs, clock, dir, options.max_evidence_bytes));
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(dir + "/projections"));
  GAPLOG_ASSIGN_OR_RETURN(p->history_, ProgramHistory::open(*p->store_.log, &fs, checkpoint_path(dir)));
  // The command side starts from the projections' current state instead of folding the log again.
  GAPLOG_ASSIGN_OR_RETURN(auto current, p->history_->current());
  GAPLOG_ASSIGN_OR_RETURN(p->service_, CommandService::open(*p->store_.log, clock, std::move(current)));
  p->api_ = std::make_unique<Api>(p->store_, *p->service_, *p->history_, clock, options);
  return p;
}

Program::~Program() {
  // The log's commit thread may still be answering writes through the Api and the service,
  // which are destroyed before the log.
  if (store_.log) store_.log->wait_for_async_appends();
}

Status Program::save_checkpoint() { return history_->save_checkpoint(); }

}  // namespace gaplog
