// The mention matcher: one RE2 pattern generated from the lexicon, one
// left-to-right scan, then word-boundary checks that trim or drop matches
// glued to identifiers.
#include <re2/re2.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "figtrail/extract.hpp"

namespace figtrail {
namespace {

// Capture groups of the mention pattern, in pattern order.
enum Group : int {
  kQualifierBefore = 1,
  kUnitBefore,
  kSign,
  kNumber,
  kQualifierMid,
  kMagnitude,
  kUnitBetween,
  kRangeSeparator,
  kUnitBeforeHigh,
  kNumberHigh,
  kMagnitudeHigh,
  kPlus,
  kUnitAfter,
  kMagnitudeAfterUnit,
  kPlusAfterUnit,
  kPerMarker,
  kPerMagnitude,
  kPerNoun,
  kQualifierAfter,
  kGroupCount  // one past the last group; group 0 is the whole match
};

// Chinese numerals (digits, units, magnitude characters, simplified,
// traditional and financial forms), and the decimal point 点.
constexpr std::string_view kChineseNumeralChars =
    "零〇一二两兩三四五六七八九十百千万亿萬億壹贰貳叁參肆伍陆陸柒捌玖拾佰仟半";
constexpr std::string_view kChineseDigitChars = "零〇一二两兩三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖";

// English numbers below one hundred, hundreds (`one hundred`), and the
// fractions used with magnitudes (`half million`, `three quarters billion`).
#define FIGTRAIL_BELOW_HUNDRED                                                                      \
  "(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ]?(?:one|two|three|four|five|six|" \
  "seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"     \
  "fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
constexpr std::string_view kEnglishNumberWords =
    "(?i:(?:(?:one|two|three|four|five|six|seven|eight|nine|a)[ -])?hundred(?:[ -](?:and[ -])?(?:" FIGTRAIL_BELOW_HUNDRED
    "))?|(?:one|two|three|a)[ -]quarters?|half|quarter|" FIGTRAIL_BELOW_HUNDRED ")";
#undef FIGTRAIL_BELOW_HUNDRED

// A lexicon surface and whether it matches regardless of ASCII case.
struct Surface {
  std::string_view text;
  bool fold_case;
  bool operator==(const Surface&) const = default;
};

bool is_ascii_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The order in which an alternation tries its words. Longest first: RE2
// takes the first alternative that matches (万亿 before 万).
std::vector<Surface> alternation_order(std::vector<Surface> words) {
  std::sort(words.begin(), words.end(), [](const Surface& a, const Surface& b) {
    return a.text.size() != b.text.size() ? a.text.size() > b.text.size() : a.text < b.text;
  });
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

// Whether a word ending in `$` may have a space before it (`HK $ 10.05`):
// when it has ASCII letters and two or more of them (`a $5 bill` is no
// Australian dollar).
bool dollar_may_split(std::string_view word) {
  return has_ascii_letter(word) && word.size() > 2 && word.ends_with('$');
}

std::string alternation(const std::vector<Surface>& unordered) {
  const std::vector<Surface> words = alternation_order(unordered);
  std::string out = "(?:";
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += '|';
    const std::string_view w = words[i].text;
    if (w.size() == 1 && is_ascii_letter(static_cast<unsigned char>(w[0])) && words[i].fold_case) {
      // A one-letter magnitude: upper case as written (`$1.29TAll` is glued
      // layout text), lower case only as a whole word, so `eight to 10`
      // never reads `t` as trillion.
      const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
      const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(w[0])));
      out += std::string("(?:") + upper + "|" + lower + "\\b)";
      continue;
    }
    std::string quoted = RE2::QuoteMeta(words[i].text);
    // A space inside a phrase ("more than") matches any run of spaces.
    std::string spaced;
    for (std::size_t j = 0; j < quoted.size(); ++j) {
      if (quoted[j] == '\\' && j + 1 < quoted.size() && quoted[j + 1] == ' ') {
        spaced += "[ \\t]+";
        ++j;
      } else {
        spaced += quoted[j];
      }
    }
    // Tokenized text writes `HK $ 10.05 billion`.
    if (dollar_may_split(words[i].text)) {
      spaced.insert(spaced.size() - 2, "[ ]?");
    }
    out += words[i].fold_case ? "(?i:" + spaced + ")" : spaced;
  }
  return out + ")";
}

bool folds_case(const UnitWord& unit) { return unit.folds_case(); }
template <typename Row>
bool folds_case(const Row& row) {
  return has_ascii_letter(row.surface);
}

template <typename Rows, typename Pick>
std::vector<Surface> surfaces(const Rows& rows, Pick pick) {
  std::vector<Surface> out;
  for (const auto& row : rows) {
    if (pick(row)) out.push_back({row.surface, folds_case(row)});
  }
  return out;
}

std::vector<Surface> plain(std::span<const std::string_view> words) {
  std::vector<Surface> out;
  for (std::string_view w : words) out.push_back({w, has_ascii_letter(w)});
  return out;
}

std::string build_pattern(const Lexicon& lx) {
  const std::string sp = "[ \\t]?";
  const std::string number = "((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\\.[0-9]+)?|[" +
                             std::string(kChineseNumeralChars) + "]+(?:[点點][" +
                             std::string(kChineseDigitChars) + "]+)?|" +
                             std::string(kEnglishNumberWords) + ")";
  const std::string magnitude = alternation(surfaces(lx.magnitudes, [](auto&) { return true; }));
  const std::string unit_before =
      alternation(surfaces(lx.units, [](const UnitWord& u) { return u.position == Position::Before; }));
  const std::string unit_after =
      alternation(surfaces(lx.units, [](const UnitWord& u) { return u.position == Position::After; }));
  const std::string qualifier_before = alternation(
      surfaces(lx.qualifiers, [](const QualifierWord& q) { return q.position == Position::Before; }));
  const std::string qualifier_mid =
      alternation(surfaces(lx.qualifiers, [](const QualifierWord& q) { return q.inside; }));
  const std::string qualifier_after = alternation(surfaces(lx.qualifiers, [](const QualifierWord& q) {
    return q.position == Position::After && q.surface != "+";
  }));
  const std::string fillers = alternation(plain(lx.qualifier_fillers));
  const std::string range = alternation(plain(lx.range_separators));
  const std::string signs = alternation(plain(lx.negative_signs));
  const std::string per_markers = alternation(plain(lx.per_markers));
  const std::string per_nouns = alternation(surfaces(lx.per_nouns, [](auto&) { return true; }));

  std::string p;
  p += "(?:(" + qualifier_before + ")" + sp + "(?:" + fillers + sp + ")?)?";     // 1
  p += "(?:(" + unit_before + ")" + sp + ")?";                                      // 2
  p += "(?:(" + signs + ")" + sp + ")?";                                            // 3
  p += number;                                                                      // 4
  p += "(?:" + sp + "(" + qualifier_mid + "))?";                                    // 5
  p += "(?:" + sp + "(" + magnitude + "))?";                                        // 6
  p += "(?:(" + unit_after + ")?" + sp + "(" + range + ")" + sp +                   // 7, 8
       "(?:(" + unit_before + ")" + sp + ")?" +                                     // 9
       number +                                                                     // 10
       "(?:" + sp + "(" + magnitude + "))?)?";                                      // 11
  p += "(\\+)?";                                                                    // 12
  // 13, 14: `-` for `3-inch`, `5-year`; a magnitude after the unit for `75 USD million`
  p += "(?:[ \\t-]?(" + unit_after + ")(?:" + sp + "(" + magnitude + "))?)?";
  p += "(\\+)?";                                                                    // 15
  p += "(?:(" + sp + per_markers + sp + ")(?:(" + magnitude + "|1" + sp + magnitude +  // 16, 17
       ")" + sp + ")?(" + per_nouns + ")?)?";                                       // 18
  p += "(?:" + sp + "(" + qualifier_after + "))?";                                  // 19
  return p;
}

bool is_ascii_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }

// True when a mention may begin or end at `pos` without cutting an
// identifier or a longer number. Between two ASCII letters or digits there
// is none (`H100`, `FY2026`, `4B`): Unicode word segmentation (UAX #29 rules
// WB5, WB8, WB9, WB10, as ICU applies them) never breaks there either. Next
// to other characters (CJK, symbols) the dictionary's word choice does not
// matter, only that no digit group continues across `.` or `,`.
bool edge_ok(const Document& doc, std::size_t pos) {
  const std::string& t = doc.folded.text;
  if (pos == 0 || pos >= t.size()) return true;
  const auto prev = static_cast<unsigned char>(t[pos - 1]);
  const auto next = static_cast<unsigned char>(t[pos]);
  // 1.2.3 and 1,2,3: a digit group continues across the separator.
  if ((prev == '.' || prev == ',') && pos >= 2 && is_digit(static_cast<unsigned char>(t[pos - 2])) &&
      is_digit(next)) {
    return false;
  }
  if ((next == '.' || next == ',') && pos + 1 < t.size() && is_digit(prev) &&
      is_digit(static_cast<unsigned char>(t[pos + 1]))) {
    return false;
  }
  // 1/4 mile, 10 1/2 miles, 24/7: a fraction, which figtrail does not read;
  // its denominator alone (4 miles) would be a wrong figure.
  if ((prev == '/' && pos >= 2 && is_digit(static_cast<unsigned char>(t[pos - 2])) && is_digit(next)) ||
      (next == '/' && pos + 1 < t.size() && is_digit(prev) && is_digit(static_cast<unsigned char>(t[pos + 1])))) {
    return false;
  }
  // Llama-8B, COVID-19: a hyphenated identifier, not a negative number.
  if (prev == '-' && pos >= 2 && is_ascii_alnum(static_cast<unsigned char>(t[pos - 2])) &&
      is_ascii_alnum(next)) {
    return false;
  }
  if (!is_ascii_alnum(prev) || !is_ascii_alnum(next)) return true;
  // Text scraped from page layouts glues a capitalised word to a figure
  // (`$1.29TAll chips`): an upper-case letter, then Upper-lower, starts a word.
  if (is_upper(prev) && is_upper(next) && pos + 1 < t.size() && is_lower(static_cast<unsigned char>(t[pos + 1]))) {
    return true;
  }
  return false;
}

bool starts_with_any(std::string_view text, std::string_view chars_utf8) {
  // chars_utf8 is a concatenation of UTF-8 characters; compare whole characters.
  std::size_t i = 0;
  while (i < chars_utf8.size()) {
    const auto lead = static_cast<unsigned char>(chars_utf8[i]);
    const std::size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    if (text.substr(0, len) == chars_utf8.substr(i, len)) return true;
    i += len;
  }
  return false;
}

// Words by their first byte (under both cases when they fold case), each
// bucket in the words' order: word_at compares only the words that can
// stand at a position, not the whole lexicon.
class WordsByFirstByte {
 public:
  explicit WordsByFirstByte(const std::vector<Surface>& words) {
    for (const Surface& w : words) {
      if (w.text.empty()) continue;
      const auto first = static_cast<unsigned char>(w.text[0]);
      buckets_[first].push_back(w);
      if (w.fold_case && is_ascii_letter(first)) buckets_[first ^ 0x20U].push_back(w);
    }
  }
  [[nodiscard]] const std::vector<Surface>& starting_with(unsigned char first) const { return buckets_[first]; }

 private:
  std::array<std::vector<Surface>, 256> buckets_;
};

// The longest of `words` that stands at `pos` and ends on a clean edge;
// ASCII letters compare case-insensitively. Empty when none does.
FoldedSpan word_at(const Document& doc, std::size_t pos, const WordsByFirstByte& words) {
  const std::string_view text = doc.folded.text;
  FoldedSpan best;
  if (pos >= text.size()) return best;
  for (const Surface& w : words.starting_with(static_cast<unsigned char>(text[pos]))) {
    const std::size_t n = w.text.size();
    if (pos + n > text.size() || n <= best.end - best.begin) continue;
    const std::string_view here = text.substr(pos, n);
    const bool same = w.fold_case ? equals_ascii_ci(here, w.text) : here == w.text;
    if (same && edge_ok(doc, pos + n)) best = {pos, pos + n};
  }
  return best;
}

// The parts of a mention in text order; trimming the end clears parts from
// the back.
std::array<FoldedSpan*, 19> parts_in_order(Mention& m) {
  return {&m.qualifier_before, &m.unit_before,      &m.sign,         &m.number,       &m.qualifier_mid,
          &m.magnitude,        &m.unit_between,     &m.range_separator, &m.unit_before_high,
          &m.number_high,      &m.magnitude_high,   &m.plus,         &m.unit_after,   &m.magnitude_after_unit,
          &m.per_marker,       &m.per_magnitude,    &m.per_noun,     &m.qualifier_after,
          &m.counted_noun};
}

std::size_t last_end(const Mention& m) {
  std::size_t end = m.number.end;
  for (const FoldedSpan* part : {&m.qualifier_before, &m.unit_before, &m.sign, &m.qualifier_mid, &m.magnitude,
                                 &m.unit_between, &m.range_separator, &m.unit_before_high, &m.number_high,
                                 &m.magnitude_high, &m.plus, &m.unit_after, &m.magnitude_after_unit,
                                 &m.per_marker, &m.per_magnitude, &m.per_noun, &m.qualifier_after,
                                 &m.counted_noun}) {
    if (!empty(*part)) end = std::max(end, part->end);
  }
  return end;
}

// A Chinese numeral needs a digit or a leading 十/百/千 (千亿 is 1e11); a bare
// 万 or 亿 is a word, not a number. Vague amounts (数十亿, 几百万) and
// ordinals (第七, 第3) are dropped.
bool number_ok(std::string_view text, std::string_view number, std::size_t number_begin, const Lexicon& lx) {
  for (std::string_view vague : lx.vague_prefixes) {
    // The last byte first: it rules out nearly every number (after a space,
    // a letter, most characters) without a string comparison.
    if (!vague.empty() && number_begin >= vague.size() && text[number_begin - 1] == vague.back() &&
        text.substr(number_begin - vague.size(), vague.size()) == vague) {
      return false;
    }
  }
  const auto first = static_cast<unsigned char>(number.front());
  if (first < 0x80) return true;  // Arabic or English
  bool has_digit = false;
  for (std::size_t i = 0; i + 3 <= number.size(); i += 3) {
    if (kChineseDigitChars.find(number.substr(i, 3)) != std::string_view::npos) has_digit = true;
  }
  const bool leading_unit = starts_with_any(number, "十百千拾佰仟");
  return has_digit || leading_unit || number == "半";
}

// A calendar year (1900–2099 written as four plain digits) counts nothing:
// `in 2026 companies` is a date, not 2026 companies.
bool is_year_like(std::string_view number) {
  return number.size() == 4 && (number.substr(0, 2) == "19" || number.substr(0, 2) == "20") &&
         std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The noun phrase a bare English number counts: up to four words after
// `pos`, the last of them a plural (`organizations`, `cos`) or an acronym
// (`GPU`, `GPUs`); the ones before it modifiers (`new data center plans`).
// A function word, punctuation or a line end first means no count.
FoldedSpan counted_noun_after(const Document& doc, std::size_t number_begin, std::size_t pos, const Lexicon& lx) {
  const std::string_view t = doc.folded.text;
  // A number glued to a word before it is part of a name (昇腾950 DT).
  if (number_begin > 0) {
    std::size_t lead = number_begin - 1;
    while (lead > 0 && (static_cast<unsigned char>(t[lead]) & 0xC0) == 0x80) --lead;
    const auto c = static_cast<unsigned char>(t[lead]);
    if (is_ascii_alnum(c) || (c >= 0xE4 && c <= 0xE9)) return {};
  }
  // A number right after a capitalised word is part of a name (`Am Law 100
  // firms`, `Fortune 500 companies`, `Microsoft 365 users`), not a count.
  if (number_begin >= 2 && t[number_begin - 1] == ' ') {
    std::size_t w = number_begin - 1;
    while (w > 0 && is_ascii_letter(static_cast<unsigned char>(t[w - 1]))) --w;
    if (w < number_begin - 1 && t[w] >= 'A' && t[w] <= 'Z') return {};
  }
  std::size_t at = pos;
  if (at < t.size() && t[at] == ' ') ++at;
  const std::size_t begin = at;
  for (int words = 0; words < 4; ++words) {
    std::size_t end = at;
    while (end < t.size() && (is_ascii_letter(static_cast<unsigned char>(t[end])) ||
                              (t[end] == '-' && end > at && end + 1 < t.size() &&
                               is_ascii_letter(static_cast<unsigned char>(t[end + 1]))))) {
      ++end;
    }
    if (end == at || !edge_ok(doc, end)) return {};
    const std::string_view word = t.substr(at, end - at);
    if (std::any_of(lx.count_stopwords.begin(), lx.count_stopwords.end(),
                    [&](std::string_view stopword) { return equals_ascii_ci(stopword, word); })) {
      return {};
    }
    if (lx.unit(word, Position::After) != nullptr) return {};  // a unit, not a counted thing
    const std::string_view stem = word.back() == 's' ? word.substr(0, word.size() - 1) : word;
    const bool acronym = stem.size() >= 2 && stem.size() <= 6 &&
                         std::all_of(stem.begin(), stem.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    const bool plural = word.size() >= 3 && word.back() == 's' && word[word.size() - 2] != 's' &&
                        std::all_of(word.begin() + 1, word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (acronym || plural) return {begin, end};
    if (end >= t.size() || t[end] != ' ') return {};
    at = end + 1;
  }
  return {};
}

bool is_regex_word_byte(unsigned char c) { return is_ascii_alnum(c) || c == '_'; }

using Groups = std::array<re2::StringPiece, kGroupCount>;

// How a match's digits may be written in a cache key: the pattern treats
// every digit of a `[0-9]` class alike, so `$35 billion` and `$72 billion`
// have the same parts; a digit the pattern also names literally (the `1` of
// `per 1 million`) keeps its own identity. Derived from the pattern itself.
using DigitKeys = std::array<char, 10>;

DigitKeys digit_keys(std::string_view pattern) {
  DigitKeys keys{};
  for (std::size_t d = 0; d < 10; ++d) keys[d] = static_cast<char>('0' + d);
  std::string rest(pattern);
  for (const std::string_view uniform : {"[0-9]", "{1,3}", "{3}"}) {
    for (std::size_t at = rest.find(uniform); at != std::string::npos; at = rest.find(uniform, at)) {
      rest.erase(at, uniform.size());
    }
  }
  std::array<bool, 10> literal{};
  for (const char c : rest) {
    if (c >= '0' && c <= '9') literal[static_cast<std::size_t>(c - '0')] = true;
  }
  // Any other use of a digit (a range such as [1-5], a count {2}) may tell
  // digits apart: then every digit is literal.
  if (rest.find('-') != std::string::npos) {
    for (std::size_t i = 0; i + 2 < rest.size(); ++i) {
      if (rest[i + 1] == '-' && rest[i] >= '0' && rest[i] <= '9') return keys;
    }
  }
  char canonical = 0;
  for (std::size_t d = 0; d < 10; ++d) {
    if (literal[d]) continue;
    if (canonical == 0) canonical = static_cast<char>('0' + d);
    keys[d] = canonical;
  }
  return keys;
}

// The parts of recent matches, per thread: a text repeats the same short
// matches (一, 2025年, 两个, ten) all through, and a lookup costs less than
// the part parser's walk (about a sixth of the match stage on the benchmark
// corpus). A match's parts depend only on its bytes (digits as digit_keys
// writes them) and, through the pattern's `\b`, on whether the bytes around
// it are word characters, which the key holds.
class SubmatchCache {
 public:
  static constexpr std::size_t kMaxMatchBytes = 64;  // offsets fit a byte
  static constexpr std::size_t kMaxEntries = 1 << 14;

  // Fills `groups` from the cache; false when the match is not there.
  // `matcher` tells one matcher's entries from another's.
  bool find(std::uint64_t matcher, const DigitKeys& digits, std::string_view text, std::size_t begin,
            std::size_t size, Groups& groups) {
    if (matcher != matcher_) {
      entries_.clear();
      matcher_ = matcher;
      digits_ = digits;
    }
    make_key(text, begin, size);
    const auto it = entries_.find(key_);
    if (it == entries_.end()) return false;
    for (std::size_t g = 0; g < kGroupCount; ++g) {
      const auto [from, to] = it->second[g];
      groups[g] = from == kAbsent ? re2::StringPiece() : re2::StringPiece(text.data() + begin + from, to - from);
    }
    return true;
  }

  // Remembers the groups of the match `find` was last asked for.
  void store(std::string_view text, std::size_t begin, const Groups& groups) {
    if (entries_.size() >= kMaxEntries) entries_.clear();
    Offsets offsets;
    for (std::size_t g = 0; g < kGroupCount; ++g) {
      const re2::StringPiece& piece = groups[g];
      if (piece.data() == nullptr) {
        offsets[g] = {kAbsent, kAbsent};
      } else {
        const auto from = static_cast<std::size_t>(piece.data() - text.data()) - begin;
        offsets[g] = {static_cast<std::uint8_t>(from), static_cast<std::uint8_t>(from + piece.size())};
      }
    }
    entries_.emplace(key_, offsets);
  }

 private:
  static constexpr std::uint8_t kAbsent = 0xFF;
  using Offsets = std::array<std::pair<std::uint8_t, std::uint8_t>, kGroupCount>;

  void make_key(std::string_view text, std::size_t begin, std::size_t size) {
    key_.assign(text.substr(begin, size));
    for (char& c : key_) {
      if (c >= '0' && c <= '9') c = digits_[static_cast<std::size_t>(c - '0')];
    }
    const std::size_t end = begin + size;
    key_ += begin > 0 && is_regex_word_byte(static_cast<unsigned char>(text[begin - 1])) ? 'w' : ' ';
    key_ += end < text.size() && is_regex_word_byte(static_cast<unsigned char>(text[end])) ? 'w' : ' ';
  }

  DigitKeys digits_{};
  std::uint64_t matcher_ = 0;
  std::string key_;
  std::unordered_map<std::string, Offsets> entries_;
};

std::atomic<std::uint64_t> next_matcher_id{1};

}  // namespace


namespace {

// ------------------------------------------------------------ part parser
//
// RE2 reads a match's parts with its NFA, which over the mention pattern
// (some 7,500 instructions, most of them lexicon words) costs about 10 µs
// a match, whatever its length. PartParser reads them as RE2 would: it
// walks build_pattern's pieces in order, trying each piece's choices in the
// order the pattern gives them (an optional piece first taken, then
// skipped; an alternation's words in alternation_order; greedy repeats
// longest first) and backtracking, which is the leftmost-first choice RE2's
// submatch engine makes; the whole match is known, so the first walk that
// ends exactly at its end is RE2's. Words are compared as their
// alternatives read them (case folded under (?i), a space as a run of
// spaces or tabs, `[ ]?` before a `$`, a one-letter lower-case word as a
// whole word). build_pattern and PartParser change together; the
// matcher's tests compare the parser with RE2 on the corpora and on random
// strings of lexicon words.

// The code point at s[i] of well-formed UTF-8 (folded text and lexicon
// words are), and where the next one starts.
std::pair<UChar32, std::size_t> code_point_at(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  if (i + length > s.size()) return {-1, s.size() + 1};
  UChar32 cp = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return {cp, i + length};
}

class PartParser {
 public:
  explicit PartParser(const Lexicon& lx)
      : qualifier_before_(words(surfaces(lx.qualifiers, [](const QualifierWord& q) {
          return q.position == Position::Before;
        }))),
        fillers_(words(plain(lx.qualifier_fillers))),
        unit_before_(words(surfaces(lx.units, [](const UnitWord& u) { return u.position == Position::Before; }))),
        signs_(words(plain(lx.negative_signs))),
        qualifier_mid_(words(surfaces(lx.qualifiers, [](const QualifierWord& q) { return q.inside; }))),
        magnitude_(words(surfaces(lx.magnitudes, [](auto&) { return true; }))),
        unit_after_(words(surfaces(lx.units, [](const UnitWord& u) { return u.position == Position::After; }))),
        range_(words(plain(lx.range_separators))),
        per_markers_(words(plain(lx.per_markers))),
        per_nouns_(words(surfaces(lx.per_nouns, [](auto&) { return true; }))),
        qualifier_after_(words(surfaces(lx.qualifiers, [](const QualifierWord& q) {
          return q.position == Position::After && q.surface != "+";
        }))) {}

  enum class Outcome { Parsed, NoParse };

  // The parts of the match text[begin, end), as RE2's submatch engine
  // would give them.
  Outcome parse(std::string_view text, std::size_t begin, std::size_t end, Groups& groups) const {
    Walk walk{*this, text, end, groups};
    for (re2::StringPiece& g : groups) g = re2::StringPiece();
    const Step step = walk.qualifier_before(begin);
    if (step == Step::Done) {
      groups[0] = re2::StringPiece(text.data() + begin, end - begin);
      return Outcome::Parsed;
    }
    for (re2::StringPiece& g : groups) g = re2::StringPiece();
    return Outcome::NoParse;
  }

 private:
  // An alternation's words, bucketed by first byte (under both cases when
  // they fold case), each bucket in alternation order.
  struct Words {
    std::array<std::vector<Surface>, 256> by_first_byte;
  };
  static Words words(const std::vector<Surface>& unordered) {
    Words out;
    for (const Surface& w : alternation_order(unordered)) {
      if (w.text.empty()) continue;
      const auto first = static_cast<unsigned char>(w.text[0]);
      out.by_first_byte[first].push_back(w);
      if (w.fold_case && is_ascii_letter(first)) out.by_first_byte[first ^ 0x20U].push_back(w);
      if (w.fold_case && first >= 0x80) {
        // A word that starts with a cased non-ASCII letter (μm) is tried at
        // every non-ASCII byte: its case partner starts with another one.
        for (unsigned b = 0x80; b < 0x100; ++b) {
          if (b != first) out.by_first_byte[b].push_back(w);
        }
      }
    }
    return out;
  }

  enum class Step { Failed, Done };

  // One backtracking walk over a match; each piece tries its choices in
  // the pattern's order and hands each one to the pieces after it.
  struct Walk {
    const PartParser& parser;
    std::string_view t;
    std::size_t end;
    Groups& g;

    void set(int group, std::size_t from, std::size_t to) {
      g[static_cast<std::size_t>(group)] = re2::StringPiece(t.data() + from, to - from);
    }
    void unset(int group) { g[static_cast<std::size_t>(group)] = re2::StringPiece(); }
    bool blank_at(std::size_t x) const { return x < end && (t[x] == ' ' || t[x] == '\t'); }

    // `[ \t]?` (`[ \t-]?` with `dash`), greedy: with the byte, then without.
    template <typename Next>
    Step optional_blank(std::size_t x, Next&& next, bool dash = false) {
      if (blank_at(x) || (dash && x < end && t[x] == '-')) {
        if (const Step s = next(x + 1); s != Step::Failed) return s;
      }
      return next(x);
    }

    // Each word of `words` that stands at x, in alternation order.
    template <typename Next>
    Step word(const Words& words, std::size_t x, Next&& next) {
      if (x >= end) return Step::Failed;
      for (const Surface& w : words.by_first_byte[static_cast<unsigned char>(t[x])]) {
        const std::size_t e = word_end(w, x);
        if (e == std::string_view::npos) continue;
        if (const Step s = next(e); s != Step::Failed) return s;
      }
      return Step::Failed;
    }

    // Where w, as its alternative reads it, ends when it starts at x.
    std::size_t word_end(const Surface& w, std::size_t x) const {
      constexpr std::size_t kNo = std::string_view::npos;
      const std::string_view s = w.text;
      if (s.size() == 1 && w.fold_case && is_ascii_letter(static_cast<unsigned char>(s[0]))) {
        // `(?:T|t\b)`
        const char c = t[x];
        if (c == static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])))) return x + 1;
        const bool word_after = x + 1 < t.size() && is_regex_word_byte(static_cast<unsigned char>(t[x + 1]));
        return c == static_cast<char>(std::tolower(static_cast<unsigned char>(s[0]))) && !word_after ? x + 1 : kNo;
      }
      const bool split_dollar = dollar_may_split(s);
      std::size_t p = x;
      std::size_t i = 0;
      while (i < s.size()) {
        if (s[i] == ' ') {  // `[ \t]+`
          const std::size_t from = p;
          while (blank_at(p)) ++p;
          if (p == from) return kNo;
          ++i;
          continue;
        }
        if (split_dollar && i + 1 == s.size() && p < end && t[p] == ' ') ++p;  // `[ ]?\$`
        if (p >= end) return kNo;
        const auto wc = static_cast<unsigned char>(s[i]);
        const auto tc = static_cast<unsigned char>(t[p]);
        if (!w.fold_case || (wc < 0x80 && tc < 0x80)) {
          if (w.fold_case ? std::tolower(tc) != std::tolower(wc) : tc != wc) return kNo;
          ++p;
          ++i;
          continue;
        }
        // A non-ASCII character under (?i) (μ, or a K-like sign against k):
        // compare case-folded code points.
        const auto [wcp, next_i] = code_point_at(s, i);
        const auto [tcp, next_p] = code_point_at(t, p);
        if (next_p > end || u_foldCase(wcp, U_FOLD_CASE_DEFAULT) != u_foldCase(tcp, U_FOLD_CASE_DEFAULT)) return kNo;
        i = next_i;
        p = next_p;
      }
      return p;
    }

    // The number group: `(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?`,
    // then Chinese numerals `[…]+(?:[点點][…]+)?`, then English number
    // words.
    template <typename Next>
    Step number(int group, std::size_t x, Next&& next) {
      if (x >= end) return Step::Failed;
      const auto try_end = [&](std::size_t e) {
        set(group, x, e);
        const Step s = next(e);
        if (s == Step::Failed) unset(group);
        return s;
      };
      if (is_digit(static_cast<unsigned char>(t[x]))) {
        const std::size_t run = digits_from(x);
        // [0-9]{1,3}(?:,[0-9]{3})+, greedy at both counts.
        for (std::size_t lead = std::min<std::size_t>(run, 3); lead >= 1; --lead) {
          std::size_t groups = 0;
          while (x + lead + 4 * groups + 4 <= end && t[x + lead + 4 * groups] == ',' &&
                 digits_from(x + lead + 4 * groups + 1) >= 3) {
            ++groups;
          }
          for (; groups >= 1; --groups) {
            if (const Step s = with_fraction(x + lead + 4 * groups, try_end); s != Step::Failed) return s;
          }
        }
        // [0-9]+, greedy.
        for (std::size_t n = run; n >= 1; --n) {
          if (const Step s = with_fraction(x + n, try_end); s != Step::Failed) return s;
        }
        return Step::Failed;
      }
      if (chinese_numeral_at(x, kChineseNumeralChars)) {
        for (std::size_t e = x + 3 * chinese_run(x, kChineseNumeralChars); e > x; e -= 3) {
          // (?:[点點][…]+)?, greedy.
          if (e + 3 <= end && (t.substr(e, 3) == "点" || t.substr(e, 3) == "點")) {
            for (std::size_t f = e + 3 + 3 * chinese_run(e + 3, kChineseDigitChars); f > e + 3; f -= 3) {
              if (const Step s = try_end(f); s != Step::Failed) return s;
            }
          }
          if (const Step s = try_end(e); s != Step::Failed) return s;
        }
        return Step::Failed;
      }
      return english_number(x, try_end);
    }

    // Where `word` (lower-case ASCII) stands at p under (?i), or npos.
    std::size_t word_at(std::size_t p, std::string_view word) const {
      if (p + word.size() > end) return std::string_view::npos;
      for (std::size_t i = 0; i < word.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(t[p + i])) != word[i]) return std::string_view::npos;
      }
      return p + word.size();
    }
    bool one_of_at(std::size_t p, std::string_view chars) const {
      return p < end && chars.find(t[p]) != std::string_view::npos;
    }

    // kEnglishNumberWords, its choices in its order:
    // (?:(?:one|…|nine|a)[ -])?hundred(?:[ -](?:and[ -])?(?:BELOW))?
    // | (?:one|two|three|a)[ -]quarters? | half | quarter | BELOW
    template <typename TryEnd>
    Step english_number(std::size_t x, TryEnd& try_end) {
      static constexpr std::array<std::string_view, 10> kBeforeHundred{
          "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "a"};
      const auto after_hundred = [&](std::size_t h) {
        if (one_of_at(h, " -")) {
          if (const std::size_t a = word_at(h + 1, "and"); a != std::string_view::npos && one_of_at(a, " -")) {
            if (const Step s = below_hundred(a + 1, try_end); s != Step::Failed) return s;
          }
          if (const Step s = below_hundred(h + 1, try_end); s != Step::Failed) return s;
        }
        return try_end(h);
      };
      for (const std::string_view w : kBeforeHundred) {
        const std::size_t e = word_at(x, w);
        if (e == std::string_view::npos || !one_of_at(e, " -")) continue;
        if (const std::size_t h = word_at(e + 1, "hundred"); h != std::string_view::npos) {
          if (const Step s = after_hundred(h); s != Step::Failed) return s;
        }
      }
      if (const std::size_t h = word_at(x, "hundred"); h != std::string_view::npos) {
        if (const Step s = after_hundred(h); s != Step::Failed) return s;
      }
      for (const std::string_view w : {"one", "two", "three", "a"}) {
        const std::size_t e = word_at(x, w);
        if (e == std::string_view::npos || !one_of_at(e, " -")) continue;
        if (const std::size_t q = word_at(e + 1, "quarter"); q != std::string_view::npos) {
          if (const std::size_t plural = word_at(q, "s"); plural != std::string_view::npos) {
            if (const Step s = try_end(plural); s != Step::Failed) return s;
          }
          if (const Step s = try_end(q); s != Step::Failed) return s;
        }
      }
      for (const std::string_view w : {"half", "quarter"}) {
        if (const std::size_t e = word_at(x, w); e != std::string_view::npos) {
          if (const Step s = try_end(e); s != Step::Failed) return s;
        }
      }
      return below_hundred(x, try_end);
    }

    // (?:twenty|…|ninety)(?:[- ]?(?:one|…|nine))?|one|…|nineteen
    template <typename TryEnd>
    Step below_hundred(std::size_t x, TryEnd& try_end) {
      static constexpr std::array<std::string_view, 8> kTens{"twenty", "thirty", "forty",   "fifty",
                                                             "sixty",  "seventy", "eighty", "ninety"};
      static constexpr std::array<std::string_view, 9> kUnits{"one", "two",   "three", "four", "five",
                                                              "six", "seven", "eight", "nine"};
      static constexpr std::array<std::string_view, 19> kBelowTwenty{
          "one",    "two",    "three",    "four",    "five",      "six",      "seven",
          "eight",  "nine",   "ten",      "eleven",  "twelve",    "thirteen", "fourteen",
          "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
      for (const std::string_view tens : kTens) {
        const std::size_t e = word_at(x, tens);
        if (e == std::string_view::npos) continue;
        for (const std::size_t from : {one_of_at(e, "- ") ? e + 1 : std::string_view::npos, e}) {
          if (from == std::string_view::npos) continue;
          for (const std::string_view unit : kUnits) {
            if (const std::size_t u = word_at(from, unit); u != std::string_view::npos) {
              if (const Step s = try_end(u); s != Step::Failed) return s;
            }
          }
        }
        if (const Step s = try_end(e); s != Step::Failed) return s;
      }
      for (const std::string_view w : kBelowTwenty) {
        if (const std::size_t e = word_at(x, w); e != std::string_view::npos) {
          if (const Step s = try_end(e); s != Step::Failed) return s;
        }
      }
      return Step::Failed;
    }

    std::size_t digits_from(std::size_t x) const {
      std::size_t p = x;
      while (p < end && is_digit(static_cast<unsigned char>(t[p]))) ++p;
      return p - x;
    }
    // Whether a character of `chars` (all of three bytes) stands at x.
    bool chinese_numeral_at(std::size_t x, std::string_view chars) const {
      if (x + 3 > end || static_cast<unsigned char>(t[x]) < 0x80) return false;
      const std::size_t at = chars.find(t.substr(x, 3));
      return at != std::string_view::npos && at % 3 == 0;
    }
    // How many characters of `chars` stand in a row from x.
    std::size_t chinese_run(std::size_t x, std::string_view chars) const {
      std::size_t n = 0;
      while (chinese_numeral_at(x + 3 * n, chars)) ++n;
      return n;
    }
    // `(?:\.[0-9]+)?` after b, greedy.
    template <typename TryEnd>
    Step with_fraction(std::size_t b, TryEnd& try_end) {
      if (b + 1 < end && t[b] == '.' && is_digit(static_cast<unsigned char>(t[b + 1]))) {
        for (std::size_t n = digits_from(b + 1); n >= 1; --n) {
          if (const Step s = try_end(b + 1 + n); s != Step::Failed) return s;
        }
      }
      return try_end(b);
    }

    // A group around a word of `words`.
    template <typename Next>
    Step word_group(int group, const Words& words, std::size_t x, Next&& next) {
      return word(words, x, [&](std::size_t e) {
        set(group, x, e);
        const Step s = next(e);
        if (s == Step::Failed) unset(group);
        return s;
      });
    }

    // (?:(QB)[ \t]?(?:FILLER[ \t]?)?)?  1
    Step qualifier_before(std::size_t x) {
      const Step s = word_group(kQualifierBefore, parser.qualifier_before_, x, [&](std::size_t e) {
        return optional_blank(e, [&](std::size_t f) {
          const Step filled = word(parser.fillers_, f, [&](std::size_t e2) {
            return optional_blank(e2, [&](std::size_t y) { return unit_before(y); });
          });
          return filled != Step::Failed ? filled : unit_before(f);
        });
      });
      return s != Step::Failed ? s : unit_before(x);
    }
    // (?:(UB)[ \t]?)?  2
    Step unit_before(std::size_t x) {
      const Step s = word_group(kUnitBefore, parser.unit_before_, x,
                                [&](std::size_t e) { return optional_blank(e, [&](std::size_t y) { return sign(y); }); });
      return s != Step::Failed ? s : sign(x);
    }
    // (?:(SIGN)[ \t]?)?  3
    Step sign(std::size_t x) {
      const Step s = word_group(kSign, parser.signs_, x, [&](std::size_t e) {
        return optional_blank(e, [&](std::size_t y) { return number(kNumber, y, [&](std::size_t z) { return qualifier_mid(z); }); });
      });
      return s != Step::Failed ? s : number(kNumber, x, [&](std::size_t z) { return qualifier_mid(z); });
    }
    // (?:[ \t]?(QM))?  5
    Step qualifier_mid(std::size_t x) {
      const Step s = optional_blank(x, [&](std::size_t y) {
        return word_group(kQualifierMid, parser.qualifier_mid_, y, [&](std::size_t e) { return magnitude(e); });
      });
      return s != Step::Failed ? s : magnitude(x);
    }
    // (?:[ \t]?(MAG))?  6
    Step magnitude(std::size_t x) {
      const Step s = optional_blank(x, [&](std::size_t y) {
        return word_group(kMagnitude, parser.magnitude_, y, [&](std::size_t e) { return range(e); });
      });
      return s != Step::Failed ? s : range(x);
    }
    // (?:(UA)?[ \t]?(RANGE)[ \t]?(?:(UB)[ \t]?)?NUMBER(?:[ \t]?(MAG))?)?  7-11
    Step range(std::size_t x) {
      const auto from_separator = [&](std::size_t y) {
        return optional_blank(y, [&](std::size_t z) {
          return word_group(kRangeSeparator, parser.range_, z, [&](std::size_t e) {
            return optional_blank(e, [&](std::size_t w) { return high_unit(w); });
          });
        });
      };
      Step s = word_group(kUnitBetween, parser.unit_after_, x, from_separator);
      if (s == Step::Failed) s = from_separator(x);
      return s != Step::Failed ? s : plus(x);
    }
    Step high_unit(std::size_t x) {
      const auto high_number = [&](std::size_t y) {
        return number(kNumberHigh, y, [&](std::size_t e) {
          const Step s = optional_blank(e, [&](std::size_t z) {
            return word_group(kMagnitudeHigh, parser.magnitude_, z, [&](std::size_t e2) { return plus(e2); });
          });
          return s != Step::Failed ? s : plus(e);
        });
      };
      const Step s = word_group(kUnitBeforeHigh, parser.unit_before_, x,
                                [&](std::size_t e) { return optional_blank(e, high_number); });
      return s != Step::Failed ? s : high_number(x);
    }
    // `(\+)?` as `group`, greedy.
    template <typename Next>
    Step optional_plus(int group, std::size_t x, Next&& next) {
      if (x < end && t[x] == '+') {
        set(group, x, x + 1);
        if (const Step s = next(x + 1); s != Step::Failed) return s;
        unset(group);
      }
      return next(x);
    }
    // (\+)?  12
    Step plus(std::size_t x) {
      return optional_plus(kPlus, x, [&](std::size_t y) { return unit_after(y); });
    }
    // (?:[ \t-]?(UA)(?:[ \t]?(MAG))?)?  13, 14
    Step unit_after(std::size_t x) {
      const Step s = optional_blank(
          x,
          [&](std::size_t y) {
            return word_group(kUnitAfter, parser.unit_after_, y, [&](std::size_t e) {
              const Step m = optional_blank(e, [&](std::size_t z) {
                return word_group(kMagnitudeAfterUnit, parser.magnitude_, z,
                                  [&](std::size_t e2) { return plus_after_unit(e2); });
              });
              return m != Step::Failed ? m : plus_after_unit(e);
            });
          },
          true);
      return s != Step::Failed ? s : plus_after_unit(x);
    }
    // (\+)?  15
    Step plus_after_unit(std::size_t x) {
      return optional_plus(kPlusAfterUnit, x, [&](std::size_t y) { return per(y); });
    }
    // (?:([ \t]?PER[ \t]?)(?:(MAG|1[ \t]?MAG)[ \t]?)?(NOUN)?)?  16-18
    Step per(std::size_t x) {
      const Step s = optional_blank(x, [&](std::size_t y) {
        return word(parser.per_markers_, y, [&](std::size_t e) {
          return optional_blank(e, [&](std::size_t z) {
            set(kPerMarker, x, z);
            const Step after = per_magnitude(z);
            if (after == Step::Failed) unset(kPerMarker);
            return after;
          });
        });
      });
      return s != Step::Failed ? s : qualifier_after(x);
    }
    Step per_magnitude(std::size_t x) {
      const auto then = [&](std::size_t e) {
        set(kPerMagnitude, x, e);
        const Step s = optional_blank(e, [&](std::size_t y) { return per_noun(y); });
        if (s == Step::Failed) unset(kPerMagnitude);
        return s;
      };
      Step s = word(parser.magnitude_, x, then);
      if (s == Step::Failed && x < end && t[x] == '1') {
        s = optional_blank(x + 1, [&](std::size_t y) { return word(parser.magnitude_, y, then); });
      }
      return s != Step::Failed ? s : per_noun(x);
    }
    Step per_noun(std::size_t x) {
      const Step s = word_group(kPerNoun, parser.per_nouns_, x, [&](std::size_t e) { return qualifier_after(e); });
      return s != Step::Failed ? s : qualifier_after(x);
    }
    // (?:[ \t]?(QA))?  19, then the end of the match.
    Step qualifier_after(std::size_t x) {
      const Step s = optional_blank(x, [&](std::size_t y) {
        return word_group(kQualifierAfter, parser.qualifier_after_, y,
                          [&](std::size_t e) { return e == end ? Step::Done : Step::Failed; });
      });
      if (s != Step::Failed) return s;
      return x == end ? Step::Done : Step::Failed;
    }
  };

  Words qualifier_before_, fillers_, unit_before_, signs_, qualifier_mid_, magnitude_, unit_after_, range_,
      per_markers_, per_nouns_, qualifier_after_;
};

}  // namespace

struct Matcher::Impl {
  const Lexicon& lexicon;
  std::string pattern;
  RE2 mention;
  // Tells this matcher's cached submatches from another's.
  const std::uint64_t id = next_matcher_id++;
  const DigitKeys digits = digit_keys(pattern);
  // Unit words written after a number, and per nouns, for word_at.
  const WordsByFirstByte units_after{
      surfaces(lexicon.units, [](const UnitWord& u) { return u.position == Position::After; })};
  const WordsByFirstByte per_nouns{surfaces(lexicon.per_nouns, [](auto&) { return true; })};

  const PartParser part_parser{lexicon};

  Impl(const Lexicon& lx, std::string p) : lexicon(lx), pattern(std::move(p)), mention(pattern) {}

  // The groups of the match text[begin, begin + size), found by the first
  // pass, read by RE2's submatch engine; false if it does not match again.
  bool re2_submatch(const std::string& text, std::size_t begin, std::size_t size, Groups& groups) const {
    return mention.Match(re2::StringPiece(text), begin, begin + size, RE2::ANCHOR_BOTH, groups.data(), kGroupCount);
  }

  // The same groups, read by the part parser; RE2, which found the match,
  // has the last word should the parser not read it.
  bool submatch(const std::string& text, std::size_t begin, std::size_t size, Groups& groups) const {
    const bool cached = size <= SubmatchCache::kMaxMatchBytes;
    thread_local SubmatchCache cache;
    if (cached && cache.find(id, digits, text, begin, size, groups)) return true;
    if (part_parser.parse(text, begin, begin + size, groups) != PartParser::Outcome::Parsed &&
        !re2_submatch(text, begin, size, groups)) {
      return false;
    }
    if (cached) cache.store(text, begin, groups);
    return true;
  }

  // Applies the boundary and lexicon checks to a raw match; false drops it.
  bool validate(const Document& doc, Mention& m) const {
    const std::string& t = doc.folded.text;
    if (!number_ok(t, slice(t, m.number), m.number.begin, lexicon)) return false;
    // `half` and `quarter` are numbers only before a magnitude (`half
    // million`); `the quarter to $254 million` is no range.
    const std::string_view number_text = slice(t, m.number);
    const auto ends_with = [&](std::string_view word) {
      return number_text.size() >= word.size() &&
             equals_ascii_ci(number_text.substr(number_text.size() - word.size()), word);
    };
    if ((ends_with("half") || ends_with("quarter") || ends_with("quarters")) && empty(m.magnitude)) return false;

    // Left edge: shed a glued qualifier or currency word (`turnover 5%`
    // reads `over`), then require the number itself to start cleanly.
    if (!empty(m.qualifier_before) && !edge_ok(doc, m.qualifier_before.begin)) m.qualifier_before = {};
    if (!empty(m.unit_before) && !edge_ok(doc, m.unit_before.begin)) {
      // `buys $10B` read as `s $` (S$): keep the longest unit word that
      // ends where the match's did and starts cleanly (`$`).
      m.qualifier_before = {};
      FoldedSpan shorter;
      for (const UnitWord& u : lexicon.units) {
        const std::size_t end = m.unit_before.end;
        const std::size_t n = u.surface.size();
        if (u.position != Position::Before || n >= end - m.unit_before.begin || n <= shorter.end - shorter.begin) {
          continue;
        }
        if (lexicon.unit(t.substr(end - n, n), Position::Before) == &u && edge_ok(doc, end - n)) shorter = {end - n, end};
      }
      m.unit_before = shorter;
    }
    // The two ends of a range are of one kind: `12% to $35 billion` and
    // `5% to 12 GW` are two figures, not a range. Cut after the low end (its
    // unit stays); the scan goes on from there and finds the high end.
    if (!empty(m.number_high)) {
      const UnitWord* low = !empty(m.unit_between) ? lexicon.unit(slice(t, m.unit_between), Position::After)
                            : !empty(m.unit_before) ? lexicon.unit(slice(t, m.unit_before), Position::Before)
                                                    : nullptr;
      const UnitWord* high = !empty(m.unit_before_high) ? lexicon.unit(slice(t, m.unit_before_high), Position::Before)
                             : !empty(m.unit_after)     ? lexicon.unit(slice(t, m.unit_after), Position::After)
                                                        : nullptr;
      if (low != nullptr && high != nullptr && low->kind != high->kind) {
        m.unit_after = m.unit_between;
        m.unit_between = m.range_separator = m.unit_before_high = m.number_high = m.magnitude_high = {};
        m.plus = m.magnitude_after_unit = m.per_marker = m.per_magnitude = m.per_noun = m.qualifier_after = {};
      }
    }
    // A hyphen glued to a word is no minus sign (Llama-8B); `minus` must
    // stand apart.
    if (!empty(m.sign) && empty(m.unit_before) && !edge_ok(doc, m.sign.begin)) m.sign = {};
    if (!empty(m.sign) && empty(m.unit_before) && m.sign.begin > 0 &&
        is_ascii_alnum(static_cast<unsigned char>(t[m.sign.begin - 1]))) {
      m.sign = {};
    }
    // A currency code names the number glued to it (USD115): the code's
    // own left edge is the one to check.
    const std::size_t core = !empty(m.sign) ? m.sign.begin : m.number.begin;
    if (empty(m.unit_before) && !edge_ok(doc, core)) return false;
    m.span.begin = !empty(m.qualifier_before) ? m.qualifier_before.begin
                   : !empty(m.unit_before)    ? m.unit_before.begin
                                              : core;

    // A unit word that is the start of a longer word (元 in 二元化) is no unit.
    if (!empty(m.unit_after)) {
      const UnitWord* unit = lexicon.unit(slice(t, m.unit_after), Position::After);
      if (unit != nullptr && !unit->not_before.empty() &&
          starts_with_any(std::string_view(t).substr(m.unit_after.end), unit->not_before)) {
        m.unit_after = {};
        m.per_marker = m.per_magnitude = m.per_noun = m.qualifier_after = {};
      }
    }
    // A magnitude may be the start of a unit word instead (`7 KRW`, `7 TWD`,
    // 7千瓦时): the regex prefers the magnitude, the longest word decides.
    // The magnitude to look at is the last one: a range's high end's.
    FoldedSpan& last_magnitude = empty(m.number_high) ? m.magnitude : m.magnitude_high;
    if (!empty(last_magnitude)) {
      const std::size_t reach = std::max(last_magnitude.end, m.unit_after.end);
      if (const FoldedSpan word = word_at(doc, last_magnitude.begin, units_after); !empty(word) && word.end >= reach) {
        m.unit_after = word;
        last_magnitude = {};
        for (FoldedSpan* later : {&m.magnitude_after_unit, &m.plus, &m.per_marker, &m.per_magnitude, &m.per_noun,
                                  &m.qualifier_after}) {
          if (later->begin < word.end) *later = {};
        }
      }
    }
    if (!empty(m.per_magnitude) && empty(m.per_noun) && !edge_ok(doc, m.per_magnitude.end)) {
      if (const FoldedSpan word = word_at(doc, m.per_magnitude.begin, per_nouns); !empty(word)) {
        m.per_noun = word;
        m.per_magnitude = m.qualifier_after = {};
      }
    }
    // Some units follow their number without a space (12x, but not `1 m x`).
    if (!empty(m.unit_after)) {
      const UnitWord* unit = lexicon.unit(slice(t, m.unit_after), Position::After);
      FoldedSpan before_unit = m.number;
      for (const FoldedSpan* p : {&m.qualifier_mid, &m.magnitude, &m.number_high, &m.magnitude_high, &m.plus}) {
        if (!empty(*p) && p->end <= m.unit_after.begin) before_unit.end = std::max(before_unit.end, p->end);
      }
      if (unit != nullptr && unit->glued && before_unit.end != m.unit_after.begin) {
        m.unit_after = m.per_marker = m.per_magnitude = m.per_noun = m.qualifier_after = {};
      }
    }
    // A unit that only ends a compound (`2 in` after `5 ft`) is no unit of an
    // amount that has its own currency or magnitude (`$40 Billion in capex`).
    if (!empty(m.unit_after) && (!empty(m.unit_before) || !empty(m.magnitude))) {
      const UnitWord* unit = lexicon.unit(slice(t, m.unit_after), Position::After);
      if (unit != nullptr && unit->compound_only) {
        m.unit_after = m.magnitude_after_unit = m.per_marker = m.per_magnitude = m.per_noun = m.qualifier_after = {};
      }
    }
    // A currency code between two numbers belongs to the second when it is
    // written before numbers too (`rmb 10 usd 20`).
    if (!empty(m.unit_after) && lexicon.unit(slice(t, m.unit_after), Position::Before) != nullptr) {
      std::size_t next = m.unit_after.end;
      while (next < t.size() && t[next] == ' ') ++next;
      if (next < t.size() && is_digit(static_cast<unsigned char>(t[next])) &&
          lexicon.unit(slice(t, m.unit_after), Position::After) != nullptr && !empty(m.unit_before)) {
        m.unit_after = m.per_marker = m.per_magnitude = m.per_noun = m.qualifier_after = {};
      }
    }
    // A magnitude after the unit (`75 USD million`) stands in for one
    // before it; a number has only one, and only an amount of money is
    // written so: `5% B轮融资` and `12% million` are no billions of percent.
    // What the pattern took after the magnitude goes with it.
    if (!empty(m.magnitude_after_unit)) {
      const UnitWord* unit = lexicon.unit(slice(t, m.unit_after), Position::After);
      if (!empty(m.magnitude) || !empty(m.number_high) || unit == nullptr || unit->kind != Kind::Money) {
        const std::size_t from = m.magnitude_after_unit.begin;
        m.magnitude_after_unit = {};
        for (FoldedSpan* later : {&m.plus, &m.per_marker, &m.per_magnitude, &m.per_noun, &m.qualifier_after}) {
          if (later->begin >= from) *later = {};
        }
      }
    }
    // A Chinese numeral's last character may start a unit word instead
    // (一百千瓦 is 100 kW, not 1100 W).
    if (empty(m.number_high) && empty(m.magnitude) && m.number.end - m.number.begin >= 6 &&
        static_cast<unsigned char>(t[m.number.begin]) >= 0x80) {
      const FoldedSpan word = word_at(doc, m.number.end - 3, units_after);
      if (!empty(word) && word.end > m.number.end && word.end >= m.unit_after.end) {
        m.number.end -= 3;
        m.unit_after = word;
        m.magnitude_after_unit = {};
        for (FoldedSpan* later : {&m.plus, &m.per_marker, &m.per_magnitude, &m.per_noun, &m.qualifier_after}) {
          if (later->begin < word.end) *later = {};
        }
      }
    }
    // A price marker needs something to be per.
    if (!empty(m.per_marker) && empty(m.per_magnitude) && empty(m.per_noun)) {
      m.per_marker = {};
    }

    // Right edge: drop parts from the back until the mention ends cleanly.
    auto parts = parts_in_order(m);
    bool clean_end = edge_ok(doc, last_end(m));
    for (std::size_t i = parts.size(); !clean_end && i-- > 0;) {
      FoldedSpan* part = parts[i];
      if (empty(*part)) continue;
      if (part == &m.number) return false;  // the number itself runs on
      *part = {};
      if (part == &m.per_noun || part == &m.per_magnitude) m.per_marker = {};
      clean_end = edge_ok(doc, last_end(m));
    }
    if (!clean_end) return false;
    if (!empty(m.per_marker) && empty(m.per_magnitude) && empty(m.per_noun)) m.per_marker = {};
    // A range needs its high end; a lone separator is no range.
    if (empty(m.number_high)) m.range_separator = m.unit_before_high = m.magnitude_high = m.unit_between = {};
    // A bare Arabic number may count the noun after it.
    const std::string_view number = slice(t, m.number);
    if (empty(m.unit_after) && empty(m.unit_before) && empty(m.unit_between) && empty(m.per_marker) &&
        empty(m.qualifier_after) && !number.empty() && number[0] >= '0' && number[0] <= '9' &&
        !(is_year_like(number) && empty(m.magnitude))) {
      m.counted_noun = counted_noun_after(doc, m.number.begin, last_end(m), lexicon);
    }
    m.span.end = last_end(m);
    return true;
  }
};

Matcher::Matcher(const Lexicon& lexicon) {
  impl_ = std::make_unique<Impl>(lexicon, build_pattern(lexicon));
  if (!impl_->mention.ok()) {
    throw std::logic_error("figtrail: the lexicon's mention pattern does not compile: " +
                           impl_->mention.error());
  }
  if (impl_->mention.NumberOfCapturingGroups() != kGroupCount - 1) {
    throw std::logic_error("figtrail: the mention pattern has " +
                           std::to_string(impl_->mention.NumberOfCapturingGroups()) +
                           " groups, the matcher expects " + std::to_string(kGroupCount - 1));
  }
}

Matcher::~Matcher() = default;

const std::string& Matcher::pattern() const { return impl_->pattern; }

Matcher::PartCheck Matcher::check_part_parser(const Document& document) const {
  const std::string& text = document.folded.text;
  const re2::StringPiece input(text);
  PartCheck check;
  Groups whole;
  // Every leftmost match from every character on: more matches than a scan
  // keeps, each a string the parser may meet.
  for (std::size_t pos = 0;
       pos < text.size() && impl_->mention.Match(input, pos, text.size(), RE2::UNANCHORED, whole.data(), 1);) {
    const auto begin = static_cast<std::size_t>(whole[0].data() - text.data());
    const std::size_t size = whole[0].size();
    Groups parsed;
    Groups expected;
    const bool parsed_ok = impl_->part_parser.parse(text, begin, begin + size, parsed) == PartParser::Outcome::Parsed;
    const bool matched = impl_->re2_submatch(text, begin, size, expected);
    ++check.compared;
    std::string differs;
    for (std::size_t g = 0; g < kGroupCount; ++g) {
      if (parsed_ok && matched && parsed[g].data() == expected[g].data() && parsed[g].size() == expected[g].size()) {
        continue;
      }
      differs += " group " + std::to_string(g) + ": parser `" + std::string(parsed[g].data() ? parsed[g] : "-") +
                 "` RE2 `" + std::string(expected[g].data() ? expected[g] : "-") + "`";
    }
    if (!differs.empty()) check.disagreements.push_back(std::string(whole[0]) + ":" + differs);
    std::size_t next = begin + 1;
    while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
    pos = next;
  }
  return check;
}

std::vector<Mention> Matcher::find(const Document& document, std::size_t max_mentions) const {
  const std::string& text = document.folded.text;
  const re2::StringPiece input(text);

  // URLs first, so that digits inside them are never read as figures.
  const std::vector<FoldedSpan>& urls = document.urls;
  auto in_url = [&](FoldedSpan span) {
    return std::any_of(urls.begin(), urls.end(),
                       [&](FoldedSpan u) { return span.begin < u.end && u.begin < span.end; });
  };

  std::vector<Mention> mentions;
  Groups groups;
  std::size_t pos = 0;
  while (pos < text.size() && impl_->mention.Match(input, pos, text.size(), RE2::UNANCHORED, groups.data(), 1)) {
    // Finding where a match ends needs only RE2's DFA; its parts need the
    // part parser. Most matches are bare numbers (years, list numbers):
    // their only part is the number, so the parser is skipped.
    const auto match_begin = static_cast<std::size_t>(groups[0].data() - text.data());
    const std::string_view matched(groups[0].data(), groups[0].size());
    const bool bare_number = matched.find_first_not_of("0123456789.,") == std::string_view::npos;
    if (bare_number) {
      for (std::size_t g = 1; g < kGroupCount; ++g) groups[g] = re2::StringPiece();
      groups[kNumber] = groups[0];
    } else if (!impl_->submatch(text, match_begin, matched.size(), groups)) {
      throw std::logic_error("figtrail: the mention pattern matched once but not twice");
    }
    auto span_of = [&](int g) -> FoldedSpan {
      const re2::StringPiece& piece = groups[static_cast<std::size_t>(g)];
      if (piece.data() == nullptr) return {};
      const auto begin = static_cast<std::size_t>(piece.data() - text.data());
      return {begin, begin + piece.size()};
    };
    const FoldedSpan whole = span_of(0);
    Mention m;
    m.span = whole;
    m.qualifier_before = span_of(kQualifierBefore);
    m.unit_before = span_of(kUnitBefore);
    m.sign = span_of(kSign);
    m.number = span_of(kNumber);
    m.qualifier_mid = span_of(kQualifierMid);
    m.magnitude = span_of(kMagnitude);
    m.unit_between = span_of(kUnitBetween);
    m.range_separator = span_of(kRangeSeparator);
    m.unit_before_high = span_of(kUnitBeforeHigh);
    m.number_high = span_of(kNumberHigh);
    m.magnitude_high = span_of(kMagnitudeHigh);
    m.plus = empty(span_of(kPlus)) ? span_of(kPlusAfterUnit) : span_of(kPlus);
    m.unit_after = span_of(kUnitAfter);
    m.magnitude_after_unit = span_of(kMagnitudeAfterUnit);
    m.per_marker = span_of(kPerMarker);
    m.per_magnitude = span_of(kPerMagnitude);
    m.per_noun = span_of(kPerNoun);
    m.qualifier_after = span_of(kQualifierAfter);

    const bool kept = impl_->validate(document, m) && !in_url(m.span);
    if (kept) {
      if (mentions.size() == max_mentions) {
        throw LimitError("more than " + std::to_string(max_mentions) + " candidate figures");
      }
      mentions.push_back(m);
    }
    // Continue after what was kept; after a dropped match, right after its
    // number, so a bad start (`ten` in `often`) cannot swallow a figure
    // behind it. Always move forward by at least one whole character.
    std::size_t next = std::max(kept ? m.span.end : m.number.end, whole.begin + 1);
    while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
    pos = next;
  }
  return mentions;
}

}  // namespace figtrail
