// The HttpServer: the listener, the caps on connections (in all and per client) and shedding
// when full, graceful shutdown and stop on a signal. One connection's exchanges are in
// http_session.cc.
#include "http/http_server.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "domain/time.h"
#include "http/http_server_impl.h"

namespace gaplog {
namespace {

// The client a connection counts against: its IPv4 address, or the /64 prefix of its IPv6
// address (one host usually holds a whole /64, so counting single IPv6 addresses would let
// it open any number of connections).
asio::ip::address client_of(const asio::ip::address& address) {
  if (!address.is_v6()) return address;
  const asio::ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6);
  asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::address_v6(bytes);
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

std::string format_access_log(const AccessLogEntry& entry) {
  const Micros t =
      std::chrono::duration_cast<std::chrono::microseconds>(entry.time.time_since_epoch()).count();
  const Date day = date_of(t);
  const Micros ms_of_day = (t - static_cast<Micros>(day.days) * kMicrosPerDay) / 1000;
  const int64_t us = entry.duration.count();
  return fmt::format("{}T{:02}:{:02}:{:02}.{:03}Z {} {} {} {}.{:03}ms {}", format_date(day),
                     ms_of_day / 3'600'000, ms_of_day / 60'000 % 60, ms_of_day / 1000 % 60,
                     ms_of_day % 1000, or_dash(entry.method), or_dash(entry.path), entry.status,
                     us / 1000, us % 1000, or_dash(entry.user));
}

Status HttpServer::Impl::listen() {
  error_code ec;
  tcp::resolver resolver(ioc_);
  const auto endpoints =
      resolver.resolve(options_.host, std::to_string(options_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return invalid_argument(
        fmt::format("cannot listen on {}: {}", options_.host, ec ? ec.message() : "no address"));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  const std::string where =
      endpoint.address().is_v6()
          ? fmt::format("[{}]:{}", endpoint.address().to_string(), options_.port)
          : fmt::format("{}:{}", endpoint.address().to_string(), options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    return unavailable(fmt::format("{} is in use; pick another address or port", where));
  }
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return io_error(fmt::format("cannot listen on {}: {}", where, ec.message()));
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return io_error(fmt::format("cannot listen on {}: {}", where, ec.message()));
  return Status::ok();
}

void HttpServer::Impl::run() {
  running_ = true;
  asio::co_spawn(control_, accept_loop(), [](const std::exception_ptr&) {});
  for (int i = 0; i < options_.io_threads; ++i) {
    io_threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (...) {
          // Connections catch their own failures; whatever else escaped ended one handler.
        }
      }
    });
  }
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  try {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(asio::make_strand(ioc_), redirect(ec));
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      if (ec) {
        // Out of file descriptors, say: wait a little rather than spin on the error.
        asio::steady_timer pause(control_, std::chrono::milliseconds(50));
        co_await pause.async_wait(redirect(ec));
        continue;
      }
      const tcp::endpoint peer = socket.remote_endpoint(ec);
      if (ec) continue;  // already gone
      auto connection =
          std::make_shared<Connection>(std::move(socket), client_of(peer.address()), tls_.get());
      // Refused connections close when `connection` goes: a client over the limit is not kept
      // waiting in a queue.
      if (!admit(connection)) continue;
      asio::co_spawn(connection->strand, serve(connection), [](const std::exception_ptr&) {});
    }
  } catch (...) {
    // Only an exhausted environment gets here (bad_alloc); the server stops accepting.
  }
  std::lock_guard lock(mu_);
  accept_done_ = true;
  changed_.notify_all();
}

bool HttpServer::Impl::admit(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  size_t& of_client = per_client_[connection->client];
  if (of_client >= options_.max_connections_per_address) return false;
  if (counted_ >= options_.max_connections) {
    Connection* victim = pick_shed_locked();
    if (victim == nullptr) {
      if (of_client == 0) per_client_.erase(connection->client);
      return false;
    }
    shed_locked(*victim);
  }
  ++per_client_[connection->client];  // not `of_client`: shedding may have erased an entry
  ++counted_;
  connection->id = next_id_++;
  connections_.emplace(connection->id, connection);
  return true;
}

// The client holding the most connections loses first, so that a client hogging the server
// pays for it rather than the others; among its connections, the one waiting longest for a
// request head (a keep-alive connection idle for long, a slowloris).
HttpServer::Impl::Connection* HttpServer::Impl::pick_shed_locked() {
  Connection* victim = nullptr;
  size_t victim_share = 0;
  for (const auto& [id, candidate] : connections_) {
    if (candidate->in_request || candidate->shed) continue;
    const size_t share = per_client_[candidate->client];
    if (victim == nullptr || share > victim_share ||
        (share == victim_share && candidate->waiting_since < victim->waiting_since)) {
      victim = candidate.get();
      victim_share = share;
    }
  }
  return victim;
}

void HttpServer::Impl::shed_locked(Connection& connection) {
  if (connection.shed) return;
  connection.shed = true;
  --counted_;
  if (--per_client_[connection.client] == 0) per_client_.erase(connection.client);
  asio::post(connection.strand, [connection = connections_.at(connection.id)] {
    error_code ignored;
    connection->stream.socket().close(ignored);
  });
}

void HttpServer::Impl::release(const Connection& connection) {
  std::lock_guard lock(mu_);
  if (!connection.shed) {
    --counted_;
    if (--per_client_[connection.client] == 0) per_client_.erase(connection.client);
  }
  connections_.erase(connection.id);
  changed_.notify_all();
}

bool HttpServer::Impl::begin_request(Connection& connection) {
  std::lock_guard lock(mu_);
  if (connection.shed) return false;
  connection.in_request = true;
  return true;
}

void HttpServer::Impl::end_request(Connection& connection) {
  std::lock_guard lock(mu_);
  connection.in_request = false;
  connection.waiting_since = SteadyClock::now();
}

void HttpServer::Impl::begin_stop(std::chrono::milliseconds grace) {
  std::call_once(stop_once_, [&] { stopper_ = std::thread([this, grace] { stop(grace); }); });
}

void HttpServer::Impl::wait() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return stopped_; });
}

void HttpServer::Impl::stop_on_signal(std::chrono::milliseconds grace) {
  // Installed before returning, so that a signal raised right after is not lost.
  std::lock_guard lock(mu_);
  if (stopping_ || signals_) return;
  signals_.emplace(control_, SIGINT, SIGTERM);
  signals_->async_wait([this, grace](const error_code& ec, int) {
    if (!ec) begin_stop(grace);
  });
}

void HttpServer::Impl::close_connections(bool only_idle) {
  std::lock_guard lock(mu_);
  for (const auto& [id, connection] : connections_) {
    if (only_idle && connection->in_request) continue;
    shed_locked(*connection);  // a no-op for one already shed, which is being closed
  }
}

// Runs on its own thread, so that shutdown() may be called from the server's own threads.
void HttpServer::Impl::stop(std::chrono::milliseconds grace) {
  const auto deadline = SteadyClock::now() + grace;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;  // from here on, no connection is admitted and none is kept alive
    error_code ignored;
    if (signals_) signals_->cancel(ignored);
  }
  asio::post(control_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
  });
  close_connections(/*only_idle=*/true);
  const auto finished = [&] { return connections_.empty() && accept_done_; };
  {
    std::unique_lock lock(mu_);
    changed_.wait_until(lock, deadline, finished);
  }
  close_connections(/*only_idle=*/false);
  {
    // Handler calls already running cannot be interrupted; their connections end when they return.
    std::unique_lock lock(mu_);
    changed_.wait(lock, finished);
  }
  work_.reset();
  for (std::thread& t : io_threads_) t.join();
  workers_.join();
  std::lock_guard lock(mu_);
  stopped_ = true;
  changed_.notify_all();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { shutdown(); }

Result<std::unique_ptr<HttpServer>> HttpServer::start(RequestHandler& handler,
                                                      HttpServerOptions options) {
  if (options.io_threads < 1 || options.worker_threads < 1) {
    return invalid_argument("io_threads and worker_threads must be at least 1");
  }
  if (options.max_connections < 1 || options.max_connections_per_address < 1) {
    return invalid_argument("max_connections and max_connections_per_address must be at least 1");
  }
  std::unique_ptr<asio::ssl::context> tls;
  if (options.tls) {
    GAPLOG_ASSIGN_OR_RETURN(tls, make_tls_context(*options.tls));
  }
  auto impl = std::make_unique<Impl>(handler, std::move(options), std::move(tls));
  GAPLOG_RETURN_IF_ERROR(impl->listen());
  impl->run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::shutdown(std::chrono::milliseconds grace) {
  impl_->begin_stop(grace);
  if (!impl_->on_own_thread()) impl_->wait();
}

void HttpServer::wait() { impl_->wait(); }

void HttpServer::shutdown_on_signal(std::chrono::milliseconds grace) {
  impl_->stop_on_signal(grace);
}

}  // namespace gaplog
