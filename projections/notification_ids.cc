#include "projections/notification_ids.h"

#include "domain/hex.h"
#include "domain/state.h"
#include "store/sha256.h"

namespace gaplog {

std::string firing_digest(std::string_view kind, std::string_view subject,
                          std::string_view recipient, std::string_view day) {
  const Hash h = sha256(notification_key(kind, subject, recipient, day));
  return to_hex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size())).substr(0, 24);
}

namespace {
// The host of an http(s) origin ("https://gaplog.acme.example:8443" → "gaplog.acme.example").
std::string host_of(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "gaplog.invalid";
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  // An IPv6 literal is no domain name, which a Message-ID wants.
  if (!rest.empty() && rest.front() == '[') return "gaplog.invalid";
  rest = rest.substr(0, rest.find(':'));
  return rest.empty() ? "gaplog.invalid" : std::string(rest);
}
}  // namespace

std::string mail_message_id(std::string_view kind, std::string_view subject,
                            std::string_view recipient, std::string_view day,
                            std::string_view public_url) {
  return firing_digest(kind, subject, recipient, day) + "." + std::string(kind) + "@" +
         host_of(public_url);
}

std::string webhook_message_id(std::string_view kind, std::string_view subject,
                               std::string_view recipient, std::string_view day) {
  return "msg_" + firing_digest(kind, subject, recipient, day);
}

}  // namespace gaplog
