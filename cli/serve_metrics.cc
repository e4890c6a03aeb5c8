#include "cli/serve_metrics.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>

#include "cli/listen_address.h"

namespace gaplog {
namespace {

// The projections and the seq each has applied, read before the log's last seq so that the
// lag is never negative (the log only grows).
Metrics::Readings read_now(ServedProgram& program) {
  const uint64_t commands = program.service().applied_seq();
  const uint64_t history = program.history().applied_seq();
  const uint64_t last = program.log().last_seq();
  const auto lag = [last](uint64_t applied) { return last - std::min(applied, last); };
  return Metrics::Readings{last, {{"commands", lag(commands)}, {"history", lag(history)}}};
}

ApiResponse plain(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Cache-Control", "no-store"}};
  r.body = std::move(body);
  return r;
}

}  // namespace

void add_metrics_options(CLI::App& serve_command, std::string& metrics_listen) {
  serve_command
      .add_option("--metrics-listen", metrics_listen,
                  "serve Prometheus metrics at http://HOST:PORT/metrics, on a listener of their "
                  "own (default: off; docs/metrics.md)")
      ->type_name("HOST:PORT");
}

ApiResponse MetricsEndpoint::handle(const ApiRequest& request) {
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics" || (request.method != "GET" && request.method != "HEAD")) {
    return plain(404, "not found: this listener serves GET /metrics only\n");
  }
  ApiResponse r = plain(200, metrics_.scrape());
  r.headers[0].second = std::string(Metrics::kContentType);
  return r;
}

Result<std::unique_ptr<ServeMetrics>> ServeMetrics::create(const std::string& listen) {
  std::unique_ptr<ServeMetrics> m(new ServeMetrics());
  if (listen.empty()) return m;
  GAPLOG_ASSIGN_OR_RETURN(auto address, parse_listen("--metrics-listen", listen));
  m->host_ = std::move(address.first);
  m->port_ = address.second;
  ServeMetrics* self = m.get();
  m->metrics_ = std::make_unique<Metrics>([self] {
    return self->program_ != nullptr ? read_now(*self->program_) : Metrics::Readings{};
  });
  m->endpoint_ = std::make_unique<MetricsEndpoint>(*m->metrics_);
  return m;
}

ServeMetrics::~ServeMetrics() { stop(); }

LogObservers ServeMetrics::log_observers() {
  if (!metrics_) return {};
  Metrics* m = metrics_.get();
  return LogObservers{[m](std::chrono::nanoseconds d) { m->append_finished(d); },
                      [m](std::chrono::nanoseconds d) { m->sync_finished(d); }};
}

DeliveryObserver ServeMetrics::delivery_observer() {
  if (!metrics_) return nullptr;
  Metrics* m = metrics_.get();
  return [m](std::string_view channel, bool accepted) {
    m->notification_attempted(channel, accepted);
  };
}

void ServeMetrics::request_finished(const AccessLogEntry& entry) {
  if (metrics_) metrics_->request_finished(entry.method, entry.route, entry.status, entry.duration);
}

void ServeMetrics::backup_finished(bool ok, int64_t finished_at_micros) {
  if (metrics_) metrics_->backup_finished(ok, finished_at_micros);
}

void ServeMetrics::backup_found(int64_t finished_at_micros) {
  if (metrics_) metrics_->backup_found(finished_at_micros);
}

Status ServeMetrics::start(ServedProgram& program) {
  if (!metrics_) return Status::ok();
  program_ = &program;
  HttpServerOptions options;
  options.host = host_;
  options.port = port_;
  // A scraper or two: few threads and connections, none taken from the main listener.
  options.io_threads = 1;
  options.worker_threads = 2;
  options.max_connections = 64;
  options.max_connections_per_address = 16;
  Result<std::unique_ptr<HttpServer>> server = HttpServer::start(*endpoint_, options);
  if (!server) {
    return Status(server.status().code(),
                  fmt::format("--metrics-listen: {}", server.status().message()));
  }
  server_ = std::move(*server);
  const bool v6 = host_.find(':') != std::string::npos;
  std::printf("gaplog: metrics on http://%s%s%s:%u/metrics\n", v6 ? "[" : "", host_.c_str(),
              v6 ? "]" : "", server_->port());
  std::fflush(stdout);
  return Status::ok();
}

void ServeMetrics::stop() { server_.reset(); }

}  // namespace gaplog
