// Names and exact-decimal arithmetic of the figure model.
#include "figtrail/figure.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

namespace figtrail {
namespace {

constexpr std::array<std::pair<Kind, std::string_view>, 5> kKindNames{{
    {Kind::Money, "money"},
    {Kind::Percent, "percent"},
    {Kind::Multiple, "multiple"},
    {Kind::Quantity, "quantity"},
    {Kind::Count, "count"},
}};

constexpr std::array<std::pair<Qualifier, std::string_view>, 6> kQualifierNames{{
    {Qualifier::None, ""},
    {Qualifier::Approx, "approx"},
    {Qualifier::Gt, "gt"},
    {Qualifier::Gte, "gte"},
    {Qualifier::Lt, "lt"},
    {Qualifier::Lte, "lte"},
}};

template <typename Table, typename Key>
std::string_view name_of(const Table& table, Key key) {
  for (const auto& [k, name] : table) {
    if (k == key) return name;
  }
  return {};
}

template <typename Key, typename Table>
std::optional<Key> key_of(const Table& table, std::string_view name) {
  for (const auto& [k, n] : table) {
    if (n == name) return k;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Kind kind) { return name_of(kKindNames, kind); }
std::string_view to_string(Qualifier qualifier) { return name_of(kQualifierNames, qualifier); }
std::optional<Kind> kind_from_string(std::string_view name) { return key_of<Kind>(kKindNames, name); }
std::optional<Qualifier> qualifier_from_string(std::string_view name) {
  return key_of<Qualifier>(kQualifierNames, name);
}

double Decimal::to_double() const {
  // The double nearest the exact value (1.1e8 must be 110000000, not the
  // product 1.1 * 1e8). When the mantissa and the power of ten are both
  // exact doubles, a single multiplication or division rounds correctly
  // (IEEE 754; Clinger's fast path), which covers nearly every figure;
  // otherwise through the decimal text and strtod.
  static constexpr std::array<double, 23> kPowersOfTen{1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  constexpr std::int64_t kExactBelow = std::int64_t{1} << 53;
  constexpr int kMaxExponent = static_cast<int>(kPowersOfTen.size()) - 1;
  if (mantissa > -kExactBelow && mantissa < kExactBelow && exponent >= -kMaxExponent && exponent <= kMaxExponent) {
    const auto m = static_cast<double>(mantissa);
    return exponent >= 0 ? m * kPowersOfTen[static_cast<std::size_t>(exponent)]
                         : m / kPowersOfTen[static_cast<std::size_t>(-exponent)];
  }
  const std::string text = std::to_string(mantissa) + "e" + std::to_string(exponent);
  return std::strtod(text.c_str(), nullptr);
}

Decimal Decimal::normalized() const {
  Decimal d = *this;
  if (d.mantissa == 0) return {0, 0};
  while (d.mantissa % 10 == 0) {
    d.mantissa /= 10;
    ++d.exponent;
  }
  return d;
}

bool Decimal::operator==(const Decimal& other) const {
  const Decimal a = normalized();
  const Decimal b = other.normalized();
  return a.mantissa == b.mantissa && a.exponent == b.exponent;
}

std::string Decimal::to_string() const {
  const Decimal d = normalized();
  const bool negative = d.mantissa < 0;
  std::string digits = std::to_string(negative ? -d.mantissa : d.mantissa);
  if (d.exponent >= 0) {
    digits.append(static_cast<std::size_t>(d.exponent), '0');
  } else {
    const auto shift = static_cast<std::size_t>(-d.exponent);
    if (digits.size() <= shift) digits.insert(0, shift - digits.size() + 1, '0');
    digits.insert(digits.size() - shift, 1, '.');
  }
  return negative ? "-" + digits : digits;
}

}  // namespace figtrail
