// The server's TLS context: its certificate and key, checked so that `serve` can say what is
// wrong with them before it listens, and the protocol versions it agrees to.
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "http/http_server_impl.h"

namespace gaplog {
namespace {

struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileClose>;

// OpenSSL's latest error as text ("" when none), clearing its queue.
std::string openssl_error() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

Result<File> open_pem(const std::string& flag, const std::string& path) {
  if (path.empty()) return invalid_argument(fmt::format("{} needs a file name", flag));
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    return invalid_argument(
        fmt::format("{} {}: cannot read it ({})", flag, path, std::strerror(errno)));
  }
  return f;
}

// Never asks for a passphrase on the terminal: an encrypted key is refused instead.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

}  // namespace

Status check_tls_files(const TlsFiles& files) {
  GAPLOG_ASSIGN_OR_RETURN(File cert_file, open_pem("--tls-cert", files.certificate_file));
  const std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_X509(cert_file.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) {
    ERR_clear_error();
    return invalid_argument(fmt::format(
        "--tls-cert {} holds no PEM certificate; give the server's certificate (-----BEGIN "
        "CERTIFICATE-----), followed by any intermediate certificates",
        files.certificate_file));
  }
  GAPLOG_ASSIGN_OR_RETURN(File key_file, open_pem("--tls-key", files.private_key_file));
  const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_PrivateKey(key_file.get(), nullptr, no_passphrase, nullptr), EVP_PKEY_free);
  if (!key) {
    ERR_clear_error();
    return invalid_argument(fmt::format(
        "--tls-key {} holds no unencrypted PEM private key; give the certificate's key without "
        "a passphrase (openssl pkey -in KEY -out KEY.plain)",
        files.private_key_file));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return invalid_argument(
        fmt::format("the key in --tls-key {} does not belong to the certificate in --tls-cert {}; "
                    "give the key the certificate was issued for",
                    files.private_key_file, files.certificate_file));
  }
  return Status::ok();
}

Result<std::unique_ptr<asio::ssl::context>> make_tls_context(const TlsFiles& files) {
  GAPLOG_RETURN_IF_ERROR(check_tls_files(files));
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  // TLS 1.2 and 1.3 only. No renegotiation (TLS 1.2), which
  // a client could use to make the server do handshakes' work over and over.
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | SSL_OP_NO_RENEGOTIATION |
                       SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return internal_error("OpenSSL refused TLS 1.2 as the lowest version: " + openssl_error());
  }
  // TLS 1.2: forward-secret AEAD suites only (no CBC, no SHA-1), as the usual "intermediate"
  // server configurations offer; TLS 1.3's suites are all of that kind already.
  if (SSL_CTX_set_cipher_list(ctx,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                              "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384") != 1) {
    return internal_error("OpenSSL refused gaplog's TLS 1.2 cipher list: " + openssl_error());
  }
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx, files.certificate_file.c_str()) != 1) {
    return invalid_argument(
        fmt::format("--tls-cert {}: {}", files.certificate_file, openssl_error()));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, files.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return invalid_argument(
        fmt::format("--tls-key {}: {}", files.private_key_file, openssl_error()));
  }
  return context;
}

}  // namespace gaplog
