#include "common/excerpt.h"

#include <cstdint>
#include <cstdio>

namespace trnsim {
namespace {

// The length of the UTF-8 sequence at text[i] and its code point, or 0 if it is not one
// (a stray continuation byte, an overlong form, a surrogate, a cut-off sequence).
size_t utf8_sequence(std::string_view text, size_t i, uint32_t* code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  const size_t length = lead < 0x80                    ? 1
                        : lead >= 0xC2 && lead <= 0xDF ? 2
                        : lead >= 0xE0 && lead <= 0xEF ? 3
                        : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                       : 0;
  if (length == 0 || i + length > text.size()) return 0;
  uint32_t cp = length == 1 ? lead : lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static const uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return length;
}

std::string hex_escape(const char* format, uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, format, static_cast<unsigned>(value));
  return text;
}

// How one character is shown: itself, or an escape if it could break or hide a line.
std::string shown(std::string_view text, size_t i, size_t* length) {
  uint32_t cp = 0;
  *length = utf8_sequence(text, i, &cp);
  if (*length == 0) {
    *length = 1;
    return hex_escape("\\x%02x", static_cast<unsigned char>(text[i]));
  }
  if (cp == '\n') return "\\n";
  if (cp == '\r') return "\\r";
  if (cp == '\t') return "\\t";
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return hex_escape("\\x%02x", cp);
  if (cp == 0x2028 || cp == 0x2029) return hex_escape("\\u%04x", cp);
  return std::string(text.substr(i, *length));
}

}  // namespace

std::string excerpt(std::string_view text, size_t max_chars) {
  std::string out;
  size_t chars = 0, i = 0;
  while (i < text.size() && chars < max_chars) {
    size_t length = 0;
    out += shown(text, i, &length);
    i += length;
    ++chars;
  }
  if (i < text.size()) out += "...";
  return out;
}

std::string path_excerpt(std::string_view path) { return excerpt(path, kLongExcerptChars); }

}  // namespace trnsim
