// Corpus-level accuracy: every document of corpus/ against corpus/gold, and
// Microsoft Recognizers-Text's own test cases (tests/peer-specs, a copy of
// ../shared/peer-specs) against theirs. Prints the table with every miss and
// false hit, then asserts the thresholds of the issues.
#include <catch2/catch.hpp>

#include <iostream>

#include "gold_scoring.hpp"

namespace fs = std::filesystem;
using figtrail::testing::Score;

TEST_CASE("corpus accuracy meets the thresholds", "[corpus]") {
  const fs::path corpus = fs::path(FIGTRAIL_SOURCE_DIR) / "corpus";
  const Score score = figtrail::testing::score_directory(corpus, corpus / "gold");
  std::cout << score.report("corpus accuracy");
  REQUIRE(score.documents > 0);

  INFO(score.report("corpus accuracy"));
  CHECK(score.correctness.at("all").f1() >= 0.95);
  CHECK(score.detection.at("all").f1() >= 0.97);
  for (const std::string kind : {"money", "percent", "multiple", "quantity", "count"}) {
    if (score.gold(kind) < 20) continue;  // too few to hold to a threshold
    INFO(kind);
    CHECK(score.correctness.at(kind).f1() >= 0.95);
  }
  CHECK(score.qualifier_agreement() >= 0.95);
  CHECK(score.period_agreement() >= 0.90);
}

TEST_CASE("the peer's own test cases: correctness F1 at least 0.95", "[corpus][peer]") {
  const fs::path peer = fs::path(FIGTRAIL_SOURCE_DIR) / "tests" / "peer-specs";
  const Score score = figtrail::testing::score_directory(peer / "docs", peer / "gold");
  std::cout << score.report("peer-specs (Recognizers-Text cases)");
  REQUIRE(score.documents > 400);
  INFO(score.report("peer-specs"));
  CHECK(score.correctness.at("all").f1() >= 0.95);
}
