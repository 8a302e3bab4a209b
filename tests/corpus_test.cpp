// Corpus-level accuracy: extracts every document of corpus/ and scores the
// figures against corpus/gold by the rules of FIGURES.md ("Scoring"), the
// same rules as ../shared/eval/score.py. Prints a per-kind table and a list
// of misses and false hits, then asserts the thresholds.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "figtrail/normalize.hpp"

namespace fs = std::filesystem;
using figtrail::Figure;
using figtrail::Kind;

namespace {

// The kinds this accuracy test holds figtrail to; gold figures of other kinds
// are treated as optional (neither missed nor a false hit when found).
const std::set<std::string> kScoredKinds{"money", "percent"};
constexpr double kMinCorrectF1 = 0.95;

struct GoldFigure {
  std::size_t begin = 0, end = 0;
  std::string kind, unit, text;
  std::optional<double> value, low, high;
  bool optional = false;
};

struct Counts {
  int tp = 0, fp = 0, fn = 0;
  [[nodiscard]] double f1() const {
    const double p = tp + fp ? double(tp) / (tp + fp) : 0.0;
    const double r = tp + fn ? double(tp) / (tp + fn) : 0.0;
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
  [[nodiscard]] double precision() const { return tp + fp ? double(tp) / (tp + fp) : 0.0; }
  [[nodiscard]] double recall() const { return tp + fn ? double(tp) / (tp + fn) : 0.0; }
};

std::optional<double> number_field(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].get<double>();
}

// Gold lines give text and a unique context; the span is where the text sits
// inside the context's one occurrence (UTF-8 documents: byte offsets).
std::vector<GoldFigure> load_gold(const fs::path& gold_path, const std::string& doc) {
  std::vector<GoldFigure> gold;
  std::ifstream in(gold_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto j = nlohmann::json::parse(line);
    const std::string text = j["text"];
    const std::string ctx = j.value("ctx", text);
    const auto at = doc.find(ctx);
    REQUIRE(at != std::string::npos);
    REQUIRE(doc.find(ctx, at + 1) == std::string::npos);
    const auto off = ctx.find(text);
    REQUIRE(off != std::string::npos);
    GoldFigure g;
    g.begin = at + off;
    g.end = g.begin + text.size();
    g.kind = j["kind"];
    g.unit = j.value("unit", "");
    g.text = text;
    g.value = number_field(j, "value");
    g.low = number_field(j, "low");
    g.high = number_field(j, "high");
    g.optional = j.value("optional", false) || kScoredKinds.count(g.kind) == 0;
    gold.push_back(g);
  }
  return gold;
}

bool close(double a, double b) { return std::fabs(a - b) <= std::max(1e-6 * std::max(std::fabs(a), std::fabs(b)), 1e-12); }

std::pair<double, double> bounds(const Figure& f) {
  if (f.low && f.high) return {f.low->to_double(), f.high->to_double()};
  return {f.value->to_double(), f.value->to_double()};
}

std::optional<std::pair<double, double>> bounds(const GoldFigure& g) {
  if (g.low && g.high) return std::pair{*g.low, *g.high};
  if (g.value) return std::pair{*g.value, *g.value};
  return std::nullopt;
}

bool correct(const Figure& f, const GoldFigure& g) {
  const auto gb = bounds(g);
  if (f.unit != g.unit || !gb) return false;
  const auto fb = bounds(f);
  return close(fb.first, gb->first) && close(fb.second, gb->second);
}

}  // namespace

TEST_CASE("corpus accuracy on money and percent meets the thresholds", "[corpus]") {
  const fs::path corpus = fs::path(FIGTRAIL_SOURCE_DIR) / "corpus";
  std::map<std::string, Counts> detect, right;
  std::vector<std::string> errors;
  int documents = 0;

  std::vector<fs::path> gold_files;
  for (const auto& entry : fs::directory_iterator(corpus / "gold")) {
    if (entry.path().extension() == ".jsonl") gold_files.push_back(entry.path());
  }
  std::sort(gold_files.begin(), gold_files.end());
  REQUIRE(!gold_files.empty());

  for (const fs::path& gold_path : gold_files) {
    const fs::path doc_path = corpus / gold_path.stem();  // NAME.txt.jsonl → NAME.txt
    const figtrail::Document doc = figtrail::load_document(doc_path);
    const std::vector<GoldFigure> gold = load_gold(gold_path, doc.bytes);
    const std::vector<Figure> found = figtrail::extract_figures(doc);
    const std::string name = doc_path.filename().string();
    ++documents;

    std::vector<bool> used(gold.size(), false);
    for (const Figure& f : found) {
      const std::string kind(figtrail::to_string(f.kind));
      if (kScoredKinds.count(kind) == 0) continue;
      const auto overlaps = [&](const GoldFigure& g) { return f.source.begin < g.end && g.begin < f.source.end; };
      std::optional<std::size_t> hit;
      for (std::size_t i = 0; i < gold.size() && !hit; ++i) {
        if (!used[i] && overlaps(gold[i]) && gold[i].kind == kind) hit = i;
      }
      if (!hit) {
        bool neutral = false;
        for (std::size_t i = 0; i < gold.size(); ++i) {
          if (overlaps(gold[i]) && (gold[i].optional || used[i])) neutral = true;
        }
        if (!neutral) {
          for (const std::string& key : {kind, std::string("all")}) ++detect[key].fp, ++right[key].fp;
          errors.push_back(name + ": false hit: '" + f.text + "' as " + kind);
        }
        continue;
      }
      used[*hit] = true;
      const GoldFigure& g = gold[*hit];
      if (g.optional) continue;
      const bool ok = correct(f, g);
      for (const std::string& key : {kind, std::string("all")}) {
        ++detect[key].tp;
        if (ok) {
          ++right[key].tp;
        } else {
          ++right[key].fp, ++right[key].fn;
        }
      }
      if (!ok) errors.push_back(name + ": wrong value: '" + g.text + "' got " + f.unit);
    }
    for (std::size_t i = 0; i < gold.size(); ++i) {
      if (used[i] || gold[i].optional) continue;
      for (const std::string& key : {gold[i].kind, std::string("all")}) ++detect[key].fn, ++right[key].fn;
      errors.push_back(name + ": missed: '" + gold[i].text + "' (" + gold[i].kind + ")");
    }
  }

  std::ostringstream table;
  table << "corpus accuracy over " << documents << " documents\n"
        << std::left << std::setw(10) << "kind" << std::right << std::setw(10) << "detect F1" << std::setw(11)
        << "correct P" << std::setw(8) << "R" << std::setw(8) << "F1" << std::setw(7) << "gold\n";
  for (const std::string key : {"money", "percent", "all"}) {
    const Counts& d = detect[key];
    const Counts& c = right[key];
    table << std::left << std::setw(10) << key << std::right << std::fixed << std::setprecision(3) << std::setw(10)
          << d.f1() << std::setw(11) << c.precision() << std::setw(8) << c.recall() << std::setw(8) << c.f1()
          << std::setw(6) << (d.tp + d.fn) << '\n';
  }
  for (const std::string& e : errors) table << "  " << e << '\n';
  std::cout << table.str();

  for (const std::string key : {"money", "percent"}) {
    INFO(key << " correctness F1 " << right[key].f1());
    CHECK(right[key].f1() >= kMinCorrectF1);
  }
}
