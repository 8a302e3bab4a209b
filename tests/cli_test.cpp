// End-to-end tests of the figtrail command line: the real binary
// (FIGTRAIL_BINARY) runs as a child process in a fresh temporary directory;
// its stdout, stderr and exit status are checked exactly.
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::string_literals;

namespace {

// ---------------------------------------------------------------------------
// Fixtures: a temporary directory per test, files, and running the binary
// (process.hpp).

using figtrail::test::jsonl;
using figtrail::test::parse_csv;
using figtrail::test::Result;

// Every run must end in an exit, not a signal. run(args) runs `figtrail
// args...` with work() as its current directory and stdin from /dev/null.
class Sandbox : public figtrail::test::ExitingSandbox {
 public:
  Sandbox() : ExitingSandbox("cli-test") {}

  // Runs figtrail with standard input read from `stdin_file` (relative to
  // the work directory), or /dev/null when empty.
  Result run_with_stdin(const std::vector<std::string>& args, const std::string& stdin_file) {
    return run(args, stdin_file);
  }
};

// ---------------------------------------------------------------------------
// Expected figures (output parsing: process.hpp).

struct Expect {
  std::string kind;
  std::string text;
  std::size_t start;
  std::size_t end;
  json value;  // null for a range
  json low;    // null unless a range
  json high;
  std::string unit;
  json qualifier;  // null for none
  json per;        // null for none
  std::size_t line;
  json period = nullptr;  // null when the text gives none
  bool projection = false;
  int fx_year = 2025;     // money: the rate's year (the table's latest when the text names none)
};

// The JSON object `extract` prints for a figure, without `rule` (a rule name
// is an implementation detail; its presence is checked separately).
json expected_json(const std::string& doc, const Expect& e) {
  json j;
  j["doc"] = doc;
  j["kind"] = e.kind;
  j["text"] = e.text;
  j["byte_start"] = e.start;
  j["byte_end"] = e.end;
  if (!e.value.is_null()) j["value"] = e.value;
  if (!e.low.is_null()) j["low"] = e.low;
  if (!e.high.is_null()) j["high"] = e.high;
  j["unit"] = e.unit;
  j["qualifier"] = e.qualifier;
  j["per"] = e.per;
  j["line"] = e.line;
  j["period"] = e.period;
  j["projection"] = e.projection;
  if (e.kind == "money") {
    // Every money figure here is in US dollars: rate 1, value_usd = value.
    REQUIRE(e.unit == "USD");
    if (!e.value.is_null()) j["value_usd"] = e.value.get<double>();
    if (!e.low.is_null()) j["low_usd"] = e.low.get<double>();
    if (!e.high.is_null()) j["high_usd"] = e.high.get<double>();
    j["fx_rate"] = 1.0;
    j["fx_year"] = e.fx_year;
  }
  return j;
}

// Checks one printed figure: exact fields (compared as dumped JSON, so that
// 35000000000 printed as 3.5e10 or 35000000000.0 fails), a non-empty rule,
// and that the file's bytes at [byte_start, byte_end) are its text.
void check_figure(const json& actual, const std::string& doc, const Expect& e, const std::string& file_bytes) {
  INFO("figure " << actual.dump());
  REQUIRE(actual.is_object());
  REQUIRE(actual.contains("rule"));
  REQUIRE(actual["rule"].is_string());
  CHECK_FALSE(actual["rule"].get<std::string>().empty());
  json without_rule = actual;
  without_rule.erase("rule");
  // export's document fields (checked by its tests); extract has none.
  without_rule.erase("sha256");
  without_rule.erase("sentence");
  without_rule.erase("encoding");
  without_rule.erase("encoding_confidence");
  CHECK(without_rule.dump() == expected_json(doc, e).dump());
  const auto start = actual.at("byte_start").get<std::size_t>();
  const auto end = actual.at("byte_end").get<std::size_t>();
  REQUIRE(start <= end);
  REQUIRE(end <= file_bytes.size());
  CHECK(file_bytes.substr(start, end - start) == actual.at("text").get<std::string>());
}

void check_figures(const std::vector<json>& actual, const std::string& doc, const std::vector<Expect>& expected,
                   const std::string& file_bytes) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) check_figure(actual[i], doc, expected[i], file_bytes);
}

const json kNull = nullptr;

json num(std::int64_t v) { return json(v); }
json num(double v) { return json(v); }

// ---------------------------------------------------------------------------
// The ingest fixture of the database tests.

const std::string kReportA = "营收达350亿美元，同比增长52.8%。\nRevenue was $2.5T, up 26–30%.\n";
// sha256sum of kReportA.
const std::string kReportASha = "ac7e44710fde52f403f4fcc60677989d88c7545b0dfc4ab266bc5aa61067f19a";
const std::vector<Expect> kReportAFigures{
    {"money", "350亿美元", 9, 21, num(std::int64_t{35000000000}), kNull, kNull, "USD", kNull, kNull, 1},
    {"percent", "52.8%", 36, 41, num(52.8), kNull, kNull, "%", kNull, kNull, 1},
    {"money", "$2.5T", 57, 62, num(std::int64_t{2500000000000}), kNull, kNull, "USD", kNull, kNull, 2},
    {"percent", "26–30%", 67, 75, kNull, num(std::int64_t{26}), num(std::int64_t{30}), "%", kNull, kNull, 2},
};
const std::string kSentenceA1 = "营收达350亿美元，同比增长52.8%。";
const std::string kSentenceA2 = "Revenue was $2.5T, up 26–30%.";

const std::string kReportB = "He said \"margins hit 40%\", revenue was $1,200 (up from about $900).\n";
const std::string kReportBSha = "fd15d2acc9368b5b853f7a5a49c2fd3d8cebc11e967be3122e31ae0063c0bbcc";
const std::vector<Expect> kReportBFigures{
    {"percent", "40%", 21, 24, num(std::int64_t{40}), kNull, kNull, "%", kNull, kNull, 1},
    {"money", "$1,200", 39, 45, num(std::int64_t{1200}), kNull, kNull, "USD", kNull, kNull, 1},
    {"money", "about $900", 55, 65, num(std::int64_t{900}), kNull, kNull, "USD", "approx", kNull, 1},
};
const std::string kSentenceB = "He said \"margins hit 40%\", revenue was $1,200 (up from about $900).";

// b.md after an edit.
const std::string kReportB2 = "Margins hit 41%.\n";
const std::string kReportB2Sha = "a944267dfce4267d4ddc23f351dcc21b81d8c22dc091f502acdd3adf2ba24619";

const std::string kCsvHeader =
    "document,sha256,kind,text,value,low,high,unit,qualifier,per,period,projection,value_usd,low_usd,high_usd,"
    "fx_rate,fx_year,byte_start,byte_end,line,rule,sentence,encoding,encoding_confidence";

// reports/a.txt, reports/b.md, and a file a directory walk must skip.
void write_reports(const Sandbox& box) {
  box.write("reports/a.txt", kReportA);
  box.write("reports/b.md", kReportB);
  box.write("reports/skip.csv", "ignored 99%\n");
}

}  // namespace

// ===========================================================================
// 1. Version, help and usage errors.

TEST_CASE("--version prints the project version and exits 0", "[cli]") {
  Sandbox box;
  const Result r = box.run({"--version"});
  CHECK(r.status == 0);
  CHECK(r.out == "figtrail 0.2.0\n");
  CHECK(r.err.empty());
}

TEST_CASE("--help lists every subcommand and exits 0", "[cli]") {
  Sandbox box;
  const Result r = box.run({"--help"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  for (const char* word : {"ingest", "extract", "export", "audit", "--version", "--help", "Exit status"}) {
    INFO(word);
    CHECK(r.out.find(word) != std::string::npos);
  }
}

TEST_CASE("subcommand --help describes its options and exits 0", "[cli]") {
  Sandbox box;
  SECTION("extract") {
    const Result r = box.run({"extract", "--help"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("JSON Lines") != std::string::npos);
    CHECK(r.out.find("paths") != std::string::npos);
  }
  SECTION("export") {
    const Result r = box.run({"export", "--help"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    for (const char* word : {"--db", "--format", "--kind", "jsonl", "csv"}) {
      INFO(word);
      CHECK(r.out.find(word) != std::string::npos);
    }
  }
  SECTION("ingest") {
    const Result r = box.run({"ingest", "--help"});
    CHECK(r.status == 0);
    CHECK(r.out.find("--db") != std::string::npos);
    CHECK(r.out.find("figtrail.db") != std::string::npos);  // the default is shown
  }
  SECTION("audit") {
    const Result r = box.run({"audit", "--help"});
    CHECK(r.status == 0);
    CHECK(r.out.find("--db") != std::string::npos);
  }
}

TEST_CASE("usage errors exit 2 with a message on stderr and nothing on stdout", "[cli]") {
  Sandbox box;
  box.write("a.txt", "Up 5%.\n");
  struct Case {
    std::vector<std::string> args;
    std::string says;  // part of the message
  };
  const std::vector<Case> cases{
      {{}, "A subcommand is required"},
      {{"--bogus"}, ""},
      {{"extract", "--bogus", "a.txt"}, "--bogus"},
      {{"extract"}, "figtrail: no input: give files, directories or --files-from"},
      {{"ingest"}, "figtrail: no input: give files, directories or --files-from"},
      {{"ingest", "-"}, "figtrail: ingest cannot read standard input"},
      {{"export", "--format", "xml"}, "xml"},
      {{"export", "--kind", "dollars"}, "dollars"},
      {{"extract", "a.txt", "--db", "x.db"}, "--db"},  // extract takes no database
      {{"frobnicate"}, ""},
  };
  for (const Case& c : cases) {
    std::string command;
    for (const std::string& a : c.args) command += " " + a;
    INFO("figtrail" << command);
    const Result r = box.run(c.args);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK_FALSE(r.err.empty());
    CHECK(r.err.find(c.says) != std::string::npos);
  }
  CHECK_FALSE(fs::exists(box / "figtrail.db"));  // no usage error touched a database
  CHECK_FALSE(fs::exists(box / "x.db"));
}

// Former bug: usage errors were printed by CLI11 without the "figtrail: "
// prefix, and an unknown first word was reported as "A subcommand is
// required" instead of being named.
TEST_CASE("usage errors are prefixed and name the offending argument", "[cli]") {
  Sandbox box;
  const Result bad_format = box.run({"export", "--format", "xml"});
  CHECK(bad_format.status == 2);
  CHECK(bad_format.err.rfind("figtrail: ", 0) == 0);
  const Result bogus = box.run({"--bogus"});
  CHECK(bogus.status == 2);
  CHECK(bogus.err.find("--bogus") != std::string::npos);
  const Result unknown = box.run({"frobnicate"});
  CHECK(unknown.status == 2);
  CHECK(unknown.err.find("frobnicate") != std::string::npos);
}

// ===========================================================================
// 2-3. extract: exact JSON Lines, spans into the original bytes.

TEST_CASE("extract prints each figure as one exact JSON line", "[cli][extract]") {
  Sandbox box;
  const std::string content = "营收达350亿美元，同比增长52.8%。Revenue was $2.5T, up 26–30%.\n";
  box.write("in/report.txt", content);
  const Result r = box.run({"extract", "in/report.txt"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  const std::vector<json> figures = jsonl(r.out);
  check_figures(figures, "in/report.txt",
                {
                    {"money", "350亿美元", 9, 21, num(std::int64_t{35000000000}), kNull, kNull, "USD", kNull, kNull, 1},
                    {"percent", "52.8%", 36, 41, num(52.8), kNull, kNull, "%", kNull, kNull, 1},
                    {"money", "$2.5T", 56, 61, num(std::int64_t{2500000000000}), kNull, kNull, "USD", kNull, kNull, 1},
                    {"percent", "26–30%", 66, 74, kNull, num(std::int64_t{26}), num(std::int64_t{30}), "%", kNull,
                     kNull, 1},
                },
                content);
  // Exactly these keys: nothing missing, nothing extra.
  const std::set<std::string> single{"doc",       "kind", "text", "byte_start", "byte_end", "value",     "unit",
                                     "qualifier", "per",  "line", "rule",       "period",   "projection"};
  const std::set<std::string> range{"doc",       "kind", "text", "byte_start", "byte_end", "low",        "high", "unit",
                                    "qualifier", "per",  "line", "rule",       "period",   "projection"};
  std::set<std::string> money = single;
  money.insert({"value_usd", "fx_rate", "fx_year"});
  for (std::size_t i = 0; i < figures.size(); ++i) {
    std::set<std::string> keys;
    for (const auto& item : figures[i].items()) keys.insert(item.key());
    CHECK(keys == (i == 3 ? range : i % 2 == 0 ? money : single));
  }
}

TEST_CASE("extract gives the path as given, absolute or relative", "[cli][extract]") {
  Sandbox box;
  box.write("a.txt", "Up 5%.\n");
  const std::string absolute = (box / "a.txt").string();
  const Result r = box.run({"extract", absolute, "./a.txt"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  const std::vector<json> figures = jsonl(r.out);
  REQUIRE(figures.size() == 2);
  check_figure(figures[0], absolute, {"percent", "5%", 3, 5, num(std::int64_t{5}), kNull, kNull, "%", kNull, kNull, 1},
               "Up 5%.\n");
  check_figure(figures[1], "./a.txt", {"percent", "5%", 3, 5, num(std::int64_t{5}), kNull, kNull, "%", kNull, kNull, 1},
               "Up 5%.\n");
}

TEST_CASE("extract and export lines are nlohmann::json's dump of them, paths escaped once per document",
          "[cli][extract][store]") {
  // Lines are written without a JSON tree (cli/json_line.hpp): each must be
  // byte for byte what nlohmann::json dumps (sorted keys, its number and
  // string formats), money ranges, prices and export's fields included, for
  // every figure of a document whose path needs escaping.
  Sandbox box;
  const std::string content =
      "2023年营收达350亿元人民币，欧洲收入€3–4bn，利润率约12.5%，增长26–30%，"
      "API price $0.30/M tokens. Revenue will reach $2.5T by 2033.\n";
  const std::vector<std::string> names{"paths/bad\xFF\xFEname.txt", "paths/q\"uote\\back.txt",
                                       "paths/tab\tctl\x01.txt"};
  for (const std::string& name : names) box.write(name, content);
  // The path as nlohmann::json writes it: escaped, a bad byte as U+FFFD.
  std::set<std::string> expected_docs;
  for (const std::string& name : names) {
    expected_docs.insert(json(name).dump(-1, ' ', false, json::error_handler_t::replace));
  }

  const auto check_lines = [&](const std::string& out, std::size_t fields) {
    std::map<std::string, std::size_t> lines_per_doc;
    for (const std::string& line : figtrail::test::lines_of(out)) {
      INFO(line);
      const json parsed = json::parse(line);
      CHECK(parsed.dump() == line);
      CHECK(parsed.size() >= fields);
      const std::string doc = json(parsed.at("doc")).dump();
      CHECK(expected_docs.count(doc) == 1);
      ++lines_per_doc[doc];
    }
    CHECK(lines_per_doc.size() == names.size());
    for (const auto& [doc, count] : lines_per_doc) CHECK(count == 6);
  };

  const Result extracted = box.run({"extract", "paths"});
  CHECK(extracted.status == 0);
  check_lines(extracted.out, 13);
  CHECK(extracted.out.find(R"("low_usd":)") != std::string::npos);
  CHECK(extracted.out.find(R"("per":"1e6 token")") != std::string::npos);

  REQUIRE(box.run({"ingest", "--db", "t.db", "paths"}).status == 0);
  const Result exported = box.run({"export", "--db", "t.db"});
  CHECK(exported.status == 0);
  check_lines(exported.out, 17);
  CHECK(exported.out.find(R"("encoding":"UTF-8","encoding_confidence":100,)") != std::string::npos);
}

TEST_CASE("extract counts a UTF-8 BOM and CRLF line ends in offsets and lines", "[cli][extract]") {
  Sandbox box;
  const std::string content = "\xEF\xBB\xBFUp 5%.\r\n\r\nDown 6%.\r\n";
  box.write("bom.txt", content);
  const Result r = box.run({"extract", "bom.txt"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  check_figures(jsonl(r.out), "bom.txt",
                {
                    {"percent", "5%", 6, 8, num(std::int64_t{5}), kNull, kNull, "%", kNull, kNull, 1},
                    {"percent", "6%", 18, 20, num(std::int64_t{6}), kNull, kNull, "%", kNull, kNull, 3},
                },
                content);
}

TEST_CASE("extract maps full-width figures back to their full-width bytes", "[cli][extract]") {
  Sandbox box;
  SECTION("full-width digits") {
    const std::string content = "收入３５０亿美元";
    box.write("fw.txt", content);
    const Result r = box.run({"extract", "fw.txt"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    check_figures(jsonl(r.out), "fw.txt",
                  {{"money", "３５０亿美元", 6, 24, num(std::int64_t{35000000000}), kNull, kNull, "USD", kNull, kNull, 1}},
                  content);
  }
  SECTION("full-width digits, point and percent sign; same values as ASCII") {
    const std::string wide = "增长５２．８％，收入３５０亿美元\n";
    const std::string ascii = "增长52.8%，收入350亿美元\n";
    box.write("wide.txt", wide);
    box.write("ascii.txt", ascii);
    const Result r = box.run({"extract", "wide.txt", "ascii.txt"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    const std::vector<json> figures = jsonl(r.out);
    REQUIRE(figures.size() == 4);
    check_figures(std::vector<json>{figures[0], figures[1]}, "wide.txt",
                  {
                      {"percent", "５２．８％", 6, 21, num(52.8), kNull, kNull, "%", kNull, kNull, 1},
                      {"money", "３５０亿美元", 30, 48, num(std::int64_t{35000000000}), kNull, kNull, "USD", kNull, kNull,
                       1},
                  },
                  wide);
    check_figures(std::vector<json>{figures[2], figures[3]}, "ascii.txt",
                  {
                      {"percent", "52.8%", 6, 11, num(52.8), kNull, kNull, "%", kNull, kNull, 1},
                      {"money", "350亿美元", 20, 32, num(std::int64_t{35000000000}), kNull, kNull, "USD", kNull, kNull, 1},
                  },
                  ascii);
  }
}

// ===========================================================================
// 4. Batches with bad inputs.

TEST_CASE("extract reports each bad input once, keeps going, and exits 1", "[cli][extract][errors]") {
  Sandbox box;
  box.write("good.txt", "Up 5%.\n");
  box.write("empty.txt", "");
  box.write("blob.bin", "ab\0cd 5%"s);
  box.write("docs/sub/deep.md", "Deep 7%.\n");
  box.write("docs/inner.txt", "Sales rose 12%.\n");
  box.write("docs/table.csv", "not walked 9%\n");  // not a document name: skipped in a walk
  const Result r = box.run({"extract", "good.txt", "missing.txt", "empty.txt", "blob.bin", "docs"});
  CHECK(r.status == 1);
  CHECK(r.err ==
        "figtrail: missing.txt: no such file or directory\n"
        "figtrail: empty.txt: file is empty\n"
        "figtrail: blob.bin: binary file (NUL byte at offset 2)\n");
  const std::vector<json> figures = jsonl(r.out);
  REQUIRE(figures.size() == 3);
  check_figure(figures[0], "good.txt", {"percent", "5%", 3, 5, num(std::int64_t{5}), kNull, kNull, "%", kNull, kNull, 1},
               "Up 5%.\n");
  // A directory's files in sorted order, named below the path as given.
  check_figure(figures[1], "docs/inner.txt",
               {"percent", "12%", 11, 14, num(std::int64_t{12}), kNull, kNull, "%", kNull, kNull, 1},
               "Sales rose 12%.\n");
  check_figure(figures[2], "docs/sub/deep.md",
               {"percent", "7%", 5, 7, num(std::int64_t{7}), kNull, kNull, "%", kNull, kNull, 1}, "Deep 7%.\n");
}

TEST_CASE("extract: a file named on the command line is read whatever its name", "[cli][extract]") {
  Sandbox box;
  box.write("docs/table.csv", "Up 9%\n");
  const Result r = box.run({"extract", "docs/table.csv"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  check_figures(jsonl(r.out), "docs/table.csv",
                {{"percent", "9%", 3, 5, num(std::int64_t{9}), kNull, kNull, "%", kNull, kNull, 1}}, "Up 9%\n");
}

TEST_CASE("extract: some invalid UTF-8 is a warning, mostly invalid is an error", "[cli][extract][errors]") {
  Sandbox box;
  SECTION("a few bad bytes: figures extracted, warning, exit 0") {
    const std::string content = "\xff\xfe bad 5% ok";
    box.write("u.txt", content);
    const Result r = box.run({"extract", "u.txt"});
    CHECK(r.status == 0);
    CHECK(r.err == "figtrail: u.txt: warning: 2 invalid UTF-8 byte(s) replaced with U+FFFD\n");
    check_figures(jsonl(r.out), "u.txt",
                  {{"percent", "5%", 7, 9, num(std::int64_t{5}), kNull, kNull, "%", kNull, kNull, 1}}, content);
  }
  SECTION("more than 30% bad bytes: not text, exit 1") {
    box.write("bad.txt",
              "a\xff\xff\xff\xff"
              "b");
    box.write("good.txt", "Up 5%.\n");
    const Result r = box.run({"extract", "bad.txt", "good.txt"});
    CHECK(r.status == 1);
    CHECK(r.err == "figtrail: bad.txt: not text (67% of bytes are invalid UTF-8)\n");
    check_figures(jsonl(r.out), "good.txt",
                  {{"percent", "5%", 3, 5, num(std::int64_t{5}), kNull, kNull, "%", kNull, kNull, 1}}, "Up 5%.\n");
  }
  SECTION("a NUL byte after the first 8 KiB is not binary") {
    std::string content = "Up 5%." + std::string(9000, ' ') + "x";
    content += '\0';
    content += "\n";
    box.write("late-nul.txt", content);
    const Result r = box.run({"extract", "late-nul.txt"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    check_figures(jsonl(r.out), "late-nul.txt",
                  {{"percent", "5%", 3, 5, num(std::int64_t{5}), kNull, kNull, "%", kNull, kNull, 1}}, content);
  }
}

// ===========================================================================
// 5. ingest and export.

TEST_CASE("ingest a directory, then export it as JSON Lines and CSV", "[cli][store]") {
  Sandbox box;
  write_reports(box);
  const Result ingest = box.run({"ingest", "--db", "t.db", "reports"});
  CHECK(ingest.status == 0);
  CHECK(ingest.err.empty());
  CHECK(ingest.out ==
        "run 1: 2 stored, 0 unchanged, 0 failed, 7 figures stored\n"
        "database t.db: 2 documents, 4 money, 3 percent\n");
  REQUIRE(fs::exists(box / "t.db"));

  SECTION("jsonl: every figure with its document's sha256, encoding and sentence, ordered by path and offset") {
    const Result r = box.run({"export", "--db", "t.db"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    const std::vector<json> figures = jsonl(r.out);
    REQUIRE(figures.size() == 7);
    check_figures(std::vector<json>(figures.begin(), figures.begin() + 4), "reports/a.txt", kReportAFigures, kReportA);
    check_figures(std::vector<json>(figures.begin() + 4, figures.end()), "reports/b.md", kReportBFigures, kReportB);
    for (std::size_t i = 0; i < figures.size(); ++i) {
      INFO("figure " << i);
      CHECK(figures[i].at("sha256") == (i < 4 ? kReportASha : kReportBSha));
      CHECK(figures[i].at("encoding") == "UTF-8");
      CHECK(figures[i].at("encoding_confidence") == 100);
    }
    CHECK(figures[0].at("sentence") == kSentenceA1);
    CHECK(figures[1].at("sentence") == kSentenceA1);
    CHECK(figures[2].at("sentence") == kSentenceA2);
    CHECK(figures[3].at("sentence") == kSentenceA2);
    for (std::size_t i = 4; i < 7; ++i) CHECK(figures[i].at("sentence") == kSentenceB);

    // The stored figures are the ones extract prints (rule included); the
    // document's fields are export's alone (extract prints no encoding).
    const Result extracted = box.run({"extract", "reports"});
    CHECK(extracted.status == 0);
    const std::vector<json> expected = jsonl(extracted.out);
    REQUIRE(expected.size() == figures.size());
    for (std::size_t i = 0; i < figures.size(); ++i) {
      json stored = figures[i];
      stored.erase("sha256");
      stored.erase("sentence");
      stored.erase("encoding");
      stored.erase("encoding_confidence");
      CHECK(stored.dump() == expected[i].dump());
    }
  }

  SECTION("csv: exact header, one row per figure, RFC 4180 quoting") {
    const Result r = box.run({"export", "--db", "t.db", "--format", "csv"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(r.out.rfind(kCsvHeader + "\r\n", 0) == 0);
    // A text with a comma is quoted; a sentence with quotes doubles them.
    CHECK(r.out.find(",\"$1,200\",1200,,,USD,,,,0,1200.0,,,1.0,2025,39,45,1,") != std::string::npos);
    CHECK(r.out.find(",\"He said \"\"margins hit 40%\"\", revenue was $1,200 (up from about $900).\",UTF-8,100\r\n") !=
          std::string::npos);

    const auto rows = parse_csv(r.out);
    REQUIRE(rows.size() == 8);
    std::string header;
    for (std::size_t i = 0; i < rows[0].size(); ++i) header += (i ? "," : "") + rows[0][i];
    CHECK(header == kCsvHeader);
    // document, sha256, kind, text, value, low, high, unit, qualifier, per,
    // period, projection, value_usd, low_usd, high_usd, fx_rate, fx_year,
    // byte_start, byte_end, line, (rule), sentence, encoding, encoding_confidence
    using Row = std::vector<std::string>;
    const std::vector<Row> expected{
        {"reports/a.txt", kReportASha, "money", "350亿美元", "35000000000", "", "", "USD", "", "", "", "0", "35000000000.0", "", "", "1.0", "2025", "9", "21", "1",
         kSentenceA1},
        {"reports/a.txt", kReportASha, "percent", "52.8%", "52.8", "", "", "%", "", "", "", "0", "", "", "", "", "", "36", "41", "1", kSentenceA1},
        {"reports/a.txt", kReportASha, "money", "$2.5T", "2500000000000", "", "", "USD", "", "", "", "0", "2500000000000.0", "", "", "1.0", "2025", "57", "62", "2",
         kSentenceA2},
        {"reports/a.txt", kReportASha, "percent", "26–30%", "", "26", "30", "%", "", "", "", "0", "", "", "", "", "", "67", "75", "2",
         kSentenceA2},
        {"reports/b.md", kReportBSha, "percent", "40%", "40", "", "", "%", "", "", "", "0", "", "", "", "", "", "21", "24", "1", kSentenceB},
        {"reports/b.md", kReportBSha, "money", "$1,200", "1200", "", "", "USD", "", "", "", "0", "1200.0", "", "", "1.0", "2025", "39", "45", "1", kSentenceB},
        {"reports/b.md", kReportBSha, "money", "about $900", "900", "", "", "USD", "approx", "", "", "0", "900.0", "", "", "1.0", "2025", "55", "65", "1",
         kSentenceB},
    };
    for (std::size_t i = 0; i < expected.size(); ++i) {
      Row row = rows[i + 1];
      INFO("row " << i + 1);
      REQUIRE(row.size() == 24);
      CHECK_FALSE(row[20].empty());  // rule
      row.erase(row.begin() + 20);
      CHECK(row.back() == "100");  // encoding_confidence
      row.pop_back();
      CHECK(row.back() == "UTF-8");  // encoding
      row.pop_back();
      CHECK(row == expected[i]);
    }
  }

  SECTION("--kind percent: only percent figures, in JSON Lines and CSV") {
    const Result r = box.run({"export", "--db", "t.db", "--kind", "percent"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    const std::vector<json> figures = jsonl(r.out);
    REQUIRE(figures.size() == 3);
    check_figures(std::vector<json>{figures[0], figures[1]}, "reports/a.txt", {kReportAFigures[1], kReportAFigures[3]}, kReportA);
    check_figure(figures[2], "reports/b.md", kReportBFigures[0], kReportB);

    const Result csv = box.run({"export", "--db", "t.db", "--kind", "money", "--format", "csv"});
    CHECK(csv.status == 0);
    const auto rows = parse_csv(csv.out);
    REQUIRE(rows.size() == 5);
    for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i].at(2) == "money");

    const Result none = box.run({"export", "--db", "t.db", "--kind", "quantity"});
    CHECK(none.status == 0);
    CHECK(none.out.empty());
    CHECK(none.err.empty());
  }
}

TEST_CASE("re-ingest: unchanged files are skipped, a changed file is replaced", "[cli][store]") {
  Sandbox box;
  write_reports(box);
  REQUIRE(box.run({"ingest", "--db", "t.db", "reports"}).status == 0);
  const Result first_export = box.run({"export", "--db", "t.db"});
  REQUIRE(first_export.status == 0);
  REQUIRE(jsonl(first_export.out).size() == 7);

  const Result again = box.run({"ingest", "--db", "t.db", "reports"});
  CHECK(again.status == 0);
  CHECK(again.err.empty());
  CHECK(again.out ==
        "run 2: 0 stored, 2 unchanged, 0 failed, 0 figures stored\n"
        "database t.db: 2 documents, 4 money, 3 percent\n");
  const Result second_export = box.run({"export", "--db", "t.db"});
  CHECK(second_export.status == 0);
  CHECK(second_export.out == first_export.out);  // same figures, nothing duplicated

  box.write("reports/b.md", kReportB2);
  const Result changed = box.run({"ingest", "--db", "t.db", "reports"});
  CHECK(changed.status == 0);
  CHECK(changed.err.empty());
  CHECK(changed.out ==
        "run 3: 1 stored, 1 unchanged, 0 failed, 1 figure stored\n"
        "database t.db: 2 documents, 2 money, 3 percent\n");
  const Result third_export = box.run({"export", "--db", "t.db"});
  CHECK(third_export.status == 0);
  const std::vector<json> figures = jsonl(third_export.out);
  REQUIRE(figures.size() == 5);
  check_figures(std::vector<json>(figures.begin(), figures.begin() + 4), "reports/a.txt", kReportAFigures, kReportA);
  check_figure(figures[4], "reports/b.md",
               {"percent", "41%", 12, 15, num(std::int64_t{41}), kNull, kNull, "%", kNull, kNull, 1}, kReportB2);
  CHECK(figures[4].at("sha256") == kReportB2Sha);
  CHECK(figures[4].at("sentence") == "Margins hit 41%.");
}

TEST_CASE("ingest stores the good inputs of a batch and exits 1 for the bad ones", "[cli][store][errors]") {
  Sandbox box;
  box.write("good.txt", "Up 5%.\n");
  box.write("empty.txt", "");
  const Result r = box.run({"ingest", "--db", "t.db", "good.txt", "missing.txt", "empty.txt"});
  CHECK(r.status == 1);
  CHECK(r.err ==
        "figtrail: missing.txt: no such file or directory\n"
        "figtrail: empty.txt: file is empty\n");
  CHECK(r.out ==
        "run 1: 1 stored, 0 unchanged, 2 failed, 1 figure stored\n"
        "database t.db: 1 document, 1 percent\n");
  const Result exported = box.run({"export", "--db", "t.db"});
  CHECK(exported.status == 0);
  check_figures(jsonl(exported.out), "good.txt",
                {{"percent", "5%", 3, 5, num(std::int64_t{5}), kNull, kNull, "%", kNull, kNull, 1}}, "Up 5%.\n");
}

TEST_CASE("ingest without --db writes figtrail.db in the current directory", "[cli][store]") {
  Sandbox box;
  box.write("a.txt", "Up 5%.\n");
  const Result r = box.run({"ingest", "a.txt"});
  CHECK(r.status == 0);
  CHECK(r.out ==
        "run 1: 1 stored, 0 unchanged, 0 failed, 1 figure stored\n"
        "database figtrail.db: 1 document, 1 percent\n");
  CHECK(fs::exists(box / "figtrail.db"));
  const Result exported = box.run({"export"});
  CHECK(exported.status == 0);
  CHECK(jsonl(exported.out).size() == 1);
  const Result audit = box.run({"audit"});
  CHECK(audit.status == 0);
  CHECK(audit.out == "audit: 1 document, 1 figure checked, 0 mismatches\n");
}

// ===========================================================================
// 6. audit.

TEST_CASE("audit proves a fresh ingest, then names changed and missing files", "[cli][audit]") {
  Sandbox box;
  write_reports(box);
  REQUIRE(box.run({"ingest", "--db", "t.db", "reports"}).status == 0);

  const Result fresh = box.run({"audit", "--db", "t.db"});
  CHECK(fresh.status == 0);
  CHECK(fresh.err.empty());
  CHECK(fresh.out == "audit: 2 documents, 7 figures checked, 0 mismatches\n");

  // One byte changed: "Revenue" → "revenue".
  std::string changed = kReportA;
  const std::size_t at = changed.find("Revenue");
  REQUIRE(at != std::string::npos);
  changed[at] = 'r';
  box.write("reports/a.txt", changed);
  const Result after_change = box.run({"audit", "--db", "t.db"});
  CHECK(after_change.status == 1);
  CHECK(after_change.out ==
        "MISMATCH reports/a.txt: file changed since ingestion (sha256 ac7e44710fde\u2026 now 805e14e2cc17\u2026)\n"
        "audit: 2 documents, 3 figures checked, 1 mismatch\n");

  // Restored: the audit passes again.
  box.write("reports/a.txt", kReportA);
  const Result restored = box.run({"audit", "--db", "t.db"});
  CHECK(restored.status == 0);
  CHECK(restored.out == "audit: 2 documents, 7 figures checked, 0 mismatches\n");

  fs::remove(box / "reports/b.md");
  const Result after_delete = box.run({"audit", "--db", "t.db"});
  CHECK(after_delete.status == 1);
  CHECK(after_delete.out ==
        "MISMATCH reports/b.md: file is missing\n"
        "audit: 2 documents, 4 figures checked, 1 mismatch\n");
}

// ===========================================================================
// 7. Databases that are not figtrail's, or not there.

TEST_CASE("--db naming a text file fails with one clear line and leaves it alone", "[cli][store][errors]") {
  Sandbox box;
  write_reports(box);
  const std::string notes = "These are my notes, not a database.\nRevenue 5%.\n";
  box.write("notes.txt", notes);
  const std::vector<std::vector<std::string>> commands{
      {"ingest", "--db", "notes.txt", "reports"},
      {"export", "--db", "notes.txt"},
      {"export", "--db", "notes.txt", "--format", "csv"},
      {"audit", "--db", "notes.txt"},
  };
  for (const auto& command : commands) {
    INFO(command[0]);
    const Result r = box.run(command);
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "figtrail: notes.txt: not a SQLite database\n");
  }
  CHECK(box.read("notes.txt") == notes);
  CHECK_FALSE(fs::exists(box / "notes.txt-wal"));
  CHECK_FALSE(fs::exists(box / "notes.txt-journal"));
}

TEST_CASE("audit and export of a database that does not exist", "[cli][store][errors]") {
  Sandbox box;
  SECTION("audit --db missing.db") {
    const Result r = box.run({"audit", "--db", "missing.db"});
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "figtrail: missing.db: no such database\n");
  }
  SECTION("export --db missing.db") {
    const Result r = box.run({"export", "--db", "missing.db"});
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "figtrail: missing.db: no such database\n");
  }
  SECTION("export and audit without --db look for figtrail.db") {
    const Result e = box.run({"export"});
    CHECK(e.status == 1);
    CHECK(e.err == "figtrail: figtrail.db: no such database\n");
    const Result a = box.run({"audit"});
    CHECK(a.status == 1);
    CHECK(a.err == "figtrail: figtrail.db: no such database\n");
  }
  SECTION("ingest into a directory that does not exist") {
    box.write("a.txt", "Up 5%.\n");
    const Result r = box.run({"ingest", "--db", "nodir/t.db", "a.txt"});
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "figtrail: nodir/t.db: cannot open database (unable to open database file)\n");
  }
  // Neither command created the file it was asked to read.
  CHECK_FALSE(fs::exists(box / "missing.db"));
  CHECK_FALSE(fs::exists(box / "figtrail.db"));
}

// Former bug: `--db ""` was accepted; SQLite opens "" as a private temporary
// database, so ingest reported success for figures stored nowhere.
TEST_CASE("an empty --db is a usage error", "[cli][store]") {
  Sandbox box;
  box.write("a.txt", "Up 5%.\n");
  const Result ingest = box.run({"ingest", "--db", "", "a.txt"});
  CHECK(ingest.status == 2);
  const Result exported = box.run({"export", "--db", ""});
  CHECK(exported.status == 2);
}

// Former bug: audit (and export) opened the database read-write and created
// the schema in any blank file. A read-only command must not write to the
// file it reads.
TEST_CASE("audit does not write into the file it audits", "[cli][audit]") {
  Sandbox box;
  box.write("blank.db", "");
  const Result r = box.run({"audit", "--db", "blank.db"});
  CHECK(fs::file_size(box / "blank.db") == 0);
  CHECK(r.status == 1);
}

// ===========================================================================
// 8-9. Not figures; Markdown links.

TEST_CASE("years, dates, model names and standards are not figures", "[cli][extract]") {
  Sandbox box;
  box.write("neg.txt",
            "In 2026, H100 and Qwen 4B shipped on Feb 26, 2026; FY2026 guidance, ISO 42001, Llama-8B, 昇腾950, "
            "2026年第一季度.");
  const Result r = box.run({"extract", "neg.txt"});
  CHECK(r.status == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("Markdown: digits in link targets and URLs are never figures", "[cli][extract][markdown]") {
  Sandbox box;
  SECTION("inline link") {
    const std::string content = "[report 52%](https://example.com/2025/99%) and 7%";
    box.write("m.md", content);
    const Result r = box.run({"extract", "m.md"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    check_figures(jsonl(r.out), "m.md",
                  {
                      {"percent", "52%", 8, 11, num(std::int64_t{52}), kNull, kNull, "%", kNull, kNull, 1},
                      {"percent", "7%", 47, 49, num(std::int64_t{7}), kNull, kNull, "%", kNull, kNull, 1},
                  },
                  content);
  }
  SECTION("bare URL, autolink, image and reference definition") {
    const std::string content =
        "See https://x.com/50% and <http://y.com/7%> and 8%.\n"
        "\n"
        "[r]: https://a.com/30% \"Rising\"\n"
        "![chart 4%](http://i.com/5%.png)\n";
    box.write("links.md", content);
    const Result r = box.run({"extract", "links.md"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    check_figures(jsonl(r.out), "links.md",
                  {
                      {"percent", "8%", 48, 50, num(std::int64_t{8}), kNull, kNull, "%", kNull, kNull, 1},
                      {"percent", "4%", 93, 95, num(std::int64_t{4}), kNull, kNull, "%", kNull, kNull, 4},
                  },
                  content);
  }
  SECTION("a bare URL in plain text") {
    const std::string content = "See https://example.com/2025/99% for 7%.\n";
    box.write("url.txt", content);
    const Result r = box.run({"extract", "url.txt"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    check_figures(jsonl(r.out), "url.txt",
                  {{"percent", "7%", 37, 39, num(std::int64_t{7}), kNull, kNull, "%", kNull, kNull, 1}}, content);
  }
}

// ===========================================================================
// Issue 3: period and US-dollar value on every money figure.

TEST_CASE("money in another currency gets its US-dollar value at the period's rate", "[cli][fx]") {
  Sandbox box;
  box.write("cn.txt", "2023年营收达350亿元人民币。\n");
  const Result r = box.run({"extract", "cn.txt"});
  CHECK(r.status == 0);
  const std::vector<json> figures = jsonl(r.out);
  REQUIRE(figures.size() == 1);
  const json& f = figures[0];
  CHECK(f["unit"] == "CNY");
  CHECK(f["period"] == "2023");
  REQUIRE(f["fx_rate"].is_number());
  CHECK(f["fx_year"] == 2023);
  // The auditor's arithmetic: value / rate.
  CHECK(f["value_usd"].get<double>() == Approx(35000000000.0 / f["fx_rate"].get<double>()).epsilon(1e-12));

  // A user's own table replaces the built-in one.
  box.write("rates.csv", "# Test rates\ncurrency,year,per_usd\nCNY,2023,7\n");
  const Result own = box.run({"extract", "--fx", "rates.csv", "cn.txt"});
  CHECK(own.status == 0);
  const json g = jsonl(own.out).at(0);
  CHECK(g["fx_rate"] == 7.0);
  CHECK(g["value_usd"] == 5000000000.0);

  // A broken table is refused before any work, naming its line.
  box.write("bad.csv", "currency,year,per_usd\nCNY,2023,abc\n");
  const Result bad = box.run({"extract", "--fx", "bad.csv", "cn.txt"});
  CHECK(bad.status == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err == "figtrail: bad.csv:2: rate must be a positive number, got 'abc'\n");
}

TEST_CASE("a projection's period is the target year", "[cli][period]") {
  Sandbox box;
  box.write("p.txt", "Projected to reach $2.5T by 2033.\n");
  const json f = jsonl(box.run({"extract", "p.txt"}).out).at(0);
  CHECK(f["period"] == "2033");
  CHECK(f["projection"] == true);
  CHECK(f["fx_rate"] == 1.0);
}

// ===========================================================================
// Issue 4: where inputs come from, and the limits that bound the work.

TEST_CASE("extract reads standard input as -", "[cli][inputs]") {
  Sandbox box;
  box.write("in.txt", "营收350亿美元\n");
  const Result r = box.run_with_stdin({"extract", "-"}, "in.txt");
  CHECK(r.status == 0);
  const json f = jsonl(r.out).at(0);
  CHECK(f["doc"] == "-");
  CHECK(f["text"] == "350亿美元");
  CHECK(f["byte_start"] == 6);
}

TEST_CASE("--files-from, --include and --exclude choose the inputs", "[cli][inputs]") {
  Sandbox box;
  box.write("d/a.txt", "Up 5%.\n");
  box.write("d/b.txt", "Up 6%.\n");
  box.write("d/sub/c.log", "Up 7%.\n");
  box.write("d/sub/skip.txt", "Up 8%.\n");
  box.write("list.txt", "# inputs\nd/a.txt\n\nd/b.txt\n");
  const Result listed = box.run({"extract", "--files-from", "list.txt"});
  CHECK(listed.status == 0);
  CHECK(jsonl(listed.out).size() == 2);

  const Result globbed = box.run({"extract", "--include", "*.txt", "--include", "*.log", "--exclude", "skip*", "d"});
  CHECK(globbed.status == 0);
  std::vector<std::string> docs;
  for (const json& f : jsonl(globbed.out)) docs.push_back(f["doc"]);
  CHECK(docs == std::vector<std::string>{"d/a.txt", "d/b.txt", "d/sub/c.log"});

  const Result missing_list = box.run({"extract", "--files-from", "nope.txt"});
  CHECK(missing_list.status == 1);
  CHECK(missing_list.err == "figtrail: nope.txt: cannot read the list of paths\n");
}

TEST_CASE("limits refuse a file with a clear message and the batch goes on", "[cli][limits]") {
  Sandbox box;
  box.write("big.txt", std::string(2000, 'x') + " 5%\n");
  box.write("ok.txt", "Up 6%.\n");
  const Result size = box.run({"extract", "--max-file-size", "1000", "big.txt", "ok.txt"});
  CHECK(size.status == 1);
  CHECK(size.err == "figtrail: big.txt: file too large (2004 bytes; the limit is 1000, see --max-file-size)\n");
  CHECK(jsonl(size.out).size() == 1);

  const Result line = box.run({"extract", "--max-line-length", "100", "big.txt"});
  CHECK(line.status == 1);
  CHECK(line.err == "figtrail: big.txt: line 1 is 2003 bytes long; the limit is 100, see --max-line-length\n");

  box.write("many.txt", "1% 2% 3% 4% 5%\n");
  const Result many = box.run({"ingest", "--db", "t.db", "--max-figures", "3", "many.txt", "ok.txt"});
  CHECK(many.status == 1);
  CHECK(many.err ==
        "figtrail: many.txt: cannot extract (more than 3 candidate figures; see --max-figures)\n");
  CHECK(many.out.find("1 stored, 0 unchanged, 1 failed") != std::string::npos);
}

// ===========================================================================
// Issue 5: the parallel pipeline gives the same figures as one thread.

TEST_CASE("extract and ingest give the same figures with 1 and 4 threads", "[cli][jobs]") {
  Sandbox box;
  const fs::path corpus = fs::path(FIGTRAIL_SOURCE_DIR) / "corpus";
  const Result one = box.run({"extract", "--jobs", "1", corpus.string()});
  const Result four = box.run({"extract", "--jobs", "4", corpus.string()});
  CHECK(one.status == 0);
  CHECK(four.status == 0);
  CHECK(one.out.size() > 10000);
  CHECK(one.out == four.out);

  CHECK(box.run({"ingest", "--jobs", "1", "--db", "one.db", corpus.string()}).status == 0);
  CHECK(box.run({"ingest", "--jobs", "4", "--db", "four.db", corpus.string()}).status == 0);
  const Result export_one = box.run({"export", "--db", "one.db", "--format", "csv"});
  const Result export_four = box.run({"export", "--db", "four.db", "--format", "csv"});
  CHECK(export_one.status == 0);
  CHECK(export_one.out == export_four.out);
}
