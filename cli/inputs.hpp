// Which files a command reads: paths as given, directories walked
// recursively with include/exclude globs, and lists of paths from a file.
#pragma once

#include <string>
#include <vector>

namespace figtrail::cli {

struct InputSelection {
  // Globs (fnmatch) a file found in a directory must match, by name or by
  // path below the directory; empty means the document extensions figtrail
  // reads (.txt .text .md .markdown .mdown .html .htm .xhtml).
  std::vector<std::string> include;
  // Globs that drop a file found in a directory (they win over include).
  std::vector<std::string> exclude;
};

struct InputProblem {
  std::string path;
  std::string message;  // one line: "<path>: <reason>"
};

struct Inputs {
  std::vector<std::string> files;
  std::vector<InputProblem> problems;
};

// Files named on the command line are taken as they are (a missing one fails
// when read); directories are walked in sorted order without following
// symbolic links to directories, so a link loop cannot trap the walk; an
// entry that cannot be examined is a problem, and the walk goes on.
[[nodiscard]] Inputs expand_inputs(const std::vector<std::string>& paths, const InputSelection& selection);

// The paths listed in `list_file`, one a line; blank lines and lines starting
// with '#' are skipped. Throws std::runtime_error when the file cannot be read.
[[nodiscard]] std::vector<std::string> read_path_list(const std::string& list_file);

}  // namespace figtrail::cli
