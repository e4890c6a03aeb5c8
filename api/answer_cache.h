// Rendered answers as of a past date, kept while they still hold (issue 24).
//
// An answer as of (D, T) depends only on the events that occurred before the end of D and,
// known at T, were recorded by T (SPEC §5). Appends of the present (occurred today) or recorded
// after T leave it unchanged, so a kept answer is served again until the history says an event
// folded since could change it (ProgramHistory::still_holds). Readiness answers carry the log's
// size (`tree_size`), which grows with every append: they are kept in two parts around it and
// served with the size of the log they now reflect, byte for byte what a fresh answer would be.
//
// Bounded: the oldest entries go first once kMaxBytes of bodies are kept. Thread-safe (its own
// mutex, never held while the history is called). GAPLOG_ANSWER_CACHE=0 turns it off.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "domain/time.h"
#include "projections/program_history.h"
#include "store/mutex.h"

namespace gaplog {

class AnswerCache {
 public:
  static constexpr size_t kMaxBytes = 32 << 20;

  AnswerCache();

  // The answer kept under `key` for (d, known_at), if it still holds; with a kept `tree_size`
  // spliced, the size as of now (`tree_size(folded seq)`).
  std::optional<std::string> find(const std::string& key, ProgramHistory& history, Date d,
                                  std::optional<Micros> known_at,
                                  const std::function<Result<uint64_t>(uint64_t)>& tree_size);
  // Keeps `body`, computed when the history had folded `seq`. With `splice_at`, the body's
  // tree size is the decimal number that starts there, replaced on each hit.
  void keep(const std::string& key, uint64_t seq, std::string body,
            std::optional<size_t> splice_at = std::nullopt);

  bool enabled() const { return enabled_; }

 private:
  struct Entry {
    uint64_t seq;
    std::string head, tail;  // the body, or its parts before and after the tree size
    bool spliced;
  };
  const bool enabled_;
  Mutex mu_;
  std::map<std::string, Entry> entries_ GAPLOG_GUARDED_BY(mu_);
  std::deque<std::string> order_ GAPLOG_GUARDED_BY(mu_);  // keys, oldest first
  size_t bytes_ GAPLOG_GUARDED_BY(mu_) = 0;
};

}  // namespace gaplog
