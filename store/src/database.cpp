// figtrail's SQLite store. Layout and meaning of the schema: README.md, "Database schema".
#include <openssl/evp.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "figtrail/store.hpp"
#include "figtrail/version.hpp"

namespace figtrail {
namespace {

// Marks a SQLite file as figtrail's ("FGTR"), so we never write into someone
// else's database; user_version numbers the schema below.
constexpr std::int32_t kApplicationId = 0x46475452;
constexpr std::int32_t kSchemaVersion = 4;
// The oldest version export and audit read without upgrading (a read-only
// open never writes): version 2 lacks only the documents' encoding.
constexpr std::int32_t kMinReadOnlyVersion = 2;

// How long a statement waits for another connection's lock before failing
// with "database is locked". Every write here takes the write lock up front
// (BEGIN IMMEDIATE, or a single autocommit statement), and in WAL mode readers
// never hold it, so SQLite's busy handler covers every wait in store_document
// and the run and error rows: a transaction never has to upgrade a read lock,
// the one case where SQLite fails at once without waiting. Writers hold the
// lock for one document or one batch (ingest commits a batch after 50 ms):
// milliseconds normally, seconds for the largest document the limits allow
// (200,000 figures). 30 s outlasts that with room to spare, and a lock held
// longer (a stuck client) is reported within half a minute.
//
// The one exception is switching a new file to WAL mode: SQLite reads the
// header, then upgrades to an exclusive lock, and fails at once if another
// process is reading it (two ingests starting together on a new file). That
// statement alone is retried, with backoff from 1 ms to 64 ms, until 30 s
// have passed.
constexpr int kBusyTimeoutMs = 30'000;

constexpr const char* kSchema = R"sql(
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
  run_id INTEGER REFERENCES runs(id),
  encoding TEXT,
  encoding_confidence INTEGER
);
CREATE TABLE sentences (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  text TEXT NOT NULL
);
-- The kind is checked with = rather than IN: for an IN list SQLite builds a
-- temporary table on every insert. (One line: SQLite quotes a failed check.)
CREATE TABLE figures (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind = 'money' OR kind = 'percent' OR kind = 'multiple' OR kind = 'quantity' OR kind = 'count'),
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
-- Deleting a document deletes its sentences and figures (ON DELETE CASCADE):
-- sentences_document_id and figures_document_id find them, and
-- figures_sentence_id the figures naming each deleted sentence (that foreign
-- key is checked); without them, each is a scan of a whole table under the
-- write lock. figures_kind lets counting figures by kind (ingest's summary)
-- read an index rather than the table.
CREATE INDEX sentences_document_id ON sentences(document_id);
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
)sql";

// The view over the tables above, created with them and re-created after
// every upgrade (its columns follow the tables').
constexpr const char* kFiguresView = R"sql(
CREATE VIEW figures_view AS
SELECT f.id, d.path AS document_path, d.sha256 AS document_sha256,
       d.encoding AS document_encoding, f.document_id,
       f.kind, f.text, f.byte_start, f.byte_end, f.line,
       f.value, f.low, f.high, f.value_exact, f.low_exact, f.high_exact,
       f.unit, f.qualifier, f.per, f.period, f.projection,
       f.value_usd, f.low_usd, f.high_usd, f.fx_rate, f.fx_year,
       f.rule, s.text AS sentence
FROM figures f
JOIN documents d ON d.id = f.document_id
LEFT JOIN sentences s ON s.id = f.sentence_id;
)sql";

// Upgrades, kMigrations[v - 1] from version v to v + 1, run in order in one
// transaction with foreign keys off; then the view is re-created and
// user_version set. Columns added here come last in their table, as in
// kSchema, so an upgraded database has the same columns in the same order as
// a new one.
constexpr std::array<const char*, kSchemaVersion - 1> kMigrations{
    // 1 → 2: the period and US-dollar columns. Documents keep their figures
    // until re-ingested (a new pipeline version re-extracts them).
    R"sql(
ALTER TABLE figures ADD COLUMN period TEXT;
ALTER TABLE figures ADD COLUMN projection INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figures ADD COLUMN value_usd REAL;
ALTER TABLE figures ADD COLUMN low_usd REAL;
ALTER TABLE figures ADD COLUMN high_usd REAL;
ALTER TABLE figures ADD COLUMN fx_rate REAL;
ALTER TABLE figures ADD COLUMN fx_year INTEGER;
)sql",
    // 2 → 3: the encoding each document was read in. Existing rows get NULL:
    // version 2 was written both by figtrail builds that read every file as
    // UTF-8 and by builds that detected the encoding, under the same pipeline
    // version, so a row cannot tell which. is_current treats NULL as not
    // current, so the next ingest re-extracts such a document and records
    // its encoding.
    R"sql(
ALTER TABLE documents ADD COLUMN encoding TEXT;
ALTER TABLE documents ADD COLUMN encoding_confidence INTEGER;
)sql",
    // 3 → 4: the same columns and rows, with constraints that cost ingest
    // less. Sentences lose UNIQUE (document_id, text), whose index was a
    // second copy of every sentence (the writer stores each text once per
    // document itself), for an index on document_id, which deleting a
    // document needs. Figures check their kind with = rather than IN, for
    // which SQLite builds a temporary table on every insert. SQLite cannot
    // change a table's constraints, so both tables are made anew, filled,
    // and renamed into place (https://sqlite.org/lang_altertable.html,
    // "Making Other Kinds Of Table Schema Changes"); the view goes first,
    // or the renaming would find it naming a dropped table.
    R"sql(
DROP VIEW IF EXISTS figures_view;
CREATE TABLE sentences_v4 (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  text TEXT NOT NULL
);
INSERT INTO sentences_v4 (id, document_id, text) SELECT id, document_id, text FROM sentences;
CREATE TABLE figures_v4 (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind = 'money' OR kind = 'percent' OR kind = 'multiple' OR kind = 'quantity' OR kind = 'count'),
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
INSERT INTO figures_v4 (id, document_id, kind, text, byte_start, byte_end, line, sentence_id,
                        value, low, high, value_exact, low_exact, high_exact, unit, qualifier,
                        per, rule, period, projection, value_usd, low_usd, high_usd, fx_rate,
                        fx_year)
SELECT id, document_id, kind, text, byte_start, byte_end, line, sentence_id,
       value, low, high, value_exact, low_exact, high_exact, unit, qualifier,
       per, rule, period, projection, value_usd, low_usd, high_usd, fx_rate, fx_year
FROM figures;
DROP TABLE figures;
DROP TABLE sentences;
ALTER TABLE sentences_v4 RENAME TO sentences;
ALTER TABLE figures_v4 RENAME TO figures;
CREATE INDEX sentences_document_id ON sentences(document_id);
CREATE INDEX figures_document_id ON figures(document_id);
CREATE INDEX figures_kind ON figures(kind);
CREATE INDEX figures_sentence_id ON figures(sentence_id);
)sql",
};

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

// A failed SQLite call. Keeps the detail apart from the database name so
// store_document can re-label it with the document it was storing.
class SqlFailure : public StoreError {
 public:
  SqlFailure(const std::string& db_name, std::string detail, int extended_code)
      : StoreError(db_name + ": " + detail), detail_(std::move(detail)), code_(extended_code) {}
  [[nodiscard]] const std::string& detail() const { return detail_; }
  // The primary result code (SQLITE_BUSY, ...) and the extended one
  // (SQLITE_READONLY_ROLLBACK, ...).
  [[nodiscard]] int code() const { return code_ & 0xff; }
  [[nodiscard]] int extended_code() const { return code_; }

 private:
  std::string detail_;
  int code_;
};

class Connection;

// What went wrong, for a message: a SQL failure's detail, else what().
std::string detail_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const SqlFailure& failure) {
    return failure.detail();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

// One use of a cached statement. Resets it when done, so no statement keeps a
// read transaction open between calls.
class Query {
 public:
  Query(const Connection& connection, sqlite3_stmt* stmt, std::string_view what)
      : connection_(connection), stmt_(stmt), what_(what) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  Query& bind_int(int index, std::int64_t value) {
    return check(sqlite3_bind_int64(stmt_, index, value));
  }
  Query& bind_real(int index, double value) { return check(sqlite3_bind_double(stmt_, index, value)); }
  Query& bind_text(int index, std::string_view text) {
    return check(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8));
  }
  // Without a copy: `text` must outlive this Query (which resets the
  // statement when destroyed).
  Query& bind_static_text(int index, std::string_view text) {
    return check(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC,
                                     SQLITE_UTF8));
  }
  Query& bind_null(int index) { return check(sqlite3_bind_null(stmt_, index)); }
  // NULL for an empty string: "none" in optional text columns.
  Query& bind_static_text_or_null(int index, std::string_view text) {
    return text.empty() ? bind_null(index) : bind_static_text(index, text);
  }

  // True when a row is ready; false when the statement is done.
  bool step();

  [[nodiscard]] bool is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  [[nodiscard]] std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  [[nodiscard]] double real(int column) const { return sqlite3_column_double(stmt_, column); }
  [[nodiscard]] std::size_t size(int column) const {
    return static_cast<std::size_t>(sqlite3_column_int64(stmt_, column));
  }
  [[nodiscard]] std::string text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (data == nullptr) return {};
    return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
  }

 private:
  Query& check(int rc);

  const Connection& connection_;
  sqlite3_stmt* stmt_;
  std::string_view what_;
};

class Connection {
 public:
  Connection(std::string name, DbHandle db) : name_(std::move(name)), db_(std::move(db)) {}

  [[nodiscard]] sqlite3* get() const { return db_.get(); }
  [[nodiscard]] const std::string& name() const { return name_; }

  // The error SQLite reports for the last call, phrased as what failed.
  [[nodiscard]] SqlFailure failure(std::string_view what) const {
    return {name_, "cannot " + std::string(what) + " (" + sqlite3_errmsg(db_.get()) + ")",
            sqlite3_extended_errcode(db_.get())};
  }

  void exec(const std::string& sql, std::string_view what) const {
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw failure(what);
    }
  }

  // exec, retried while it fails with SQLITE_BUSY, which a lock upgrade
  // returns at once without SQLite's busy handler waiting: sleeps 1 ms,
  // doubling to 64 ms, and gives up once kBusyTimeoutMs have passed. Only
  // for a statement that runs outside any transaction and is safe to repeat.
  void exec_retrying_busy(const std::string& sql, std::string_view what) const {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    auto pause = std::chrono::milliseconds(1);
    while (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      if ((sqlite3_errcode(db_.get()) & 0xff) != SQLITE_BUSY ||
          std::chrono::steady_clock::now() + pause > deadline) {
        throw failure(what);
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(2 * pause, std::chrono::milliseconds(64));
    }
  }

  // Prepared once per connection and reused: ingest runs the inserts per figure.
  Query query(std::string_view sql, std::string_view what) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) {
      sqlite3_stmt* raw = nullptr;
      const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      StmtHandle stmt(raw);
      if (rc != SQLITE_OK) throw failure(what);
      found = statements_.emplace(std::string(sql), std::move(stmt)).first;
    }
    return {*this, found->second.get(), what};
  }

 private:
  std::string name_;
  DbHandle db_;
  // Declared after db_, so statements are finalized before the database closes.
  std::map<std::string, StmtHandle, std::less<>> statements_;
};

bool Query::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw connection_.failure(what_);
}

Query& Query::check(int rc) {
  if (rc != SQLITE_OK) throw connection_.failure(what_);
  return *this;
}

// BEGIN IMMEDIATE (take the write lock up front, so a concurrent writer waits
// for busy_timeout instead of failing mid-transaction); rolls back unless
// committed.
class Transaction {
 public:
  explicit Transaction(const Connection& connection) : connection_(connection) {
    connection_.exec("BEGIN IMMEDIATE", "begin transaction");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    // Still inside the transaction when not committed, or when COMMIT failed.
    if (sqlite3_get_autocommit(connection_.get()) == 0) {
      sqlite3_exec(connection_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  void commit() { connection_.exec("COMMIT", "commit transaction"); }

 private:
  const Connection& connection_;
};

// UTC ISO-8601 to the second, e.g. "2026-02-26T10:15:30Z".
std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 32> buffer{};
  const std::size_t n = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return {buffer.data(), n};
}

std::string sha256_hex_of(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw StoreError("cannot compute SHA-256 (OpenSSL EVP_Digest failed)");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

// Inverse of Decimal::to_string ("110000000", "0.3", "-1.5"); nullopt for
// anything else or a value beyond the int64 mantissa.
std::optional<Decimal> parse_decimal(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) return std::nullopt;

  std::string digits = std::string(whole) + std::string(fraction);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  int exponent = -static_cast<int>(fraction.size());
  // Trailing zeros go into the exponent, so 9e30 fits the mantissa.
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  std::int64_t mantissa = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), mantissa);
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  if (mantissa == 0) return Decimal{};
  return Decimal{negative ? -mantissa : mantissa, exponent};
}

// Bytes quoted on one line: control bytes, quotes and backslashes escaped.
std::string quote_bytes(std::string_view bytes) {
  std::string out = "\"";
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || byte == 0x7f) {
      std::array<char, 8> escape{};
      std::snprintf(escape.data(), escape.size(), "\\x%02x", byte);
      out += escape.data();
    } else {
      out += c;
    }
  }
  return out + '"';
}

std::string hex32(std::int64_t value) {
  std::array<char, 16> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "0x%08llx",
                static_cast<unsigned long long>(static_cast<std::uint32_t>(value)));
  return buffer.data();
}

struct Identity {
  std::int64_t application_id = 0;
  std::int64_t user_version = 0;
  std::int64_t schema_objects = 0;
  // A new or empty file: safe to give figtrail's schema.
  [[nodiscard]] bool blank() const { return application_id == 0 && schema_objects == 0; }
};

Identity read_identity(Connection& connection) {
  Query query = connection.query(
      "SELECT (SELECT application_id FROM pragma_application_id),"
      " (SELECT user_version FROM pragma_user_version),"
      " (SELECT count(*) FROM sqlite_schema)",
      "read the database header");
  query.step();
  return {query.integer(0), query.integer(1), query.integer(2)};
}

// An INSERT of many rows a statement. SQLite pays a statement's fixed cost
// (a cursor allocated and opened on the table and on each of its indexes,
// then the statement ended) once for all its rows: with a statement a row,
// that was a sixth of the writer's time.
class RowInsert {
 public:
  static constexpr std::size_t kRowsPerStatement = 32;

  // `head` names the table and its columns: "INSERT INTO t (a, b)".
  RowInsert(std::string_view head, std::string_view what)
      : columns_(1 + static_cast<int>(std::count(head.begin(), head.end(), ','))),
        one_(sql(head, columns_, 1)),
        many_(sql(head, columns_, kRowsPerStatement)),
        what_(what) {}

  // Inserts rows 0 to count - 1, kRowsPerStatement a statement while that
  // many are left, then one a statement: bind_row(query, first, row) binds
  // the row's values to parameters first + 1 to first + columns, in the
  // order of head.
  template <typename BindRow>
  void run(Connection& connection, std::size_t count, BindRow bind_row) const {
    for (std::size_t row = 0; row < count;) {
      const std::size_t rows = count - row >= kRowsPerStatement ? kRowsPerStatement : 1;
      Query insert = connection.query(rows == 1 ? one_ : many_, what_);
      for (std::size_t i = 0; i < rows; ++i) bind_row(insert, static_cast<int>(i) * columns_, row + i);
      insert.step();
      row += rows;
    }
  }

 private:
  static std::string sql(std::string_view head, int columns, std::size_t rows) {
    std::string values = "(?";
    for (int column = 1; column < columns; ++column) values += ", ?";
    values += ')';
    std::string text(head);
    text += " VALUES ";
    for (std::size_t row = 0; row < rows; ++row) {
      if (row > 0) text += ", ";
      text += values;
    }
    return text;
  }

  int columns_;
  std::string one_;
  std::string many_;
  std::string_view what_;
};

const RowInsert& sentence_insert() {
  static const RowInsert insert("INSERT INTO sentences (id, document_id, text)", "insert a sentence");
  return insert;
}

const RowInsert& figure_insert() {
  static const RowInsert insert(
      "INSERT INTO figures (document_id, kind, text, byte_start, byte_end, line, sentence_id,"
      " value, low, high, value_exact, low_exact, high_exact, unit, qualifier, per, rule,"
      " period, projection, value_usd, low_usd, high_usd, fx_rate, fx_year)",
      "insert a figure");
  return insert;
}

// Binds a figure row of figure_insert() from parameter first + 1 on. Its
// text columns are bound without a copy: `figure` outlives the statement.
void bind_figure(Query& insert, int first, std::int64_t document_id,
                 std::optional<std::int64_t> sentence_id, const Figure& figure) {
  const auto at = [first](int column) { return first + column; };
  insert.bind_int(at(1), document_id)
      .bind_static_text(at(2), to_string(figure.kind))
      .bind_static_text(at(3), figure.text)
      .bind_int(at(4), static_cast<std::int64_t>(figure.source.begin))
      .bind_int(at(5), static_cast<std::int64_t>(figure.source.end))
      .bind_int(at(6), static_cast<std::int64_t>(figure.line))
      .bind_static_text(at(14), figure.unit)
      .bind_static_text_or_null(at(15), to_string(figure.qualifier))
      .bind_static_text_or_null(at(16), figure.per)
      .bind_static_text(at(17), figure.rule)
      .bind_static_text_or_null(at(18), figure.period)
      .bind_int(at(19), figure.projection ? 1 : 0);
  const auto bind_optional = [&](int column, const std::optional<double>& number) {
    if (number) {
      insert.bind_real(at(column), *number);
    } else {
      insert.bind_null(at(column));
    }
  };
  bind_optional(20, figure.value_usd);
  bind_optional(21, figure.low_usd);
  bind_optional(22, figure.high_usd);
  bind_optional(23, figure.fx_rate);
  if (figure.fx_rate) {
    insert.bind_int(at(24), figure.fx_year);
  } else {
    insert.bind_null(at(24));
  }
  if (sentence_id) {
    insert.bind_int(at(7), *sentence_id);
  } else {
    insert.bind_null(at(7));
  }
  // Each number twice: REAL for arithmetic, and its exact text three columns on.
  const auto bind_number = [&](int real_column, const std::optional<Decimal>& number) {
    if (number) {
      insert.bind_real(at(real_column), number->to_double())
          .bind_text(at(real_column + 3), number->to_string());
    } else {
      insert.bind_null(at(real_column)).bind_null(at(real_column + 3));
    }
  };
  bind_number(8, figure.value);
  bind_number(9, figure.low);
  bind_number(10, figure.high);
}

}  // namespace

struct Database::Impl {
  struct OpenBatch {
    std::size_t documents = 0;  // store calls in it, failed and unchanged ones too
    std::uint64_t bytes = 0;    // about how much it wrote
    std::chrono::steady_clock::time_point began;
  };
  // What a row costs besides its text, for OpenBatch::bytes: a rough figure
  // (ids, numbers, index entries).
  static constexpr std::uint64_t kRowBytes = 100;

  Connection connection;
  std::int64_t schema_version = kSchemaVersion;  // of the file, once checked
  Batching batching;
  // Documents the next batch may hold: 1 at first, doubling with each commit
  // up to batching.max_documents.
  std::size_t document_limit = 1;
  std::optional<OpenBatch> batch;  // the open batch transaction

  Impl(std::string name, DbHandle db) : connection(std::move(name), std::move(db)) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    // An uncommitted batch is not stored, as after a kill.
    if (batch && in_transaction()) sqlite3_exec(connection.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  [[nodiscard]] const std::string& name() const { return connection.name(); }

  // Reads the header, naming what is wrong when it cannot be read.
  Identity identify() {
    try {
      return read_identity(connection);
    } catch (const SqlFailure& failure) {
      // SQLite reads the header on the first statement; a text file fails here.
      if (failure.code() == SQLITE_NOTADB) throw StoreError(name() + ": not a SQLite database");
      // A writer in rollback-journal mode died mid-transaction; only a
      // read-write open can roll its journal back.
      if (failure.extended_code() == SQLITE_READONLY_ROLLBACK) {
        throw StoreError(name() + ": an interrupted write left " + name() +
                         "-journal beside it, which only a read-write open (such as an ingest)"
                         " can roll back");
      }
      throw;
    }
  }

  // For read-only use: the file must already be a figtrail database.
  void check_schema() {
    const Identity identity = identify();
    if (identity.blank()) throw StoreError(name() + ": not a figtrail database (it is empty)");
    check_identity(identity, kMinReadOnlyVersion);
  }

  // Creates the schema in a new file, or upgrades an older figtrail schema;
  // refuses files that are not figtrail's before writing anything to them.
  //
  // Several processes may open the same new or old file at once: what to do
  // is decided again under the write lock (BEGIN IMMEDIATE), so exactly one
  // of them creates or upgrades the schema and the others find it done.
  void ensure_schema() {
    Identity identity = identify();
    const auto needs_upgrade = [](const Identity& id) {
      return id.application_id == kApplicationId && id.user_version >= 1 &&
             id.user_version < kSchemaVersion;
    };
    if (identity.blank() || identity.application_id == kApplicationId) {
      // WAL before the first write (it is persistent in the file): creating
      // or upgrading the schema is then a WAL transaction, so a process killed
      // in the middle leaves no rollback journal behind, which every
      // read-only open (export, audit, an analyst's client) would trip over.
      connection.exec_retrying_busy("PRAGMA journal_mode = WAL", "switch to WAL mode");
    }
    if (identity.blank() || needs_upgrade(identity)) {
      // The upgrade to version 4 drops and renames tables that foreign keys
      // name; the pragma is a no-op inside a transaction. open() turns them
      // on afterwards.
      connection.exec("PRAGMA foreign_keys = OFF", "disable foreign keys");
      Transaction transaction(connection);
      identity = read_identity(connection);  // another process may have done it meanwhile
      if (identity.blank()) {
        connection.exec(kSchema, "create the schema");
        connection.exec(kFiguresView, "create the figures view");
        connection.exec("PRAGMA application_id = " + std::to_string(kApplicationId),
                        "set the application id");
        connection.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion),
                        "set the schema version");
      } else if (needs_upgrade(identity)) {
        for (auto version = identity.user_version; version < kSchemaVersion; ++version) {
          connection.exec(kMigrations.at(static_cast<std::size_t>(version - 1)),
                          "upgrade the schema from version " + std::to_string(version));
        }
        connection.exec("DROP VIEW IF EXISTS figures_view", "drop the old figures view");
        connection.exec(kFiguresView, "create the figures view");
        connection.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion),
                        "set the schema version");
      }
      identity = read_identity(connection);
      transaction.commit();
    }
    check_identity(identity, kSchemaVersion);
  }

  // Accepts schema versions from `oldest` to kSchemaVersion, and remembers
  // which one this is.
  void check_identity(const Identity& identity, std::int64_t oldest) {
    if (identity.application_id != kApplicationId) {
      throw StoreError(name() + ": not a figtrail database (application_id " +
                       hex32(identity.application_id) + ", figtrail's is " +
                       hex32(kApplicationId) + ")");
    }
    if (identity.user_version < oldest || identity.user_version > kSchemaVersion) {
      const std::string reads = oldest == kSchemaVersion
                                    ? "version " + std::to_string(kSchemaVersion)
                                    : "versions " + std::to_string(oldest) + " to " +
                                          std::to_string(kSchemaVersion);
      const bool upgradable = identity.user_version >= 1 && identity.user_version < kSchemaVersion;
      throw StoreError(name() + ": unsupported figtrail schema version " +
                       std::to_string(identity.user_version) + " (this figtrail reads " + reads +
                       (upgradable ? "; an ingest into it upgrades it" : "") + ")");
    }
    schema_version = identity.user_version;
  }

  // ------------------------------------------------------------ batches

  [[nodiscard]] bool in_transaction() const { return sqlite3_get_autocommit(connection.get()) == 0; }

  void begin_batch() {
    if (batch) return;
    connection.query("BEGIN IMMEDIATE", "begin a transaction").step();
    batch = OpenBatch{0, 0, std::chrono::steady_clock::now()};
  }

  [[nodiscard]] bool batch_full() const {
    return batch &&
           (batch->documents >= document_limit ||
            (batching.max_bytes > 0 && batch->bytes >= batching.max_bytes) || batch_old());
  }
  [[nodiscard]] bool batch_old() const {
    return batch && batching.max_age.count() > 0 &&
           std::chrono::steady_clock::now() - batch->began >= batching.max_age;
  }

  // The batch transaction is gone (rolled back by SQLite, or COMMIT failed).
  BatchLost batch_lost(const std::string& detail) {
    const std::size_t documents = batch ? batch->documents : 0;
    batch.reset();
    if (in_transaction()) sqlite3_exec(connection.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    return BatchLost(name() + ": " + detail + "; " +
                     (documents == 1 ? std::string("the document stored since the last commit is")
                                     : "the " + std::to_string(documents) +
                                           " documents stored since the last commit are") +
                     " not in the database");
  }

  void commit_batch() {
    if (!batch) return;
    try {
      connection.query("COMMIT", "commit the transaction").step();
    } catch (const SqlFailure& failure) {
      throw batch_lost(failure.detail());
    }
    batch.reset();
    document_limit = std::min(batching.max_documents, 2 * document_limit);
  }

  // Stores one document in the batch under a savepoint: a failure rolls back
  // this document only, unless SQLite rolled back the whole transaction.
  StoreOutcome store(std::int64_t run_id, const DocumentRecord& document,
                     std::span<const Figure> figures) {
    if (document_limit == 1 && !batch) {
      // A transaction for this document alone: no savepoint needed.
      begin_batch();
      StoreOutcome outcome{};
      try {
        outcome = write_document(run_id, document, figures);
      } catch (...) {
        batch.reset();
        if (in_transaction()) sqlite3_exec(connection.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
      ++batch->documents;
      commit_batch();
      return outcome;
    }
    begin_batch();
    connection.query("SAVEPOINT document", "begin the document's savepoint").step();
    StoreOutcome outcome{};
    try {
      outcome = write_document(run_id, document, figures);
      connection.query("RELEASE document", "release the document's savepoint").step();
    } catch (...) {
      if (!in_transaction()) {
        throw batch_lost("cannot store " + document.path + ": " + detail_of(std::current_exception()));
      }
      try {
        connection.query("ROLLBACK TO document", "roll back the document").step();
        connection.query("RELEASE document", "release the document's savepoint").step();
      } catch (const SqlFailure& rollback) {
        throw batch_lost("cannot roll back " + document.path + ": " + rollback.detail());
      }
      ++batch->documents;
      if (batch_full()) commit_batch();
      throw;
    }
    ++batch->documents;
    if (batch_full()) commit_batch();
    return outcome;
  }

  // The document's rows, in the open transaction (or savepoint).
  StoreOutcome write_document(std::int64_t run_id, const DocumentRecord& document,
                              std::span<const Figure> figures) {
    std::optional<std::int64_t> old_id;
    {
      Query find = connection.query(
          "SELECT id, sha256, pipeline_version, encoding IS NOT NULL FROM documents"
          " WHERE path = ?1",
          "look up the document");
      find.bind_text(1, document.path);
      if (find.step()) {
        if (find.text(1) == document.sha256 && find.text(2) == kPipelineVersion &&
            find.integer(3) != 0) {
          return StoreOutcome::Unchanged;
        }
        old_id = find.integer(0);
      }
    }
    if (old_id) {
      // Cascades to the old version's sentences and figures.
      connection.query("DELETE FROM documents WHERE id = ?1", "delete the old version")
          .bind_int(1, *old_id)
          .step();
    }
    connection
        .query(
            "INSERT INTO documents (path, sha256, size, ingested_at, pipeline_version, run_id,"
            " encoding, encoding_confidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            "insert the document")
        .bind_text(1, document.path)
        .bind_text(2, document.sha256)
        .bind_int(3, static_cast<std::int64_t>(document.size))
        .bind_text(4, utc_now())
        .bind_text(5, kPipelineVersion)
        .bind_int(6, run_id)
        .bind_text(7, document.encoding)
        .bind_int(8, document.encoding_confidence)
        .step();
    batch->bytes += kRowBytes + document.path.size();
    const std::int64_t document_id = sqlite3_last_insert_rowid(connection.get());

    // Each sentence text once per document, however many figures it holds.
    // They are numbered here, after the highest id in the table (the write
    // lock is ours), so figures name theirs before any row is inserted.
    const std::int64_t first_sentence_id = [this] {
      Query highest = connection.query("SELECT coalesce(max(id), 0) FROM sentences",
                                       "number the sentences");
      highest.step();
      return highest.integer(0) + 1;
    }();
    std::unordered_map<std::string_view, std::int64_t> sentence_ids;
    std::vector<std::string_view> sentences;  // sentences[i] gets id first_sentence_id + i
    std::vector<std::optional<std::int64_t>> figure_sentence_ids;
    figure_sentence_ids.reserve(figures.size());
    for (const Figure& figure : figures) {
      std::optional<std::int64_t> sentence_id;
      if (!figure.sentence.empty()) {
        const auto [it, inserted] = sentence_ids.try_emplace(
            figure.sentence, first_sentence_id + static_cast<std::int64_t>(sentences.size()));
        if (inserted) {
          sentences.push_back(figure.sentence);
          batch->bytes += kRowBytes + figure.sentence.size();
        }
        sentence_id = it->second;
      }
      figure_sentence_ids.push_back(sentence_id);
      batch->bytes += kRowBytes + figure.text.size() + figure.rule.size() + figure.unit.size();
    }
    sentence_insert().run(connection, sentences.size(), [&](Query& insert, int first, std::size_t i) {
      insert.bind_int(first + 1, first_sentence_id + static_cast<std::int64_t>(i))
          .bind_int(first + 2, document_id)
          .bind_static_text(first + 3, sentences[i]);
    });
    figure_insert().run(connection, figures.size(), [&](Query& insert, int first, std::size_t i) {
      bind_figure(insert, first, document_id, figure_sentence_ids[i], figures[i]);
    });
    return old_id ? StoreOutcome::Replaced : StoreOutcome::Stored;
  }

  std::optional<Decimal> exact(const Query& row, int column, std::int64_t figure_id) const {
    if (row.is_null(column)) return std::nullopt;
    const std::string text = row.text(column);
    auto decimal = parse_decimal(text);
    if (!decimal) {
      throw StoreError(name() + ": figure " + std::to_string(figure_id) +
                       " has a malformed exact value " + quote_bytes(text));
    }
    return decimal;
  }

  std::vector<StoredFigure> read_figures(std::optional<Kind> kind) {
    // Version 2 has no encoding column (a read-only open does not upgrade).
    const std::string sql =
        std::string("SELECT f.id, d.path, d.sha256, f.kind, f.text, f.byte_start, f.byte_end, f.line,"
                    " s.text, f.value_exact, f.low_exact, f.high_exact, f.unit, f.qualifier, f.per,"
                    " f.rule, f.period, f.projection, f.value_usd, f.low_usd, f.high_usd, f.fx_rate,"
                    " f.fx_year, ") +
        (schema_version >= 3 ? "d.encoding, d.encoding_confidence" : "NULL, NULL") +
        " FROM figures f JOIN documents d ON d.id = f.document_id"
        " LEFT JOIN sentences s ON s.id = f.sentence_id"
        " WHERE ?1 IS NULL OR f.kind = ?1"
        " ORDER BY d.path, f.byte_start, f.byte_end, f.id";
    Query rows = connection.query(sql, "read figures");
    if (kind) {
      rows.bind_text(1, to_string(*kind));
    }
    std::vector<StoredFigure> result;
    while (rows.step()) {
      const std::int64_t id = rows.integer(0);
      StoredFigure stored{rows.text(1), rows.text(2), rows.text(23), std::nullopt, {}};
      if (!rows.is_null(24)) stored.document_encoding_confidence = static_cast<int>(rows.integer(24));
      Figure& figure = stored.figure;
      const auto figure_kind = kind_from_string(rows.text(3));
      const auto qualifier = qualifier_from_string(rows.text(13));  // NULL reads as ""
      if (!figure_kind || !qualifier) {
        throw StoreError(name() + ": figure " + std::to_string(id) +
                         " has an unknown kind or qualifier");
      }
      figure.kind = *figure_kind;
      figure.text = rows.text(4);
      figure.source = {rows.size(5), rows.size(6)};
      figure.line = rows.size(7);
      figure.sentence = rows.text(8);
      figure.value = exact(rows, 9, id);
      figure.low = exact(rows, 10, id);
      figure.high = exact(rows, 11, id);
      figure.unit = rows.text(12);
      figure.qualifier = *qualifier;
      figure.per = rows.text(14);
      figure.rule = rows.text(15);
      figure.period = rows.text(16);
      figure.projection = rows.integer(17) != 0;
      const auto optional_real = [&rows](int column) -> std::optional<double> {
        if (rows.is_null(column)) return std::nullopt;
        return rows.real(column);
      };
      figure.value_usd = optional_real(18);
      figure.low_usd = optional_real(19);
      figure.high_usd = optional_real(20);
      figure.fx_rate = optional_real(21);
      figure.fx_year = rows.is_null(22) ? 0 : static_cast<int>(rows.integer(22));
      result.push_back(std::move(stored));
    }
    return result;
  }

  // Checks one document against its file; appends what is wrong.
  void audit_document(std::int64_t document_id, const std::string& path,
                      const std::string& sha256, AuditReport& report) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
      report.mismatches.push_back(path + ": file is missing");
      return;
    }
    std::ifstream in(path, std::ios::binary);
    std::string bytes;
    if (in) bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      report.mismatches.push_back(path + ": cannot read file");
      return;
    }
    const std::string now = sha256_hex_of(bytes);
    if (now != sha256) {
      report.mismatches.push_back(path + ": file changed since ingestion (sha256 " +
                                  sha256.substr(0, 12) + "\u2026 now " + now.substr(0, 12) +
                                  "\u2026)");
      return;
    }
    Query rows = connection.query(
        "SELECT id, text, byte_start, byte_end FROM figures WHERE document_id = ?1"
        " ORDER BY byte_start, byte_end, id",
        "read figures to audit");
    rows.bind_int(1, document_id);
    while (rows.step()) {
      ++report.figures_checked;
      const std::string text = rows.text(1);
      const std::size_t start = rows.size(2);
      const std::size_t end = rows.size(3);
      const std::string where = path + ": figure " + std::to_string(rows.integer(0)) +
                                " at bytes [" + std::to_string(start) + "," +
                                std::to_string(end) + ")";
      if (end > bytes.size() || start > end) {
        report.mismatches.push_back(where + " lies outside the file's " +
                                    std::to_string(bytes.size()) + " bytes");
      } else if (const std::string_view actual(bytes.data() + start, end - start);
                 actual != text) {
        report.mismatches.push_back(where + " reads " + quote_bytes(actual) + " but stored " +
                                    quote_bytes(text));
      }
    }
  }
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Database Database::open(const std::filesystem::path& path, Mode mode) {
  const std::string name = path.string();
  const bool read_only = mode == Mode::ReadOnly;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      name.c_str(), &raw, read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  DbHandle db(raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) {
    throw StoreError(name + ": cannot open database (" +
                     (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)) + ")");
  }
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  auto impl = std::make_unique<Impl>(name, std::move(db));
  if (read_only) {
    impl->check_schema();
    return Database(std::move(impl));
  }
  impl->ensure_schema();  // also puts the file in WAL mode
  impl->connection.exec("PRAGMA foreign_keys = ON", "enable foreign keys");
  impl->connection.exec("PRAGMA synchronous = NORMAL", "set synchronous mode");
  // Every temporary file of the writing connection goes to memory. The one
  // that matters: a document's savepoint, and each statement of many rows,
  // keeps each page it changes as it was, to roll back to; past 64 KiB SQLite
  // wrote that journal to a temporary file, a system call a page. In memory
  // it holds one document's pages at most and, like the file, serves only
  // rollbacks inside the open transaction: what a kill loses is unchanged.
  // (Read-only connections, such as export's, keep SQLite's default.)
  impl->connection.exec("PRAGMA temp_store = MEMORY", "keep temporary files in memory");
  return Database(std::move(impl));
}

std::int64_t Database::begin_run(std::string_view command) {
  impl_->connection
      .query(
          "INSERT INTO runs (started_at, command, pipeline_version) VALUES (?1, ?2, ?3)",
          "start a run")
      .bind_text(1, utc_now())
      .bind_text(2, command)
      .bind_text(3, kPipelineVersion)
      .step();
  const std::int64_t run_id = sqlite3_last_insert_rowid(impl_->connection.get());
  impl_->commit_batch();
  return run_id;
}

void Database::set_batching(const Batching& batching) {
  impl_->batching = batching;
  impl_->batching.max_documents = std::max<std::size_t>(1, batching.max_documents);
  impl_->document_limit = 1;
  if (impl_->batch_full()) impl_->commit_batch();
}

void Database::commit() { impl_->commit_batch(); }

void Database::commit_if_due() {
  if (impl_->batch_old()) impl_->commit_batch();
}

void Database::finish_run(std::int64_t run_id, const RunSummary& summary) {
  impl_->connection
      .query(
          "UPDATE runs SET finished_at = ?2, documents_stored = ?3, documents_unchanged = ?4,"
          " documents_failed = ?5, figures_stored = ?6 WHERE id = ?1",
          "finish the run")
      .bind_int(1, run_id)
      .bind_text(2, utc_now())
      .bind_int(3, summary.documents_stored)
      .bind_int(4, summary.documents_unchanged)
      .bind_int(5, summary.documents_failed)
      .bind_int(6, summary.figures_stored)
      .step();
  const bool found = sqlite3_changes(impl_->connection.get()) != 0;
  impl_->commit_batch();
  if (!found) {
    throw StoreError(impl_->name() + ": cannot finish run " + std::to_string(run_id) +
                     " (no such run)");
  }
}

bool Database::is_current(std::string_view path, std::string_view sha256) const {
  if (impl_->schema_version < 3) return false;  // read-only, version 2: no encoding recorded
  Query query = impl_->connection.query(
      "SELECT 1 FROM documents WHERE path = ?1 AND sha256 = ?2 AND pipeline_version = ?3"
      " AND encoding IS NOT NULL",
      "look up the document");
  query.bind_text(1, path).bind_text(2, sha256).bind_text(3, kPipelineVersion);
  return query.step();
}

StoreOutcome Database::store_document(std::int64_t run_id, const DocumentRecord& document,
                                      std::span<const Figure> figures) {
  try {
    return impl_->store(run_id, document, figures);
  } catch (const SqlFailure& failure) {
    throw StoreError(impl_->name() + ": cannot store " + document.path + ": " + failure.detail());
  }
}

void Database::record_error(std::int64_t run_id, std::string_view path, std::string_view message) {
  impl_->connection
      .query("INSERT INTO errors (run_id, path, message, at) VALUES (?1, ?2, ?3, ?4)",
             "record an error")
      .bind_int(1, run_id)
      .bind_text(2, path)
      .bind_text(3, message)
      .bind_text(4, utc_now())
      .step();
}

std::vector<StoredFigure> Database::figures(std::optional<Kind> kind) const {
  return impl_->read_figures(kind);
}

std::int64_t Database::document_count() const {
  Query query = impl_->connection.query("SELECT count(*) FROM documents", "count documents");
  query.step();
  return query.integer(0);
}

std::vector<std::pair<std::string, std::int64_t>> Database::figure_counts_by_kind() const {
  Query rows = impl_->connection.query(
      "SELECT kind, count(*) FROM figures GROUP BY kind ORDER BY kind", "count figures");
  std::vector<std::pair<std::string, std::int64_t>> counts;
  while (rows.step()) counts.emplace_back(rows.text(0), rows.integer(1));
  return counts;
}

AuditReport Database::audit() const {
  struct Stored {
    std::int64_t id;
    std::string path;
    std::string sha256;
  };
  std::vector<Stored> documents;
  {
    Query rows = impl_->connection.query("SELECT id, path, sha256 FROM documents ORDER BY path",
                                         "list documents");
    while (rows.step()) documents.push_back({rows.integer(0), rows.text(1), rows.text(2)});
  }
  AuditReport report;
  for (const Stored& document : documents) {
    ++report.documents_checked;
    impl_->audit_document(document.id, document.path, document.sha256, report);
  }
  return report;
}

}  // namespace figtrail
