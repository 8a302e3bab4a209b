// store: figtrail's SQLite database (WAL mode). Each document is atomic (its
// figures land whole or not at all): by default it is stored in a transaction
// of its own; with batching on, several documents share a transaction and
// each has a savepoint of its own. A `runs` row per run; provenance (source
// byte span, line, sentence, rule) on every figure; and an audit that proves
// each stored span against the file on disk.
//
// The schema is documented for analysts in README.md ("Database schema").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "figtrail/figure.hpp"

struct sqlite3;

namespace figtrail {

// Raised for a database that cannot be opened, is not figtrail's, or fails a
// statement. what() is one line a user can act on.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Raised when the open batch transaction is gone: its COMMIT failed, or
// SQLite rolled it back whole (disk full, I/O error). The documents stored
// since the last commit are not in the database, as after a kill; the
// Database starts a new transaction on the next store.
class BatchLost : public StoreError {
 public:
  using StoreError::StoreError;
};

// What ingest stores about a document besides its figures.
struct DocumentRecord {
  std::string path;  // as given by the user
  std::string sha256;
  std::uint64_t size = 0;
  // The encoding the bytes were read in and how sure its detection was,
  // 0-100 (Document::encoding, Document::encoding_confidence).
  std::string encoding = "UTF-8";
  int encoding_confidence = 100;
};

enum class StoreOutcome {
  Stored,     // new document
  Replaced,   // same path, different content or pipeline version: old figures deleted
  Unchanged,  // same path, same SHA-256, same pipeline version: nothing written
};

struct RunSummary {
  std::int64_t documents_stored = 0;
  std::int64_t documents_unchanged = 0;
  std::int64_t documents_failed = 0;
  std::int64_t figures_stored = 0;
};

// A figure as read back from the database, with its document. The figure's
// text and sentence are the original bytes, in document_encoding.
struct StoredFigure {
  std::string document_path;
  std::string document_sha256;
  // Empty when not recorded (a document stored under schema version 2).
  std::string document_encoding;
  // How sure its detection was, 0-100; none when document_encoding is empty.
  std::optional<int> document_encoding_confidence;
  Figure figure;
};

// When a batch transaction is committed: once whichever limit it reaches
// first. The first batch holds one document, and each next one may hold
// twice as many as the last, up to max_documents (a slow start, as in TCP):
// a run shows its first documents at once, and a kill early in it loses
// little, while a long run soon commits max_documents at a time. The
// default, one document, is a transaction per document.
struct Batching {
  std::size_t max_documents = 1;         // store_document calls in it (0 counts as 1)
  std::uint64_t max_bytes = 0;           // about this much written (0: no limit)
  std::chrono::milliseconds max_age{0};  // since it began (0: no limit)
};

// What `figtrail ingest` uses: after 64 documents, about 2 MB of rows
// (SQLite's default page cache holds them) or 50 ms, whichever comes first.
// The age bounds how long another writer waits for the lock and how much
// work a kill loses.
inline constexpr Batching kIngestBatching{64, 2'000'000, std::chrono::milliseconds(50)};

struct AuditReport {
  std::int64_t documents_checked = 0;
  std::int64_t figures_checked = 0;
  // One line each: "<path>: <what is wrong>".
  std::vector<std::string> mismatches;
  [[nodiscard]] bool ok() const { return mismatches.empty(); }
};

class Database {
 public:
  // Opens or creates the database at `path` with figtrail's schema. Throws
  // StoreError if the file is not a SQLite database, or is one that is not
  // figtrail's (has tables but no figtrail schema marker), or cannot be
  // created.
  //
  // ReadOnly opens an existing figtrail database without ever writing to it
  // (for export and audit); a blank file is then "not a figtrail database".
  enum class Mode { ReadWrite, ReadOnly };
  static Database open(const std::filesystem::path& path, Mode mode = Mode::ReadWrite);

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  // Rolls back an open batch: its documents are not stored, as after a kill.
  ~Database();

  // Starts a run; returns its id. `command` is recorded as given. The
  // run row is committed at once.
  std::int64_t begin_run(std::string_view command);
  // Records the summary and commits it with the open batch, if any.
  void finish_run(std::int64_t run_id, const RunSummary& summary);

  // True when a document with this path, SHA-256 and the current pipeline
  // version is stored already, with its encoding recorded (so the caller can
  // skip extraction). Sees only committed documents of other connections.
  [[nodiscard]] bool is_current(std::string_view path, std::string_view sha256) const;

  // Stores one document and its figures, replacing any earlier version of the
  // same path, atomically: in the open batch transaction (starting one if
  // none is open) under a savepoint of its own. Commits the batch when it
  // reaches a limit of set_batching; by default, that is at once. Until then
  // other connections do not see the document.
  //
  // On failure throws StoreError naming the document, and the database (the
  // batch included) holds what it held before this call; the batch goes on.
  // Throws BatchLost when committing fails or the failure took the batch
  // transaction with it.
  StoreOutcome store_document(std::int64_t run_id, const DocumentRecord& document,
                              std::span<const Figure> figures);

  // Makes store_document group documents into transactions (see Batching).
  // Holding a batch open holds SQLite's write lock: other writers wait (up to
  // the busy timeout, 30 s), readers do not. A caller that may wait long
  // between documents calls commit_if_due while it waits.
  void set_batching(const Batching& batching);
  // Commits the open batch, if any. Throws BatchLost when that fails.
  void commit();
  // Commits the open batch if it is older than Batching::max_age.
  void commit_if_due();

  // Records an input that could not be processed in this run (in the open
  // batch, if any).
  void record_error(std::int64_t run_id, std::string_view path, std::string_view message);

  // All stored figures ordered by document path then byte_start; only one
  // kind when `kind` is given.
  [[nodiscard]] std::vector<StoredFigure> figures(std::optional<Kind> kind = std::nullopt) const;

  [[nodiscard]] std::int64_t document_count() const;
  // Figure count by kind name, kinds with no figures omitted, ordered by kind.
  [[nodiscard]] std::vector<std::pair<std::string, std::int64_t>> figure_counts_by_kind() const;

  // Re-reads every stored document from its path, checks its SHA-256 and that
  // the bytes at each figure's span equal its stored text.
  [[nodiscard]] AuditReport audit() const;

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace figtrail
