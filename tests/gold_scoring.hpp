// Scores extracted figures against gold annotations by the rules of
// ../shared/spec/FIGURES.md ("Scoring"): the same rules as
// ../shared/eval/score.py, so the project's accuracy tests stand alone.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace figtrail::testing {

struct Counts {
  int tp = 0, fp = 0, fn = 0;
  [[nodiscard]] double precision() const { return tp + fp ? double(tp) / (tp + fp) : 0.0; }
  [[nodiscard]] double recall() const { return tp + fn ? double(tp) / (tp + fn) : 0.0; }
  [[nodiscard]] double f1() const {
    const double p = precision();
    const double r = recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
};

struct Score {
  std::map<std::string, Counts> detection;    // by kind, and "all"
  std::map<std::string, Counts> correctness;  // by kind, and "all"
  int qualifier_right = 0, qualifier_scored = 0;
  int period_right = 0, period_scored = 0;
  int documents = 0;
  std::vector<std::string> errors;  // misses, false hits, wrong values and periods

  [[nodiscard]] int gold(const std::string& kind) const;
  [[nodiscard]] double qualifier_agreement() const {
    return qualifier_scored ? double(qualifier_right) / qualifier_scored : 0.0;
  }
  [[nodiscard]] double period_agreement() const { return period_scored ? double(period_right) / period_scored : 0.0; }
  // The per-kind table, agreements, and the errors, for the test log.
  [[nodiscard]] std::string report(const std::string& title) const;
};

// Extracts every document that has a gold file `<gold_dir>/<name>.jsonl`
// from `<docs_dir>/<name>` and scores it.
[[nodiscard]] Score score_directory(const std::filesystem::path& docs_dir, const std::filesystem::path& gold_dir);

}  // namespace figtrail::testing
