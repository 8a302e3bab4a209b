#include "json_line.hpp"

#include "figtrail/utf8.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>

namespace figtrail::cli {

namespace {

// The length of the well-formed UTF-8 sequence (Unicode's table 3-7: no
// overlong forms, surrogates or code points past U+10FFFF) that starts with
// the non-ASCII byte at `at`, or 0 when there is none; as strict as
// figtrail::is_utf8 and nlohmann::json.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const Utf8Lead rule = utf8_lead(byte(at));
  const std::size_t length = rule.length;
  if (length < 2 || text.size() - at < length) return 0;
  unsigned char low = rule.low;
  unsigned char high = rule.high;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char b = byte(at + i);
    if (b < low || b > high) return 0;
    low = 0x80;
    high = 0xBF;
  }
  return length;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  // One pass escapes and checks UTF-8: the escapes nlohmann::json writes
  // (the short forms, else \u00xx for the other control characters),
  // everything else as is.
  const std::size_t start = out.size();
  out += '"';
  std::size_t plain = 0;  // the first byte not yet copied
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      if (length == 0) {
        // Not UTF-8: nlohmann's replacement of bad bytes by U+FFFD instead.
        out.resize(start);
        out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
      }
      i += length;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(text, plain, i - plain);
    plain = ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default: {
        constexpr std::string_view kHex = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      }
    }
  }
  out.append(text, plain, text.size() - plain);
  out += '"';
}

void append_json_real(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // The formatter nlohmann::json's dump() calls for a double (grisu2, then
  // its own layout: "1.0", "1e+20"); the buffer is dump()'s size.
  std::array<char, 64> digits{};
  char* const end = nlohmann::detail::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), end);
}

JsonLine::JsonLine(std::string& out) : out_(out) { out_ += '{'; }

// Inline (it is private, used in this file only): it runs for every field.
inline std::string& JsonLine::field(std::string_view key) {
  assert(last_key_ < key && "keys in ascending order, as nlohmann::json sorts them");
  if (!last_key_.empty()) out_ += ',';
  last_key_ = key;
  out_ += '"';
  out_ += key;
  out_ += "\":";
  return out_;
}

JsonLine& JsonLine::json(std::string_view key, std::string_view value_json) {
  field(key) += value_json;
  return *this;
}

JsonLine& JsonLine::text(std::string_view key, std::string_view value) {
  append_json_string(field(key), value);
  return *this;
}

JsonLine& JsonLine::text_or_null(std::string_view key, std::string_view value) {
  return value.empty() ? json(key, "null") : text(key, value);
}

JsonLine& JsonLine::integer(std::string_view key, std::int64_t value) {
  std::array<char, 24> digits{};
  const auto [end, error] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  field(key).append(digits.data(), end);
  return *this;
}

JsonLine& JsonLine::integer_or_null(std::string_view key, std::optional<std::int64_t> value) {
  return value ? integer(key, *value) : json(key, "null");
}

JsonLine& JsonLine::real(std::string_view key, double value) {
  append_json_real(field(key), value);
  return *this;
}

JsonLine& JsonLine::real_or_null(std::string_view key, std::optional<double> value) {
  return value ? real(key, *value) : json(key, "null");
}

JsonLine& JsonLine::boolean(std::string_view key, bool value) { return json(key, value ? "true" : "false"); }

void JsonLine::end() { out_ += "}\n"; }

}  // namespace figtrail::cli
