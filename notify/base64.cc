// OpenSSL's EVP_EncodeBlock and EVP_DecodeBlock do the work. EVP_DecodeBlock is lenient (it
// skips surrounding whitespace and returns the padding as zero bytes), so the text is checked
// first and the padding's bytes dropped after.
#include "notify/base64.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace gaplog {

namespace {

bool in_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');  // EVP_EncodeBlock writes a NUL
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return invalid_argument("base64 text must be a multiple of 4 characters long");
  }
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  for (size_t i = 0; i + padding < text.size(); ++i) {
    if (!in_alphabet(text[i])) {
      return invalid_argument("base64 text may hold only A-Z a-z 0-9 + / and '=' at its end");
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int decoded = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  if (decoded < 0) throw std::logic_error("EVP_DecodeBlock refused checked base64");
  out.resize(static_cast<size_t>(decoded) - padding);
  return out;
}

}  // namespace gaplog
