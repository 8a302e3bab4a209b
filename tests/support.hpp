// Helpers the test programs share: text in other encodings (ICU) and rows
// read straight from a database file (SQLite), past figtrail's own API.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace figtrail::test {

// `text` converted from charset `from` to charset `to` (ICU converter names);
// fails the test if ICU cannot.
std::string convert(const char* to, const char* from, std::string_view text);

// `utf8` in `charset`, checked to convert back unchanged (every character
// has a mapping).
std::string encode(const char* charset, std::string_view utf8);

// Runs one statement against a database file and returns the rows it gives,
// each column as its bytes ("NULL" for NULL); fails the test on an error.
std::vector<std::vector<std::string>> sql_rows(const std::filesystem::path& db_path, const std::string& sql);

}  // namespace figtrail::test
