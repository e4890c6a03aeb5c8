// Webhooks of reminders (SPEC §11), signed as the Standard Webhooks specification says
// (https://www.standardwebhooks.com): each delivery is a JSON POST with the headers
//
//   webhook-id: <message id>          the same for every attempt of one message
//   webhook-timestamp: <unix seconds> the attempt's time
//   webhook-signature: v1,<base64 of HMAC-SHA256 over "<id>.<timestamp>.<body>">
//
// keyed with the secret's bytes (the base64 after "whsec_"). Receivers verify with the
// specification's libraries; docs/reminders.md says how. Retrying is not done here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "net/https_client.h"

namespace gaplog {

// A new signing secret as the Standard Webhooks spec writes them: "whsec_" + base64 of 32 random
// bytes (OpenSSL RAND_bytes). Throws when OpenSSL has no randomness (a broken environment).
std::string new_webhook_secret();

// "v1,<base64 HMAC-SHA256 of "<msg_id>.<timestamp>.<body>" keyed with the base64-decoded part
// after "whsec_">". kInvalidArgument for a malformed secret (no "whsec_" prefix, not base64, or
// no bytes); the message never shows the secret.
Result<std::string> webhook_signature(std::string_view secret, std::string_view message_id,
                                      int64_t timestamp_seconds, std::string_view body);

struct WebhookDelivery {
  std::string url, secret, message_id, body;  // body: the JSON text
  int64_t timestamp_seconds = 0;  // webhook-timestamp (the attempt's time, from the caller's clock)
};

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // POSTs body as application/json with webhook-id, webhook-timestamp, webhook-signature.
  // OK only for a 2xx answer. A non-2xx answer: kUnavailable "the receiver answered 500"; cannot
  // connect / timeout: kUnavailable saying so. Thread-safe.
  // kInvalidArgument, before connecting: a malformed secret, a URL the client refuses (see
  // check_outbound_url), a message id with a line break.
  virtual Status deliver(const WebhookDelivery& delivery) = 0;
};

// Uses the shared outbound client (net/https_client.h: https only, http to loopback for tests);
// `client` is borrowed and must outlive the sender. Its options set the timeouts.
std::unique_ptr<WebhookSender> make_webhook_sender(HttpsClient& client);

}  // namespace gaplog
