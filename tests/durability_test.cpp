// Durability of batch ingestion, tested for real: the built figtrail binary
// (FIGTRAIL_BINARY) runs as a child process on a generated batch of a few
// hundred files, is killed with SIGKILL mid-run, runs next to a second
// writer, and re-ingests changed files. After each step the database is read
// directly with SQLite and compared, document by document and figure by
// figure, with a reference database built once without interference (and
// itself checked against `figtrail extract`).
//
// Kill points are set by progress, not by the clock, so that they land
// mid-batch in a release build and under sanitizers, on a fast machine and a
// loaded one alike: the test watches the database as a read-only client and
// kills the child once the database holds a given number of documents, its
// own run having stored at least one of them. Only the early points, meant
// for start-up and schema creation, are times: fractions of how long the
// reference ingest took to store its first document. Some kills wait for
// the child to be inside a write transaction, seen from outside as SQLite's
// WAL write lock (an fcntl lock on byte 120 of the -shm file, probed with
// F_GETLK, which takes no lock): a kill there is what tests that a document
// is stored in one transaction.
//
// Invariants checked after every kill:
//   - PRAGMA integrity_check is "ok" and PRAGMA foreign_key_check is empty;
//   - every stored document is whole: its figures (kind, text, span, line,
//     values, unit, qualifier, rule, period, sentence) are exactly those of
//     the same document in the reference database, and no sentence is left
//     without a figure;
//   - no path is stored twice;
//   - a run that finished has finished_at set, a killed one does not;
//   - `figtrail audit` (a read-only open, as an analyst would do) proves what
//     is stored.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// ---------------------------------------------------------------------------
// Child processes (process.hpp).

using figtrail::test::Child;
using figtrail::test::Result;
using figtrail::test::write_bytes;

class Sandbox : public figtrail::test::Sandbox {
 public:
  Sandbox() : figtrail::test::Sandbox("durability-test") {}
};

// True while some connection holds the write lock of the WAL database whose
// index is `shm`: SQLite's WAL write lock is an fcntl lock on byte 120 of
// the -shm file. F_GETLK only looks; it takes no lock.
bool write_lock_held(const fs::path& shm) {
  const int fd = ::open(shm.c_str(), O_RDONLY);
  if (fd < 0) return false;
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = 120;
  lock.l_len = 1;
  const bool held = ::fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
  ::close(fd);
  return held;
}

// "run 3: 1 stored, 2 unchanged, 0 failed, 5 figures stored" (first line of ingest).
struct Summary {
  long long run = -1, stored = -1, unchanged = -1, failed = -1, figures = -1;
};

Summary parse_summary(const std::string& out) {
  Summary s;
  if (std::sscanf(out.c_str(), "run %lld: %lld stored, %lld unchanged, %lld failed, %lld figure", &s.run, &s.stored,
                  &s.unchanged, &s.failed, &s.figures) != 5) {
    FAIL("not an ingest summary: " << out);
  }
  return s;
}

// ---------------------------------------------------------------------------
// The batch: small reports in Chinese and English, each with its own numbers,
// and every `big_every`-th one long (hundreds of figures, so its transaction
// takes a while and a kill can land inside it).

std::string report_text(int i, int variant = 0) {
  std::ostringstream text;
  text << "# Report " << i << "\n\n"
       << "营收达" << (100 + i + variant * 5000) << "亿美元，同比增长52.8%。\n"
       << "Revenue $2.5T, up 26–30%. Shipments reached " << (i * 7 + 3) << " million units in 2024.\n";
  if (variant != 0) text << "Gross margin rose to " << (40 + variant) << ".5% in 2025.\n";
  return text.str();
}

std::string big_report_text(int i, int paragraphs, int variant = 0) {
  std::ostringstream text;
  text << "# Long report " << i << "\n\n";
  for (int p = 0; p < paragraphs; ++p) {
    text << "第" << (p + 1) << "季度营收达" << (i + p + variant * 5000) << "." << (p % 10) << "亿元，同比增长"
         << (p % 50) << "%。"
         << "Cloud revenue was $" << (i + 3 * p) << "M, about " << (p % 9 + 2) << "x last year's.\n";
  }
  if (variant != 0) text << "Gross margin rose to " << (40 + variant) << ".5% in 2025.\n";
  return text.str();
}

// Writes `count` reports as <dir>/r0000.txt ...; returns their paths relative to work().
std::vector<std::string> make_batch(const Sandbox& box, const std::string& dir, int count, int first = 0,
                                    int big_every = 0, int paragraphs = 150) {
  std::vector<std::string> paths;
  for (int i = first; i < first + count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/r%04d.txt", i);
    const std::string path = dir + name;
    write_bytes(box / path, big_every > 0 && i % big_every == 0 ? big_report_text(i, paragraphs) : report_text(i));
    paths.push_back(path);
  }
  return paths;
}

// ---------------------------------------------------------------------------
// Reading a database directly.

struct StoredDocument {
  std::int64_t id = 0;
  std::string sha256;
  std::int64_t run_id = 0;
  std::string ingested_at;
  std::int64_t figures = 0;
  std::string signature;  // every figure, in span order
};

struct DbState {
  bool exists = false;       // the file exists
  bool hot_journal = false;  // a read-only open failed: a rollback journal must be rolled back first
  bool schema = false;       // it has figtrail's schema
  std::string integrity;
  std::vector<std::string> foreign_key_problems;
  std::int64_t document_rows = 0;
  std::int64_t distinct_paths = 0;
  std::int64_t figure_rows = 0;
  std::int64_t orphan_sentences = 0;
  std::int64_t runs_finished = 0;
  std::int64_t runs_unfinished = 0;
  std::int64_t errors = 0;
  std::map<std::string, StoredDocument> documents;
  std::map<std::int64_t, std::string> figure_ids;  // id -> signature, to see what was rewritten
};

class Reader {
 public:
  // Read-only by default, like an analyst's client: it must cope with
  // whatever a killed writer left behind.
  explicit Reader(const fs::path& path, int flags = SQLITE_OPEN_READONLY) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) FAIL("cannot open " << path << ": " << sqlite3_errstr(rc));
    sqlite3_busy_timeout(db_, 10000);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader() { sqlite3_close_v2(db_); }

  [[nodiscard]] sqlite3* get() const { return db_; }

  // The extended result code of running `sql` to the end.
  int try_run(const char* sql) const {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(db_);
  }

  // All rows, every column as text ("NULL" for NULL).
  std::vector<std::vector<std::string>> rows(const std::string& sql) const {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      const std::string message = sqlite3_errmsg(db_);
      sqlite3_finalize(stmt);
      FAIL("cannot prepare " << sql << ": " << message);
    }
    std::vector<std::vector<std::string>> result;
    int rc = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        row.emplace_back(text == nullptr ? "NULL" : text);
      }
      result.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) FAIL("cannot run " << sql << ": " << sqlite3_errmsg(db_));
    return result;
  }

  std::string value(const std::string& sql) const {
    const auto result = rows(sql);
    if (result.empty() || result[0].empty()) FAIL("no value from " << sql);
    return result[0][0];
  }
  std::int64_t integer(const std::string& sql) const { return std::stoll(value(sql)); }

 private:
  sqlite3* db_ = nullptr;
};

// The first column of the first row of `sql`, or -1 when it cannot be read.
std::int64_t try_integer(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  std::int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  return value;
}

// Watches an ingest from outside, as a read-only client: made before the
// child starts, it notes the last run in the database; stored() then counts
// the documents stored by runs numbered above it, i.e. by the child (killed
// runs keep their numbers). It opens the database only once the -wal file
// exists, i.e. once a writer has put it in WAL mode, and closes it again
// whenever a query fails (no schema yet, busy), so that it never holds a
// lock through the creation of the schema.
class Progress {
 public:
  explicit Progress(fs::path db) : path_(std::move(db)), wal_(path_.string() + "-wal") {
    if (!fs::exists(path_)) return;
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      last_run_ = std::max<std::int64_t>(0, try_integer(db_, "SELECT coalesce(max(id), 0) FROM runs"));
    }
    close();
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() { close(); }

  // Documents stored since; -1 while that cannot be read.
  std::int64_t stored() {
    if (db_ == nullptr) {
      if (!fs::exists(wal_)) return -1;
      if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        close();
        return -1;
      }
    }
    const std::int64_t count =
        try_integer(db_, "SELECT count(*) FROM documents WHERE run_id > " + std::to_string(last_run_));
    if (count < 0) close();
    return count;
  }

  void close() {
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }

 private:
  fs::path path_;
  fs::path wal_;
  std::int64_t last_run_ = 0;
  sqlite3* db_ = nullptr;
};

DbState read_state(const fs::path& path) {
  DbState state;
  if (!fs::exists(path)) return state;
  state.exists = true;
  {
    // A killed writer in rollback-journal mode leaves a journal that only a
    // read-write open can roll back. figtrail switches a new file to WAL
    // before its first table, so this may only happen before the schema.
    const Reader probe(path);
    const int rc = probe.try_run("PRAGMA application_id");
    if (rc == SQLITE_READONLY_ROLLBACK) {
      state.hot_journal = true;
    } else if (rc != SQLITE_OK) {
      FAIL("cannot read " << path << " read-only: " << sqlite3_errstr(rc));
    }
  }
  const Reader db(path, state.hot_journal ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
  // integrity_check first: it reads every page, so a database a killed writer
  // left unrecoverable fails here rather than in a query below.
  state.integrity = db.value("PRAGMA integrity_check");
  state.schema = db.integer("PRAGMA application_id") == 0x46475452 &&
                 db.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'figures'") == 1;
  if (!state.schema) return state;
  for (const auto& row : db.rows("PRAGMA foreign_key_check")) {
    std::string line;
    for (const auto& cell : row) line += cell + " ";
    state.foreign_key_problems.push_back(line);
  }
  state.document_rows = db.integer("SELECT count(*) FROM documents");
  state.distinct_paths = db.integer("SELECT count(DISTINCT path) FROM documents");
  state.figure_rows = db.integer("SELECT count(*) FROM figures");
  state.orphan_sentences = db.integer(
      "SELECT count(*) FROM sentences WHERE id NOT IN (SELECT sentence_id FROM figures"
      " WHERE sentence_id IS NOT NULL) OR document_id NOT IN (SELECT id FROM documents)");
  state.runs_finished = db.integer("SELECT count(*) FROM runs WHERE finished_at IS NOT NULL");
  state.runs_unfinished = db.integer("SELECT count(*) FROM runs WHERE finished_at IS NULL");
  state.errors = db.integer("SELECT count(*) FROM errors");

  const auto rows = db.rows(
      "SELECT d.path, d.id, d.sha256, d.run_id, d.ingested_at, f.id,"
      " quote(f.kind) || ',' || quote(f.text) || ',' || f.byte_start || ',' || f.byte_end || ',' || f.line"
      " || ',' || quote(f.value_exact) || ',' || quote(f.low_exact) || ',' || quote(f.high_exact)"
      " || ',' || quote(f.unit) || ',' || quote(f.qualifier) || ',' || quote(f.per) || ',' || quote(f.rule)"
      " || ',' || quote(f.period) || ',' || f.projection || ',' || quote(f.value_usd) || ',' || quote(f.fx_rate)"
      " || ',' || quote(s.text) AS signature"
      " FROM documents d LEFT JOIN figures f ON f.document_id = d.id"
      " LEFT JOIN sentences s ON s.id = f.sentence_id"
      " ORDER BY d.path, f.byte_start, f.byte_end, signature");
  for (const auto& row : rows) {
    StoredDocument& doc = state.documents[row[0]];
    doc.id = std::stoll(row[1]);
    doc.sha256 = row[2];
    doc.run_id = row[3] == "NULL" ? 0 : std::stoll(row[3]);
    doc.ingested_at = row[4];
    if (row[5] == "NULL") continue;  // a document without figures
    ++doc.figures;
    doc.signature += row[6] + "\n";
    state.figure_ids[std::stoll(row[5])] = row[0] + ": " + row[6];
  }
  return state;
}

// What is wrong with `got` as a (possibly partial) copy of `expected`: every
// stored document must be stored whole and as in `expected`; with `complete`,
// every expected document must be there too. At most a few lines.
std::vector<std::string> differences(const DbState& got, const DbState& expected, bool complete) {
  std::vector<std::string> problems;
  const auto add = [&problems](const std::string& problem) {
    if (problems.size() < 8) problems.push_back(problem);
  };
  if (got.integrity != "ok") add("integrity_check: " + got.integrity);
  for (const auto& problem : got.foreign_key_problems) add("foreign_key_check: " + problem);
  if (got.document_rows != got.distinct_paths) {
    add("documents: " + std::to_string(got.document_rows) + " rows for " + std::to_string(got.distinct_paths) +
        " paths");
  }
  if (got.orphan_sentences != 0) add(std::to_string(got.orphan_sentences) + " sentences without a figure");
  for (const auto& [path, doc] : got.documents) {
    const auto want = expected.documents.find(path);
    if (want == expected.documents.end()) {
      add(path + ": stored but not expected");
    } else if (doc.sha256 != want->second.sha256) {
      add(path + ": sha256 " + doc.sha256 + ", expected " + want->second.sha256);
    } else if (doc.signature != want->second.signature) {
      add(path + ": " + std::to_string(doc.figures) + " figures differ from the expected " +
          std::to_string(want->second.figures));
    }
  }
  if (complete) {
    for (const auto& [path, doc] : expected.documents) {
      if (got.documents.count(path) == 0) add(path + ": missing");
    }
  }
  return problems;
}

// Replacing a document deletes its sentences, and SQLite checks each against
// figures.sentence_id: without an index on it, a scan of every figure in the
// database per sentence, under the write lock.
bool sentence_id_indexed(const Reader& db) {
  return db.integer("SELECT count(*) FROM pragma_index_list('figures') l"
                    " JOIN pragma_index_info(l.name) i WHERE i.seqno = 0 AND i.name = 'sentence_id'") == 1;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// Per-document figure counts of `figtrail extract` (one JSON line per figure,
// "doc" its first key).
std::map<std::string, std::int64_t> extract_counts(const std::string& jsonl) {
  std::map<std::string, std::int64_t> counts;
  std::istringstream in(jsonl);
  std::string line;
  const std::string key = "\"doc\":\"";
  while (std::getline(in, line)) {
    const auto at = line.find(key);
    if (at == std::string::npos) FAIL("no doc in " << line);
    const auto start = at + key.size();
    ++counts[line.substr(start, line.find('"', start) - start)];
  }
  return counts;
}

// Builds the reference database `name` from `inputs` without interference,
// and checks it against `figtrail extract` on the same inputs.
// `first_document`: how long the ingest took to store its first document
// (start-up and schema creation), as a read-only client saw it.
DbState reference(Sandbox& box, const std::string& name, const std::vector<std::string>& inputs,
                  std::chrono::microseconds* first_document = nullptr) {
  std::vector<std::string> args{"ingest", "--db", name};
  args.insert(args.end(), inputs.begin(), inputs.end());
  Progress progress(box / name);
  const auto start = std::chrono::steady_clock::now();
  const Child child = box.spawn(args);
  if (first_document != nullptr) {
    while (!Sandbox::exited(child) && progress.stored() < 1) std::this_thread::sleep_for(200us);
    *first_document =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  }
  const Result ingest = box.wait(child);
  REQUIRE(ingest.exited);
  REQUIRE(ingest.status == 0);
  REQUIRE(ingest.err.empty());
  DbState state = read_state(box / name);
  REQUIRE(state.integrity == "ok");

  std::vector<std::string> extract_args{"extract"};
  extract_args.insert(extract_args.end(), inputs.begin(), inputs.end());
  const Result extract = box.run(extract_args);
  REQUIRE(extract.status == 0);
  const auto counts = extract_counts(extract.out);
  std::int64_t total = 0;
  for (const auto& [path, doc] : state.documents) {
    INFO(path);
    CHECK(doc.figures == (counts.count(path) != 0 ? counts.at(path) : 0));
    total += doc.figures;
  }
  CHECK(total == state.figure_rows);
  CHECK(static_cast<std::int64_t>(std::count(extract.out.begin(), extract.out.end(), '\n')) == total);
  return state;
}

std::int64_t figure_total(const DbState& state) {
  std::int64_t total = 0;
  for (const auto& [path, doc] : state.documents) total += doc.figures;
  return total;
}

// An empty database with the schema of figtrail 0.1.0 (schema version 1),
// before periods and US-dollar values.
void make_version_1_database(const fs::path& path) {
  static const char* const kVersion1 = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, command TEXT NOT NULL,
  pipeline_version TEXT NOT NULL, documents_stored INTEGER, documents_unchanged INTEGER,
  documents_failed INTEGER, figures_stored INTEGER);
CREATE TABLE documents (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL,
  size INTEGER NOT NULL, ingested_at TEXT NOT NULL, pipeline_version TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id));
CREATE TABLE sentences (id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE, text TEXT NOT NULL,
  UNIQUE (document_id, text));
CREATE TABLE figures (id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('money', 'percent', 'multiple', 'quantity', 'count')),
  text TEXT NOT NULL, byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL, line INTEGER NOT NULL,
  sentence_id INTEGER REFERENCES sentences(id), value REAL, low REAL, high REAL, value_exact TEXT,
  low_exact TEXT, high_exact TEXT, unit TEXT NOT NULL, qualifier TEXT, per TEXT, rule TEXT NOT NULL,
  CHECK (byte_start <= byte_end));
CREATE INDEX figures_document_id ON figures(document_id);
CREATE INDEX figures_kind ON figures(kind);
CREATE TABLE errors (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id), path TEXT NOT NULL,
  message TEXT NOT NULL, at TEXT NOT NULL);
CREATE VIEW figures_view AS
SELECT f.id, d.path AS document_path, d.sha256 AS document_sha256, f.document_id,
       f.kind, f.text, f.byte_start, f.byte_end, f.line,
       f.value, f.low, f.high, f.value_exact, f.low_exact, f.high_exact,
       f.unit, f.qualifier, f.per, f.rule, s.text AS sentence
FROM figures f JOIN documents d ON d.id = f.document_id LEFT JOIN sentences s ON s.id = f.sentence_id;
PRAGMA application_id = 1179079762;
PRAGMA user_version = 1;
)sql";
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const int rc = sqlite3_exec(db, kVersion1, nullptr, nullptr, nullptr);
  INFO(sqlite3_errmsg(db));
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// When to kill a child ingest: once its run has stored `documents`
// documents (when more than 0; by the database, as a read-only client sees
// it), then after `delay`; and either there, or at the next moment the child
// is inside a write transaction (`inside_write`, waiting up to a second).
struct KillPoint {
  std::int64_t documents = 0;
  std::chrono::microseconds delay{0};
  bool inside_write = false;
};

// How long a child may take to reach its kill point: a child that stops
// making progress fails the test rather than hanging it.
constexpr auto kProgressLimit = 300s;

// Starts figtrail and SIGKILLs it at `point` unless it has finished by then.
// `killed_inside_write` tells whether the kill found it holding the write
// lock of `db`.
Result run_and_kill(Sandbox& box, const std::vector<std::string>& args, const KillPoint& point, const fs::path& db,
                    bool& killed_inside_write) {
  killed_inside_write = false;
  Progress progress(db);  // before the child starts, so that it knows the runs before it
  // At low priority: on a loaded machine a child that keeps the CPU while
  // this loop waits for it could store the rest of the batch before the
  // loop sees the kill point, and the kill would test nothing.
  const Child child = box.spawn(args, "", true);
  if (point.documents > 0) {
    const auto give_up = std::chrono::steady_clock::now() + kProgressLimit;
    while (!Sandbox::exited(child) && progress.stored() < point.documents) {
      if (std::chrono::steady_clock::now() > give_up) {
        ::kill(child.pid, SIGKILL);
        box.wait(child);
        FAIL("the ingest did not store " << point.documents << " documents in " << kProgressLimit.count() << " s");
      }
      std::this_thread::sleep_for(200us);
    }
    progress.close();
  }
  std::this_thread::sleep_for(point.delay);
  if (point.inside_write) {
    const fs::path shm = db.string() + "-shm";
    const auto deadline = std::chrono::steady_clock::now() + 1s;
    while (!Sandbox::exited(child) && std::chrono::steady_clock::now() < deadline) {
      if (write_lock_held(shm)) {
        ::kill(child.pid, SIGKILL);
        killed_inside_write = true;
        break;
      }
    }
  }
  ::kill(child.pid, SIGKILL);  // harmless when it already exited: it stays a zombie until waited for
  return box.wait(child);
}

// Documents of `state` stored by runs numbered above `run`.
std::int64_t stored_after(const DbState& state, std::int64_t run) {
  std::int64_t count = 0;
  for (const auto& [path, doc] : state.documents) count += doc.run_id > run ? 1 : 0;
  return count;
}

}  // namespace

// ---------------------------------------------------------------------------
// a. Kill and resume.

TEST_CASE("ingest killed at several points mid-batch, then resumed: nothing lost, nothing doubled",
          "[durability][kill]") {
  Sandbox box;
  const int kDocuments = 400;
  make_batch(box, "batch", kDocuments, 0, 40);  // 10 long reports among them
  std::chrono::microseconds first_document{};
  const DbState expected = reference(box, "reference.db", {"batch"}, &first_document);
  REQUIRE(expected.document_rows == kDocuments);
  const std::int64_t expected_figures = figure_total(expected);

  const unsigned seed = std::random_device{}();
  INFO("kill point seed " << seed);
  INFO("the reference ingest stored its first document after " << first_document.count() << " us");
  // Early points are times, fractions of the reference's start-up, so that
  // they land in start-up and schema creation. The later ones are totals of
  // documents the database must reach, each run storing at least one of its
  // own first, then a kill at once or, mostly, inside the next transaction.
  // Each run resumes where the last was killed: together they cover about
  // four fifths of the batch, with long reports in it, and leave the rest to
  // the final run. The totals are 70 documents apart, so that every kill
  // still lands mid-batch if a writer commits dozens of documents at a time.
  struct Plan {
    double of_start_up = 0;   // an early point: this fraction of the reference's start-up
    std::int64_t total = 0;   // a later point: the documents the database holds
    bool inside_write = false;
  };
  const std::vector<Plan> plans{{0.05, 0, false}, {0.25, 0, false}, {0.6, 0, false}, {0, 40, true},
                                {0, 110, false},  {0, 180, true},   {0, 250, true},  {0, 320, true}};
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> jitter(0.7, 1.3);
  std::uniform_int_distribution<std::int64_t> shift(-10, 10);  // documents
  std::uniform_int_distribution<std::int64_t> pause(0, 2000);  // microseconds after the target
  int killed = 0;
  int finished = 0;
  int by_documents = 0;         // kill points set by documents
  int killed_mid_batch = 0;     // of them, kills that left some but not all documents, after their run stored some
  int killed_inside_write = 0;  // of those, inside a document's transaction
  std::int64_t runs_before = 0;
  std::int64_t stored_before = 0;
  for (const Plan& plan : plans) {
    KillPoint point;
    point.inside_write = plan.inside_write;
    if (plan.total == 0) {
      point.delay = std::chrono::microseconds(
          static_cast<std::int64_t>(static_cast<double>(first_document.count()) * plan.of_start_up * jitter(random)));
    } else {
      ++by_documents;
      point.documents = std::max<std::int64_t>(1, plan.total + shift(random) - stored_before);
      if (!plan.inside_write) point.delay = std::chrono::microseconds(pause(random));
    }
    bool in_transaction = false;
    const Result result =
        run_and_kill(box, {"ingest", "--db", "t.db", "batch"}, point, box / "t.db", in_transaction);
    if (result.exited) {
      INFO(result.err);
      CHECK(result.status == 0);  // finished before the kill: fine, and it must have succeeded
      ++finished;
    } else {
      CHECK(result.signal == SIGKILL);
      ++killed;
    }
    const DbState state = read_state(box / "t.db");
    INFO("after a kill " << (point.documents > 0 ? "once its run stored " + std::to_string(point.documents) +
                                                         " documents, then "
                                                   : std::string())
                         << point.delay.count() << " us" << (in_transaction ? ", inside a write transaction" : "")
                         << ": " << state.document_rows << " documents stored");
    if (!state.exists) continue;  // killed before it created the file
    REQUIRE(state.integrity == "ok");
    if (!state.schema) continue;  // killed while creating the schema: rolled back
    CHECK_FALSE(state.hot_journal);
    const auto problems = differences(state, expected, false);
    INFO(joined(problems));
    CHECK(problems.empty());
    CHECK(state.errors == 0);
    // A run that exited finished its row; a killed one did not, unless it was
    // killed between finish_run and exit. Every row is one of these runs.
    CHECK(state.runs_finished >= finished);
    CHECK(state.runs_finished + state.runs_unfinished <= finished + killed);
    const std::int64_t runs = state.runs_finished + state.runs_unfinished;
    if (point.documents > 0 && !result.exited && stored_after(state, runs_before) > 0 &&
        state.document_rows < kDocuments) {
      ++killed_mid_batch;
      // Its run row is there, so the transaction it died in was not begin_run's.
      if (in_transaction && runs == runs_before + 1) ++killed_inside_write;
    }
    runs_before = runs;
    stored_before = state.document_rows;

    // A read-only open after a kill, as export and audit do, sees the same.
    const Result audit = box.run({"audit", "--db", "t.db"});
    INFO(audit.out << audit.err);
    CHECK(audit.status == 0);
    CHECK(audit.out == "audit: " + std::to_string(state.document_rows) +
                           (state.document_rows == 1 ? " document, " : " documents, ") +
                           std::to_string(state.figure_rows) + (state.figure_rows == 1 ? " figure" : " figures") +
                           " checked, 0 mismatches\n");
  }
  // Every kill set by documents must have interrupted the batch after its
  // run stored some, and some inside a transaction, or this tested nothing.
  CHECK(killed_mid_batch == by_documents);
  CHECK(killed_inside_write >= 2);

  const DbState before = read_state(box / "t.db");
  const Result resume = box.run({"ingest", "--db", "t.db", "batch"});
  INFO(resume.out << resume.err);
  REQUIRE(resume.exited);
  CHECK(resume.status == 0);
  CHECK(resume.err.empty());
  const Summary summary = parse_summary(resume.out);
  CHECK(summary.unchanged == before.document_rows);
  CHECK(summary.stored == kDocuments - before.document_rows);
  CHECK(summary.failed == 0);
  CHECK(summary.figures == expected_figures - before.figure_rows);
  const DbState after = read_state(box / "t.db");
  const auto problems = differences(after, expected, true);
  INFO(joined(problems));
  CHECK(problems.empty());
  CHECK(after.document_rows == kDocuments);
  CHECK(after.figure_rows == expected_figures);
  CHECK(summary.run == after.runs_finished + after.runs_unfinished);  // killed runs keep their numbers
  CHECK(after.runs_finished >= finished + 1);
  CHECK(after.runs_finished + after.runs_unfinished <= finished + killed + 1);
  // Documents stored before the final run kept their rows.
  for (const auto& [path, doc] : before.documents) {
    INFO(path);
    CHECK(after.documents.at(path).id == doc.id);
  }

  const Result again = box.run({"ingest", "--db", "t.db", "batch"});
  CHECK(again.status == 0);
  const Summary second = parse_summary(again.out);
  CHECK(second.stored == 0);
  CHECK(second.unchanged == kDocuments);
  CHECK(second.figures == 0);
}

// ---------------------------------------------------------------------------
// b. Concurrent writers.

TEST_CASE("two ingests at once on one database both finish, and store each document once",
          "[durability][concurrency]") {
  Sandbox box;
  make_batch(box, "batch/a", 100, 0);
  make_batch(box, "batch/b", 100, 100);
  make_batch(box, "batch/c", 100, 200);
  const DbState expected = reference(box, "reference.db", {"batch"});
  REQUIRE(expected.document_rows == 300);

  const auto both = [&box](const std::string& db, const std::vector<std::string>& first,
                           const std::vector<std::string>& second) {
    std::vector<std::string> a{"ingest", "--db", db};
    a.insert(a.end(), first.begin(), first.end());
    std::vector<std::string> b{"ingest", "--db", db};
    b.insert(b.end(), second.begin(), second.end());
    const Child child_a = box.spawn(a);
    const Child child_b = box.spawn(b);
    return std::pair{box.wait(child_a), box.wait(child_b)};
  };
  const auto check_finished = [](const Result& r) {
    INFO(r.out << r.err);
    REQUIRE(r.exited);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
  };

  SECTION("the same inputs, starting together on a new database (both create the schema)") {
    for (int round = 0; round < 3; ++round) {
      const std::string db = "same-" + std::to_string(round) + ".db";
      const auto [a, b] = both(db, {"batch"}, {"batch"});
      check_finished(a);
      check_finished(b);
      const DbState state = read_state(box / db);
      const auto problems = differences(state, expected, true);
      INFO(joined(problems));
      CHECK(problems.empty());
      CHECK(state.document_rows == 300);
      CHECK(state.runs_finished == 2);
      CHECK(state.runs_unfinished == 0);
      CHECK(state.errors == 0);
      // Every document was stored by one of the two runs.
      const Reader reader(box / db);
      CHECK(reader.integer("SELECT count(*) FROM documents WHERE run_id NOT IN (SELECT id FROM runs)") == 0);
    }
  }

  SECTION("the same inputs, starting together on a version 1 database (both would upgrade it)") {
    for (int round = 0; round < 3; ++round) {
      const std::string db = "v1-" + std::to_string(round) + ".db";
      make_version_1_database(box / db);
      const auto [a, b] = both(db, {"batch/a"}, {"batch/a"});
      check_finished(a);
      check_finished(b);
      const Reader reader(box / db);
      CHECK(reader.value("PRAGMA user_version") == "4");
      CHECK(sentence_id_indexed(reader));
      CHECK(reader.integer("SELECT count(*) FROM documents") == 100);
      CHECK(reader.integer("SELECT count(*) FROM figures_view WHERE period = '2024'") > 0);
    }
  }

  SECTION("overlapping inputs on an existing database") {
    // The database exists (and is in WAL mode) with one report already.
    const Result seed = box.run({"ingest", "--db", "t.db", "batch/a/r0000.txt"});
    REQUIRE(seed.status == 0);
    const auto [a, b] = both("t.db", {"batch/a", "batch/b"}, {"batch/c", "batch/b"});
    check_finished(a);
    check_finished(b);
    const DbState state = read_state(box / "t.db");
    const auto problems = differences(state, expected, true);
    INFO(joined(problems));
    CHECK(problems.empty());
    CHECK(state.runs_finished == 3);
    CHECK(state.errors == 0);
  }

  SECTION("a reader holding a snapshot, and another client holding the write lock for a while") {
    const Result seed = box.run({"ingest", "--db", "t.db", "batch/a"});
    REQUIRE(seed.status == 0);
    sqlite3* analyst = nullptr;
    REQUIRE(sqlite3_open_v2((box / "t.db").c_str(), &analyst, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3* other_writer = nullptr;
    REQUIRE(sqlite3_open_v2((box / "t.db").c_str(), &other_writer, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    // The analyst's read transaction stays open through the whole ingest.
    REQUIRE(sqlite3_exec(analyst, "BEGIN; SELECT count(*) FROM figures;", nullptr, nullptr, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other_writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);

    const auto start = std::chrono::steady_clock::now();
    const Child child = box.spawn({"ingest", "--db", "t.db", "batch"});
    std::this_thread::sleep_for(1000ms);
    CHECK(sqlite3_exec(other_writer, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
    const Result r = box.wait(child);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    check_finished(r);
    CHECK(elapsed >= 950ms);  // it waited for the lock rather than failing
    const Summary summary = parse_summary(r.out);
    CHECK(summary.unchanged == 100);
    CHECK(summary.stored == 200);

    sqlite3_exec(analyst, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close_v2(analyst);
    sqlite3_close_v2(other_writer);
    const DbState state = read_state(box / "t.db");
    const auto problems = differences(state, expected, true);
    INFO(joined(problems));
    CHECK(problems.empty());
  }
}

// The two runs' summaries add up to what is in the database: a document the
// other writer stored first (between this run's is_current and its
// store_document) is "unchanged", not "stored" again.
TEST_CASE("two ingests at once: their summaries add up to the database", "[durability][concurrency]") {
  Sandbox box;
  make_batch(box, "batch", 300);
  const Child a = box.spawn({"ingest", "--db", "t.db", "batch"});
  const Child b = box.spawn({"ingest", "--db", "t.db", "batch"});
  const Result ra = box.wait(a);
  const Result rb = box.wait(b);
  REQUIRE(ra.status == 0);
  REQUIRE(rb.status == 0);
  const Summary sa = parse_summary(ra.out);
  const Summary sb = parse_summary(rb.out);
  const DbState state = read_state(box / "t.db");
  CHECK(sa.stored + sb.stored == 300);
  CHECK(sa.stored + sa.unchanged == 300);
  CHECK(sb.stored + sb.unchanged == 300);
  CHECK(sa.figures + sb.figures == state.figure_rows);
}

// ---------------------------------------------------------------------------
// c. Changed and vanished source files.

TEST_CASE("changed files in a batch are re-extracted whole, even when the re-ingest is killed",
          "[durability][changed]") {
  Sandbox box;
  // r0001 ... r0100; every fifth a long one, and those twenty change, so that
  // the re-ingest spends its time replacing documents (a delete and hundreds
  // of inserts in one transaction each) and the kills land there.
  const int kDocuments = 100;
  const int kLong = 5;
  const int kParagraphs = 60;
  const auto paths = make_batch(box, "batch", kDocuments, 1, kLong, kParagraphs);
  const auto path_of = [&paths](int i) { return paths[static_cast<std::size_t>(i - 1)]; };
  const Result first = box.run({"ingest", "--db", "t.db", "batch"});
  REQUIRE(first.status == 0);
  const DbState old_state = read_state(box / "t.db");
  REQUIRE(old_state.document_rows == kDocuments);
  CHECK(sentence_id_indexed(Reader(box / "t.db")));

  // The long reports get new numbers and one more figure.
  std::vector<std::string> changed;
  for (int i = kLong; i <= kDocuments; i += kLong) {
    write_bytes(box / path_of(i), big_report_text(i, kParagraphs, 1));
    changed.push_back(path_of(i));
  }
  const DbState new_state = reference(box, "reference.db", {"batch"});

  // Killed re-ingests: each document is its old version or its new one,
  // whole. Each run is killed once it has replaced one to three documents
  // (as many as it commits at once, if more), mostly inside the next
  // transaction.
  const unsigned seed = std::random_device{}();
  INFO("kill point seed " << seed);
  std::mt19937 random(seed);
  std::uniform_int_distribution<std::int64_t> documents(1, 3);
  std::uniform_int_distribution<std::int64_t> pause(0, 2000);  // microseconds
  int finished = 0;
  for (const bool inside_write : {true, true, false}) {
    const KillPoint point{documents(random), std::chrono::microseconds(inside_write ? 0 : pause(random)),
                          inside_write};
    bool in_transaction = false;
    const Result r = run_and_kill(box, {"ingest", "--db", "t.db", "batch"}, point, box / "t.db", in_transaction);
    if (r.exited) {
      CHECK(r.status == 0);
      ++finished;
    }
    const DbState state = read_state(box / "t.db");
    REQUIRE(state.integrity == "ok");
    CHECK(state.runs_finished >= 1 + finished);  // more if killed after finish_run
    CHECK(state.document_rows == kDocuments);
    CHECK(state.document_rows == state.distinct_paths);
    CHECK(state.foreign_key_problems.empty());
    CHECK(state.orphan_sentences == 0);
    for (const auto& [path, doc] : state.documents) {
      INFO(path << " after a kill once its run stored " << point.documents << " documents, then "
                << point.delay.count() << " us" << (in_transaction ? ", inside a transaction" : ""));
      const StoredDocument& before = old_state.documents.at(path);
      const StoredDocument& after = new_state.documents.at(path);
      const bool is_old = doc.sha256 == before.sha256 && doc.signature == before.signature;
      const bool is_new = doc.sha256 == after.sha256 && doc.signature == after.signature;
      CHECK((is_old || is_new));
    }
  }

  const DbState before_final = read_state(box / "t.db");
  std::int64_t still_old = 0;
  for (const auto& path : changed) {
    if (before_final.documents.at(path).sha256 == old_state.documents.at(path).sha256) ++still_old;
  }
  const Result final_run = box.run({"ingest", "--db", "t.db", "batch"});
  INFO(final_run.out << final_run.err);
  REQUIRE(final_run.status == 0);
  const Summary summary = parse_summary(final_run.out);
  CHECK(summary.stored == still_old);
  CHECK(summary.unchanged == kDocuments - still_old);
  const DbState state = read_state(box / "t.db");
  const auto problems = differences(state, new_state, true);
  INFO(joined(problems));
  CHECK(problems.empty());

  // Changed documents: new rows, new values in, old values out.
  for (int i = kLong; i <= kDocuments; i += kLong) {
    const std::string path = path_of(i);
    INFO(path);
    const StoredDocument& doc = state.documents.at(path);
    CHECK(doc.id != old_state.documents.at(path).id);
    CHECK(doc.figures == old_state.documents.at(path).figures + 1);
    CHECK(doc.signature.find("'" + std::to_string(i + 5000) + ".0亿元'") != std::string::npos);
    CHECK(doc.signature.find("'" + std::to_string(i) + ".0亿元'") == std::string::npos);
    CHECK(old_state.documents.at(path).signature.find("'" + std::to_string(i) + ".0亿元'") != std::string::npos);
    CHECK(doc.signature.find("'41.5%'") != std::string::npos);
  }
  // The other documents were not touched: same rows, same run, same figure ids.
  std::int64_t untouched_figures = 0;
  for (const auto& [path, doc] : state.documents) {
    if (std::find(changed.begin(), changed.end(), path) != changed.end()) continue;
    INFO(path);
    const StoredDocument& before = old_state.documents.at(path);
    CHECK(doc.id == before.id);
    CHECK(doc.run_id == before.run_id);
    CHECK(doc.ingested_at == before.ingested_at);
    untouched_figures += doc.figures;
  }
  std::int64_t kept_ids = 0;
  for (const auto& [id, figure] : state.figure_ids) {
    const auto was = old_state.figure_ids.find(id);
    if (was != old_state.figure_ids.end() && was->second == figure) ++kept_ids;
  }
  CHECK(kept_ids == untouched_figures);

  // Without re-ingesting, audit names a file edited since and one deleted.
  write_bytes(box / path_of(6), report_text(6, 2));
  fs::remove(box / path_of(8));
  const Result audit = box.run({"audit", "--db", "t.db"});
  INFO(audit.out << audit.err);
  CHECK(audit.status == 1);
  CHECK(audit.out.rfind("MISMATCH " + path_of(6) + ": file changed since ingestion", 0) == 0);
  CHECK(audit.out.find("\nMISMATCH " + path_of(8) + ": file is missing\n") != std::string::npos);
  CHECK(std::count(audit.out.begin(), audit.out.end(), '\n') == 3);  // two mismatches and the summary
  CHECK(audit.out.find("audit: " + std::to_string(kDocuments) + " documents, ") != std::string::npos);
  CHECK(audit.out.find(" checked, 2 mismatches\n") != std::string::npos);

  // Re-ingesting picks up the edit; a vanished file stays stored, and audit
  // keeps naming it.
  const Result reingest = box.run({"ingest", "--db", "t.db", "batch"});
  INFO(reingest.out << reingest.err);
  CHECK(reingest.status == 0);
  const Summary after_edit = parse_summary(reingest.out);
  CHECK(after_edit.stored == 1);
  CHECK(after_edit.unchanged == kDocuments - 2);
  const Result audit_again = box.run({"audit", "--db", "t.db"});
  CHECK(audit_again.status == 1);
  CHECK(audit_again.out.rfind("MISMATCH " + path_of(8) + ": file is missing\naudit: ", 0) == 0);
  CHECK(audit_again.out.find(" checked, 1 mismatch\n") != std::string::npos);
}

// A writer killed mid-transaction in rollback-journal mode (a figtrail
// database someone switched out of WAL, say) leaves a hot journal. A
// read-only open cannot roll it back: audit says so plainly, and the next
// ingest rolls it back and puts the file in WAL mode again.
TEST_CASE("a hot rollback journal: read-only opens say what to do, ingest recovers", "[durability][kill]") {
  Sandbox box;
  make_batch(box, "batch", 3);
  REQUIRE(box.run({"ingest", "--db", "t.db", "batch"}).status == 0);
  const std::string db_path = (box / "t.db").string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    sqlite3* db = nullptr;
    if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) ::_exit(1);
    // A small cache spills the changed pages into the file mid-transaction.
    const int rc = sqlite3_exec(db,
                                "PRAGMA journal_mode = DELETE; PRAGMA cache_size = 1; BEGIN IMMEDIATE;"
                                " DELETE FROM figures;"
                                " INSERT INTO errors (run_id, path, message, at)"
                                "  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
                                "  SELECT 1, 'p', hex(randomblob(2000)), 't' FROM n;",
                                nullptr, nullptr, nullptr);
    ::_exit(rc == SQLITE_OK ? 0 : 1);  // dies inside the transaction
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(fs::exists(db_path + "-journal"));

  const Result audit = box.run({"audit", "--db", "t.db"});
  CHECK(audit.status == 1);
  CHECK(audit.out.empty());
  CHECK(audit.err ==
        "figtrail: t.db: an interrupted write left t.db-journal beside it, which only a read-write open (such as an"
        " ingest) can roll back\n");

  const Result ingest = box.run({"ingest", "--db", "t.db", "batch"});
  INFO(ingest.out << ingest.err);
  CHECK(ingest.status == 0);
  CHECK(parse_summary(ingest.out).unchanged == 3);
  const DbState state = read_state(box / "t.db");
  CHECK_FALSE(state.hot_journal);
  CHECK(state.integrity == "ok");
  CHECK(state.errors == 0);  // the interrupted inserts were rolled back
  CHECK(state.figure_rows > 0);
  CHECK(Reader(box / "t.db").value("PRAGMA journal_mode") == "wal");
  const Result audit_after = box.run({"audit", "--db", "t.db"});
  CHECK(audit_after.status == 0);
}
