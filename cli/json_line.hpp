// One JSON object on one line, written straight into a string. A figure's
// nlohmann::json tree (a std::map of some twenty keys, each value its own
// node) cost more than the rest of the output path; this writes each value
// once. Keys come out sorted, as nlohmann::json sorts an object's keys, so
// the line is the same byte for byte (fields added in key order skip the
// sort). Doubles, and strings that are not well-formed UTF-8, are still
// written by nlohmann::json.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace figtrail::cli {

class JsonLine {
 public:
  // Keys must outlive the JsonLine (string literals do) and be unique.
  JsonLine& text(std::string_view key, std::string_view value);
  JsonLine& text_or_null(std::string_view key, std::string_view value);  // empty: null
  JsonLine& integer(std::string_view key, std::int64_t value);
  JsonLine& integer_or_null(std::string_view key, std::optional<std::int64_t> value);
  JsonLine& real(std::string_view key, double value);
  JsonLine& real_or_null(std::string_view key, std::optional<double> value);
  JsonLine& boolean(std::string_view key, bool value);

  // Appends `{...}` and a newline to `out`.
  void append_to(std::string& out) const;

 private:
  struct Field {
    std::string_view key;
    std::size_t begin, end;  // the value's JSON in values_
  };
  JsonLine& add(std::string_view key, std::string_view json);
  JsonLine& start(std::string_view key);
  void finish();

  std::vector<Field> fields_;
  std::string values_;
};

// `text` as a JSON string (quotes included), appended to `out`.
void append_json_string(std::string& out, std::string_view text);

}  // namespace figtrail::cli
