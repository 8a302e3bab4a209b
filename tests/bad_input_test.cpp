// The bad-input corpus (issue 4, "Bad input"), end to end: each test writes
// its hostile input into a fresh temporary directory, beside a good file, and
// runs the real binary (FIGTRAIL_BINARY) as a child process with a wall-clock
// limit. For every input:
//   - no crash (the child exits normally, no sanitizer report) and no hang
//     (a child still running after its limit is killed and the test fails);
//   - a failure is exactly one stderr line `figtrail: <path>: <reason>`, a
//     replaced byte exactly one `figtrail: <path>: warning: ...` line;
//   - the good file of the same batch still yields its figures;
//   - exit status 1 when an input failed, 0 when there were only warnings;
//   - with `ingest`, each failure is a row of the run's `errors` table whose
//     message is the stderr line, and the good file is stored.
// Nothing here is downloaded: every input is made by the test.
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
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

using figtrail::test::Result;

// Every child gets this long, unless a test says otherwise.
constexpr std::chrono::seconds kTimeLimit{60};

// Every run has a time limit, and must end in an exit.
class Sandbox : public figtrail::test::Sandbox {
 public:
  Sandbox() : figtrail::test::Sandbox("bad-input-test") {}

  // Runs `figtrail args...` in work() with stdin from /dev/null. A child
  // that has not exited after `limit` is killed and the test fails.
  Result run(const std::vector<std::string>& args, std::chrono::seconds limit = kTimeLimit) {
    const std::string command = figtrail::test::command_line(args);
    Result result = wait(spawn(args), limit);
    std::cout << "bad_input: " << command << ": " << result.seconds << " s, " << result.max_rss_mib << " MiB\n";
    INFO("command: " << command << "\nstderr:\n" << result.err.substr(0, 4000));
    if (result.timed_out) FAIL("figtrail hung: killed after " << limit.count() << " s");
    if (!result.exited) FAIL("figtrail crashed: signal " << result.signal);
    return result;
  }
};

// ---------------------------------------------------------------------------
// Output (lines_of and jsonl: process.hpp).

using figtrail::test::jsonl;
using figtrail::test::lines_of;

// The texts of the figures `extract` printed for `doc`, in order.
std::vector<std::string> texts_of(const std::vector<json>& figures, const std::string& doc) {
  std::vector<std::string> texts;
  for (const json& f : figures) {
    if (f.at("doc") == doc) texts.push_back(f.at("text").get<std::string>());
  }
  return texts;
}

// ---------------------------------------------------------------------------
// The database an ingest wrote.

class Db {
 public:
  explicit Db(const fs::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      FAIL("cannot open " << path << ": " << message);
    }
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { sqlite3_close(db_); }

  // Every row of a query, each column as text ("" for NULL).
  std::vector<std::vector<std::string>> rows(const std::string& sql) const {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      FAIL("bad query " << sql << ": " << sqlite3_errmsg(db_));
    }
    std::vector<std::vector<std::string>> result;
    int step = 0;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const unsigned char* text = sqlite3_column_text(statement, i);
        row.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
      }
      result.push_back(std::move(row));
    }
    const bool done = step == SQLITE_DONE;
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_finalize(statement);
    if (!done) FAIL("query " << sql << " failed: " << message);
    return result;
  }

  std::string value(const std::string& sql) const {
    const auto r = rows(sql);
    if (r.size() != 1 || r[0].size() != 1) FAIL("expected one value from " << sql);
    return r[0][0];
  }

 private:
  sqlite3* db_ = nullptr;
};

// ---------------------------------------------------------------------------
// A batch: the bad input and a good file, through extract and ingest.

const std::string kGoodName = "good.txt";
const std::string kGood = "Revenue was $3.5 billion in 2025, up 12%.\n";
const std::vector<std::string> kGoodFigures{"$3.5 billion", "12%"};

enum class Outcome {
  Fails,  // one error line, exit 1, one row in errors
  Warns,  // one warning line, exit 0, figures of the bad input too
  Clean,  // nothing on stderr, exit 0
};

struct Expect {
  Outcome outcome = Outcome::Fails;
  // The path the message names (as given, or as found by a walk).
  std::string path;
  // Fails: the reason after `figtrail: <path>: `, exactly; Warns: a part of
  // the warning after `figtrail: <path>: warning: `.
  std::string reason;
  // Figures `extract` must print for the bad input (Warns, Clean).
  std::vector<std::string> figures;
  std::chrono::seconds limit = kTimeLimit;
};

Expect fails(std::string path, std::string reason, std::chrono::seconds limit = kTimeLimit) {
  Expect e;
  e.outcome = Outcome::Fails;
  e.path = std::move(path);
  e.reason = std::move(reason);
  e.limit = limit;
  return e;
}

Expect warns(std::string path, std::string reason, std::vector<std::string> figures) {
  Expect e;
  e.outcome = Outcome::Warns;
  e.path = std::move(path);
  e.reason = std::move(reason);
  e.figures = std::move(figures);
  return e;
}

Expect clean(std::string path, std::vector<std::string> figures) {
  Expect e;
  e.outcome = Outcome::Clean;
  e.path = std::move(path);
  e.figures = std::move(figures);
  return e;
}

void check_stderr(const Result& r, const Expect& e) {
  const std::vector<std::string> lines = lines_of(r.err);
  INFO("stderr:\n" << r.err.substr(0, 4000));
  if (e.outcome == Outcome::Clean) {
    CHECK(r.err.empty());
    return;
  }
  REQUIRE(lines.size() == 1);
  CHECK(r.err.back() == '\n');
  if (e.outcome == Outcome::Fails) {
    CHECK(lines[0] == "figtrail: " + e.path + ": " + e.reason);
  } else {
    const std::string prefix = "figtrail: " + e.path + ": warning: ";
    CHECK(lines[0].rfind(prefix, 0) == 0);
    CHECK(lines[0].find(e.reason) != std::string::npos);
  }
}

// `extract ARGS... good.txt`: the bad input first, so the good one proves the
// batch went on.
void check_extract(Sandbox& box, const std::vector<std::string>& args, const Expect& e) {
  std::vector<std::string> argv{"extract"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(kGoodName);
  const Result r = box.run(argv, e.limit);
  check_stderr(r, e);
  CHECK(r.status == (e.outcome == Outcome::Fails ? 1 : 0));
  const std::vector<json> figures = jsonl(r.out);
  CHECK(texts_of(figures, kGoodName) == kGoodFigures);
  if (e.outcome != Outcome::Fails) CHECK(texts_of(figures, e.path) == e.figures);
  if (e.outcome == Outcome::Fails) CHECK(texts_of(figures, e.path).empty());
}

// `ingest --db NAME.db ARGS... good.txt`, then the run's rows.
void check_ingest(Sandbox& box, const std::vector<std::string>& args, const Expect& e, const std::string& db_name) {
  std::vector<std::string> argv{"ingest", "--db", db_name};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(kGoodName);
  const Result r = box.run(argv, e.limit);
  check_stderr(r, e);
  CHECK(r.status == (e.outcome == Outcome::Fails ? 1 : 0));

  const Db db(box / db_name);
  const std::string run = db.value("SELECT max(id) FROM runs");
  const auto errors = db.rows("SELECT path, message FROM errors WHERE run_id = " + run + " ORDER BY id");
  if (e.outcome == Outcome::Fails) {
    REQUIRE(errors.size() == 1);
    CHECK(errors[0][0] == e.path);
    CHECK(errors[0][1] == e.path + ": " + e.reason);
    CHECK(db.value("SELECT documents_failed FROM runs WHERE id = " + run) == "1");
  } else {
    CHECK(errors.empty());
    CHECK(db.value("SELECT documents_failed FROM runs WHERE id = " + run) == "0");
  }
  CHECK(db.value("SELECT finished_at IS NOT NULL FROM runs WHERE id = " + run) == "1");
  CHECK(db.value("SELECT count(*) FROM figures f JOIN documents d ON d.id = f.document_id WHERE d.path = '" +
                 kGoodName + "'") == std::to_string(kGoodFigures.size()));
  if (e.outcome == Outcome::Fails) {
    CHECK(db.value("SELECT count(*) FROM documents WHERE path = '" + e.path + "'") == "0");
  } else {
    CHECK(db.value("SELECT count(*) FROM figures f JOIN documents d ON d.id = f.document_id WHERE d.path = '" +
                   e.path + "'") == std::to_string(e.figures.size()));
  }
}

// The whole check for an input named on the command line.
void check_input(Sandbox& box, const std::vector<std::string>& args, const Expect& e, const std::string& db_name) {
  box.write(kGoodName, kGood);
  {
    INFO("extract");
    check_extract(box, args, e);
  }
  {
    INFO("ingest");
    check_ingest(box, args, e, db_name);
  }
}

void check_file(const std::string& name, const std::string& bytes, const Expect& e) {
  Sandbox box;
  box.write(name, bytes);
  check_input(box, {name}, e, "t.db");
}

// ---------------------------------------------------------------------------
// Binary files, made byte by byte.

std::uint32_t crc32(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_le(std::string& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

void put_be32(std::string& out, std::uint32_t value) {
  for (int i = 3; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

// A valid 1×1 grey PNG (signature, IHDR, IDAT with a stored zlib block, IEND).
std::string png_bytes() {
  std::string png = "\x89PNG\r\n\x1a\n"s;
  const auto chunk = [&](const std::string& type, const std::string& data) {
    put_be32(png, static_cast<std::uint32_t>(data.size()));
    png += type + data;
    put_be32(png, crc32(type + data));
  };
  std::string ihdr;
  put_be32(ihdr, 1);
  put_be32(ihdr, 1);
  ihdr += "\x08\x00\x00\x00\x00"s;  // 8-bit greyscale, no interlace
  chunk("IHDR", ihdr);
  // zlib: header, one stored block of the scanline (filter 0, pixel 0x80), Adler-32.
  chunk("IDAT", "\x78\x01\x01\x02\x00\xfd\xff\x00\x80\x00\x82\x00\x81"s);
  chunk("IEND", "");
  return png;
}

// A valid ZIP holding one stored file whose text has figures: the archive's
// bytes hold `Up 5%.` in the clear, and still are no document.
std::string zip_bytes() {
  const std::string name = "notes.txt";
  const std::string data = "Up 5%. Revenue $3 billion.\n";
  const std::uint32_t crc = crc32(data);
  const auto size = static_cast<std::uint32_t>(data.size());
  std::string zip;
  put_le(zip, 0x04034b50, 4);  // local file header
  put_le(zip, 20, 2);          // version needed
  put_le(zip, 0, 2);           // flags
  put_le(zip, 0, 2);           // stored
  put_le(zip, 0, 4);           // time, date
  put_le(zip, crc, 4);
  put_le(zip, size, 4);
  put_le(zip, size, 4);
  put_le(zip, static_cast<std::uint32_t>(name.size()), 2);
  put_le(zip, 0, 2);
  zip += name + data;
  const auto central = static_cast<std::uint32_t>(zip.size());
  put_le(zip, 0x02014b50, 4);  // central directory header
  put_le(zip, 20, 2);
  put_le(zip, 20, 2);
  put_le(zip, 0, 2);
  put_le(zip, 0, 2);
  put_le(zip, 0, 4);
  put_le(zip, crc, 4);
  put_le(zip, size, 4);
  put_le(zip, size, 4);
  put_le(zip, static_cast<std::uint32_t>(name.size()), 2);
  put_le(zip, 0, 2);  // extra
  put_le(zip, 0, 2);  // comment
  put_le(zip, 0, 2);  // disk
  put_le(zip, 0, 2);  // internal attributes
  put_le(zip, 0, 4);  // external attributes
  put_le(zip, 0, 4);  // offset of the local header
  zip += name;
  const auto central_size = static_cast<std::uint32_t>(zip.size()) - central;
  put_le(zip, 0x06054b50, 4);  // end of central directory
  put_le(zip, 0, 4);
  put_le(zip, 1, 2);
  put_le(zip, 1, 2);
  put_le(zip, central_size, 4);
  put_le(zip, central, 4);
  put_le(zip, 0, 2);
  return zip;
}

// ---------------------------------------------------------------------------
// Large inputs.

// `size` bytes on one line (no newline at all): prose with a figure every
// MiB, so the document has a few figures and many words.
std::string one_line(std::size_t size, std::size_t& figures) {
  const std::string prose = "The quick brown fox jumps over the lazy dog while the market keeps growing. ";
  const std::string figure = "Revenue rose 7% in the year. ";
  std::string text;
  text.reserve(size);
  figures = 0;
  while (text.size() + (1 << 20) <= size) {
    while (text.size() % (1 << 20) + prose.size() + figure.size() < (1 << 20)) text += prose;
    text += figure;
    ++figures;
    text.append((1 << 20) - text.size() % (1 << 20), ' ');
  }
  text.append(size - text.size(), 'x');
  return text;
}

}  // namespace

// ===========================================================================
// Empty and binary files.

TEST_CASE("an empty file fails with one line and the batch goes on", "[bad-input]") {
  check_file("empty.txt", "", fails("empty.txt", "file is empty"));
}

TEST_CASE("a PNG image is a binary file", "[bad-input]") {
  check_file("image.png", png_bytes(), fails("image.png", "binary file (NUL byte at offset 8)"));
}

TEST_CASE("a ZIP archive is a binary file, whatever its name", "[bad-input]") {
  check_file("archive.zip", zip_bytes(), fails("archive.zip", "binary file (NUL byte at offset 5)"));
  check_file("archive.txt", zip_bytes(), fails("archive.txt", "binary file (NUL byte at offset 5)"));
}

TEST_CASE("NUL bytes in text", "[bad-input]") {
  SECTION("early: a binary file") {
    check_file("nul.txt", "Up 5%.\0 Down 3%.\n"s, fails("nul.txt", "binary file (NUL byte at offset 6)"));
  }
  SECTION("after the first 8 KiB: text, figures on both sides") {
    const std::string text = "Up 5%." + std::string(9000, ' ') + "\0\0 Down 3%.\n"s;
    check_file("late-nul.txt", text, clean("late-nul.txt", {"5%", "3%"}));
  }
}

// ===========================================================================
// Bytes that are not UTF-8: replaced with U+FFFD, a warning, never a stop.

TEST_CASE("invalid UTF-8 bytes are replaced with a warning", "[bad-input]") {
  check_file("invalid.txt", "Up 5%. \xff\xfe\xc0\xaf Down 3%.\n",
             warns("invalid.txt", "4 invalid UTF-8 byte(s) replaced with U+FFFD", {"5%", "3%"}));
}

TEST_CASE("truncated UTF-8 sequences are replaced with a warning", "[bad-input]") {
  SECTION("a report cut in the middle of a character") {
    // 收 is E6 94 B6; the file ends after E6 94. (Long enough that encoding
    // detection is sure it is UTF-8: a file of a few dozen bytes may instead
    // be refused as of unknown encoding, which is a failure, not a warning.)
    std::string text;
    std::vector<std::string> figures;
    for (int i = 0; i < 8; ++i) {
      text += "据估计，中国人工智能市场规模同比增长" + std::to_string(20 + i) + "%。\n";
      figures.push_back(std::to_string(20 + i) + "%");
    }
    check_file("cut.txt", text + "营\xe6\x94", warns("cut.txt", "2 invalid UTF-8 byte(s) replaced with U+FFFD", figures));
  }
  SECTION("a four-byte sequence missing its last byte, mid-line") {
    check_file("short.txt", "Up 5%. \xf0\x9f\x98 Down 3%.\n",
               warns("short.txt", "3 invalid UTF-8 byte(s) replaced with U+FFFD", {"5%", "3%"}));
  }
}

TEST_CASE("a lone UTF-16 surrogate encoded in UTF-8 (ED A0 80) is replaced with a warning", "[bad-input]") {
  check_file("surrogate.txt", "Up 5%. \xed\xa0\x80 Down 3%.\n",
             warns("surrogate.txt", "3 invalid UTF-8 byte(s) replaced with U+FFFD", {"5%", "3%"}));
}

// ===========================================================================
// Size: limits refuse, flags raise them.

TEST_CASE("a 100 MB single-line file: refused by default, read with raised limits", "[bad-input][large]") {
  Sandbox box;
  constexpr std::size_t kSize = 100'000'000;
  std::size_t expected_figures = 0;
  box.write("big.txt", one_line(kSize, expected_figures));
  box.write(kGoodName, kGood);
  // Generous limits: 100 MB through fold, ICU segmentation and the matcher
  // takes about 25 s in a release build; sanitizers slow it down.
  const std::chrono::seconds limit{300};

  SECTION("default limits: file too large") {
    check_input(box, {"big.txt"},
                fails("big.txt", "file too large (100000000 bytes; the limit is 67108864, see --max-file-size)", limit),
                "t.db");
  }
  SECTION("--max-file-size raised: the line is still too long") {
    check_input(box, {"--max-file-size", "200000000", "big.txt"},
                fails("big.txt", "line 1 is 100000000 bytes long; the limit is 16777216, see --max-line-length", limit),
                "t.db");
  }
  SECTION("both limits raised: every figure") {
    const Result r = box.run({"extract", "--max-file-size", "200000000", "--max-line-length", "200000000",
                              "big.txt", kGoodName},
                             limit);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    const std::vector<json> figures = jsonl(r.out);
    CHECK(texts_of(figures, kGoodName) == kGoodFigures);
    const std::vector<std::string> big = texts_of(figures, "big.txt");
    CHECK(big.size() == expected_figures);
    CHECK(big == std::vector<std::string>(expected_figures, "7%"));
  }
}

TEST_CASE("ten million digits in a row: no figure, no hang", "[bad-input][large]") {
  Sandbox box;
  // The regex pass over a 10 MB number takes about 20 s in a release build.
  const std::chrono::seconds limit{180};
  box.write("digits.txt", std::string(10'000'000, '7') + "%\n");
  box.write(kGoodName, kGood);
  const Result r = box.run({"extract", "digits.txt", kGoodName}, limit);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  const std::vector<json> figures = jsonl(r.out);
  CHECK(texts_of(figures, kGoodName) == kGoodFigures);
  CHECK(texts_of(figures, "digits.txt").empty());
  CHECK(r.max_rss_mib < 2048);
}

TEST_CASE("a long run of spaces is read in linear time", "[bad-input][large]") {
  // Spaces between two Han characters are dropped from the folded text, so
  // folding looks at what follows a run of spaces: once per run, not once
  // per space (a quadratic scan took 65 s for 200,000 spaces).
  Sandbox box;
  box.write("spaces.txt", "Up 5%" + std::string(1'000'000, ' ') + "down 3%.\n" + std::string(1'000'000, '\t') + "中\n");
  box.write(kGoodName, kGood);
  const Result r = box.run({"extract", "spaces.txt", kGoodName});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  const std::vector<json> figures = jsonl(r.out);
  CHECK(texts_of(figures, "spaces.txt") == std::vector<std::string>{"5%", "3%"});
  CHECK(texts_of(figures, kGoodName) == kGoodFigures);
}

// ===========================================================================
// Malformed HTML.

TEST_CASE("deeply nested HTML: no crash, the figure or one clear line", "[bad-input][html]") {
  Sandbox box;
  constexpr int kDepth = 100'000;
  std::string html = "<!doctype html><html><body>";
  for (int i = 0; i < kDepth; ++i) html += "<div>";
  html += "Sales grew 18%.";
  for (int i = 0; i < kDepth; ++i) html += "</div>";
  html += "</body></html>\n";
  box.write("nested.html", html);
  box.write(kGoodName, kGood);
  const Result r = box.run({"extract", "nested.html", kGoodName});
  const std::vector<json> figures = jsonl(r.out);
  CHECK(texts_of(figures, kGoodName) == kGoodFigures);
  INFO("stderr:\n" << r.err.substr(0, 4000));
  if (r.status == 0) {
    CHECK(r.err.empty());
    CHECK(texts_of(figures, "nested.html") == std::vector<std::string>{"18%"});
  } else {
    // Refusing it is fine, with one line that names the file.
    CHECK(r.status == 1);
    const std::vector<std::string> lines = lines_of(r.err);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].rfind("figtrail: nested.html: ", 0) == 0);
  }
}

TEST_CASE("HTML with unclosed tags: every figure of its text", "[bad-input][html]") {
  check_file("unclosed.html",
             "<html><body><p>Sales grew 18%<p>Margin: 31%<div><table><tr><td>Up 7%<td><b><i>Down 3%",
             clean("unclosed.html", {"18%", "31%", "7%", "3%"}));
}

// ===========================================================================
// Paths that are not there, or lead nowhere.

TEST_CASE("a file listed in --files-from but deleted before the run", "[bad-input][paths]") {
  Sandbox box;
  box.write("gone.txt", "Up 5%.\n");
  box.write("list.txt", "gone.txt\n");
  fs::remove(box / "gone.txt");
  check_input(box, {"--files-from", "list.txt"}, fails("gone.txt", "no such file or directory"), "t.db");
}

TEST_CASE("a dangling symbolic link", "[bad-input][paths]") {
  Sandbox box;
  fs::create_symlink("nowhere.txt", box / "dangling.txt");
  SECTION("named on the command line") {
    check_input(box, {"dangling.txt"}, fails("dangling.txt", "no such file or directory"), "t.db");
  }
  SECTION("found in a directory walk") {
    box.write("dir/real.txt", "Up 5%.\n");
    fs::create_symlink("nowhere.txt", box / "dir/dangling.txt");
    check_input(box, {"dir"}, fails("dir/dangling.txt", "cannot read (No such file or directory)"),
                "t.db");
  }
}

TEST_CASE("a directory symlink loop (a/b -> a) does not trap the walk", "[bad-input][paths]") {
  Sandbox box;
  box.write("tree/a/inner.txt", "Down 3%.\n");
  box.write("tree/top.txt", "Up 5%.\n");
  fs::create_directory_symlink("../a", box / "tree/a/b");  // tree/a/b -> tree/a
  box.write(kGoodName, kGood);
  // Links to directories are not followed: each file is read once, the loop
  // is no failure.
  const Result r = box.run({"extract", "tree", kGoodName});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  const std::vector<json> figures = jsonl(r.out);
  CHECK(texts_of(figures, "tree/a/inner.txt") == std::vector<std::string>{"3%"});
  CHECK(texts_of(figures, "tree/top.txt") == std::vector<std::string>{"5%"});
  CHECK(texts_of(figures, kGoodName) == kGoodFigures);
  CHECK(figures.size() == 4);

  // Named through the loop, the directory is still walked once.
  const Result through = box.run({"extract", "tree/a/b/b/b"});
  CHECK(through.status == 0);
  CHECK(through.err.empty());
  CHECK(texts_of(jsonl(through.out), "tree/a/b/b/b/inner.txt") == std::vector<std::string>{"3%"});
}

TEST_CASE("a symbolic link loop on a file (x -> y -> x)", "[bad-input][paths]") {
  Sandbox box;
  fs::create_symlink("y.txt", box / "x.txt");
  fs::create_symlink("x.txt", box / "y.txt");
  SECTION("named on the command line") {
    check_input(box, {"x.txt"}, fails("x.txt", "cannot read (Too many levels of symbolic links)"),
                "t.db");
  }
  SECTION("found in a directory walk") {
    fs::create_directory(box / "dir");
    fs::create_symlink("self.txt", box / "dir/self.txt");
    check_input(box, {"dir"}, fails("dir/self.txt", "cannot read (Too many levels of symbolic links)"),
                "t.db");
  }
}

TEST_CASE("an unreadable file", "[bad-input][paths]") {
  if (::geteuid() == 0) {
    WARN("running as root: permissions do not stop root, skipped");
    return;
  }
  Sandbox box;
  box.write("secret.txt", "Up 5%.\n");
  fs::permissions(box / "secret.txt", fs::perms::none);
  check_input(box, {"secret.txt"}, fails("secret.txt", "cannot read (Permission denied)"), "t.db");
}
