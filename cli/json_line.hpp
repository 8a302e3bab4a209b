// One JSON object on one line, written straight into a string. A figure's
// nlohmann::json tree (a std::map of some twenty keys, each value its own
// node) cost more than the rest of the output path; this writes each value
// once, in place. The caller adds the fields in ascending key order, the
// order nlohmann::json sorts an object's keys in (bytewise), so the line is
// the same byte for byte with nothing to sort. Doubles are written by
// nlohmann's own formatter, strings that are not well-formed UTF-8 by
// nlohmann::json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace figtrail::cli {

class JsonLine {
 public:
  // Appends `{` to `out`; end() closes the line.
  explicit JsonLine(std::string& out);

  // Keys must be unique, come in ascending order, and outlive the JsonLine
  // (string literals do).
  JsonLine& text(std::string_view key, std::string_view value);
  JsonLine& text_or_null(std::string_view key, std::string_view value);  // empty: null
  // A value already written as JSON, such as a string that append_json_string
  // escaped once for many lines.
  JsonLine& json(std::string_view key, std::string_view value_json);
  JsonLine& integer(std::string_view key, std::int64_t value);
  JsonLine& integer_or_null(std::string_view key, std::optional<std::int64_t> value);
  JsonLine& real(std::string_view key, double value);
  JsonLine& real_or_null(std::string_view key, std::optional<double> value);
  JsonLine& boolean(std::string_view key, bool value);

  // Appends `}` and a newline.
  void end();

 private:
  // Appends the separator and `"key":`, and returns the string to append the value to.
  std::string& field(std::string_view key);

  std::string& out_;
  std::string_view last_key_;  // empty before the first field
};

// `text` as a JSON string (quotes included), appended to `out`.
void append_json_string(std::string& out, std::string_view text);

// `value` as nlohmann::json writes a double (null when not finite), appended to `out`.
void append_json_real(std::string& out, double value);

}  // namespace figtrail::cli
