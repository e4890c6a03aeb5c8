// TLS on the server (SPEC §14) and the CLI's remote mode over libcurl, against the real things:
// certificates made with the `openssl` command (a throwaway CA and a server certificate for
// 127.0.0.1, ::1 and localhost), OpenSSL's s_client, curl, the built gaplog binary, and the
// transport in-process with a plain OpenSSL client.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/http_server.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace gaplog {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

struct Ran {
  int status = -1;     // the exit status; -1 when it did not exit normally
  std::string output;  // stdout and stderr
};

// Runs a shell command line, stdin from /dev/null, stdout and stderr together.
Ran run(const std::string& command) {
  FILE* p = ::popen(("(" + command + ") </dev/null 2>&1").c_str(), "r");
  if (p == nullptr) return {};
  Ran r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string shell_quoted(const std::string& s) { return "'" + s + "'"; }

// A throwaway CA, a server certificate it issued (127.0.0.1, ::1, localhost) and its key, and
// a key of no certificate; made by the openssl command in a directory removed with it.
struct Certificates {
  testing::TempDir dir;
  std::string ca = dir.sub("ca.pem");
  std::string cert = dir.sub("server.pem");
  std::string key = dir.sub("server.key");
  std::string other_key = dir.sub("other.key");
  std::string error;  // why they could not be made; "" when they were

  Certificates() {
    std::ofstream(dir.sub("openssl.cnf")) << "[req]\ndistinguished_name = dn\n[dn]\n"
                                             "[ca]\nbasicConstraints = critical,CA:TRUE\n"
                                             "keyUsage = critical,keyCertSign,cRLSign\n"
                                             "subjectKeyIdentifier = hash\n"
                                             "[server]\nbasicConstraints = critical,CA:FALSE\n"
                                             "keyUsage = critical,digitalSignature\n"
                                             "extendedKeyUsage = serverAuth\n"
                                             "subjectAltName = IP:127.0.0.1,IP:::1,DNS:localhost\n";
    const std::string d = shell_quoted(dir.path());
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    for (const std::string& step : {
             "openssl req -config " + d + "/openssl.cnf -x509 -extensions ca" + ec + " -keyout " +
                 d + "/ca.key -out " + d + "/ca.pem -days 1 -subj '/CN=gaplog test CA'",
             "openssl req -config " + d + "/openssl.cnf -new" + ec + " -keyout " + d +
                 "/server.key -out " + d + "/server.csr -subj '/CN=gaplog test server'",
             "openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
                 "/ca.key -set_serial 2 -days 1 -extfile " + d +
                 "/openssl.cnf -extensions server -out " + d + "/server.pem",
             "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + d +
                 "/other.key",
             "chmod 600 " + d + "/server.key " + d + "/other.key",
         }) {
      const Ran r = run(step);
      if (r.status != 0) {
        error = step + ": " + r.output;
        return;
      }
    }
  }
};

// ---------------------------------------------------------------------------------------------
// The transport in-process, over TLS.

class EchoHandler final : public RequestHandler {
 public:
  ApiResponse handle(const ApiRequest& request) override {
    ApiResponse response;
    if (request.target == "/slow") std::this_thread::sleep_for(500ms);
    response.headers.emplace_back("Content-Type", "text/plain");
    response.body = request.method + " " + request.target;
    return response;
  }
  bool streams_body(const ApiRequest&) const override { return false; }
  std::variant<ApiResponse, std::unique_ptr<UploadSink>> begin_upload(const ApiRequest&) override {
    return error_response(invalid_argument("no uploads here"));
  }
  uint64_t max_body_bytes() const override { return 1000; }
};

// A blocking TLS client on a loopback socket, written with OpenSSL directly (nothing shared
// with the server's Asio code), trusting only the test CA; every read gives up at a deadline.
class TlsClient {
 public:
  TlsClient(uint16_t port, const std::string& ca_file) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
    SSL_set_fd(ssl_, fd_);
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  int fd() const { return fd_; }
  bool connected() const { return connected_; }
  // The handshake, the certificate verified.
  bool handshake() {
    const bool ok = connected_ && SSL_connect(ssl_) == 1;
    ERR_clear_error();
    return ok;
  }
  bool send(std::string_view bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
           static_cast<int>(bytes.size());
  }

  // One response: its head and a body of Content-Length bytes; "" when the connection closed
  // or `timeout` passed before it was complete.
  std::string read_response(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      const size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::smatch m;
        const std::string head = buffer_.substr(0, end);
        const size_t length =
            std::regex_search(head, m, std::regex("[Cc]ontent-[Ll]ength: *([0-9]+)"))
                ? std::stoul(m[1])
                : 0;
        if (buffer_.size() >= end + 4 + length) {
          std::string response = buffer_.substr(0, end + 4 + length);
          buffer_.erase(0, end + 4 + length);
          return response;
        }
      }
      if (!read_some(deadline)) return "";
    }
  }

  // True when the server closes the connection within `timeout` (bytes meanwhile are dropped).
  bool closed_by_server(std::chrono::milliseconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    timed_out_ = false;
    while (read_some(deadline)) {
    }
    return !timed_out_;
  }

 private:
  // Appends what arrives to buffer_; false at the end of the stream or at the deadline.
  bool read_some(SteadyClock::time_point deadline) {
    if (SSL_pending(ssl_) == 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        timed_out_ = true;
        return false;
      }
    }
    char piece[16384];
    const int n = SSL_read(ssl_, piece, sizeof piece);
    ERR_clear_error();
    if (n <= 0) return false;
    buffer_.append(piece, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool timed_out_ = false;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

class HttpServerTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A write to a connection the server closed fails instead of killing the test.
    std::signal(SIGPIPE, SIG_IGN);
    certificates_ = new Certificates();
  }
  static void TearDownTestSuite() {
    delete certificates_;
    certificates_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(certificates_->error, ""); }

  static HttpServerOptions options() {
    HttpServerOptions o;
    o.port = 0;
    o.worker_threads = 4;
    o.header_timeout = 5s;
    o.tls = TlsFiles{certificates_->cert, certificates_->key};
    return o;
  }
  std::unique_ptr<HttpServer> start(HttpServerOptions o) {
    Result<std::unique_ptr<HttpServer>> server = HttpServer::start(handler_, std::move(o));
    EXPECT_TRUE(server.is_ok()) << server.status().to_string();
    return server.is_ok() ? std::move(server).value() : nullptr;
  }
  static std::string ca() { return certificates_->ca; }

  EchoHandler handler_;
  static Certificates* certificates_;
};
Certificates* HttpServerTls::certificates_ = nullptr;

std::string get(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n\r\n";
}

TEST_F(HttpServerTls, AnswersTwoRequestsOnOneConnectionWithHsts) {
  auto server = start(options());
  ASSERT_TRUE(server);
  TlsClient client(server->port(), ca());
  ASSERT_TRUE(client.handshake());
  for (const std::string target : {"/first", "/second"}) {
    ASSERT_TRUE(client.send(get(target)));
    const std::string response = client.read_response();
    EXPECT_TRUE(response.starts_with("HTTP/1.1 200")) << response;
    EXPECT_NE(response.find("Strict-Transport-Security: max-age=31536000\r\n"), std::string::npos)
        << response;
    EXPECT_TRUE(response.ends_with("GET " + target)) << response;
  }
}

TEST_F(HttpServerTls, PlainHttpServesNoHsts) {
  HttpServerOptions o = options();
  o.tls.reset();
  auto server = start(o);
  ASSERT_TRUE(server);
  const Ran r = run("curl -sS -i http://127.0.0.1:" + std::to_string(server->port()) + "/x");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("GET /x"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Strict-Transport-Security"), std::string::npos) << r.output;
}

TEST_F(HttpServerTls, AnswersGarbageWith400JsonAndHstsAndCloses) {
  auto server = start(options());
  ASSERT_TRUE(server);
  TlsClient client(server->port(), ca());
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.send("NOT HTTP AT ALL\r\n\r\n"));
  const std::string response = client.read_response();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 400")) << response;
  EXPECT_NE(response.find("\"invalid_argument\""), std::string::npos) << response;
  EXPECT_NE(response.find("Strict-Transport-Security: max-age=31536000"), std::string::npos);
  EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
  EXPECT_TRUE(client.closed_by_server(5s));
}

TEST_F(HttpServerTls, RefusesSmugglingFramingOverTls) {
  auto server = start(options());
  ASSERT_TRUE(server);
  TlsClient client(server->port(), ca());
  ASSERT_TRUE(client.handshake());
  const std::string hidden = get("/smuggled");
  ASSERT_TRUE(
      client.send("POST /things HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n"
                  "Content-Length: " +
                  std::to_string(hidden.size()) + "\r\n\r\n" + hidden));
  const std::string response = client.read_response();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 400")) << response;
  EXPECT_TRUE(client.closed_by_server(5s));
}

// The handshake counts against header_timeout: a client that connects and never says hello
// holds its connection no longer than a slow request head.
TEST_F(HttpServerTls, ClosesAConnectionThatNeverHandshakesAfterTheHeaderTimeout) {
  HttpServerOptions o = options();
  o.header_timeout = 1s;
  auto server = start(o);
  ASSERT_TRUE(server);
  TlsClient silent(server->port(), ca());
  ASSERT_TRUE(silent.connected());
  const auto started = SteadyClock::now();
  pollfd p{silent.fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1) << "the server did not close the silent connection";
  char byte;
  EXPECT_LE(::recv(silent.fd(), &byte, 1, 0), 0);
  const auto waited = SteadyClock::now() - started;
  EXPECT_GE(waited, 800ms);
  EXPECT_LE(waited, 3s);
}

TEST_F(HttpServerTls, CutsOffASlowlorisAfterTheHeaderTimeoutOverTls) {
  HttpServerOptions o = options();
  o.header_timeout = 1s;
  auto server = start(o);
  ASSERT_TRUE(server);
  TlsClient client(server->port(), ca());
  ASSERT_TRUE(client.handshake());
  const auto started = SteadyClock::now();
  bool cut = false;
  for (char byte : std::string("GET / HTTP/1.1\r\nX-Pad: ") + std::string(40, 'a')) {
    if (!client.send(std::string_view(&byte, 1)) || client.closed_by_server(100ms)) {
      cut = true;
      break;
    }
  }
  EXPECT_TRUE(cut);
  EXPECT_LE(SteadyClock::now() - started, 3s);
  // Others are still served.
  TlsClient other(server->port(), ca());
  ASSERT_TRUE(other.handshake());
  ASSERT_TRUE(other.send(get("/after")));
  EXPECT_TRUE(other.read_response().ends_with("GET /after"));
}

TEST_F(HttpServerTls, ClosesAConnectionOverItsAddressCapBeforeTheHandshake) {
  HttpServerOptions o = options();
  o.max_connections_per_address = 1;
  auto server = start(o);
  ASSERT_TRUE(server);
  TlsClient first(server->port(), ca());
  ASSERT_TRUE(first.handshake());
  TlsClient second(server->port(), ca());
  EXPECT_FALSE(second.handshake());
  ASSERT_TRUE(first.send(get("/still")));
  EXPECT_TRUE(first.read_response().ends_with("GET /still"));
}

TEST_F(HttpServerTls, ShutdownLetsARequestInFlightFinishOverTls) {
  auto server = start(options());
  ASSERT_TRUE(server);
  TlsClient client(server->port(), ca());
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.send(get("/slow")));
  std::this_thread::sleep_for(100ms);
  std::thread stopper([&] { server->shutdown(5s); });
  const std::string response = client.read_response();
  stopper.join();
  EXPECT_TRUE(response.ends_with("GET /slow")) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
}

TEST_F(HttpServerTls, ClosesAPlainHttpRequestWithoutAnAnswerAndGoesOn) {
  auto server = start(options());
  ASSERT_TRUE(server);
  const std::string url = "127.0.0.1:" + std::to_string(server->port());
  const Ran plain = run("curl -sS --max-time 5 http://" + url + "/x");
  EXPECT_NE(plain.status, 0) << plain.output;
  const Ran tls =
      run("curl -sS --max-time 5 --cacert " + shell_quoted(ca()) + " https://" + url + "/y");
  EXPECT_EQ(tls.status, 0) << tls.output;
  EXPECT_EQ(tls.output, "GET /y");
}

TEST_F(HttpServerTls, RefusesToStartWithAKeyOfAnotherCertificate) {
  HttpServerOptions o = options();
  o.tls->private_key_file = certificates_->other_key;
  Result<std::unique_ptr<HttpServer>> server = HttpServer::start(handler_, o);
  ASSERT_FALSE(server.is_ok());
  EXPECT_EQ(server.status().code(), Code::kInvalidArgument);
  EXPECT_NE(server.status().message().find("does not belong"), std::string::npos)
      << server.status().message();
}

// ---------------------------------------------------------------------------------------------
// `gaplog serve --tls-cert --tls-key` and the CLI against it: the built binary.

// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool has_ipv6_loopback() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// One data directory and one `gaplog serve` over TLS for the whole suite (each start costs).
class TlsServe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certificates_ = new Certificates();
    if (!certificates_->error.empty()) return;
    data_ = certificates_->dir.sub("data");
    token_ = init(data_);
    if (token_.empty()) return;
    server_ = start_serve(data_,
                          {"--listen", "127.0.0.1:0", "--tls-cert", certificates_->cert,
                           "--tls-key", certificates_->key},
                          "https://127\\.0\\.0\\.1:([0-9]+)/", port_);
  }
  // `gaplog init` of a new data directory; the admin's token ("" when it failed).
  static std::string init(const std::string& data) {
    const Ran r = gaplog("--data " + data + " init --admin ada@example.com");
    std::smatch m;
    if (r.status != 0 || !std::regex_search(r.output, m, std::regex("(gaplog_[0-9a-f]{64})"))) {
      return "";
    }
    return m[1];
  }
  static void TearDownTestSuite() {
    if (server_) testing::stop_child(*server_, SIGTERM);
    delete server_;
    server_ = nullptr;
    delete certificates_;
    certificates_ = nullptr;
  }
  void SetUp() override {
    ASSERT_EQ(certificates_->error, "");
    ASSERT_FALSE(token_.empty()) << "gaplog init failed";
    ASSERT_NE(port_, 0) << "gaplog serve --tls-cert did not start";
  }

  // `gaplog serve ARGS` on `data`, and the port its first line names (0 when it did not start).
  static testing::ChildProcess* start_serve(const std::string& data, std::vector<std::string> args,
                                            const std::string& url_pattern, uint16_t& port) {
    std::vector<std::string> argv = {GAPLOG_BINARY, "--data", data, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto* child =
        new testing::ChildProcess(testing::start_child(argv, certificates_->dir.sub("serve.log")));
    std::smatch m;
    port = std::regex_search(child->output, m, std::regex(url_pattern))
               ? static_cast<uint16_t>(std::stoi(m[1]))
               : 0;
    return child;
  }

  // The gaplog binary with `args`, GAPLOG_CACERT unset unless `args` sets it.
  static Ran gaplog(const std::string& args) {
    return run("env -u GAPLOG_CACERT -u GAPLOG_SERVER -u GAPLOG_TOKEN " +
               std::string(GAPLOG_BINARY) + " " + args);
  }
  static std::string https_url(const std::string& host = "127.0.0.1") {
    return "https://" + host + ":" + std::to_string(port_);
  }
  static std::string remote(const std::string& url) {
    return "--server " + url + " --token " + token_;
  }

  static Certificates* certificates_;
  static std::string data_, token_;
  static testing::ChildProcess* server_;
  static uint16_t port_;
};
Certificates* TlsServe::certificates_ = nullptr;
std::string TlsServe::data_, TlsServe::token_;
testing::ChildProcess* TlsServe::server_ = nullptr;
uint16_t TlsServe::port_ = 0;

TEST_F(TlsServe, RefusesTls11AndAcceptsTls12And13) {
  const std::string connect = "openssl s_client -connect 127.0.0.1:" + std::to_string(port_) +
                              " -CAfile " + shell_quoted(certificates_->ca) +
                              " -verify_return_error";
  // SECLEVEL=0 lets the client offer TLS 1.1 at all: the refusal is then the server's alert.
  const Ran old = run(connect + " -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'");
  EXPECT_NE(old.status, 0) << old.output;
  EXPECT_NE(old.output.find("alert protocol version"), std::string::npos) << old.output;
  const Ran v12 = run(connect + " -tls1_2");
  EXPECT_EQ(v12.status, 0) << v12.output;
  EXPECT_NE(v12.output.find("Protocol  : TLSv1.2"), std::string::npos) << v12.output;
  EXPECT_NE(v12.output.find("Verify return code: 0 (ok)"), std::string::npos) << v12.output;
  const Ran v13 = run(connect + " -tls1_3");
  EXPECT_EQ(v13.status, 0) << v13.output;
  EXPECT_NE(v13.output.find("TLSv1.3"), std::string::npos) << v13.output;
}

TEST_F(TlsServe, CurlGetsTheHealthCheckWithHsts) {
  const Ran r = run("curl -sS -i --cacert " + shell_quoted(certificates_->ca) + " " + https_url() +
                    "/healthz");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with("HTTP/1.1 200")) << r.output;
  EXPECT_NE(r.output.find("Strict-Transport-Security: max-age=31536000\r\n"), std::string::npos)
      << r.output;
  // And curl with TLS 1.1 at most is refused.
  const Ran old = run("curl -sS --tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT:@SECLEVEL=0' --cacert " +
                      shell_quoted(certificates_->ca) + " " + https_url() + "/healthz");
  EXPECT_NE(old.status, 0) << old.output;
}

TEST_F(TlsServe, TheCliWithCacertRunsACommand) {
  const Ran r =
      gaplog(remote(https_url()) + " --cacert " + shell_quoted(certificates_->ca) + " readiness");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("CC6.1"), std::string::npos) << r.output;
  // The CA from the environment, and the certificate's DNS name.
  const Ran by_env =
      run("GAPLOG_CACERT=" + shell_quoted(certificates_->ca) + " " + std::string(GAPLOG_BINARY) +
          " " + remote(https_url("localhost")) + " --json finding list");
  EXPECT_EQ(by_env.status, 0) << by_env.output;
  EXPECT_NE(by_env.output.find("\"items\""), std::string::npos) << by_env.output;
}

// An upload and a streamed download of a few MiB over TLS: the bytes come back unchanged.
TEST_F(TlsServe, TheCliUploadsAndDownloadsEvidenceOverTls) {
  const std::string original = certificates_->dir.sub("evidence.bin");
  const std::string copy = certificates_->dir.sub("copy.bin");
  ASSERT_EQ(run("head -c 3000000 /dev/urandom > " + shell_quoted(original)).status, 0);
  const std::string cli = remote(https_url()) + " --cacert " + shell_quoted(certificates_->ca);
  const Ran added =
      gaplog(cli + " evidence add " + shell_quoted(original) + " --type application/octet-stream");
  ASSERT_EQ(added.status, 0) << added.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(added.output, m, std::regex("E-[0-9]+"))) << added.output;
  const Ran got = gaplog(cli + " evidence get " + m[0].str() + " -o " + shell_quoted(copy));
  ASSERT_EQ(got.status, 0) << got.output;
  EXPECT_EQ(run("cmp " + shell_quoted(original) + " " + shell_quoted(copy)).status, 0);
}

TEST_F(TlsServe, TheCliRefusesTheSelfSignedCertificateWithoutCacert) {
  const Ran r = gaplog(remote(https_url()) + " readiness");
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("not trusted"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--cacert"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

// The CLI's side of "TLS 1.2 at least": a server that speaks only TLS 1.1 (which curl, told to,
// does reach: the refusal is the CLI's) is refused.
TEST_F(TlsServe, TheCliRefusesAServerThatOnlySpeaksTls11) {
  const std::string port = std::to_string(unused_port());
  testing::ChildProcess server = testing::start_child(
      {"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:" + port, "-www", "-tls1_1", "-cipher",
       "DEFAULT:@SECLEVEL=0", "-cert", certificates_->cert, "-key", certificates_->key},
      certificates_->dir.sub("s_server.log"));
  const std::string url = "https://127.0.0.1:" + port;
  Ran reached;
  for (int i = 0; i < 20; ++i) {
    reached = run("curl -sS --tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT:@SECLEVEL=0' --cacert " +
                  shell_quoted(certificates_->ca) + " " + url + "/");
    if (reached.status == 0) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(reached.status, 0) << "curl could not reach the TLS 1.1 server: " << reached.output;
  const Ran r = gaplog(remote(url) + " --cacert " + shell_quoted(certificates_->ca) + " readiness");
  testing::stop_child(server, SIGTERM);
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("TLS handshake"), std::string::npos) << r.output;
}

TEST_F(TlsServe, TheCliSaysToUseHttpsWhenTheServerServesTls) {
  const Ran r = gaplog(remote("http://127.0.0.1:" + std::to_string(port_)) + " readiness");
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("https://"), std::string::npos) << r.output;
}

TEST_F(TlsServe, TheCliRefusesAMissingCacertFileAsAUsageError) {
  const Ran r = gaplog(remote(https_url()) + " --cacert /nonexistent/ca.pem readiness");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/ca.pem"), std::string::npos) << r.output;
}

TEST_F(TlsServe, ServeRefusesBadTlsOptionsBeforeListening) {
  const auto& c = *certificates_;
  const std::string serve = "--data " + data_ + "-unused serve --listen 127.0.0.1:0 ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--tls-cert " + c.cert, "both --tls-cert"},
      {"--tls-key " + c.key, "both --tls-cert"},
      {"--tls-cert /nonexistent.pem --tls-key " + c.key, "/nonexistent.pem: cannot read it"},
      {"--tls-cert " + c.key + " --tls-key " + c.key, "holds no PEM certificate"},
      {"--tls-cert " + c.cert + " --tls-key " + c.cert, "holds no unencrypted PEM private key"},
      {"--tls-cert " + c.cert + " --tls-key " + c.other_key, "does not belong to the certificate"},
      {"--tls-cert " + c.cert + " --tls-key " + c.key + " --public-url http://gaplog.example",
       "https://"},
  };
  for (const auto& [options, expected] : cases) {
    SCOPED_TRACE(options);
    const Ran r = gaplog(serve + options);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
  }
  // Nothing was created: the usage error came first.
  EXPECT_NE(::access((data_ + "-unused").c_str(), F_OK), 0);
}

TEST_F(TlsServe, TheCliReachesAServerOnTheIpv6Loopback) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "this machine has no IPv6 loopback (::1)";
  const std::string data = certificates_->dir.sub("data6");
  const std::string token = init(data);
  ASSERT_FALSE(token.empty());
  uint16_t port = 0;
  std::unique_ptr<testing::ChildProcess> server(
      start_serve(data, {"--listen", "[::1]:0"}, "http://\\[::1\\]:([0-9]+)/", port));
  ASSERT_NE(port, 0) << server->output;
  const Ran r =
      gaplog("--server http://[::1]:" + std::to_string(port) + " --token " + token + " readiness");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("CC6.1"), std::string::npos) << r.output;
  testing::stop_child(*server, SIGTERM);
}

TEST_F(TlsServe, TheCliGivesUpOnASilentServerAfterItsReadTimeout) {
  // Accepts (the kernel completes the handshake for the backlog) and never answers.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  const auto started = SteadyClock::now();
  const Ran r = gaplog(remote("http://127.0.0.1:" + std::to_string(ntohs(address.sin_port))) +
                       " --timeout 2 readiness");
  const auto waited = SteadyClock::now() - started;
  ::close(fd);
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("timed out after 2 s"), std::string::npos) << r.output;
  EXPECT_GE(waited, 1900ms);
  EXPECT_LE(waited, 5s);
}

TEST_F(TlsServe, TheCliSaysConnectionRefused) {
  const Ran r = gaplog(remote("http://127.0.0.1:" + std::to_string(unused_port())) + " readiness");
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("connection refused"), std::string::npos) << r.output;
}

TEST_F(TlsServe, TheCliRefusesAServerUrlItCannotUse) {
  for (const std::string url : {"127.0.0.1:8080", "ftp://127.0.0.1:21", "http://127.0.0.1:1/api"}) {
    const Ran r = gaplog(remote(url) + " readiness");
    EXPECT_EQ(r.status, 2) << url << "\n" << r.output;
    EXPECT_NE(r.output.find("--server takes"), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace gaplog
