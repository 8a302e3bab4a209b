#include "support.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <unicode/ucnv.h>

#include <cstdint>

namespace figtrail::test {

std::string convert(const char* to, const char* from, std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  std::string out(text.size() * 4 + 16, '\0');
  const int32_t length = ucnv_convert(to, from, out.data(), static_cast<int32_t>(out.size()), text.data(),
                                      static_cast<int32_t>(text.size()), &status);
  REQUIRE(U_SUCCESS(status));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::string encode(const char* charset, std::string_view utf8) {
  std::string out = convert(charset, "UTF-8", utf8);
  REQUIRE(convert("UTF-8", charset, out) == utf8);
  return out;
}

std::vector<std::vector<std::string>> sql_rows(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const int prepared = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  INFO(sql << ": " << sqlite3_errmsg(db));
  if (prepared != SQLITE_OK) sqlite3_close(db);
  REQUIRE(prepared == SQLITE_OK);
  std::vector<std::vector<std::string>> rows;
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      row.emplace_back(bytes == nullptr ? std::string("NULL")
                                        : std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))));
    }
    rows.push_back(std::move(row));
  }
  const std::string error = sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  INFO(sql << ": " << error);
  REQUIRE(step == SQLITE_DONE);
  return rows;
}

}  // namespace figtrail::test
