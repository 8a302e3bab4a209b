// normalize: turns mentions into figures with exact values in canonical
// units (../shared/spec/FIGURES.md): numbers and magnitudes, currencies,
// percent, ranges, qualifiers and prices per unit, with the currency carried
// to a bare neighbour in the same phrase (`逾3340亿 → 超9000亿美元`).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "figtrail/extract.hpp"
#include "figtrail/figure.hpp"
#include "figtrail/fx.hpp"

namespace figtrail {

// The outcome of parsing a number: a value, or why there is none.
struct ParsedNumber {
  std::optional<Decimal> value;
  std::string error;  // empty when value is set
};

// Arabic digits with `,` grouping (groups of exactly three) and `.` decimals:
// "1,993", "0.30", "2.5". At most 18 significant digits.
[[nodiscard]] ParsedNumber parse_arabic(std::string_view text);
// Chinese numerals: 一千九百九十三, 两万, 一万五千亿, 五十二点八, 千亿 (financial
// and traditional forms too). Linear in the length of the text.
[[nodiscard]] ParsedNumber parse_chinese(std::string_view text);
// English number words below one hundred: "twelve", "twenty-five".
[[nodiscard]] ParsedNumber parse_english(std::string_view text);
// Whichever of the three the text is written in.
[[nodiscard]] ParsedNumber parse_number(std::string_view text);

// value × 10^exponent, exactly.
[[nodiscard]] Decimal scaled(Decimal value, int exponent);
// a + b, exactly; nullopt when the sum does not fit.
[[nodiscard]] std::optional<Decimal> sum(Decimal a, Decimal b);

class Normalizer {
 public:
  explicit Normalizer(const Lexicon& lexicon = default_lexicon());

  // The figures of a document's mentions, in text order. Mentions that are
  // not figures (a bare number with no unit and no neighbour to take one
  // from, a year, a malformed number) yield nothing. Every figure gets its
  // period; money also its value in US dollars by `fx`, at the rate of the
  // figure's year, else the document's year, else the latest year.
  [[nodiscard]] std::vector<Figure> normalize(const Document& document, std::span<const Mention> mentions,
                                              const FxTable& fx = FxTable::builtin()) const;

 private:
  const Lexicon& lexicon_;
};

// Matcher and normalizer with the default lexicon: every figure of a document.
// Throws LimitError for more than `max_candidates` candidate figures.
[[nodiscard]] std::vector<Figure> extract_figures(
    const Document& document, const FxTable& fx = FxTable::builtin(),
    std::size_t max_candidates = std::numeric_limits<std::size_t>::max());

}  // namespace figtrail
