// extract: finds candidate mentions of figures in a document's folded text.
//
// One regular expression, generated from the Lexicon's tables and compiled
// once, describes a mention:
//
//   [qualifier [filler]] [unit-before] [sign] number [mid-qualifier] [magnitude]
//     [[unit] range-separator [unit-before] number [magnitude]]
//     [+] [unit-after [magnitude]] [+] [per-marker [magnitude] [per-noun]] [qualifier-after]
//
// and the matcher scans the text with it once, left to right. Each match is
// then checked against ICU word boundaries so a mention never starts or ends
// inside an identifier (`H100`, `FY2026`, `Qwen 4B`); a match that does is
// trimmed to its valid core or dropped. A mention only records where its
// parts are; the normalizer reads them.
#pragma once

#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "figtrail/ingest.hpp"
#include "figtrail/lexicon.hpp"

namespace figtrail {

// Where each part of a mention is in the folded text. An absent part is an
// empty span (begin == end).
struct Mention {
  FoldedSpan span;  // the whole mention
  FoldedSpan qualifier_before;
  FoldedSpan unit_before;
  FoldedSpan sign;           // a minus sign: -5%, 负3.9%
  FoldedSpan number;
  FoldedSpan qualifier_mid;  // 多 / 余 between number and magnitude
  FoldedSpan magnitude;
  FoldedSpan unit_between;   // a unit after the low end of a range: `5%–10%`
  FoldedSpan range_separator;
  FoldedSpan unit_before_high;
  FoldedSpan number_high;
  FoldedSpan magnitude_high;
  FoldedSpan plus;           // `+` (open upper end)
  FoldedSpan unit_after;
  FoldedSpan magnitude_after_unit;  // `75 USD million`
  FoldedSpan per_marker;
  FoldedSpan per_magnitude;
  FoldedSpan per_noun;
  FoldedSpan qualifier_after;
  // The noun a bare number counts (`1,993 organizations`, `200+ enterprise
  // customers`): found after the match, up to four words on.
  FoldedSpan counted_noun;
};

[[nodiscard]] inline bool empty(FoldedSpan span) { return span.begin == span.end; }
[[nodiscard]] inline std::string_view slice(std::string_view text, FoldedSpan span) {
  return text.substr(span.begin, span.end - span.begin);
}

// Raised when a document holds more candidate figures than allowed: a limit
// that keeps memory bounded on hostile input (a file of ten million `1%`).
class LimitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thread-safe after construction (RE2 objects are).
class Matcher {
 public:
  // Compiles the mention pattern from `lexicon`. Throws std::logic_error if
  // the generated pattern does not compile (a bad lexicon row).
  explicit Matcher(const Lexicon& lexicon = default_lexicon());
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Every mention in the document, in text order, none overlapping. Mentions
  // inside URLs are skipped. A mention need not have a unit: the normalizer
  // decides (a bare amount may take its currency from a neighbour). Throws
  // LimitError when there are more than `max_mentions`.
  [[nodiscard]] std::vector<Mention> find(const Document& document,
                                          std::size_t max_mentions = std::numeric_limits<std::size_t>::max()) const;

  // The generated pattern, for tests and debugging.
  [[nodiscard]] const std::string& pattern() const;

  // For tests: the matcher reads a match's parts with its own parser
  // instead of RE2's slow submatch engine. This compares the two on every
  // leftmost match from every character of `document`.
  struct PartCheck {
    std::size_t compared = 0;
    std::vector<std::string> disagreements;  // "match: group N: parser `…` RE2 `…`"
  };
  [[nodiscard]] PartCheck check_part_parser(const Document& document) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace figtrail
