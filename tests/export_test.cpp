// `figtrail export` end to end, for documents that are not UTF-8: the
// database keeps every figure's original bytes (so `audit` proves them
// against the file), and export prints them converted to UTF-8, in JSON Lines
// and CSV alike. The real binary (FIGTRAIL_BINARY) runs as a child process in
// a fresh temporary directory. Also the line-length limit, which is checked
// on the raw bytes before decoding.
#include <sqlite3.h>
#include <unicode/ucnv.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "process.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A fresh directory per test (process.hpp); figtrail runs in it with stdin
// from /dev/null, and every run must end in an exit, not a signal.
using figtrail::test::encode;
using figtrail::test::ExitingSandbox;
using figtrail::test::jsonl;
using figtrail::test::parse_csv;
using figtrail::test::Result;
using figtrail::test::sql_rows;

// Whether ICU reads `text` as UTF-8 without an invalid sequence.
bool is_utf8(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* converter = ucnv_open("UTF-8", &status);
  REQUIRE(U_SUCCESS(status));
  ucnv_setToUCallBack(converter, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  std::u16string out(text.size() + 1, u'\0');
  ucnv_toUChars(converter, out.data(), static_cast<int32_t>(out.size()), text.data(),
                static_cast<int32_t>(text.size()), &status);
  ucnv_close(converter);
  return U_SUCCESS(status);
}


// Runs a statement that writes.
void sql_exec(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  INFO(sql << ": " << message);
  REQUIRE(rc == SQLITE_OK);
}

// Over 128 non-ASCII bytes in every encoding, so that detection is sure.
const std::string kSimplified =
    "2024年全球人工智能芯片市场规模达到350亿美元，同比增长42%。Revenue from data center GPUs grew "
    "strongly in Q3, while 中国市场份额下降至12.5%。分析师预计，到2030年市场规模将超过1500亿美元，"
    "年均复合增长率约为30%。公司第三季度营收为181亿美元，净利润同比增长206%。\n";
const std::string kTraditional =
    "2024年全球人工智慧晶片市場規模達到350億美元，同比增長42%。Revenue from data center GPUs grew "
    "strongly in Q3, while 台灣市場份額下降至12.5%。分析師預計，到2030年市場規模將超過1500億美元，"
    "年均複合增長率約為30%。公司第三季度營收為181億美元，淨利潤同比增長206%。\n";
const std::string kJapanese =
    "2024年の世界のAI半導体市場規模は350億美元に達し、前年比42%増加した。Revenue from data center GPUs "
    "grew strongly in Q3, while 日本市場のシェアは12.5%に低下した。アナリストは、2030年までに市場規模が"
    "1500億美元を超え、年平均成長率は約30%になると予測している。第3四半期の売上高は181億美元だった。\n";

struct Input {
  std::string file;
  std::string encoding;  // as stored
  std::string bytes;
  std::string money;     // the 350亿美元 figure, UTF-8
  std::string sentence;  // its sentence, UTF-8
  std::string charset;   // ICU name, to encode a text as the file does
};

}  // namespace

TEST_CASE("export prints UTF-8 for documents stored in other encodings and formats; audit proves the original bytes",
          "[export][encodings]") {
  const std::string simplified_sentence = "2024年全球人工智能芯片市场规模达到350亿美元，同比增长42%。";
  const std::string traditional_sentence = "2024年全球人工智慧晶片市場規模達到350億美元，同比增長42%。";
  const std::vector<Input> inputs{
      {"gb18030.txt", "GB18030", encode("GB18030", kSimplified), "350亿美元", simplified_sentence, "GB18030"},
      {"big5.txt", "Big5", encode("Big5", kTraditional), "350億美元", traditional_sentence, "Big5"},
      {"utf16le.txt", "UTF-16LE", "\xFF\xFE" + encode("UTF-16LE", kSimplified), "350亿美元", simplified_sentence,
       "UTF-16LE"},
      {"utf16be.txt", "UTF-16BE", "\xFE\xFF" + encode("UTF-16BE", kSimplified), "350亿美元", simplified_sentence,
       "UTF-16BE"},
      {"utf8.txt", "UTF-8", kSimplified, "350亿美元", simplified_sentence, "UTF-8"},
      {"shift_jis.txt", "Shift_JIS", encode("Shift_JIS", kJapanese), "350億美元",
       "2024年の世界のAI半導体市場規模は350億美元に達し、前年比42%増加した。", "Shift_JIS"},
      // HTML declaring GB2312 (read as GB18030), and Markdown in Big5: spans
      // point at the raw file's bytes.
      {"report.html", "GB18030",
       encode("GB18030", "<!doctype html><html><head><meta charset=\"gb2312\"><title>报告</title></head>"
                         "<body><h1>芯片市场</h1>\n<p>" + kSimplified + "</p></body></html>\n"),
       "350亿美元", simplified_sentence, "GB18030"},
      {"report.md", "Big5", encode("Big5", "# 晶片市場\n\n" + kTraditional), "350億美元", traditional_sentence,
       "Big5"},
  };
  ExitingSandbox box("export-test");
  std::vector<std::string> ingest{"ingest", "--db", "t.db", "--quiet"};
  std::map<std::string, const Input*> by_file;
  for (const Input& input : inputs) {
    box.write(input.file, input.bytes);
    ingest.push_back(input.file);
    by_file[input.file] = &input;
  }
  const Result ingested = box.run(ingest);
  INFO(ingested.out << ingested.err);
  REQUIRE(ingested.status == 0);

  // The database: each document's encoding; the figure's original bytes.
  for (const Input& input : inputs) {
    INFO(input.file);
    const auto rows = sql_rows(box / "t.db",
                               "SELECT d.encoding, d.encoding_confidence >= 60, f.text FROM documents d"
                               " JOIN figures f ON f.document_id = d.id"
                               " WHERE d.path = '" + input.file + "' AND f.kind = 'money' ORDER BY f.byte_start");
    REQUIRE_FALSE(rows.empty());
    CHECK(rows[0] == std::vector<std::string>{input.encoding, "1", encode(input.charset.c_str(), input.money)});
  }

  // extract prints the same UTF-8 text for every figure.
  std::map<std::pair<std::string, std::size_t>, std::string> extracted;
  std::vector<std::string> extract_args{"extract"};
  for (const Input& input : inputs) extract_args.push_back(input.file);
  const Result extract = box.run(extract_args);
  REQUIRE(extract.status == 0);
  for (const json& j : jsonl(extract.out)) {
    extracted[{j.at("doc").get<std::string>(), j.at("byte_start").get<std::size_t>()}] = j.at("text");
  }

  SECTION("JSON Lines") {
    const Result r = box.run({"export", "--db", "t.db"});
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    CHECK(is_utf8(r.out));
    const std::vector<json> figures = jsonl(r.out);
    CHECK(figures.size() == extracted.size());
    std::map<std::string, int> money_found;
    for (const json& f : figures) {
      const std::string doc = f.at("doc");
      const Input& input = *by_file.at(doc);
      const std::string text = f.at("text");
      const auto start = f.at("byte_start").get<std::size_t>();
      const auto end = f.at("byte_end").get<std::size_t>();
      INFO(doc << " " << f.dump());
      CHECK(text.find("\xEF\xBF\xBD") == std::string::npos);  // no U+FFFD
      CHECK(extracted[{doc, start}] == text);
      CHECK(f.at("encoding") == input.encoding);
      // A byte order mark or valid UTF-8 is sure; a detection at least 60.
      if (input.charset.rfind("UTF-", 0) == 0) {
        CHECK(f.at("encoding_confidence") == 100);
      } else {
        CHECK(f.at("encoding_confidence").get<int>() >= 60);
        CHECK(f.at("encoding_confidence").get<int>() <= 100);
      }
      // The span is the text's bytes in the file's own encoding.
      CHECK(input.bytes.substr(start, end - start) == encode(input.charset.c_str(), text));
      if (text == input.money) {
        ++money_found[doc];
        CHECK(f.at("sentence") == input.sentence);
      }
    }
    for (const Input& input : inputs) CHECK(money_found[input.file] == 1);
  }

  SECTION("CSV") {
    const Result r = box.run({"export", "--db", "t.db", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(is_utf8(r.out));
    const auto rows = parse_csv(r.out);
    REQUIRE(rows.size() == extracted.size() + 1);
    std::map<std::string, int> money_found;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const auto& row = rows[i];
      REQUIRE(row.size() == rows[0].size());
      // document, sha256, kind, text, ..., byte_start (17), byte_end, line, rule, sentence (21), encoding,
      // encoding_confidence
      REQUIRE(row.size() == 24);
      INFO(row[0] << " " << row[3]);
      CHECK(extracted[{row[0], std::stoul(row[17])}] == row[3]);
      CHECK(row[22] == by_file.at(row[0])->encoding);
      if (by_file.at(row[0])->charset.rfind("UTF-", 0) == 0) CHECK(row[23] == "100");
      if (row[3] == by_file.at(row[0])->money) {
        ++money_found[row[0]];
        CHECK(row[21] == by_file.at(row[0])->sentence);
      }
    }
    for (const Input& input : inputs) CHECK(money_found[input.file] == 1);
  }

  SECTION("audit proves the stored original bytes") {
    const Result r = box.run({"audit", "--db", "t.db"});
    CHECK(r.status == 0);
    CHECK(r.out == "audit: " + std::to_string(inputs.size()) + " documents, " + std::to_string(extracted.size()) +
                   " figures checked, 0 mismatches\n");
  }
}

TEST_CASE("export replaces invalid UTF-8 bytes of a UTF-8 document, in CSV too", "[export]") {
  ExitingSandbox box("export-test");
  box.write("notes.txt", "Margins rose 5% in 2024 \xFF\xFE after a bad year.\n");
  REQUIRE(box.run({"ingest", "--db", "t.db", "notes.txt"}).status == 0);
  const std::string sentence = "Margins rose 5% in 2024 \xEF\xBF\xBD\xEF\xBF\xBD after a bad year.";

  const Result csv = box.run({"export", "--db", "t.db", "--format", "csv"});
  REQUIRE(csv.status == 0);
  CHECK(is_utf8(csv.out));
  const auto rows = parse_csv(csv.out);
  REQUIRE(rows.size() == 2);
  REQUIRE(rows[1].size() == 24);
  CHECK(rows[1][3] == "5%");
  CHECK(rows[1][21] == sentence);

  const Result jsonl_out = box.run({"export", "--db", "t.db"});
  REQUIRE(jsonl_out.status == 0);
  const std::vector<json> figures = jsonl(jsonl_out.out);
  REQUIRE(figures.size() == 1);
  CHECK(figures[0].at("sentence") == sentence);
}

TEST_CASE("export prints no encoding for a document stored before schema version 3", "[export]") {
  ExitingSandbox box("export-test");
  box.write("notes.txt", "Margins rose 5% in 2024.\n");
  REQUIRE(box.run({"ingest", "--db", "t.db", "notes.txt"}).status == 0);
  // As the upgrade from version 2 leaves the documents it stored.
  sql_exec(box / "t.db", "UPDATE documents SET encoding = NULL, encoding_confidence = NULL");

  const Result jsonl_out = box.run({"export", "--db", "t.db"});
  REQUIRE(jsonl_out.status == 0);
  const std::vector<json> figures = jsonl(jsonl_out.out);
  REQUIRE(figures.size() == 1);
  CHECK(figures[0].at("text") == "5%");
  CHECK(figures[0].at("encoding").is_null());
  CHECK(figures[0].at("encoding_confidence").is_null());

  const Result csv = box.run({"export", "--db", "t.db", "--format", "csv"});
  REQUIRE(csv.status == 0);
  const auto rows = parse_csv(csv.out);
  REQUIRE(rows.size() == 2);
  REQUIRE(rows[1].size() == 24);
  CHECK(rows[0][22] == "encoding");
  CHECK(rows[0][23] == "encoding_confidence");
  CHECK(rows[1][3] == "5%");
  CHECK(rows[1][22].empty());
  CHECK(rows[1][23].empty());
}

TEST_CASE("--max-line-length is checked on the raw bytes, before decoding", "[export][limits]") {
  ExitingSandbox box("export-test");

  SECTION("a refused long line costs about its bytes in memory, not a decoded document") {
    // Decoding and folding a line costs about 15 bytes of memory per byte
    // (folded text, offset map, segmentation); the refusal reads the file
    // and scans it once. The bound leaves room for the string's growth
    // while reading and for a sanitizer's quarantine and shadow memory.
    constexpr std::size_t kSize = 32'000'000;
    std::string line;
    line.reserve(kSize + 1);
    while (line.size() < kSize) line += "Revenue grew 7% ";
    line.resize(kSize);
    box.write("big.txt", line + "\n");
    const Result r = box.run({"extract", "--max-line-length", "1048576", "big.txt"});
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "figtrail: big.txt: line 1 is 32000000 bytes long; the limit is 1048576, see --max-line-length\n");
    INFO("peak RSS " << r.max_rss_kib << " KiB");
    CHECK(r.max_rss_kib < static_cast<long>(6 * kSize / 1024 + 48 * 1024));
  }

  SECTION("UTF-8: a line of exactly the limit passes, one byte more is refused; lines are counted") {
    box.write("a.txt", "Up 5%.\n" + std::string(96, 'x') + " 6%\n");  // line 2: 99 bytes
    CHECK(box.run({"extract", "--max-line-length", "99", "a.txt"}).status == 0);
    const Result r = box.run({"extract", "--max-line-length", "98", "a.txt"});
    CHECK(r.status == 1);
    CHECK(r.err == "figtrail: a.txt: line 2 is 99 bytes long; the limit is 98, see --max-line-length\n");
  }

  SECTION("UTF-16: lines end at the code unit U+000A, measured in bytes") {
    // 上 is U+4E0A: the byte 0x0A in every one of them, never a line feed.
    std::string text = "Up 5%.\n";
    for (int i = 0; i < 500; ++i) text += "上";
    text += " 7%\n";  // line 2: 503 code units, 1006 bytes
    box.write("le.txt", "\xFF\xFE" + encode("UTF-16LE", text));
    box.write("be.txt", "\xFE\xFF" + encode("UTF-16BE", text));
    for (const std::string file : {"le.txt", "be.txt"}) {
      INFO(file);
      CHECK(box.run({"extract", "--max-line-length", "1006", file}).status == 0);
      const Result r = box.run({"extract", "--max-line-length", "1005", file});
      CHECK(r.status == 1);
      CHECK(r.err == "figtrail: " + file + ": line 2 is 1006 bytes long; the limit is 1005, see --max-line-length\n");
    }
    // The byte order mark counts in line 1: 2 + 6 × 2 bytes ("Up 5%.").
    const Result bom = box.run({"extract", "--max-line-length", "13", "le.txt"});
    CHECK(bom.err == "figtrail: le.txt: line 1 is 14 bytes long; the limit is 13, see --max-line-length\n");
  }

  SECTION("GB18030: measured in the file's bytes, not in UTF-8's") {
    std::string text;
    for (int i = 0; i < 300; ++i) text += "上涨";  // 2 bytes each in GB18030, 3 in UTF-8
    text += "7%\n";
    box.write("gb.txt", encode("GB18030", text));
    CHECK(box.run({"extract", "--encoding", "GB18030", "--max-line-length", "1202", "gb.txt"}).status == 0);
    const Result r = box.run({"extract", "--encoding", "GB18030", "--max-line-length", "1201", "gb.txt"});
    CHECK(r.status == 1);
    CHECK(r.err == "figtrail: gb.txt: line 1 is 1202 bytes long; the limit is 1201, see --max-line-length\n");
  }
}
