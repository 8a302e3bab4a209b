#include "json_line.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>

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

JsonLine& JsonLine::start(std::string_view key) {
  fields_.push_back({key, values_.size(), 0});
  return *this;
}

void JsonLine::finish() { fields_.back().end = values_.size(); }

JsonLine& JsonLine::add(std::string_view key, std::string_view json) {
  start(key);
  values_ += json;
  finish();
  return *this;
}

JsonLine& JsonLine::text(std::string_view key, std::string_view value) {
  start(key);
  append_json_string(values_, value);
  finish();
  return *this;
}

JsonLine& JsonLine::text_or_null(std::string_view key, std::string_view value) {
  return value.empty() ? add(key, "null") : text(key, value);
}

JsonLine& JsonLine::integer(std::string_view key, std::int64_t value) {
  std::array<char, 24> digits{};
  const auto [end, error] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  return add(key, std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())));
}

JsonLine& JsonLine::integer_or_null(std::string_view key, std::optional<std::int64_t> value) {
  return value ? integer(key, *value) : add(key, "null");
}

JsonLine& JsonLine::real(std::string_view key, double value) { return add(key, nlohmann::json(value).dump()); }

JsonLine& JsonLine::real_or_null(std::string_view key, std::optional<double> value) {
  return value ? real(key, *value) : add(key, "null");
}

JsonLine& JsonLine::boolean(std::string_view key, bool value) { return add(key, value ? "true" : "false"); }

void JsonLine::append_to(std::string& out) const {
  std::vector<const Field*> sorted;
  sorted.reserve(fields_.size());
  for (const Field& f : fields_) sorted.push_back(&f);
  const auto by_key = [](const Field* a, const Field* b) { return a->key < b->key; };
  if (!std::is_sorted(sorted.begin(), sorted.end(), by_key)) std::sort(sorted.begin(), sorted.end(), by_key);
  out += '{';
  for (const Field* f : sorted) {
    if (f != sorted.front()) out += ',';
    out += '"';
    out += f->key;
    out += "\":";
    out.append(values_, f->begin, f->end - f->begin);
  }
  out += "}\n";
}

}  // namespace figtrail::cli
