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
// sentence, the metric card (a blurb ending in `Source: …`) or the label,
// heading or table header it sits under states one; nullopt when the text
// gives none, when the span is not within the folded text, and when the
// time is relative (last year, 去年, 目前) or open (since 2023), which the
// text does not pin to a year. The first call for a document scans it
// once; later calls for the same document reuse that (per thread).
[[nodiscard]] std::optional<Period> period_of(const Document& document, FoldedSpan figure);

// The year the document as a whole is about or was written in (the first
// year, quarter, date, ... in its first six non-blank lines: title or
// dateline; else the year it names most often, the later one on a tie),
// used to pick an exchange rate when a figure has no period; nullopt when
// the document names no year. Citation years and URLs do not count.
[[nodiscard]] std::optional<int> document_year(const Document& document);

// The calendar year a period label stands for when picking an annual rate:
// "2025" → 2025, "2026Q1" → 2026, "FY2026" → 2026, "2026-2028" → 2026;
// nullopt for "TTM".
[[nodiscard]] std::optional<int> year_of(const Period& period);

}  // namespace figtrail
