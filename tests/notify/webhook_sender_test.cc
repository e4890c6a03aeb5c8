// The webhook sender against a receiver that verifies each delivery with the Standard Webhooks
// specification's own library (npm standardwebhooks, web/node_modules), run by node from
// tests/notify/webhook_receiver.mjs on a loopback port. The signature is checked against the
// library too, never against a value written here.
#include "notify/webhook_sender.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <vector>

#include "codec/json.h"
#include "tests/support/required_tools.h"
#include "tests/support/webhook_receiver.h"

namespace gaplog {
namespace {

using testing::find_node;
using testing::kWebhookReceiver;
using Receiver = testing::WebhookReceiver;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class WebhookSender : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string missing = testing::webhook_receiver_missing(); !missing.empty()) {
      GAPLOG_NEEDS_TOOL(missing);
    }
    node_ = *find_node();
  }

  WebhookDelivery delivery(const std::string& url) const {
    WebhookDelivery d;
    d.url = url;
    d.secret = secret_;
    d.message_id = "msg_due_soon.F-3.2026-12-07";
    d.body =
        R"({"type":"reminder.due_soon","id":"msg_due_soon.F-3.2026-12-07","occurred_at":"2026-12-07T09:00:00Z","data":{"finding":"F-3","title":"Chiffrement des sauvegardes ✓"}})";
    d.timestamp_seconds = now_seconds();  // the library refuses timestamps 5 minutes off
    return d;
  }

  // What the library signs for these inputs (node webhook_receiver.mjs sign ...).
  std::string library_signature(const std::string& secret, const std::string& id, int64_t timestamp,
                                const std::string& body) const {
    testing::ChildProcess sign =
        testing::start_child({node_, kWebhookReceiver, "sign", testing::kWebDir, secret, id,
                              std::to_string(timestamp), body});
    int status = testing::stop_child(sign, 0);  // signal 0: only waits for it to finish
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << sign.output;
    return sign.output.substr(0, sign.output.find('\n'));
  }

  testing::TempDir dir_;
  std::string node_;
  std::string secret_ = new_webhook_secret();
};

TEST_F(WebhookSender, DeliveryVerifiesWithTheStandardWebhooksLibrary) {
  const Receiver receiver(node_, dir_, secret_, {});
  auto client = make_https_client();
  const WebhookDelivery d = delivery(receiver.url());
  const Status delivered = make_webhook_sender(*client)->deliver(d);
  ASSERT_TRUE(delivered.is_ok()) << delivered.to_string();
  const std::vector<json::Value> got = receiver.deliveries();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].find("verified")->as_bool()) << json::write(got[0]);
  EXPECT_EQ(got[0].find("id")->as_string(), d.message_id);
  EXPECT_EQ(got[0].find("body")->as_string(), d.body);
  EXPECT_EQ(got[0].find("content_type")->as_string(), "application/json");
}

TEST_F(WebhookSender, ReceiverWithAnotherSecretRejectsTheSignature) {
  const Receiver receiver(node_, dir_, new_webhook_secret(), {});
  auto client = make_https_client();
  // The sender cannot tell: the receiver answers 204 either way and records the verdict.
  ASSERT_TRUE(make_webhook_sender(*client)->deliver(delivery(receiver.url())).is_ok());
  const std::vector<json::Value> got = receiver.deliveries();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].find("verified")->as_bool());
  EXPECT_EQ(got[0].find("error")->as_string(), "No matching signature found");
}

TEST_F(WebhookSender, ServerErrorIsUnavailableNamingTheStatus) {
  const Receiver receiver(node_, dir_, secret_, {"--fail", "1"});
  auto client = make_https_client();
  auto sender = make_webhook_sender(*client);
  const Status failed = sender->deliver(delivery(receiver.url()));
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.code(), Code::kUnavailable);
  EXPECT_EQ(failed.message(), "the receiver answered 500");
  EXPECT_TRUE(sender->deliver(delivery(receiver.url())).is_ok());  // the retry is answered 204
  EXPECT_EQ(receiver.deliveries().size(), 2u);
}

TEST_F(WebhookSender, HangingReceiverTimesOutAsUnavailable) {
  const Receiver receiver(node_, dir_, secret_, {"--hang"});
  HttpsClientOptions options;
  options.total_timeout = std::chrono::milliseconds(500);
  auto client = make_https_client(options);
  const auto start = std::chrono::steady_clock::now();
  const Status failed = make_webhook_sender(*client)->deliver(delivery(receiver.url()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.code(), Code::kUnavailable);
  EXPECT_NE(failed.message().find("did not answer within 500 ms"), std::string::npos)
      << failed.message();
}

TEST_F(WebhookSender, UnreachableReceiverIsUnavailable) {
  // The receiver is stopped before the delivery: nothing listens on its port any more.
  std::string url;
  {
    const Receiver receiver(node_, dir_, secret_, {});
    url = receiver.url();
  }
  auto client = make_https_client();
  const Status failed = make_webhook_sender(*client)->deliver(delivery(url));
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.code(), Code::kUnavailable);
  EXPECT_NE(failed.message().find("cannot reach 127.0.0.1"), std::string::npos) << failed.message();
}

TEST_F(WebhookSender, SignatureMatchesTheLibrarysForTheSameInputs) {
  const std::string id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
  const int64_t timestamp = 1796634000;
  const std::string body = R"({"type":"reminder.overdue","data":{"title":"caf\u00e9 ✓"}})";
  for (const std::string& secret : {secret_, new_webhook_secret()}) {
    Result<std::string> ours = webhook_signature(secret, id, timestamp, body);
    ASSERT_TRUE(ours.is_ok()) << ours.status().to_string();
    EXPECT_EQ(*ours, library_signature(secret, id, timestamp, body));
  }
}

TEST(WebhookSecret, IsWhsecAnd32RandomBytesInBase64) {
  const std::string a = new_webhook_secret();
  const std::string b = new_webhook_secret();
  EXPECT_EQ(a.substr(0, 6), "whsec_");
  EXPECT_EQ(a.size(), 6u + 44u);  // base64 of 32 bytes: 44 characters, one '='
  EXPECT_EQ(a.back(), '=');
  EXPECT_NE(a, b);
}

TEST(WebhookSecret, MalformedSecretsAreRefusedWithoutBeingShown) {
  for (const char* secret : {"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!",
                             "whsec_abc", "whsec_YWJj=d=="}) {
    Result<std::string> signature = webhook_signature(secret, "msg_1", 1, "{}");
    ASSERT_FALSE(signature.is_ok()) << secret;
    EXPECT_EQ(signature.status().code(), Code::kInvalidArgument) << secret;
    if (std::string_view(secret).size() > 6) {
      EXPECT_EQ(signature.status().message().find(std::string(secret).substr(6)), std::string::npos)
          << signature.status().message();
    }
  }
  auto client = make_https_client();
  WebhookDelivery d;
  d.url = "http://127.0.0.1:9/never";
  d.secret = "whsec_";
  EXPECT_EQ(make_webhook_sender(*client)->deliver(d).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace gaplog
