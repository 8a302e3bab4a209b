// The child-process harness of the tests that run the built figtrail binary
// end to end (test_cli, test_export, test_bad_input, test_durability): a
// fresh temporary directory per test, figtrail started in it as a child
// process with its stdout and stderr captured to files, and waited for, with
// or without a wall-clock limit; and parsing of what it printed. The binary
// is FIGTRAIL_BINARY (tests/CMakeLists.txt).
//
// Failures of the harness itself (a file that cannot be read or written,
// fork or wait failing, a binary that cannot be started) fail the running
// Catch2 test; how figtrail ended is for the test to judge.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace figtrail::test {

// The whole file.
std::string read_bytes(const std::filesystem::path& path);
// Replaces the file with `bytes`, creating its directories.
void write_bytes(const std::filesystem::path& path, const std::string& bytes);

// The command line of `figtrail args...`, for messages.
std::string command_line(const std::vector<std::string>& args);

// A figtrail that was started.
struct Child {
  pid_t pid = -1;
  int number = 0;  // names its capture files
  std::chrono::steady_clock::time_point started;
};

// How it ended.
struct Result {
  bool exited = false;      // false: killed by a signal
  int status = -1;          // exit status when exited
  int signal = 0;           // the signal when not
  int wait_status = 0;      // as wait gave it
  bool timed_out = false;   // still running at its limit, so killed
  std::string out;          // what it wrote to stdout
  std::string err;          // and to stderr
  double seconds = 0;       // wall-clock time from start to end
  long max_rss_mib = 0;     // its peak resident memory
  long max_rss_kib = 0;     // the same in KiB, as wait4 gives it
};

// A fresh directory under the system temp dir, removed with everything in
// it. figtrail runs in work(); its captured output goes beside it, so that a
// directory walk never sees the capture files.
class Sandbox {
 public:
  // The directory is named figtrail-<name>-<pid>-<random>.
  explicit Sandbox(const std::string& name);
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  ~Sandbox();

  [[nodiscard]] std::filesystem::path work() const { return root_ / "work"; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& relative) const { return work() / relative; }

  void write(const std::string& relative, const std::string& bytes) const { write_bytes(work() / relative, bytes); }
  [[nodiscard]] std::string read(const std::string& relative) const { return read_bytes(work() / relative); }

  // Starts `figtrail args...` in work(), with standard input read from
  // `stdin_file` (relative to work()), or /dev/null when empty. A
  // `low_priority` child runs at nice 19, it and every thread it starts, so
  // that a test watching it for a moment to act gets the CPU first on a
  // busy machine.
  Child spawn(const std::vector<std::string>& args, const std::string& stdin_file = "", bool low_priority = false);

  // Reaps the child and reads its output. With a limit, a child still
  // running that long after its start is killed with SIGKILL (timed_out).
  // Fails the test when figtrail could not be started (exit status 125 to
  // 127 from the forked child).
  Result wait(const Child& child, std::optional<std::chrono::seconds> limit = std::nullopt);

  // spawn, then wait without a limit.
  Result run(const std::vector<std::string>& args) { return wait(spawn(args)); }

  // True once the child has exited (without reaping it).
  static bool exited(const Child& child);

 private:
  std::filesystem::path root_;
  int children_ = 0;
};

// A Sandbox in which every run must end in an exit (test_cli, test_export).
class ExitingSandbox : public Sandbox {
 public:
  using Sandbox::Sandbox;

  // spawn with `stdin_file` as for spawn, then wait without a limit; fails
  // the test unless figtrail exited (rather than being killed by a signal).
  Result run(const std::vector<std::string>& args, const std::string& stdin_file = "");
};

// RFC 4180 records: CRLF line ends, quoted fields with "" for a quote.
// Fails the test (once) on anything else.
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

// The lines of `text`, without their '\n' (a last line without one too).
std::vector<std::string> lines_of(const std::string& text);

// JSON Lines, as extract and export print them: every line (the last
// included) ends in '\n' and is one JSON value. Fails the test otherwise.
std::vector<nlohmann::json> jsonl(const std::string& out);

}  // namespace figtrail::test
