#include "inputs.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace fs = std::filesystem;

namespace figtrail::cli {
namespace {

constexpr std::array<std::string_view, 8> kDocumentGlobs{"*.txt", "*.text",     "*.md",  "*.markdown",
                                                         "*.mdown", "*.html", "*.htm", "*.xhtml"};

bool matches(std::string_view glob, const std::string& name, const std::string& relative) {
  const std::string pattern(glob);
  // A glob with a slash matches the path below the walked directory.
  if (pattern.find('/') != std::string::npos) return fnmatch(pattern.c_str(), relative.c_str(), FNM_PATHNAME) == 0;
  return fnmatch(pattern.c_str(), name.c_str(), FNM_CASEFOLD) == 0;
}

bool selected(const fs::path& file, const fs::path& root, const InputSelection& selection) {
  const std::string name = file.filename().string();
  const std::string relative = file.lexically_relative(root).generic_string();
  for (const std::string& glob : selection.exclude) {
    if (matches(glob, name, relative)) return false;
  }
  if (selection.include.empty()) {
    return std::any_of(kDocumentGlobs.begin(), kDocumentGlobs.end(),
                       [&](std::string_view glob) { return matches(glob, name, relative); });
  }
  return std::any_of(selection.include.begin(), selection.include.end(),
                     [&](const std::string& glob) { return matches(glob, name, relative); });
}

}  // namespace

Inputs expand_inputs(const std::vector<std::string>& paths, const InputSelection& selection) {
  Inputs in;
  for (const std::string& given : paths) {
    std::error_code ec;
    if (!fs::is_directory(fs::status(given, ec))) {
      in.files.push_back(given);
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(given, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      in.problems.push_back({given, given + ": cannot walk directory (" + ec.message() + ")"});
      continue;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        in.problems.push_back({given, given + ": cannot walk directory (" + ec.message() + ")"});
        break;
      }
      std::error_code entry_error;
      const bool regular = it->is_regular_file(entry_error);  // follows a link to a file
      if (entry_error) {
        const std::string path = it->path().string();
        in.problems.push_back({path, path + ": cannot read (" + entry_error.message() + ")"});
        continue;
      }
      if (regular && selected(it->path(), given, selection)) found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    in.files.insert(in.files.end(), found.begin(), found.end());
  }
  return in;
}

std::vector<std::string> read_path_list(const std::string& list_file) {
  std::ifstream in(list_file);
  if (!in) throw std::runtime_error(list_file + ": cannot read the list of paths");
  std::vector<std::string> paths;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    paths.push_back(line);
  }
  return paths;
}

}  // namespace figtrail::cli
