// The JSON line writer (cli/json_line.hpp) against nlohmann::json, whose
// output it must reproduce byte for byte.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

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

TEST_CASE("a string is checked for UTF-8 as strictly as nlohmann::json checks it", "[json]") {
  // Every string of two bytes, and every one of three and four bytes made of
  // bytes at the edges of table 3-7's ranges, of escapes and of ASCII.
  const std::vector<unsigned char> edges{0x00, 0x0A, 0x1F, 0x22, 0x41, 0x5C, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
                                         0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0,
                                         0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  std::vector<std::string> texts;
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) texts.push_back({static_cast<char>(a), static_cast<char>(b)});
  }
  for (const unsigned char a : edges) {
    for (const unsigned char b : edges) {
      for (const unsigned char c : edges) {
        texts.push_back({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        for (const unsigned char d : edges) {
          texts.push_back({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)});
        }
      }
    }
  }
  std::size_t mismatches = 0;
  for (const std::string& text : texts) {
    if (written("x" + text + "y") != nlohmann_string("x" + text + "y")) {
      INFO(nlohmann_string(text));
      CHECK(written(text) == nlohmann_string(text));
      if (++mismatches == 10) break;
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("a JSON line is what nlohmann::json dumps for the same fields", "[json]") {
  std::string out = "before\n";
  figtrail::cli::JsonLine line(out);
  line.integer("byte_start", 12)
      .json("doc", R"("a\\b.txt")")
      .real_or_null("fx_rate", std::nullopt)
      .integer_or_null("fx_year", 2025)
      .integer("line", -3)
      .real("low_usd", 0.1)
      .text_or_null("period", "")
      .boolean("projection", false)
      .text("unit", "USD")
      .real("value_usd", 302500000000.0);
  line.end();
  CHECK(out ==
        "before\n"
        R"({"byte_start":12,"doc":"a\\b.txt","fx_rate":null,"fx_year":2025,"line":-3,"low_usd":0.1,"period":null,)"
        R"("projection":false,"unit":"USD","value_usd":302500000000.0})"
        "\n");

  const std::string written_line = out.substr(out.find('\n') + 1);
  const nlohmann::json parsed = nlohmann::json::parse(written_line);
  CHECK(parsed.dump() + "\n" == written_line);  // nlohmann sorts its keys the same way

  std::string empty;
  figtrail::cli::JsonLine(empty).end();
  CHECK(empty == "{}\n");
}

TEST_CASE("doubles are written as nlohmann::json writes them", "[json]") {
  std::vector<double> values{0.0,
                             -0.0,
                             1.0,
                             -1.5,
                             0.1,
                             1e-5,
                             1.5e-4,
                             123456789012345.0,
                             1234567890123456.0,
                             1e16,
                             1e21,
                             35000000000.0,
                             302500000000.0,
                             1.0 / 3.0,
                             7.2345678901234567,
                             std::numeric_limits<double>::min(),
                             std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::lowest(),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::quiet_NaN()};
  // And a spread of bit patterns, every exponent range included.
  std::mt19937_64 random(20250101);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t bits = random();
    double value = 0;
    std::memcpy(&value, &bits, sizeof value);
    values.push_back(value);
  }
  for (const double value : values) {
    INFO(value);
    std::string out;
    figtrail::cli::append_json_real(out, value);
    CHECK(out == nlohmann::json(value).dump());
  }
}
