// From mentions to figures: reads each part of a mention with the lexicon,
// scales exactly, resolves ranges, qualifiers and prices per unit, carries a
// currency to a bare neighbour, and maps every span back to source bytes.
#include <algorithm>
#include <cmath>
#include <string>

#include "figtrail/normalize.hpp"
#include "figtrail/period.hpp"

namespace figtrail {
namespace {

// Clause punctuation that a carried currency or a price's 每 never crosses.
constexpr std::array<std::string_view, 10> kClauseBreaks{"，", "。", "；", ";", "！", "？", "!", "?", "\n", ", "};

bool contains_clause_break(std::string_view text) {
  return std::any_of(kClauseBreaks.begin(), kClauseBreaks.end(),
                     [&](std::string_view b) { return text.find(b) != std::string_view::npos; });
}

bool contains_han(std::string_view text) {
  // CJK Unified Ideographs U+4E00–U+9FFF are E4 B8 80 – E9 BF BF in UTF-8.
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0xE4 && b <= 0xE9) return true;
  }
  return false;
}

bool contains_any_word(std::string_view text, std::initializer_list<std::string_view> words) {
  const std::string lower = ascii_lower(text);
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

constexpr std::string_view kBlanks = " \t\r\n";
bool is_blank(char c) { return kBlanks.find(c) != std::string_view::npos; }

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kBlanks);
  return std::string(text.substr(first, last - first + 1));
}

// value × factor, exactly; nullopt when it does not fit.
std::optional<Decimal> times(Decimal value, std::int64_t factor) {
  std::int64_t mantissa = 0;
  if (__builtin_mul_overflow(value.mantissa, factor, &mantissa)) return std::nullopt;
  return Decimal{mantissa, value.exponent}.normalized();
}

bool is_integer(const Decimal& d) { return d.normalized().exponent >= 0; }

// Readings that the unit makes implausible. A four-digit integer before 年
// or `years` is a calendar year (2025年), not a duration; a count is whole
// and `一个`, `一家` are articles ("a", "an"), not counts.
template <typename ReadingT>
bool plausible(const UnitWord& unit, const Mention& m, const ReadingT& r, std::string_view text) {
  const std::string_view number = slice(text, m.number);
  if (unit.unit == "year" && empty(m.magnitude) && empty(m.magnitude_high)) {
    for (const auto& d : {r.value, r.low, r.high}) {
      if (d && is_integer(*d) && d->to_double() >= 1000 && d->to_double() <= 2999) return false;
    }
  }
  if (unit.kind == Kind::Count) {
    for (const auto& d : {r.value, r.low, r.high}) {
      if (d && !is_integer(*d)) return false;
    }
    if (number == "一" || number == "壹") return false;
  }
  return true;
}

// The unit of a number followed by the noun it counts.
const UnitWord kCountedNoun{"", Kind::Count, "count", Position::After};

// What one mention reads as, before carrying and per-unit resolution.
struct Reading {
  const Mention* mention = nullptr;
  FoldedSpan span;
  std::optional<Decimal> value, low, high;
  const UnitWord* unit = nullptr;
  std::string unit_code;  // resolved (¥ by context), or carried
  std::string rule;
  Qualifier qualifier = Qualifier::None;
  bool has_magnitude = false;
  std::string per;
  bool merged = false;  // the smaller part of a compound amount before it
};

// States a money figure in US dollars: the rate of the figure's year, else
// of the document's year, else the latest; none for an unknown currency.
void convert_to_usd(Figure& f, const std::optional<Period>& period, const Document& doc, const FxTable& fx,
                    std::optional<std::optional<int>>& document_year_cache) {
  std::optional<int> year = period ? year_of(*period) : std::nullopt;
  if (!year) {
    if (!document_year_cache) document_year_cache = document_year(doc);
    year = *document_year_cache;
  }
  const std::optional<FxRate> rate = fx.rate(f.unit, year);
  if (!rate) return;
  f.fx_rate = rate->per_usd;
  f.fx_year = rate->year;
  if (f.value) f.value_usd = f.value->to_double() / rate->per_usd;
  if (f.low) f.low_usd = f.low->to_double() / rate->per_usd;
  if (f.high) f.high_usd = f.high->to_double() / rate->per_usd;
}

// Only spaces and a compound link (`and`, 又, 零) between two parts.
bool gap_is_compound_link(std::string_view text, std::size_t from, std::size_t to) {
  if (from > to || to - from > 8) return false;
  const std::string gap = ascii_lower(trim(text.substr(from, to - from)));
  return gap.empty() || gap == "and" || gap == "又" || gap == "零" || gap == "&";
}

}  // namespace

Normalizer::Normalizer(const Lexicon& lexicon) : lexicon_(lexicon) {}

std::vector<Figure> Normalizer::normalize(const Document& doc, std::span<const Mention> mentions,
                                          const FxTable& fx) const {
  const std::string_view text = doc.folded.text;
  const auto part = [&](FoldedSpan s) { return slice(text, s); };
  const auto magnitude_of = [&](FoldedSpan s) -> int {
    return empty(s) ? 0 : lexicon_.magnitude(part(s)).value_or(0);
  };

  std::vector<Reading> readings;
  readings.reserve(mentions.size());
  for (const Mention& original : mentions) {
    Mention m = original;
    Reading r;
    r.mention = &original;
    r.span = m.span;
    ParsedNumber low = parse_number(part(m.number));
    if (!low.value && static_cast<unsigned char>(part(m.number)[0]) >= 0x80 && empty(m.number_high)) {
      // A Chinese numeral that runs into the next word (百分之七十百分位):
      // the longest prefix that parses is the number, the rest is text.
      std::string_view digits = part(m.number);
      while (!low.value && digits.size() > 3) {
        digits.remove_suffix(3);
        low = parse_number(digits);
      }
      if (!low.value) continue;
      // Everything after the cut belongs to the text, not to this figure.
      const Mention before_cut = m;
      m = Mention{};
      m.qualifier_before = before_cut.qualifier_before;
      m.unit_before = before_cut.unit_before;
      m.sign = before_cut.sign;
      m.number = {before_cut.number.begin, before_cut.number.begin + digits.size()};
      r.span.end = m.number.end;
    }
    if (!low.value) continue;
    if (!empty(m.sign)) low.value->mantissa = -low.value->mantissa;

    // The unit: after the number wins (人民币50元 is yuan either way), then
    // between a range's ends, then before either end.
    struct Found {
      FoldedSpan span;
      Position position;
    };
    for (const Found f : {Found{m.unit_after, Position::After}, Found{m.unit_between, Position::After},
                          Found{m.unit_before, Position::Before}, Found{m.unit_before_high, Position::Before}}) {
      if (empty(f.span)) continue;
      const UnitWord* unit = lexicon_.unit(part(f.span), f.position);
      // A generic 元 yields to the currency before the number.
      const bool overrides = r.unit != nullptr && r.unit->generic && r.unit->position == Position::After &&
                             unit != nullptr && unit->kind == r.unit->kind && f.position == Position::Before;
      if (unit == nullptr || (r.unit != nullptr && !overrides)) continue;
      r.unit = unit;
      {
        r.rule = std::string(to_string(r.unit->kind)) +
                 (f.position == Position::After ? "/unit-after:" : "/unit-before:") +
                 std::string(r.unit->surface);
      }
    }
    if (r.unit == nullptr && !empty(m.counted_noun)) {
      r.unit = &kCountedNoun;
      r.rule = "count/noun:" + std::string(part(m.counted_noun));
    }

    if (r.unit != nullptr) {
      r.unit_code = std::string(r.unit->unit);
      if (!r.unit->unit_in_chinese.empty()) {
        // ¥ is yen in a sentence about Japan, else yuan in Chinese text.
        const std::string_view s = part(doc.segments.sentence_at(m.span.begin));
        const bool japan = contains_any_word(s, {"yen", "日元", "日圆", "日本", "japan"});
        if (!japan && (contains_han(s) || contains_any_word(s, {"yuan", "rmb", "renminbi", "china", "chinese"}))) {
          r.unit_code = std::string(r.unit->unit_in_chinese);
        }
      }
    }


    int unit_exponent = r.unit != nullptr ? r.unit->exponent : 0;
    if (r.unit != nullptr && r.unit->exponent_below_ten_only && low.value->to_double() >= 10) unit_exponent = 0;
    const std::int64_t unit_factor = r.unit != nullptr ? r.unit->factor : 1;
    // number × magnitude × the unit's factor and exponent, exactly.
    const auto in_unit = [&](Decimal number, int magnitude_exponent) -> std::optional<Decimal> {
      const std::optional<Decimal> d = times(number, unit_factor);
      if (!d) return std::nullopt;
      return scaled(*d, magnitude_exponent + unit_exponent);
    };
    int low_exponent = magnitude_of(empty(m.magnitude) ? m.magnitude_after_unit : m.magnitude);
    r.has_magnitude = !empty(m.magnitude) || !empty(m.magnitude_high) || !empty(m.magnitude_after_unit);
    if (!empty(m.number_high)) {
      const ParsedNumber high = parse_number(part(m.number_high));
      if (!high.value) continue;
      int high_exponent = magnitude_of(m.magnitude_high);
      // 1–10亿美元, $150–350M: the magnitude at the end applies to both ends.
      if (empty(m.magnitude) && !empty(m.magnitude_high)) low_exponent = high_exponent;
      if (!empty(m.magnitude) && empty(m.magnitude_high)) high_exponent = low_exponent;
      const std::optional<Decimal> lo_value = in_unit(*low.value, low_exponent);
      const std::optional<Decimal> hi_value = in_unit(*high.value, high_exponent);
      if (!lo_value || !hi_value) continue;
      const Decimal lo = *lo_value;
      const Decimal hi = *hi_value;
      const std::string_view separator = part(m.range_separator);
      const bool from_to = (separator == "to" || separator == "至" || separator == "到") &&
                           contains_any_word(text.substr(m.span.begin >= 12 ? m.span.begin - 12 : 0,
                                                         std::min<std::size_t>(m.span.begin, 12)),
                                             {"from", "从", "從", "由"});
      if (lo.to_double() >= hi.to_double() || from_to) {
        // Not a range: `2025-30%` is a year and a percentage, `from X to Y`
        // is a change. The figure is the high end; the low end, when it
        // has its own unit, is a figure of its own.
        if (from_to && (!empty(m.unit_between) || !empty(m.unit_before))) {
          Reading first = r;
          first.span = {m.span.begin, empty(m.unit_between) ? (empty(m.magnitude) ? m.number.end : m.magnitude.end)
                                                            : m.unit_between.end};
          first.value = lo;
          readings.push_back(first);
        }
        r.span.begin = empty(m.unit_before_high) ? m.number_high.begin : m.unit_before_high.begin;
        r.value = hi;
        r.qualifier = Qualifier::None;
      } else {
        r.low = lo;
        r.high = hi;
      }
    } else {
      r.value = in_unit(*low.value, low_exponent);
      if (!r.value) continue;
    }
    if (r.unit != nullptr && !plausible(*r.unit, m, r, text)) continue;

    // Qualifiers: after the number outranks before it (约占80%以上 is gt).
    if (!empty(m.qualifier_before) && r.span.begin <= m.qualifier_before.begin) {
      r.qualifier = lexicon_.qualifier(part(m.qualifier_before), Position::Before).value_or(Qualifier::None);
    }
    if (!empty(m.qualifier_mid)) {
      r.qualifier = lexicon_.qualifier(part(m.qualifier_mid), Position::After).value_or(r.qualifier);
    }
    if (!empty(m.plus)) r.qualifier = Qualifier::Gte;
    if (!empty(m.qualifier_after)) {
      r.qualifier = lexicon_.qualifier(part(m.qualifier_after), Position::After).value_or(r.qualifier);
    }

    // Only money has a price per unit (`grew 40% per year` is a rate): the
    // per phrase of another kind is no part of its figure.
    if (!empty(m.per_marker) && (r.unit == nullptr || r.unit->kind != Kind::Money)) {
      r.span.end = m.per_marker.begin;
      while (r.span.end > r.span.begin && (text[r.span.end - 1] == ' ' || text[r.span.end - 1] == '\t')) --r.span.end;
    }
    // The thing a price is per: `/M tokens`, 每月, or 每百万token before it.
    if (!empty(m.per_marker) && r.unit != nullptr && r.unit->kind == Kind::Money) {
      const PerNoun* noun = empty(m.per_noun) ? nullptr : lexicon_.per_noun(part(m.per_noun));
      const int per_exponent = magnitude_of(m.per_magnitude);
      std::string what;
      if (noun != nullptr) {
        what = std::string(noun->per);
      } else {
        // `$0.14/M` after `$0.30/M tokens`: the noun is in the sentence.
        const std::string_view s = part(doc.segments.sentence_at(m.span.begin));
        for (const PerNoun& n : lexicon_.per_nouns) {
          if (has_ascii_letter(n.surface) && n.surface.size() > 3 &&
              ascii_lower(s).find(ascii_lower(n.surface)) != std::string::npos) {
            what = std::string(n.per);
            break;
          }
        }
      }
      r.per = per_exponent != 0 ? "1e" + std::to_string(per_exponent) + (what.empty() ? "" : " " + what) : what;
    }
    readings.push_back(std::move(r));
  }

  // A bare amount with a magnitude takes the currency of a money neighbour
  // joined to it by a link (逾3340亿 → 超9000亿美元), nothing but years between.
  const auto gap_links = [&](std::size_t from, std::size_t to) {
    if (from > to || to - from > 40) return false;
    const std::string_view gap = text.substr(from, to - from);
    if (contains_clause_break(gap)) return false;
    std::string rest = trim(gap);
    bool linked = rest.empty();
    for (std::string_view link : lexicon_.carry_links) {
      const auto at = ascii_lower(rest).find(ascii_lower(link));
      if (at != std::string::npos) {
        rest.erase(at, link.size());
        linked = true;
      }
    }
    if (!linked) return false;
    // What may remain: a year or quarter label (2026年, FY2026) and spaces.
    for (char& c : rest) {
      if ((c >= '0' && c <= '9') || c == ' ' || c == 'F' || c == 'Y' || c == 'Q') c = ' ';
    }
    std::string left = trim(rest);
    for (std::string_view year : {"年", "财年", "財年"}) {
      for (auto at = left.find(year); at != std::string::npos; at = left.find(year)) left.erase(at, year.size());
    }
    return trim(left).empty();
  };
  for (std::size_t i = 0; i < readings.size(); ++i) {
    Reading& r = readings[i];
    if (r.unit != nullptr || !r.has_magnitude) continue;
    const Reading* source = nullptr;
    for (std::size_t j = i + 1; j < readings.size(); ++j) {
      if (readings[j].unit == nullptr) continue;  // a year between them
      if (readings[j].unit->kind == Kind::Money && gap_links(r.span.end, readings[j].span.begin)) {
        source = &readings[j];
      }
      break;
    }
    for (std::size_t j = i; source == nullptr && j-- > 0;) {
      if (readings[j].unit == nullptr) continue;
      if (readings[j].unit->kind == Kind::Money && gap_links(readings[j].span.end, r.span.begin)) {
        source = &readings[j];
      }
      break;
    }
    if (source != nullptr) {
      r.unit = source->unit;
      r.unit_code = source->unit_code;
      r.rule = "money/carried:" + source->unit_code;
    }
  }

  // A Chinese qualifier may govern a figure across a noun phrase that ends
  // in 的: 约为2010年的九倍, 接近英伟达H200的80%. Only cues of two or more
  // characters and 约 count (近 alone also means "recent").
  for (std::size_t i = 0; i < readings.size(); ++i) {
    Reading& r = readings[i];
    if (r.unit == nullptr || r.qualifier != Qualifier::None) continue;
    constexpr std::string_view kOf = "的";
    if (r.span.begin < kOf.size() || text.substr(r.span.begin - kOf.size(), kOf.size()) != kOf) continue;
    const std::size_t previous_end = i > 0 ? readings[i - 1].span.end : 0;
    const std::size_t window_begin = std::max(previous_end, r.span.begin >= 40 ? r.span.begin - 40 : 0);
    const std::string_view window = text.substr(window_begin, r.span.begin - window_begin);
    std::size_t best = std::string_view::npos;
    Qualifier cue = Qualifier::None;
    for (const QualifierWord& q : lexicon_.qualifiers) {
      if (q.position != Position::Before || has_ascii_letter(q.surface) || q.surface.size() < 3) continue;
      if (q.surface.size() == 3 && q.surface != "约" && q.surface != "約") continue;
      const std::size_t at = window.rfind(q.surface);
      if (at != std::string_view::npos && (best == std::string_view::npos || at > best)) {
        best = at;
        cue = q.qualifier;
      }
    }
    if (best != std::string_view::npos && !contains_clause_break(window.substr(best))) r.qualifier = cue;
  }

  // Compound amounts: a figure followed, with nothing but a link between, by
  // a smaller unit of the same kind (`5 feet 2 inches`, 50元6角三分, `3
  // dollars 50 cents`), or money by a bare number below 100 (`15 dollars
  // and 50`: its cents), is one figure.
  const auto unit_scale = [](const UnitWord& u) { return static_cast<double>(u.factor) * std::pow(10.0, u.exponent); };
  for (std::size_t i = 0; i < readings.size(); ++i) {
    Reading& r = readings[i];
    if (r.unit == nullptr || !r.value || r.merged) continue;
    for (std::size_t j = i + 1; j < readings.size(); ++j) {
      Reading& next = readings[j];
      if (!next.value || !empty(next.mention->magnitude) || !gap_is_compound_link(text, r.span.end, next.span.begin)) {
        break;
      }
      std::optional<Decimal> part_value;
      if (next.unit != nullptr) {
        const bool smaller = next.unit->kind == r.unit->kind && unit_scale(*next.unit) < unit_scale(*r.unit) &&
                             (next.unit->unit == r.unit->unit || next.unit->kind == Kind::Money);
        if (!smaller) break;
        part_value = next.value;
      } else {
        const double v = next.value->to_double();
        const bool cents = r.unit->kind == Kind::Money && r.unit->exponent == 0 && is_integer(*r.value) &&
                           is_integer(*next.value) && v >= 1 && v <= 99;
        if (!cents) break;
        part_value = scaled(*next.value, -2);
      }
      const std::optional<Decimal> total = sum(*r.value, *part_value);
      if (!total) break;
      r.value = total;
      r.span.end = next.span.end;
      r.rule += '+';
      r.rule += next.unit != nullptr ? next.unit->surface : std::string_view("cents");
      next.merged = true;
    }
  }

  // 半 after a unit adds half of it: 两米半 is 2.5 m, 三成半 35 %.
  constexpr std::string_view kHalf = "半";
  for (Reading& r : readings) {
    if (r.unit == nullptr || !r.value || r.merged || r.unit->generic || r.unit->kind == Kind::Money ||
        text.substr(r.span.end, kHalf.size()) != kHalf) {
      continue;
    }
    const Decimal half = scaled(Decimal{5 * r.unit->factor, r.unit->exponent - 1}, 0);
    if (const std::optional<Decimal> total = sum(*r.value, half)) {
      r.value = total;
      r.span.end += kHalf.size();
    }
  }

  std::vector<Figure> figures;
  figures.reserve(readings.size());
  std::optional<std::optional<int>> document_year_cache;  // computed on first money figure
  for (Reading& r : readings) {
    if (r.unit == nullptr || r.merged || r.unit->compound_only) continue;
    // A price's 每 may stand before the number: 每百万token仅0.30美元.
    if (r.per.empty() && r.unit->kind == Kind::Money) {
      const FoldedSpan sentence = doc.segments.sentence_at(r.span.begin);
      const std::size_t window_begin = std::max(sentence.begin, r.span.begin >= 30 ? r.span.begin - 30 : 0);
      const std::string_view window = text.substr(window_begin, r.span.begin - window_begin);
      const auto at = window.rfind("每");
      if (at != std::string_view::npos && !contains_clause_break(window.substr(at))) {
        std::string_view rest = window.substr(at + std::string_view("每").size());
        int exponent = 0;
        for (const MagnitudeWord& mag : lexicon_.magnitudes) {
          if (!has_ascii_letter(mag.surface) && rest.substr(0, mag.surface.size()) == mag.surface) {
            exponent = mag.exponent;
            rest.remove_prefix(mag.surface.size());
            break;
          }
        }
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        for (const PerNoun& noun : lexicon_.per_nouns) {
          if (ascii_lower(rest.substr(0, noun.surface.size())) == ascii_lower(noun.surface)) {
            r.per = (exponent != 0 ? "1e" + std::to_string(exponent) + " " : "") + std::string(noun.per);
            break;
          }
        }
      }
    }

    Figure f;
    f.kind = r.unit->kind;
    f.folded = r.span;
    f.source = doc.folded.map.to_source(r.span);
    f.text = std::string(doc.source_text(f.source));
    f.value = r.value;
    f.low = r.low;
    f.high = r.high;
    // The readings are done with: their strings move into the figure.
    f.unit = std::move(r.unit_code);
    f.qualifier = r.qualifier;
    f.per = std::move(r.per);
    f.rule = std::move(r.rule);
    f.line = doc.line_of(f.source.begin);
    // Trimmed in the folded text, then mapped: the source may be UTF-16,
    // where a space is two bytes.
    FoldedSpan sentence = doc.segments.sentence_at(r.span.begin);
    const std::string_view folded_text = doc.folded.text;
    while (sentence.begin < sentence.end && is_blank(folded_text[sentence.begin])) ++sentence.begin;
    while (sentence.end > sentence.begin && is_blank(folded_text[sentence.end - 1])) --sentence.end;
    f.sentence = std::string(doc.source_text(doc.folded.map.to_source(sentence)));
    const std::optional<Period> period = period_of(doc, r.span);
    if (period) {
      f.period = period->label;
      f.projection = period->projection;
    }
    if (f.kind == Kind::Money) convert_to_usd(f, period, doc, fx, document_year_cache);
    figures.push_back(std::move(f));
  }
  // Readings come in text order and the offset map keeps it, so the figures
  // are almost always sorted already; sorting would still move each one.
  const auto by_source = [](const Figure& a, const Figure& b) { return a.source.begin < b.source.begin; };
  if (!std::is_sorted(figures.begin(), figures.end(), by_source)) std::sort(figures.begin(), figures.end(), by_source);
  return figures;
}

std::vector<Figure> extract_figures(const Document& document, const FxTable& fx, std::size_t max_candidates) {
  static const Matcher matcher;
  static const Normalizer normalizer;
  const std::vector<Mention> mentions = matcher.find(document, max_candidates);
  return normalizer.normalize(document, mentions, fx);
}

}  // namespace figtrail
