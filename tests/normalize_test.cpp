// Examples are tests: every line of tests/examples/*.jsonl is an input and
// the exact figures it must give (text, kind, unit, exact value or range,
// qualifier, per). Every row of the lexicon is exercised too, so a currency,
// magnitude or qualifier cannot be added without working.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "figtrail/normalize.hpp"

namespace fs = std::filesystem;
using figtrail::Figure;

namespace {

figtrail::Document text_document(std::string text) {
  return figtrail::make_document("example.txt", std::move(text), figtrail::SourceFormat::PlainText);
}

std::vector<Figure> figures_of(std::string text) { return figtrail::extract_figures(text_document(std::move(text))); }

std::string decimal(const std::optional<figtrail::Decimal>& d) { return d ? d->to_string() : ""; }

void check_example(const nlohmann::json& example) {
  const std::string input = example["in"];
  const std::vector<Figure> found = figures_of(input);
  INFO("input: " << input);
  std::string got;
  for (const Figure& f : found) got += "[" + f.text + " " + f.unit + " " + decimal(f.value) + decimal(f.low) + ".." + decimal(f.high) + "] ";
  INFO("got: " << got);
  REQUIRE(found.size() == example["out"].size());
  for (std::size_t i = 0; i < found.size(); ++i) {
    const nlohmann::json& want = example["out"][i];
    const Figure& f = found[i];
    CHECK(f.text == want["text"].get<std::string>());
    CHECK(figtrail::to_string(f.kind) == want["kind"].get<std::string>());
    CHECK(f.unit == want["unit"].get<std::string>());
    CHECK(decimal(f.value) == want.value("value", ""));
    CHECK(decimal(f.low) == want.value("low", ""));
    CHECK(decimal(f.high) == want.value("high", ""));
    CHECK(figtrail::to_string(f.qualifier) == want.value("qualifier", ""));
    CHECK(f.per == want.value("per", ""));
    // Offsets are sacred: the span's source bytes are the figure's text.
    CHECK(input.substr(f.source.begin, f.source.end - f.source.begin) == f.text);
  }
}

void check_examples_file(const std::string& name) {
  std::ifstream in(fs::path(FIGTRAIL_SOURCE_DIR) / "tests" / "examples" / name);
  REQUIRE(in.good());
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    check_example(nlohmann::json::parse(line));
    ++count;
  }
  CHECK(count > 0);
}

}  // namespace

TEST_CASE("Chinese money examples", "[normalize][money][zh]") { check_examples_file("money.zh.jsonl"); }
TEST_CASE("English money examples", "[normalize][money][en]") { check_examples_file("money.en.jsonl"); }
TEST_CASE("percent examples", "[normalize][percent]") { check_examples_file("percent.jsonl"); }
TEST_CASE("multiple examples", "[normalize][multiple]") { check_examples_file("multiple.jsonl"); }
TEST_CASE("quantity examples", "[normalize][quantity]") { check_examples_file("quantity.jsonl"); }
TEST_CASE("count examples", "[normalize][count]") { check_examples_file("count.jsonl"); }
TEST_CASE("things that are not figures", "[normalize][negative]") { check_examples_file("not_figures.jsonl"); }

TEST_CASE("every unit word of the lexicon gives its unit", "[normalize][lexicon]") {
  for (const figtrail::UnitWord& unit : figtrail::default_lexicon().units) {
    // A digit beside a Latin word keeps a space, as people write it.
    const std::string gap = figtrail::has_ascii_letter(unit.surface) && !unit.glued ? " " : "";
    const std::string text = unit.position == figtrail::Position::Before
                                 ? "x " + std::string(unit.surface) + gap + "7 y"
                                 : "x 7" + gap + std::string(unit.surface) + " y";
    INFO("unit word '" << unit.surface << "' in: " << text);
    const auto found = figures_of(text);
    if (unit.compound_only) {  // only after a larger unit, never alone
      CHECK(found.empty());
      continue;
    }
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == unit.kind);
    CHECK(found[0].unit == std::string(unit.unit));
    CHECK(found[0].value == figtrail::Decimal{7 * unit.factor, unit.exponent});
  }
}

TEST_CASE("every magnitude word scales exactly", "[normalize][lexicon]") {
  for (const figtrail::MagnitudeWord& magnitude : figtrail::default_lexicon().magnitudes) {
    const std::string gap = figtrail::has_ascii_letter(magnitude.surface) && magnitude.surface.size() > 1 ? " " : "";
    const std::string text = "cost $1.5" + gap + std::string(magnitude.surface) + " now";
    INFO(text);
    const auto found = figures_of(text);
    REQUIRE(found.size() == 1);
    CHECK(found[0].value == figtrail::Decimal{15, magnitude.exponent - 1});
  }
}

TEST_CASE("every qualifier cue gives its qualifier", "[normalize][lexicon]") {
  for (const figtrail::QualifierWord& q : figtrail::default_lexicon().qualifiers) {
    const std::string gap = figtrail::has_ascii_letter(q.surface) ? " " : "";
    const std::string text = q.position == figtrail::Position::Before
                                 ? "x " + std::string(q.surface) + gap + "$40B y"
                                 : "x 40亿美元" + gap + std::string(q.surface) + " y";
    INFO(text);
    const auto found = figures_of(text);
    REQUIRE(found.size() == 1);
    CHECK(found[0].qualifier == q.qualifier);
  }
}

TEST_CASE("emphasis words are not bounds", "[normalize][qualifier]") {
  for (const char* text : {"高达40亿美元", "达40亿美元", "仅40亿美元", "长达40亿美元"}) {
    const auto found = figures_of(text);
    REQUIRE(found.size() == 1);
    CHECK(found[0].qualifier == figtrail::Qualifier::None);
  }
}

TEST_CASE("a figure keeps its provenance", "[normalize][provenance]") {
  const auto found = figures_of("First line.\n第二行：营收达350亿美元。第三句。\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].line == 2);
  CHECK(found[0].rule == "money/unit-after:美元");
  CHECK(found[0].sentence == "第二行：营收达350亿美元。");
}

TEST_CASE("full-width and ASCII input give identical values", "[normalize][fold]") {
  const auto wide = figures_of("增长５２．８％，营收＄１２亿");
  const auto ascii = figures_of("增长52.8%，营收$12亿");
  REQUIRE(wide.size() == 2);
  REQUIRE(ascii.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(wide[i].value == ascii[i].value);
    CHECK(wide[i].unit == ascii[i].unit);
  }
  CHECK(wide[0].text == "５２．８％");
}
