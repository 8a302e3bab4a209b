// period: the time a figure is about, read from the text around it
// (../shared/spec/FIGURES.md, section "Period").
#pragma once

#include <optional>
#include <string>

#include "figtrail/ingest.hpp"

namespace figtrail {

struct Period {
  // "2025", "2026Q1", "2025H2", "FY2026", "FY2026Q2", "2026-2028", "TTM".
  std::string label;
  // A target rather than a measured time: `$2.5T by 2033`, 到2033年.
  bool projection = false;
  bool operator==(const Period&) const = default;
};

// The period of the figure at `figure` (folded span), when its clause, its
// sentence, or the heading or table row it sits under states one; nullopt
// when the text gives none. Relative times (last year, 去年) count only when
// the same sentence names the year they refer to.
[[nodiscard]] std::optional<Period> period_of(const Document& document, FoldedSpan figure);

// The year the document as a whole is about or was written in (its title or
// dateline), used to pick an exchange rate when a figure has no period;
// nullopt when the document names no year.
[[nodiscard]] std::optional<int> document_year(const Document& document);

// The calendar year a period label stands for when picking an annual rate:
// "2025" → 2025, "2026Q1" → 2026, "FY2026" → 2026, "2026-2028" → 2026;
// nullopt for "TTM".
[[nodiscard]] std::optional<int> year_of(const Period& period);

}  // namespace figtrail
