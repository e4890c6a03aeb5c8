// make_webhook_sender and the Standard Webhooks signature. The signed content is the bytes
// "<id>.<timestamp>.<body>" exactly as sent: the body is not re-serialised anywhere after
// signing.
#include "notify/webhook_sender.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <string>

#include "notify/base64.h"

namespace gaplog {

namespace {

constexpr std::string_view kSecretPrefix = "whsec_";

class HttpsWebhookSender final : public WebhookSender {
 public:
  explicit HttpsWebhookSender(HttpsClient& client) : client_(client) {}

  Status deliver(const WebhookDelivery& delivery) override {
    GAPLOG_ASSIGN_OR_RETURN(const std::string signature,
                            webhook_signature(delivery.secret, delivery.message_id,
                                              delivery.timestamp_seconds, delivery.body));
    const OutboundHeaders headers = {
        {"webhook-id", delivery.message_id},
        {"webhook-timestamp", std::to_string(delivery.timestamp_seconds)},
        {"webhook-signature", signature},
    };
    GAPLOG_ASSIGN_OR_RETURN(const OutboundResponse response,
                            client_.post(delivery.url, "application/json", delivery.body, headers));
    if (response.status < 200 || response.status > 299) {
      // Not the URL: its path or query may hold the receiver's own token.
      return unavailable(fmt::format("the receiver answered {}", response.status));
    }
    return Status::ok();
  }

 private:
  HttpsClient& client_;
};

}  // namespace

std::string new_webhook_secret() {
  unsigned char key[32];
  if (RAND_bytes(key, sizeof key) != 1) {
    throw std::runtime_error("OpenSSL could not produce random bytes");
  }
  return std::string(kSecretPrefix) +
         base64_encode(std::string_view(reinterpret_cast<const char*>(key), sizeof key));
}

Result<std::string> webhook_signature(std::string_view secret, std::string_view message_id,
                                      int64_t timestamp_seconds, std::string_view body) {
  if (!secret.starts_with(kSecretPrefix)) {
    return invalid_argument("a webhook secret starts with \"whsec_\"");
  }
  Result<std::string> key = base64_decode(secret.substr(kSecretPrefix.size()));
  if (!key.is_ok()) {
    return invalid_argument("the webhook secret is not \"whsec_\" followed by base64");
  }
  if (key->empty()) return invalid_argument("the webhook secret has no key after \"whsec_\"");
  const std::string content = fmt::format("{}.{}.{}", message_id, timestamp_seconds, body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac,
           &mac_size) == nullptr) {
    throw std::runtime_error("OpenSSL's HMAC-SHA256 failed");
  }
  return "v1," + base64_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
}

std::unique_ptr<WebhookSender> make_webhook_sender(HttpsClient& client) {
  return std::make_unique<HttpsWebhookSender>(client);
}

}  // namespace gaplog
