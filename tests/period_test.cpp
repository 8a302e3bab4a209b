// period: unit tests for each cue form in English and Chinese, scope rules
// and negative cases, and agreement with the corpus gold (FIGURES.md,
// "Period"; "Scoring": period agreement over figures that match a
// non-optional gold figure whose line has the `period` key).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "figtrail/normalize.hpp"
#include "figtrail/period.hpp"

namespace fs = std::filesystem;
using figtrail::Period;

namespace {

figtrail::Document doc_of(const std::string& text) {
  return figtrail::make_document("test.txt", text, figtrail::SourceFormat::PlainText);
}

// The period of the nth occurrence of `figure` in `text`, as its label or
// "null".
std::optional<Period> period_at(const std::string& text, const std::string& figure, int nth = 0) {
  const figtrail::Document doc = doc_of(text);
  std::size_t at = doc.folded.text.find(figure);
  for (int i = 0; i < nth && at != std::string::npos; ++i) at = doc.folded.text.find(figure, at + 1);
  REQUIRE(at != std::string::npos);
  return figtrail::period_of(doc, {at, at + figure.size()});
}

std::string label_at(const std::string& text, const std::string& figure, int nth = 0) {
  const auto p = period_at(text, figure, nth);
  return p ? p->label : "null";
}

}  // namespace

TEST_CASE("years in English and Chinese", "[period]") {
  CHECK(label_at("Revenue reached $5B in 2025.", "$5B") == "2025");
  CHECK(label_at("2025 revenue was $10B.", "$10B") == "2025");
  CHECK(label_at("In 2024, the market was worth $80B.", "$80B") == "2024");
  CHECK(label_at("2025年全球市场规模为8430亿美元。", "8430亿美元") == "2025");
  CHECK(label_at("2026年AI PC占40%以上出货量", "40%") == "2026");
  CHECK(label_at("$29.3B platform market in 2026", "$29.3B") == "2026");
  CHECK(label_at("The 2026E capex is $700B.", "$700B") == "2026");
  CHECK(label_at("平台市场2025年度营收为30亿元", "30亿元") == "2025");
}

TEST_CASE("a target year is a projection", "[period]") {
  const auto en = period_at("Projected to reach $2.5T by 2033 at a 26–30% CAGR.", "$2.5T");
  REQUIRE(en);
  CHECK(*en == Period{"2033", true});
  CHECK(period_at("Projected to reach $2.5T by 2033 at a 26–30% CAGR.", "26–30%") == Period{"2033", true});
  CHECK(period_at("预计到2033年将达到2.5万亿美元。", "2.5万亿美元") == Period{"2033", true});
  CHECK(period_at("预计以26–30%年复合增速增长至2033年的2.5万亿美元。", "26–30%") == Period{"2033", true});
  CHECK(period_at("Revenue was $5B in 2025.", "$5B") == Period{"2025", false});
  CHECK(period_at("$150B projected US savings by 2026.", "$150B") == Period{"2026", true});
  CHECK(label_at("Capacity worth $5B is pre-committed through 2027.", "$5B") == "2027");
}

TEST_CASE("quarters", "[period]") {
  CHECK(label_at("Revenue was $3B in Q1 2026.", "$3B") == "2026Q1");
  CHECK(label_at("1Q26 revenue of $3B", "$3B") == "2026Q1");
  CHECK(label_at("Q1'26 sales hit $3B", "$3B") == "2026Q1");
  CHECK(label_at("2026 Q3 revenue: $3B", "$3B") == "2026Q3");
  CHECK(label_at("Revenue in the fourth quarter of 2025 rose 12%.", "12%") == "2025Q4");
  CHECK(label_at("2026年第一季度营收为300亿美元。", "300亿美元") == "2026Q1");
  CHECK(label_at("2026年一季度营收300亿美元", "300亿美元") == "2026Q1");
  CHECK(label_at("2026年Q1营收300亿美元", "300亿美元") == "2026Q1");
  CHECK(label_at("现金资产占比已从2021年底的29%降至2025年二季度的15%", "15%") == "2025Q2");
  CHECK(label_at("现金资产占比已从2021年底的29%降至2025年二季度的15%", "29%") == "2021");
}

TEST_CASE("halves", "[period]") {
  CHECK(label_at("H2 2025 sales of $4B", "$4B") == "2025H2");
  CHECK(label_at("1H25 revenue was $4B", "$4B") == "2025H1");
  CHECK(label_at("In the second half of 2025, sales were $4B.", "$4B") == "2025H2");
  CHECK(label_at("2025年下半年出货量增长30%。", "30%") == "2025H2");
  CHECK(label_at("2025年上半年营收50亿元", "50亿元") == "2025H1");
  // A chip name is not a half.
  CHECK(label_at("The H20 sold for $12,000.", "$12,000") == "null");
}

TEST_CASE("fiscal years and fiscal quarters", "[period]") {
  CHECK(label_at("FY2026 revenue: $216B (+65% YoY).", "$216B") == "FY2026");
  CHECK(label_at("FY2026 revenue: $216B (+65% YoY).", "65%") == "FY2026");
  CHECK(label_at("FY2026营收2160亿美元,同比增65%。", "65%") == "FY2026");
  CHECK(label_at("Fiscal 2026 revenue of $12B", "$12B") == "FY2026");
  CHECK(label_at("FY26 Q2 revenue was $30B", "$30B") == "FY2026Q2");
  CHECK(label_at("FY2026 Q2 revenue was $30B", "$30B") == "FY2026Q2");
  CHECK(label_at("2026财年营收2160亿美元", "2160亿美元") == "FY2026");
  CHECK(label_at("2026财年第二季度营收500亿美元，同比增长56%。", "56%") == "FY2026Q2");
}

TEST_CASE("spans of years", "[period]") {
  CHECK(label_at("2026年至2028年累计投资1000亿美元。", "1000亿美元") == "2026-2028");
  CHECK(label_at("Over 2026–2028, capex will total $300B.", "$300B") == "2026-2028");
  CHECK(label_at("Spending will total $50B from 2026 through 2028.", "$50B") == "2026-2028");
  CHECK(label_at("2023-2024年，中国宣布了500亿元的新项目", "500亿元") == "2023-2024");
  CHECK(label_at("Hype era (2022–23) saw $90B of deals.", "$90B") == "2022-2023");
  // Two years compared in one clause make a span; the next clause keeps it.
  const std::string compared = "2020年数据中心工作负载约为2010年的九倍，但电力需求仅增加10%。";
  CHECK(label_at(compared, "10%") == "2010-2020");
  // A range of amounts is not a span of years.
  CHECK(label_at("投资已增加2000-3000亿美元", "2000-3000亿美元") == "null");
}

TEST_CASE("trailing twelve months", "[period]") {
  CHECK(label_at("Private funding over the trailing twelve months reached $150B.", "$150B") == "TTM");
  CHECK(label_at("Private Funding (TTM): $150B+ i", "$150B+") == "TTM");
  CHECK(label_at("$150B in private AI funding over TTM.", "$150B") == "TTM");
  CHECK(label_at("过去12个月融资1500亿美元。", "1500亿美元") == "TTM");
  CHECK(label_at("一级市场融资(近12月):逾1500亿美元 i", "1500亿美元") == "TTM");
  CHECK(label_at("Revenue in the last 12 months was $8B.", "$8B") == "TTM");
}

TEST_CASE("no period, dates, citations and relative times", "[period]") {
  CHECK_FALSE(period_at("The company raised $5B.", "$5B"));
  CHECK_FALSE(period_at("Axelera AI完成2.5亿美元融资。", "2.5亿美元"));
  // A date is not a period for other sentences.
  CHECK_FALSE(period_at("Updated Feb 26, 2026. The company raised $5B.", "$5B"));
  CHECK_FALSE(period_at("更新于2026年4月。公司融资5亿美元。", "5亿美元"));
  // A citation's year is not a period.
  CHECK_FALSE(period_at("Source: IDC, 2026\nThe market is worth $5B.", "$5B"));
  CHECK_FALSE(period_at("Margins reached 40%. Source: IDC, McKinsey, 2026", "40%"));
  // A year in another sentence does not govern.
  CHECK_FALSE(period_at("2026年，资本市场热情高涨。MatX获得5亿美元融资。", "5亿美元"));
  // Relative times.
  CHECK_FALSE(period_at("Revenue last year was $5B.", "$5B"));
  CHECK_FALSE(period_at("AI contributed ~25% of US GDP growth this year.", "~25%"));
  CHECK_FALSE(period_at("去年营收100亿元。", "100亿元"));
  CHECK_FALSE(period_at("AI今年贡献美国GDP增量约25%。", "25%"));
  CHECK_FALSE(period_at("可能在未来十年内翻三倍，达到5000亿美元", "5000亿美元"));
  CHECK_FALSE(period_at("阿里巴巴计划在未来三年内投资超过500亿美元", "500亿美元"));
  CHECK(label_at("Revenue in 2025 was $5B, while last year it was $4B.", "$4B") == "null");
  CHECK(label_at("Revenue in 2025 was $5B, while last year it was $4B.", "$5B") == "2025");
  const std::string now = "AI芯片市场目前约500亿美元，保守估计到2027年将达到1100亿美元，甚至可能达到4000亿美元。";
  CHECK(label_at(now, "500亿美元") == "null");
  CHECK(label_at(now, "1100亿美元") == "2027");
  CHECK(label_at(now, "4000亿美元") == "2027");
  // A figure that is part of a relative time.
  CHECK_FALSE(period_at("五大企业现金占比降至2025年二季度的15%,微软过去两年也在推进自研芯片", "两年"));
  // An open start is not a period.
  CHECK_FALSE(period_at("美国AI硬件投资自2023年已增加3000亿美元", "3000亿美元"));
  CHECK_FALSE(period_at("Revenue since 2023 has grown by $5B.", "$5B"));
  // A four-digit amount is not a year.
  CHECK_FALSE(period_at("The fund bought 2048 GPUs for $5B.", "$5B"));
  // A URL's digits are not a year.
  CHECK_FALSE(period_at("租金降至7.5万元每月 (https://example.com/2025/03/26/x).", "7.5万元"));
  CHECK(label_at("See xhttp://a.b/2024 revenue 2025 was $5 billion.", "$5 billion") == "2025");
}

TEST_CASE("a URL ends where the matcher's does: at Chinese punctuation", "[period]") {
  // The year after `，` is a cue, not part of the URL before it.
  CHECK(label_at("详见https://example.com/r，2025年营收为100亿元。", "100亿元") == "2025");
  CHECK(label_at("详见www.example.com，2023年营收为100亿元。", "100亿元") == "2023");
}

TEST_CASE("clause scope: comparison bases and asides", "[period]") {
  const std::string en = "Global semiconductor revenues forecast for 2026, up 52.8% YoY from $843B in 2025.";
  CHECK(label_at(en, "52.8%") == "2026");
  CHECK(label_at(en, "$843B") == "2025");
  const std::string zh = "2026年全球半导体收入预测,同比增长52.8%(2025年为8430亿美元)。";
  CHECK(label_at(zh, "52.8%") == "2026");
  CHECK(label_at(zh, "8430亿美元") == "2025");
  CHECK(label_at("2026年全球企业占比,较2024年的55%显著提升", "55%") == "2024");
  // A comparison base governs its own clause only.
  CHECK(label_at("渗透率已从2024年的约29%，仅生成式AI就有望提升劳动生产率15%", "15%") == "null");
  // Figures in brackets take the enclosing clause's period.
  const std::string stack = "Estimated total spending in 2026: hardware ($1.29T semiconductors), infrastructure ($700B capex).";
  CHECK(label_at(stack, "$1.29T") == "2026");
  CHECK(label_at(stack, "$700B") == "2026");
  // `→` separates two figures with their own periods.
  const std::string arrow = "$334B+ in 2025 → $900B+ by 2029 2025年逾3340亿 → 2029年超9000亿美元";
  CHECK(label_at(arrow, "$334B+") == "2025");
  CHECK(label_at(arrow, "$900B+") == "2029");
  CHECK(label_at(arrow, "3340亿") == "2025");
  CHECK(label_at(arrow, "9000亿美元") == "2029");
  // A cited title after the clause states its period.
  const std::string cited =
      "字节跳动计划投资约200亿美元用于GPU ([ByteDance Plans $20 Billion Capex in 2025, Mostly for AI](https://x.com/a)).";
  CHECK(label_at(cited, "200亿美元") == "2025");
  CHECK(label_at(cited, "$20 Billion") == "2025");
  // English dates what precedes: `in 2024` is $50B's, so $200B looks ahead.
  const std::string grow = "The market will grow from $50B in 2024 to $200B by 2030.";
  CHECK(label_at(grow, "$50B") == "2024");
  CHECK(label_at(grow, "$200B") == "2030");
  CHECK(label_at("Revenue was $5B in 2025 and margin 30%.", "30%") == "2025");
  // A following clause's year does not reach back.
  CHECK(label_at("市场份额约占80%以上,2025年才启动量产。", "80%") == "null");
}

TEST_CASE("cards, captions, headings and table rows", "[period]") {
  const std::string card =
      "Global semiconductor revenues forecast for 2026, up 52.8% YoY. Data center chips alone projected at $477B. "
      "Source: IDC Semiconductor Forecast, Apr 2026\n$1.29T\nSemiconductor revenue 2026 (AI-driven) i\n";
  CHECK(label_at(card, "$477B") == "2026");
  CHECK(label_at(card, "$1.29T") == "2026");
  const std::string label =
      "Aggregated global AI market size estimate for 2025, covering hardware. Projected to reach $2.5T by 2033. "
      "Source: IDC, 2026\nMarket Size: ~$376B → $2.5T by 2033 i\n";
  CHECK(label_at(label, "~$376B") == "2025");
  CHECK(label_at(label, "$2.5T", 1) == "2033");
  const std::string ttm =
      "Total funding raised over the trailing twelve months. AI accounted for 40%+ of VC deployment in this period. "
      "Source: PitchBook, 2026\n";
  CHECK(label_at(ttm, "40%+") == "TTM");
  // Without a citation, a paragraph's opening year does not carry.
  CHECK(label_at("2026年，AI硬件的竞争格局日趋激烈。合作已累计投资达350亿美元。", "350亿美元") == "null");
  // A table header with a year governs its rows.
  const std::string table =
      "Metric2026 ValueWhat it covers\nTotal AI Spending$2T+Everything\nHyperscaler Capex$700BBuild budget\n";
  CHECK(label_at(table, "$2T+") == "2026");
  CHECK(label_at(table, "$700B") == "2026");
  CHECK(label_at("指标2026年规模涵盖范围\nAI总支出逾2万亿美元全栈\n", "2万亿美元") == "2026");
  // Not across a blank line, and not a heading that holds another number.
  CHECK(label_at("Outlook 2026\n\nThe company raised $5B.", "$5B") == "null");
  CHECK(label_at("Top 10 of 2026\nAcme $5B\n", "$5B") == "null");
  // Not for a long paragraph under a short year line.
  const std::string paragraph = "2026\n" + std::string(200, 'x') + " 公司融资5亿美元。";
  CHECK(label_at(paragraph, "5亿美元") == "null");
  // A card governs the label right under it, not a line further down.
  const std::string pair =
      "CAGR for the global AI market through 2033. Source: IDC, 2026\nCAGR: 26–30% i\nThe industry has three phases, 5 eras\n";
  CHECK(label_at(pair, "26–30%") == "2033");
  CHECK(label_at(pair, "5 eras") == "null");
  // The same figure restated in a row's summary column.
  const std::string row = "NVIDIA Upstream FY2026 revenue: $216B (+65% YoY). The kingmaker. $216B revenue";
  CHECK(label_at(row, "$216B", 1) == "FY2026");
}

TEST_CASE("a deadline already past is not a target", "[period]") {
  const std::string text = "Report 2025\n\n到2024年底，至少有150个数据中心投入运行，投资达300亿元。到2027年将达到1100亿美元。";
  CHECK(period_at(text, "300亿元") == Period{"2024", false});
  CHECK(period_at(text, "1100亿美元") == Period{"2027", true});
}

TEST_CASE("Markdown documents and documents without segmentation", "[period]") {
  const auto md = figtrail::make_document(
      "t.md", "Capex of $20B ([ByteDance Plans $20 Billion Capex in 2025](https://example.com/2024/x)).\n",
      figtrail::SourceFormat::Markdown);
  const auto at = md.folded.text.find("$20B");
  REQUIRE(at != std::string::npos);
  const auto p = figtrail::period_of(md, {at, at + 4});
  REQUIRE(p);
  CHECK(p->label == "2025");
  // Out-of-range spans and bare documents give no period and do not crash.
  CHECK_FALSE(figtrail::period_of(md, {at, md.folded.text.size() + 1}));
  figtrail::Document bare;
  bare.folded.text = "Revenue in 2025 was $5B.";
  const auto b = figtrail::period_of(bare, {20, 23});
  REQUIRE(b);
  CHECK(b->label == "2025");
  CHECK(figtrail::document_year(bare) == 2025);
}

TEST_CASE("document_year", "[period]") {
  CHECK(figtrail::document_year(doc_of("AI Industry Landscape 2026\n\nRevenue was $5B in 2024.")) == 2026);
  CHECK(figtrail::document_year(doc_of("Title\nSubtitle\n\n2026年全球AI基础设施新纪元\n\n2025年...")) == 2026);
  CHECK(figtrail::document_year(doc_of("Title\n\nNo year at all: $5B.")) == std::nullopt);
  std::string body = "Title\n\nA\n\nB\n\nC\n\nD\n\nE\n\nF\n\nG\n\n";
  body += "In 2024 it was small. In 2025 it grew. In 2025 it grew more. 2025 was big.";
  CHECK(figtrail::document_year(doc_of(body)) == 2025);
}

TEST_CASE("year_of", "[period]") {
  CHECK(figtrail::year_of(Period{"2025", false}) == 2025);
  CHECK(figtrail::year_of(Period{"2026Q1", false}) == 2026);
  CHECK(figtrail::year_of(Period{"2025H2", false}) == 2025);
  CHECK(figtrail::year_of(Period{"FY2026", false}) == 2026);
  CHECK(figtrail::year_of(Period{"FY2026Q2", false}) == 2026);
  CHECK(figtrail::year_of(Period{"2026-2028", false}) == 2026);
  CHECK(figtrail::year_of(Period{"TTM", false}) == std::nullopt);
  CHECK(figtrail::year_of(Period{"", false}) == std::nullopt);
}

// ---------------------------------------------------------------- corpus

namespace {

struct GoldLine {
  std::size_t begin = 0, end = 0;
  std::string kind, text;
  bool optional = false;
  bool has_period = false;
  std::optional<std::string> period;
};

std::vector<GoldLine> load_gold(const fs::path& path, const std::string& bytes) {
  std::vector<GoldLine> gold;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto j = nlohmann::json::parse(line);
    GoldLine g;
    g.text = j["text"];
    const std::string ctx = j.value("ctx", g.text);
    const auto at = bytes.find(ctx);
    REQUIRE(at != std::string::npos);
    REQUIRE(bytes.find(ctx, at + 1) == std::string::npos);
    const auto off = ctx.find(g.text);
    REQUIRE(off != std::string::npos);
    g.begin = at + off;
    g.end = g.begin + g.text.size();
    g.kind = j["kind"];
    g.optional = j.value("optional", false);
    g.has_period = j.contains("period");
    if (g.has_period && !j["period"].is_null()) g.period = j["period"].get<std::string>();
    gold.push_back(std::move(g));
  }
  return gold;
}

}  // namespace

TEST_CASE("period agreement with the corpus gold", "[period][corpus]") {
  const fs::path corpus = fs::path(FIGTRAIL_SOURCE_DIR) / "corpus";
  std::vector<fs::path> gold_files;
  for (const auto& entry : fs::directory_iterator(corpus / "gold")) {
    if (entry.path().extension() == ".jsonl") gold_files.push_back(entry.path());
  }
  std::sort(gold_files.begin(), gold_files.end());
  REQUIRE(!gold_files.empty());

  int compared = 0, agreed = 0;
  std::ostringstream report;
  for (const fs::path& gold_path : gold_files) {
    const fs::path doc_path = corpus / gold_path.stem();
    const figtrail::Document doc = figtrail::load_document(doc_path);
    const std::vector<GoldLine> gold = load_gold(gold_path, doc.bytes);
    std::vector<bool> used(gold.size(), false);
    for (const figtrail::Figure& f : figtrail::extract_figures(doc)) {
      const std::string kind(figtrail::to_string(f.kind));
      std::optional<std::size_t> hit;
      for (std::size_t i = 0; i < gold.size() && !hit; ++i) {
        if (!used[i] && gold[i].kind == kind && f.source.begin < gold[i].end && gold[i].begin < f.source.end) hit = i;
      }
      if (!hit) continue;
      used[*hit] = true;
      const GoldLine& g = gold[*hit];
      if (g.optional || !g.has_period) continue;
      const auto got = figtrail::period_of(doc, f.folded);
      const std::string got_label = got ? got->label : "null";
      const std::string want_label = g.period.value_or("null");
      ++compared;
      if (got_label == want_label) {
        ++agreed;
      } else {
        report << "  " << doc_path.filename().string() << ": '" << g.text << "' got " << got_label << " want "
               << want_label << "\n";
      }
    }
  }
  const double agreement = compared ? double(agreed) / compared : 0.0;
  std::cout << "period agreement: " << agreed << "/" << compared << " = " << agreement << "\n" << report.str();
  REQUIRE(compared > 0);
  REQUIRE(agreement >= 0.90);
}

// Hidden (run with `test_period "[debug]"`): every figure of every corpus
// document with its period, for reviewing the rules beyond the gold.
TEST_CASE("print every corpus figure with its period", "[.][debug]") {
  const fs::path corpus = fs::path(FIGTRAIL_SOURCE_DIR) / "corpus";
  std::vector<fs::path> docs;
  for (const auto& entry : fs::directory_iterator(corpus)) {
    if (entry.is_regular_file()) docs.push_back(entry.path());
  }
  std::sort(docs.begin(), docs.end());
  for (const fs::path& path : docs) {
    const figtrail::Document doc = figtrail::load_document(path);
    const auto year = figtrail::document_year(doc);
    std::cout << "== " << path.filename().string() << " (document year " << (year ? std::to_string(*year) : "none")
              << ")\n";
    for (const figtrail::Figure& f : figtrail::extract_figures(doc)) {
      const auto p = figtrail::period_of(doc, f.folded);
      std::cout << "  " << f.line << "\t" << f.text << "\t" << (p ? p->label + (p->projection ? " (target)" : "") : "null")
                << "\n";
    }
  }
}

TEST_CASE("a cue is found wherever it stands in a long text", "[period]") {
  // Cues are found by one scan for any rule, then the rules that match
  // there; put each cue after text of every length around 4 and 8 KiB.
  struct Case {
    std::string sentence, figure, label;
  };
  const std::vector<Case> cases{
      {"Revenue in the second half of 2025 was $5B.", "$5B", "2025H2"},
      {"2025年下半年营收为30亿元。", "30亿元", "2025H2"},
      {"FY2026 Q2 sales hit $7B.", "$7B", "FY2026Q2"},
  };
  for (const Case& c : cases) {
    for (const std::size_t boundary : {std::size_t{4096}, std::size_t{8192}}) {
      for (std::size_t lead = boundary - c.sentence.size(); lead <= boundary + 1; ++lead) {
        std::string filler;
        while (filler.size() + 6 < lead) filler += "Note. ";
        filler.resize(lead, ' ');
        INFO(c.sentence << " after " << lead << " bytes");
        CHECK(label_at(filler + c.sentence, c.figure) == c.label);
      }
    }
  }
}

TEST_CASE("a cue rule reads the text before its match", "[period]") {
  // `\bFY` needs a word boundary: after a letter FY2026 is no fiscal year,
  // and the year inside it is read instead.
  CHECK(label_at("FY2026 revenue was $5B.", "$5B") == "FY2026");
  CHECK(label_at("XFY2026 revenue was $5B.", "$5B") == "2026");
  // A target reads as one cue, not as the year inside it.
  const auto target = period_at("到2033年市场规模将达到8430亿美元。", "8430亿美元");
  REQUIRE(target);
  CHECK(target->label == "2033");
  CHECK(target->projection);
}
