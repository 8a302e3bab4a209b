// The per-language knowledge figtrail matches with: currency, percent and
// magnitude words, qualifier cues, price-per words. Each fact is one row of one
// table (lexicon_zh.cpp, lexicon_en.cpp, lexicon_symbols.cpp); the matcher
// generates its regular expression and the normalizer its lookups from these
// rows, so extending a language means adding rows, never touching the engine.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "figtrail/figure.hpp"

namespace figtrail {

enum class Position { Before, After };

// True when `word` contains an ASCII letter: such words match
// case-insensitively and must not be glued to other letters.
[[nodiscard]] bool has_ascii_letter(std::string_view word);

// A word that gives a number its unit: `$`, 美元, `%`, 百分之, 个百分点.
struct UnitWord {
  std::string_view surface;
  Kind kind;
  std::string_view unit;  // ISO 4217 code, "%", "pp"
  Position position;
  // The value in the canonical unit is number × factor × 10^exponent:
  // 成 (tenths, as percent) is exponent +1 (三成 → 30 %), GW is +9, GiB is
  // factor 1073741824, an inch is factor 254 and exponent -4 (0.0254 m).
  int exponent = 0;
  std::int64_t factor = 1;
  // The word is not a unit when the next character is one of these
  // (UTF-8 characters, concatenated): 二元化, 一成不变.
  std::string_view not_before = "";
  // A generic word (元, 圆) that yields to a currency named before the
  // number: 新台幣500億元 is TWD.
  bool generic = false;
  // The reading in Chinese text when it differs (¥ is yen, but yuan in a
  // Chinese sentence); resolved by the normalizer from the sentence.
  std::string_view unit_in_chinese = "";
  // Case is meaning: GB (bytes) and Gb (bits) must match as written.
  bool exact_case = false;
  // Written right after the number, no space (12x; `1 m x 1 m` is no multiple).
  bool glued = false;
  // 折 counts tenths below ten (八折, 8.5折 → 80 %, 85 %) and hundredths
  // from ten (75折 → 75 %): the exponent applies only below ten.
  bool exponent_below_ten_only = false;
  // Only the smaller part of a compound amount, never alone: 分 and 角 in
  // 50元6角三分, `in` in `5 ft 2 in` (alone they are points or a preposition).
  bool compound_only = false;

  // Words match regardless of ASCII case (`Dollars`, `usd`, `168CM`), except
  // where case is meaning.
  [[nodiscard]] bool folds_case() const { return !exact_case && has_ascii_letter(surface); }
};

// A magnitude word or suffix: 亿 → 8, `bn` → 9, `K` → 3.
struct MagnitudeWord {
  std::string_view surface;
  int exponent;
};

// A qualifier cue before or after the number: 逾, `more than`, 以上, `+`.
struct QualifierWord {
  std::string_view surface;
  Qualifier qualifier;
  Position position;
  // May also stand between a number and its magnitude: 1000多亿, 200余万.
  bool inside = false;
};

// The thing a price is per: `token` for `/M tokens`, `month` for 每月.
struct PerNoun {
  std::string_view surface;
  std::string_view per;
};

struct Lexicon {
  std::span<const UnitWord> units;
  std::span<const MagnitudeWord> magnitudes;
  std::span<const QualifierWord> qualifiers;
  // Words allowed between a qualifier and its number: 约为, 约占.
  std::span<const std::string_view> qualifier_fillers;
  std::span<const PerNoun> per_nouns;
  // Words that introduce a price's unit: `/`, `per`, 每.
  std::span<const std::string_view> per_markers;
  // Range separators between two numbers: `–`, `至`, `to`.
  std::span<const std::string_view> range_separators;
  // Signs that make the number after them negative: `-`, 负, `minus`.
  std::span<const std::string_view> negative_signs;
  // Words that make the number after them no figure: vague (数十亿,
  // 几百万) or ordinal (第七代).
  std::span<const std::string_view> vague_prefixes;
  // Links along which a currency is carried to a neighbour: `→`, 、.
  std::span<const std::string_view> carry_links;
  // English function words that are never the noun of a count (`5 of`).
  std::span<const std::string_view> count_stopwords;

  // Lookups, by exact surface, or case-insensitively for surfaces that
  // contain ASCII letters. Nullptr when absent.
  [[nodiscard]] const UnitWord* unit(std::string_view surface, Position position) const;

  // Builds the lookup index of `units` (a hash of each surface ignoring case
  // and spaces); without it unit() scans the table. default_lexicon() has one.
  void index_units();

  // The unit index: surfaces compared ignoring ASCII case and whitespace.
  std::shared_ptr<const std::unordered_multimap<std::string, const UnitWord*>> unit_index;
  [[nodiscard]] std::optional<int> magnitude(std::string_view surface) const;
  [[nodiscard]] std::optional<Qualifier> qualifier(std::string_view surface, Position position) const;
  [[nodiscard]] const PerNoun* per_noun(std::string_view surface) const;
};

// Chinese, English and symbol tables together.
[[nodiscard]] const Lexicon& default_lexicon();

// Lowercases ASCII letters only (the lexicon's case folding).
[[nodiscard]] std::string ascii_lower(std::string_view text);
[[nodiscard]] constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
// Equal ignoring ASCII case, without allocating.
[[nodiscard]] bool equals_ascii_ci(std::string_view a, std::string_view b);

}  // namespace figtrail
