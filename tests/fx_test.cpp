#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "figtrail/fx.hpp"

using figtrail::FxError;
using figtrail::FxRate;
using figtrail::FxTable;

namespace {

// EUR has a gap (2019, 2021, 2024) to exercise the nearest-year rules.
constexpr std::string_view kSmall =
    "# Test authority, annual averages\n"
    "# a second comment is not the source\n"
    "currency,year,per_usd\n"
    "EUR,2019,0.893\n"
    "EUR,2021,0.846\n"
    "EUR,2024,0.924\n"
    "JPY,2020,106.725\n";

void check(const std::optional<FxRate>& got, double per_usd, int year) {
  REQUIRE(got.has_value());
  CHECK(got->per_usd == per_usd);
  CHECK(got->year == year);
}

std::string error_of(std::string_view csv) {
  try {
    (void)FxTable::parse(csv, "rates.csv");
  } catch (const FxError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string with_header(std::string_view rows) {
  return "currency,year,per_usd\n" + std::string(rows);
}

// A scratch directory of this test run, removed at the end.
struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("figtrail_fx_test_" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace

TEST_CASE("fx: rates from a small table", "[fx]") {
  const FxTable table = FxTable::parse(kSmall, "small.csv");
  CHECK(table.source() == "Test authority, annual averages");
  CHECK(table.latest_year() == 2024);

  SECTION("a listed year is used as is") {
    check(table.rate("EUR", 2019), 0.893, 2019);
    check(table.rate("EUR", 2021), 0.846, 2021);
    check(table.rate("EUR", 2024), 0.924, 2024);
    check(table.rate("JPY", 2020), 106.725, 2020);
  }
  SECTION("else the nearest listed year, earlier or later") {
    check(table.rate("EUR", 2022), 0.846, 2021);  // 1 after 2021, 2 before 2024
    check(table.rate("EUR", 2023), 0.924, 2024);  // 2 after 2021, 1 before 2024
    check(table.rate("EUR", 1998), 0.893, 2019);  // before every listed year
    check(table.rate("EUR", 2031), 0.924, 2024);  // after every listed year
    check(table.rate("JPY", 2025), 106.725, 2020);
    check(table.rate("JPY", 2001), 106.725, 2020);
  }
  SECTION("at equal distance the earlier year") {
    check(table.rate("EUR", 2020), 0.893, 2019);
  }
  SECTION("no year: the currency's latest listed year") {
    check(table.rate("EUR", std::nullopt), 0.924, 2024);
    check(table.rate("JPY", std::nullopt), 106.725, 2020);
  }
  SECTION("USD is 1 for the year asked, or the table's latest year") {
    check(table.rate("USD", 2017), 1.0, 2017);
    check(table.rate("USD", 2024), 1.0, 2024);
    check(table.rate("USD", std::nullopt), 1.0, 2024);
  }
  SECTION("an unknown currency has no rate") {
    CHECK_FALSE(table.rate("XYZ", 2024).has_value());
    CHECK_FALSE(table.rate("XYZ", std::nullopt).has_value());
    CHECK_FALSE(table.rate("eur", 2024).has_value());  // codes are exact
    CHECK_FALSE(table.rate("", 2024).has_value());
  }
}

TEST_CASE("fx: parse tolerates CRLF, a BOM, blank lines and blanks around fields", "[fx]") {
  const FxTable table = FxTable::parse(
      "\xEF\xBB\xBF#  Source with blanks  \r\n\r\ncurrency, year ,per_usd\r\n"
      "  CNY , 2023 , 7.084 \r\n\nGBP,2023,0.804",  // no final newline
      "crlf.csv");
  CHECK(table.source() == "Source with blanks");
  check(table.rate("CNY", 2023), 7.084, 2023);
  check(table.rate("GBP", 2023), 0.804, 2023);
  CHECK(table.latest_year() == 2023);

  // No comment at all: no source.
  CHECK(FxTable::parse(with_header("EUR,2023,0.924\n"), "x.csv").source().empty());
  // Exponent notation is a number too.
  check(FxTable::parse(with_header("KRW,2023,1.306686e3\n"), "x.csv").rate("KRW", 2023), 1306.686, 2023);
}

TEST_CASE("fx: parse errors name the file and line", "[fx]") {
  SECTION("header") {
    CHECK(error_of("currency,year,rate\nEUR,2023,0.924\n") ==
          "rates.csv:1: unknown header 'currency,year,rate', expected 'currency,year,per_usd'");
    CHECK(error_of("# source\n\nEUR,2023,0.924\n") ==
          "rates.csv:3: unknown header 'EUR,2023,0.924', expected 'currency,year,per_usd'");
    CHECK(error_of("currency,year,per_usd,note\n") ==
          "rates.csv:1: unknown header 'currency,year,per_usd,note', expected 'currency,year,per_usd'");
    CHECK(error_of("Currency,Year,Per_USD\n") ==
          "rates.csv:1: unknown header 'Currency,Year,Per_USD', expected 'currency,year,per_usd'");
  }
  SECTION("column count") {
    CHECK(error_of(with_header("EUR,2023\n")) ==
          "rates.csv:2: expected 3 columns (currency,year,per_usd), got 2");
    CHECK(error_of(with_header("EUR,2023,0.924,x\n")) ==
          "rates.csv:2: expected 3 columns (currency,year,per_usd), got 4");
    CHECK(error_of(with_header("EUR\n")) == "rates.csv:2: expected 3 columns (currency,year,per_usd), got 1");
    CHECK(error_of(with_header("KRW,2023,1,306.686\n")) ==
          "rates.csv:2: expected 3 columns (currency,year,per_usd), got 4");
  }
  SECTION("currency") {
    CHECK(error_of(with_header("eur,2023,0.924\n")) == "rates.csv:2: currency must be 3 uppercase letters, got 'eur'");
    CHECK(error_of(with_header("EURO,2023,0.924\n")) ==
          "rates.csv:2: currency must be 3 uppercase letters, got 'EURO'");
    CHECK(error_of(with_header("E1R,2023,0.924\n")) == "rates.csv:2: currency must be 3 uppercase letters, got 'E1R'");
    CHECK(error_of(with_header(",2023,0.924\n")) == "rates.csv:2: currency must be 3 uppercase letters, got ''");
  }
  SECTION("year") {
    CHECK(error_of(with_header("EUR,23,0.924\n")) == "rates.csv:2: year must be 4 digits, got '23'");
    CHECK(error_of(with_header("EUR,02023,0.924\n")) == "rates.csv:2: year must be 4 digits, got '02023'");
    CHECK(error_of(with_header("EUR,20x3,0.924\n")) == "rates.csv:2: year must be 4 digits, got '20x3'");
    CHECK(error_of(with_header("EUR,-202,0.924\n")) == "rates.csv:2: year must be 4 digits, got '-202'");
    CHECK(error_of(with_header("EUR,,0.924\n")) == "rates.csv:2: year must be 4 digits, got ''");
  }
  SECTION("rate") {
    CHECK(error_of(with_header("EUR,2023,abc\n")) == "rates.csv:2: rate must be a positive number, got 'abc'");
    CHECK(error_of(with_header("EUR,2023,0\n")) == "rates.csv:2: rate must be a positive number, got '0'");
    CHECK(error_of(with_header("EUR,2023,-0.924\n")) == "rates.csv:2: rate must be a positive number, got '-0.924'");
    CHECK(error_of(with_header("EUR,2023,inf\n")) == "rates.csv:2: rate must be a positive number, got 'inf'");
    CHECK(error_of(with_header("EUR,2023,nan\n")) == "rates.csv:2: rate must be a positive number, got 'nan'");
    CHECK(error_of(with_header("EUR,2023,1e999\n")) == "rates.csv:2: rate must be a positive number, got '1e999'");
    CHECK(error_of(with_header("EUR,2023,0.92x\n")) == "rates.csv:2: rate must be a positive number, got '0.92x'");
    CHECK(error_of(with_header("EUR,2023,0 .9\n")) == "rates.csv:2: rate must be a positive number, got '0 .9'");
    CHECK(error_of(with_header("EUR,2023,\n")) == "rates.csv:2: rate must be a positive number, got ''");
  }
  SECTION("duplicate currency and year") {
    CHECK(error_of(with_header("EUR,2023,0.924\nEUR,2024,0.924\n# note\nEUR,2023,0.925\n")) ==
          "rates.csv:5: duplicate rate for EUR 2023 (first on line 2)");
  }
  SECTION("the line count includes comments, blank lines and CRLF lines") {
    CHECK(error_of("# s\r\n\r\ncurrency,year,per_usd\r\nEUR,2023,0.924\r\n\r\nEUR,2023,x\r\n") ==
          "rates.csv:6: rate must be a positive number, got 'x'");
  }
  SECTION("a table without rows") {
    CHECK(error_of("") == "rates.csv: rate table has no rows");
    CHECK(error_of("# only a source\n") == "rates.csv: rate table has no rows");
    CHECK(error_of("currency,year,per_usd\n") == "rates.csv: rate table has no rows");
    CHECK(error_of("# source\ncurrency,year,per_usd\n\n# nothing\n") == "rates.csv: rate table has no rows");
  }
  SECTION("the first error wins") {
    CHECK(error_of(with_header("EUR,2023,0.924\neur,23,x\nEUR,2023,0.9\n")) ==
          "rates.csv:3: currency must be 3 uppercase letters, got 'eur'");
  }
}

TEST_CASE("fx: load reads a file and names it in errors", "[fx]") {
  const TempDir dir;
  SECTION("a table file") {
    const auto path = dir.path / "rates.csv";
    std::ofstream(path, std::ios::binary) << kSmall;
    const FxTable table = FxTable::load(path);
    CHECK(table.source() == "Test authority, annual averages");
    check(table.rate("EUR", 2022), 0.846, 2021);
  }
  SECTION("a malformed file: its path and line") {
    const auto path = dir.path / "bad.csv";
    std::ofstream(path, std::ios::binary) << "currency,year,per_usd\nEUR,2023,-1\n";
    REQUIRE_THROWS_AS(FxTable::load(path), FxError);
    REQUIRE_THROWS_WITH(FxTable::load(path), path.string() + ":2: rate must be a positive number, got '-1'");
  }
  SECTION("a missing file") {
    const auto path = dir.path / "missing.csv";
    REQUIRE_THROWS_AS(FxTable::load(path), FxError);
    REQUIRE_THROWS_WITH(FxTable::load(path),
                        path.string() + ": cannot read rate table (No such file or directory)");
  }
  SECTION("a directory") {
    REQUIRE_THROWS_WITH(FxTable::load(dir.path), dir.path.string() + ": cannot read rate table (Is a directory)");
  }
  SECTION("an empty file") {
    const auto path = dir.path / "empty.csv";
    std::ofstream(path, std::ios::binary).flush();
    REQUIRE_THROWS_WITH(FxTable::load(path), path.string() + ": rate table has no rows");
  }
}

TEST_CASE("fx: the built-in table", "[fx]") {
  const FxTable& table = FxTable::builtin();
  CHECK(&table == &FxTable::builtin());  // parsed once

  SECTION("names its source, the IRS yearly averages") {
    CHECK_THAT(table.source(), Catch::Contains("Internal Revenue Service"));
    CHECK_THAT(table.source(), Catch::Contains("IRS"));
    CHECK_THAT(table.source(), Catch::Contains("Yearly Average Currency Exchange Rates"));
    CHECK(table.latest_year() == 2025);
  }

  SECTION("every currency, every year 2019-2025, within sane bounds") {
    struct Bounds {
      const char* currency;
      double low;
      double high;
    };
    // Generous bounds: a typo (a lost or extra digit, a swapped direction)
    // falls outside them, an ordinary year's movement does not.
    const Bounds bounds[] = {
        {"CNY", 6.0, 7.6},     {"EUR", 0.75, 1.05},  {"GBP", 0.65, 0.9},   {"JPY", 95.0, 170.0},
        {"KRW", 1000.0, 1600.0}, {"HKD", 7.7, 7.9},  {"TWD", 26.0, 34.0},  {"INR", 65.0, 95.0},
        {"CAD", 1.15, 1.5},    {"AUD", 1.25, 1.7},   {"CHF", 0.75, 1.05},  {"SGD", 1.25, 1.45},
        {"MXN", 16.0, 23.0},   {"BRL", 3.5, 6.2},    {"NZD", 1.3, 1.8},    {"RUB", 55.0, 110.0},
        {"NGN", 280.0, 1700.0},
        // Pre-euro currencies: the EUR rate times the fixed conversion rate.
        {"DEM", 1.95583 * 0.75, 1.95583 * 1.05}, {"ESP", 166.386 * 0.75, 166.386 * 1.05},
        {"FIM", 5.94573 * 0.75, 5.94573 * 1.05}, {"FRF", 6.55957 * 0.75, 6.55957 * 1.05},
        {"ITL", 1936.27 * 0.75, 1936.27 * 1.05}, {"NLG", 2.20371 * 0.75, 2.20371 * 1.05},
    };
    for (const auto& b : bounds) {
      for (int year = 2019; year <= 2025; ++year) {
        INFO(b.currency << " " << year);
        const auto r = table.rate(b.currency, year);
        REQUIRE(r.has_value());
        CHECK(r->year == year);  // listed, not a neighbouring year
        CHECK(r->per_usd > 0);
        CHECK(r->per_usd >= b.low);
        CHECK(r->per_usd <= b.high);
      }
      INFO(b.currency);
      REQUIRE(table.rate(b.currency, std::nullopt).has_value());
      CHECK(table.rate(b.currency, std::nullopt)->year == 2025);
    }
  }

  SECTION("pre-euro currencies follow the EUR rate of each year") {
    const struct {
      const char* currency;
      double per_eur;
    } fixed[] = {{"DEM", 1.95583}, {"ESP", 166.386}, {"FIM", 5.94573},
                 {"FRF", 6.55957}, {"ITL", 1936.27}, {"NLG", 2.20371}};
    for (const auto& f : fixed) {
      for (int year = 2019; year <= 2025; ++year) {
        INFO(f.currency << " " << year);
        const double want = f.per_eur * table.rate("EUR", year)->per_usd;
        CHECK(std::abs(table.rate(f.currency, year)->per_usd - want) <= want * 1e-5);
      }
    }
  }

  SECTION("a few published values") {
    check(table.rate("CNY", 2023), 7.084, 2023);
    check(table.rate("EUR", 2023), 0.924, 2023);
    check(table.rate("JPY", 2023), 140.511, 2023);
    check(table.rate("USD", 2023), 1.0, 2023);
    check(table.rate("USD", std::nullopt), 1.0, 2025);
    // Years outside the table fall back to the nearest listed year.
    check(table.rate("CNY", 2010), 6.910, 2019);
    check(table.rate("CNY", 2030), table.rate("CNY", 2025)->per_usd, 2025);
  }
}

TEST_CASE("fx: a caller's conversion to US dollars", "[fx]") {
  const FxTable table = FxTable::parse("# t\ncurrency,year,per_usd\nCNY,2023,7.084\nJPY,2023,140.511\n", "t.csv");
  // 350亿元 in 2023: value / per_usd.
  const auto cny = table.rate("CNY", 2023);
  REQUIRE(cny.has_value());
  const double usd = 35e9 / cny->per_usd;
  CHECK(std::abs(usd - 4940711462.450593) <= 4940711462.450593 * 1e-9);
  // 1.2 trillion yen.
  const auto jpy = table.rate("JPY", 2023);
  REQUIRE(jpy.has_value());
  CHECK(std::abs(1.2e12 / jpy->per_usd - 8540256634.711873) <= 8540256634.711873 * 1e-9);
  // USD passes through unchanged.
  CHECK(42.5 / table.rate("USD", 2023)->per_usd == 42.5);
}
