// Lookups over the lexicon's tables. The tables are small (a few hundred
// rows) and lookups happen once per mention, so a linear scan is enough and
// keeps the tables the only copy of each fact.
#include "figtrail/lexicon.hpp"

#include <algorithm>

namespace figtrail {

bool has_ascii_letter(std::string_view word) {
  return std::any_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool equals_ascii_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Lexicon surfaces match their text exactly, or ignoring ASCII case and
// whitespace when they hold ASCII letters (`more  than`, `C $`).
std::string comparable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (!is_blank(c)) out.push_back(ascii_lower(c));
  }
  return out;
}

// comparable(surface) == comparable(text), without building either: this
// runs for every row of a table, for every mention.
bool same_surface(std::string_view surface, std::string_view text) {
  if (!has_ascii_letter(surface)) return surface == text;
  std::size_t i = 0;
  std::size_t j = 0;
  for (;;) {
    while (i < surface.size() && is_blank(surface[i])) ++i;
    while (j < text.size() && is_blank(text[j])) ++j;
    if (i == surface.size() || j == text.size()) return i == surface.size() && j == text.size();
    if (ascii_lower(surface[i]) != ascii_lower(text[j])) return false;
    ++i;
    ++j;
  }
}

}  // namespace

const UnitWord* Lexicon::unit(std::string_view surface, Position position) const {
  const auto matches = [&](const UnitWord& word) {
    return word.position == position &&
           (word.folds_case() ? same_surface(word.surface, surface) : word.surface == surface);
  };
  if (unit_index) {
    const auto [first, last] = unit_index->equal_range(comparable(surface));
    for (auto it = first; it != last; ++it) {
      if (matches(*it->second)) return it->second;
    }
    return nullptr;
  }
  for (const UnitWord& word : units) {
    if (matches(word)) return &word;
  }
  return nullptr;
}

void Lexicon::index_units() {
  auto index = std::make_shared<std::unordered_multimap<std::string, const UnitWord*>>();
  for (const UnitWord& word : units) index->emplace(comparable(word.surface), &word);
  unit_index = std::move(index);
}

std::optional<int> Lexicon::magnitude(std::string_view surface) const {
  // Exact case first: `M` (million) and `m` read the same, but a table could
  // list both; the exact row wins.
  for (const MagnitudeWord& word : magnitudes) {
    if (word.surface == surface) return word.exponent;
  }
  for (const MagnitudeWord& word : magnitudes) {
    if (same_surface(word.surface, surface)) return word.exponent;
  }
  return std::nullopt;
}

std::optional<Qualifier> Lexicon::qualifier(std::string_view surface, Position position) const {
  for (const QualifierWord& word : qualifiers) {
    if (word.position == position && same_surface(word.surface, surface)) return word.qualifier;
  }
  return std::nullopt;
}

const PerNoun* Lexicon::per_noun(std::string_view surface) const {
  for (const PerNoun& noun : per_nouns) {
    if (same_surface(noun.surface, surface)) return &noun;
  }
  return nullptr;
}

}  // namespace figtrail
