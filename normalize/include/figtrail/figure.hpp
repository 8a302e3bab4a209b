// The figure model of ../shared/spec/FIGURES.md as value types: what the
// normalizer produces, the store keeps and the CLI prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "figtrail/ingest.hpp"

namespace figtrail {

enum class Kind { Money, Percent, Multiple, Quantity, Count };
enum class Qualifier { None, Approx, Gt, Gte, Lt, Lte };

// "money", "percent", ...; "" for Qualifier::None.
[[nodiscard]] std::string_view to_string(Kind kind);
[[nodiscard]] std::string_view to_string(Qualifier qualifier);
// Inverse of to_string; nullopt for an unknown name.
[[nodiscard]] std::optional<Kind> kind_from_string(std::string_view name);
[[nodiscard]] std::optional<Qualifier> qualifier_from_string(std::string_view name);

// An exact decimal: mantissa × 10^exponent. Numbers are parsed into this form
// so that 1.1亿 is exactly 110000000; conversion to double happens only at
// the edge (JSON, SQLite REAL).
struct Decimal {
  std::int64_t mantissa = 0;
  int exponent = 0;

  [[nodiscard]] double to_double() const;
  // Shortest exact decimal text: "110000000", "0.3", "2.5e12" is never used.
  [[nodiscard]] std::string to_string() const;
  // Removes trailing zeros from the mantissa (1500 × 10^0 → 15 × 10^2).
  [[nodiscard]] Decimal normalized() const;
  bool operator==(const Decimal& other) const;
};

struct Figure {
  Kind kind = Kind::Money;
  SourceSpan source;     // bytes in the original file
  FoldedSpan folded;     // the same span in the folded text
  std::string text;      // exactly the original bytes of `source`
  // Either value, or low and high (a range).
  std::optional<Decimal> value;
  std::optional<Decimal> low;
  std::optional<Decimal> high;
  std::string unit;      // ISO 4217 code, "%", "pp", ...
  Qualifier qualifier = Qualifier::None;
  std::string per;       // "" or the unit of a price: "1e6 token", "month"
  std::string rule;      // name of the rule that matched
  std::size_t line = 0;  // 1-based line of source.begin
  std::string sentence;  // original text of the sentence holding the figure

  // The time the figure is about (FIGURES.md, "Period"): "2025", "2026Q1",
  // "2025H2", "FY2026", "FY2026Q2", "2026-2028", "TTM"; "" when the text
  // gives none. `projection` when it is a target (`by 2033`, 到2033年).
  std::string period;
  bool projection = false;

  // Money only: the amount in US dollars, and the rate used (units of the
  // figure's currency per US dollar, an annual average of `fx_year`), so an
  // auditor can redo the division. USD figures have rate 1.
  std::optional<double> value_usd;  // for a range: low_usd and high_usd
  std::optional<double> low_usd;
  std::optional<double> high_usd;
  std::optional<double> fx_rate;
  int fx_year = 0;
};

}  // namespace figtrail
