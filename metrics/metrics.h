// The server's metrics (SPEC §14, docs/metrics.md), kept in a prometheus-cpp registry and served
// in the Prometheus text exposition format 0.0.4 by scrape(). prometheus-cpp (Debian's
// prometheus-cpp-dev, core library) writes the format: its escaping, its histogram buckets.
//
// Events are counted as they happen, through the calls below, which the parts that see them
// make through plain callbacks wired in `gaplog serve`: the transport's access log
// (request_finished), the event log (append_finished, sync_finished), the reminder dispatcher
// (notification_attempted) and the backup loop (backup_finished). None of those parts links this
// library. What describes the present (the tree size, the projections' lag) is read at scrape
// time by the `read_now` function, not by a polling thread.
//
// Label values are bounded sets, never data: the method is one of the standard methods or
// "other", the route is a route's pattern ("/api/v1/findings/{id}") or "other", the channel
// "email" or "webhook".
//
// Thread-safety: every method may be called from any thread, concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gaplog {

class Metrics {
 public:
  // What scrape() reads of the present.
  struct Readings {
    uint64_t tree_size = 0;  // the log's last committed seq
    // For each projection (its name, e.g. "commands"): the log's last seq minus the last seq
    // the projection has applied.
    std::vector<std::pair<std::string, uint64_t>> projection_lag;
  };
  // The Content-Type of scrape()'s text.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4";

  // `read_now` is called by every scrape (one at a time), from the scraping thread; it must not
  // block for long. Null: no gauges of the present.
  explicit Metrics(std::function<Readings()> read_now = nullptr);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One HTTP request answered (or cut short): its method as sent, its route's pattern ("" when
  // the path is no route), the status sent and the time from its first byte to its last.
  void request_finished(std::string_view method, std::string_view route, int status,
                        std::chrono::microseconds duration);
  // An append answered: the time from its being queued to its answer.
  void append_finished(std::chrono::nanoseconds duration);
  // A group of appends written: the time of its synced write.
  void sync_finished(std::chrono::nanoseconds duration);
  // A notification handed to its channel ("email", "webhook"), which accepted it or not.
  void notification_attempted(std::string_view channel, bool accepted);
  // A backup ended: ok or failed, and when (microseconds since the Unix epoch, UTC).
  void backup_finished(bool ok, int64_t finished_at_micros);
  // At start: the newest backup already in the directory, so that the backup age is known
  // before this process takes one (counts no backup).
  void backup_found(int64_t finished_at_micros);

  // The text exposition of every metric, after updating the gauges of the present.
  std::string scrape();

 private:
  struct Families;
  std::function<Readings()> read_now_;
  std::unique_ptr<Families> families_;
};

// The method as a label: GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS as sent, otherwise
// "other" (a client chooses the method: any string it sends must not become a series).
std::string_view method_label(std::string_view method);

}  // namespace gaplog
