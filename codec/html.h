// Text inside HTML: the sign-in refusal pages and the HTML part of reminder e-mails.
#pragma once

#include <string>
#include <string_view>

namespace gaplog {

// `s` with &, <, >, " and ' replaced by their character references: safe as element text and
// inside a double- or single-quoted attribute value.
std::string html_escape(std::string_view s);

}  // namespace gaplog
