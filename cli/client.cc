#include "cli/client.h"

#include <fmt/format.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sstream>

namespace gaplog {
namespace {

// Moves a response's body (in memory or streamed) to `out`, or into r.body when out is null.
Status drain(ApiResponse& r, std::ostream* out) {
  if (out) {
    out->write(r.body.data(), static_cast<std::streamsize>(r.body.size()));
    r.body.clear();
  }
  while (r.stream) {
    GAPLOG_ASSIGN_OR_RETURN(std::string piece, r.stream->next(1 << 20));
    if (piece.empty()) break;
    if (out) {
      out->write(piece.data(), static_cast<std::streamsize>(piece.size()));
    } else {
      r.body += piece;
    }
  }
  r.stream.reset();
  return Status::ok();
}

class EmbeddedClient final : public ApiClient {
 public:
  EmbeddedClient(ServedProgram& program, std::string actor)
      : program_(program), actor_(std::move(actor)) {}

  Result<ApiResponse> call(ApiRequest request) override {
    std::ostringstream body;
    GAPLOG_ASSIGN_OR_RETURN(ApiResponse r, download(std::move(request), body));
    if (r.status < 300) r.body = body.str();
    return r;
  }

  Result<ApiResponse> download(ApiRequest request, std::ostream& out) override {
    ApiResponse r = program_.api().handle_as(request, actor_);
    if (r.status >= 300) {
      GAPLOG_RETURN_IF_ERROR(drain(r, nullptr));
      return r;
    }
    GAPLOG_RETURN_IF_ERROR(drain(r, &out));
    if (!out) return io_error("could not write the response body");
    return r;
  }

 private:
  ServedProgram& program_;
  std::string actor_;
};

class RemoteClient final : public ApiClient {
 public:
  RemoteClient(std::string host, std::string port, std::string token)
      : host_(std::move(host)), port_(std::move(port)), token_(std::move(token)) {}

  Result<ApiResponse> call(ApiRequest request) override {
    return exchange(std::move(request), nullptr);
  }
  Result<ApiResponse> download(ApiRequest request, std::ostream& out) override {
    return exchange(std::move(request), &out);
  }

 private:
  // Sends the request; the body of a 2xx response goes to `out` when given, else into the response.
  Result<ApiResponse> exchange(ApiRequest request, std::ostream* out) {
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
      http::response_parser<http::buffer_body> parser;
      parser.body_limit(std::numeric_limits<uint64_t>::max());  // downloads of any size
      http::read_header(socket, buffer, parser);
      ApiResponse response;
      response.status = static_cast<int>(parser.get().result_int());
      for (const auto& f : parser.get())
        response.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      const bool to_out = out && response.status < 300;
      std::array<char, 1 << 16> piece;
      while (!parser.is_done()) {
        parser.get().body().data = piece.data();
        parser.get().body().size = piece.size();
        boost::system::error_code ec;
        http::read(socket, buffer, parser, ec);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) throw boost::system::system_error(ec);
        const size_t n = piece.size() - parser.get().body().size;
        if (to_out) {
          out->write(piece.data(), static_cast<std::streamsize>(n));
        } else {
          response.body.append(piece.data(), n);
        }
      }
      if (to_out && !*out) return io_error("could not write the response body");
      return response;
    } catch (const std::exception& e) {
      return io_error(fmt::format("could not reach the server at {}:{}: {}; is it running?", host_,
                                  port_, e.what()));
    }
  }

  std::string host_, port_, token_;
};

}  // namespace

std::unique_ptr<ApiClient> embedded_client(ServedProgram& program, std::string actor) {
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
  return std::unique_ptr<ApiClient>(
      new RemoteClient(rest.substr(0, colon), rest.substr(colon + 1), std::move(token)));
}

}  // namespace gaplog
