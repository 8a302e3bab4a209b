// The JSON line writer (cli/json_line.hpp) against nlohmann::json, whose
// output it must reproduce byte for byte.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <limits>
#include <string>

#include "json_line.hpp"

namespace {

std::string nlohmann_string(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string written(const std::string& text) {
  std::string out;
  figtrail::cli::append_json_string(out, text);
  return out;
}

}  // namespace

TEST_CASE("strings are escaped as nlohmann::json escapes them", "[json]") {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  for (const std::string& text :
       {std::string(), std::string("plain"), std::string("say \"hi\" \\ back/slash"), controls, std::string("\x7f"),
        std::string("营收350亿美元，同比+26–30%"), std::string("emoji \xF0\x9F\x98\x80 end"),
        std::string("bad \xFF byte"), std::string("cut \xE4\xBD"), std::string("overlong \xC0\xAF"),
        std::string("surrogate \xED\xA0\x80")}) {
    INFO(text);
    CHECK(written(text) == nlohmann_string(text));
  }
  CHECK(written("a\tb\"") == R"("a\tb\"")");
  CHECK(written(std::string("\x01", 1)) == R"("\u0001")");
}

TEST_CASE("a JSON line has its keys sorted and its values typed", "[json]") {
  figtrail::cli::JsonLine line;
  line.text("unit", "USD")
      .integer("byte_start", 12)
      .real("value_usd", 302500000000.0)
      .real_or_null("fx_rate", std::nullopt)
      .integer_or_null("fx_year", 2025)
      .boolean("projection", false)
      .text_or_null("period", "")
      .real("low_usd", 0.1)
      .integer("line", -3);
  std::string out;
  line.append_to(out);
  CHECK(out ==
        R"({"byte_start":12,"fx_rate":null,"fx_year":2025,"line":-3,"low_usd":0.1,"period":null,"projection":false,)"
        R"("unit":"USD","value_usd":302500000000.0})"
        "\n");

  const nlohmann::json parsed = nlohmann::json::parse(out);
  CHECK(parsed.dump() + "\n" == out);  // nlohmann sorts its keys the same way
}
