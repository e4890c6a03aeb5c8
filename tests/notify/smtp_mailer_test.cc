// The SMTP mailer against a real SMTP server: aiosmtpd (Debian's python3-aiosmtpd), started by
// tests/notify/smtp_server.py on a loopback port (tests/support/smtp_test_server.h), which saves
// what it accepts and reads it back with Python's email module. Then the refusals that happen
// before any connection.
#include "notify/smtp_mailer.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "codec/json.h"
#include "tests/support/required_tools.h"
#include "tests/support/smtp_test_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace gaplog {
namespace {

constexpr Micros kDate = 1796634000 * kMicrosPerSecond;  // 2026-12-07T09:00:00Z, a Monday

using testing::SmtpServer;

std::string without_cr(std::string text) {
  std::erase(text, '\r');
  return text;
}

uint16_t unused_loopback_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

const std::string& str(const json::Value& v, std::string_view key) {
  const json::Value* member = v.find(key);
  if (member == nullptr || !member->is_string()) {
    throw std::runtime_error("no string " + std::string(key) + " in " + json::write(v));
  }
  return member->as_string();
}

MailMessage reminder() {
  MailMessage m;
  m.to = {"owner@example.com", "lead@example.org"};
  m.subject = "F-3 is due in 7 days";
  m.text = "Finding F-3 is due on 2026-12-14.\nOpen it: https://gaplog.example/findings/F-3\n";
  m.html = "<p>Finding <a href=\"https://gaplog.example/findings/F-3\">F-3</a> is due.</p>\n";
  m.message_id = "due_soon.F-3.2026-12-07.abc@gaplog";
  m.date = kDate;
  m.headers = {{"X-Gaplog-Kind", "due_soon"}};
  return m;
}

class SmtpMailer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::aiosmtpd_available()) {
      GAPLOG_NEEDS_TOOL(
          "Debian's python3-aiosmtpd is not installed (scripts/setup installs it); the mail "
          "tests need a real SMTP server");
    }
  }

  SmtpOptions options_for(const SmtpServer& server) const {
    SmtpOptions options;
    options.url = server.url();
    options.from = "gaplog@example.com";
    options.total_timeout = std::chrono::milliseconds(10000);
    return options;
  }

  // A CA for the test and a certificate for 127.0.0.1, as files for smtp_server.py.
  std::vector<std::string> starttls_options() {
    const testing::CertificateAndKey server = ca_.issue("IP:127.0.0.1");
    std::ofstream(dir_.sub("ca.pem")) << ca_.certificate_pem();
    std::ofstream(dir_.sub("server.pem")) << server.certificate_pem;
    std::ofstream(dir_.sub("server.key")) << server.private_key_pem;
    return {"--starttls-cert", dir_.sub("server.pem"), "--starttls-key", dir_.sub("server.key")};
  }

  testing::TempDir dir_;
  testing::TestCertificateAuthority ca_;
};

TEST_F(SmtpMailer, MessageArrivesWithItsEnvelopeHeadersAndBothParts) {
  const SmtpServer server(dir_, {});
  const MailMessage message = reminder();
  const Status sent = make_smtp_mailer(options_for(server))->send(message);
  ASSERT_TRUE(sent.is_ok()) << sent.to_string();

  const std::vector<json::Value> saved = server.saved();
  ASSERT_EQ(saved.size(), 1u);
  const json::Value& record = saved[0];
  EXPECT_EQ(str(record, "mail_from"), "gaplog@example.com");
  EXPECT_EQ(json::write(*record.find("rcpt_tos")), R"(["owner@example.com","lead@example.org"])");
  EXPECT_FALSE(record.find("tls")->as_bool());
  const json::Value& headers = *record.find("headers");
  EXPECT_EQ(str(headers, "From"), "gaplog@example.com");
  EXPECT_EQ(str(headers, "To"), "owner@example.com, lead@example.org");
  EXPECT_EQ(str(headers, "Subject"), "F-3 is due in 7 days");
  EXPECT_EQ(str(headers, "Date"), "Mon, 07 Dec 2026 09:00:00 +0000");
  EXPECT_EQ(str(headers, "X-Gaplog-Kind"), "due_soon");
  const std::string raw = server.raw(1);
  EXPECT_NE(raw.find("\r\nMessage-ID: <due_soon.F-3.2026-12-07.abc@gaplog>\r\n"), std::string::npos)
      << raw;

  // multipart/mixed (libcurl's root) > multipart/alternative > text/plain, text/html.
  const json::Value& mime = *record.find("mime");
  EXPECT_EQ(str(mime, "content_type"), "multipart/mixed");
  ASSERT_EQ(mime.find("parts")->items().size(), 1u);
  const json::Value& alternative = mime.find("parts")->items()[0];
  EXPECT_EQ(str(alternative, "content_type"), "multipart/alternative");
  const std::vector<json::Value>& parts = alternative.find("parts")->items();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(str(parts[0], "content_type"), "text/plain");
  EXPECT_EQ(str(parts[0], "charset"), "utf-8");
  EXPECT_EQ(without_cr(str(parts[0], "content")), message.text);
  EXPECT_EQ(str(parts[1], "content_type"), "text/html");
  EXPECT_EQ(without_cr(str(parts[1], "content")), message.html);
}

TEST_F(SmtpMailer, NonAsciiSubjectAndBodiesAreEncodedAndDecodeBack) {
  const SmtpServer server(dir_, {});
  MailMessage message = reminder();
  message.subject =
      "Échéance dans 7 jours : F-3 « Chiffrement des sauvegardes » — vérifiez les preuves ✓";
  message.text = "Bonjour Zoë,\nla constatation F-3 arrive à échéance. Ça presse ✓ 😀\n";
  message.html = "<p>Bonjour Zoë, l’échéance approche ✓</p>\n";
  const Status sent = make_smtp_mailer(options_for(server))->send(message);
  ASSERT_TRUE(sent.is_ok()) << sent.to_string();

  const std::vector<json::Value> saved = server.saved();
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(str(*saved[0].find("headers"), "Subject"), message.subject);
  const std::string raw = server.raw(1);
  EXPECT_NE(raw.find("Subject: =?UTF-8?B?"), std::string::npos) << raw;
  for (const char c : raw.substr(0, raw.find("\r\n\r\n"))) {
    EXPECT_LT(static_cast<unsigned char>(c), 0x80) << "the headers are ASCII";
  }
  const json::Value& alternative = saved[0].find("mime")->find("parts")->items()[0];
  const std::vector<json::Value>& parts = alternative.find("parts")->items();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(str(parts[0], "transfer_encoding"), "quoted-printable");
  EXPECT_EQ(without_cr(str(parts[0], "content")), message.text);
  EXPECT_EQ(without_cr(str(parts[1], "content")), message.html);
}

TEST_F(SmtpMailer, StartTlsIsUsedWhenOfferedAndAuthenticationWorks) {
  std::vector<std::string> options = starttls_options();
  options.insert(options.end(), {"--user", "mailer", "--password", "c0rrect-horse"});
  const SmtpServer server(dir_, options);
  SmtpOptions smtp = options_for(server);
  smtp.ca_file = dir_.sub("ca.pem");
  smtp.user = "mailer";
  smtp.password = "c0rrect-horse";
  const Status sent = make_smtp_mailer(smtp)->send(reminder());
  ASSERT_TRUE(sent.is_ok()) << sent.to_string();
  const std::vector<json::Value> saved = server.saved();
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_TRUE(saved[0].find("tls")->as_bool());
  EXPECT_EQ(str(saved[0], "login"), "mailer");
}

TEST_F(SmtpMailer, WrongPasswordIsRefusedWithoutShowingIt) {
  const SmtpServer server(dir_, {"--user", "mailer", "--password", "c0rrect-horse"});
  SmtpOptions smtp = options_for(server);
  smtp.user = "mailer";
  smtp.password = "wr0ng-s3cret";
  const Status sent = make_smtp_mailer(smtp)->send(reminder());
  ASSERT_FALSE(sent.is_ok());
  EXPECT_EQ(sent.code(), Code::kInvalidArgument) << sent.message();  // 535: permanent
  EXPECT_NE(sent.message().find("login"), std::string::npos) << sent.message();
  EXPECT_EQ(sent.message().find("wr0ng-s3cret"), std::string::npos) << sent.message();
  EXPECT_TRUE(server.saved().empty());
}

TEST_F(SmtpMailer, StartTlsCertificateOfAnUnknownCaIsRefusedNotSkipped) {
  const SmtpServer server(dir_, starttls_options());
  const Status sent = make_smtp_mailer(options_for(server))->send(reminder());  // system CAs
  ASSERT_FALSE(sent.is_ok());
  EXPECT_EQ(sent.code(), Code::kUnavailable) << sent.message();
  EXPECT_TRUE(server.saved().empty());
}

TEST_F(SmtpMailer, TemporaryRefusalIsUnavailableAndNothingIsSaved) {
  const SmtpServer server(dir_, {"--refuse", "1"});
  auto mailer = make_smtp_mailer(options_for(server));
  const Status refused = mailer->send(reminder());
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.code(), Code::kUnavailable) << refused.message();
  EXPECT_NE(refused.message().find("451"), std::string::npos) << refused.message();
  EXPECT_TRUE(server.saved().empty());
  const Status again = mailer->send(reminder());  // the server accepts the next one
  ASSERT_TRUE(again.is_ok()) << again.to_string();
  EXPECT_EQ(server.saved().size(), 1u);
}

TEST_F(SmtpMailer, DroppedConnectionIsUnavailable) {
  const SmtpServer server(dir_, {"--drop", "1"});
  auto mailer = make_smtp_mailer(options_for(server));
  const Status dropped = mailer->send(reminder());
  ASSERT_FALSE(dropped.is_ok());
  EXPECT_EQ(dropped.code(), Code::kUnavailable) << dropped.message();
  EXPECT_TRUE(server.saved().empty());
  EXPECT_TRUE(mailer->send(reminder()).is_ok());
}

TEST_F(SmtpMailer, UnreachableServerIsUnavailable) {
  SmtpOptions smtp;
  smtp.url = "smtp://127.0.0.1:" + std::to_string(unused_loopback_port());
  smtp.from = "gaplog@example.com";
  const Status sent = make_smtp_mailer(smtp)->send(reminder());
  ASSERT_FALSE(sent.is_ok());
  EXPECT_EQ(sent.code(), Code::kUnavailable);
  EXPECT_NE(sent.message().find(smtp.url), std::string::npos) << sent.message();
}

TEST(SmtpMailerRefusals, LineBreaksAndBadAddressesAreRefusedBeforeConnecting) {
  // A port nobody listens on: a message that got as far as connecting would be kUnavailable.
  SmtpOptions smtp;
  smtp.url = "smtp://127.0.0.1:" + std::to_string(unused_loopback_port());
  smtp.from = "gaplog@example.com";
  auto mailer = make_smtp_mailer(smtp);
  const std::vector<std::pair<std::string, void (*)(MailMessage&)>> cases = {
      {"subject", [](MailMessage& m) { m.subject = "Due\r\nBcc: victim@example.com"; }},
      {"subject LF", [](MailMessage& m) { m.subject = "Due\nX: y"; }},
      {"recipient", [](MailMessage& m) { m.to = {"a@example.com\r\nBcc: b@example.com"}; }},
      {"recipient list", [](MailMessage& m) { m.to = {"a@example.com, b@example.com"}; }},
      {"recipient brackets", [](MailMessage& m) { m.to = {"<a@example.com>"}; }},
      {"no at", [](MailMessage& m) { m.to = {"example.com"}; }},
      {"no recipient", [](MailMessage& m) { m.to.clear(); }},
      {"message id", [](MailMessage& m) { m.message_id = "x@gaplog>\r\nBcc: b@example.com"; }},
      {"header value",
       [](MailMessage& m) {
         m.headers = {{"X-Gaplog-Kind", "a\nBcc: b"}};
       }},
      {"header name",
       [](MailMessage& m) {
         m.headers = {{"X-Kind: a\r\nBcc", "b"}};
       }},
      {"own header",
       [](MailMessage& m) {
         m.headers = {{"subject", "another"}};
       }},
      {"no date", [](MailMessage& m) { m.date = 0; }},
  };
  for (const auto& [name, spoil] : cases) {
    MailMessage message = reminder();
    spoil(message);
    const Status sent = mailer->send(message);
    EXPECT_EQ(sent.code(), Code::kInvalidArgument) << name << ": " << sent.to_string();
    EXPECT_EQ(sent.message().find('\n'), std::string::npos) << name << ": " << sent.message();
  }
  SmtpOptions bad_from = smtp;
  bad_from.from = "gaplog@example.com\r\nBcc: b@example.com";
  EXPECT_EQ(make_smtp_mailer(bad_from)->send(reminder()).code(), Code::kInvalidArgument);
}

TEST(SmtpMailerRefusals, CheckSmtpUrl) {
  for (const char* ok :
       {"smtp://mail.example.com", "smtp://mail.example.com:587", "smtps://mail.example.com:465",
        "smtp://127.0.0.1:2525", "smtp://[::1]:25", "smtp://mail.example.com/"}) {
    EXPECT_TRUE(check_smtp_url(ok).is_ok()) << ok << ": " << check_smtp_url(ok).to_string();
  }
  const std::vector<std::pair<const char*, const char*>> refused = {
      {"mail.example.com:25", "smtp://"},
      {"", "not a URL"},
      {"https://mail.example.com", "smtp://"},
      {"smtp+starttls://mail.example.com", "smtp://"},
      {"smtp://", "smtp://mail.example.com:587"},
      {"smtp://user:hunter2@mail.example.com", "--smtp-user"},
      {"smtp://mail.example.com/gaplog.example", "path"},
      {"smtp://mail.example.com?x=1", "query"},
      {"smtp://mail.example.com#f", "fragment"},
  };
  for (const auto& [url, hint] : refused) {
    const Status status = check_smtp_url(url);
    EXPECT_EQ(status.code(), Code::kInvalidArgument) << url;
    EXPECT_NE(status.message().find(hint), std::string::npos) << url << ": " << status.message();
    EXPECT_EQ(status.message().find("hunter2"), std::string::npos) << status.message();
  }
  SmtpOptions bad;
  bad.url = "https://mail.example.com";
  bad.from = "gaplog@example.com";
  EXPECT_EQ(make_smtp_mailer(bad)->send(reminder()).code(), Code::kInvalidArgument);
}

TEST(SmtpMailerRefusals, AuthenticationToAnotherHostRequiresStartTls) {
  const auto requires_starttls = [](const char* url, const char* user) {
    SmtpOptions options;
    options.url = url;
    options.user = user;
    return smtp_requires_starttls(options);
  };
  EXPECT_TRUE(requires_starttls("smtp://mail.example.com:587", "mailer"));
  EXPECT_TRUE(requires_starttls("smtp://10.0.0.7", "mailer"));
  EXPECT_FALSE(requires_starttls("smtp://mail.example.com:587", ""));     // offered: used
  EXPECT_FALSE(requires_starttls("smtps://mail.example.com", "mailer"));  // TLS from the start
  EXPECT_FALSE(requires_starttls("smtp://127.0.0.1:2525", "mailer"));
  EXPECT_FALSE(requires_starttls("smtp://localhost:2525", "mailer"));
  EXPECT_FALSE(requires_starttls("smtp://[::1]:2525", "mailer"));
}

TEST(SmtpMailerRefusals, Rfc5322Date) {
  // Checked with `date -u -R -d @<seconds>`.
  EXPECT_EQ(rfc5322_date(kDate), "Mon, 07 Dec 2026 09:00:00 +0000");
  EXPECT_EQ(rfc5322_date(951782400 * kMicrosPerSecond + 999999), "Tue, 29 Feb 2000 00:00:00 +0000");
}

}  // namespace
}  // namespace gaplog
