#include "cli/client.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace gaplog {
namespace {

class EmbeddedClient final : public ApiClient {
 public:
  EmbeddedClient(Program& program, std::string actor) : program_(program), actor_(std::move(actor)) {}

  Result<ApiResponse> call(ApiRequest request) override {
    ApiResponse r = program_.api().handle_as(request, actor_);
    if (r.stream) {
      while (true) {
        GAPLOG_ASSIGN_OR_RETURN(std::string piece, r.stream->next(1 << 20));
        if (piece.empty()) break;
        r.body += piece;
      }
      r.stream.reset();
    }
    return r;
  }

 private:
  Program& program_;
  std::string actor_;
};

class RemoteClient final : public ApiClient {
 public:
  RemoteClient(std::string host, std::string port, std::string token)
      : host_(std::move(host)), port_(std::move(port)), token_(std::move(token)) {}

  Result<ApiResponse> call(ApiRequest request) override {
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    try {
      asio::io_context ioc;
      asio::ip::tcp::resolver resolver(ioc);
      asio::ip::tcp::socket socket(ioc);
      asio::connect(socket, resolver.resolve(host_, port_));
      http::request<http::string_body> r;
      r.method_string(request.method);
      r.target(request.target);
      r.version(11);
      r.set(http::field::host, host_);
      r.set(http::field::authorization, "Bearer " + token_);
      for (const auto& [k, v] : request.headers) r.insert(k, v);
      r.body() = std::move(request.body);
      r.prepare_payload();
      http::write(socket, r);
      boost::beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(std::numeric_limits<uint64_t>::max());  // evidence downloads
      http::read(socket, buffer, parser);
      ApiResponse out;
      out.status = static_cast<int>(parser.get().result_int());
      for (const auto& f : parser.get()) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      out.body = std::move(parser.get().body());
      return out;
    } catch (const std::exception& e) {
      return io_error(fmt::format("could not reach the server at {}:{}: {}; is it running?", host_, port_, e.what()));
    }
  }

 private:
  std::string host_, port_, token_;
};

}  // namespace

std::unique_ptr<ApiClient> embedded_client(Program& program, std::string actor) {
  return std::make_unique<EmbeddedClient>(program, std::move(actor));
}

Result<std::unique_ptr<ApiClient>> remote_client(const std::string& url, std::string token) {
  constexpr std::string_view kScheme = "http://";
  if (!std::string_view(url).starts_with(kScheme)) {
    return invalid_argument(fmt::format("--server takes http://HOST:PORT; got '{}'", url));
  }
  std::string rest = url.substr(kScheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || rest.find('/') != std::string::npos) {
    return invalid_argument(fmt::format("--server takes http://HOST:PORT; got '{}'", url));
  }
  if (token.empty()) return invalid_argument("--server needs --token TOKEN (or $GAPLOG_TOKEN)");
  return std::unique_ptr<ApiClient>(new RemoteClient(rest.substr(0, colon), rest.substr(colon + 1), std::move(token)));
}

}  // namespace gaplog
