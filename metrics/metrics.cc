#include "metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <mutex>

#include "metrics/version.h"

namespace gaplog {
namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;

// HTTP requests: from a cached read (well under a millisecond) to an audit bundle (seconds).
const Histogram::BucketBoundaries kRequestBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
// Appends and syncs: an fsync takes from ~0.1 ms (battery-backed cache) to tens of ms (a disk
// that really flushes); seconds mean trouble.
const Histogram::BucketBoundaries kLogBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

constexpr std::array<std::string_view, 2> kChannels = {"email", "webhook"};

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

struct Metrics::Families {
  prometheus::Registry registry;
  prometheus::Family<Counter>& requests =
      prometheus::BuildCounter()
          .Name("gaplog_http_requests_total")
          .Help("HTTP requests answered, by method, route pattern and status")
          .Register(registry);
  prometheus::Family<Histogram>& request_duration =
      prometheus::BuildHistogram()
          .Name("gaplog_http_request_duration_seconds")
          .Help("Time from a request's first byte to its response's last, by route pattern")
          .Register(registry);
  Histogram& append_duration =
      prometheus::BuildHistogram()
          .Name("gaplog_log_append_duration_seconds")
          .Help("Time from an append being queued to its answer (committed and synced, or refused)")
          .Register(registry)
          .Add({}, kLogBuckets);
  Histogram& sync_duration = prometheus::BuildHistogram()
                                 .Name("gaplog_log_sync_duration_seconds")
                                 .Help("Time of each group commit's synced RocksDB write")
                                 .Register(registry)
                                 .Add({}, kLogBuckets);
  Gauge& tree_size = prometheus::BuildGauge()
                         .Name("gaplog_log_tree_size")
                         .Help("Events in the log (its last committed seq, the Merkle tree size)")
                         .Register(registry)
                         .Add({});
  prometheus::Family<Gauge>& projection_lag =
      prometheus::BuildGauge()
          .Name("gaplog_projection_lag_events")
          .Help("Events committed to the log that a projection has not applied yet")
          .Register(registry);
  prometheus::Family<Gauge>& backup_last_success =
      prometheus::BuildGauge()
          .Name("gaplog_backup_last_success_timestamp_seconds")
          .Help("When the last successful backup finished (Unix time); 0 while none has")
          .Register(registry);
  prometheus::Family<Counter>& backups = prometheus::BuildCounter()
                                             .Name("gaplog_backups_total")
                                             .Help("Backups finished, by result (ok, failed)")
                                             .Register(registry);
  prometheus::Family<Counter>& notifications_sent =
      prometheus::BuildCounter()
          .Name("gaplog_notifications_sent_total")
          .Help("Notifications accepted by their channel (SMTP 250, webhook 2xx)")
          .Register(registry);
  prometheus::Family<Counter>& notifications_failed =
      prometheus::BuildCounter()
          .Name("gaplog_notifications_failed_total")
          .Help("Delivery attempts refused by their channel (each retry counts)")
          .Register(registry);
  Gauge& build_info = prometheus::BuildGauge()
                          .Name("gaplog_build_info")
                          .Help("Always 1; its label is the version of the running binary")
                          .Register(registry)
                          .Add({{"version", std::string(gaplog_version())}});

  std::mutex scrape_mu;  // one scrape at a time: the readings and the text agree
};

Metrics::Metrics(std::function<Readings()> read_now)
    : read_now_(std::move(read_now)), families_(std::make_unique<Families>()) {
  Families& f = *families_;
  f.build_info.Set(1);
  // Counters of known label values exist from the start at 0, so that rate() and increase()
  // see their first increment.
  for (std::string_view result : {"ok", "failed"}) f.backups.Add({{"result", std::string(result)}});
  for (std::string_view channel : kChannels) {
    f.notifications_sent.Add({{"channel", std::string(channel)}});
    f.notifications_failed.Add({{"channel", std::string(channel)}});
  }
}

Metrics::~Metrics() = default;

void Metrics::request_finished(std::string_view method, std::string_view route, int status,
                               std::chrono::microseconds duration) {
  const std::string route_label = route.empty() ? "other" : std::string(route);
  families_->requests
      .Add({{"method", std::string(method_label(method))},
            {"route", route_label},
            {"status", std::to_string(status)}})
      .Increment();
  families_->request_duration.Add({{"route", route_label}}, kRequestBuckets)
      .Observe(seconds(duration));
}

void Metrics::append_finished(std::chrono::nanoseconds duration) {
  families_->append_duration.Observe(seconds(duration));
}

void Metrics::sync_finished(std::chrono::nanoseconds duration) {
  families_->sync_duration.Observe(seconds(duration));
}

void Metrics::notification_attempted(std::string_view channel, bool accepted) {
  const std::string label =
      channel == kChannels[0] || channel == kChannels[1] ? std::string(channel) : "other";
  (accepted ? families_->notifications_sent : families_->notifications_failed)
      .Add({{"channel", label}})
      .Increment();
}

void Metrics::backup_finished(bool ok, int64_t finished_at_micros) {
  Families& f = *families_;
  // Absent until a backup has run (a server without backups has no backup age); 0 after
  // failures only.
  Gauge& last_success = f.backup_last_success.Add({});
  if (ok) last_success.Set(static_cast<double>(finished_at_micros) / 1e6);
  f.backups.Add({{"result", ok ? "ok" : "failed"}}).Increment();
}

void Metrics::backup_found(int64_t finished_at_micros) {
  families_->backup_last_success.Add({}).Set(static_cast<double>(finished_at_micros) / 1e6);
}

std::string Metrics::scrape() {
  Families& f = *families_;
  std::lock_guard lock(f.scrape_mu);
  if (read_now_) {
    const Readings now = read_now_();
    f.tree_size.Set(static_cast<double>(now.tree_size));
    for (const auto& [projection, lag] : now.projection_lag) {
      f.projection_lag.Add({{"projection", projection}}).Set(static_cast<double>(lag));
    }
  }
  return prometheus::TextSerializer().Serialize(f.registry.Collect());
}

}  // namespace gaplog
