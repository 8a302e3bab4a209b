// The matcher: its generated pattern, the parts of a mention, identifier
// boundaries, URLs, and a lint over the lexicon tables.
#include <catch2/catch.hpp>
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/utext.h>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "figtrail/extract.hpp"

using figtrail::Mention;

namespace {

const figtrail::Matcher& matcher() {
  static const figtrail::Matcher m;
  return m;
}

struct Found {
  figtrail::Document doc;
  std::vector<Mention> mentions;
  [[nodiscard]] std::string part(figtrail::FoldedSpan span) const {
    return std::string(figtrail::slice(doc.folded.text, span));
  }
};

Found find(std::string text) {
  Found f{figtrail::make_document("t.txt", std::move(text), figtrail::SourceFormat::PlainText), {}};
  f.mentions = matcher().find(f.doc);
  return f;
}

}  // namespace

TEST_CASE("the lexicon lists every surface once per table and position", "[extract][lexicon]") {
  const figtrail::Lexicon& lx = figtrail::default_lexicon();
  std::set<std::pair<std::string, figtrail::Position>> units;
  for (const auto& u : lx.units) {
    INFO("unit word " << u.surface);
    const std::string key = u.folds_case() ? figtrail::ascii_lower(u.surface) : std::string(u.surface);
    CHECK(units.insert({key, u.position}).second);
    CHECK_FALSE(u.unit.empty());
  }
  std::set<std::string> magnitudes;
  for (const auto& m : lx.magnitudes) {
    INFO("magnitude " << m.surface);
    CHECK(magnitudes.insert(figtrail::ascii_lower(m.surface)).second);
  }
  std::set<std::pair<std::string, figtrail::Position>> qualifiers;
  for (const auto& q : lx.qualifiers) {
    INFO("qualifier " << q.surface);
    CHECK(qualifiers.insert({figtrail::ascii_lower(q.surface), q.position}).second);
  }
  std::set<std::string> nouns;
  for (const auto& n : lx.per_nouns) {
    INFO("per noun " << n.surface);
    CHECK(nouns.insert(figtrail::ascii_lower(n.surface)).second);
  }
  for (const auto* table : {&lx.range_separators, &lx.carry_links, &lx.per_markers, &lx.qualifier_fillers}) {
    std::set<std::string_view> seen;
    for (std::string_view s : *table) {
      INFO("word " << s);
      CHECK(seen.insert(s).second);
    }
  }
}

TEST_CASE("the generated pattern prefers the longest word", "[extract]") {
  const Found f = find("规模5万亿美元");
  REQUIRE(f.mentions.size() == 1);
  CHECK(f.part(f.mentions[0].magnitude) == "万亿");
  CHECK(f.part(f.mentions[0].unit_after) == "美元");
}

TEST_CASE("a mention records each of its parts", "[extract]") {
  const Found f = find("成本约为$100M–$1B+/M tokens以上");
  REQUIRE(f.mentions.size() == 1);
  const Mention& m = f.mentions[0];
  CHECK(f.part(m.qualifier_before) == "约");
  CHECK(f.part(m.unit_before) == "$");
  CHECK(f.part(m.number) == "100");
  CHECK(f.part(m.magnitude) == "M");
  CHECK(f.part(m.range_separator) == "–");
  CHECK(f.part(m.unit_before_high) == "$");
  CHECK(f.part(m.number_high) == "1");
  CHECK(f.part(m.magnitude_high) == "B");
  CHECK(f.part(m.plus) == "+");
  CHECK(f.part(m.per_marker) == "/");
  CHECK(f.part(m.per_magnitude) == "M");
  CHECK(f.part(m.per_noun) == "tokens");
  CHECK(f.part(m.qualifier_after) == "以上");
  CHECK(f.part(m.span) == "约为$100M–$1B+/M tokens以上");
}

TEST_CASE("a mention never starts or ends inside an identifier", "[extract][boundary]") {
  for (const char* text : {"H100", "FY2026", "TPUv7", "v1.5", "Llama-8B", "COVID-19", "A100s"}) {
    const Found f = find(std::string("the ") + text + " chip");
    for (const Mention& m : f.mentions) {
      INFO(text << " gave " << f.part(m.span));
      CHECK(f.part(m.span) != "100");
      CHECK(f.part(m.number).find_first_of("0123456789") == std::string::npos);
    }
  }
  // A magnitude letter glued to a word is dropped, the number kept.
  const Found mpg = find("a 5 Mpg link");
  REQUIRE(mpg.mentions.size() == 1);
  CHECK(mpg.part(mpg.mentions[0].span) == "5");
  // A glued qualifier word is shed (`turnover` is not `over`).
  const Found turnover = find("turnover 5%");
  REQUIRE(turnover.mentions.size() == 1);
  CHECK(turnover.part(turnover.mentions[0].span) == "5%");
}

TEST_CASE("ICU has no word boundary between two ASCII letters or digits", "[extract][boundary]") {
  // The matcher's edge rule takes this from UAX #29 (WB5, WB8, WB9, WB10)
  // instead of asking ICU at every such position; an ICU that broke there
  // would change what counts as an identifier.
  const std::string alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string text;
  for (const char a : alnum) {
    for (const char b : alnum) {
      text += a;
      text += b;
    }
  }
  text = "x " + text + " 营收350亿 " + text + "。";
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> words(icu::BreakIterator::createWordInstance(icu::Locale("zh"), status));
  UText* utext = utext_openUTF8(nullptr, text.data(), static_cast<std::int64_t>(text.size()), &status);
  words->setText(utext, status);
  REQUIRE(U_SUCCESS(status));
  std::vector<std::size_t> inside;
  for (std::int32_t at = words->first(); at != icu::BreakIterator::DONE; at = words->next()) {
    const auto pos = static_cast<std::size_t>(at);
    if (pos > 0 && pos < text.size() && std::isalnum(static_cast<unsigned char>(text[pos - 1])) != 0 &&
        std::isalnum(static_cast<unsigned char>(text[pos])) != 0) {
      inside.push_back(pos);
    }
  }
  utext_close(utext);
  CHECK(inside.empty());
}

TEST_CASE("digits inside URLs are never mentions", "[extract][url]") {
  const Found f = find("see https://x.com/2025/50% and www.a.com/5B then 7%");
  REQUIRE(f.mentions.size() == 1);
  CHECK(f.part(f.mentions[0].span) == "7%");
}

TEST_CASE("a full-width comma separates numbers; an ASCII one groups digits", "[extract]") {
  const Found wide = find("20，300");
  REQUIRE(wide.mentions.size() == 2);
  CHECK(wide.part(wide.mentions[0].number) == "20");
  CHECK(wide.part(wide.mentions[1].number) == "300");
  const Found ascii = find("20,300");
  REQUIRE(ascii.mentions.size() == 1);
  CHECK(ascii.part(ascii.mentions[0].number) == "20,300");
}

TEST_CASE("long runs stay linear and end", "[extract][slow]") {
  const Found digits = find(std::string(1'000'000, '9') + "%");
  CHECK(digits.mentions.size() == 1);  // one candidate; the normalizer refuses it
  std::string wan;
  for (int i = 0; i < 100'000; ++i) wan += "万";
  CHECK(find(wan + "美元").mentions.empty());
}

TEST_CASE("a repeated mention has the same parts every time", "[extract]") {
  // The matcher remembers the parts of recent matches; a repeat, in another
  // document or another matcher, must read as the first did.
  const std::string block = "约350亿美元, over $2.5T, 26–30%, 一个, ten GPUs, 5 m. 5 mx, up to 3 GW.\n";
  const Found once = find(block);
  REQUIRE(once.mentions.size() >= 7);
  const Found thrice = find(block + block + block);
  REQUIRE(thrice.mentions.size() == 3 * once.mentions.size());
  const figtrail::Matcher other;
  for (const Found* found : {&thrice, &once}) {
    const std::vector<Mention> again = other.find(found->doc);
    REQUIRE(again.size() == found->mentions.size());
    for (std::size_t i = 0; i < again.size(); ++i) CHECK(found->part(again[i].span) == found->part(found->mentions[i].span));
  }
  for (std::size_t i = 0; i < thrice.mentions.size(); ++i) {
    const Mention& first = once.mentions[i % once.mentions.size()];
    const Mention& repeat = thrice.mentions[i];
    const std::size_t shift = (i / once.mentions.size()) * block.size();
    INFO(once.part(first.span));
    CHECK(repeat.span.begin == first.span.begin + shift);
    CHECK(repeat.span.end == first.span.end + shift);
    CHECK(thrice.part(repeat.number) == once.part(first.number));
    CHECK(thrice.part(repeat.unit_before) == once.part(first.unit_before));
    CHECK(thrice.part(repeat.unit_after) == once.part(first.unit_after));
    CHECK(thrice.part(repeat.magnitude) == once.part(first.magnitude));
    CHECK(thrice.part(repeat.qualifier_before) == once.part(first.qualifier_before));
    CHECK(thrice.part(repeat.number_high) == once.part(first.number_high));
    CHECK(thrice.part(repeat.counted_noun) == once.part(first.counted_noun));
  }
}

TEST_CASE("mentions that differ only in digits are read each on its own terms", "[extract]") {
  // Parts of recent matches are remembered with their digits written alike
  // where the pattern cannot tell them apart; the `1` of `per 1 million` it
  // can. Each piece, read first by a fresh matcher, must read the same after
  // the others.
  const std::vector<std::string> pieces{"$2 per 2 million tokens", "$2 per 1 million tokens",
                                        "$35 billion",             "$72.5 billion",
                                        "2025年",                  "10 GW to 12 GW",
                                        "1,234 GPUs",              "9,876 GPUs"};
  std::string all;
  std::vector<std::vector<std::string>> expected;
  for (const std::string& piece : pieces) {
    const figtrail::Matcher fresh;
    const figtrail::Document doc = figtrail::make_document("t.txt", piece, figtrail::SourceFormat::PlainText);
    std::vector<std::string> parts;
    for (const Mention& m : fresh.find(doc)) {
      for (const figtrail::FoldedSpan span : {m.span, m.number, m.magnitude, m.unit_before, m.unit_after,
                                              m.per_magnitude, m.per_noun, m.number_high, m.counted_noun}) {
        parts.emplace_back(figtrail::slice(doc.folded.text, span));
      }
    }
    expected.push_back(parts);
    all += piece + "\n";
  }
  const Found found = find(all + all);
  std::size_t next = 0;
  std::size_t line_begin = 0;
  for (std::size_t round = 0; round < 2; ++round) {
    for (std::size_t p = 0; p < pieces.size(); ++p) {
      INFO(pieces[p]);
      const std::size_t line_end = line_begin + pieces[p].size();
      std::vector<std::string> parts;
      for (; next < found.mentions.size() && found.mentions[next].span.begin < line_end; ++next) {
        const Mention& m = found.mentions[next];
        for (const figtrail::FoldedSpan span : {m.span, m.number, m.magnitude, m.unit_before, m.unit_after,
                                                m.per_magnitude, m.per_noun, m.number_high, m.counted_noun}) {
          parts.push_back(found.part(span));
        }
      }
      CHECK(parts == expected[p]);
      line_begin = line_end + 1;
    }
  }
}

namespace {

// Every disagreement of the matcher's part parser with RE2 over `doc`.
void check_parts_agree(const figtrail::Document& doc, std::size_t& compared) {
  const figtrail::Matcher::PartCheck check = matcher().check_part_parser(doc);
  compared += check.compared;
  for (const std::string& disagreement : check.disagreements) FAIL_CHECK(doc.path << ": " << disagreement);
}

}  // namespace

TEST_CASE("the part parser reads every corpus match as RE2 does", "[extract][parts]") {
  namespace fs = std::filesystem;
  const fs::path root(FIGTRAIL_SOURCE_DIR);
  std::size_t compared = 0;
  for (const fs::path& dir : {root / "corpus", root / "tests" / "peer-specs", root / "tests" / "examples",
                             root / "fuzz" / "corpus"}) {
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      try {
        check_parts_agree(figtrail::load_document(entry.path()), compared);
      } catch (const figtrail::IngestError&) {
        // Refused before matching (an empty file, a binary fuzz seed).
      }
    }
  }
  CHECK(compared > 10'000);
}

TEST_CASE("the part parser reads random runs of lexicon words and numbers as RE2 does", "[extract][parts]") {
  const figtrail::Lexicon& lx = figtrail::default_lexicon();
  std::vector<std::string> words{"0",  "7",  "12", "123", "1,234", "1,2345", ".", ".5", ",",  "，", "-", "–", "+",
                                 "%",  "x",  "t",  "T",   "b",     "M",      "一", "十", "百", "万", "亿", "点", "點",
                                 "两", "半", "〇", "ten", "a",     "hundred", "half", "and", "_", "(", "Μm", "個TOKEN",
                                 "US $", "HK  $"};
  for (const auto& u : lx.units) words.emplace_back(u.surface);
  for (const auto& q : lx.qualifiers) words.emplace_back(q.surface);
  for (const auto& m : lx.magnitudes) words.emplace_back(m.surface);
  for (const auto& n : lx.per_nouns) words.emplace_back(n.surface);
  for (const auto list : {lx.range_separators, lx.per_markers, lx.qualifier_fillers, lx.negative_signs}) {
    for (const std::string_view w : list) words.emplace_back(w);
  }
  const std::vector<std::string> numbers{"1",         "2025",          "12,345,678",      "3.5",   "三十",
                                         "一百二十",  "五点五",        "两",              "seven", "Seventeen",
                                         "ninety-nine", "a hundred and five", "three quarters", "HALF", "twenty one"};
  std::mt19937 random(20261123);  // fixed: the same strings every run
  std::size_t compared = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const auto length = 3 + random() % 12;
    for (std::size_t k = 0; k < length; ++k) {
      text += random() % 3 == 0 ? numbers[random() % numbers.size()] : words[random() % words.size()];
      if (random() % 3 == 0) text += random() % 4 == 0 ? "\t" : " ";
    }
    check_parts_agree(figtrail::make_document("random.txt", text, figtrail::SourceFormat::PlainText), compared);
  }
  CHECK(compared > 20'000);
}
