// Annual average exchange rates: a strict CSV reader and nearest-year lookup.
// The built-in table is data/fx_rates.csv, embedded at build time as a byte
// array (normalize/CMakeLists.txt writes it into generated/fx_rates_data.cpp).
#include "figtrail/fx.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <system_error>
#include <utility>

namespace figtrail {
namespace detail {
// Defined in the generated fx_rates_data.cpp: the bytes of data/fx_rates.csv.
extern const unsigned char fx_rates_csv[];
extern const std::size_t fx_rates_csv_size;
}  // namespace detail

namespace {

constexpr std::string_view kHeader = "currency,year,per_usd";

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

[[noreturn]] void fail(std::string_view name, std::size_t line, const std::string& why) {
  throw FxError(std::string(name) + ":" + std::to_string(line) + ": " + why);
}

bool is_currency(std::string_view s) {
  if (s.size() != 3) return false;
  for (const char c : s) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

std::optional<int> parse_year(std::string_view s) {
  if (s.size() != 4) return std::nullopt;
  int year = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    year = year * 10 + (c - '0');
  }
  return year;
}

// A plain decimal ("7.084", "1364.153", "1e3"): the whole field, finite, > 0.
std::optional<double> parse_rate(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double value = 0;
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, value, std::chars_format::general);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  if (!std::isfinite(value) || !(value > 0)) return std::nullopt;
  return value;
}

}  // namespace

const FxTable& FxTable::builtin() {
  static const FxTable table = parse(
      std::string_view(reinterpret_cast<const char*>(detail::fx_rates_csv), detail::fx_rates_csv_size),
      "data/fx_rates.csv");
  return table;
}

FxTable FxTable::parse(std::string_view csv, std::string_view name) {
  FxTable table;
  // The line each currency+year was first given on, for the duplicate message.
  std::map<std::pair<std::string, int>, std::size_t> first_line;
  bool have_source = false;
  bool have_header = false;

  if (csv.substr(0, 3) == "\xEF\xBB\xBF") csv.remove_prefix(3);  // a UTF-8 BOM
  std::size_t line_no = 0;
  while (!csv.empty()) {
    const std::size_t eol = csv.find('\n');
    const std::string_view raw = csv.substr(0, eol);
    csv.remove_prefix(eol == std::string_view::npos ? csv.size() : eol + 1);
    ++line_no;

    const std::string_view line = trim(raw);
    if (line.empty()) continue;
    if (line.front() == '#') {
      if (!have_source) {
        table.source_ = std::string(trim(line.substr(1)));
        have_source = true;
      }
      continue;
    }

    // Split on commas, trimming blanks around each field.
    std::string_view fields[3];
    std::size_t count = 0;
    for (std::string_view rest = line;;) {
      const std::size_t comma = rest.find(',');
      if (count < 3) fields[count] = trim(rest.substr(0, comma));
      ++count;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }

    if (!have_header) {
      if (count != 3 || fields[0] != "currency" || fields[1] != "year" || fields[2] != "per_usd") {
        fail(name, line_no,
             "unknown header '" + std::string(line) + "', expected '" + std::string(kHeader) + "'");
      }
      have_header = true;
      continue;
    }

    if (count != 3) {
      fail(name, line_no, "expected 3 columns (currency,year,per_usd), got " + std::to_string(count));
    }
    if (!is_currency(fields[0])) {
      fail(name, line_no, "currency must be 3 uppercase letters, got '" + std::string(fields[0]) + "'");
    }
    const std::optional<int> year = parse_year(fields[1]);
    if (!year) fail(name, line_no, "year must be 4 digits, got '" + std::string(fields[1]) + "'");
    const std::optional<double> per_usd = parse_rate(fields[2]);
    if (!per_usd) {
      fail(name, line_no, "rate must be a positive number, got '" + std::string(fields[2]) + "'");
    }

    std::string currency(fields[0]);
    const auto [it, inserted] = first_line.emplace(std::pair(currency, *year), line_no);
    if (!inserted) {
      fail(name, line_no,
           "duplicate rate for " + currency + " " + std::to_string(*year) + " (first on line " +
               std::to_string(it->second) + ")");
    }
    table.rates_[std::move(currency)][*year] = *per_usd;
    if (*year > table.latest_year_) table.latest_year_ = *year;
  }

  if (table.rates_.empty()) throw FxError(std::string(name) + ": rate table has no rows");
  return table;
}

FxTable FxTable::load(const std::filesystem::path& path) {
  const std::string name = path.string();
  const auto cannot_read = [&name](int err) {
    return FxError(name + ": cannot read rate table (" + std::strerror(err) + ")");
  };
  errno = 0;
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(name.c_str(), "rb"), &std::fclose);
  if (!file) throw cannot_read(errno);
  std::string text;
  char buffer[1 << 14];
  for (;;) {
    errno = 0;
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get());
    text.append(buffer, got);
    if (got < sizeof buffer) {
      if (std::ferror(file.get())) throw cannot_read(errno != 0 ? errno : EIO);
      break;
    }
  }
  return parse(text, name);
}

std::optional<FxRate> FxTable::rate(std::string_view currency, std::optional<int> year) const {
  if (currency == "USD") return FxRate{1.0, year.value_or(latest_year_)};
  const auto found = rates_.find(currency);
  if (found == rates_.end() || found->second.empty()) return std::nullopt;
  const std::map<int, double>& by_year = found->second;

  if (!year) {
    const auto& [latest, per_usd] = *by_year.rbegin();
    return FxRate{per_usd, latest};
  }
  const auto after = by_year.lower_bound(*year);  // first listed year >= asked
  if (after != by_year.end() && after->first == *year) return FxRate{after->second, after->first};
  if (after == by_year.begin()) return FxRate{after->second, after->first};
  const auto before = std::prev(after);
  if (after == by_year.end() || *year - before->first <= after->first - *year) {
    return FxRate{before->second, before->first};
  }
  return FxRate{after->second, after->first};
}

}  // namespace figtrail
