// A minimal blocking HTTP/1.1 client for tests: one request per connection, the whole response
// read into memory.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string>

#include "api/request_handler.h"

namespace gaplog::testing {

struct HttpReply {
  int status = 0;  // 0 when the connection failed or closed without a response
  HeaderList headers;
  std::string body;
};

inline HttpReply http_request(uint16_t port, const ApiRequest& req) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  HttpReply out;
  try {
    asio::io_context ioc;
    asio::ip::tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> r;
    r.method_string(req.method);
    r.target(req.target);
    r.version(11);
    r.set(http::field::host, "127.0.0.1");
    bool has_length = false;
    for (const auto& [k, v] : req.headers) {
      r.insert(k, v);
      if (boost::beast::iequals(k, "Content-Length")) has_length = true;
    }
    r.body() = req.body;
    if (!has_length && (!req.body.empty() || req.method == "POST" || req.method == "PUT" ||
                        req.method == "PATCH")) {
      r.prepare_payload();
    }
    http::write(socket, r);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 31);
    parser.skip(req.method == "HEAD");  // its Content-Length announces a body that is not sent
    http::read(socket, buffer, parser);
    const auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = res.body();
    boost::system::error_code ec;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  } catch (const std::exception&) {
    out.status = 0;
  }
  return out;
}

}  // namespace gaplog::testing
