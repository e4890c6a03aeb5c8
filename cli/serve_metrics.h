// The metrics of `gaplog serve` (SPEC §14, docs/metrics.md): off unless --metrics-listen
// HOST:PORT is given; then a second HttpServer on that address answers GET /metrics (and
// nothing else: 404) with metrics/metrics.h's text, and serve wires the parts that count into
// one Metrics: the main listener's access log, the event log's observers, the reminder
// dispatcher's observer, and (the lead's backup loop) backup_finished.
//
// Ownership: a ServeMetrics owns its Metrics and its listener; the program given to start() is
// borrowed and must outlive the listener (stop() or the destructor ends it). Thread-safety: the
// observers and request_finished() may be called from any thread; the rest from serve's thread.
#pragma once

#include <memory>
#include <string>

#include "api/request_handler.h"
#include "api/served_program.h"
#include "http/http_server.h"
#include "metrics/metrics.h"
#include "notify/dispatcher.h"
#include "store/event_log.h"

namespace CLI {
class App;
}

namespace gaplog {

// --metrics-listen HOST:PORT on serve.
void add_metrics_options(CLI::App& serve_command, std::string& metrics_listen);

// The handler of the metrics listener: GET and HEAD of /metrics (with or without a query) are
// answered with a scrape, everything else 404.
class MetricsEndpoint final : public RequestHandler {
 public:
  explicit MetricsEndpoint(Metrics& metrics) : metrics_(metrics) {}
  ApiResponse handle(const ApiRequest& request) override;
  bool streams_body(const ApiRequest&) const override { return false; }
  std::variant<ApiResponse, std::unique_ptr<UploadSink>> begin_upload(
      const ApiRequest& head) override {
    return handle(head);
  }
  // A scrape has no body; a small one is read, so that the request is answered 404 like any
  // other that is not a scrape (a larger one: 413 unread).
  uint64_t max_body_bytes() const override { return 4096; }

 private:
  Metrics& metrics_;
};

class ServeMetrics {
 public:
  // `listen` is HOST:PORT, or "" for no metrics (then every method does nothing). A usage error
  // (kInvalidArgument) when it is not HOST:PORT.
  static Result<std::unique_ptr<ServeMetrics>> create(const std::string& listen);
  ~ServeMetrics();
  ServeMetrics(const ServeMetrics&) = delete;
  ServeMetrics& operator=(const ServeMetrics&) = delete;

  // What to hand the program when serve opens it (null observers when off).
  LogObservers log_observers();
  DeliveryObserver delivery_observer();
  // For the main listener's access log.
  void request_finished(const AccessLogEntry& entry);
  // For the backup loop (store/backup.h's BackupOutcome: ok, finished_at).
  void backup_finished(bool ok, int64_t finished_at_micros);
  void backup_found(int64_t finished_at_micros);

  // Starts the listener, reading the tree size and the projections' lag from `program` at each
  // scrape, and prints "gaplog: metrics on http://HOST:PORT/metrics". Nothing when off.
  Status start(ServedProgram& program);
  void stop();

 private:
  ServeMetrics() = default;
  std::string host_;
  uint16_t port_ = 0;
  ServedProgram* program_ = nullptr;  // set by start(), before the listener runs
  std::unique_ptr<Metrics> metrics_;  // null when off
  std::unique_ptr<MetricsEndpoint> endpoint_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace gaplog
