#include "gold_scoring.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "figtrail/normalize.hpp"

namespace fs = std::filesystem;

namespace figtrail::testing {
namespace {

const std::vector<std::string> kKinds{"money", "percent", "multiple", "quantity", "count"};

struct GoldFigure {
  std::size_t begin = 0, end = 0;
  std::string kind, unit, text, qualifier;
  std::optional<double> value, low, high;
  bool has_period = false;
  std::string period;  // "" for null
  bool optional = false;
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
    if (at == std::string::npos || doc.find(ctx, at + 1) != std::string::npos || ctx.find(text) == std::string::npos) {
      throw std::runtime_error(gold_path.string() + ": ctx not found once, or text not in it: " + ctx);
    }
    GoldFigure g;
    g.begin = at + ctx.find(text);
    g.end = g.begin + text.size();
    g.kind = j["kind"];
    g.unit = j.value("unit", "");
    g.text = text;
    g.qualifier = j.contains("qualifier") && !j["qualifier"].is_null() ? j["qualifier"].get<std::string>() : "";
    g.value = number_field(j, "value");
    g.low = number_field(j, "low");
    g.high = number_field(j, "high");
    g.has_period = j.contains("period");
    g.period = g.has_period && !j["period"].is_null() ? j["period"].get<std::string>() : "";
    g.optional = j.value("optional", false);
    gold.push_back(g);
  }
  return gold;
}

bool close(double a, double b) {
  return std::fabs(a - b) <= std::max(1e-6 * std::max(std::fabs(a), std::fabs(b)), 1e-12);
}

std::pair<double, double> bounds(const Figure& f) {
  if (f.low && f.high) return {f.low->to_double(), f.high->to_double()};
  return {f.value->to_double(), f.value->to_double()};
}

bool correct(const Figure& f, const GoldFigure& g) {
  std::optional<std::pair<double, double>> gb;
  if (g.low && g.high) gb = std::pair{*g.low, *g.high};
  if (!gb && g.value) gb = std::pair{*g.value, *g.value};
  if (f.unit != g.unit || !gb) return false;
  const auto fb = bounds(f);
  return close(fb.first, gb->first) && close(fb.second, gb->second);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

int Score::gold(const std::string& kind) const {
  const auto d = detection.find(kind);
  return d == detection.end() ? 0 : d->second.tp + d->second.fn;
}

std::string Score::report(const std::string& title) const {
  std::ostringstream out;
  out << title << " (" << documents << " documents)\n"
      << std::left << std::setw(10) << "kind" << std::right << std::setw(10) << "detect F1" << std::setw(11)
      << "correct P" << std::setw(8) << "R" << std::setw(8) << "F1" << std::setw(7) << "gold\n";
  std::vector<std::string> rows = kKinds;
  rows.push_back("all");
  for (const std::string& key : rows) {
    const auto d = detection.find(key);
    const auto c = correctness.find(key);
    const Counts dc = d == detection.end() ? Counts{} : d->second;
    const Counts cc = c == correctness.end() ? Counts{} : c->second;
    out << std::left << std::setw(10) << key << std::right << std::fixed << std::setprecision(3) << std::setw(10)
        << dc.f1() << std::setw(11) << cc.precision() << std::setw(8) << cc.recall() << std::setw(8) << cc.f1()
        << std::setw(6) << (dc.tp + dc.fn) << '\n';
  }
  out << "qualifier agreement " << qualifier_right << "/" << qualifier_scored << ", period agreement " << period_right
      << "/" << period_scored << '\n';
  for (const std::string& e : errors) out << "  " << e << '\n';
  return out.str();
}

Score score_directory(const fs::path& docs_dir, const fs::path& gold_dir) {
  std::vector<fs::path> gold_files;
  for (const auto& entry : fs::directory_iterator(gold_dir)) {
    if (entry.path().extension() == ".jsonl") gold_files.push_back(entry.path());
  }
  std::sort(gold_files.begin(), gold_files.end());
  Score score;
  for (const fs::path& gold_path : gold_files) {
    const fs::path doc_path = docs_dir / gold_path.stem();  // NAME.txt.jsonl → NAME.txt
    const std::string bytes = read_file(doc_path);
    const std::string name = doc_path.filename().string();
    const std::vector<GoldFigure> gold = load_gold(gold_path, bytes);
    std::vector<Figure> found;
    if (!bytes.empty()) {
      found = extract_figures(make_document(doc_path.string(), bytes, format_for_path(doc_path)));
    }
    ++score.documents;

    std::vector<bool> used(gold.size(), false);
    for (const Figure& f : found) {
      const std::string kind(to_string(f.kind));
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
          for (const std::string& key : {kind, std::string("all")}) ++score.detection[key].fp, ++score.correctness[key].fp;
          score.errors.push_back(name + ": false hit: '" + f.text + "' as " + kind);
        }
        continue;
      }
      used[*hit] = true;
      const GoldFigure& g = gold[*hit];
      if (g.optional) continue;
      const bool ok = correct(f, g);
      for (const std::string& key : {kind, std::string("all")}) {
        ++score.detection[key].tp;
        if (ok) {
          ++score.correctness[key].tp;
        } else {
          ++score.correctness[key].fp, ++score.correctness[key].fn;
        }
      }
      if (!ok) score.errors.push_back(name + ": wrong value: '" + g.text + "' got unit " + f.unit);
      ++score.qualifier_scored;
      if (std::string(to_string(f.qualifier)) == g.qualifier) {
        ++score.qualifier_right;
      } else {
        score.errors.push_back(name + ": wrong qualifier: '" + g.text + "' got '" + std::string(to_string(f.qualifier)) +
                               "', want '" + g.qualifier + "'");
      }
      if (g.has_period) {
        ++score.period_scored;
        if (f.period == g.period) {
          ++score.period_right;
        } else {
          score.errors.push_back(name + ": wrong period: '" + g.text + "' got '" + f.period + "', want '" + g.period +
                                 "'");
        }
      }
    }
    for (std::size_t i = 0; i < gold.size(); ++i) {
      if (used[i] || gold[i].optional) continue;
      for (const std::string& key : {gold[i].kind, std::string("all")}) ++score.detection[key].fn, ++score.correctness[key].fn;
      score.errors.push_back(name + ": missed: '" + gold[i].text + "' (" + gold[i].kind + ")");
    }
  }
  return score;
}

}  // namespace figtrail::testing
