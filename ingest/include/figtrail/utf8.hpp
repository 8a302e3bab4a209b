// UTF-8's well-formed byte sequences (The Unicode Standard, table 3-7), the
// one rule every strict UTF-8 reader in figtrail applies: the decoder, the
// check for a last character cut short, the JSON writer.
#pragma once

#include <cstddef>

namespace figtrail {

// What a lead byte asks of the bytes after it.
struct Utf8Lead {
  std::size_t length = 0;    // of the whole sequence; 0: not a lead byte
  unsigned char low = 0x80;  // the range of the second byte: narrower after
  unsigned char high = 0xBF; // E0 and F0 (overlong forms), ED (surrogates), F4 (past U+10FFFF)
};

[[nodiscard]] constexpr Utf8Lead utf8_lead(unsigned char lead) {
  if (lead < 0x80) return {1, 0x80, 0xBF};
  if (lead >= 0xC2 && lead <= 0xDF) return {2, 0x80, 0xBF};
  if (lead >= 0xE0 && lead <= 0xEF) {
    return {3, static_cast<unsigned char>(lead == 0xE0 ? 0xA0 : 0x80),
            static_cast<unsigned char>(lead == 0xED ? 0x9F : 0xBF)};
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    return {4, static_cast<unsigned char>(lead == 0xF0 ? 0x90 : 0x80),
            static_cast<unsigned char>(lead == 0xF4 ? 0x8F : 0xBF)};
  }
  return {};
}

}  // namespace figtrail
