// Certificates made at test time with OpenSSL's C API: a self-signed CA and server certificates
// it signs, for TLS servers on loopback. Keys are P-256 (fast to generate); certificates are
// valid from a minute ago for one day. Everything is returned as PEM text.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace gaplog::testing {

namespace certificates_detail {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct ExtensionFree {
  void operator()(X509_EXTENSION* ext) const { X509_EXTENSION_free(ext); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

inline Pkey new_key() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "EVP_PKEY_Q_keygen");
  return key;
}

// Adds the extension `nid` = `value` (openssl.cnf syntax) with issuer `issuer`.
inline void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  const std::unique_ptr<X509_EXTENSION, ExtensionFree> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

// A certificate for `key` named CN=`common_name`, not yet signed nor extended. The issuer's
// name is `issuer_name` (the certificate's own for a self-signed one).
inline Cert new_certificate(EVP_PKEY* key, const std::string& common_name, int64_t serial,
                            const X509_NAME* issuer_name) {
  Cert cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
  check(ASN1_INTEGER_set_int64(X509_get_serialNumber(cert.get()), serial) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(common_name.c_str());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) == 1, "CN");
  check(X509_set_issuer_name(cert.get(), issuer_name != nullptr ? issuer_name : name) == 1,
        "X509_set_issuer_name");
  check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  return cert;
}

inline std::string pem_of(X509* cert) {
  const std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<size_t>(size)};
}

inline std::string pem_of(EVP_PKEY* key) {
  const std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr &&
            PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<size_t>(size)};
}

}  // namespace certificates_detail

struct CertificateAndKey {
  std::string certificate_pem;
  std::string private_key_pem;
};

// A self-signed CA ("CN=gaplog test CA") that issues server certificates.
class TestCertificateAuthority {
 public:
  TestCertificateAuthority() : key_(certificates_detail::new_key()) {
    namespace d = certificates_detail;
    cert_ = d::new_certificate(key_.get(), "gaplog test CA", 1, nullptr);
    d::add_extension(cert_.get(), cert_.get(), NID_basic_constraints, "critical,CA:TRUE");
    d::add_extension(cert_.get(), cert_.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    d::add_extension(cert_.get(), cert_.get(), NID_subject_key_identifier, "hash");
    d::check(X509_sign(cert_.get(), key_.get(), EVP_sha256()) > 0, "X509_sign (CA)");
  }

  std::string certificate_pem() const { return certificates_detail::pem_of(cert_.get()); }

  // A server certificate whose subjectAltName is `subject_alt_name` (openssl.cnf syntax, e.g.
  // "IP:127.0.0.1" or "DNS:other.example"), signed by this CA, with its new key.
  CertificateAndKey issue(const std::string& subject_alt_name) {
    namespace d = certificates_detail;
    const d::Pkey key = d::new_key();
    const d::Cert cert = d::new_certificate(key.get(), "gaplog test server", ++serial_,
                                            X509_get_subject_name(cert_.get()));
    d::add_extension(cert.get(), cert_.get(), NID_basic_constraints, "critical,CA:FALSE");
    d::add_extension(cert.get(), cert_.get(), NID_key_usage, "critical,digitalSignature");
    d::add_extension(cert.get(), cert_.get(), NID_ext_key_usage, "serverAuth");
    d::add_extension(cert.get(), cert_.get(), NID_subject_alt_name, subject_alt_name.c_str());
    d::add_extension(cert.get(), cert_.get(), NID_authority_key_identifier, "keyid:always");
    d::check(X509_sign(cert.get(), key_.get(), EVP_sha256()) > 0, "X509_sign (server)");
    return {d::pem_of(cert.get()), d::pem_of(key.get())};
  }

 private:
  certificates_detail::Pkey key_;
  certificates_detail::Cert cert_;
  int64_t serial_ = 1;
};

}  // namespace gaplog::testing
