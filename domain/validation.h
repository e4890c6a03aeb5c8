// Limits and input checks of SPEC §9. Pure functions: no I/O, safe from any thread.
//
// Every check returns ok or a kInvalidArgument Status whose message names the field, says what
// is wrong and how to fix it, and quotes at most 40 characters of the bad input (with control
// characters and invalid bytes escaped), so an error never echoes a huge or hostile value.
// `field` is the name the user knows the value by, normally the JSON field ("title").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace gaplog {

// Lengths are counted in Unicode code points ("characters"), not bytes.
constexpr size_t kMaxTitleChars = 200;
constexpr size_t kMaxLongTextChars = 10'000;  // description, comment, justification, reason
constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxEmailChars = 254;
constexpr size_t kMaxFilenameChars = 255;
constexpr size_t kMaxMediaTypeChars = 127;
constexpr size_t kMaxControlIdChars = 32;
constexpr size_t kMaxTestEvidence = 100;   // evidence ids one control test lists
constexpr size_t kMaxBulkFindings = 1000;  // findings one bulk action names
constexpr size_t kMaxVersionChars = 64;    // a reviewed document's own version label

// Strict UTF-8: rejects overlong encodings, surrogates (U+D800..U+DFFF), code points above
// U+10FFFF, stray continuation bytes and truncated sequences.
bool is_valid_utf8(std::string_view s);

// Length of the well-formed UTF-8 sequence starting at s[pos] (pos < s.size()), or 0 when the
// bytes there are not one (the table of well-formed sequences of the Unicode standard, 3-7).
size_t utf8_sequence_length(std::string_view s, size_t pos);

// Byte offset of the first byte that does not start a well-formed sequence, if any.
std::optional<size_t> first_invalid_utf8_byte(std::string_view s);

// Number of code points in `s`. `s` must be valid UTF-8 (otherwise the count is meaningless).
size_t utf8_length(std::string_view s);

// At most 40 characters of `input`, in single quotes, for use in an error message. Control
// characters, DEL and bytes that are not valid UTF-8 are shown as \xNN; a cut is marked "…".
std::string quoted_excerpt(std::string_view input);

// Free text. Checks, in order: valid UTF-8; at most `max_chars` code points; when `required`,
// not empty or only ASCII whitespace; no C0 control character (U+0000..U+001F) nor DEL, except
// that `multiline` text may contain \n, \r and \t. Single-line fields (title, name) accept none.
Status check_text(std::string_view field, std::string_view value, size_t max_chars, bool required,
                  bool multiline);

// A pragmatic e-mail check: ASCII only, at most 254 characters, no spaces or control characters,
// exactly one '@', a non-empty local part, and a domain containing a dot with no empty label
// ("a@b.c" passes, "a@.c", "a@b." and "a@b..c" do not).
Status check_email(std::string_view field, std::string_view email);

// E-mail addresses are compared case-insensitively: gaplog stores and compares the normalized
// form, which is the whole address lowercased (ASCII). Normalize after check_email.
std::string normalize_email(std::string_view email);

// A control id chosen by the user (SPEC §1): [A-Za-z0-9][A-Za-z0-9._-]{0,31}.
Status check_control_id(std::string_view id);

// A calendar date "YYYY-MM-DD" (see parse_date in domain/time.h). "2023-02-29" is rejected.
Status check_date(std::string_view field, std::string_view date);

// An evidence file name as uploaded: a plain name of 1..255 characters of valid UTF-8, not
// blank (only spaces or invisible characters such as U+00A0, U+200B, U+3000), not "." or "..",
// no '/' or '\\', no control character (C0, DEL, C1 U+0080..U+009F) and no bidirectional
// formatting character (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), which could
// make the name display as another ("\u202Efdp.exe" reads "exe.pdf"). It is metadata only:
// blobs are stored by hash.
Status check_filename(std::string_view filename);

// An id the server numbers, "<prefix>-<n>" (F-12, E-3): n a whole number from 1 to 2^64-1
// written without leading zeros. `field` names the value in the message ("after").
Status check_numbered_id(std::string_view field, std::string_view id, std::string_view prefix);

// A media type "type/subtype" whose names use RFC 6838 restricted-name characters
// (letter or digit first, then letters, digits and ! # $ & - ^ _ . +, at most 127 each), in any
// case, optionally followed by parameters such as "; charset=utf-8" (token=token or
// token="quoted string"). ASCII only, at most 127 characters in all. The value is accepted
// as given: parameters are kept.
Status check_media_type(std::string_view media_type);

// A file name safe to put in a Content-Disposition header: every character outside
// [A-Za-z0-9._ -] becomes '_' (one per code point), leading dots and spaces and trailing dots
// and spaces are dropped, and the result is at most 100 bytes (a short extension is kept when
// the name is cut). Never empty: falls back to "evidence".
std::string safe_download_name(std::string_view filename);

}  // namespace gaplog
