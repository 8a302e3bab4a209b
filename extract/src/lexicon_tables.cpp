// The lexicon's rows: what figtrail knows about Chinese, English and symbols.
//
// To extend a language, add rows here; the matcher's pattern and the
// normalizer's lookups are generated from these tables. Surfaces are written
// as they stand after NFKC folding (full-width `＄` and `％` arrive as `$` and
// `%`; `￥` as `¥`). Words with ASCII letters match case-insensitively.
// tests/lexicon_test.cpp checks that no surface is listed twice in one table.
#include <array>

#include "figtrail/lexicon.hpp"

namespace figtrail {
namespace {

using enum Kind;
using enum Position;

constexpr std::array kUnits = std::to_array<UnitWord>({
    // ---- Symbols and codes, before the number: $5, US$5, USD 5 ----
    {"US$", Money, "USD", Before},
    {"U.S.$", Money, "USD", Before},
    {"HK$", Money, "HKD", Before},
    {"NT$", Money, "TWD", Before},
    {"A$", Money, "AUD", Before},
    {"AU$", Money, "AUD", Before},
    {"AUD$", Money, "AUD", Before},
    {"NZ$", Money, "NZD", Before},
    {"NZD$", Money, "NZD", Before},
    {"MX$", Money, "MXN", Before},
    {"MXN$", Money, "MXN", Before},
    {"Mex$", Money, "MXN", Before},
    {"CAD$", Money, "CAD", Before},
    {"C$", Money, "CAD", Before},
    {"CA$", Money, "CAD", Before},
    {"S$", Money, "SGD", Before},
    {"R$", Money, "BRL", Before},
    {"$", Money, "USD", Before},
    {"€", Money, "EUR", Before},
    {"£", Money, "GBP", Before},
    {"¥", Money, "JPY", Before, 0, "", false, "CNY"},
    {"₩", Money, "KRW", Before},
    {"₹", Money, "INR", Before},
    {"Rs.", Money, "INR", Before},
    {"USD", Money, "USD", Before},
    {"RMB", Money, "CNY", Before},
    {"CNY", Money, "CNY", Before},
    {"EUR", Money, "EUR", Before},
    {"GBP", Money, "GBP", Before},
    {"JPY", Money, "JPY", Before},
    {"KRW", Money, "KRW", Before},
    {"HKD", Money, "HKD", Before},
    {"TWD", Money, "TWD", Before},
    {"INR", Money, "INR", Before},
    {"CHF", Money, "CHF", Before},
    {"人民币", Money, "CNY", Before},
    {"人民幣", Money, "CNY", Before},
    {"美元", Money, "USD", Before},
    {"港币", Money, "HKD", Before},
    {"港幣", Money, "HKD", Before},
    {"新台币", Money, "TWD", Before},
    {"新台幣", Money, "TWD", Before},
    {"欧元", Money, "EUR", Before},
    {"歐元", Money, "EUR", Before},
    {"日元", Money, "JPY", Before},
    // ---- Chinese, before the number ----
    {"百分之", Percent, "%", Before},
    {"千分之", Percent, "%", Before, -1},
    {"万分之", Percent, "%", Before, -2},
    {"萬分之", Percent, "%", Before, -2},
    // ---- Codes after the number: 5 USD ----
    {"USD", Money, "USD", After},
    {"RMB", Money, "CNY", After},
    {"CNY", Money, "CNY", After},
    {"EUR", Money, "EUR", After},
    {"GBP", Money, "GBP", After},
    {"JPY", Money, "JPY", After},
    {"KRW", Money, "KRW", After},
    {"HKD", Money, "HKD", After},
    {"TWD", Money, "TWD", After},
    {"INR", Money, "INR", After},
    {"CHF", Money, "CHF", After},
    // ---- Chinese currency words, after the number (simplified, traditional) ----
    {"美元", Money, "USD", After},
    {"美金", Money, "USD", After},
    {"美圆", Money, "USD", After},
    {"美圓", Money, "USD", After},
    {"元人民币", Money, "CNY", After},
    {"元人民幣", Money, "CNY", After},
    {"人民币", Money, "CNY", After},
    {"人民幣", Money, "CNY", After},
    // 元 is the generic Chinese word for a currency unit: yuan unless a
    // currency stands before the number (新台幣500億元, 港币300元).
    {"元", Money, "CNY", After, 0, "化素论論性次宇", true},
    {"圆", Money, "CNY", After, 0, "形周满滿", true},
    {"圓", Money, "CNY", After, 0, "形周满滿", true},
    {"块钱", Money, "CNY", After, 0, "", true},
    {"塊錢", Money, "CNY", After, 0, "", true},
    {"欧元", Money, "EUR", After},
    {"歐元", Money, "EUR", After},
    {"英镑", Money, "GBP", After},
    {"英鎊", Money, "GBP", After},
    {"日元", Money, "JPY", After},
    {"日圆", Money, "JPY", After},
    {"日圓", Money, "JPY", After},
    {"韩元", Money, "KRW", After},
    {"韓元", Money, "KRW", After},
    {"港元", Money, "HKD", After},
    {"港币", Money, "HKD", After},
    {"港幣", Money, "HKD", After},
    {"新台币", Money, "TWD", After},
    {"新台幣", Money, "TWD", After},
    {"台币", Money, "TWD", After},
    {"台幣", Money, "TWD", After},
    {"澳元", Money, "AUD", After},
    {"加元", Money, "CAD", After},
    {"新加坡元", Money, "SGD", After},
    {"新元", Money, "SGD", After},
    {"瑞士法郎", Money, "CHF", After},
    {"卢比", Money, "INR", After},
    {"奈拉", Money, "NGN", After},
    {"盧比", Money, "INR", After},
    // ---- English currency words, after the number ----
    {"US dollars", Money, "USD", After},
    {"US dollar", Money, "USD", After},
    {"U.S. dollars", Money, "USD", After},
    {"dollars", Money, "USD", After},
    {"dollar", Money, "USD", After},
    {"Hong Kong dollars", Money, "HKD", After},
    {"Canadian dollars", Money, "CAD", After},
    {"Australian dollars", Money, "AUD", After},
    {"Singapore dollars", Money, "SGD", After},
    {"New Taiwan dollars", Money, "TWD", After},
    {"euros", Money, "EUR", After},
    {"euro", Money, "EUR", After},
    {"pounds sterling", Money, "GBP", After},
    {"pounds", Money, "GBP", After},
    {"pound", Money, "GBP", After},
    {"yen", Money, "JPY", After},
    {"yuan", Money, "CNY", After},
    {"Chinese yuan", Money, "CNY", After},
    {"renminbi", Money, "CNY", After},
    {"won", Money, "KRW", After},
    {"rupees", Money, "INR", After},
    // ---- Symbols after the number, European style: 10 €. Not before a
    // digit, where the symbol belongs to the next amount (2025 €5B).
    {"€", Money, "EUR", After, 0, "0123456789"},
    {"£", Money, "GBP", After, 0, "0123456789"},
    // ---- Percent, after the number ----
    {"%", Percent, "%", After},
    {"‰", Percent, "%", After, -1},
    {"percent", Percent, "%", After},
    {"per cent", Percent, "%", After},
    {"pct", Percent, "%", After},
    {"percentage points", Percent, "pp", After},
    {"percentage point", Percent, "pp", After},
    {"个百分点", Percent, "pp", After},
    {"個百分點", Percent, "pp", After},
    {"百分点", Percent, "pp", After},
    {"百分點", Percent, "pp", After},
    // 成 counts tenths: 三成 is 30 %. Not before the words it starts
    // (成为, 成本, 成功...).
    {"成", Percent, "%", After, 1, "为為本功立长長熟果员員交绩績就形型都了年人品效不"},
});

constexpr std::array kMagnitudes = std::to_array<MagnitudeWord>({
    {"万亿", 12}, {"萬億", 12},
    {"千亿", 11}, {"千億", 11}, {"百亿", 10}, {"百億", 10}, {"十亿", 9}, {"十億", 9},
    {"千万", 7},  {"千萬", 7},  {"百万", 6},  {"百萬", 6},  {"十万", 5}, {"十萬", 5},
    {"亿", 8},    {"億", 8},    {"万", 4},    {"萬", 4},    {"千", 3},
    {"trillion", 12}, {"billion", 9}, {"million", 6}, {"thousand", 3},
    {"tn", 12}, {"trn", 12}, {"bn", 9}, {"mn", 6}, {"mln", 6}, {"mil", 6},
    {"T", 12}, {"B", 9}, {"M", 6}, {"K", 3},
});

constexpr std::array kQualifiers = std::to_array<QualifierWord>({
    // approx
    {"~", Qualifier::Approx, Before},
    {"≈", Qualifier::Approx, Before},
    {"约", Qualifier::Approx, Before},
    {"約", Qualifier::Approx, Before},
    {"大约", Qualifier::Approx, Before},
    {"大約", Qualifier::Approx, Before},
    {"近", Qualifier::Approx, Before},
    {"将近", Qualifier::Approx, Before},
    {"將近", Qualifier::Approx, Before},
    {"接近", Qualifier::Approx, Before},
    {"about", Qualifier::Approx, Before},
    {"around", Qualifier::Approx, Before},
    {"approximately", Qualifier::Approx, Before},
    {"approx.", Qualifier::Approx, Before},
    {"roughly", Qualifier::Approx, Before},
    {"nearly", Qualifier::Approx, Before},
    {"almost", Qualifier::Approx, Before},
    {"some", Qualifier::Approx, Before},
    {"左右", Qualifier::Approx, After},
    {"上下", Qualifier::Approx, After},
    // gt
    {"逾", Qualifier::Gt, Before},
    {"超", Qualifier::Gt, Before},
    {"超过", Qualifier::Gt, Before},
    {"超過", Qualifier::Gt, Before},
    {"突破", Qualifier::Gt, Before},
    {"冲破", Qualifier::Gt, Before},
    {"衝破", Qualifier::Gt, Before},
    {"高于", Qualifier::Gt, Before},
    {"高於", Qualifier::Gt, Before},
    {"多于", Qualifier::Gt, Before},
    {"大于", Qualifier::Gt, Before},
    {"more than", Qualifier::Gt, Before},
    {"over", Qualifier::Gt, Before},
    {"above", Qualifier::Gt, Before},
    {"exceeding", Qualifier::Gt, Before},
    {"in excess of", Qualifier::Gt, Before},
    {"upwards of", Qualifier::Gt, Before},
    {"以上", Qualifier::Gt, After},
    {"多", Qualifier::Gt, After, true},
    {"余", Qualifier::Gt, After, true},
    {"餘", Qualifier::Gt, After, true},
    // gte
    {"至少", Qualifier::Gte, Before},
    {"不低于", Qualifier::Gte, Before},
    {"不低於", Qualifier::Gte, Before},
    {"不少于", Qualifier::Gte, Before},
    {"不少於", Qualifier::Gte, Before},
    {"at least", Qualifier::Gte, Before},
    {"no less than", Qualifier::Gte, Before},
    {"+", Qualifier::Gte, After},
    {"or more", Qualifier::Gte, After},
    // lt
    {"不到", Qualifier::Lt, Before},
    {"不足", Qualifier::Lt, Before},
    {"低于", Qualifier::Lt, Before},
    {"低於", Qualifier::Lt, Before},
    {"少于", Qualifier::Lt, Before},
    {"less than", Qualifier::Lt, Before},
    {"fewer than", Qualifier::Lt, Before},
    {"under", Qualifier::Lt, Before},
    {"below", Qualifier::Lt, Before},
    {"以下", Qualifier::Lt, After},
    // lte
    {"最多", Qualifier::Lte, Before},
    {"至多", Qualifier::Lte, Before},
    {"up to", Qualifier::Lte, Before},
    {"at most", Qualifier::Lte, Before},
    {"no more than", Qualifier::Lte, Before},
    {"以内", Qualifier::Lte, After},
    {"以內", Qualifier::Lte, After},
    {"or less", Qualifier::Lte, After},
});

// 约为 / 约占 / 超过了: verbs that may stand between a qualifier and its number.
constexpr std::array<std::string_view, 9> kQualifierFillers{"为", "為", "占", "佔", "达", "達", "是", "了", "合"};

constexpr std::array kPerNouns = std::to_array<PerNoun>({
    {"tokens", "token"}, {"token", "token"}, {"个token", "token"}, {"個token", "token"},
    {"month", "month"}, {"mo", "month"}, {"个月", "month"}, {"個月", "month"}, {"月", "month"},
    {"year", "year"}, {"yr", "year"}, {"年", "year"},
    {"day", "day"}, {"天", "day"},
    {"hour", "hour"}, {"hr", "hour"}, {"小时", "hour"}, {"小時", "hour"},
    {"share", "share"}, {"股", "share"},
    {"kWh", "kWh"}, {"GPU", "GPU"},
});

constexpr std::array<std::string_view, 3> kPerMarkers{"/", "per", "每"};

// `～` and `－` arrive folded to `~` and `-`.
constexpr std::array<std::string_view, 8> kRangeSeparators{"-", "–", "—", "~", "〜", "至", "到", "to"};

// A minus sign before a number: -22.2%, 负3.9%. (`－` arrives folded to `-`.)
constexpr std::array<std::string_view, 5> kNegativeSigns{"-", "−", "负", "負", "minus"};

constexpr std::array<std::string_view, 4> kVaguePrefixes{"数", "數", "几", "幾"};

constexpr std::array<std::string_view, 13> kCarryLinks{"→", "->", "⇒", "、", "和", "与", "與", "及", "/", "and", "or", "vs", "vs."};

}  // namespace

const Lexicon& default_lexicon() {
  static const Lexicon lexicon{kUnits, kMagnitudes, kQualifiers, kQualifierFillers, kPerNouns,
                               kPerMarkers, kRangeSeparators, kNegativeSigns, kVaguePrefixes, kCarryLinks};
  return lexicon;
}

}  // namespace figtrail
