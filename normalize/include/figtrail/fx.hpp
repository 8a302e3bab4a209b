// fx: annual average exchange rates, to state every money figure in US
// dollars. The built-in table ships with figtrail (data/fx_rates.csv, its
// source named in the file); users may pass their own (`--fx FILE`).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace figtrail {

// Raised for an unreadable or malformed rate table; what() names the file
// and line: "rates.csv:7: rate must be a positive number, got 'abc'".
class FxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FxRate {
  double per_usd = 0;  // units of the currency per 1 US dollar (annual average)
  int year = 0;        // the year of the average actually used
};

class FxTable {
 public:
  // The table shipped with figtrail (data/fx_rates.csv, compiled into the
  // binary), parsed on first use.
  static const FxTable& builtin();
  // Parses a CSV table: a header `currency,year,per_usd`, then one row per
  // currency and year (ISO 4217 code, 4-digit year, positive decimal).
  // Lines starting with '#' are comments; the first comment is the source.
  // Blank lines are skipped, blanks around fields ignored. Throws FxError,
  // `name` and the line first ("name:LINE: ..."), for an unknown header, a
  // row without exactly 3 columns, a currency not 3 uppercase letters, a
  // year not 4 digits, a rate not a positive finite number, a currency and
  // year given twice; and ("name: rate table has no rows") for no rows.
  static FxTable parse(std::string_view csv, std::string_view name);
  // Reads and parses a CSV file, named by its path in messages. Throws
  // FxError: "PATH: cannot read rate table (No such file or directory)".
  static FxTable load(const std::filesystem::path& path);

  // The rate for `currency` in `year`: that year's average when listed, else
  // the nearest listed year (earlier preferred over later at equal
  // distance); when `year` is nullopt, the latest listed year. USD is always
  // 1 for the year asked (or the latest year). nullopt for an unknown
  // currency.
  [[nodiscard]] std::optional<FxRate> rate(std::string_view currency, std::optional<int> year) const;

  // The table's source line (its first comment), e.g. the issuing authority.
  [[nodiscard]] const std::string& source() const { return source_; }
  // The latest year any currency lists.
  [[nodiscard]] int latest_year() const { return latest_year_; }

 private:
  std::map<std::string, std::map<int, double>, std::less<>> rates_;
  std::string source_;
  int latest_year_ = 0;
};

}  // namespace figtrail
