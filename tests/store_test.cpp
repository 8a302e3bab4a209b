// The store: exact round trips, replace/unchanged semantics, atomicity,
// refusing foreign files, runs/errors bookkeeping and the audit.
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "figtrail/store.hpp"
#include "figtrail/version.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace figtrail;
using figtrail::test::sql_rows;

namespace {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("figtrail-store-test-" + std::to_string(random()) + std::to_string(random()));
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  [[nodiscard]] fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string sql_value(const fs::path& db_path, const std::string& sql) {
  const auto rows = sql_rows(db_path, sql);
  REQUIRE(rows.size() == 1);
  return rows[0].at(0);
}

const std::string kReport = "Funding reached 1.1亿美元 in 2025, and margins rose 0.3–1.5%.\n";
const std::string kReportSha = "53d83d84d571471c2ebdd55a867539f808a425cee32033b42834670db07b6a41";
// kReport with 1.1 changed to 1.2.
const std::string kChangedSha = "65f85629cdfcba8c138ac4fd5d718a0d954ef0d123adcd9f07e94a95b7c074f3";

Figure figure_at(const std::string& text, Kind kind) {
  Figure figure;
  figure.kind = kind;
  figure.text = text;
  const std::size_t begin = kReport.find(text);
  REQUIRE(begin != std::string::npos);
  figure.source = {begin, begin + text.size()};
  figure.line = 1;
  figure.sentence = kReport.substr(0, kReport.size() - 1);
  return figure;
}

Figure money() {
  Figure figure = figure_at("1.1亿美元", Kind::Money);
  figure.value = Decimal{11, 7};
  figure.unit = "USD";
  figure.rule = "money.cjk_magnitude";
  figure.period = "2033";
  figure.projection = true;
  figure.value_usd = 1.1e8;
  figure.fx_rate = 1.0;
  figure.fx_year = 2025;
  return figure;
}

Figure percent_range() {
  Figure figure = figure_at("0.3–1.5%", Kind::Percent);
  figure.low = Decimal{3, -1};
  figure.high = Decimal{15, -1};
  figure.unit = "%";
  figure.qualifier = Qualifier::Approx;
  figure.rule = "percent.range";
  return figure;
}

DocumentRecord report_record(const fs::path& path, const std::string& sha = kReportSha) {
  return {path.string(), sha, kReport.size()};
}

std::size_t figure_rows(const fs::path& db_path) {
  return std::stoul(sql_value(db_path, "SELECT count(*) FROM figures"));
}

// The schema of figtrail 0.1.0 (version 1), before periods and US-dollar values.
const char* const kSchemaV1 = R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  command TEXT NOT NULL,
  pipeline_version TEXT NOT NULL,
  documents_stored INTEGER,
  documents_unchanged INTEGER,
  documents_failed INTEGER,
  figures_stored INTEGER
);
CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  ingested_at TEXT NOT NULL,
  pipeline_version TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id)
);
CREATE TABLE sentences (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  text TEXT NOT NULL,
  UNIQUE (document_id, text)
);
CREATE TABLE figures (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('money', 'percent', 'multiple', 'quantity', 'count')),
  text TEXT NOT NULL,
  byte_start INTEGER NOT NULL,
  byte_end INTEGER NOT NULL,
  line INTEGER NOT NULL,
  sentence_id INTEGER REFERENCES sentences(id),
  value REAL,
  low REAL,
  high REAL,
  value_exact TEXT,
  low_exact TEXT,
  high_exact TEXT,
  unit TEXT NOT NULL,
  qualifier TEXT,
  per TEXT,
  rule TEXT NOT NULL,
  CHECK (byte_start <= byte_end)
);
CREATE INDEX figures_document_id ON figures(document_id);
CREATE INDEX figures_kind ON figures(kind);
CREATE TABLE errors (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  path TEXT NOT NULL,
  message TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE VIEW figures_view AS
SELECT f.id, d.path AS document_path, d.sha256 AS document_sha256, f.document_id,
       f.kind, f.text, f.byte_start, f.byte_end, f.line,
       f.value, f.low, f.high, f.value_exact, f.low_exact, f.high_exact,
       f.unit, f.qualifier, f.per, f.rule, s.text AS sentence
FROM figures f
JOIN documents d ON d.id = f.document_id
LEFT JOIN sentences s ON s.id = f.sentence_id;
)sql";

// Version 2 (figtrail 0.2.0 before issue 4's encodings were stored): version
// 1 with periods and US-dollar values.
const char* const kSchemaV2 = R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  command TEXT NOT NULL,
  pipeline_version TEXT NOT NULL,
  documents_stored INTEGER,
  documents_unchanged INTEGER,
  documents_failed INTEGER,
  figures_stored INTEGER
);
CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  ingested_at TEXT NOT NULL,
  pipeline_version TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id)
);
CREATE TABLE sentences (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  text TEXT NOT NULL,
  UNIQUE (document_id, text)
);
CREATE TABLE figures (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('money', 'percent', 'multiple', 'quantity', 'count')),
  text TEXT NOT NULL,
  byte_start INTEGER NOT NULL,
  byte_end INTEGER NOT NULL,
  line INTEGER NOT NULL,
  sentence_id INTEGER REFERENCES sentences(id),
  value REAL,
  low REAL,
  high REAL,
  value_exact TEXT,
  low_exact TEXT,
  high_exact TEXT,
  unit TEXT NOT NULL,
  qualifier TEXT,
  per TEXT,
  rule TEXT NOT NULL,
  period TEXT,
  projection INTEGER NOT NULL DEFAULT 0,
  value_usd REAL,
  low_usd REAL,
  high_usd REAL,
  fx_rate REAL,
  fx_year INTEGER,
  CHECK (byte_start <= byte_end)
);
CREATE INDEX figures_document_id ON figures(document_id);
CREATE INDEX figures_kind ON figures(kind);
CREATE INDEX figures_sentence_id ON figures(sentence_id);
CREATE TABLE errors (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  path TEXT NOT NULL,
  message TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE VIEW figures_view AS
SELECT f.id, d.path AS document_path, d.sha256 AS document_sha256, f.document_id,
       f.kind, f.text, f.byte_start, f.byte_end, f.line,
       f.value, f.low, f.high, f.value_exact, f.low_exact, f.high_exact,
       f.unit, f.qualifier, f.per, f.period, f.projection,
       f.value_usd, f.low_usd, f.high_usd, f.fx_rate, f.fx_year,
       f.rule, s.text AS sentence
FROM figures f
JOIN documents d ON d.id = f.document_id
LEFT JOIN sentences s ON s.id = f.sentence_id;
PRAGMA application_id = 1179079762;
PRAGMA user_version = 2;
)sql";

// Makes a database file from SQL, as an older figtrail left it.
void make_database(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO((error != nullptr ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// The error SQLite gives for a statement that must fail on a database file.
std::string sql_error(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  std::string message = sqlite3_errmsg(db);
  sqlite3_close(db);
  REQUIRE(rc != SQLITE_OK);
  return message;
}

// A database this figtrail creates, for comparing schemas.
fs::path new_database(const TempDir& dir) {
  const fs::path path = dir / "new.db";
  if (!fs::exists(path)) Database::open(path);
  return path;
}

// Every table's and view's columns, in order ("documents: id INTEGER, ..."),
// and foreign keys ("sentences: ... document_id -> documents(id) CASCADE;"),
// and every index with its columns, those of UNIQUE constraints too: what an
// upgrade must make equal to a new database.
std::vector<std::string> schema_of(const fs::path& db_path) {
  std::vector<std::string> schema;
  for (const auto& object : sql_rows(db_path,
                                     "SELECT type, name FROM sqlite_schema"
                                     " WHERE name NOT LIKE 'sqlite_%' OR type = 'index' ORDER BY type, name")) {
    std::string line = object[0] + " " + object[1] + ":";
    if (object[0] == "index") {
      for (const auto& column :
           sql_rows(db_path, "SELECT name FROM pragma_index_info('" + object[1] + "') ORDER BY seqno")) {
        line += " " + column[0];
      }
    } else {
      for (const auto& column :
           sql_rows(db_path, "SELECT name, type FROM pragma_table_info('" + object[1] + "')")) {
        line += " " + column[0] + " " + column[1] + ",";
      }
      for (const auto& key : sql_rows(db_path, "SELECT \"from\", \"table\", \"to\", on_delete"
                                               " FROM pragma_foreign_key_list('" + object[1] + "')"
                                               " ORDER BY \"from\"")) {
        line += " " + key[0] + " -> " + key[1] + "(" + key[2] + ") " + key[3] + ";";
      }
    }
    schema.push_back(line);
  }
  return schema;
}

}  // namespace

TEST_CASE("a document's figures read back exactly", "[store]") {
  TempDir dir;
  const fs::path db_path = dir / "figtrail.db";
  auto db = Database::open(db_path);
  const auto run = db.begin_run("figtrail ingest report.md");
  const std::vector<Figure> figures{money(), percent_range()};
  REQUIRE(db.store_document(run, report_record(dir / "report.md"), figures) ==
          StoreOutcome::Stored);

  const auto stored = db.figures();
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].document_path == (dir / "report.md").string());
  CHECK(stored[0].document_sha256 == kReportSha);

  const Figure& m = stored[0].figure;
  CHECK(m.kind == Kind::Money);
  CHECK(m.text == "1.1亿美元");
  CHECK(m.source == SourceSpan{16, 16 + std::string("1.1亿美元").size()});
  REQUIRE(m.value);
  CHECK(m.value->to_string() == "110000000");
  CHECK(*m.value == Decimal{110000000, 0});
  CHECK_FALSE(m.low);
  CHECK_FALSE(m.high);
  CHECK(m.unit == "USD");
  CHECK(m.qualifier == Qualifier::None);
  CHECK(m.per.empty());
  CHECK(m.rule == "money.cjk_magnitude");
  CHECK(m.line == 1);
  CHECK(m.sentence == money().sentence);
  CHECK(m.folded == FoldedSpan{});
  CHECK(m.period == "2033");
  CHECK(m.projection);
  CHECK(m.value_usd == 1.1e8);
  CHECK(m.fx_rate == 1.0);
  CHECK(m.fx_year == 2025);

  const Figure& p = stored[1].figure;
  CHECK(p.period.empty());
  CHECK_FALSE(p.projection);
  CHECK_FALSE(p.value_usd);
  CHECK_FALSE(p.fx_rate);
  CHECK(p.fx_year == 0);
  CHECK(p.kind == Kind::Percent);
  CHECK_FALSE(p.value);
  REQUIRE(p.low);
  REQUIRE(p.high);
  CHECK(p.low->to_string() == "0.3");
  CHECK(p.high->to_string() == "1.5");
  CHECK(p.qualifier == Qualifier::Approx);

  // The shared sentence is stored once; REAL columns hold the nearest double.
  CHECK(sql_value(db_path, "SELECT count(*) FROM sentences") == "1");
  CHECK(sql_value(db_path, "SELECT value FROM figures WHERE kind = 'money'") == "110000000.0");
  CHECK(sql_value(db_path, "SELECT qualifier IS NULL AND per IS NULL FROM figures"
                           " WHERE kind = 'money'") == "1");
  CHECK(sql_value(db_path, "SELECT count(*) FROM figures_view WHERE sentence IS NOT NULL"
                           " AND document_sha256 = '" + kReportSha + "'") == "2");

  CHECK(db.document_count() == 1);
  CHECK(db.figures(Kind::Percent).size() == 1);
  CHECK(db.figures(Kind::Count).empty());
  using Counts = std::vector<std::pair<std::string, std::int64_t>>;
  CHECK(db.figure_counts_by_kind() == Counts{{"money", 1}, {"percent", 1}});
  CHECK(db.is_current((dir / "report.md").string(), kReportSha));
  CHECK_FALSE(db.is_current((dir / "report.md").string(), kChangedSha));
  CHECK_FALSE(db.is_current((dir / "other.md").string(), kReportSha));
}

TEST_CASE("exact decimals survive extremes", "[store]") {
  TempDir dir;
  auto db = Database::open(dir / "figtrail.db");
  Figure figure = money();
  figure.value.reset();
  figure.low = Decimal{-15, -1};
  figure.high = Decimal{9, 30};  // 31 digits: more than an int64 holds as text
  Figure tiny = money();
  tiny.value = Decimal{125, -6};
  const std::vector<Figure> figures{figure, tiny};
  db.store_document(db.begin_run("test"), report_record(dir / "r.md"), figures);

  const auto stored = db.figures();
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].figure.low->to_string() == "-1.5");
  CHECK(stored[0].figure.high->mantissa == 9);
  CHECK(stored[0].figure.high->exponent == 30);
  CHECK(stored[1].figure.value->to_string() == "0.000125");
}

TEST_CASE("re-storing a document: unchanged, replaced, atomic", "[store]") {
  TempDir dir;
  const fs::path db_path = dir / "figtrail.db";
  const fs::path report = dir / "report.md";
  auto db = Database::open(db_path);
  const auto run = db.begin_run("test");
  const std::vector<Figure> both{money(), percent_range()};
  REQUIRE(db.store_document(run, report_record(report), both) == StoreOutcome::Stored);

  SECTION("same path and SHA-256: nothing written") {
    const std::string ingested_at = sql_value(db_path, "SELECT ingested_at FROM documents");
    CHECK(db.store_document(run, report_record(report), both) == StoreOutcome::Unchanged);
    CHECK(figure_rows(db_path) == 2);
    CHECK(sql_value(db_path, "SELECT ingested_at FROM documents") == ingested_at);
  }

  SECTION("new content replaces the old figures and sentences") {
    Figure changed = money();
    changed.value = Decimal{12, 7};
    const std::vector<Figure> one{changed};
    CHECK(db.store_document(run, report_record(report, kChangedSha), one) ==
          StoreOutcome::Replaced);
    const auto stored = db.figures();
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].document_sha256 == kChangedSha);
    CHECK(stored[0].figure.value->to_string() == "120000000");
    CHECK(figure_rows(db_path) == 1);
    CHECK(sql_value(db_path, "SELECT count(*) FROM sentences") == "1");
    CHECK(db.document_count() == 1);
  }

  SECTION("another pipeline version re-extracts") {
    sql_rows(db_path, "UPDATE documents SET pipeline_version = 'figtrail-0.0.1'");
    CHECK_FALSE(db.is_current(report.string(), kReportSha));
    CHECK(db.store_document(run, report_record(report), both) == StoreOutcome::Replaced);
    CHECK(sql_value(db_path, "SELECT pipeline_version FROM documents") == kPipelineVersion);
    CHECK(figure_rows(db_path) == 2);
  }

  SECTION("a failing figure leaves the old version intact") {
    Figure broken = percent_range();
    broken.source = {30, 20};  // violates CHECK (byte_start <= byte_end)
    const std::vector<Figure> bad{money(), broken};
    CHECK_THROWS_WITH(
        db.store_document(run, report_record(report, kChangedSha), bad),
        db_path.string() + ": cannot store " + report.string() +
            ": cannot insert a figure (CHECK constraint failed: byte_start <= byte_end)");
    CHECK(db.is_current(report.string(), kReportSha));
    CHECK(db.figures().size() == 2);
    CHECK(db.figures()[0].document_sha256 == kReportSha);
  }

  SECTION("a failing figure leaves a new document absent") {
    Figure broken = money();
    broken.source = {30, 20};
    const std::vector<Figure> bad{percent_range(), broken};
    CHECK_THROWS_AS(db.store_document(run, report_record(dir / "new.md"), bad), StoreError);
    CHECK(db.document_count() == 1);
    CHECK(figure_rows(db_path) == 2);
    CHECK(sql_value(db_path, "SELECT count(*) FROM sentences") == "1");
  }
}

TEST_CASE("opening: schema marker, reopen, refusing foreign files", "[store]") {
  TempDir dir;

  SECTION("a new database is marked as figtrail's and in WAL mode") {
    const fs::path db_path = dir / "figtrail.db";
    {
      auto db = Database::open(db_path);
      db.store_document(db.begin_run("test"), report_record(dir / "r.md"),
                        std::vector<Figure>{money()});
    }
    CHECK(sql_value(db_path, "PRAGMA application_id") == std::to_string(0x46475452));
    CHECK(sql_value(db_path, "PRAGMA user_version") == "4");
    CHECK(sql_value(db_path, "PRAGMA journal_mode") == "wal");
    auto reopened = Database::open(db_path);
    CHECK(reopened.document_count() == 1);
    CHECK(reopened.figures().size() == 1);
  }

  SECTION("a version 1 database is upgraded in place and keeps its figures") {
    const fs::path db_path = dir / "v1.db";
    sqlite3* old = nullptr;
    REQUIRE(sqlite3_open(db_path.c_str(), &old) == SQLITE_OK);
    REQUIRE(sqlite3_exec(old, kSchemaV1, nullptr, nullptr, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_exec(old,
                         "PRAGMA application_id = 1179079762; PRAGMA user_version = 1;"
                         "INSERT INTO documents VALUES (1, 'a.txt', 'ab', 2, 't', 'figtrail-0.1.0', NULL);"
                         "INSERT INTO figures (document_id, kind, text, byte_start, byte_end, line, value,"
                         " value_exact, unit, rule) VALUES (1, 'percent', '5%', 0, 2, 1, 5, '5', '%', 'r')",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(old);
    auto db = Database::open(db_path);
    CHECK(sql_value(db_path, "PRAGMA user_version") == "4");
    const auto figures = db.figures();
    REQUIRE(figures.size() == 1);
    CHECK(figures[0].figure.text == "5%");
    CHECK(figures[0].figure.period.empty());
    CHECK_FALSE(figures[0].figure.value_usd.has_value());
    CHECK(figures[0].document_encoding.empty());
    CHECK(sql_value(db_path, "SELECT count(*) FROM figures_view WHERE period IS NULL"
                             " AND document_encoding IS NULL") == "1");
    CHECK(schema_of(db_path) == schema_of(new_database(dir)));
  }

  SECTION("a text file is not a SQLite database, and stays as it was") {
    const fs::path path = dir / "notes.txt";
    const std::string text = "These are notes, not a database.\n";
    write_bytes(path, text);
    CHECK_THROWS_WITH(Database::open(path), path.string() + ": not a SQLite database");
    CHECK(read_bytes(path) == text);
  }

  SECTION("someone else's SQLite database is refused and not modified") {
    const fs::path path = dir / "other.db";
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts"
                                " VALUES ('Ada')", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(other);
    const std::string before = read_bytes(path);

    CHECK_THROWS_WITH(Database::open(path),
                      path.string() +
                          ": not a figtrail database (application_id 0x00000000, figtrail's is "
                          "0x46475452)");
    CHECK(read_bytes(path) == before);
    CHECK_FALSE(fs::exists(path.string() + "-wal"));
  }

  SECTION("an unopenable path names the path and SQLite's reason") {
    const fs::path path = dir / "missing-dir" / "figtrail.db";
    CHECK_THROWS_WITH(Database::open(path),
                      path.string() + ": cannot open database (unable to open database file)");
  }
}

TEST_CASE("schema version 3: the encoding each document was read in", "[store]") {
  TempDir dir;
  const fs::path report = dir / "report.txt";
  // A version 2 database with one document and its figure.
  const std::string v2_rows =
      "INSERT INTO runs (id, started_at, command, pipeline_version) VALUES (1, 't', 'c', '" +
      std::string(kPipelineVersion) + "');"
      "INSERT INTO documents VALUES (1, '" + report.string() + "', '" + kReportSha + "', " +
      std::to_string(kReport.size()) + ", 't', '" + kPipelineVersion + "', 1);"
      "INSERT INTO figures (document_id, kind, text, byte_start, byte_end, line, value,"
      " value_exact, unit, rule) VALUES (1, 'percent', '5%', 0, 2, 1, 5, '5', '%', 'r');";

  SECTION("a new database has the columns, and the view shows the encoding") {
    const std::vector<std::string> schema = schema_of(new_database(dir));
    CHECK(std::find(schema.begin(), schema.end(),
                    "table documents: id INTEGER, path TEXT, sha256 TEXT, size INTEGER,"
                    " ingested_at TEXT, pipeline_version TEXT, run_id INTEGER, encoding TEXT,"
                    " encoding_confidence INTEGER, run_id -> runs(id) NO ACTION;") != schema.end());
    CHECK(sql_value(new_database(dir), "SELECT count(*) FROM pragma_table_info('figures_view')"
                                      " WHERE name = 'document_encoding'") == "1");
  }

  SECTION("a GB18030 document keeps its encoding and confidence") {
    const fs::path db_path = dir / "figtrail.db";
    auto db = Database::open(db_path);
    const auto run = db.begin_run("test");
    DocumentRecord record = report_record(report);
    record.encoding = "GB18030";
    record.encoding_confidence = 87;
    REQUIRE(db.store_document(run, record, std::vector<Figure>{money()}) == StoreOutcome::Stored);
    DocumentRecord plain = report_record(dir / "plain.txt");
    REQUIRE(db.store_document(run, plain, std::vector<Figure>{money()}) == StoreOutcome::Stored);

    CHECK(sql_rows(db_path, "SELECT path, encoding, encoding_confidence FROM documents ORDER BY path") ==
          std::vector<std::vector<std::string>>{{(dir / "plain.txt").string(), "UTF-8", "100"},
                                                {report.string(), "GB18030", "87"}});
    const auto stored = db.figures();
    REQUIRE(stored.size() == 2);
    CHECK(stored[0].document_encoding == "UTF-8");
    CHECK(stored[0].document_encoding_confidence == 100);
    CHECK(stored[1].document_encoding == "GB18030");
    CHECK(stored[1].document_encoding_confidence == 87);
    CHECK(sql_value(db_path, "SELECT document_encoding FROM figures_view WHERE document_path = '" +
                                 report.string() + "'") == "GB18030");
    CHECK(db.is_current(report.string(), kReportSha));
  }

  SECTION("a version 2 database is upgraded: NULL encodings, re-extracted on the next ingest") {
    const fs::path db_path = dir / "v2.db";
    make_database(db_path, kSchemaV2 + v2_rows);
    auto db = Database::open(db_path);
    CHECK(sql_value(db_path, "PRAGMA user_version") == "4");
    CHECK(schema_of(db_path) == schema_of(new_database(dir)));
    CHECK(sql_value(db_path, "SELECT encoding IS NULL AND encoding_confidence IS NULL FROM documents") == "1");
    const auto old = db.figures();
    REQUIRE(old.size() == 1);
    CHECK(old[0].figure.text == "5%");
    CHECK(old[0].document_encoding.empty());
    CHECK_FALSE(old[0].document_encoding_confidence.has_value());

    // Same path, SHA-256 and pipeline version, but no encoding recorded.
    CHECK_FALSE(db.is_current(report.string(), kReportSha));
    const std::vector<Figure> figures{money(), percent_range()};
    CHECK(db.store_document(db.begin_run("test"), report_record(report), figures) == StoreOutcome::Replaced);
    CHECK(sql_value(db_path, "SELECT encoding || ' ' || encoding_confidence FROM documents") == "UTF-8 100");
    CHECK(db.figures().size() == 2);
    CHECK(db.is_current(report.string(), kReportSha));
    CHECK(db.store_document(db.begin_run("test"), report_record(report), figures) == StoreOutcome::Unchanged);
  }

  SECTION("a version 2 database opened read-only is read as it is, not upgraded") {
    const fs::path db_path = dir / "v2.db";
    make_database(db_path, kSchemaV2 + v2_rows);
    const auto db = Database::open(db_path, Database::Mode::ReadOnly);
    const auto figures = db.figures();
    REQUIRE(figures.size() == 1);
    CHECK(figures[0].document_encoding.empty());
    CHECK_FALSE(figures[0].document_encoding_confidence.has_value());
    CHECK_FALSE(db.is_current(report.string(), kReportSha));
    CHECK(db.audit().documents_checked == 1);
    CHECK(sql_value(db_path, "PRAGMA user_version") == "2");
  }

  SECTION("a version 1 database opened read-only is refused, untouched") {
    const fs::path db_path = dir / "v1.db";
    make_database(db_path, std::string(kSchemaV1) + "PRAGMA application_id = 1179079762; PRAGMA user_version = 1;");
    const std::string before = read_bytes(db_path);
    CHECK_THROWS_WITH(Database::open(db_path, Database::Mode::ReadOnly),
                      db_path.string() +
                          ": unsupported figtrail schema version 1 (this figtrail reads versions 2 to 4;"
                          " an ingest into it upgrades it)");
    CHECK(read_bytes(db_path) == before);
  }

  SECTION("a newer schema is refused") {
    const fs::path db_path = dir / "v5.db";
    make_database(db_path, kSchemaV2 + std::string("PRAGMA user_version = 5;"));
    CHECK_THROWS_WITH(Database::open(db_path),
                      db_path.string() + ": unsupported figtrail schema version 5 (this figtrail reads version 4)");
  }
}

TEST_CASE("schema version 4: sentences without a second copy, kinds checked without IN", "[store]") {
  TempDir dir;
  const fs::path report = dir / "report.txt";
  const std::string pipeline = kPipelineVersion;
  const std::string kind_check =
      "CHECK constraint failed: kind = 'money' OR kind = 'percent' OR kind = 'multiple' OR"
      " kind = 'quantity' OR kind = 'count'";

  SECTION("a version 3 database is upgraded in place, every row kept") {
    // Version 3 was version 2 with the documents' encoding.
    const fs::path db_path = dir / "v3.db";
    make_database(db_path, kSchemaV2 + std::string(
                               "ALTER TABLE documents ADD COLUMN encoding TEXT;"
                               "ALTER TABLE documents ADD COLUMN encoding_confidence INTEGER;"
                               "PRAGMA user_version = 3;"
                               "INSERT INTO runs (id, started_at, command, pipeline_version)"
                               " VALUES (1, 't', 'c', '") + pipeline + "');"
                               "INSERT INTO documents VALUES (1, '" + report.string() + "', '" + kReportSha +
                               "', " + std::to_string(kReport.size()) + ", 't', '" + pipeline + "', 1, 'UTF-8', 100);"
                               "INSERT INTO sentences VALUES (7, 1, 'First.'), (9, 1, 'Second.');"
                               "INSERT INTO figures (id, document_id, kind, text, byte_start, byte_end, line,"
                               " sentence_id, value, value_exact, unit, rule, period, projection, value_usd,"
                               " fx_rate, fx_year) VALUES"
                               " (3, 1, 'percent', '5%', 0, 2, 1, 7, 5, '5', '%', 'r', '2025', 1, NULL, NULL, NULL),"
                               " (4, 1, 'count', '12', 3, 5, 1, 7, 12, '12', 'count', 'r', NULL, 0, NULL, NULL, NULL),"
                               " (5, 1, 'money', '$1', 10, 12, 2, 9, 1, '1', 'USD', 'r', NULL, 0, 1, 1, 2025);");
    auto db = Database::open(db_path);
    CHECK(sql_value(db_path, "PRAGMA user_version") == "4");
    CHECK(schema_of(db_path) == schema_of(new_database(dir)));
    CHECK(sql_rows(db_path, "SELECT id, document_id, text FROM sentences ORDER BY id") ==
          std::vector<std::vector<std::string>>{{"7", "1", "First."}, {"9", "1", "Second."}});
    CHECK(sql_rows(db_path, "SELECT id, kind, text, byte_start, byte_end, line, value_exact, unit, period,"
                            " projection, value_usd, fx_year, sentence FROM figures_view ORDER BY id") ==
          std::vector<std::vector<std::string>>{
              {"3", "percent", "5%", "0", "2", "1", "5", "%", "2025", "1", "NULL", "NULL", "First."},
              {"4", "count", "12", "3", "5", "1", "12", "count", "NULL", "0", "NULL", "NULL", "First."},
              {"5", "money", "$1", "10", "12", "2", "1", "USD", "NULL", "0", "1.0", "2025", "Second."}});
    CHECK(sql_rows(db_path, "PRAGMA foreign_key_check").empty());
    CHECK(sql_value(db_path, "PRAGMA integrity_check") == "ok");
    CHECK(sql_error(db_path, "INSERT INTO figures (document_id, kind, text, byte_start, byte_end, line, unit,"
                             " rule) VALUES (1, 'amount', '5', 0, 1, 1, '%', 'r')") == kind_check);
    CHECK(db.is_current(report.string(), kReportSha));

    // Replacing the document deletes its old sentences and figures through
    // the new tables; the new sentence is numbered after the highest left.
    const std::vector<Figure> figures{money(), percent_range()};
    CHECK(db.store_document(db.begin_run("test"), report_record(report, kChangedSha), figures) ==
          StoreOutcome::Replaced);
    CHECK(sql_rows(db_path, "SELECT id, text FROM sentences") ==
          std::vector<std::vector<std::string>>{{"1", money().sentence}});
    CHECK(sql_rows(db_path, "SELECT text, sentence_id FROM figures ORDER BY byte_start") ==
          std::vector<std::vector<std::string>>{{"1.1亿美元", "1"}, {"0.3–1.5%", "1"}});
  }

  SECTION("a new database: no unique sentence index, kinds checked") {
    const fs::path db_path = new_database(dir);
    CHECK(sql_rows(db_path, "SELECT name FROM pragma_index_list('sentences')") ==
          std::vector<std::vector<std::string>>{{"sentences_document_id"}});
    CHECK(sql_error(db_path, "INSERT INTO figures (document_id, kind, text, byte_start, byte_end, line, unit,"
                             " rule) VALUES (1, 'amount', '5', 0, 1, 1, '%', 'r')") == kind_check);
  }
}

TEST_CASE("many figures: inserted many rows a statement, sentences numbered by the writer", "[store]") {
  TempDir dir;
  const fs::path db_path = dir / "figtrail.db";
  auto db = Database::open(db_path);
  const auto run = db.begin_run("test");
  // 70 figures: two statements of 32 rows, then 6 of one. Three sentences,
  // taken in turn, so a sentence comes back after others.
  const std::vector<std::string> sentences{"First.", "Second.", "Third."};
  std::vector<Figure> figures;
  for (int i = 0; i < 70; ++i) {
    Figure figure = i % 2 == 0 ? money() : percent_range();
    figure.source = {static_cast<std::size_t>(i), static_cast<std::size_t>(i) + 1};
    figure.line = static_cast<std::size_t>(i) + 1;
    figure.text = std::to_string(i);
    figure.sentence = sentences[static_cast<std::size_t>(i) % 3];
    if (figure.value) figure.value = Decimal{i, -1};
    figures.push_back(figure);
  }
  // What another connection reads: each figure's text, value and sentence.
  const auto rows_of = [&db_path](const std::string& path) {
    return sql_rows(db_path, "SELECT text, value_exact, low_exact, high_exact, sentence FROM figures_view"
                             " WHERE document_path = '" + path + "' ORDER BY byte_start");
  };
  std::vector<std::vector<std::string>> expected;
  for (const Figure& figure : figures) {
    expected.push_back({figure.text, figure.value ? figure.value->to_string() : "NULL",
                        figure.low ? figure.low->to_string() : "NULL",
                        figure.high ? figure.high->to_string() : "NULL", figure.sentence});
  }
  const fs::path a = dir / "a.txt";
  const fs::path b = dir / "b.txt";
  REQUIRE(db.store_document(run, report_record(a), figures) == StoreOutcome::Stored);
  REQUIRE(db.store_document(run, report_record(b), figures) == StoreOutcome::Stored);

  SECTION("every figure reads back, each sentence stored once per document") {
    CHECK(rows_of(a.string()) == expected);
    CHECK(rows_of(b.string()) == expected);
    const auto stored = db.figures();
    REQUIRE(stored.size() == 140);
    CHECK(stored[0].figure.value->to_string() == "0");
    CHECK(stored[68].figure.value->to_string() == "6.8");
    CHECK(stored[69].figure.high->to_string() == "1.5");
    CHECK(stored[69].figure.sentence == "First.");
    CHECK(sql_rows(db_path, "SELECT id, document_id, text FROM sentences ORDER BY id") ==
          std::vector<std::vector<std::string>>{{"1", "1", "First."}, {"2", "1", "Second."}, {"3", "1", "Third."},
                                                {"4", "2", "First."}, {"5", "2", "Second."}, {"6", "2", "Third."}});
  }

  SECTION("a replaced document's sentences are numbered after the highest id") {
    std::vector<Figure> changed(figures.begin(), figures.begin() + 40);
    changed[39].sentence = "Fourth.";
    REQUIRE(db.store_document(run, report_record(a, kChangedSha), changed) == StoreOutcome::Replaced);
    CHECK(sql_rows(db_path, "SELECT id, document_id, text FROM sentences ORDER BY id") ==
          std::vector<std::vector<std::string>>{{"4", "2", "First."},  {"5", "2", "Second."}, {"6", "2", "Third."},
                                                {"7", "3", "First."},  {"8", "3", "Second."}, {"9", "3", "Third."},
                                                {"10", "3", "Fourth."}});
    expected.resize(40);
    expected[39].back() = "Fourth.";
    CHECK(rows_of(a.string()) == expected);
    CHECK(sql_value(db_path, "SELECT count(*) FROM figures") == "110");
  }

  SECTION("a failing figure in a statement of many rows, or in one of one, stores none of the document") {
    for (const std::size_t broken : {40, 66}) {
      std::vector<Figure> bad = figures;
      bad[broken].source = {30, 20};  // violates CHECK (byte_start <= byte_end)
      CHECK_THROWS_WITH(db.store_document(run, report_record(dir / "c.txt"), bad),
                        db_path.string() + ": cannot store " + (dir / "c.txt").string() +
                            ": cannot insert a figure (CHECK constraint failed: byte_start <= byte_end)");
      CHECK_THROWS_AS(db.store_document(run, report_record(a, kChangedSha), bad), StoreError);
    }
    CHECK(db.document_count() == 2);
    CHECK(rows_of(a.string()) == expected);
    CHECK(sql_value(db_path, "SELECT count(*) FROM figures") == "140");
    CHECK(sql_value(db_path, "SELECT count(*) FROM sentences") == "6");
  }
}

TEST_CASE("batched transactions: a savepoint per document, commits at the limits", "[store][batch]") {
  TempDir dir;
  const fs::path db_path = dir / "figtrail.db";
  auto db = Database::open(db_path);
  const auto run = db.begin_run("test");
  const std::vector<Figure> both{money(), percent_range()};
  // What another connection sees: committed documents only.
  const auto committed = [&db_path] { return std::stoi(sql_value(db_path, "SELECT count(*) FROM documents")); };
  int stored = 0;
  const auto store = [&](const std::string& name = {}) {
    return db.store_document(run, report_record(dir / (name.empty() ? "d" + std::to_string(++stored) + ".md" : name)),
                             both);
  };
  // The slow start: the first batch holds one document, the next two, ...
  // `documents` more go into batches that are not committed.
  const auto after_slow_start = [&](std::size_t limit) {
    for (std::size_t batch = 1; batch < limit; batch *= 2) {
      for (std::size_t i = 0; i < batch; ++i) store();
    }
    REQUIRE(committed() == stored);
  };

  SECTION("documents: 1, then 2, 4, ... up to max_documents a batch") {
    db.set_batching({6, 0, std::chrono::milliseconds(0)});
    std::vector<int> seen;
    for (int i = 0; i < 20; ++i) {
      store();
      seen.push_back(committed());
    }
    // Commits after documents 1, 3 (1 + 2), 7 (+ 4), 13 (+ 6), 19 (+ 6).
    CHECK(seen == std::vector<int>{1, 1, 3, 3, 3, 3, 7, 7, 7, 7, 7, 7, 13, 13, 13, 13, 13, 13, 19, 19});
    CHECK(db.document_count() == 20);  // the writer sees its own batch
    CHECK(db.is_current((dir / "d20.md").string(), kReportSha));
    db.commit();
    CHECK(committed() == 20);
    db.commit();  // nothing open: nothing to do
    CHECK(figure_rows(db_path) == 40);
  }

  SECTION("by size: max_bytes") {
    db.set_batching({100, 1, std::chrono::milliseconds(0)});
    after_slow_start(100);
    store();
    CHECK(committed() == stored);
  }

  SECTION("by age: not before") {
    db.set_batching({100, 0, std::chrono::hours(1)});
    after_slow_start(4);
    store();
    db.commit_if_due();
    CHECK(committed() == stored - 1);
  }

  SECTION("by age: commit_if_due, and the next store") {
    db.set_batching({100, 0, std::chrono::milliseconds(10)});
    store();  // the first batch: one document
    store();
    CHECK(committed() == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    db.commit_if_due();
    CHECK(committed() == 2);
    store();
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    store();  // the batch is old: committed with this one
    CHECK(committed() == 4);
  }

  SECTION("a failing document rolls back alone; the batch goes on") {
    db.set_batching({100, 0, std::chrono::milliseconds(0)});
    after_slow_start(8);  // 7 documents stored, batches of 8 from now on
    store("a.md");
    Figure broken = percent_range();
    broken.source = {30, 20};  // violates CHECK (byte_start <= byte_end)
    const std::vector<Figure> bad{money(), broken};
    CHECK_THROWS_WITH(db.store_document(run, report_record(dir / "b.md"), bad),
                      db_path.string() + ": cannot store " + (dir / "b.md").string() +
                          ": cannot insert a figure (CHECK constraint failed: byte_start <= byte_end)");
    db.record_error(run, (dir / "b.md").string(), "b.md: cannot store");
    // A failing replacement keeps the old version.
    CHECK_THROWS_AS(db.store_document(run, report_record(dir / "a.md", kChangedSha), bad), StoreError);
    store("c.md");
    CHECK(committed() == 7);
    db.finish_run(run, RunSummary{9, 0, 1, 18});  // commits the batch
    CHECK(committed() == 9);
    CHECK(sql_rows(db_path, "SELECT path, sha256 FROM documents WHERE path NOT LIKE '%/d%' ORDER BY path") ==
          std::vector<std::vector<std::string>>{{(dir / "a.md").string(), kReportSha},
                                                {(dir / "c.md").string(), kReportSha}});
    CHECK(figure_rows(db_path) == 18);
    CHECK(sql_value(db_path, "SELECT count(*) FROM sentences") == "9");
    CHECK(sql_value(db_path, "SELECT count(*) FROM errors") == "1");
    CHECK(sql_value(db_path, "SELECT finished_at IS NOT NULL FROM runs") == "1");
    CHECK(sql_value(db_path, "PRAGMA integrity_check") == "ok");
  }

  SECTION("a failing first document: its transaction is rolled back") {
    db.set_batching({100, 0, std::chrono::milliseconds(0)});
    Figure broken = money();
    broken.source = {30, 20};
    CHECK_THROWS_AS(db.store_document(run, report_record(dir / "b.md"), std::vector<Figure>{broken}), StoreError);
    store();
    CHECK(committed() == 1);
    CHECK(figure_rows(db_path) == 2);
  }

  SECTION("unchanged documents are found within the batch too") {
    db.set_batching({100, 0, std::chrono::milliseconds(0)});
    after_slow_start(8);
    CHECK(store("a.md") == StoreOutcome::Stored);
    CHECK(store("a.md") == StoreOutcome::Unchanged);
    CHECK(db.store_document(run, report_record(dir / "a.md", kChangedSha), both) == StoreOutcome::Replaced);
    CHECK(committed() == stored);
    db.commit();
    CHECK(sql_value(db_path, "SELECT sha256 FROM documents WHERE path LIKE '%/a.md'") == kChangedSha);
    CHECK(figure_rows(db_path) == static_cast<std::size_t>(2 * (stored + 1)));
  }

  SECTION("closing the database with an open batch stores none of it, as a kill would") {
    db.set_batching({100, 0, std::chrono::milliseconds(0)});
    after_slow_start(4);
    store();
    db = Database::open(dir / "other.db");  // the old connection is closed
    CHECK(committed() == stored - 1);
    CHECK(sql_value(db_path, "SELECT count(*) FROM runs") == "1");  // begin_run committed at once
  }

  SECTION("a commit that fails loses the batch, says so, and the next store starts afresh") {
    db.set_batching({100, 0, std::chrono::milliseconds(0)});
    after_slow_start(4);
    store();
    store();
    // Writing the WAL fails: no file may grow past its current size.
    std::error_code ignored;
    const auto wal_size = fs::file_size(db_path.string() + "-wal", ignored);
    rlimit old_limit{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit tight = old_limit;
    tight.rlim_cur = static_cast<rlim_t>(wal_size);
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &tight) == 0);
    std::string message;
    try {
      db.commit();
    } catch (const BatchLost& e) {
      message = e.what();
    }
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    std::signal(SIGXFSZ, old_handler);
    INFO(message);
    CHECK(message.rfind(db_path.string() + ": cannot commit the transaction (", 0) == 0);
    CHECK(message.ends_with("; the 2 documents stored since the last commit are not in the database"));
    CHECK(db.document_count() == stored - 2);
    store("c.md");
    db.commit();
    CHECK(committed() == stored - 2 + 1);
    CHECK(sql_value(db_path, "SELECT count(*) FROM documents WHERE path LIKE '%/c.md'") == "1");
    CHECK(sql_value(db_path, "PRAGMA integrity_check") == "ok");
  }
}

TEST_CASE("runs and errors are recorded", "[store]") {
  TempDir dir;
  const fs::path db_path = dir / "figtrail.db";
  auto db = Database::open(db_path);
  const auto run = db.begin_run("figtrail ingest corpus/");
  db.record_error(run, "corpus/blob.bin", "corpus/blob.bin: binary file");
  db.finish_run(run, RunSummary{3, 2, 1, 40});

  const auto runs = sql_rows(db_path,
                             "SELECT id, command, pipeline_version, documents_stored,"
                             " documents_unchanged, documents_failed, figures_stored,"
                             " started_at <= finished_at, length(started_at) FROM runs");
  REQUIRE(runs.size() == 1);
  CHECK(runs[0] == std::vector<std::string>{std::to_string(run), "figtrail ingest corpus/",
                                            kPipelineVersion, "3", "2", "1", "40", "1", "20"});
  const auto errors = sql_rows(db_path, "SELECT run_id, path, message FROM errors");
  CHECK(errors == std::vector<std::vector<std::string>>{
                      {std::to_string(run), "corpus/blob.bin", "corpus/blob.bin: binary file"}});
  CHECK_THROWS_AS(db.finish_run(run + 1, RunSummary{}), StoreError);
}

TEST_CASE("audit proves spans against the files", "[store]") {
  TempDir dir;
  const fs::path db_path = dir / "figtrail.db";
  const fs::path report = dir / "report.md";
  write_bytes(report, kReport);
  auto db = Database::open(db_path);
  const std::vector<Figure> figures{money(), percent_range()};
  db.store_document(db.begin_run("test"), report_record(report), figures);

  SECTION("untouched file: ok") {
    const AuditReport audit = db.audit();
    CHECK(audit.ok());
    CHECK(audit.documents_checked == 1);
    CHECK(audit.figures_checked == 2);
  }

  SECTION("a changed byte: the file is named, its figures skipped") {
    std::string changed = kReport;
    changed[18] = '2';
    write_bytes(report, changed);
    const AuditReport audit = db.audit();
    CHECK(audit.mismatches == std::vector<std::string>{
                                  report.string() +
                                  ": file changed since ingestion (sha256 53d83d84d571\u2026 now "
                                  "65f85629cdfc\u2026)"});
    CHECK(audit.figures_checked == 0);
  }

  SECTION("a deleted file") {
    fs::remove(report);
    const AuditReport audit = db.audit();
    CHECK(audit.mismatches == std::vector<std::string>{report.string() + ": file is missing"});
    CHECK(audit.documents_checked == 1);
  }

  SECTION("a stored text that is not what the span reads") {
    sql_rows(db_path, "UPDATE figures SET text = '1.9亿美元' WHERE kind = 'money'");
    sql_rows(db_path, "UPDATE figures SET byte_end = 1000 WHERE kind = 'percent'");
    const AuditReport audit = db.audit();
    CHECK(audit.figures_checked == 2);
    CHECK(audit.mismatches ==
          std::vector<std::string>{
              report.string() + ": figure 1 at bytes [16,28) reads \"1.1亿美元\" but stored "
                                "\"1.9亿美元\"",
              report.string() + ": figure 2 at bytes [55,1000) lies outside the file's 67 bytes"});
  }
}
