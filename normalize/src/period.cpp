// period: the time a figure is about (../shared/spec/FIGURES.md, "Period").
//
// A language-neutral engine over language-specific cue tables. Every cue in
// the folded text (a year, a quarter, a half, a fiscal year or quarter, a span
// of years, trailing twelve months, a date, a relative time, an open start)
// is found once per document by the RE2 patterns of kCueRules; then the
// period of a figure is read from the nearest governing cue, by scope:
//
//   1. the figure's clause (split at ，,;；。!?|→·• — and before English
//      `from`): the nearest cue before the figure, else the nearest after it
//      up to a colon (`推出四款新芯片:2026年第一季度…` does not date the
//      chips). A bracketed aside after the figure does not govern it
//      (`增长52.8%(2025年为…)`), except a cited title (`([ByteDance Plans …
//      in 2025](url))`); an aside before it does (`Private Funding (TTM):
//      $150B+`). Two years compared in the clause make a span (`2020年…为
//      2010年的九倍` → 2010-2020);
//   2. the clause around the brackets the figure sits in, outward;
//   3. the earlier clauses of its sentence, nearest first: the last cue each
//      states (a comparison base `从2024年`, `较2024年` and a date govern
//      their own clause only);
//   4. the same figure stated earlier in the same line (a table row's summary
//      column repeating `$216B`);
//   5. the metric card it sits in: a blurb that ends with a source citation
//      (`… Source: IDC, 2026`) is about what its first sentence names
//      (`market size estimate for 2025`, `过去12个月…融资总额`);
//   6. for a line that is only the figure (`$1.29T`), the caption line below;
//   7. for a short line (a label, a table row): the card right above it, or
//      a heading line above it in the same block (short, with a period and
//      no other number: `Metric2026 Value…`, `指标2026年规模涵盖范围`).
//
// A relative time (`last year`, 去年, 目前, 未来三年) or an open start (`since
// 2023`, 自2023年) met at levels 1-3, or holding the figure (`过去两年`),
// makes the period null: the text does not name the year. Citations
// (`Source: IDC, 2026`) and URLs are never cues. A target (`by 2033`, 到2033年)
// is a projection unless it is before the document's year (到2024年底 in a
// 2025 report is a deadline met).
//
// Cue scanning is linear in the document (one pass per rule) and done once
// per document (a per-thread cache of the last document); the work per figure
// is bounded by a window of a few kilobytes around it.
#include "figtrail/period.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace figtrail {
namespace {

enum class CueKind { Year, Quarter, Half, Fiscal, FiscalQuarter, Span, Ttm, Date, Since, Relative };

// One surface form of a cue. Named groups carry its parts:
//   y   the (first) year, four digits or two (`FY26`, `Q1'26` → 2026)
//   y2  the last year of a span
//   q   a quarter: 1-4, 一-四, first-fourth
//   h   a half: 1-2, 上/下/前/后, first/second
//   p   a target prefix (by, through, 到, 至): the period is a projection
//   l   a comparison base (从, 较, 比): the cue governs its own clause only
struct CueRule {
  CueKind kind;
  std::string_view pattern;
};

using enum CueKind;

// Where two rules match at the same place, the longer match wins, then the
// earlier rule.
constexpr std::array kCueRules = std::to_array<CueRule>({
    // ---- Trailing twelve months ----
    {Ttm, R"((?i)\b(?:TTM|LTM)\b)"},
    {Ttm, R"((?i)\b(?:trailing|last|past)[\s-]+(?:twelve|12)[\s-]+months?\b)"},
    {Ttm, R"((?:过去|近|最近)\s*(?:12|十二)\s*个?月)"},
    // ---- Fiscal quarters: FY2026 Q2, FY26Q2, Q2 FY26, 2026财年第二季度 ----
    {FiscalQuarter, R"((?i)\bFY\s*['’]?(?P<y>(?:19|20)?\d\d)\s*[-/]?\s*Q(?P<q>[1-4])\b)"},
    {FiscalQuarter, R"((?i)\bQ(?P<q>[1-4])\s*[-/]?\s*FY\s*['’]?(?P<y>(?:19|20)?\d\d)\b)"},
    {FiscalQuarter,
     R"((?i)\b(?:the\s+)?(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter\s+(?:of\s+)?fiscal\s+(?:year\s+)?(?P<y>(?:19|20)\d\d)\b)"},
    {FiscalQuarter, R"((?i)\bFY\s*(?P<y>(?:19|20)?\d\d)\s*(?:第\s*)?(?P<q>[一二三四])\s*季度?)"},
    {FiscalQuarter, R"((?P<y>(?:19|20)\d\d)\s*(?:财年|財年)\s*(?:第\s*)?(?P<q>[一二三四1-4])\s*季度?)"},
    {FiscalQuarter, R"((?P<y>(?:19|20)\d\d)\s*(?:财年|財年)\s*Q(?P<q>[1-4]))"},
    // ---- Quarters: Q1 2026, Q1'26, 1Q26, 2026Q1, 2026年Q1, 2026年第一季度 ----
    {Quarter, R"((?i)\bQ(?P<q>[1-4])\s*(?P<y>(?:19|20)\d\d)\b)"},
    {Quarter, R"((?i)\bQ(?P<q>[1-4])\s?['’](?P<y>\d\d)\b)"},
    {Quarter, R"((?i)\b(?P<q>[1-4])Q\s*['’]?(?P<y>(?:19|20)?\d\d)\b)"},
    {Quarter, R"((?i)(?P<y>(?:19|20)\d\d)\s*年?\s*Q(?P<q>[1-4])\b)"},
    {Quarter,
     R"((?i)\b(?:the\s+)?(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)\b)"},
    {Quarter, R"((?P<y>(?:19|20)\d\d)\s*年\s*(?:第\s*)?(?P<q>[一二三四1-4])\s*季度?)"},
    // ---- Halves: H2 2025, H2'25, 2H25, 2025H2, second half of 2025, 2025年下半年 ----
    {Half, R"((?i)\bH(?P<h>[12])\s*(?P<y>(?:19|20)\d\d)\b)"},
    {Half, R"((?i)\bH(?P<h>[12])\s?['’](?P<y>\d\d)\b)"},
    {Half, R"((?i)\b(?P<h>[12])H\s*['’]?(?P<y>(?:19|20)?\d\d)\b)"},
    {Half, R"((?i)(?P<y>(?:19|20)\d\d)\s*年?\s*H(?P<h>[12])\b)"},
    {Half, R"((?i)\b(?:the\s+)?(?P<h>first|second|1st|2nd)\s+half\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)\b)"},
    {Half, R"((?P<y>(?:19|20)\d\d)\s*年\s*(?P<h>上|下|前|后)半年)"},
    // ---- Fiscal years: FY2026, FY26, fiscal 2026, 2026财年 ----
    {Fiscal, R"((?i)\bFY\s*['’]?(?P<y>(?:19|20)?\d\d)\b)"},
    {Fiscal, R"((?i)\bfiscal\s+(?:year\s+)?(?P<y>(?:19|20)\d\d)\b)"},
    {Fiscal, R"((?P<y>(?:19|20)\d\d)\s*(?:财年|財年|财政年度|会计年度|會計年度))"},
    // ---- Spans: 2026–2028, 2022–23, from 2026 to 2028, 2026年至2028年 ----
    {Span,
     R"((?i)(?:\b(?:from|between)\s+|从|自)?(?P<y>(?:19|20)\d\d)\s*年?\s*(?:-|–|—|~|～|至|到|\bto\b|\bthrough\b|\bthru\b|\buntil\b)\s*(?P<y2>(?:19|20)\d\d|\d\d)(?:\s*年)?)"},
    {Span, R"((?i)\bbetween\s+(?P<y>(?:19|20)\d\d)\s+and\s+(?P<y2>(?:19|20)\d\d)\b)"},
    {Span, R"((?i)\bthrough\s+(?P<y2>(?:19|20)\d\d)\s+from\s+(?P<y>(?:19|20)\d\d)\b)"},
    // ---- Open starts: since 2023, 自2023年, 2023年以来, 2025至今, 2025–now ----
    {Since, R"((?i)\bsince\s+(?:(?:early|late|mid)[\s-]*)?(?P<y>(?:19|20)\d\d)\b)"},
    {Since, R"((?:自从|自)\s*(?P<y>(?:19|20)\d\d)\s*年?(?:以来|起)?)"},
    {Since, R"((?P<y>(?:19|20)\d\d)\s*年?\s*(?:以来|至今))"},
    {Since, R"((?i)(?P<y>(?:19|20)\d\d)\s*(?:-|–|—|~|\bto\b)\s*(?:now|present|today|date)\b)"},
    // ---- Dates: a day or a month, not a period (Feb 26, 2026; 2026年4月) ----
    {Date,
     R"(\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?(?P<y>(?:19|20)\d\d)\b)"},
    {Date,
     R"(\b\d{1,2}\s+(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?,?\s+(?P<y>(?:19|20)\d\d)\b)"},
    {Date, R"((?P<y>(?:19|20)\d\d)\s*年\s*(?:1[0-2]|0?[1-9])\s*月(?:\s*(?:3[01]|[12]\d|0?[1-9])\s*[日号])?)"},
    {Date, R"((?P<y>(?:19|20)\d\d)[-/.](?:1[0-2]|0?[1-9])[-/.](?:3[01]|[12]\d|0?[1-9])\b)"},
    // ---- Relative times: the text does not name the year ----
    {Relative,
     R"((?i)\b(?:last|this|next|previous|prior|current|coming|past)\s+(?:fiscal\s+)?(?:year|quarter|month|decade)s?\b)"},
    {Relative,
     R"((?i)\b(?:next|past|last|coming|previous|prior)\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|few)\s+(?:years|quarters|months|decades)\b)"},
    {Relative,
     R"((?i)\b(?:currently|nowadays|today|to\s+date|year[\s-]to[\s-]date|YTD|in\s+recent\s+years|recently|now)\b)"},
    {Relative,
     R"((?:去年|今年|明年|前年|后年|本年度?|来年|上年度?|上一年|下一年|目前|当前|如今|现阶段|近年来?|近几年|近期|本季度|上季度|下季度|上半年|下半年|上月|本月|下月))"},
    {Relative, R"((?:未来|过去|近|今后|此后)\s*(?:\d+|[一二两三四五六七八九十几数]+)\s*(?:年|个季度|个月))"},
    // ---- Years: 2025, in 2025, 2025年, by 2033, 到2033年, 至2033年 (targets),
    // 截至2025年 (as of), 从2024年, 较2024年 (comparison bases) ----
    {Year,
     R"((?i)(?:(?P<p>\bby|\bthrough|\bthru|\buntil|\btill|预计到|到|至)\s*(?:the\s+end\s+of\s+|end\s+of\s+)?|(?:截至|截止到?|\bas\s+of)\s*|(?P<l>相较于|相较|相比|较|比|从))?(?P<y>(?:19|20)\d\d)(?:\s*年度?)?)"},
});

// A metric card's description is a blurb of a few sentences.
constexpr std::size_t kCardBytes = 2000;

// Source citations: what follows up to the first year is not a cue.
constexpr std::string_view kSourcePattern =
    R"((?i)(?:\b(?:sources?|data\s+source|source\s+data)\s*:|(?:资料来源|数据来源|来源|出处)\s*:))";

// After a bare four-digit number, these make it an amount, not a year.
constexpr std::array<std::string_view, 24> kAmountAfter{
    "亿", "万", "萬", "億", "千", "百", "倍", "个", "個", "家", "台", "元", "美", "兆",
    "多", "余", "人", "名", "款", "张", "块", "只", "次", "项"};
constexpr std::array<std::string_view, 24> kAmountWords{
    "million", "billion", "trillion", "thousand", "bn", "mn", "units", "gpus",
    "chips", "companies", "people", "employees", "users", "customers", "servers", "tokens",
    "mw", "gw", "kw", "tb", "gb", "pb", "nm", "times"};
constexpr std::array<std::string_view, 8> kCurrencyBefore{"$", "€", "£", "¥", "₩", "₹", "＄", "￥"};

// Clause separators inside a sentence (NFKC has folded ；：！？ to ASCII; the
// full-width comma stays).
constexpr std::array<std::string_view, 12> kSeparators{"，", ",", ";", "。", "!", "?", "|", "→", "·", "•", "—", "⟶"};

struct CompiledRule {
  CueKind kind;
  std::unique_ptr<RE2> re;
  int y = -1, y2 = -1, q = -1, h = -1, p = -1, l = -1;
};

RE2::Options utf8_options() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_log_errors(false);
  return options;
}

const std::vector<CompiledRule>& compiled_rules() {
  static const std::vector<CompiledRule> rules = [] {
    std::vector<CompiledRule> out;
    for (const CueRule& rule : kCueRules) {
      CompiledRule c{rule.kind, std::make_unique<RE2>(rule.pattern, utf8_options())};
      if (!c.re->ok()) throw std::logic_error("period cue pattern: " + c.re->error());
      for (const auto& [name, index] : c.re->NamedCapturingGroups()) {
        if (name == "y") c.y = index;
        if (name == "y2") c.y2 = index;
        if (name == "q") c.q = index;
        if (name == "h") c.h = index;
        if (name == "p") c.p = index;
        if (name == "l") c.l = index;
      }
      out.push_back(std::move(c));
    }
    return out;
  }();
  return rules;
}

// A rule's pattern with its groups made non-capturing: rules share group
// names, which one pattern may not repeat.
std::string without_captures(std::string_view pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.substr(i, 3) == "(?P" && i + 3 < pattern.size() && pattern[i + 3] == '<') {
      out += "(?:";
      i = pattern.find('>', i);
      continue;
    }
    out += pattern[i];
  }
  return out;
}

// Where any cue rule matches: its leftmost start is where a scan goes next.
std::string any_cue_pattern() {
  std::string alternation;
  for (const CueRule& rule : kCueRules) {
    if (!alternation.empty()) alternation += '|';
    alternation += "(?:" + without_captures(rule.pattern) + ")";
  }
  return alternation;
}

const RE2& any_cue_re() {
  static const RE2 re(any_cue_pattern(), utf8_options());
  if (!re.ok()) throw std::logic_error("period cue patterns together: " + re.error());
  return re;
}

// All cue rules anchored at one position: which of them match there.
const RE2::Set& cue_set() {
  static const RE2::Set set = [] {
    RE2::Set out(utf8_options(), RE2::ANCHOR_START);
    for (std::size_t r = 0; r < kCueRules.size(); ++r) {
      std::string error;
      if (out.Add(kCueRules[r].pattern, &error) != static_cast<int>(r)) {
        throw std::logic_error("period cue pattern: " + error);
      }
    }
    if (!out.Compile()) throw std::logic_error("period cue patterns: RE2::Set does not compile");
    return out;
  }();
  return set;
}

// The citation pattern anchored at the end of the text: RE2 reads a
// pattern that ends in \z backwards from the end only, so one try at a
// colon costs a few bytes.
const RE2& source_ending_re() {
  static const RE2 re("(?:" + std::string(kSourcePattern) + R"()\z)", utf8_options());
  if (!re.ok()) throw std::logic_error("source citation pattern: " + re.error());
  return re;
}


struct Cue {
  std::size_t begin = 0, end = 0;
  CueKind kind = Year;
  std::string label;  // "" for Since and Relative
  int year = 0;
  bool projection = false;
  bool local = false;  // governs its own clause only
  std::size_t rule = 0;
};

bool absolute(const Cue& c) { return c.kind != Since && c.kind != Relative; }
bool gives_topic(const Cue& c) { return absolute(c) && c.kind != Date && !c.local; }

struct Region {
  std::size_t begin = 0, end = 0;
};

struct Card {
  std::size_t begin = 0, end = 0;
  std::optional<Cue> topic;
};

struct Analysis {
  std::uint64_t id = 0;  // unique per analysis, for caches keyed by it
  std::string_view text;
  std::vector<Cue> cues;  // sorted, non-overlapping
  std::vector<Region> sources;
  std::vector<Card> cards;
  std::vector<std::size_t> line_starts;
  std::optional<int> year;  // document_year
};

// ---------------------------------------------------------------- text helpers

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Whether `s` has more than `n` code points. Lines are compared with short
// bounds for every figure: counting a whole paragraph each time was costly.
bool more_code_points_than(std::string_view s, std::size_t n) {
  if (s.size() <= n) return false;     // a code point is at least one byte
  if (s.size() > 4 * n) return true;   // and at most four
  // At most 4n bytes: counting them all (vectorized) beats stopping early.
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); })) > n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t next_char(std::string_view text, std::size_t pos) {
  ++pos;
  while (pos < text.size() && is_continuation(text[pos])) ++pos;
  return pos;
}

int parse_int(std::string_view s) {
  int v = 0;
  for (char c : s) {
    if (!is_ascii_digit(c)) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// 4 digits as is; 2 digits in this century.
int parse_year(std::string_view s) {
  const int v = parse_int(s);
  if (v < 0) return -1;
  if (s.size() == 2) return 2000 + v;
  return s.size() == 4 ? v : -1;
}

int ordinal_of(std::string_view s) {
  static const std::map<std::string, int> kOrdinals{
      {"1", 1},     {"2", 2},      {"3", 3},     {"4", 4},      {"一", 1},   {"二", 2},   {"三", 3},
      {"四", 4},    {"上", 1},     {"前", 1},    {"下", 2},     {"后", 2},   {"first", 1}, {"second", 2},
      {"third", 3}, {"fourth", 4}, {"1st", 1},   {"2nd", 2},    {"3rd", 3},  {"4th", 4}};
  const auto it = kOrdinals.find(ascii_lower(s));
  return it == kOrdinals.end() ? 0 : it->second;
}

// ---------------------------------------------------------------- cue scanning

// A bare four-digit number that reads as an amount (`2000亿`, `$2025`,
// `2048 GPUs`, `2000-3000亿`) is not a year.
bool year_reads_as_amount(std::string_view text, std::size_t begin, std::size_t end) {
  const std::string_view before = text.substr(0, begin);
  for (std::string_view c : kCurrencyBefore) {
    if (before.ends_with(c)) return true;
  }
  if (!before.empty() && (before.back() == '.' || (before.back() == ',' && before.size() >= 2 &&
                                                   is_ascii_digit(before[before.size() - 2])))) {
    return true;
  }
  std::string_view after = text.substr(end);
  if (after.starts_with("%")) return true;
  if (after.size() >= 2 && (after[0] == '.' || after[0] == ',') && is_ascii_digit(after[1])) return true;
  // (The first byte first: most years are followed by a character no word
  // of the list starts with.)
  for (std::string_view c : kAmountAfter) {
    if (!after.empty() && after.front() == c.front() && after.starts_with(c)) return true;
  }
  std::size_t i = 0;
  while (i < after.size() && after[i] == ' ') ++i;
  const std::string_view rest = after.substr(i);
  for (std::string_view dash : {"-", "–", "~", "～"}) {
    if (rest.starts_with(dash)) {
      std::size_t j = dash.size();
      while (j < rest.size() && rest[j] == ' ') ++j;
      if (j < rest.size() && is_ascii_digit(rest[j])) return true;
    }
  }
  if (i > 0) {
    std::size_t j = i;
    while (j < after.size() && is_ascii_alpha(after[j])) ++j;
    const std::string word = ascii_lower(after.substr(i, j - i));
    if (std::find(kAmountWords.begin(), kAmountWords.end(), word) != kAmountWords.end()) return true;
  }
  if (!after.empty() && is_ascii_alpha(after[0])) {
    // 2026E, 2026F (estimate, forecast) are years; 2025revenue is not text.
    const bool estimate = (after[0] == 'E' || after[0] == 'F' || after[0] == 'e') &&
                          (after.size() == 1 || !is_ascii_alpha(after[1]));
    if (!estimate) return true;
  }
  return false;
}

bool at_boundaries(std::string_view text, std::size_t begin, std::size_t end, bool year_rule) {
  const char first = text[begin];
  const char last = text[end - 1];
  if (begin > 0) {
    const char prev = text[begin - 1];
    if (is_ascii_digit(prev) && is_ascii_digit(first)) return false;
    if (is_ascii_alpha(first) && is_ascii_alpha(prev)) return false;
  }
  if (end < text.size()) {
    const char next = text[end];
    // 2025年15% is a year and a figure; 20251 is neither.
    if (is_ascii_digit(next) && is_ascii_digit(last)) return false;
    // A year may carry an estimate letter (2026E); checked with the year.
    if (!year_rule && (is_ascii_alpha(last) || is_ascii_digit(last)) && is_ascii_alpha(next)) return false;
  }
  return true;
}

std::optional<Cue> make_cue(const CompiledRule& rule, std::size_t rule_index, std::string_view text,
                            const std::vector<re2::StringPiece>& groups) {
  const re2::StringPiece whole = groups[0];
  Cue cue;
  cue.begin = static_cast<std::size_t>(whole.data() - text.data());
  cue.end = cue.begin + whole.size();
  cue.kind = rule.kind;
  cue.rule = rule_index;
  const auto group = [&](int index) -> std::string_view {
    if (index < 0 || groups[static_cast<std::size_t>(index)].data() == nullptr) return {};
    const re2::StringPiece g = groups[static_cast<std::size_t>(index)];
    return {g.data(), g.size()};
  };
  if (!at_boundaries(text, cue.begin, cue.end, rule.kind == Year)) return std::nullopt;

  const std::string_view y = group(rule.y);
  if (!y.empty()) {
    cue.year = parse_year(y);
    if (cue.year < 1900 || cue.year > 2099) return std::nullopt;
  }
  const std::string year = std::to_string(cue.year);
  switch (rule.kind) {
    case Year: {
      // Only a bare number needs the amount check: 2025年 is always a year.
      const std::size_t y_end = static_cast<std::size_t>(y.data() - text.data()) + y.size();
      if (y_end == cue.end && year_reads_as_amount(text, static_cast<std::size_t>(y.data() - text.data()), cue.end)) {
        return std::nullopt;
      }
      cue.label = year;
      cue.projection = !group(rule.p).empty();
      cue.local = !group(rule.l).empty();
      break;
    }
    case Quarter:
    case FiscalQuarter: {
      const int q = ordinal_of(group(rule.q));
      if (q < 1 || q > 4) return std::nullopt;
      cue.label = (rule.kind == FiscalQuarter ? "FY" : "") + year + "Q" + std::to_string(q);
      break;
    }
    case Half: {
      const int h = ordinal_of(group(rule.h));
      if (h < 1 || h > 2) return std::nullopt;
      cue.label = year + "H" + std::to_string(h);
      break;
    }
    case Fiscal:
      cue.label = "FY" + year;
      break;
    case Span: {
      std::string_view y2 = group(rule.y2);
      int last = parse_year(y2);
      if (y2.size() == 2) last = cue.year / 100 * 100 + parse_int(y2);
      if (last <= cue.year || last > 2099) return std::nullopt;
      cue.label = year + "-" + std::to_string(last);
      break;
    }
    case Ttm:
      cue.label = "TTM";
      break;
    case Date:
      cue.label = year;
      cue.local = true;
      break;
    case Since:
    case Relative:
      break;
  }
  return cue;
}

// The leftmost-first matches of kSourcePattern in `text`, left to right, as
// an unanchored scan finds them. Each match ends at a colon and holds no
// other, so the matches are, colon by colon, the longest one ending there
// that starts after the previous match: a reverse search from each colon
// instead of a DFA pass over all the text.
std::vector<Region> find_sources(std::string_view text) {
  const RE2& re = source_ending_re();
  std::vector<Region> out;
  re2::StringPiece match;
  std::size_t pos = 0;
  for (std::size_t colon = text.find(':'); colon != std::string_view::npos; colon = text.find(':', colon + 1)) {
    // The text ends after the colon (what follows cannot change a match
    // ending there); before `pos` it is context for \b.
    if (re.Match(re2::StringPiece(text.data(), colon + 1), pos, colon + 1, RE2::UNANCHORED, &match, 1)) {
      const auto begin = static_cast<std::size_t>(match.data() - text.data());
      out.push_back({begin, colon + 1});
      pos = colon + 1;
    }
  }
  return out;
}

template <typename Span>
bool inside_any(const std::vector<Span>& regions, std::size_t pos) {
  auto it = std::upper_bound(regions.begin(), regions.end(), pos,
                             [](std::size_t p, const Span& r) { return p < r.begin; });
  if (it == regions.begin()) return false;
  --it;
  return pos >= it->begin && pos < it->end;
}

// What scanning each rule over the whole text finds (for each rule, its
// leftmost match, then the next from the end of a kept cue or one character
// after a rejected one), found with one scan: the leftmost position where
// any rule matches, then, there, the rules that match (one RE2::Set pass),
// each read anchored. Running every rule over the text cost more than all
// the rest of the pipeline.
std::vector<Cue> scan_cues(std::string_view text, const std::vector<FoldedSpan>& urls) {
  std::vector<Cue> found;
  const auto& rules = compiled_rules();
  const RE2& any_cue = any_cue_re();
  const RE2::Set& set = cue_set();
  const re2::StringPiece input(text.data(), text.size());
  std::vector<std::size_t> next_pos(rules.size(), 0);  // where each rule's own scan would go on
  std::vector<int> hits;
  std::vector<re2::StringPiece> groups;
  re2::StringPiece start;
  for (std::size_t pos = 0; pos < text.size() && any_cue.Match(input, pos, text.size(), RE2::UNANCHORED, &start, 1);) {
    const auto at = static_cast<std::size_t>(start.data() - text.data());
    hits.clear();
    RE2::Set::ErrorInfo error{};
    if (!set.Match(input.substr(at), &hits, &error) && error.kind != RE2::Set::kNoError) {
      throw std::runtime_error("period cues: RE2::Set failed (error " + std::to_string(error.kind) + ")");
    }
    std::sort(hits.begin(), hits.end());
    for (const int hit : hits) {
      const auto r = static_cast<std::size_t>(hit);
      if (at < next_pos[r]) continue;  // inside this rule's last cue
      const CompiledRule& rule = rules[r];
      groups.assign(static_cast<std::size_t>(rule.re->NumberOfCapturingGroups() + 1), re2::StringPiece());
      // The set saw the text from `at` on; the rule sees what comes before
      // too (`\b`), and may not match after all.
      if (!rule.re->Match(input, at, text.size(), RE2::ANCHOR_START, groups.data(), static_cast<int>(groups.size())) ||
          groups[0].empty()) {
        continue;
      }
      std::optional<Cue> cue = make_cue(rule, r, text, groups);
      if (cue && !inside_any(urls, cue->begin)) {
        next_pos[r] = cue->end;
        found.push_back(std::move(*cue));
      } else {
        next_pos[r] = next_char(text, at);
      }
    }
    pos = next_char(text, at);
  }
  // Of overlapping matches the longest wins (`2025年二季度` over `至2025年`,
  // `Q1 2026` over `2026`), then the leftmost, then the earlier rule. `found`
  // is in order of begin, and what is kept of a run of overlapping cues does
  // not depend on other cues: each run is settled alone, and most cues are a
  // run of one.
  std::vector<Cue> kept;
  kept.reserve(found.size());
  std::map<std::size_t, std::size_t> taken;  // begin → end of the run's kept cues
  for (std::size_t i = 0; i < found.size();) {
    std::size_t j = i + 1;
    for (std::size_t run_end = found[i].end; j < found.size() && found[j].begin < run_end; ++j) {
      run_end = std::max(run_end, found[j].end);
    }
    if (j == i + 1) {
      kept.push_back(std::move(found[i++]));
      continue;
    }
    const auto run_begin = found.begin() + static_cast<std::ptrdiff_t>(i);
    const auto run_end = found.begin() + static_cast<std::ptrdiff_t>(j);
    std::sort(run_begin, run_end, [](const Cue& a, const Cue& b) {
      if (a.end - a.begin != b.end - b.begin) return a.end - a.begin > b.end - b.begin;
      if (a.begin != b.begin) return a.begin < b.begin;
      return a.rule < b.rule;
    });
    taken.clear();
    const auto first_kept = static_cast<std::ptrdiff_t>(kept.size());
    for (auto cue = run_begin; cue != run_end; ++cue) {
      auto it = taken.lower_bound(cue->begin);
      if (it != taken.end() && it->first < cue->end) continue;
      if (it != taken.begin() && std::prev(it)->second > cue->begin) continue;
      taken.emplace(cue->begin, cue->end);
      kept.push_back(std::move(*cue));
    }
    std::sort(kept.begin() + first_kept, kept.end(), [](const Cue& a, const Cue& b) { return a.begin < b.begin; });
    i = j;
  }
  return kept;
}

std::size_t line_index(const Analysis& a, std::size_t pos) {
  const auto it = std::upper_bound(a.line_starts.begin(), a.line_starts.end(), pos);
  return static_cast<std::size_t>(it - a.line_starts.begin()) - 1;
}

Region line_at(const Analysis& a, std::size_t index) {
  const std::size_t begin = a.line_starts[index];
  const std::size_t end = index + 1 < a.line_starts.size() ? a.line_starts[index + 1] - 1 : a.text.size();
  return {begin, end};
}

// First and one-past-last index of the cues inside [begin, end).
std::pair<std::size_t, std::size_t> cues_in(const Analysis& a, std::size_t begin, std::size_t end) {
  const auto lo = std::lower_bound(a.cues.begin(), a.cues.end(), begin,
                                   [](const Cue& c, std::size_t p) { return c.begin < p; });
  auto hi = lo;
  while (hi != a.cues.end() && hi->end <= end) ++hi;
  return {static_cast<std::size_t>(lo - a.cues.begin()), static_cast<std::size_t>(hi - a.cues.begin())};
}

bool blank(const Analysis& a, Region line) { return trim(a.text.substr(line.begin, line.end - line.begin)).empty(); }

// The year of the title or dateline (the first few non-blank lines), else the
// year named most often (ties: the later year).
std::optional<int> main_year(const Analysis& a) {
  std::size_t seen = 0;
  for (std::size_t li = 0; li < a.line_starts.size() && seen < 6; ++li) {
    const Region line = line_at(a, li);
    if (blank(a, line)) continue;
    ++seen;
    const auto [lo, hi] = cues_in(a, line.begin, line.end);
    for (std::size_t k = lo; k < hi; ++k) {
      if (absolute(a.cues[k]) && a.cues[k].year > 0) return a.cues[k].year;
    }
  }
  std::map<int, int> counts;
  for (const Cue& c : a.cues) {
    if (absolute(c) && c.year > 0) ++counts[c.year];
  }
  std::optional<int> best;
  int best_count = 0;
  for (const auto& [year, count] : counts) {
    if (count >= best_count) {
      best = year;
      best_count = count;
    }
  }
  return best;
}

std::unique_ptr<Analysis> analyze(const Document& document) {
  static std::atomic<std::uint64_t> next_id{1};
  auto a = std::make_unique<Analysis>();
  a->id = next_id++;
  a->text = document.folded.text;
  const std::string_view text = a->text;
  a->line_starts.push_back(0);
  for (std::size_t i = text.find('\n'); i != std::string_view::npos; i = text.find('\n', i + 1)) {
    a->line_starts.push_back(i + 1);
  }
  const std::vector<FoldedSpan>& urls = document.urls;
  std::vector<Cue> cues = scan_cues(text, urls);
  a->cues = std::move(cues);

  // Citation regions: from `Source:` to the end of the first year or date on
  // its line (the citation's own date), else to the end of the line.
  for (const Region& s : find_sources(text)) {
    const Region line = line_at(*a, line_index(*a, s.begin));
    std::size_t end = line.end;
    for (std::size_t k = cues_in(*a, s.end, line.end).first; k < a->cues.size(); ++k) {
      const Cue& c = a->cues[k];
      if (c.begin >= line.end) break;
      if (absolute(c)) {
        end = c.end;
        break;
      }
    }
    if (!a->sources.empty() && s.begin < a->sources.back().end) continue;
    a->sources.push_back({s.begin, end});
  }
  std::erase_if(a->cues, [&](const Cue& c) { return inside_any(a->sources, c.begin); });

  // `by 2024` in a document of 2025 is a deadline met, not a target.
  a->year = main_year(*a);
  if (a->year) {
    for (Cue& c : a->cues) {
      if (c.kind == Year && c.projection && c.year < *a->year) c.projection = false;
    }
  }

  // Cards: the text of a line up to a citation (or from the previous one).
  for (std::size_t i = 0; i < a->sources.size(); ++i) {
    const Region& s = a->sources[i];
    const Region line = line_at(*a, line_index(*a, s.begin));
    Card card{line.begin, s.end, std::nullopt};
    if (i > 0 && a->sources[i - 1].end > line.begin) card.begin = a->sources[i - 1].end;
    std::size_t first = card.begin;
    while (first < s.begin && is_ascii_space(text[first])) ++first;
    // A blurb, not a whole article that happens to end with a citation.
    if (first < s.begin && s.begin - first <= kCardBytes) {
      const FoldedSpan sentence = document.segments.sentence_at(first);
      const std::size_t first_end = std::min(std::max(sentence.end, first + 1), s.begin);
      const auto [lo, hi] = cues_in(*a, first, first_end);
      for (std::size_t k = lo; k < hi; ++k) {
        if (absolute(a->cues[k])) {
          if (gives_topic(a->cues[k])) card.topic = a->cues[k];
          break;
        }
      }
    }
    a->cards.push_back(std::move(card));
  }

  return a;
}

// The analysis of the last document seen on this thread. A document from
// make_document is known by its text buffer, size, SHA-256 and format; one
// built by hand (no SHA-256) is compared by its text.
const Analysis& analysis_of(const Document& document) {
  struct Cache {
    const char* data = nullptr;
    std::size_t size = 0;
    std::string sha256;
    SourceFormat format = SourceFormat::PlainText;
    std::string text;  // only for documents without a SHA-256
    std::unique_ptr<Analysis> analysis;
  };
  thread_local Cache cache;
  const std::string& text = document.folded.text;
  const bool same = cache.analysis && cache.data == text.data() && cache.size == text.size() &&
                    cache.sha256 == document.sha256 && cache.format == document.format &&
                    (!document.sha256.empty() || cache.text == text);
  if (!same) {
    cache.analysis = analyze(document);
    cache.data = text.data();
    cache.size = text.size();
    cache.sha256 = document.sha256;
    cache.format = document.format;
    cache.text = document.sha256.empty() ? text : std::string();
  }
  return *cache.analysis;
}

// ---------------------------------------------------------------- resolution

enum class Outcome { Unknown, Null, Found };

struct Result {
  Outcome outcome = Outcome::Unknown;
  Period period;
};

Result found(const Cue& c) {
  if (!absolute(c)) return {Outcome::Null, {}};
  return {Outcome::Found, Period{c.label, c.projection}};
}

// `2020年…约为2010年的九倍`: two years compared in one clause, with no number
// between them, make a span.
std::optional<Result> compared_years(std::string_view text, const Cue& first, const Cue& second) {
  if (first.kind != Year || second.kind != Year || first.projection || second.projection || first.local ||
      second.local || first.year == second.year || first.end > second.begin) {
    return std::nullopt;
  }
  const std::string_view between = text.substr(first.end, second.begin - first.end);
  if (trim(between).empty()) return std::nullopt;
  if (std::any_of(between.begin(), between.end(), is_ascii_digit)) return std::nullopt;
  const int lo = std::min(first.year, second.year), hi = std::max(first.year, second.year);
  return Result{Outcome::Found, Period{std::to_string(lo) + "-" + std::to_string(hi), false}};
}

// The clause structure of the window around a figure: bracket groups and
// the separators directly inside each.
class Window {
 public:
  // Builds the structure of [begin, end), in the memory of the last one.
  void assign(const Analysis& a, std::size_t begin, std::size_t end) {
    a_ = &a;
    begin_ = begin;
    end_ = end;
    groups_.clear();
    separators_.clear();
    colons_.clear();
    cue_groups_.clear();
    stack_.assign(1, 0);
    const std::string_view text = a.text;
    groups_.push_back({begin, end, -1, false});
    std::size_t pos = begin;
    while (pos < end) {
      const char c = text[pos];
      // Other bytes (most of them, and all continuation bytes) are neither a
      // bracket nor a separator nor a colon: step over them one by one.
      if (!kMarkBytes[static_cast<unsigned char>(c)]) {
        ++pos;
        continue;
      }
      const std::size_t next = next_char(text, pos);
      if (c == '(' || c == '[') {
        std::size_t k = pos + 1;
        while (k < end && text[k] == ' ') ++k;
        const bool citation = c == '[' || (k < end && text[k] == '[');
        groups_.push_back({pos, end, stack_.back(), citation});
        stack_.push_back(static_cast<int>(groups_.size()) - 1);
      } else if ((c == ')' || c == ']') && stack_.size() > 1) {
        groups_[static_cast<std::size_t>(stack_.back())].close = next;
        stack_.pop_back();
      } else {
        if (const std::size_t sep = separator_at(pos); sep > 0) {
          separators_.push_back({pos, pos + sep, stack_.back()});
          pos += sep;
          continue;
        }
        if (comparison_at(pos)) separators_.push_back({pos, pos, stack_.back()});
        if (c == ':' && !(pos > begin && is_ascii_digit(text[pos - 1]) && pos + 1 < end && is_ascii_digit(text[pos + 1]))) {
          colons_.push_back({pos, pos + 1, stack_.back()});
        }
      }
      pos = next;
    }
    // Cues of the window, each with the group it sits in.
    const auto [lo, hi] = cues_in(a, begin, end);
    for (std::size_t k = lo; k < hi; ++k) cue_groups_.push_back({k, group_at(a.cues[k].begin)});
  }

  // Innermost group holding [b, e).
  [[nodiscard]] int group_at(std::size_t b, std::size_t e = 0) const {
    if (e < b) e = b;
    int best = 0;
    for (std::size_t g = 1; g < groups_.size(); ++g) {
      if (groups_[g].open < b && e <= groups_[g].close) best = static_cast<int>(g);
    }
    return best;
  }

  // Periods by levels 1-3 for the figure at [b, e).
  [[nodiscard]] Result resolve(std::size_t b, std::size_t e) const {
    int g = group_at(b, e);
    std::size_t a0 = b, a1 = e;
    while (g >= 0) {
      const auto [left, right] = clause(g, a0, a1);
      if (Result r = in_clause(g, left, right, a0, a1); r.outcome != Outcome::Unknown) return r;
      if (Result r = earlier_clauses(g, left); r.outcome != Outcome::Unknown) return r;
      if (g == 0) break;
      a0 = groups_[static_cast<std::size_t>(g)].open;
      a1 = groups_[static_cast<std::size_t>(g)].close;
      g = groups_[static_cast<std::size_t>(g)].parent;
    }
    return {};
  }

 private:
  struct Group {
    std::size_t open, close;  // the brackets themselves, or the window
    int parent;
    bool citation;  // a Markdown link or a bracketed title: `([title](url))`
  };
  struct Separator {
    std::size_t begin, end;
    int group;
  };
  struct CueInGroup {
    std::size_t cue;
    int group;
  };

  // The first bytes of what assign looks for: brackets, colons,
  // separators and `from`.
  static constexpr std::array<bool, 256> kMarkBytes = [] {
    std::array<bool, 256> marks{};
    for (std::string_view s : kSeparators) marks[static_cast<unsigned char>(s.front())] = true;
    for (const char c : std::string_view("()[]:fF")) marks[static_cast<unsigned char>(c)] = true;
    return marks;
  }();

  [[nodiscard]] std::size_t separator_at(std::size_t pos) const {
    static const std::array<bool, 256> kFirstBytes = [] {
      std::array<bool, 256> first{};
      for (std::string_view s : kSeparators) first[static_cast<unsigned char>(s.front())] = true;
      return first;
    }();
    if (!kFirstBytes[static_cast<unsigned char>(a_->text[pos])]) return 0;  // most bytes: no compare
    const std::string_view rest = a_->text.substr(pos, end_ - pos);
    for (std::string_view s : kSeparators) {
      if (!rest.starts_with(s)) continue;
      // Digit grouping is not a clause break: 1,993.
      if (s == "," && pos > begin_ && is_ascii_digit(a_->text[pos - 1]) && rest.size() > 1 &&
          is_ascii_digit(rest[1])) {
        return 0;
      }
      return s.size();
    }
    return 0;
  }

  // English `from` opens a comparison base, a clause of its own that starts
  // at the word: `up 52.8% YoY | from $843B in 2025`.
  [[nodiscard]] bool comparison_at(std::size_t pos) const {
    const std::string_view rest = a_->text.substr(pos, end_ - pos);
    if (!(rest.size() >= 5 && (rest[0] == 'f' || rest[0] == 'F') && ascii_lower(rest.substr(0, 4)) == "from" &&
          !is_ascii_alpha(rest[4]) && pos > begin_ && !is_ascii_alpha(a_->text[pos - 1]))) {
      return false;
    }
    // `from 2026 through 2028` is a span, not a comparison base.
    const auto it = std::lower_bound(a_->cues.begin(), a_->cues.end(), pos,
                                     [](const Cue& c, std::size_t p) { return c.begin < p; });
    return it == a_->cues.end() || it->begin != pos;
  }

  // English puts the time after what it dates: in `from $50B in 2024 to
  // $200B by 2030`, `in 2024` belongs to $50B, so $200B looks ahead. A cue
  // is attached when the word before it (past a preposition) is a number
  // outside any cue.
  [[nodiscard]] bool attached_to_number(const Cue& cue) const {
    const std::string_view text = a_->text;
    std::size_t pos = cue.begin;
    const auto skip_spaces = [&] {
      while (pos > begin_ && text[pos - 1] == ' ') --pos;
    };
    const auto word_before = [&] {
      std::size_t start = pos;
      while (start > begin_ && !is_ascii_space(text[start - 1]) && !(text[start - 1] & 0x80)) --start;
      return start;
    };
    skip_spaces();
    std::size_t start = word_before();
    static constexpr std::array<std::string_view, 6> kPrepositions{"in", "for", "during", "of", "at", "as"};
    const std::string word = ascii_lower(text.substr(start, pos - start));
    if (std::find(kPrepositions.begin(), kPrepositions.end(), word) != kPrepositions.end()) {
      pos = start;
      skip_spaces();
      start = word_before();
    }
    if (start == pos || (start > begin_ && (text[start - 1] & 0x80))) return false;
    const std::string_view token = text.substr(start, pos - start);
    if (std::none_of(token.begin(), token.end(), is_ascii_digit)) return false;
    const auto it = std::lower_bound(a_->cues.begin(), a_->cues.end(), start,
                                     [](const Cue& c, std::size_t p) { return c.end <= p; });
    return it == a_->cues.end() || it->begin >= pos;
  }

  [[nodiscard]] bool descends_from(int g, int ancestor) const {
    while (g >= 0 && g != ancestor) g = groups_[static_cast<std::size_t>(g)].parent;
    return g == ancestor;
  }

  [[nodiscard]] bool cited(int g, int ancestor) const {
    while (g >= 0 && g != ancestor) {
      if (groups_[static_cast<std::size_t>(g)].citation) return true;
      g = groups_[static_cast<std::size_t>(g)].parent;
    }
    return false;
  }

  [[nodiscard]] std::pair<std::size_t, std::size_t> clause(int g, std::size_t a0, std::size_t a1) const {
    const Group& group = groups_[static_cast<std::size_t>(g)];
    std::size_t left = g == 0 ? group.open : group.open + 1;
    std::size_t right = g == 0 ? group.close : (group.close > group.open + 1 ? group.close - 1 : group.close);
    for (const Separator& s : separators_) {
      if (s.group != g) continue;
      if (s.end <= a0) left = std::max(left, s.end);
      if (s.begin >= a1) right = std::min(right, s.begin);
    }
    return {left, right};
  }

  [[nodiscard]] Result in_clause(int g, std::size_t left, std::size_t right, std::size_t a0, std::size_t a1) const {
    const Cue* before = nullptr;        // nearest direct cue before
    const Cue* before_prev = nullptr;   // the direct cue before that
    const Cue* after = nullptr;         // nearest direct or cited cue after
    const Cue* aside_before = nullptr;  // nearest bracketed cue before
    // A colon after the figure opens what it introduces: `推出四款新芯片:2026年
    // 第一季度发布…` does not date the chips. Before the figure it does not
    // separate: `FY2026 revenue: $216B`.
    std::size_t after_limit = right;
    for (const Separator& s : colons_) {
      if (s.group == g && s.begin >= a1 && s.begin < after_limit) after_limit = s.begin;
    }
    for (const CueInGroup& cg : cue_groups_) {
      const Cue& c = a_->cues[cg.cue];
      if (c.begin < left || c.end > right) continue;
      if (!descends_from(cg.group, g)) continue;
      const bool direct = cg.group == g;
      if (c.end <= a0) {
        if (direct) {
          before_prev = before;
          before = &c;
        } else {
          aside_before = &c;
        }
      } else if (c.begin >= a1 && c.end <= after_limit && !after && (direct || cited(cg.group, g))) {
        after = &c;
      }
    }
    if (before && after && attached_to_number(*before)) return found(*after);
    if (before) {
      if (before_prev) {
        if (auto r = compared_years(a_->text, *before_prev, *before)) return *r;
      }
      return found(*before);
    }
    if (after) return found(*after);
    if (aside_before) return found(*aside_before);
    return {};
  }

  // The last cue each earlier clause of group g states, nearest clause first.
  [[nodiscard]] Result earlier_clauses(int g, std::size_t left) const {
    const Group& group = groups_[static_cast<std::size_t>(g)];
    const std::size_t start = g == 0 ? group.open : group.open + 1;
    // The separators of group g before `left` end its earlier clauses; each
    // clause starts at the separator before (separators_ is in text order).
    constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
    const auto previous = [&](std::size_t i) {
      while (i-- > 0) {
        if (separators_[i].group == g && separators_[i].end <= left) return i;
      }
      return kNone;
    };
    for (std::size_t j = previous(separators_.size()); j != kNone;) {
      const std::size_t before = previous(j);
      const std::size_t clause_begin = before != kNone ? separators_[before].end : start;
      const std::size_t clause_end = separators_[j].begin;
      j = before;
      const Cue* last = nullptr;
      const Cue* prev = nullptr;
      for (const CueInGroup& cg : cue_groups_) {
        const Cue& c = a_->cues[cg.cue];
        if (cg.group != g || c.begin < clause_begin || c.end > clause_end || c.local) continue;
        prev = last;
        last = &c;
      }
      if (last) {
        if (prev) {
          if (auto r = compared_years(a_->text, *prev, *last)) return *r;
        }
        return found(*last);
      }
    }
    return {};
  }

  const Analysis* a_ = nullptr;
  std::size_t begin_ = 0, end_ = 0;
  std::vector<int> stack_;  // open groups, while building
  std::vector<Group> groups_;
  std::vector<Separator> separators_;
  std::vector<Separator> colons_;
  std::vector<CueInGroup> cue_groups_;
};

constexpr std::size_t kWindowBytes = 3000;    // around a figure, each way
constexpr std::size_t kShortLine = 120;       // code points: a label or a table row
constexpr std::size_t kHeadingLine = 60;      // code points: a heading or a table header
constexpr std::size_t kLinesAbove = 8;        // how far up a block a heading may be
constexpr int kEchoTries = 4;                 // earlier statements of a figure looked at

Result resolve_in_sentence(const Document& document, const Analysis& a, FoldedSpan figure) {
  const FoldedSpan sentence = document.segments.sentence_at(figure.begin);
  const Region line = line_at(a, line_index(a, figure.begin));
  std::size_t begin = std::max({sentence.begin, line.begin, figure.begin > kWindowBytes ? figure.begin - kWindowBytes : 0});
  std::size_t end = std::min({std::max(sentence.end, figure.end), line.end, figure.end + kWindowBytes});
  // A citation closes what came before it.
  for (const Region& s : a.sources) {
    if (s.end <= figure.begin && s.end > begin) begin = s.end;
    if (s.begin >= figure.end && s.begin < end) end = s.begin;
  }
  // ICU does not end a sentence at `. ` before a digit (`valued at ~$1.5T.
  // 2026 expected to…`); a figure's sentence does.
  const auto stop_at = [&](std::size_t pos) {
    if (a.text[pos] != '.' || pos < 2 || pos + 2 >= a.text.size()) return false;
    if (!(std::isalnum(static_cast<unsigned char>(a.text[pos - 1])) &&
          std::isalnum(static_cast<unsigned char>(a.text[pos - 2])))) {
      return false;
    }
    std::size_t k = pos + 1;
    if (a.text[k] != ' ') return false;
    while (k < a.text.size() && a.text[k] == ' ') ++k;
    return k < a.text.size() && is_ascii_digit(a.text[k]);
  };
  // (stop_at holds only at a `.`: find them with memchr.)
  for (std::size_t pos = a.text.find('.', begin); pos < figure.begin; pos = a.text.find('.', pos + 1)) {
    if (stop_at(pos)) begin = pos + 1;
  }
  for (std::size_t pos = a.text.find('.', figure.end); pos < end; pos = a.text.find('.', pos + 1)) {
    if (stop_at(pos)) {
      end = pos + 1;
      break;
    }
  }
  while (begin < figure.begin && is_continuation(a.text[begin])) ++begin;
  end = std::max(end, figure.end);
  // Figures of one sentence mostly share their window: build its clause
  // structure once.
  struct LastWindow {
    std::uint64_t analysis = 0;  // none: ids start at 1
    std::size_t begin = 0, end = 0;
    Window window;
  };
  thread_local LastWindow last;
  if (last.analysis != a.id || last.begin != begin || last.end != end) {
    last.window.assign(a, begin, end);
    last.analysis = a.id;
    last.begin = begin;
    last.end = end;
  }
  return last.window.resolve(figure.begin, figure.end);
}

// The card that ends a line (nothing but an `i` marker after its citation).
bool is_card_line(const Analysis& a, Region line, const Card** card) {
  auto it = std::upper_bound(a.cards.begin(), a.cards.end(), line.end,
                             [](std::size_t p, const Card& c) { return p < c.end; });
  if (it == a.cards.begin()) return false;
  --it;
  if (it->end <= line.begin) return false;
  if (more_code_points_than(trim(a.text.substr(it->end, line.end - it->end)), 3)) return false;
  *card = &*it;
  return true;
}

const Card* card_holding(const Analysis& a, FoldedSpan figure) {
  auto it = std::upper_bound(a.cards.begin(), a.cards.end(), figure.begin,
                             [](std::size_t p, const Card& c) { return p < c.begin; });
  if (it == a.cards.begin()) return nullptr;
  --it;
  return it->begin <= figure.begin && figure.end <= it->end ? &*it : nullptr;
}

// A short line that names a period and no other number: a heading or a
// table header (`Metric2026 Value…`, `指标2026年规模涵盖范围`).
std::optional<Cue> heading_cue(const Analysis& a, Region line) {
  const std::string_view text = a.text.substr(line.begin, line.end - line.begin);
  if (trim(text).empty() || more_code_points_than(text, kHeadingLine)) return std::nullopt;
  const auto [lo, hi] = cues_in(a, line.begin, line.end);
  const auto first = std::find_if(a.cues.begin() + static_cast<std::ptrdiff_t>(lo),
                                  a.cues.begin() + static_cast<std::ptrdiff_t>(hi), gives_topic);
  if (first == a.cues.begin() + static_cast<std::ptrdiff_t>(hi)) return std::nullopt;
  // Every digit within a cue (the cues are sorted and do not overlap).
  std::size_t k = lo;
  for (std::size_t i = line.begin; i < line.end; ++i) {
    if (!is_ascii_digit(a.text[i])) continue;
    while (k < hi && a.cues[k].end <= i) ++k;
    if (k == hi || a.cues[k].begin > i) return std::nullopt;
  }
  return *first;
}

// Where `needle` (not empty) last occurs in `haystack`, as rfind finds it;
// rfind calls memcmp at every position, this only where the first byte fits
// (found with memrchr).
std::size_t last_occurrence(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return std::string_view::npos;
  for (std::size_t limit = haystack.size() - needle.size() + 1; limit > 0;) {
    const void* hit = memrchr(haystack.data(), needle.front(), limit);
    if (hit == nullptr) break;
    const auto i = static_cast<std::size_t>(static_cast<const char*>(hit) - haystack.data());
    if (haystack.substr(i, needle.size()) == needle) return i;
    limit = i;
  }
  return std::string_view::npos;
}

Result resolve(const Document& document, const Analysis& a, FoldedSpan figure) {
  // A figure inside a relative time (`过去两年`, `next three years`) has no
  // stated period.
  auto it = std::lower_bound(a.cues.begin(), a.cues.end(), figure.begin,
                             [](const Cue& c, std::size_t p) { return c.end <= p; });
  for (; it != a.cues.end() && it->begin < figure.end; ++it) {
    if (!absolute(*it)) return {Outcome::Null, {}};
  }

  // 1-3: clause, enclosing brackets, earlier clauses of the sentence.
  if (Result r = resolve_in_sentence(document, a, figure); r.outcome != Outcome::Unknown) return r;

  const std::size_t li = line_index(a, figure.begin);
  const Region line = line_at(a, li);
  const std::string_view text = a.text;

  // 4: the same figure stated earlier in the line.
  const std::string_view needle = text.substr(figure.begin, figure.end - figure.begin);
  if (!needle.empty()) {
    const std::size_t floor = std::max(line.begin, figure.begin > kWindowBytes ? figure.begin - kWindowBytes : 0);
    std::size_t pos = figure.begin;
    for (int tries = 0; tries < kEchoTries && pos > floor; ++tries) {
      // Search only the window: rfind alone would scan back to the start of
      // the document for every figure.
      const std::size_t found_at = last_occurrence(text.substr(floor, pos - 1 - floor + needle.size()), needle);
      if (found_at == std::string_view::npos) break;
      const std::size_t at = floor + found_at;
      if (at >= pos) break;
      const bool bounded = (at == 0 || !is_ascii_digit(text[at - 1])) &&
                           (at + needle.size() >= text.size() || !is_ascii_digit(text[at + needle.size()]));
      if (bounded && at + needle.size() <= figure.begin) {
        const Result r = resolve_in_sentence(document, a, {at, at + needle.size()});
        if (r.outcome == Outcome::Found) return r;
      }
      pos = at;
    }
  }

  // 5: the metric card it sits in.
  if (const Card* card = card_holding(a, figure); card && card->topic) return found(*card->topic);

  const bool short_line = !more_code_points_than(text.substr(line.begin, line.end - line.begin), kShortLine);
  if (!short_line) return {};

  // 6: a line that is only the figure takes its caption from the line below.
  if (trim(text.substr(line.begin, line.end - line.begin)) == needle && li + 1 < a.line_starts.size()) {
    const Region below = line_at(a, li + 1);
    if (!blank(a, below) && !more_code_points_than(text.substr(below.begin, below.end - below.begin), kShortLine)) {
      const auto [lo, hi] = cues_in(a, below.begin, below.end);
      for (std::size_t k = lo; k < hi; ++k) {
        if (absolute(a.cues[k])) {
          if (gives_topic(a.cues[k])) return found(a.cues[k]);
          break;
        }
      }
    }
  }

  // 7: the card right above (a label under its description), or the
  // heading above in the same block of lines.
  for (std::size_t up = 1; up <= kLinesAbove && up <= li; ++up) {
    const Region above = line_at(a, li - up);
    if (blank(a, above)) break;
    const Card* card = nullptr;
    if (is_card_line(a, above, &card)) {
      if (up == 1 && card->topic) return found(*card->topic);
      break;
    }
    if (auto cue = heading_cue(a, above)) return found(*cue);
    if (more_code_points_than(text.substr(above.begin, above.end - above.begin), kShortLine)) break;
  }
  return {};
}

}  // namespace

std::optional<Period> period_of(const Document& document, FoldedSpan figure) {
  const std::string& text = document.folded.text;
  if (figure.begin > figure.end || figure.end > text.size()) return std::nullopt;
  const Analysis& a = analysis_of(document);
  const Result r = resolve(document, a, figure);
  if (r.outcome != Outcome::Found) return std::nullopt;
  return r.period;
}

std::optional<int> document_year(const Document& document) { return analysis_of(document).year; }

std::optional<int> year_of(const Period& period) {
  std::string_view label = period.label;
  if (label.starts_with("FY")) label.remove_prefix(2);
  if (label.size() < 4) return std::nullopt;
  const int year = parse_int(label.substr(0, 4));
  if (year < 1000 || (label.size() > 4 && is_ascii_digit(label[4]))) return std::nullopt;
  return year;
}

}  // namespace figtrail
