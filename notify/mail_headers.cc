// The header lines of a reminder's mail: the only part of the message gaplog writes itself
// (libcurl's mime API writes the body, its parts and their encodings). Everything that goes
// into a header is checked here, since a CR or LF in it would start a header of the caller's
// choosing (or end the headers early).
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "domain/text.h"
#include "notify/base64.h"
#include "notify/smtp_mailer.h"

namespace gaplog {

namespace {

// For messages: what was refused, without the control characters that were the reason.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 80)) {
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  }
  return out;
}

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// A plain local@domain: printable ASCII, one '@', no spaces, commas, angle brackets, quotes,
// parentheses or semicolons (no display names, no quoted local parts, no address lists).
Status check_address(std::string_view address, std::string_view role) {
  const size_t at = address.find('@');
  bool plain = at != std::string_view::npos && at > 0 && at + 1 < address.size() &&
               address.find('@', at + 1) == std::string_view::npos;
  for (const char c : address) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f ||
        std::string_view("<>,;\"()\\").find(c) != std::string_view::npos) {
      plain = false;
    }
  }
  if (plain) return Status::ok();
  return invalid_argument(fmt::format(
      "the {} address '{}' is not a plain address like name@example.com (printable ASCII, no "
      "spaces, commas, quotes or angle brackets)",
      role, printable(address)));
}

// Headers this file writes; an extra header may not replace them, nor the MIME ones libcurl
// writes.
constexpr std::array<std::string_view, 9> kOwnHeaders = {"Date",
                                                         "From",
                                                         "To",
                                                         "Subject",
                                                         "Message-ID",
                                                         "MIME-Version",
                                                         "Content-Type",
                                                         "Content-Transfer-Encoding",
                                                         "Content-Disposition"};

Status check_extra_header(const std::string& name, const std::string& value) {
  bool token = !name.empty();
  for (const char c : name) {
    if (c <= 0x20 || c >= 0x7f || c == ':') token = false;
  }
  if (!token) {
    return invalid_argument(
        fmt::format("the mail header name '{}' must be printable ASCII without spaces or ':'",
                    printable(name)));
  }
  for (const std::string_view own : kOwnHeaders) {
    if (equals_ignoring_ascii_case(name, own)) {
      return invalid_argument(
          fmt::format("the mail header {} is written by gaplog; it cannot be given", name));
    }
  }
  if (has_line_break(value)) {
    return invalid_argument(fmt::format("the mail header {} has a line break in its value", name));
  }
  return Status::ok();
}

Status check_message(const MailMessage& message, std::string_view from) {
  GAPLOG_RETURN_IF_ERROR(check_address(from, "sender"));
  if (message.to.empty()) return invalid_argument("the message has no recipient");
  for (const std::string& to : message.to) GAPLOG_RETURN_IF_ERROR(check_address(to, "recipient"));
  if (has_line_break(message.subject)) {
    return invalid_argument("the subject of the message has a line break");
  }
  if (message.message_id.find_first_of("\r\n\t <>") != std::string::npos) {
    return invalid_argument(fmt::format(
        "the Message-ID '{}' may not hold spaces, line breaks or angle brackets (gaplog adds the "
        "brackets)",
        printable(message.message_id)));
  }
  if (message.date <= 0) return invalid_argument("the message has no date");
  for (const auto& [name, value] : message.headers) {
    GAPLOG_RETURN_IF_ERROR(check_extra_header(name, value));
  }
  return Status::ok();
}

bool is_plain_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return true;
}

// RFC 2047 "B" encoded words of at most 75 characters ("=?UTF-8?B?" + 60 + "?="), each holding
// whole UTF-8 characters (§5: a multi-byte character may not be split between words), folded
// onto lines of their own.
std::string encoded_words(std::string_view text) {
  constexpr size_t kMaxBytesPerWord = 45;  // 60 base64 characters
  std::string out;
  while (!text.empty()) {
    size_t take = std::min(kMaxBytesPerWord, text.size());
    while (take < text.size() && take > 0 &&
           (static_cast<unsigned char>(text[take]) & 0xc0) == 0x80) {
      --take;  // text[take] continues a character: end the word before that character
    }
    if (take == 0) take = std::min(kMaxBytesPerWord, text.size());  // not UTF-8; split anyway
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64_encode(text.substr(0, take)) + "?=";
    text.remove_prefix(take);
  }
  return out;
}

}  // namespace

std::string rfc5322_date(Micros instant) {
  using std::chrono::days;
  using std::chrono::microseconds;
  using std::chrono::seconds;
  const auto second =
      std::chrono::floor<seconds>(std::chrono::sys_time<microseconds>(microseconds(instant)));
  const auto day = std::chrono::floor<days>(second);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss time(second - day);
  constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
  constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000",
                     kWeekdays[std::chrono::weekday(day).c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

Result<std::vector<std::string>> mail_header_lines(const MailMessage& message,
                                                   std::string_view from) {
  GAPLOG_RETURN_IF_ERROR(check_message(message, from));
  std::vector<std::string> lines;
  lines.push_back("Date: " + rfc5322_date(message.date));
  lines.push_back(fmt::format("From: <{}>", from));
  std::string to = "To: ";
  for (size_t i = 0; i < message.to.size(); ++i) {
    to += fmt::format("{}<{}>", i == 0 ? "" : ",\r\n ", message.to[i]);
  }
  lines.push_back(std::move(to));
  // An ASCII subject that looks like an encoded word would be decoded by the reader: encode it.
  const bool plain =
      is_plain_ascii(message.subject) && message.subject.find("=?") == std::string::npos;
  lines.push_back("Subject: " + (plain ? message.subject : encoded_words(message.subject)));
  if (!message.message_id.empty())
    lines.push_back(fmt::format("Message-ID: <{}>", message.message_id));
  for (const auto& [name, value] : message.headers)
    lines.push_back(fmt::format("{}: {}", name, value));
  return lines;
}

}  // namespace gaplog
