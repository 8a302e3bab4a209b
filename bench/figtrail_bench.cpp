// figtrail-bench: how fast figtrail is on a corpus, and where the time goes.
//
//   figtrail-bench [options] CORPUS_DIR      (--help for the options)
//
// 1. Runs the real binary as a child process, stdout to /dev/null, and times
//    it: wall clock; user and system CPU time and peak RSS from wait4; and
//    how busy the rest of the machine was meanwhile (/proc/stat):
//      figtrail extract --jobs 1 DIR
//      figtrail extract --jobs N DIR          (N: all cores, or --jobs)
//      figtrail ingest  --jobs N --db NEW DIR (a new database in --tmp)
//    and with --linearity SMALL the two extract runs on SMALL too. A figtrail
//    without --jobs is run without it, and the report says so. Figures per
//    second count the figures ingest stored (else those found in-process).
// 2. Runs the pipeline in-process, one thread, file by file, timing each
//    library call on its own (thread CPU time, and wall time): read,
//    decode+fold (fold_utf8), segment (segment), sha256 (sha256_hex),
//    match (Matcher::find), normalize (Normalizer::normalize), store
//    (Database::is_current + store_document into a new database). The
//    document the later stages need is built by make_document, timed too;
//    what it spends beyond fold, segment and sha256 (encoding detection,
//    checks, line starts) is the stage "doc: rest". Shares are of CPU time,
//    which other work on the machine inflates less than wall time.
// MB are 10^6 bytes. The child runs come first, while this process is small:
// Linux counts the RSS a process had before exec in its ru_maxrss.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
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
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "figtrail/extract.hpp"
#include "figtrail/ingest.hpp"
#include "figtrail/normalize.hpp"
#include "figtrail/store.hpp"
#include "figtrail/version.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }
double to_seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }
double mb(std::uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string first_line(std::string_view text) {
  const std::size_t nl = text.find('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(0, nl));
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

// 1-minute load average: other work on the machine skews wall times.
double load_average() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

// Busy and stolen CPU time of the whole machine so far, in seconds (the
// `cpu` line of /proc/stat).
struct MachineCpu {
  double busy = 0;   // user, nice, system, irq, softirq
  double steal = 0;  // taken by the hypervisor
};

MachineCpu machine_cpu() {
  std::ifstream in("/proc/stat");
  std::string label;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> label >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  if (!in || label != "cpu") return {};
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return {static_cast<double>(user + nice + system + irq + softirq) / hz, static_cast<double>(steal) / hz};
}

// ---------------------------------------------------------------- child runs

struct ChildResult {
  std::vector<std::string> argv;
  int exit_code = -1;  // -1 when killed by a signal or not started
  int signal = 0;
  double wall = 0;
  double user = 0;
  double sys = 0;
  long max_rss_kib = 0;
  double load_before = 0;
  // CPU time the rest of the machine used while the child ran, as cores
  // busy on average; and the time the hypervisor stole, likewise.
  double others_cores = 0;
  double steal_cores = 0;
  std::string out;  // captured stdout (when asked)
  std::string err;  // captured stderr
};

// Runs argv[0] with stdout to /dev/null (or a capture file) and stderr to a
// capture file; times it and reads its resource usage with wait4.
ChildResult run_child(const std::vector<std::string>& argv, bool capture_stdout, const fs::path& tmp) {
  ChildResult r;
  r.argv = argv;
  const std::string out_path = (tmp / ("figtrail-bench-out-" + std::to_string(::getpid()))).string();
  const std::string err_path = (tmp / ("figtrail-bench-err-" + std::to_string(::getpid()))).string();
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const char* out_target = capture_stdout ? out_path.c_str() : "/dev/null";

  r.load_before = load_average();
  const MachineCpu cpu_before = machine_cpu();
  const Clock::time_point start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int out = ::open(out_target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0 || ::dup2(out, STDOUT_FILENO) < 0 || ::dup2(err, STDERR_FILENO) < 0) ::_exit(126);
    ::close(out);
    ::close(err);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) throw std::runtime_error(std::string("wait4: ") + std::strerror(errno));
  }
  r.wall = seconds_since(start);
  const MachineCpu cpu_after = machine_cpu();
  r.user = to_seconds(usage.ru_utime);
  r.sys = to_seconds(usage.ru_stime);
  if (r.wall > 0) {
    r.others_cores = std::max(0.0, (cpu_after.busy - cpu_before.busy - r.user - r.sys) / r.wall);
    r.steal_cores = std::max(0.0, (cpu_after.steal - cpu_before.steal) / r.wall);
  }
  r.max_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  if (capture_stdout) r.out = read_text_file(out_path);
  r.err = read_text_file(err_path);
  std::error_code ec;
  fs::remove(out_path, ec);
  fs::remove(err_path, ec);
  return r;
}

std::string command_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& a : argv) text += (text.empty() ? "" : " ") + a;
  return text;
}

// The last lines of a child's stderr, for a failed run.
std::string tail(const std::string& text, std::size_t lines) {
  std::size_t at = text.size();
  for (std::size_t n = 0; at > 0 && n <= lines;) {
    --at;
    if (text[at] == '\n') ++n;
  }
  return text.substr(at);
}

void remove_database(const fs::path& db) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(db.string() + suffix, ec);
}

// "run 1: 2000 stored, 0 unchanged, 0 failed, 123456 figures stored" → 123456.
std::optional<std::int64_t> figures_stored(const std::string& ingest_stdout) {
  const std::size_t at = ingest_stdout.find(" figures stored");
  const std::size_t one = ingest_stdout.find(" figure stored");
  const std::size_t end = at != std::string::npos ? at : one;
  if (end == std::string::npos) return std::nullopt;
  std::size_t begin = end;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(ingest_stdout[begin - 1]))) --begin;
  if (begin == end) return std::nullopt;
  return std::stoll(ingest_stdout.substr(begin, end - begin));
}

struct Run {
  std::string name;  // "extract --jobs 1"
  std::string corpus;
  unsigned jobs = 1;
  std::uint64_t bytes = 0;
  ChildResult best;  // the fastest of --repeat runs
  int repeats = 0;
  std::optional<std::int64_t> figures;

  [[nodiscard]] bool ok() const { return best.exit_code == 0; }
  [[nodiscard]] double mb_per_s() const { return best.wall > 0 ? mb(bytes) / best.wall : 0; }
  [[nodiscard]] double cpu() const { return best.user + best.sys; }
  // Per core: bytes over CPU time.
  [[nodiscard]] double mb_per_cpu_s() const { return cpu() > 0 ? mb(bytes) / cpu() : 0; }
};

// ---------------------------------------------------------------- corpus

struct Corpus {
  fs::path dir;
  std::vector<fs::path> files;  // the .txt files, sorted (as figtrail walks them)
  std::uint64_t bytes = 0;
};

Corpus list_corpus(const fs::path& dir) {
  Corpus corpus;
  corpus.dir = dir;
  if (!fs::is_directory(dir)) throw std::runtime_error(dir.string() + ": not a directory");
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt") {
      corpus.files.push_back(entry.path());
      corpus.bytes += entry.file_size();
    }
  }
  std::sort(corpus.files.begin(), corpus.files.end());
  if (corpus.files.empty()) throw std::runtime_error(dir.string() + ": no .txt files");
  return corpus;
}

// Reads every file once through a small buffer, so that every timed run finds
// the corpus in the page cache and this process stays small.
double warm_page_cache(const Corpus& corpus) {
  const Clock::time_point start = Clock::now();
  std::vector<char> buffer(1 << 20);
  for (const fs::path& path : corpus.files) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(path.string() + ": cannot read");
    while (::read(fd, buffer.data(), buffer.size()) > 0) {
    }
    ::close(fd);
  }
  return seconds_since(start);
}

std::string read_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path.string() + ": cannot read");
  struct stat st {};
  ::fstat(fd, &st);
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  bytes.resize(done);
  return bytes;
}

// ---------------------------------------------------------------- stages

// CPU time of the calling thread: unlike wall time, not inflated when other
// work on the machine takes the core away.
double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Timing {
  double wall = 0;
  double cpu = 0;
};

// Charges the time since the last lap to a Timing.
class Stopwatch {
 public:
  void restart() {
    wall_ = Clock::now();
    cpu_ = thread_cpu_seconds();
  }
  void lap(Timing& into) {
    const Clock::time_point wall = Clock::now();
    const double cpu = thread_cpu_seconds();
    into.wall += std::chrono::duration<double>(wall - wall_).count();
    into.cpu += cpu - cpu_;
    wall_ = wall;
    cpu_ = cpu;
  }

 private:
  Clock::time_point wall_ = Clock::now();
  double cpu_ = thread_cpu_seconds();
};

struct Stage {
  const char* name;
  Timing time;
};

// Indexes into StageReport::stages.
enum StageIndex { kRead, kFold, kSegment, kSha, kDocumentRest, kMatch, kNormalize, kStore };

struct StageReport {
  std::vector<Stage> stages{{"read", {}},  {"decode+fold", {}}, {"segment", {}},   {"sha256", {}},
                            {"doc: rest", {}}, {"match", {}},   {"normalize", {}}, {"store", {}}};
  Timing make_document;  // the whole make_document call
  double matcher_setup = 0;  // Matcher construction (once), wall
  std::uint64_t files = 0;
  std::uint64_t failed = 0;
  std::uint64_t bytes = 0;
  std::uint64_t folded_bytes = 0;
  std::uint64_t sentences = 0;
  std::uint64_t mentions = 0;
  std::uint64_t figures = 0;

  // Sums over stages [first, last).
  [[nodiscard]] Timing sum(std::size_t first = 0, std::size_t last = kStore + 1) const {
    Timing t;
    for (std::size_t i = first; i < last; ++i) {
      t.wall += stages[i].time.wall;
      t.cpu += stages[i].time.cpu;
    }
    return t;
  }
  [[nodiscard]] Timing total() const { return sum(); }
  // What `figtrail extract` runs of it: everything but the store.
  [[nodiscard]] Timing extract_total() const { return sum(0, kStore); }
};

StageReport measure_stages(const Corpus& corpus, std::uint64_t byte_limit, const fs::path& tmp) {
  StageReport report;
  const Clock::time_point setup = Clock::now();
  const figtrail::Matcher matcher;
  report.matcher_setup = seconds_since(setup);
  const figtrail::Normalizer normalizer;
  const figtrail::FxTable& fx = figtrail::FxTable::builtin();

  const fs::path db_path = tmp / ("figtrail-bench-stages-" + std::to_string(::getpid()) + ".db");
  remove_database(db_path);
  {
    figtrail::Database db = figtrail::Database::open(db_path);
    db.set_batching(figtrail::kIngestBatching);  // as ingest stores
    const std::int64_t run = db.begin_run("figtrail-bench stages");
    figtrail::RunSummary summary;
    auto& st = report.stages;
    Stopwatch watch;
    for (const fs::path& path : corpus.files) {
      if (report.bytes >= byte_limit) break;
      const std::string name = path.string();
      watch.restart();
      std::string bytes = read_file(path);
      watch.lap(st[kRead].time);
      report.bytes += bytes.size();
      ++report.files;
      try {
        // What make_document does, call by call (the UTF-8 path: the
        // generated corpus is UTF-8 plain text).
        const figtrail::SourceFormat format = figtrail::format_for_path(path);
        watch.restart();
        figtrail::FoldedText folded = figtrail::fold_utf8(bytes);
        if (format == figtrail::SourceFormat::Markdown) figtrail::blank_markdown_link_targets(folded.text);
        watch.lap(st[kFold].time);
        const figtrail::Segmentation segments = figtrail::segment(folded.text);
        watch.lap(st[kSegment].time);
        const std::string sha = figtrail::sha256_hex(bytes);
        watch.lap(st[kSha].time);
        report.folded_bytes += folded.text.size();
        report.sentences += segments.sentences.size();

        // The document the later stages need, from make_document itself.
        watch.restart();
        const figtrail::Document doc = figtrail::make_document(name, std::move(bytes), format);
        watch.lap(report.make_document);

        const std::vector<figtrail::Mention> mentions = matcher.find(doc);
        watch.lap(st[kMatch].time);
        const std::vector<figtrail::Figure> figures = normalizer.normalize(doc, mentions, fx);
        watch.lap(st[kNormalize].time);
        if (!db.is_current(doc.path, doc.sha256)) {
          db.store_document(run, {doc.path, doc.sha256, doc.bytes.size(), doc.encoding, doc.encoding_confidence},
                            figures);
        }
        watch.lap(st[kStore].time);
        report.mentions += mentions.size();
        report.figures += figures.size();
        ++summary.documents_stored;
        summary.figures_stored += static_cast<std::int64_t>(figures.size());
      } catch (const std::exception& e) {
        ++report.failed;
        std::cerr << "figtrail-bench: " << name << ": " << e.what() << '\n';
      }
    }
    watch.restart();
    db.finish_run(run, summary);
    watch.lap(st[kStore].time);
  }
  remove_database(db_path);
  // make_document beyond fold, segment and sha256 (encoding detection,
  // checks, line starts). It ran right after those calls on the same bytes,
  // with warm caches, so this is if anything an underestimate.
  const Timing parts = report.sum(kFold, kDocumentRest);
  report.stages[kDocumentRest].time = {std::max(0.0, report.make_document.wall - parts.wall),
                                       std::max(0.0, report.make_document.cpu - parts.cpu)};
  return report;
}

// ---------------------------------------------------------------- output

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string pad(std::string text, std::size_t width, bool left = false) {
  if (text.size() < width) text.insert(left ? text.size() : 0, width - text.size(), ' ');
  return text;
}

json run_json(const Run& r) {
  json j;
  j["name"] = r.name;
  j["command"] = command_text(r.best.argv);
  j["corpus"] = r.corpus;
  j["jobs"] = r.jobs;
  j["bytes"] = r.bytes;
  j["ok"] = r.ok();
  j["exit_code"] = r.best.exit_code;
  j["repeats"] = r.repeats;
  j["wall_s"] = r.best.wall;
  j["user_s"] = r.best.user;
  j["sys_s"] = r.best.sys;
  j["mb_per_s"] = r.mb_per_s();
  j["mb_per_cpu_s"] = r.mb_per_cpu_s();
  j["figures"] = r.figures ? json(*r.figures) : json(nullptr);
  j["figures_per_s"] = r.figures && r.best.wall > 0 ? json(static_cast<double>(*r.figures) / r.best.wall) : json(nullptr);
  j["peak_rss_kib"] = r.best.max_rss_kib;
  j["load_average_before"] = r.best.load_before;
  j["others_cores"] = r.best.others_cores;
  j["steal_cores"] = r.best.steal_cores;
  return j;
}

struct Options {
  fs::path corpus;
  std::optional<fs::path> small_corpus;  // --linearity
  std::string figtrail = FIGTRAIL_BINARY;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  int repeat = 1;
  bool json = false;
  std::string json_out;  // also write the JSON here
  bool children = true;
  bool ingest = true;
  bool stages = true;
  std::uint64_t stage_limit = std::numeric_limits<std::uint64_t>::max();
  fs::path tmp;
};

[[noreturn]] void usage(std::string_view problem) {
  if (!problem.empty()) std::cerr << "figtrail-bench: " << problem << '\n';
  std::cerr << "usage: figtrail-bench [options] CORPUS_DIR\n"
               "  --figtrail PATH      the binary to time (default " FIGTRAIL_BINARY ")\n"
               "  --jobs N             threads for the all-cores runs (default: all cores)\n"
               "  --repeat R           run each child R times, report the fastest (default 1)\n"
               "  --linearity DIR      also time extract on DIR (a smaller corpus), report the time ratio\n"
               "  --stage-limit BYTES  in-process stage breakdown on the first files up to BYTES (default: all)\n"
               "  --no-children        skip the child runs (extract, ingest)\n"
               "  --no-ingest          skip the ingest run\n"
               "  --no-stages          skip the in-process stage breakdown\n"
               "  --tmp DIR            where the databases go (default $TMPDIR or /tmp)\n"
               "  --json               print JSON instead of tables\n"
               "  --json-out FILE      print tables, and write the JSON to FILE\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  const char* tmpdir = std::getenv("TMPDIR");
  o.tmp = tmpdir && *tmpdir ? tmpdir : "/tmp";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(std::string(arg) + " needs a value");
      return argv[++i];
    };
    const auto number = [&]() -> std::uint64_t {
      const std::string v = value();
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) {
        usage(std::string(arg) + ": not a number: " + v);
      }
      return std::stoull(v);
    };
    if (arg == "--figtrail") {
      o.figtrail = value();
    } else if (arg == "--jobs") {
      o.jobs = static_cast<unsigned>(std::max<std::uint64_t>(1, number()));
    } else if (arg == "--repeat") {
      o.repeat = static_cast<int>(std::clamp<std::uint64_t>(number(), 1, 100));
    } else if (arg == "--linearity") {
      o.small_corpus = value();
    } else if (arg == "--stage-limit") {
      o.stage_limit = number();
    } else if (arg == "--no-children") {
      o.children = false;
    } else if (arg == "--no-ingest") {
      o.ingest = false;
    } else if (arg == "--no-stages") {
      o.stages = false;
    } else if (arg == "--tmp") {
      o.tmp = value();
    } else if (arg == "--json") {
      o.json = true;
    } else if (arg == "--json-out") {
      o.json_out = value();
    } else if (arg == "--help" || arg == "-h") {
      usage("");
    } else if (!arg.empty() && arg[0] == '-') {
      usage("unknown option: " + std::string(arg));
    } else if (o.corpus.empty()) {
      o.corpus = std::string(arg);
    } else {
      usage("one corpus directory only");
    }
  }
  if (o.corpus.empty()) usage("no corpus directory (make one with figtrail-bench-corpus)");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  try {
    const Corpus corpus = list_corpus(options.corpus);
    std::optional<Corpus> small;
    if (options.small_corpus) small = list_corpus(*options.small_corpus);
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const auto progress = [&](const std::string& what) {
      std::cerr << "figtrail-bench: " << what << '\n';
    };

    // What the binary supports.
    std::string version;
    bool has_jobs = false;
    if (options.children) {
      if (::access(options.figtrail.c_str(), X_OK) != 0) {
        throw std::runtime_error(options.figtrail + ": not an executable (see --figtrail)");
      }
      const fs::path tmp = options.tmp;
      version = first_line(run_child({options.figtrail, "--version"}, true, tmp).out);
      const ChildResult help = run_child({options.figtrail, "extract", "--help"}, true, tmp);
      has_jobs = (help.out + help.err).find("--jobs") != std::string::npos;
    }

    double warm = 0;
    rusage self{};
    ::getrusage(RUSAGE_SELF, &self);
    const long own_rss_kib = self.ru_maxrss;  // a floor under the children's ru_maxrss
    std::vector<Run> runs;
    std::vector<std::string> notes;
    if (options.children) {
      progress("warming the page cache");
      warm = warm_page_cache(corpus);
      if (small) warm_page_cache(*small);
      if (!has_jobs) {
        notes.push_back(options.figtrail + " has no --jobs option: extract and ingest ran without it (one thread)");
      }
      const auto timed = [&](std::string name, const Corpus& c, unsigned jobs, bool ingest) {
        Run run;
        run.name = std::move(name);
        run.corpus = c.dir.string();
        run.jobs = has_jobs ? jobs : 1;
        run.bytes = c.bytes;
        const fs::path db = options.tmp / ("figtrail-bench-" + std::to_string(::getpid()) + ".db");
        for (int i = 0; i < options.repeat; ++i) {
          std::vector<std::string> args{options.figtrail, ingest ? "ingest" : "extract"};
          if (ingest) {
            remove_database(db);
            args.insert(args.end(), {"--db", db.string()});
          }
          if (has_jobs) args.insert(args.end(), {"--jobs", std::to_string(jobs)});
          args.push_back(c.dir.string());
          progress(command_text(args) + (options.repeat > 1 ? " (" + std::to_string(i + 1) + "/" +
                                                                  std::to_string(options.repeat) + ")"
                                                            : ""));
          ChildResult r = run_child(args, ingest, options.tmp);
          if (ingest) remove_database(db);
          if (r.exit_code != 0) {
            notes.push_back(run.name + " failed (" +
                            (r.signal ? "signal " + std::to_string(r.signal) : "exit " + std::to_string(r.exit_code)) +
                            "): " + tail(r.err, 5));
          }
          if (run.repeats == 0 || r.wall < run.best.wall) run.best = std::move(r);
          ++run.repeats;
        }
        if (ingest) run.figures = figures_stored(run.best.out);
        runs.push_back(std::move(run));
      };
      const bool parallel = has_jobs && options.jobs > 1;
      const std::string jn = std::to_string(options.jobs);
      timed(has_jobs ? "extract --jobs 1" : "extract", corpus, 1, false);
      if (parallel) timed("extract --jobs " + jn, corpus, options.jobs, false);
      if (options.ingest) timed(has_jobs ? "ingest --jobs " + jn : "ingest", corpus, options.jobs, true);
      if (small) {
        timed(has_jobs ? "extract --jobs 1" : "extract", *small, 1, false);
        if (parallel) timed("extract --jobs " + jn, *small, options.jobs, false);
      }
    }

    std::optional<StageReport> stages;
    if (options.stages) {
      progress("in-process stage breakdown (one thread)");
      stages = measure_stages(corpus, options.stage_limit, options.tmp);
    }

    // Figures: counted by ingest (the binary's own count), else in-process.
    std::optional<std::int64_t> figure_count;
    for (const Run& r : runs) {
      if (r.figures && r.corpus == corpus.dir.string()) figure_count = r.figures;
    }
    if (stages && stages->bytes == corpus.bytes) {
      const auto in_process = static_cast<std::int64_t>(stages->figures);
      if (figure_count && *figure_count != in_process) {
        notes.push_back("ingest stored " + std::to_string(*figure_count) + " figures, the in-process pipeline found " +
                        std::to_string(in_process));
      }
      if (!figure_count) figure_count = in_process;
    }
    for (Run& r : runs) {
      if (!r.figures && r.corpus == corpus.dir.string()) r.figures = figure_count;
    }

    // Linearity: the same command on both corpora.
    struct Linearity {
      std::string name;
      double size_ratio, time_ratio, cpu_ratio;
      long small_rss, large_rss;
    };
    std::vector<Linearity> linearity;
    if (small) {
      for (const Run& large_run : runs) {
        if (large_run.corpus != corpus.dir.string() || large_run.name.rfind("extract", 0) != 0) continue;
        for (const Run& small_run : runs) {
          if (small_run.corpus == small->dir.string() && small_run.name == large_run.name && small_run.ok() &&
              large_run.ok()) {
            linearity.push_back({large_run.name, static_cast<double>(corpus.bytes) / static_cast<double>(small->bytes),
                                 large_run.best.wall / small_run.best.wall,
                                 (large_run.best.user + large_run.best.sys) / (small_run.best.user + small_run.best.sys),
                                 small_run.best.max_rss_kib, large_run.best.max_rss_kib});
          }
        }
      }
    }

    double busiest = 0;
    for (const Run& r : runs) busiest = std::max(busiest, r.best.others_cores);
    if (busiest >= 0.25) {
      notes.push_back("the machine was busy (up to " + fixed(busiest, 2) +
                      " cores of other work during a run): wall times and speed-ups are worse than on an idle "
                      "machine; MB/CPU-s and the CPU-time shares are less affected");
    }
    const std::string build_type = FIGTRAIL_BENCH_BUILD_TYPE;
    if (build_type != "Release") {
      notes.push_back(std::string("built as ") + (build_type.empty() ? "(no build type)" : build_type) +
                      ", not Release: use bench/run.sh for numbers to publish");
    }

    {
      json j;
      j["corpus"] = {{"dir", corpus.dir.string()}, {"files", corpus.files.size()}, {"bytes", corpus.bytes}};
      j["machine"] = {{"cores", cores}, {"cpu", cpu_model()}};
      j["figtrail"] = {{"binary", options.figtrail}, {"version", version}, {"has_jobs", has_jobs},
                       {"library_version", figtrail::kVersion}, {"bench_build_type", build_type}};
      j["page_cache_warmup_s"] = warm;
      j["bench_peak_rss_before_runs_kib"] = own_rss_kib;
      j["figures"] = figure_count ? json(*figure_count) : json(nullptr);
      j["runs"] = json::array();
      for (const Run& r : runs) j["runs"].push_back(run_json(r));
      if (small) {
        j["linearity"] = json::array();
        for (const Linearity& l : linearity) {
          j["linearity"].push_back({{"run", l.name},
                                    {"small_corpus", small->dir.string()},
                                    {"small_bytes", small->bytes},
                                    {"size_ratio", l.size_ratio},
                                    {"time_ratio", l.time_ratio},
                                    {"cpu_time_ratio", l.cpu_ratio},
                                    {"time_ratio_per_10x", l.time_ratio / l.size_ratio * 10},
                                    {"small_peak_rss_kib", l.small_rss},
                                    {"large_peak_rss_kib", l.large_rss}});
        }
      }
      if (stages) {
        json s;
        s["files"] = stages->files;
        s["failed"] = stages->failed;
        s["bytes"] = stages->bytes;
        s["folded_bytes"] = stages->folded_bytes;
        s["sentences"] = stages->sentences;
        s["mentions"] = stages->mentions;
        s["figures"] = stages->figures;
        s["matcher_setup_s"] = stages->matcher_setup;
        s["make_document_cpu_s"] = stages->make_document.cpu;
        s["make_document_wall_s"] = stages->make_document.wall;
        s["total_cpu_s"] = stages->total().cpu;
        s["total_wall_s"] = stages->total().wall;
        s["extract_cpu_s"] = stages->extract_total().cpu;
        s["stages"] = json::array();
        const double total_cpu = stages->total().cpu;
        for (const Stage& st : stages->stages) {
          s["stages"].push_back({{"stage", st.name},
                                 {"cpu_s", st.time.cpu},
                                 {"wall_s", st.time.wall},
                                 {"mb_per_cpu_s", st.time.cpu > 0 ? mb(stages->bytes) / st.time.cpu : 0},
                                 {"share", total_cpu > 0 ? st.time.cpu / total_cpu : 0}});
        }
        j["stages"] = s;
      }
      j["notes"] = notes;
      if (!options.json_out.empty()) {
        std::ofstream out(options.json_out);
        out << j.dump(2) << '\n';
        if (!out) throw std::runtime_error(options.json_out + ": cannot write");
      }
      if (options.json) {
        std::cout << j.dump(2) << '\n';
        return 0;
      }
    }

    std::cout << "figtrail-bench: " << corpus.dir.string() << ": " << corpus.files.size() << " files, "
              << fixed(mb(corpus.bytes), 1) << " MB";
    if (figure_count) std::cout << ", " << *figure_count << " figures";
    std::cout << "\n";
    if (!version.empty()) std::cout << "binary: " << options.figtrail << " (" << version << ")\n";
    std::cout << "machine: " << cores << " cores, " << cpu_model() << "\n";
    if (!runs.empty()) {
      std::cout << "\n" << pad("run", 26, true) << pad("wall s", 9) << pad("MB/s", 8) << pad("figures/s", 11)
                << pad("CPU s", 9) << pad("MB/CPU-s", 10) << pad("peak RSS", 12) << pad("others", 8) << "\n";
      for (const Run& r : runs) {
        std::string name = r.name;
        if (small && r.corpus == small->dir.string()) name += " (small)";
        std::cout << pad(name, 26, true);
        if (!r.ok()) {
          std::cout << "  FAILED (" << (r.best.signal ? "signal " + std::to_string(r.best.signal)
                                                      : "exit " + std::to_string(r.best.exit_code))
                    << ")\n";
          continue;
        }
        std::cout << pad(fixed(r.best.wall, 2), 9) << pad(fixed(r.mb_per_s(), 2), 8)
                  << pad(r.figures ? fixed(static_cast<double>(*r.figures) / r.best.wall, 0) : "-", 11)
                  << pad(fixed(r.cpu(), 2), 9) << pad(fixed(r.mb_per_cpu_s(), 2), 10)
                  << pad(fixed(static_cast<double>(r.best.max_rss_kib) / 1024.0, 1) + " MiB", 12)
                  << pad(fixed(r.best.others_cores, 2), 8) << "\n";
      }
      std::cout << "MB/s: corpus over wall time; MB/CPU-s: over the run's CPU time (user + system); others: cores\n"
                   "the rest of the machine kept busy during the run (0 when idle)\n";
      const auto find = [&](std::string_view prefix, unsigned jobs) -> const Run* {
        for (const Run& r : runs) {
          if (r.corpus == corpus.dir.string() && r.name.rfind(prefix, 0) == 0 && r.jobs == jobs && r.ok()) return &r;
        }
        return nullptr;
      };
      const Run* one = find("extract", 1);
      const Run* all = options.jobs > 1 ? find("extract", options.jobs) : nullptr;
      if (one && all) {
        std::cout << "speed-up with " << options.jobs << " threads: " << fixed(one->best.wall / all->best.wall, 2)
                  << "x\n";
      }
    }
    if (!linearity.empty()) {
      std::cout << "\nlinearity (" << fixed(mb(small->bytes), 1) << " MB → " << fixed(mb(corpus.bytes), 1)
                << " MB, " << fixed(linearity.front().size_ratio, 2) << "x the bytes)\n";
      for (const Linearity& l : linearity) {
        std::cout << "  " << pad(l.name, 20, true) << " time " << fixed(l.time_ratio, 2) << "x, CPU time "
                  << fixed(l.cpu_ratio, 2) << "x; per 10x the corpus: " << fixed(l.time_ratio / l.size_ratio * 10, 2)
                  << "x the time; peak RSS " << fixed(static_cast<double>(l.small_rss) / 1024.0, 1) << " → "
                  << fixed(static_cast<double>(l.large_rss) / 1024.0, 1) << " MiB\n";
      }
    }
    if (stages) {
      const StageReport& s = *stages;
      const Timing total = s.total();
      std::cout << "\nstages (in-process, one thread, " << s.files << " files, " << fixed(mb(s.bytes), 1) << " MB, "
                << s.mentions << " mentions, " << s.figures << " figures; shares of CPU time)\n";
      std::cout << pad("stage", 14, true) << pad("CPU s", 9) << pad("MB/CPU-s", 10) << pad("share", 8)
                << pad("wall s", 9) << "\n";
      const auto row = [&](std::string_view name, const Timing& t) {
        std::cout << pad(std::string(name), 14, true) << pad(fixed(t.cpu, 2), 9)
                  << pad(t.cpu > 0 ? fixed(mb(s.bytes) / t.cpu, 1) : "-", 10)
                  << pad(fixed(total.cpu > 0 ? 100 * t.cpu / total.cpu : 0, 1) + "%", 8) << pad(fixed(t.wall, 2), 9)
                  << "\n";
      };
      for (const Stage& st : s.stages) row(st.name, st.time);
      row("total", total);
      std::cout << "doc: rest = make_document (" << fixed(s.make_document.cpu, 2)
                << " CPU s) - decode+fold - segment - sha256; Matcher setup " << fixed(s.matcher_setup * 1000, 1)
                << " ms\n";
      const Run* one = nullptr;
      for (const Run& r : runs) {
        if (r.corpus == corpus.dir.string() && r.jobs == 1 && r.name.rfind("extract", 0) == 0 && r.ok()) one = &r;
      }
      if (one && s.bytes == corpus.bytes) {
        const double rest = one->cpu() - s.extract_total().cpu;
        std::cout << "extract --jobs 1 used " << fixed(one->cpu(), 2) << " CPU s, its library stages (read..normalize) "
                  << fixed(s.extract_total().cpu, 2) << ": " << fixed(rest, 2) << " s ("
                  << fixed(100 * rest / one->cpu(), 1) << "%) elsewhere (JSON output, directory walk, checks)\n";
      }
    }
    for (const std::string& note : notes) std::cout << "note: " << note << "\n";
  } catch (const std::exception& e) {
    std::cerr << "figtrail-bench: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
