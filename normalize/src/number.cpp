// Exact number parsing: Arabic, Chinese and English numerals into a Decimal
// (integer mantissa, base-10 exponent). Every parser is one pass over its
// text, so a run of ten million digits or of 万万万 costs linear time and ends
// in an error, never a hang or an overflow.
#include <algorithm>
#include <array>
#include <optional>
#include <vector>
#include <cstdint>
#include <string>
#include <utility>

#include "figtrail/normalize.hpp"

namespace figtrail {
namespace {

constexpr int kMaxSignificantDigits = 18;  // fits an int64 mantissa

ParsedNumber fail(std::string_view text, std::string_view why) {
  return {std::nullopt, "malformed number '" + std::string(text) + "': " + std::string(why)};
}

bool checked_mul_add(std::int64_t& acc, std::int64_t mul, std::int64_t add) {
  return !__builtin_mul_overflow(acc, mul, &acc) && !__builtin_add_overflow(acc, add, &acc);
}

// Chinese numeral characters, 3 bytes each in UTF-8.
struct ChineseChar {
  std::string_view ch;
  int digit;     // 0-9, or -1
  std::int64_t unit;  // 10, 100, 1000 (a small unit), 10^4 or 10^8 (a section), or 0
};

constexpr std::array kChineseChars = std::to_array<ChineseChar>({
    {"零", 0, 0}, {"〇", 0, 0}, {"一", 1, 0}, {"壹", 1, 0}, {"二", 2, 0}, {"两", 2, 0},
    {"兩", 2, 0}, {"贰", 2, 0}, {"貳", 2, 0}, {"三", 3, 0}, {"叁", 3, 0}, {"參", 3, 0},
    {"四", 4, 0}, {"肆", 4, 0}, {"五", 5, 0}, {"伍", 5, 0}, {"六", 6, 0}, {"陆", 6, 0},
    {"陸", 6, 0}, {"七", 7, 0}, {"柒", 7, 0}, {"八", 8, 0}, {"捌", 8, 0}, {"九", 9, 0},
    {"玖", 9, 0}, {"十", -1, 10}, {"拾", -1, 10}, {"百", -1, 100}, {"佰", -1, 100},
    {"千", -1, 1000}, {"仟", -1, 1000}, {"万", -1, 10000}, {"萬", -1, 10000},
    {"亿", -1, 100000000}, {"億", -1, 100000000},
});

const ChineseChar* chinese_char(std::string_view ch) {
  for (const ChineseChar& c : kChineseChars) {
    if (c.ch == ch) return &c;
  }
  return nullptr;
}

constexpr std::array<std::string_view, 20> kEnglishUnits{
    "zero",    "one",     "two",       "three",    "four",     "five",    "six",
    "seven",   "eight",   "nine",      "ten",      "eleven",   "twelve",  "thirteen",
    "fourteen", "fifteen", "sixteen",  "seventeen", "eighteen", "nineteen"};
constexpr std::array<std::string_view, 8> kEnglishTens{"twenty", "thirty",  "forty",  "fifty",
                                                       "sixty",  "seventy", "eighty", "ninety"};

std::optional<int> english_word(std::string_view word) {
  for (std::size_t i = 0; i < kEnglishUnits.size(); ++i) {
    if (word == kEnglishUnits[i]) return static_cast<int>(i);
  }
  for (std::size_t i = 0; i < kEnglishTens.size(); ++i) {
    if (word == kEnglishTens[i]) return static_cast<int>(20 + 10 * i);
  }
  return std::nullopt;
}

}  // namespace

Decimal scaled(Decimal value, int exponent) { return {value.mantissa, value.exponent + exponent}; }

std::optional<Decimal> sum(Decimal a, Decimal b) {
  a = a.normalized();
  b = b.normalized();
  if (a.exponent < b.exponent) std::swap(a, b);
  // Bring a down to b's exponent.
  for (int e = a.exponent; e > b.exponent; --e) {
    if (__builtin_mul_overflow(a.mantissa, 10, &a.mantissa)) return std::nullopt;
  }
  std::int64_t mantissa = 0;
  if (__builtin_add_overflow(a.mantissa, b.mantissa, &mantissa)) return std::nullopt;
  return Decimal{mantissa, b.exponent}.normalized();
}

ParsedNumber parse_arabic(std::string_view text) {
  if (text.empty()) return fail(text, "empty");
  std::int64_t mantissa = 0;
  int exponent = 0;
  int significant = 0;
  int pending_zeros = 0;  // integer-part zeros not yet in the mantissa
  bool seen_point = false;
  bool seen_comma = false;
  int group_digits = 0;  // digits since the last comma
  int leading_digits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ',') {
      if (seen_point) return fail(text, "a comma after the decimal point");
      if (i == 0 || text[i - 1] == ',') return fail(text, "a comma without digits before it");
      if (seen_comma ? group_digits != 3 : leading_digits > 3) {
        return fail(text, "digit groups between commas must have three digits");
      }
      seen_comma = true;
      group_digits = 0;
      continue;
    }
    if (c == '.') {
      if (seen_point) return fail(text, "more than one decimal point");
      if (seen_comma && group_digits != 3) return fail(text, "digit groups between commas must have three digits");
      if (i + 1 == text.size()) return fail(text, "no digits after the decimal point");
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return fail(text, "not a digit");
    const int d = c - '0';
    if (seen_comma && !seen_point) ++group_digits;
    if (!seen_comma && !seen_point) ++leading_digits;
    if (seen_point) {
      // Decimal digits always go into the mantissa (trailing zeros are harmless).
      if (mantissa == 0 && d == 0 && pending_zeros == 0) {
        --exponent;
        continue;
      }
      for (; pending_zeros > 0; --pending_zeros) {
        if (!checked_mul_add(mantissa, 10, 0)) return fail(text, "too many digits");
      }
      if (++significant > kMaxSignificantDigits || !checked_mul_add(mantissa, 10, d)) {
        return fail(text, "too many digits");
      }
      --exponent;
      continue;
    }
    if (d == 0) {
      // Leading zeros are dropped; a value past 10^36 is no market figure.
      if (mantissa != 0 && ++pending_zeros > 2 * kMaxSignificantDigits) return fail(text, "too large");
      continue;
    }
    for (; pending_zeros > 0; --pending_zeros) {
      if (++significant > kMaxSignificantDigits || !checked_mul_add(mantissa, 10, 0)) {
        return fail(text, "too many digits");
      }
    }
    if (++significant > kMaxSignificantDigits || !checked_mul_add(mantissa, 10, d)) {
      return fail(text, "too many digits");
    }
  }
  if (seen_comma && !seen_point && group_digits != 3) {
    return fail(text, "digit groups between commas must have three digits");
  }
  if (leading_digits == 0 && !seen_point) return fail(text, "no digits");
  return {Decimal{mantissa, exponent + pending_zeros}.normalized(), {}};
}

ParsedNumber parse_chinese(std::string_view text) {
  if (text == "半") return {Decimal{5, -1}, {}};  // 半成, 半年: a half
  if (text.empty() || text.size() % 3 != 0) return fail(text, "not a Chinese numeral");
  std::int64_t total = 0;    // completed 亿 sections
  std::int64_t section = 0;  // below the current 亿
  std::int64_t digits = -1;  // digits read since the last unit; -1 for none
  std::int64_t last_unit = 0;  // the last 十/百/千 in this section: they must decrease
  bool any = false;
  std::size_t i = 0;
  for (; i < text.size(); i += 3) {
    const std::string_view ch = text.substr(i, 3);
    if (ch == "点" || ch == "點") break;
    const ChineseChar* c = chinese_char(ch);
    if (c == nullptr) return fail(text, "not a Chinese numeral");
    any = true;
    if (c->digit >= 0) {
      // 二〇二五 and 一千零五 read digit by digit.
      if (digits < 0) digits = 0;
      if (!checked_mul_add(digits, 10, c->digit)) return fail(text, "too large");
    } else if (c->unit < 10000) {
      if (last_unit != 0 && c->unit >= last_unit) return fail(text, "units out of order");
      last_unit = c->unit;
      std::int64_t add = digits < 0 ? 1 : digits;  // 十五 is 1×10 + 5
      if (__builtin_mul_overflow(add, c->unit, &add) || __builtin_add_overflow(section, add, &section)) {
        return fail(text, "too large");
      }
      digits = -1;
    } else if (c->unit == 10000) {
      std::int64_t base = section + (digits < 0 ? 0 : digits);
      if (base == 0) base = 1;
      if (__builtin_mul_overflow(base, c->unit, &section)) return fail(text, "too large");
      digits = -1;
      last_unit = 0;
    } else {  // 亿: everything so far is a count of 亿
      std::int64_t base = total + section + (digits < 0 ? 0 : digits);
      if (base == 0) base = 1;
      if (__builtin_mul_overflow(base, c->unit, &total)) return fail(text, "too large");
      section = 0;
      digits = -1;
      last_unit = 0;
    }
  }
  if (!any) return fail(text, "no digits before the decimal point");
  std::int64_t mantissa = total;
  if (__builtin_add_overflow(mantissa, section, &mantissa) ||
      __builtin_add_overflow(mantissa, digits < 0 ? 0 : digits, &mantissa)) {
    return fail(text, "too large");
  }
  int exponent = 0;
  if (i < text.size()) {  // after 点: digits only
    i += 3;
    if (i == text.size()) return fail(text, "no digits after the decimal point");
    for (; i < text.size(); i += 3) {
      const ChineseChar* c = chinese_char(text.substr(i, 3));
      if (c == nullptr || c->digit < 0) return fail(text, "only digits may follow the decimal point");
      if (!checked_mul_add(mantissa, 10, c->digit)) return fail(text, "too many digits");
      --exponent;
    }
  }
  return {Decimal{mantissa, exponent}.normalized(), {}};
}

namespace {

// "twelve", "twenty-five", "forty two": below one hundred, or nullopt.
std::optional<int> english_below_hundred(const std::vector<std::string_view>& words) {
  if (words.empty() || words.size() > 2) return std::nullopt;
  const auto first = english_word(words[0]);
  if (!first) return std::nullopt;
  if (words.size() == 1) return first;
  const auto second = english_word(words[1]);
  // Only a tens word, then a unit word.
  if (!second || *first < 20 || *first % 10 != 0 || *second == 0 || *second >= 10) return std::nullopt;
  return *first + *second;
}

}  // namespace

ParsedNumber parse_english(std::string_view text) {
  const std::string lower = ascii_lower(text);
  std::vector<std::string_view> words;
  for (std::size_t start = 0; start <= lower.size();) {
    std::size_t end = lower.find_first_of(" -", start);
    if (end == std::string::npos) end = lower.size();
    const std::string_view word = std::string_view(lower).substr(start, end - start);
    if (!word.empty() && word != "and") words.push_back(word);
    start = end + 1;
  }
  if (words.empty()) return fail(text, "empty");
  const auto hundred = std::find(words.begin(), words.end(), "hundred");
  if (hundred != words.end()) {  // "one hundred", "a hundred and five"
    const std::vector<std::string_view> left(words.begin(), hundred);
    const std::vector<std::string_view> right(hundred + 1, words.end());
    const std::optional<int> times =
        left.empty() || (left.size() == 1 && left[0] == "a") ? std::optional<int>(1) : english_below_hundred(left);
    const std::optional<int> plus = right.empty() ? std::optional<int>(0) : english_below_hundred(right);
    if (!times || !plus || *times == 0 || *times > 9) return fail(text, "not an English number");
    return {Decimal{*times * 100 + *plus, 0}.normalized(), {}};
  }
  if (words.size() == 1 && words[0] == "half") return {Decimal{5, -1}, {}};
  if (words.back() == "quarter" || words.back() == "quarters") {  // "a quarter", "three quarters"
    const std::optional<int> n = words.size() == 1 ? std::optional<int>(1)
                                 : words.size() == 2 && words[0] == "a" ? std::optional<int>(1)
                                 : words.size() == 2 ? english_below_hundred({words[0]})
                                                     : std::nullopt;
    if (!n || *n == 0 || *n > 3) return fail(text, "not an English number");
    return {Decimal{*n * 25, -2}.normalized(), {}};
  }
  const std::optional<int> value = english_below_hundred(words);
  if (!value) return fail(text, "not an English number below one hundred");
  return {Decimal{*value, 0}.normalized(), {}};
}

ParsedNumber parse_number(std::string_view text) {
  if (text.empty()) return fail(text, "empty");
  const auto first = static_cast<unsigned char>(text.front());
  if ((first >= '0' && first <= '9') || first == '.') return parse_arabic(text);
  if (first >= 0x80) return parse_chinese(text);
  return parse_english(text);
}

}  // namespace figtrail
