// The exact number parsers: Arabic, Chinese and English numerals, and the
// malformed or oversized inputs they must refuse in linear time.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

#include "figtrail/normalize.hpp"

using figtrail::Decimal;
using figtrail::parse_number;

namespace {
Decimal value_of(std::string_view text) {
  const auto parsed = parse_number(text);
  INFO(text << ": " << parsed.error);
  REQUIRE(parsed.value.has_value());
  return *parsed.value;
}
std::string error_of(std::string_view text) {
  const auto parsed = parse_number(text);
  REQUIRE_FALSE(parsed.value.has_value());
  return parsed.error;
}
}  // namespace

TEST_CASE("Arabic numbers parse exactly", "[number]") {
  CHECK(value_of("350") == Decimal{35, 1});
  CHECK(value_of("1,993") == Decimal{1993, 0});
  CHECK(value_of("20,300") == Decimal{20300, 0});
  CHECK(value_of("1,234,567.89") == Decimal{123456789, -2});
  CHECK(value_of("0.30") == Decimal{3, -1});
  CHECK(value_of("0.05") == Decimal{5, -2});
  CHECK(value_of(".5") == Decimal{5, -1});
  CHECK(value_of("100.5") == Decimal{1005, -1});
  CHECK(value_of("0") == Decimal{0, 0});
  CHECK(value_of("007") == Decimal{7, 0});
}

TEST_CASE("a magnitude scales exactly, with no binary rounding", "[number]") {
  const Decimal d = figtrail::scaled(value_of("1.1"), 8);  // 1.1亿
  CHECK(d.to_string() == "110000000");
  CHECK(d.to_double() == 110000000.0);
  CHECK(figtrail::scaled(value_of("2.5"), 12).to_string() == "2500000000000");
  CHECK(figtrail::scaled(value_of("0.30"), 0).to_string() == "0.3");
  CHECK(Decimal{-15, -1}.to_string() == "-1.5");
}

TEST_CASE("a decimal's double is the one strtod reads from its text, on the fast path and off it", "[number]") {
  const auto by_strtod = [](const Decimal& d) {
    const std::string text = std::to_string(d.mantissa) + "e" + std::to_string(d.exponent);
    return std::strtod(text.c_str(), nullptr);
  };
  for (const Decimal d : {Decimal{11, 7}, Decimal{3, -1}, Decimal{1, 22}, Decimal{1, 23}, Decimal{-7, -22},
                          Decimal{9007199254740991, 0}, Decimal{9007199254740993, 0}, Decimal{123456789, -23},
                          Decimal{0, -5}, Decimal{-9007199254740991, 22}}) {
    INFO(d.mantissa << "e" << d.exponent);
    CHECK(d.to_double() == by_strtod(d));
  }
  std::mt19937_64 random(20261123);
  std::uniform_int_distribution<int> exponent(-30, 30);
  std::uniform_int_distribution<int> bits(1, 62);
  for (int i = 0; i < 100'000; ++i) {
    const auto magnitude = static_cast<std::int64_t>(random() >> (64 - bits(random)));
    const Decimal d{(random() & 1) != 0 ? -magnitude : magnitude, exponent(random)};
    INFO(d.mantissa << "e" << d.exponent);
    REQUIRE(d.to_double() == by_strtod(d));
  }
}

TEST_CASE("malformed Arabic numbers are refused with a reason", "[number]") {
  CHECK(error_of("1,2,3") == "malformed number '1,2,3': digit groups between commas must have three digits");
  CHECK(error_of("..5") == "malformed number '..5': more than one decimal point");
  CHECK(error_of("1.2.3") == "malformed number '1.2.3': more than one decimal point");
  CHECK(error_of("1,9930") == "malformed number '1,9930': digit groups between commas must have three digits");
  CHECK(error_of("1234,567") == "malformed number '1234,567': digit groups between commas must have three digits");
  CHECK(error_of("5.") == "malformed number '5.': no digits after the decimal point");
  CHECK(error_of("1,,000") == "malformed number '1,,000': a comma without digits before it");
  CHECK(error_of("") == "malformed number '': empty");
}

TEST_CASE("a very long run of digits ends in an error, not an overflow", "[number]") {
  const std::string digits(10'000'000, '7');
  const auto parsed = parse_number(digits);
  CHECK_FALSE(parsed.value.has_value());
  CHECK(parsed.error.find("too many digits") != std::string::npos);
  const std::string zeros = "1" + std::string(1'000'000, '0');
  CHECK(parse_number(zeros).error.find("too large") != std::string::npos);
}

TEST_CASE("Chinese numerals parse exactly", "[number]") {
  CHECK(value_of("三千亿").to_string() == "300000000000");
  CHECK(value_of("两万").to_string() == "20000");
  CHECK(value_of("十五亿").to_string() == "1500000000");
  CHECK(value_of("一千九百九十三").to_string() == "1993");
  CHECK(value_of("一万五千亿").to_string() == "1500000000000");
  CHECK(value_of("五十二点八").to_string() == "52.8");
  CHECK(value_of("千亿").to_string() == "100000000000");
  CHECK(value_of("一亿五千万").to_string() == "150000000");
  CHECK(value_of("一千零五").to_string() == "1005");
  CHECK(value_of("二〇二五").to_string() == "2025");
  CHECK(value_of("五万亿").to_string() == "5000000000000");
  CHECK(value_of("壹佰贰拾").to_string() == "120");     // financial forms
  CHECK(value_of("兩萬").to_string() == "20000");       // traditional
  CHECK(value_of("三億").to_string() == "300000000");
  CHECK(value_of("十").to_string() == "10");
}

TEST_CASE("malformed Chinese numerals are refused; 万万万 stays linear", "[number]") {
  CHECK(error_of("五点") == "malformed number '五点': no digits after the decimal point");
  CHECK(error_of("五点十") == "malformed number '五点十': only digits may follow the decimal point");
  std::string many;
  for (int i = 0; i < 200'000; ++i) many += "万";
  CHECK(error_of(many).find("too large") != std::string::npos);
}

TEST_CASE("English number words below one hundred", "[number]") {
  CHECK(value_of("twelve").to_string() == "12");
  CHECK(value_of("twenty-five").to_string() == "25");
  CHECK(value_of("Forty two").to_string() == "42");
  CHECK(error_of("five twenty") == "malformed number 'five twenty': not an English number below one hundred");
  CHECK(error_of("twelve three") == "malformed number 'twelve three': not an English number below one hundred");
}

TEST_CASE("Chinese units must decrease within a section; 半 is a half", "[number]") {
  CHECK(error_of("七十百") == "malformed number '七十百': units out of order");
  CHECK(error_of("一百千") == "malformed number '一百千': units out of order");
  CHECK(value_of("一万五千亿").to_string() == "1500000000000");  // 万 and 亿 start new sections
  CHECK(value_of("半").to_string() == "0.5");
}
