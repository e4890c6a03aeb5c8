// The webhook sender against a receiver that verifies each delivery with the Standard Webhooks
// specification's own library (npm standardwebhooks, web/node_modules), run by node from
// tests/notify/webhook_receiver.mjs on a loopback port. The signature is checked against the
// library too, never against a value written here.
#include "notify/webhook_sender.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "codec/json.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace gaplog {
namespace {

const std::string kWebDir = GAPLOG_SOURCE_DIR "/web";
const std::string kReceiver = GAPLOG_SOURCE_DIR "/tests/notify/webhook_receiver.mjs";

// node >= 20 as scripts/lib/node.sh finds it: build/node/ (scripts/setup) first, then the PATH.
std::optional<std::string> find_node() {
  std::vector<std::string> candidates = {GAPLOG_SOURCE_DIR "/build/node/node_modules/.bin/node"};
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) candidates.push_back(dir + "/node");
  for (const std::string& candidate : candidates) {
    const std::string check =
        candidate +
        " -e \"process.exit(Number(process.versions.node.split('.')[0]) >= 20 ? 0 : "
        "1)\" >/dev/null 2>&1";
    if (::access(candidate.c_str(), X_OK) == 0 && std::system(check.c_str()) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// webhook_receiver.mjs serving in a child process, killed when the test ends.
class Receiver {
 public:
  Receiver(const std::string& node, const testing::TempDir& dir, const std::string& secret,
           const std::vector<std::string>& options)
      : records_(dir.sub("deliveries.jsonl")) {
    std::vector<std::string> argv = {node, kReceiver, "serve", kWebDir, secret, records_};
    argv.insert(argv.end(), options.begin(), options.end());
    child_ = testing::start_child(argv, dir.sub("receiver.log"));
    const size_t at = child_.output.find("PORT ");
    if (at == std::string::npos) {
      testing::stop_child(child_, SIGKILL);
      throw std::runtime_error("webhook_receiver.mjs did not start: " +
                               read_file(dir.sub("receiver.log")));
    }
    port_ = std::stoi(child_.output.substr(at + 5));
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver() { testing::stop_child(child_, SIGKILL); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/in"; }
  // What the receiver recorded of each request, in order.
  std::vector<json::Value> deliveries() const {
    std::vector<json::Value> out;
    std::stringstream lines(read_file(records_));
    for (std::string line; std::getline(lines, line);) {
      Result<json::Value> record = json::parse(line);
      if (!record.is_ok()) throw std::runtime_error(record.status().to_string());
      out.push_back(std::move(record).value());
    }
    return out;
  }

 private:
  std::string records_;
  testing::ChildProcess child_;
  int port_ = 0;
};

class WebhookSender : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::optional<std::string> node = find_node();
    if (!node) GTEST_SKIP() << "no node >= 20 on the PATH nor in build/node/ (scripts/setup)";
    if (!std::filesystem::exists(kWebDir + "/node_modules/standardwebhooks/package.json")) {
      GTEST_SKIP() << "the standardwebhooks package is not installed: run `npm ci` in web/";
    }
    node_ = *node;
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
    testing::ChildProcess sign = testing::start_child(
        {node_, kReceiver, "sign", kWebDir, secret, id, std::to_string(timestamp), body});
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
