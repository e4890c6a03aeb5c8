// The ids a reminder goes out with (SPEC §11): derived from the firing alone (kind, subject,
// recipient, day), so that a message sent again after a crash carries the same Message-ID or
// webhook-id, and the demo's back-filled history carries the ids the server would have used.
#pragma once

#include <string>
#include <string_view>

namespace gaplog {

// The first 24 hex digits of SHA-256 of the firing's key (notification_key()).
std::string firing_digest(std::string_view kind, std::string_view subject,
                          std::string_view recipient, std::string_view day);
// "<digest>.<kind>@<host>" (a Message-ID without its angle brackets); host: the public URL's
// host, "gaplog.invalid" when it has none.
std::string mail_message_id(std::string_view kind, std::string_view subject,
                            std::string_view recipient, std::string_view day,
                            std::string_view public_url);
// "msg_<digest>" (the webhook-id).
std::string webhook_message_id(std::string_view kind, std::string_view subject,
                               std::string_view recipient, std::string_view day);

}  // namespace gaplog
