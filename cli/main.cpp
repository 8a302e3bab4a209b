// figtrail's command line: wires ingest → extract → normalize → store.
// Data goes to stdout, messages to stderr. Exit status: 0 all good, 1 some
// input failed (the rest of the batch still ran), 2 usage error.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "figtrail/ingest.hpp"
#include "figtrail/normalize.hpp"
#include "figtrail/store.hpp"
#include "figtrail/version.hpp"
#include "inputs.hpp"
#include "json_line.hpp"
#include "pipeline.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitInputFailed = 1;
constexpr int kExitUsage = 2;

void report(std::string_view message) { std::cerr << "figtrail: " << message << '\n'; }

// "1 document", "2 documents".
std::string count_of(std::int64_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

std::string mismatches_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " mismatch" : " mismatches"); }

// Limits that keep memory and time bounded on hostile input; each has a
// flag to change it (README, "Limits").
struct Limits {
  std::uint64_t max_file_size = 64ull << 20;    // bytes
  std::uint64_t max_line_length = 16ull << 20;  // bytes of the original file (IngestOptions)
  std::size_t max_figures = 200'000;            // candidate figures per document
};



struct ReadOptions {
  Limits limits;
  figtrail::IngestOptions ingest;
  figtrail::cli::InputSelection selection;
};

// An exact number as a JSON integer when it is one that fits, else a double.
void add_number(figtrail::cli::JsonLine& j, std::string_view key, const figtrail::Decimal& d) {
  const figtrail::Decimal n = d.normalized();
  if (n.exponent >= 0 && n.exponent <= 18) {
    std::int64_t v = n.mantissa;
    bool fits = true;
    for (int i = 0; i < n.exponent && fits; ++i) fits = !__builtin_mul_overflow(v, 10, &v);
    if (fits) {
      j.integer(key, v);
      return;
    }
  }
  j.real(key, d.to_double());
}

// Stored text (a figure's or a sentence's original bytes) as UTF-8, for JSON
// and CSV: decoded from the document's encoding (empty: not recorded, read
// as UTF-8) exactly as extract decodes a span, each undecodable byte becoming
// U+FFFD. The Document only carries the bytes and the encoding to
// source_utf8, the one decoder extract uses too.
std::string utf8_of(const std::string& bytes, const std::string& encoding) {
  if ((encoding.empty() || encoding == "UTF-8") && figtrail::is_utf8(bytes)) return bytes;
  figtrail::Document carrier;
  carrier.bytes = bytes;
  if (!encoding.empty()) carrier.encoding = encoding;
  return carrier.source_utf8({0, bytes.size()});
}

// What export adds to a figure's line: its document's fields, and its sentence.
struct StoredFields {
  std::string_view sha256;
  std::string_view sentence;
  std::string_view encoding;  // empty: null (not recorded)
  std::optional<std::int64_t> encoding_confidence;
};

// Appends a figure's JSON line to `out`, its fields in key order (JsonLine).
// `doc_json` is the document's path as a JSON string, escaped once for all
// of the document's figures.
void append_figure_json(std::string& out, std::string_view doc_json, const figtrail::Figure& f,
                        const StoredFields* stored = nullptr) {
  const bool money = f.kind == figtrail::Kind::Money;
  figtrail::cli::JsonLine j(out);
  j.integer("byte_end", static_cast<std::int64_t>(f.source.end))
      .integer("byte_start", static_cast<std::int64_t>(f.source.begin))
      .json("doc", doc_json);
  if (stored) {
    j.text_or_null("encoding", stored->encoding).integer_or_null("encoding_confidence", stored->encoding_confidence);
  }
  if (money) {
    j.real_or_null("fx_rate", f.fx_rate)
        .integer_or_null("fx_year", f.fx_rate ? std::optional<std::int64_t>(f.fx_year) : std::nullopt);
  }
  if (f.high) add_number(j, "high", *f.high);
  if (money && f.high) j.real_or_null("high_usd", f.high_usd);
  j.text("kind", figtrail::to_string(f.kind)).integer("line", static_cast<std::int64_t>(f.line));
  if (f.low) add_number(j, "low", *f.low);
  if (money && f.low) j.real_or_null("low_usd", f.low_usd);
  j.text_or_null("per", f.per)
      .text_or_null("period", f.period)
      .boolean("projection", f.projection)
      .text_or_null("qualifier", figtrail::to_string(f.qualifier))
      .text("rule", f.rule);
  if (stored) j.text("sentence", stored->sentence).text("sha256", stored->sha256);
  j.text("text", f.text).text("unit", f.unit);
  if (f.value) add_number(j, "value", *f.value);
  if (money && (f.value || !f.low)) j.real_or_null("value_usd", f.value_usd);
  j.end();
}

std::string json_string(std::string_view text) {
  std::string json;
  figtrail::cli::append_json_string(json, text);
  return json;
}

std::string read_stdin() {
  std::ios::sync_with_stdio(false);
  return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
}

// One document's trip through the pipeline, made on a worker thread and
// reported on the main thread in input order.
struct Processed {
  std::string path;
  std::optional<figtrail::Document> document;
  std::vector<figtrail::Figure> figures;
  std::string jsonl;                  // extract: the figures' lines, written by the worker
  std::vector<std::string> warnings;  // reported, not failures
  std::string error;                  // one line; empty when all went well
  bool unchanged = false;             // ingest: already stored, not extracted
  std::uint64_t bytes = 0;
};

// Loads a document ("-" is standard input) within the limits, or says why not.
Processed load(const std::string& path, const ReadOptions& read) {
  Processed out;
  out.path = path;
  const Limits& limits = read.limits;
  try {
    std::error_code ec;
    if (path != "-" && fs::is_regular_file(path, ec)) {
      const std::uintmax_t size = fs::file_size(path, ec);
      if (!ec && size > limits.max_file_size) {
        throw figtrail::IngestError(path + ": file too large (" + std::to_string(size) + " bytes; the limit is " +
                                    std::to_string(limits.max_file_size) + ", see --max-file-size)");
      }
    }
    const auto too_large = [&](std::size_t size) {
      return figtrail::IngestError(path + ": input too large (" + std::to_string(size) + " bytes; the limit is " +
                                   std::to_string(limits.max_file_size) + ", see --max-file-size)");
    };
    // The line-length limit is checked on the raw bytes, before decoding.
    figtrail::IngestOptions options = read.ingest;
    options.max_line_length = limits.max_line_length;
    figtrail::Document doc;
    if (path == "-") {
      std::string bytes = read_stdin();
      if (bytes.size() > limits.max_file_size) throw too_large(bytes.size());
      doc = figtrail::make_document("-", std::move(bytes), figtrail::SourceFormat::PlainText, options);
    } else {
      doc = figtrail::load_document(path, options);
    }
    // A file that grew since its size was checked, or that is not a regular file.
    if (doc.bytes.size() > limits.max_file_size) throw too_large(doc.bytes.size());
    if (doc.folded.replaced_bytes > 0) {
      out.warnings.push_back(path + ": warning: " + std::to_string(doc.folded.replaced_bytes) +
                             " invalid UTF-8 byte(s) replaced with U+FFFD");
    }
    out.bytes = doc.bytes.size();
    out.document = std::move(doc);
  } catch (const figtrail::LineTooLongError& e) {
    out.error = std::string(e.what()) + ", see --max-line-length";
  } catch (const figtrail::IngestError& e) {
    out.error = e.what();
  } catch (const std::exception& e) {
    out.error = path + ": " + e.what();
  }
  return out;
}

// Extracts the loaded document's figures, or says why not.
void extract(const figtrail::FxTable& fx, const Limits& limits, Processed& out) {
  try {
    out.figures = figtrail::extract_figures(*out.document, fx, limits.max_figures);
  } catch (const figtrail::LimitError& e) {
    out.error = out.path + ": cannot extract (" + e.what() + "; see --max-figures)";
  } catch (const std::exception& e) {
    out.error = out.path + ": cannot extract (" + e.what() + ")";
  }
}

// A progress line on stderr for long runs, only when stderr is a terminal.
class Progress {
 public:
  Progress(std::size_t total, bool enabled) : total_(total), enabled_(enabled && ::isatty(STDERR_FILENO) != 0) {}
  void advance(std::uint64_t bytes) {
    ++done_;
    bytes_ += bytes;
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && done_ != total_) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(bytes_) / 1e6 / seconds : 0;
    const double eta = seconds * static_cast<double>(total_ - done_) / static_cast<double>(done_);
    std::fprintf(stderr, "\r%zu/%zu files, %.1f MB/s, ETA %.0f s   ", done_, total_, rate, eta);
    std::fflush(stderr);
  }
  ~Progress() {
    if (enabled_ && done_ > 0) std::fprintf(stderr, "\r\033[K");
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

 private:
  std::size_t total_;
  bool enabled_;
  std::size_t done_ = 0;
  std::uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

struct RunOptions {
  ReadOptions read;
  unsigned jobs = 1;
  bool quiet = false;
};

int run_extract(const std::vector<std::string>& paths, const RunOptions& options, const figtrail::FxTable& fx) {
  const figtrail::cli::Inputs inputs = figtrail::cli::expand_inputs(paths, options.read.selection);
  int failed = static_cast<int>(inputs.problems.size());
  for (const auto& problem : inputs.problems) report(problem.message);
  Progress progress(inputs.files.size(), !options.quiet);
  figtrail::cli::run_in_order<Processed>(
      inputs.files.size(), options.jobs,
      [&](std::size_t i) {
        Processed out = load(inputs.files[i], options.read);
        if (out.document) extract(fx, options.read.limits, out);
        if (out.document) {
          const std::string doc_json = json_string(out.path);
          // extract prints UTF-8: the span's bytes in the document's encoding, converted.
          for (figtrail::Figure& f : out.figures) {
            if (out.document->encoding != "UTF-8" || !figtrail::is_utf8(f.text)) {
              f.text = out.document->source_utf8(f.source);
            }
            append_figure_json(out.jsonl, doc_json, f);
          }
        }
        out.document.reset();  // only the output travels on
        out.figures.clear();
        return out;
      },
      [&](std::size_t, Processed&& out) {
        for (const std::string& w : out.warnings) report(w);
        if (!out.error.empty()) {
          report(out.error);
          ++failed;
        } else {
          std::cout << out.jsonl;
        }
        progress.advance(out.bytes);
      });
  return failed > 0 ? kExitInputFailed : kExitOk;
}

int run_ingest(const std::string& db_path, const std::vector<std::string>& paths, const std::string& command,
               const RunOptions& options, const figtrail::FxTable& fx) {
  figtrail::Database db = figtrail::Database::open(db_path);
  const figtrail::cli::Inputs inputs = figtrail::cli::expand_inputs(paths, options.read.selection);
  const std::int64_t run = db.begin_run(command);
  figtrail::RunSummary summary;
  summary.documents_failed = static_cast<std::int64_t>(inputs.problems.size());
  for (const auto& problem : inputs.problems) {
    report(problem.message);
    db.record_error(run, problem.path, problem.message);
  }
  // Several documents a transaction, each under its own savepoint (README,
  // "Atomicity"); a batch is committed at kIngestBatching limits, while the writer
  // waits for the workers once it is old, and by finish_run.
  db.set_batching(figtrail::kIngestBatching);
  const figtrail::cli::Idle idle{std::chrono::milliseconds(10), [&db] { db.commit_if_due(); }};
  // The writer is the pipeline's bottleneck: the workers run up to eight
  // documents ahead each, at nice +10, so that it always has a core
  // (README, "Performance": 25-30% less time for `ingest --jobs 2`).
  const figtrail::cli::Pace writer_first{8, 10};
  Progress progress(inputs.files.size(), !options.quiet);
  figtrail::cli::run_in_order<Processed>(
      inputs.files.size(), options.jobs,
      [&](std::size_t i) {
        Processed out = load(inputs.files[i], options.read);
        if (!out.document) return out;
        try {
          // Each worker asks its own read-only connection whether the
          // document is stored already; the single writer is the main thread.
          thread_local std::optional<figtrail::Database> reader;
          if (!reader) reader.emplace(figtrail::Database::open(db_path, figtrail::Database::Mode::ReadOnly));
          out.unchanged = reader->is_current(out.document->path, out.document->sha256);
        } catch (const std::exception& e) {
          out.error = e.what();
          return out;
        }
        if (!out.unchanged) extract(fx, options.read.limits, out);
        return out;
      },
      [&](std::size_t, Processed&& out) {
        progress.advance(out.bytes);
        for (const std::string& w : out.warnings) report(w);
        if (out.error.empty() && out.unchanged) {
          ++summary.documents_unchanged;
          return;
        }
        if (out.error.empty()) {
          try {
            const figtrail::Document& doc = *out.document;
            const figtrail::StoreOutcome outcome = db.store_document(
                run, {doc.path, doc.sha256, doc.bytes.size(), doc.encoding, doc.encoding_confidence},
                out.figures);
            if (outcome == figtrail::StoreOutcome::Unchanged) {  // another ingest stored it meanwhile
              ++summary.documents_unchanged;
              return;
            }
            ++summary.documents_stored;
            summary.figures_stored += static_cast<std::int64_t>(out.figures.size());
            return;
          } catch (const figtrail::BatchLost&) {
            throw;  // the documents of the open batch are gone: stop, as after a kill
          } catch (const figtrail::StoreError& e) {
            out.error = e.what();
          }
        }
        report(out.error);
        db.record_error(run, out.path, out.error);
        ++summary.documents_failed;
      },
      idle, writer_first);
  db.finish_run(run, summary);  // commits the last batch

  std::cout << "run " << run << ": " << summary.documents_stored << " stored, " << summary.documents_unchanged
            << " unchanged, " << summary.documents_failed << " failed, " << count_of(summary.figures_stored, "figure")
            << " stored\n";
  std::cout << "database " << db_path << ": " << count_of(db.document_count(), "document");
  for (const auto& [kind, count] : db.figure_counts_by_kind()) std::cout << ", " << count << ' ' << kind;
  std::cout << '\n';
  return summary.documents_failed > 0 ? kExitInputFailed : kExitOk;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string decimal_text(const std::optional<figtrail::Decimal>& d) { return d ? d->to_string() : ""; }

// A double in CSV: shortest text that reads back to the same value.
std::string real_text(const std::optional<double>& v) {
  if (!v) return "";
  return json(*v).dump();
}

int run_export(const std::string& db_path, const std::string& format, const std::string& kind_name) {
  std::optional<figtrail::Kind> kind;
  if (!kind_name.empty()) kind = figtrail::kind_from_string(kind_name);
  if (!fs::exists(db_path)) {
    report(db_path + ": no such database");
    return kExitInputFailed;
  }
  const auto db = figtrail::Database::open(db_path, figtrail::Database::Mode::ReadOnly);
  auto figures = db.figures(kind);
  // Stored text is the original bytes (audit checks them); output is UTF-8.
  // The document's encoding and its confidence are printed too, last in CSV
  // so that the columns before them keep their places.
  for (figtrail::StoredFigure& s : figures) {
    s.figure.text = utf8_of(s.figure.text, s.document_encoding);
    s.figure.sentence = utf8_of(s.figure.sentence, s.document_encoding);
  }
  if (format == "csv") {
    std::cout << "document,sha256,kind,text,value,low,high,unit,qualifier,per,period,projection,value_usd,low_usd,"
                 "high_usd,fx_rate,fx_year,byte_start,byte_end,line,rule,sentence,encoding,encoding_confidence\r\n";
    for (const figtrail::StoredFigure& s : figures) {
      const figtrail::Figure& f = s.figure;
      std::cout << csv_field(s.document_path) << ',' << s.document_sha256 << ',' << figtrail::to_string(f.kind)
                << ',' << csv_field(f.text) << ',' << decimal_text(f.value) << ',' << decimal_text(f.low) << ','
                << decimal_text(f.high) << ',' << csv_field(f.unit) << ',' << figtrail::to_string(f.qualifier)
                << ',' << csv_field(f.per) << ',' << csv_field(f.period) << ',' << (f.projection ? "1" : "0") << ','
                << real_text(f.value_usd) << ',' << real_text(f.low_usd) << ',' << real_text(f.high_usd) << ','
                << real_text(f.fx_rate) << ',' << (f.fx_rate ? std::to_string(f.fx_year) : "") << ','
                << f.source.begin << ',' << f.source.end << ',' << f.line << ',' << csv_field(f.rule) << ','
                << csv_field(f.sentence) << ',' << csv_field(s.document_encoding) << ','
                << (s.document_encoding_confidence ? std::to_string(*s.document_encoding_confidence) : "") << "\r\n";
    }
    return kExitOk;
  }
  // Figures come ordered by document: a document's path is escaped once.
  std::string_view doc_path;
  std::string doc_json;
  std::string line;
  for (const figtrail::StoredFigure& s : figures) {
    if (doc_json.empty() || s.document_path != doc_path) {
      doc_path = s.document_path;
      doc_json = json_string(doc_path);
    }
    // The encoding fields are null for a document stored before schema version 3.
    const StoredFields stored{s.document_sha256, s.figure.sentence, s.document_encoding,
                              s.document_encoding_confidence};
    line.clear();
    append_figure_json(line, doc_json, s.figure, &stored);
    std::cout << line;
  }
  return kExitOk;
}

int run_audit(const std::string& db_path) {
  if (!fs::exists(db_path)) {
    report(db_path + ": no such database");
    return kExitInputFailed;
  }
  const auto db = figtrail::Database::open(db_path, figtrail::Database::Mode::ReadOnly);
  const figtrail::AuditReport audit = db.audit();
  for (const std::string& mismatch : audit.mismatches) std::cout << "MISMATCH " << mismatch << '\n';
  std::cout << "audit: " << count_of(audit.documents_checked, "document") << ", "
            << count_of(audit.figures_checked, "figure") << " checked, "
            << mismatches_text(audit.mismatches.size()) << '\n';
  return audit.ok() ? kExitOk : kExitInputFailed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"figtrail: key figures from bilingual market reports, with provenance.\n"
               "Exit status: 0 all good, 1 some input failed, 2 usage error."};
  app.set_version_flag("--version", std::string("figtrail ") + figtrail::kVersion);
  app.require_subcommand(1);

  std::string db_path = "figtrail.db";
  const CLI::Validator kNotEmpty(
      [](std::string& value) { return value.empty() ? std::string("must not be empty") : std::string(); },
      "NOT EMPTY");
  std::vector<std::string> paths;
  std::string format = "jsonl";
  std::string kind;
  std::string fx_path;
  std::string files_from;
  RunOptions run_options;
  ReadOptions& read_options = run_options.read;
  run_options.jobs = std::max(1u, std::thread::hardware_concurrency());

  CLI::App* ingest = app.add_subcommand("ingest", "Extract figures from files or directories into the database");
  ingest->add_option("--db", db_path, "SQLite database file")->capture_default_str()->check(kNotEmpty);
  ingest->add_option("paths", paths, "Files or directories (walked recursively)");
  CLI::App* extract = app.add_subcommand("extract", "Print the figures of files as JSON Lines (no database)");
  extract->add_option("paths", paths, "Files or directories; - reads standard input");
  for (CLI::App* reader : {ingest, extract}) {
    reader->add_option("--files-from", files_from, "Also read the paths listed in FILE, one a line");
    // One glob per flag, so `--exclude 'skip*' dir` leaves `dir` a path.
    reader
        ->add_option("--include", read_options.selection.include,
                     "Glob a file found in a directory must match (repeatable; default: .txt .md .html ...)")
        ->allow_extra_args(false);
    reader->add_option("--exclude", read_options.selection.exclude, "Glob that drops a file found in a directory")
        ->allow_extra_args(false);
    reader->add_option("--fx", fx_path, "Exchange rate table (CSV: currency,year,per_usd) instead of the built-in one");
    reader->add_option("--max-file-size", read_options.limits.max_file_size, "Refuse larger files (bytes)")
        ->capture_default_str();
    reader->add_option("--max-line-length", read_options.limits.max_line_length,
                       "Refuse files with a longer line (bytes)")
        ->capture_default_str();
    reader->add_option("--max-figures", read_options.limits.max_figures,
                       "Refuse documents with more candidate figures")
        ->capture_default_str();
    reader->add_option("--jobs,-j", run_options.jobs, "Worker threads (default: the number of cores)")
        ->check(CLI::Range(1u, 1024u));
    reader->add_flag("--quiet,-q", run_options.quiet, "No progress line on a terminal");
    reader->add_option("--encoding", read_options.ingest.encoding,
                       "Read every input in this encoding instead of detecting it (UTF-8, GB18030, Big5, ...)");
  }


  CLI::App* exporter = app.add_subcommand("export", "Print stored figures (JSON Lines or CSV)");
  exporter->add_option("--db", db_path, "SQLite database file")->capture_default_str()->check(kNotEmpty);
  exporter->add_option("--format", format, "jsonl or csv")->check(CLI::IsMember({"jsonl", "csv"}))->capture_default_str();
  exporter->add_option("--kind", kind, "Only this kind")
      ->check(CLI::IsMember({"money", "percent", "multiple", "quantity", "count"}));

  CLI::App* audit = app.add_subcommand("audit", "Prove every stored figure against its source file");
  audit->add_option("--db", db_path, "SQLite database file")->capture_default_str()->check(kNotEmpty);

  // CLI11 would call an unknown first word "a missing subcommand": name it.
  if (argc > 1) {
    const std::string first = argv[1];
    const bool known = first == "ingest" || first == "extract" || first == "export" || first == "audit" ||
                       first == "--help" || first == "-h" || first == "--version";
    if (!known) {
      report((first.rfind('-', 0) == 0 ? "unknown option '" : "unknown command '") + first +
             "' (commands: ingest, extract, export, audit; see figtrail --help)");
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    report(std::string(e.what()) + " (see figtrail --help)");
    return kExitUsage;
  }

  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);

  try {
    std::optional<figtrail::FxTable> user_fx;
    if (!fx_path.empty()) user_fx = figtrail::FxTable::load(fx_path);
    const figtrail::FxTable& fx = user_fx ? *user_fx : figtrail::FxTable::builtin();
    if (!read_options.ingest.encoding.empty()) {
      const auto canonical = figtrail::canonical_encoding(read_options.ingest.encoding);
      if (!canonical) {
        report("unknown encoding '" + read_options.ingest.encoding + "' (see figtrail --help)");
        return kExitUsage;
      }
      read_options.ingest.encoding = *canonical;
    }
    if (*ingest || *extract) {
      if (!files_from.empty()) {
        const std::vector<std::string> listed = figtrail::cli::read_path_list(files_from);
        paths.insert(paths.end(), listed.begin(), listed.end());
      }
      if (paths.empty()) {
        report("no input: give files, directories or --files-from (see figtrail --help)");
        return kExitUsage;
      }
    }
    if (*ingest) {
      if (std::find(paths.begin(), paths.end(), "-") != paths.end()) {
        report("ingest cannot read standard input: audit needs a file to prove spans against; use extract -");
        return kExitUsage;
      }
      return run_ingest(db_path, paths, command, run_options, fx);
    }
    if (*extract) return run_extract(paths, run_options, fx);
    if (*exporter) return run_export(db_path, format, kind);
    if (*audit) return run_audit(db_path);
  } catch (const figtrail::StoreError& e) {
    report(e.what());
    return kExitInputFailed;
  } catch (const figtrail::FxError& e) {
    report(e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    report(e.what());
    return kExitInputFailed;
  }
  return kExitUsage;
}
