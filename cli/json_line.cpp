#include "json_line.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>

#include "figtrail/ingest.hpp"

namespace figtrail::cli {

void append_json_string(std::string& out, std::string_view text) {
  if (!figtrail::is_utf8(text)) {
    // nlohmann's replacement of bad bytes by U+FFFD, as before.
    out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  // The escapes nlohmann::json writes: the short forms, else \u00xx for the
  // other control characters; everything else as is.
  out += '"';
  std::size_t plain = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, plain, i - plain);
    plain = i + 1;
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

std::string& JsonLine::field(std::string_view key) {
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
