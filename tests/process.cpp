#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

namespace figtrail::test {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FAIL("cannot read " << path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) FAIL("cannot write " << path);
}

std::string command_line(const std::vector<std::string>& args) {
  std::string command = FIGTRAIL_BINARY;
  for (const std::string& arg : args) command += " " + arg;
  return command;
}

Sandbox::Sandbox(const std::string& name) {
  std::random_device random;
  root_ = fs::temp_directory_path() / ("figtrail-" + name + "-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(random()) + std::to_string(random()));
  fs::create_directories(root_ / "work");
}

Sandbox::~Sandbox() {
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

Child Sandbox::spawn(const std::vector<std::string>& args, const std::string& stdin_file, bool low_priority) {
  Child child;
  child.number = ++children_;
  // Everything the forked child needs is made before the fork.
  const std::string in_path = stdin_file.empty() ? std::string("/dev/null") : (work() / stdin_file).string();
  const fs::path out_path = root_ / ("stdout-" + std::to_string(child.number));
  const fs::path err_path = root_ / ("stderr-" + std::to_string(child.number));
  const std::string cwd = work().string();
  std::vector<std::string> argv_strings{FIGTRAIL_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  child.started = std::chrono::steady_clock::now();
  child.pid = ::fork();
  if (child.pid < 0) FAIL("fork failed");
  if (child.pid == 0) {
    const int in = ::open(in_path.c_str(), O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) ::_exit(125);
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(125);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    if (low_priority && ::setpriority(PRIO_PROCESS, 0, 19) != 0) ::_exit(126);
    ::execv(FIGTRAIL_BINARY, argv.data());
    ::_exit(127);
  }
  return child;
}

Result Sandbox::wait(const Child& child, std::optional<std::chrono::seconds> limit) {
  Result result;
  int status = 0;
  rusage usage{};
  if (!limit) {
    pid_t waited = 0;
    do {
      waited = ::wait4(child.pid, &status, 0, &usage);
    } while (waited < 0 && errno == EINTR);
    if (waited != child.pid) FAIL("waitpid failed");
  } else {
    for (;;) {
      const pid_t waited = ::wait4(child.pid, &status, WNOHANG, &usage);
      if (waited == child.pid) break;
      if (waited < 0 && errno != EINTR) FAIL("wait4 failed");
      if (std::chrono::steady_clock::now() - child.started > *limit) {
        ::kill(child.pid, SIGKILL);
        while (::wait4(child.pid, &status, 0, &usage) < 0 && errno == EINTR) {
        }
        result.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - child.started).count();
  result.max_rss_mib = usage.ru_maxrss / 1024;
  result.max_rss_kib = usage.ru_maxrss;
  result.wait_status = status;
  if (WIFEXITED(status)) {
    result.exited = true;
    result.status = WEXITSTATUS(status);
    if (result.status >= 125) FAIL("could not start " << FIGTRAIL_BINARY << " (status " << result.status << ")");
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  } else {
    FAIL("unexpected wait status " << status);
  }
  // A child killed before it opened its capture files leaves none.
  const fs::path out_path = root_ / ("stdout-" + std::to_string(child.number));
  const fs::path err_path = root_ / ("stderr-" + std::to_string(child.number));
  if (fs::exists(out_path)) result.out = read_bytes(out_path);
  if (fs::exists(err_path)) result.err = read_bytes(err_path);
  return result;
}

Result ExitingSandbox::run(const std::vector<std::string>& args, const std::string& stdin_file) {
  Result result = wait(spawn(args, stdin_file));
  if (!result.exited) FAIL("figtrail did not exit normally (wait status " << result.wait_status << ")");
  return result;
}

bool Sandbox::exited(const Child& child) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(child.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == child.pid;
}

// RFC 4180 records: CRLF line ends, quoted fields with "" for a quote.
// Fails the test (once) on anything else.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  std::string error;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size() && error.empty(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      if (!field.empty()) error = "quote inside an unquoted field at byte " + std::to_string(i);
      quoted = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
    } else if (c == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n') error = "CR without LF at byte " + std::to_string(i);
      ++i;
      record.push_back(field);
      field.clear();
      records.push_back(record);
      record.clear();
    } else if (c == '\n') {
      error = "bare LF outside quotes at byte " + std::to_string(i);
    } else {
      field += c;
    }
  }
  if (error.empty() && (quoted || !field.empty() || !record.empty())) error = "last record does not end in CRLF";
  INFO(error);
  REQUIRE(error.empty());
  return records;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::vector<nlohmann::json> jsonl(const std::string& out) {
  // Outputs can be large (the bad-input corpus): messages quote 400 bytes.
  if (!out.empty() && out.back() != '\n') {
    const std::size_t tail = std::min<std::size_t>(out.size(), 400);
    FAIL("output does not end in a newline; it ends: " << out.substr(out.size() - tail));
  }
  std::vector<nlohmann::json> result;
  for (const std::string& line : lines_of(out)) {
    try {
      result.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      FAIL("not a JSON line: " << line.substr(0, 400) << " (" << e.what() << ")");
    }
  }
  return result;
}

}  // namespace figtrail::test
