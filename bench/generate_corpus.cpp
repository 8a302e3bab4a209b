// figtrail-bench-corpus: a deterministic benchmark corpus of any size, made
// from the development documents (corpus/*.txt).
//
//   figtrail-bench-corpus --out DIR [--size 200M] [--files N] [--seed 42]
//                         [--corpus DIR] [--threads N] [--force] [--print-stamp]
//
// Each source document is split into sentences (after 。！？, after . ! ?
// followed by a blank or the end, and at every line end; the blanks and
// closing quotes after a terminator stay with its sentence). Output file i
// takes its sentences from one source document, chosen so that the documents'
// shares of the output follow their shares of the source bytes at any file
// count (a Weyl sequence over the cumulative byte weights), and emits them in
// a fresh random order (reshuffled each time they run out) until the file
// reaches its size. Every emitted sentence has its ASCII digits perturbed:
// a digit run keeps its length and its leading zero (0.30 stays 0.xx), a
// year-like run (1900-2099, standing alone) moves by at most 5 years, other
// digits are drawn anew. So the corpus has the source's density and shapes of
// figures (numbers, units, magnitudes, ranges, periods) with different values.
//
// The files are DIR/00000.txt ... (N files, sizes differing by at most one
// byte, totalling exactly --size bytes; the last sentence of a file is cut at
// a character boundary and the file ends with newlines). Each file is
// generated from its own random stream (seed and file number), so the output
// is byte-identical for the same seed, corpus, size and file count, whatever
// the number of threads. DIR/.figtrail-bench-corpus records the parameters
// and the source documents; --print-stamp prints what it would record and
// writes nothing (bench/run.sh reuses a corpus whose record matches).
//
// Sizes take K, M, G (10^3, 10^6, 10^9) or Ki, Mi, Gi (powers of 1024).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kStampName = ".figtrail-bench-corpus";
constexpr std::string_view kGeneratorVersion = "1";

// ---------------------------------------------------------------- randomness

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// xoshiro256**: fast, and fully specified here, so the corpus does not depend
// on the standard library's distributions.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : s_) {
      seed = splitmix64(seed);
      word = seed;
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n), n < 2^32 (Lemire's multiply-shift; the bias is
  // below 2^-32 per draw, irrelevant here and deterministic).
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// ---------------------------------------------------------------- sentences

enum class RunKind : std::uint8_t { Plain, LeadingZero, Year };

// A maximal run of ASCII digits inside a sentence.
struct DigitRun {
  std::uint32_t offset;
  std::uint32_t length;
  RunKind kind;
  std::uint16_t year;  // for RunKind::Year
};

struct Sentence {
  std::string_view text;  // into the source document
  std::vector<DigitRun> runs;
};

struct SourceDocument {
  std::string name;
  std::string bytes;
  std::vector<Sentence> sentences;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

bool starts_with_at(std::string_view text, std::size_t at, std::string_view what) {
  return text.size() - at >= what.size() && text.compare(at, what.size(), what) == 0;
}

// Length of a sentence terminator at `at` (0 if none): 。！？ always, . ! ?
// only before a blank or the end (so 2.5, 1.2.3 and URLs stay whole), and a
// line end.
std::size_t terminator_at(std::string_view text, std::size_t at) {
  static constexpr std::string_view kWide[] = {"\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F"};  // 。！？
  for (std::string_view t : kWide) {
    if (starts_with_at(text, at, t)) return t.size();
  }
  const char c = text[at];
  if (c == '\n') return 1;
  if (c == '.' || c == '!' || c == '?') {
    if (at + 1 == text.size() || is_blank(text[at + 1])) return 1;
  }
  return 0;
}

// Length of a closing quote or bracket at `at` that belongs to the sentence
// before it (0 if none).
std::size_t closer_at(std::string_view text, std::size_t at) {
  static constexpr std::string_view kClosers[] = {"\xE2\x80\x9D", "\xE2\x80\x99", "\xE3\x80\x8D", "\xE3\x80\x8F",
                                                  "\xEF\xBC\x89", ")", "\""};  // ” ’ 」 』 ）
  for (std::string_view t : kClosers) {
    if (starts_with_at(text, at, t)) return t.size();
  }
  return 0;
}

std::vector<DigitRun> digit_runs(std::string_view s) {
  std::vector<DigitRun> runs;
  for (std::size_t i = 0; i < s.size();) {
    if (!is_digit(s[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && is_digit(s[j])) ++j;
    DigitRun run{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j - i), RunKind::Plain, 0};
    if (s[i] == '0') {
      run.kind = RunKind::LeadingZero;
    } else if (j - i == 4) {
      const int value = (s[i] - '0') * 1000 + (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
      // A year stands alone: not the integer part of a decimal or a group of
      // a grouped number (2,026 / 2026.5 / 1,2026).
      const bool decimal_after = j + 1 < s.size() && (s[j] == '.' || s[j] == ',') && is_digit(s[j + 1]);
      const bool grouped_before = i >= 2 && (s[i - 1] == '.' || s[i - 1] == ',') && is_digit(s[i - 2]);
      if (value >= 1900 && value <= 2099 && !decimal_after && !grouped_before) {
        run.kind = RunKind::Year;
        run.year = static_cast<std::uint16_t>(value);
      }
    }
    runs.push_back(run);
    i = j;
  }
  return runs;
}

std::vector<Sentence> split_sentences(std::string_view text) {
  std::vector<Sentence> sentences;
  std::size_t start = 0;
  const auto emit = [&](std::size_t end) {
    const std::string_view s = text.substr(start, end - start);
    start = end;
    if (std::all_of(s.begin(), s.end(), is_blank)) return;
    sentences.push_back({s, digit_runs(s)});
  };
  // A UTF-8 BOM would be repeated in the middle of files: leave it out.
  if (starts_with_at(text, 0, "\xEF\xBB\xBF")) start = 3;
  for (std::size_t at = start; at < text.size();) {
    const std::size_t t = terminator_at(text, at);
    if (t == 0) {
      ++at;
      continue;
    }
    at += t;
    for (std::size_t c = 0; at < text.size() && (c = closer_at(text, at)) > 0;) at += c;
    while (at < text.size() && is_blank(text[at])) ++at;
    emit(at);
  }
  if (start < text.size()) emit(text.size());
  return sentences;
}

// ---------------------------------------------------------------- output

// Appends `s` with its digits perturbed, at most `limit` bytes of it.
void emit_sentence(const Sentence& s, std::size_t limit, Rng& rng, std::string& out) {
  const std::size_t base = out.size();
  const std::size_t n = std::min(limit, s.text.size());
  out.append(s.text.data(), n);
  char* p = out.data() + base;
  for (const DigitRun& run : s.runs) {
    if (run.offset >= n) break;
    const std::size_t end = std::min<std::size_t>(run.offset + run.length, n);
    std::size_t i = run.offset;
    switch (run.kind) {
      case RunKind::Year: {
        const int year = std::clamp(static_cast<int>(run.year) + static_cast<int>(rng.below(11)) - 5, 1900, 2099);
        char digits[4] = {static_cast<char>('0' + year / 1000), static_cast<char>('0' + year / 100 % 10),
                          static_cast<char>('0' + year / 10 % 10), static_cast<char>('0' + year % 10)};
        for (; i < end; ++i) p[i] = digits[i - run.offset];
        continue;
      }
      case RunKind::LeadingZero:
        ++i;  // the zero stays
        break;
      case RunKind::Plain:
        p[i++] = static_cast<char>('1' + rng.below(9));
        break;
    }
    for (; i < end; ++i) p[i] = static_cast<char>('0' + rng.below(10));
  }
}

// Largest length <= limit that does not cut a UTF-8 character of `text`.
std::size_t char_boundary(std::string_view text, std::size_t limit) {
  if (limit >= text.size()) return text.size();
  while (limit > 0 && (static_cast<unsigned char>(text[limit]) & 0xC0) == 0x80) --limit;
  return limit;
}

struct Plan {
  std::vector<SourceDocument> documents;
  std::vector<double> cumulative;  // cumulative byte weights, last = 1
  std::uint64_t size = 0;
  std::uint64_t files = 0;
  std::uint64_t seed = 0;
  double offset = 0;  // of the Weyl sequence, from the seed
  fs::path out;
  int name_width = 5;
};

std::size_t document_for_file(const Plan& plan, std::uint64_t file) {
  // Weyl sequence frac(offset + (file + 1) * (golden ratio - 1)): its first
  // n terms fall into each interval in proportion to its length, within
  // O(log n / n).
  constexpr double kAlpha = 0.6180339887498948482;
  double x = plan.offset + static_cast<double>(file + 1) * kAlpha;
  x -= std::floor(x);
  const auto it = std::upper_bound(plan.cumulative.begin(), plan.cumulative.end(), x);
  return std::min(static_cast<std::size_t>(it - plan.cumulative.begin()), plan.documents.size() - 1);
}

std::string file_name(const Plan& plan, std::uint64_t file) {
  std::string digits = std::to_string(file);
  if (digits.size() < static_cast<std::size_t>(plan.name_width)) {
    digits.insert(0, static_cast<std::size_t>(plan.name_width) - digits.size(), '0');
  }
  return digits + ".txt";
}

void generate_file(const Plan& plan, std::uint64_t file, std::string& buffer, std::vector<std::uint32_t>& order) {
  const std::uint64_t target = plan.size / plan.files + (file < plan.size % plan.files ? 1 : 0);
  const SourceDocument& doc = plan.documents[document_for_file(plan, file)];
  Rng rng(splitmix64(plan.seed) ^ splitmix64(file + 0x5EED));
  buffer.clear();
  buffer.reserve(target);
  order.resize(doc.sentences.size());
  std::size_t next = order.size();  // exhausted: shuffle first
  while (buffer.size() < target) {
    if (next == order.size()) {
      for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
      for (std::size_t i = order.size() - 1; i > 0; --i) {
        std::swap(order[i], order[rng.below(static_cast<std::uint32_t>(i + 1))]);
      }
      next = 0;
    }
    const Sentence& s = doc.sentences[order[next++]];
    const std::size_t room = target - buffer.size();
    if (s.text.size() <= room) {
      emit_sentence(s, s.text.size(), rng, buffer);
    } else {
      // The last sentence: cut at a character boundary, end with newlines.
      emit_sentence(s, char_boundary(s.text, room - 1), rng, buffer);
      buffer.append(target - buffer.size(), '\n');
    }
  }

  const fs::path path = plan.out / file_name(plan, file);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path.string() + ": cannot create (" + std::strerror(errno) + ")");
  std::size_t written = 0;
  while (written < buffer.size()) {
    const ssize_t n = ::write(fd, buffer.data() + written, buffer.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw std::runtime_error(path.string() + ": cannot write (" + std::strerror(error) + ")");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw std::runtime_error(path.string() + ": cannot write (" + std::strerror(errno) + ")");
}

// ---------------------------------------------------------------- arguments

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  std::uint64_t value = std::stoull(std::string(text.substr(0, digits)));
  std::string suffix(text.substr(digits));
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  if (!suffix.empty() && suffix.back() == 'B') suffix.pop_back();
  static const std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"", 1},          {"K", 1000},          {"M", 1000000},          {"G", 1000000000},
      {"KI", 1ull << 10}, {"MI", 1ull << 20}, {"GI", 1ull << 30}};
  for (const auto& [name, factor] : kUnits) {
    if (suffix == name) return value * factor;
  }
  return std::nullopt;
}

[[noreturn]] void usage(std::string_view problem) {
  if (!problem.empty()) std::cerr << "figtrail-bench-corpus: " << problem << '\n';
  std::cerr << "usage: figtrail-bench-corpus --out DIR [--size 200M] [--files N] [--seed 42]\n"
               "                             [--corpus DIR] [--threads N] [--force] [--print-stamp]\n"
               "  --size     total bytes (K M G = 10^3 10^6 10^9; Ki Mi Gi = powers of 1024; default 200M)\n"
               "  --files    number of files (default: size / 100 KB, at least 1)\n"
               "  --seed     random seed (default 42); same seed, corpus, size, files: same bytes\n"
               "  --corpus   directory of source documents *.txt (default: "
            << FIGTRAIL_CORPUS_DIR
            << ")\n"
               "  --threads  worker threads (default: all cores; the output does not depend on it)\n"
               "  --force    replace the .txt files of a non-empty DIR\n"
               "  --print-stamp  print the record DIR/.figtrail-bench-corpus would hold; write nothing\n";
  std::exit(2);
}

std::string stamp_text(const Plan& plan) {
  std::ostringstream out;
  out << "figtrail-bench-corpus " << kGeneratorVersion << "\nsize " << plan.size << "\nfiles " << plan.files
      << "\nseed " << plan.seed << '\n';
  for (const SourceDocument& doc : plan.documents) {
    out << "source " << doc.name << ' ' << doc.bytes.size() << ' ' << doc.sentences.size() << " sentences\n";
  }
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_dir;
  std::string corpus_dir = FIGTRAIL_CORPUS_DIR;
  std::uint64_t size = 200'000'000;
  std::optional<std::uint64_t> files;
  std::uint64_t seed = 42;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  bool force = false;
  bool print_stamp = false;

  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage(std::string(arg) + " needs a value");
      return argv[++i];
    };
    const auto number = [&](std::string_view v) -> std::uint64_t {
      const auto n = parse_size(v);
      if (!n) usage(std::string(arg) + ": not a number: " + std::string(v));
      return *n;
    };
    if (arg == "--out") {
      out_dir = value();
    } else if (arg == "--size") {
      const std::string_view v = value();
      const auto n = parse_size(v);
      if (!n) usage("--size: not a size: " + std::string(v));
      size = *n;
    } else if (arg == "--files") {
      files = number(value());
    } else if (arg == "--seed") {
      seed = number(value());
    } else if (arg == "--corpus") {
      corpus_dir = value();
    } else if (arg == "--threads") {
      threads = static_cast<unsigned>(std::max<std::uint64_t>(1, number(value())));
    } else if (arg == "--force") {
      force = true;
    } else if (arg == "--print-stamp") {
      print_stamp = true;
    } else if (arg == "--help" || arg == "-h") {
      usage("");
    } else {
      usage("unknown argument: " + std::string(arg));
    }
  }
  if (out_dir.empty()) usage("--out is required");
  if (size == 0) usage("--size must be positive");

  try {
    Plan plan;
    plan.size = size;
    plan.files = files.value_or(std::max<std::uint64_t>(1, (size + 50'000) / 100'000));
    if (plan.files == 0) usage("--files must be positive");
    if (plan.files > size) usage("--files exceeds --size (each file needs at least one byte)");
    plan.seed = seed;
    plan.offset = static_cast<double>(splitmix64(seed ^ 0xC0FFEE) >> 11) * 0x1.0p-53;
    plan.out = out_dir;
    plan.name_width = std::max(5, static_cast<int>(std::to_string(plan.files - 1).size()));

    // Source documents, in sorted order.
    std::vector<fs::path> sources;
    for (const auto& entry : fs::directory_iterator(corpus_dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".txt") sources.push_back(entry.path());
    }
    std::sort(sources.begin(), sources.end());
    if (sources.empty()) throw std::runtime_error(corpus_dir + ": no .txt documents");
    plan.documents.reserve(sources.size());
    for (const fs::path& path : sources) {
      std::ifstream in(path, std::ios::binary);
      if (!in) throw std::runtime_error(path.string() + ": cannot read");
      SourceDocument doc;
      doc.name = path.filename().string();
      doc.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (doc.bytes.empty()) continue;
      plan.documents.push_back(std::move(doc));
      SourceDocument& stored = plan.documents.back();
      stored.sentences = split_sentences(stored.bytes);  // views into the stored bytes
      if (stored.sentences.empty()) plan.documents.pop_back();
    }
    if (plan.documents.empty()) throw std::runtime_error(corpus_dir + ": no text in the .txt documents");
    double total = 0;
    for (const SourceDocument& doc : plan.documents) total += static_cast<double>(doc.bytes.size());
    double running = 0;
    for (const SourceDocument& doc : plan.documents) {
      running += static_cast<double>(doc.bytes.size());
      plan.cumulative.push_back(running / total);
    }
    plan.cumulative.back() = 1.0;
    if (print_stamp) {
      std::cout << stamp_text(plan);
      return 0;
    }

    // The output directory: new, empty, or (--force) emptied of .txt files.
    fs::create_directories(plan.out);
    std::vector<fs::path> old;
    bool other = false;
    for (const auto& entry : fs::directory_iterator(plan.out)) {
      if (entry.path().filename() == kStampName) continue;
      if (entry.is_regular_file() && entry.path().extension() == ".txt") {
        old.push_back(entry.path());
      } else {
        other = true;
      }
    }
    if ((!old.empty() || other) && !force) {
      throw std::runtime_error(plan.out.string() + ": not empty (use --force to replace its .txt files)");
    }
    if (other) throw std::runtime_error(plan.out.string() + ": holds files other than .txt; not touching it");
    fs::remove(plan.out / kStampName);
    for (const fs::path& path : old) fs::remove(path);

    const std::uint64_t per_file = size / plan.files;
    if (per_file > (64ull << 20)) {
      std::cerr << "figtrail-bench-corpus: warning: files of " << per_file
                << " bytes exceed figtrail's default --max-file-size (64 MiB)\n";
    }

    const auto start = std::chrono::steady_clock::now();
    std::atomic<std::uint64_t> next{0};
    std::atomic<bool> failed{false};
    std::string first_error;
    std::mutex error_mutex;
    const auto worker = [&] {
      std::string buffer;
      std::vector<std::uint32_t> order;
      for (std::uint64_t file = next++; file < plan.files && !failed; file = next++) {
        try {
          generate_file(plan, file, buffer, order);
        } catch (const std::exception& e) {
          const std::lock_guard lock(error_mutex);
          if (!failed.exchange(true)) first_error = e.what();
        }
      }
    };
    threads = static_cast<unsigned>(std::min<std::uint64_t>(threads, plan.files));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool) t.join();
    if (failed) throw std::runtime_error(first_error);

    {
      std::ofstream stamp(plan.out / kStampName, std::ios::binary);
      stamp << stamp_text(plan);
      if (!stamp) throw std::runtime_error((plan.out / kStampName).string() + ": cannot write");
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << "figtrail-bench-corpus: " << plan.files << " files, " << size << " bytes in " << plan.out.string()
              << " (seed " << seed << ", " << plan.documents.size() << " source documents) in " << seconds
              << " s, " << static_cast<double>(size) / 1e6 / seconds << " MB/s\n";
  } catch (const std::exception& e) {
    std::cerr << "figtrail-bench-corpus: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
