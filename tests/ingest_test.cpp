#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "figtrail/ingest.hpp"

namespace figtrail {
// Readable spans in Catch's failure messages.
std::ostream& operator<<(std::ostream& out, const SourceSpan& span) {
  return out << "source[" << span.begin << ", " << span.end << ")";
}
std::ostream& operator<<(std::ostream& out, const FoldedSpan& span) {
  return out << "folded[" << span.begin << ", " << span.end << ")";
}
}  // namespace figtrail

using figtrail::FoldedSpan;
using figtrail::SourceSpan;

namespace {

std::string blanked(std::string text) {
  figtrail::blank_markdown_link_targets(text);
  return text;
}

// A fresh directory under the system temp dir, removed with its contents.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("figtrail_ingest_test_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace

TEST_CASE("ASCII passes through with an identity map", "[ingest]") {
  const std::string source = "Revenue rose 5% in 2024.\r\nDone";
  const auto folded = figtrail::fold_utf8(source);
  CHECK(folded.text == source);
  CHECK(folded.replaced_bytes == 0);
  REQUIRE(folded.map.folded_size() == source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    CHECK(folded.map.to_source({i, i + 1}) == SourceSpan{i, i + 1});
  }
  CHECK(folded.map.to_source({13, 15}) == SourceSpan{13, 15});
}

TEST_CASE("empty spans map to the source position they sit at", "[ingest]") {
  const auto folded = figtrail::fold_utf8("a\xEF\xBC\x95" "b");  // a５b
  REQUIRE(folded.text == "a5b");
  CHECK(folded.map.to_source({0, 0}) == SourceSpan{0, 0});
  CHECK(folded.map.to_source({1, 1}) == SourceSpan{1, 1});
  CHECK(folded.map.to_source({2, 2}) == SourceSpan{4, 4});
  CHECK(folded.map.to_source({3, 3}) == SourceSpan{5, 5});
}

TEST_CASE("full-width digits and signs fold to ASCII and map back whole", "[ingest]") {
  const auto folded = figtrail::fold_utf8("\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x85");  // １２３％
  CHECK(folded.text == "123%");
  CHECK(folded.map.to_source({0, 4}) == SourceSpan{0, 12});
  CHECK(folded.map.to_source({1, 2}) == SourceSpan{3, 6});

  const auto others = figtrail::fold_utf8("\xEF\xBC\x84\xEF\xBC\x8E");  // ＄．
  CHECK(others.text == "$.");
}

TEST_CASE("a figure inside Chinese text maps back to its exact source bytes", "[ingest]") {
  const std::string source = "营收３５０亿美元";
  const auto folded = figtrail::fold_utf8(source);
  CHECK(folded.text == "营收350亿美元");
  const std::size_t at = folded.text.find("350亿美元");
  REQUIRE(at == 6);
  const SourceSpan span = folded.map.to_source({at, at + std::string("350亿美元").size()});
  CHECK(span == SourceSpan{6, 24});
  CHECK(source.substr(span.begin, span.end - span.begin) == "３５０亿美元");
}

TEST_CASE("full-width comma and circled numbers stay unfolded", "[ingest]") {
  CHECK(figtrail::fold_utf8("20，300").text == "20，300");
  CHECK(figtrail::fold_utf8("①增长；❶下降；⑴").text == "①增长;❶下降;⑴");
  const auto folded = figtrail::fold_utf8("①5");
  CHECK(folded.map.to_source({0, 3}) == SourceSpan{0, 3});
  CHECK(folded.map.to_source({3, 4}) == SourceSpan{3, 4});
}

TEST_CASE("an invalid byte becomes U+FFFD mapped to that byte", "[ingest]") {
  const auto folded = figtrail::fold_utf8("a\xFF" "b");
  CHECK(folded.text == "a\xEF\xBF\xBD" "b");
  CHECK(folded.replaced_bytes == 1);
  CHECK(folded.map.to_source({1, 4}) == SourceSpan{1, 2});
  CHECK(folded.map.to_source({2, 3}) == SourceSpan{1, 2});
  CHECK(folded.map.to_source({4, 5}) == SourceSpan{2, 3});
}

TEST_CASE("truncated and ill-formed sequences are replaced byte by byte", "[ingest]") {
  const auto truncated = figtrail::fold_utf8("5%\xE4\xB8");
  CHECK(truncated.text == "5%\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(truncated.replaced_bytes == 2);
  CHECK(truncated.map.to_source({2, 5}) == SourceSpan{2, 3});
  CHECK(truncated.map.to_source({5, 8}) == SourceSpan{3, 4});

  CHECK(figtrail::fold_utf8("\xC0\xAF").replaced_bytes == 2);              // overlong '/'
  CHECK(figtrail::fold_utf8("\xE0\x80\xAF").replaced_bytes == 3);          // overlong
  CHECK(figtrail::fold_utf8("\xED\xA0\x80").replaced_bytes == 3);          // surrogate
  CHECK(figtrail::fold_utf8("\xF4\x90\x80\x80").replaced_bytes == 4);      // above U+10FFFF
  CHECK(figtrail::fold_utf8("\xF0\x9F\x93\x88").replaced_bytes == 0);      // U+1F4C8 is fine
  CHECK(figtrail::fold_utf8("\xE4" "a").text == "\xEF\xBF\xBD" "a");       // cut by ASCII
}

TEST_CASE("a UTF-8 BOM is skipped but offsets stay in the original bytes", "[ingest]") {
  const auto folded = figtrail::fold_utf8("\xEF\xBB\xBF" "42%");
  CHECK(folded.text == "42%");
  CHECK(folded.replaced_bytes == 0);
  CHECK(folded.map.to_source({0, 2}) == SourceSpan{3, 5});
  CHECK(folded.map.to_source({0, 0}) == SourceSpan{3, 3});

  const auto only_bom = figtrail::fold_utf8("\xEF\xBB\xBF");
  CHECK(only_bom.text.empty());
  CHECK(only_bom.map.to_source({0, 0}) == SourceSpan{3, 3});
}

TEST_CASE("combining marks compose with their base character", "[ingest]") {
  const auto folded = figtrail::fold_utf8("Cafe\xCC\x81!");  // e + U+0301
  CHECK(folded.text == "Caf\xC3\xA9!");
  CHECK(folded.map.to_source({3, 5}) == SourceSpan{3, 6});
  CHECK(folded.map.to_source({5, 6}) == SourceSpan{6, 7});

  // Half-width ｶﾞ: the voiced mark only becomes combining after folding.
  const auto kana = figtrail::fold_utf8("\xEF\xBD\xB6\xEF\xBE\x9E");
  CHECK(kana.text == "ガ");
  CHECK(kana.map.to_source({0, 3}) == SourceSpan{0, 6});

  // Conjoining jamo ᄀ + ᅡ compose to 가.
  CHECK(figtrail::fold_utf8("\xE1\x84\x80\xE1\x85\xA1").text == "가");
}

TEST_CASE("Markdown link targets are blanked with the same length", "[ingest]") {
  const std::string link = "see [report 2025 at 52%](https://x.com/a/2024/99) now";
  const std::string result = blanked(link);
  CHECK(result == "see [report 2025 at 52%]" + std::string(24, ' ') + ") now");
  CHECK(result.size() == link.size());
  CHECK(result.find("52%") != std::string::npos);
  CHECK(result.find("2024") == std::string::npos);

  // The title is text a reader sees: it stays, only the URL goes.
  CHECK(blanked("![chart 3](img/3.png \"Fig 3\")") == "![chart 3]" + std::string(11, ' ') + "\"Fig 3\")");
  CHECK(blanked("[a](<x 1.html>) b") == "[a]" + std::string(11, ' ') + ") b");
  CHECK(blanked("[w](https://e.org/A_(1)) 2") == "[w]" + std::string(20, ' ') + ") 2");
  CHECK(blanked("go <https://a.com/1> now") == "go " + std::string(17, ' ') + " now");
  CHECK(blanked("x <b>1</b>") == "x <b>1</b>");
}

TEST_CASE("Markdown reference definitions lose their URL, footnotes stay", "[ingest]") {
  CHECK(blanked("[id]: http://e.com/5 \"Title 6\"\nText 7") ==
        "[id]:" + std::string(16, ' ') + "\"Title 6\"\nText 7");
  CHECK(blanked("  [r2]: <http://e.com/5>\r\n") == "  [r2]:" + std::string(17, ' ') + "\r\n");
  CHECK(blanked("[^1]: grew 5%") == "[^1]: grew 5%");
  CHECK(blanked("[Note]: sales rose 5%") == "[Note]: sales rose 5%");  // prose, not a definition
}

TEST_CASE("bare URLs in Markdown are blanked, trailing punctuation stays", "[ingest]") {
  CHECK(blanked("Visit https://e.com/7, then 8.") == "Visit " + std::string(15, ' ') + ", then 8.");
  CHECK(blanked("(see www.e.com/8)") == "(see " + std::string(11, ' ') + ")");
  CHECK(blanked("见https://e.com/9。增长10%") == "见" + std::string(15, ' ') + "。增长10%");
  CHECK(blanked("HTTP://E.COM/1 x") == std::string(14, ' ') + " x");
  CHECK(blanked("xhttp://e.com/1 www.") == "xhttp://e.com/1 www.");
}

TEST_CASE("unmatched link syntax is left alone", "[ingest]") {
  CHECK(blanked("f(x](y z 1)") == "f(x](y z 1)");
  CHECK(blanked("[a](b \"open 5") == "[a](b \"open 5");
  CHECK(blanked("[a](b(c 5") == "[a](b(c 5");
  CHECK(blanked("<http://a.com/1 2>") == "<" + std::string(14, ' ') + " 2>");  // bare URL only
}

TEST_CASE("sentences of mixed Chinese and English text", "[ingest]") {
  const std::string text = "营收增长5%。净利润下降3%！Revenue grew 12%. Costs fell 4%? 是的";
  const auto segments = figtrail::segment(text);
  const std::vector<FoldedSpan> expected{{0, 17}, {17, 37}, {37, 55}, {55, 70}, {70, 76}};
  CHECK(segments.sentences == expected);
  CHECK(text.substr(37, 18) == "Revenue grew 12%. ");
  CHECK(segments.sentence_at(0) == FoldedSpan{0, 17});
  CHECK(segments.sentence_at(16) == FoldedSpan{0, 17});
  CHECK(segments.sentence_at(17) == FoldedSpan{17, 37});
  CHECK(segments.sentence_at(76) == FoldedSpan{70, 76});
}

TEST_CASE("sentences are those ICU finds on the UTF-8 text itself", "[ingest]") {
  // segment runs ICU over a UTF-16 copy; the reference runs it over a UTF-8
  // UText, whose offsets are byte offsets. Four-byte characters are two
  // UTF-16 code units; text that is not well-formed UTF-8 has no UTF-16 copy.
  const std::vector<std::string> texts{
      "Mr. Smith paid U.S. tax. He left. 营收增长5%。净利润\xF0\x9F\x93\x88下降3%！Then? Yes.\n\nDone",
      "\xF0\xA0\x80\x80. \xF0\xA0\x80\x81。e.g. \xF0\x9F\x93\x88 x. Dr. No.\r\nA",
      "bad \xFF byte. Cut \xE4\xB8. Surrogate \xED\xA0\x80 here. End.",
      ""};
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> sentences(
      icu::BreakIterator::createSentenceInstance(icu::Locale("en@ss=standard"), status));
  REQUIRE(U_SUCCESS(status));
  for (const std::string& text : texts) {
    UText* utext = utext_openUTF8(nullptr, text.data(), static_cast<std::int64_t>(text.size()), &status);
    sentences->setText(utext, status);
    REQUIRE(U_SUCCESS(status));
    std::vector<FoldedSpan> expected;
    std::int32_t begin = sentences->first();
    for (std::int32_t end = sentences->next(); end != icu::BreakIterator::DONE; end = sentences->next()) {
      expected.push_back({static_cast<std::size_t>(begin), static_cast<std::size_t>(end)});
      begin = end;
    }
    utext_close(utext);
    INFO(text);
    CHECK(figtrail::segment(text).sentences == expected);
  }
}

TEST_CASE("utf8_to_utf16 converts as ICU does and refuses what ICU refuses", "[ingest]") {
  // Pieces taking every path: ASCII runs long and short, CJK (the fast
  // three-byte path), two-byte, the three-byte leads with a narrow second
  // byte (E0, ED), four-byte characters and emoji, and ill-formed bytes.
  const std::vector<std::string> valid{
      "a", "Revenue grew 12% in 2025. ", "\t\n", std::string(1, '\0'), "营收", "。", "，", "\xEF\xBF\xBD",
      "\xC3\xA9", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF",
      "\xF0\x90\x80\x80", "\xF0\x9F\x93\x88", "\xF0\xA0\x80\x81", "\xF4\x8F\xBF\xBF"};
  const std::vector<std::string> invalid{"\xFF", "\x80", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                                         "\xF4\x90\x80\x80", "\xE4\xB8", "\xF0\x9F\x93"};
  const auto icu = [](const std::string& utf8) -> std::optional<std::u16string> {
    std::u16string utf16(utf8.size(), u'\0');
    std::int32_t units = 0;
    UErrorCode status = U_ZERO_ERROR;
    u_strFromUTF8(utf16.data(), static_cast<std::int32_t>(utf16.size()), &units, utf8.data(),
                  static_cast<std::int32_t>(utf8.size()), &status);
    if (U_FAILURE(status)) return std::nullopt;
    utf16.resize(static_cast<std::size_t>(units));
    return utf16;
  };
  const auto ours = [](const std::string& utf8) -> std::optional<std::u16string> {
    std::u16string utf16(utf8.size(), u'\0');
    const std::optional<std::size_t> units = figtrail::utf8_to_utf16(utf8, utf16.data());
    if (!units) return std::nullopt;
    utf16.resize(*units);
    return utf16;
  };
  std::mt19937 random(20250601);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int pieces = static_cast<int>(random() % 40);
    for (int i = 0; i < pieces; ++i) text += valid[random() % valid.size()];
    if (round % 4 == 3) text.insert(random() % (text.size() + 1), invalid[random() % invalid.size()]);
    INFO(text);
    const std::optional<std::u16string> expected = icu(text);
    REQUIRE(expected.has_value() == (round % 4 != 3));
    CHECK(ours(text) == expected);
  }
}

TEST_CASE("a line break ends a sentence", "[ingest]") {
  const auto segments = figtrail::segment("Line one 5%\nLine two 6%");
  const std::vector<FoldedSpan> expected{{0, 12}, {12, 23}};
  CHECK(segments.sentences == expected);
}

TEST_CASE("common abbreviations do not end a sentence", "[ingest]") {
  const auto segments = figtrail::segment("Mr. Smith paid U.S. tax. He left.");
  const std::vector<FoldedSpan> expected{{0, 25}, {25, 33}};
  CHECK(segments.sentences == expected);
}

TEST_CASE("empty text has no sentences", "[ingest]") {
  const auto segments = figtrail::segment("");
  CHECK(segments.sentences.empty());
  CHECK(segments.sentence_at(0) == FoldedSpan{0, 0});
}

TEST_CASE("URLs start with http://, https:// or www. and stop at spaces, quotes, brackets, Chinese punctuation",
          "[ingest][url]") {
  const std::string text = "see HTTP://www.a.com/2025, (www.b.cn/3)、https://c.io/x，又见 xwww.d.org/4\"q";
  const std::vector<FoldedSpan> urls = figtrail::find_urls(text);
  std::vector<std::string> found;
  for (const FoldedSpan url : urls) found.emplace_back(text.substr(url.begin, url.end - url.begin));
  // The `www.` inside the first URL is no URL of its own.
  CHECK(found == std::vector<std::string>{"HTTP://www.a.com/2025,", "www.b.cn/3", "https://c.io/x", "www.d.org/4"});
  CHECK(figtrail::find_urls("no link here, 2025").empty());
  // make_document finds them once, for every stage after it.
  const figtrail::Document doc =
      figtrail::make_document("u.txt", "见 https://a.cn/3，再见", figtrail::SourceFormat::PlainText);
  CHECK(doc.urls == std::vector<FoldedSpan>{{4, 18}});
}

TEST_CASE("find_urls: case, the long s, prefixes alone, stop characters, prefixes inside URLs", "[ingest][url]") {
  // Cases checked against the RE2 patterns find_urls once ran.
  const auto urls_in = [](std::string_view text) {
    std::vector<std::string> found;
    for (const FoldedSpan url : figtrail::find_urls(text)) {
      found.emplace_back(text.substr(url.begin, url.end - url.begin));
    }
    return found;
  };
  using Urls = std::vector<std::string>;
  CHECK(urls_in("HTTPS://A.B/C") == Urls{"HTTPS://A.B/C"});
  // (?i) matched U+017F LATIN SMALL LETTER LONG S for `s`.
  CHECK(urls_in("x http\xC5\xBF://a.b y") == Urls{"http\xC5\xBF://a.b"});
  CHECK(urls_in("hhttp://a") == Urls{"http://a"});
  // A prefix needs a character after it.
  CHECK(urls_in("http:// https://a") == Urls{"https://a"});
  CHECK(urls_in("https://").empty());
  CHECK(urls_in("www. www.").empty());
  CHECK(urls_in("wwww.x") == Urls{"www.x"});
  // Stops: RE2's \s (no vertical tab), < > " ' ) ] and ，。、）.
  CHECK(urls_in("http://a\fb www.c\vd") == Urls{"http://a", "www.c\vd"});
  CHECK(urls_in("www.a]b www.c）d www.e。f www.g'h <www.i>") ==
        Urls{"www.a", "www.c", "www.e", "www.g", "www.i"});
  // Prefixes inside a URL start none of their own.
  CHECK(urls_in("http://x/http://y/www.z w") == Urls{"http://x/http://y/www.z"});
  CHECK(urls_in("www.x/https://y") == Urls{"www.x/https://y"});
}

TEST_CASE("is_utf8 reads UTF-8 strictly", "[ingest]") {
  using figtrail::is_utf8;
  CHECK(is_utf8(""));
  CHECK(is_utf8("plain ASCII"));
  CHECK(is_utf8("营收350亿美元 \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_utf8("\xFF"));
  CHECK_FALSE(is_utf8("cut \xE4\xBD"));
  CHECK_FALSE(is_utf8("overlong \xC0\xAF"));
  CHECK_FALSE(is_utf8("overlong \xE0\x80\xAF"));
  CHECK_FALSE(is_utf8("surrogate \xED\xA0\x80"));
  CHECK_FALSE(is_utf8("past U+10FFFF \xF4\x90\x80\x80"));
  CHECK_FALSE(is_utf8("\xA5\xC1\xA6\xAC"));  // Big5
}

TEST_CASE("sha256_hex", "[ingest]") {
  CHECK(figtrail::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(figtrail::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("format_for_path", "[ingest]") {
  using figtrail::SourceFormat;
  CHECK(figtrail::format_for_path("notes/a.md") == SourceFormat::Markdown);
  CHECK(figtrail::format_for_path("A.MD") == SourceFormat::Markdown);
  CHECK(figtrail::format_for_path("b.Markdown") == SourceFormat::Markdown);
  CHECK(figtrail::format_for_path("c.mdown") == SourceFormat::Markdown);
  CHECK(figtrail::format_for_path("d.txt") == SourceFormat::PlainText);
  CHECK(figtrail::format_for_path("README") == SourceFormat::PlainText);
  CHECK(figtrail::format_for_path(".md") == SourceFormat::PlainText);  // a hidden file, no extension
}

TEST_CASE("undeclared bytes that are not UTF-8 are folded again in their encoding", "[ingest]") {
  // make_document folds bytes that declare no encoding as UTF-8 first; its
  // invalid bytes have the encoding detected, and the text folded anew.
  std::string utf8;
  for (int line = 1; line <= 12; ++line) {
    utf8 += "第" + std::to_string(line) + "季度营收增长百分之五，净利润达到三百五十亿美元。\n";
  }
  const icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(utf8);
  std::string gb18030(static_cast<std::size_t>(unicode.extract(0, unicode.length(), nullptr, 0, "GB18030")), '\0');
  unicode.extract(0, unicode.length(), gb18030.data(), static_cast<std::int32_t>(gb18030.size()), "GB18030");
  REQUIRE_FALSE(figtrail::is_utf8(gb18030));

  const figtrail::Document doc = figtrail::make_document("gb.txt", gb18030, figtrail::SourceFormat::PlainText);
  CHECK(doc.encoding == "GB18030");
  CHECK(doc.folded.text == utf8);
  CHECK(doc.folded.replaced_bytes == 0);
  // Line starts from this decoding only.
  const std::size_t line3 = gb18030.find('\n', gb18030.find('\n') + 1) + 1;
  CHECK(doc.line_of(line3 - 1) == 2);
  CHECK(doc.line_of(line3) == 3);
  CHECK(doc.line_of(gb18030.size() - 1) == 12);
  CHECK(doc.line_of(gb18030.size()) == 13);
}

TEST_CASE("make_document rejects what is not text", "[ingest]") {
  using figtrail::IngestError;
  using figtrail::SourceFormat;
  CHECK_THROWS_AS(figtrail::make_document("a.txt", "", SourceFormat::PlainText), IngestError);
  CHECK_THROWS_WITH(figtrail::make_document("a.txt", "", SourceFormat::PlainText),
                    "a.txt: file is empty");
  CHECK_THROWS_WITH(figtrail::make_document("b.bin", std::string("x\0y", 3), SourceFormat::PlainText),
                    "b.bin: binary file (NUL byte at offset 1)");
  CHECK_THROWS_WITH(figtrail::make_document("c.txt", "\xFF\xFE\xFD" "ab", SourceFormat::PlainText),
                    "c.txt: not text (60% of bytes are invalid UTF-8)");

  // Exactly 30% invalid is still text; a NUL past the first 8 KiB is allowed.
  CHECK(figtrail::make_document("d.txt", "\xFF\xFE\xFD" "abcdefg", SourceFormat::PlainText)
            .folded.replaced_bytes == 3);
  std::string late_nul(8192, 'a');
  late_nul.push_back('\0');
  CHECK(figtrail::make_document("e.txt", late_nul, SourceFormat::PlainText).bytes.size() == 8193);
}

TEST_CASE("make_document folds, blanks Markdown and maps figures back", "[ingest]") {
  const std::string bytes = "# 营收\n营收３５０亿美元 [src](https://x.com/2024)\n";
  const auto doc = figtrail::make_document("r.md", bytes, figtrail::SourceFormat::Markdown);
  CHECK(doc.path == "r.md");
  CHECK(doc.bytes == bytes);
  CHECK(doc.sha256 == figtrail::sha256_hex(bytes));
  CHECK(doc.format == figtrail::SourceFormat::Markdown);
  CHECK(doc.folded.text.find("2024") == std::string::npos);
  const std::size_t at = doc.folded.text.find("350");
  REQUIRE(at != std::string::npos);
  const SourceSpan span = doc.folded.map.to_source({at, at + 3});
  CHECK(doc.source_text(span) == "３５０");
  CHECK(doc.line_of(span.begin) == 2);
  CHECK_FALSE(doc.segments.sentences.empty());

  // Plain text keeps URLs.
  const auto plain = figtrail::make_document("r.txt", bytes, figtrail::SourceFormat::PlainText);
  CHECK(plain.folded.text.find("2024") != std::string::npos);
}

TEST_CASE("line_of is 1-based and a newline belongs to its line", "[ingest]") {
  const auto doc = figtrail::make_document("l.txt", "a\nbb\n\nc", figtrail::SourceFormat::PlainText);
  CHECK(doc.line_of(0) == 1);
  CHECK(doc.line_of(1) == 1);
  CHECK(doc.line_of(2) == 2);
  CHECK(doc.line_of(4) == 2);
  CHECK(doc.line_of(5) == 3);
  CHECK(doc.line_of(6) == 4);
  CHECK(doc.line_of(7) == 4);
  CHECK(doc.source_text({2, 4}) == "bb");
}

TEST_CASE("load_document reads files and reports bad paths", "[ingest]") {
  const TempDir dir;
  const auto missing = dir.path / "missing.txt";
  CHECK_THROWS_AS(figtrail::load_document(missing), figtrail::IngestError);
  CHECK_THROWS_WITH(figtrail::load_document(missing),
                    missing.string() + ": no such file or directory");
  CHECK_THROWS_WITH(figtrail::load_document(dir.path), dir.path.string() + ": is a directory");

  const auto file = dir.path / "Report.MD";
  {
    std::ofstream out(file, std::ios::binary);
    out << "Sales rose 5%\r\nsee <https://x.com/9>\n";
  }
  const auto doc = figtrail::load_document(file);
  CHECK(doc.path == file.string());
  CHECK(doc.bytes == "Sales rose 5%\r\nsee <https://x.com/9>\n");
  CHECK(doc.format == figtrail::SourceFormat::Markdown);
  CHECK(doc.folded.text == "Sales rose 5%\r\nsee " + std::string(17, ' ') + "\n");
  CHECK(doc.line_of(15) == 2);

  const auto empty = dir.path / "empty.txt";
  { std::ofstream touch(empty); }
  CHECK_THROWS_WITH(figtrail::load_document(empty), empty.string() + ": file is empty");
}

TEST_CASE("load_document reads a file that has no size, such as a pipe, to its end", "[ingest]") {
  // Files are read into a string of their size; a pipe's is 0.
  const TempDir dir;
  const auto pipe = dir.path / "pipe.txt";
  REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
  std::string text;
  while (text.size() < 300'000) text += "营收350亿美元, revenue up 5%.\n";  // more than one read
  std::thread writer([&] { std::ofstream(pipe, std::ios::binary) << text; });
  const figtrail::Document doc = figtrail::load_document(pipe);
  writer.join();
  CHECK(doc.bytes == text);
}

TEST_CASE("load_document reports read errors with strerror", "[ingest]") {
  // Reading /proc/self/mem at offset 0 fails with EIO on Linux (page 0 is unmapped).
  const std::filesystem::path mem = "/proc/self/mem";
  if (!std::filesystem::exists(mem)) return;
  CHECK_THROWS_WITH(figtrail::load_document(mem), "/proc/self/mem: cannot read (Input/output error)");
}

TEST_CASE("spaces inside tokenized Chinese are dropped from the folded view", "[ingest][fold]") {
  const std::string source = "百 分 之  2 和 一百五十　个百分点 AI 芯片 3 4";
  const figtrail::FoldedText folded = figtrail::fold_utf8(source);
  CHECK(folded.text == "百分之2和一百五十个百分点 AI 芯片3 4");  // digits stay apart
  // The figure's folded span maps to every source byte it came from, the
  // dropped spaces included.
  const auto at = folded.text.find("百分之2");
  const figtrail::SourceSpan span = folded.map.to_source({at, at + std::string("百分之2").size()});
  CHECK(source.substr(span.begin, span.end - span.begin) == "百 分 之  2");
}

TEST_CASE("a full-width comma groups full-width digits only", "[ingest][fold]") {
  CHECK(figtrail::fold_utf8("１１１，１１１个").text == "111,111个");
  CHECK(figtrail::fold_utf8("百分之９，９９９").text == "百分之9,999");
  CHECK(figtrail::fold_utf8("20，300").text == "20，300");     // ASCII digits: two numbers
  CHECK(figtrail::fold_utf8("１，２３").text == "1，23");       // not three digits after it
  CHECK(figtrail::fold_utf8("１，２３４５").text == "1，2345");  // more than three
}

namespace {

// The offset map as it was first written: the source span of every folded
// byte, in a table.
class ReferenceMap {
 public:
  void append(std::size_t folded_length, SourceSpan source) {
    for (std::size_t i = 0; i < folded_length; ++i) pieces_.push_back(source);
    source_size_ = source.end;
  }
  [[nodiscard]] SourceSpan to_source(FoldedSpan span) const {
    if (span.begin == span.end) {
      const std::size_t at = span.begin < pieces_.size() ? pieces_[span.begin].begin : source_size_;
      return {at, at};
    }
    return {pieces_[span.begin].begin, pieces_[span.end - 1].end};
  }
  [[nodiscard]] std::size_t folded_size() const { return pieces_.size(); }

 private:
  std::vector<SourceSpan> pieces_;
  std::size_t source_size_ = 0;
};

// Both maps, given the same pieces.
struct MapPair {
  figtrail::OffsetMap map;
  ReferenceMap reference;
  void append(std::size_t folded_length, SourceSpan source) {
    map.append(folded_length, source);
    reference.append(folded_length, source);
  }
  // Text copied unchanged: one piece per UTF-8 character for the reference.
  void append_unchanged(std::string_view text, std::size_t source_begin) {
    map.append_unchanged(text, source_begin);
    for (std::size_t i = 0; i < text.size();) {
      std::size_t length = 1;
      while (i + length < text.size() && (static_cast<unsigned char>(text[i + length]) & 0xC0) == 0x80) ++length;
      reference.append(length, {source_begin + i, source_begin + i + length});
      i += length;
    }
  }
  // The first span, of all spans in the folded text, that the maps answer
  // differently; empty when none.
  [[nodiscard]] std::string first_difference() const {
    if (map.folded_size() != reference.folded_size()) return "folded sizes differ";
    for (std::size_t begin = 0; begin <= map.folded_size(); ++begin) {
      for (std::size_t end = begin; end <= map.folded_size(); ++end) {
        const SourceSpan got = map.to_source({begin, end});
        const SourceSpan want = reference.to_source({begin, end});
        if (got != want) {
          std::ostringstream out;
          out << FoldedSpan{begin, end} << ": " << got << ", want " << want;
          return out.str();
        }
      }
    }
    return {};
  }
};

}  // namespace

TEST_CASE("the offset map answers every span as a per-byte table does", "[ingest][map]") {
  SECTION("full-width characters fold to one byte each") {
    MapPair maps;  // a１２３％b
    maps.append(1, {0, 1});
    for (std::size_t at = 1; at < 13; at += 3) maps.append(1, {at, at + 3});
    maps.append(1, {13, 14});
    CHECK(maps.first_difference().empty());
    CHECK(maps.map.to_source({1, 3}) == SourceSpan{1, 7});
  }
  SECTION("multi-byte text copied unchanged, in several runs") {
    MapPair maps;
    maps.append_unchanged("营收350亿美元", 0);
    maps.append_unchanged("\xF0\x9F\x93\x88 é", 18);  // continues the run
    maps.append_unchanged("ab", 40);                  // after a gap
    CHECK(maps.first_difference().empty());
    CHECK(maps.map.to_source({1, 2}) == SourceSpan{0, 3});  // inside 营
  }
  SECTION("dropped spaces leave gaps in the source") {
    MapPair maps;  // 百 分 之  2, folded 百分之2
    maps.append_unchanged("百", 0);
    maps.append_unchanged("分", 4);
    maps.append_unchanged("之", 8);
    maps.append(1, {13, 14});
    CHECK(maps.first_difference().empty());
    CHECK(maps.map.to_source({0, 10}) == SourceSpan{0, 14});
  }
  SECTION("legacy encodings: GB18030, UTF-16 with a BOM, invalid bytes") {
    MapPair maps;
    maps.append(0, {0, 2});  // the BOM maps nowhere
    maps.append(1, {2, 4});  // 5 in UTF-16
    maps.append(3, {4, 6});  // 亿 in UTF-16, or a two-byte GB18030 character
    maps.append(3, {6, 8});
    maps.append(4, {8, 12});   // U+1F4C8: four bytes in GB18030 and UTF-16
    maps.append(3, {12, 13});  // an invalid byte, U+FFFD
    maps.append(3, {13, 14});
    maps.append(2, {14, 17});  // e + U+0301 composed to é
    maps.append(33, {17, 20});  // U+FDFA, 18 code points
    maps.append(1, {20, 20});  // an HTML line break, no source bytes
    maps.append(1, {20, 20});
    maps.append(0, {25, 25});  // the end of an HTML document
    CHECK(maps.first_difference().empty());
    CHECK(maps.map.to_source({0, 0}) == SourceSpan{2, 2});
    CHECK(maps.map.to_source({63, 63}) == SourceSpan{25, 25});
  }
  SECTION("pieces whose sources go backwards") {
    MapPair maps;
    maps.append(1, {3, 4});
    maps.append_unchanged("ab", 10);
    maps.append_unchanged("x", 4);
    maps.append(2, {12, 15});
    maps.append(2, {5, 8});
    CHECK(maps.first_difference().empty());
  }
  SECTION("random pieces, runs across 64-byte words") {
    std::mt19937 random(7);
    const std::vector<std::string> texts{"a", "b c", "营收", "\xF0\x9F\x93\x88", "é", "1,234.5 亿"};
    for (int round = 0; round < 40; ++round) {
      MapPair maps;
      std::size_t source = random() % 4;
      if (source > 0) maps.append(0, {0, source});
      const int pieces = static_cast<int>(random() % 120);
      for (int i = 0; i < pieces; ++i) {
        const std::size_t gap = random() % 4 == 0 ? random() % 3 : 0;  // dropped spaces
        source += gap;
        const auto shape = random() % 6;
        if (shape < 2) {
          const std::string& text = texts[random() % texts.size()];
          maps.append_unchanged(text, source);
          source += text.size();
        } else {
          const std::size_t source_length = shape == 2 ? 0 : random() % 5;
          const std::size_t folded_length = 1 + random() % 4;
          maps.append(folded_length, {source, source + source_length});
          source += source_length;
        }
      }
      INFO("round " << round);
      CHECK(maps.first_difference().empty());
    }
  }
}

TEST_CASE("text copied in bulk maps each character to its own bytes", "[ingest][fold]") {
  const std::string source = "营收 grew 5%。净利 3 亿";
  const figtrail::FoldedText folded = figtrail::fold_utf8(source);
  REQUIRE(folded.text == "营收 grew 5%。净利3亿");
  CHECK(folded.map.to_source({1, 2}) == SourceSpan{0, 3});  // inside 营: all of it
  CHECK(folded.map.to_source({4, 4}) == SourceSpan{3, 3});  // inside 收: where it begins
  CHECK(folded.map.to_source({6, 11}) == SourceSpan{6, 11});
  CHECK(folded.map.to_source({12, 14}) == SourceSpan{12, 14});
  CHECK(folded.map.to_source({14, 15}) == SourceSpan{14, 17});
  CHECK(folded.map.to_source({20, 27}) == SourceSpan{20, 29});  // 利 3 亿
  CHECK(folded.map.to_source({23, 24}) == SourceSpan{24, 25});
  CHECK(folded.map.to_source({23, 23}) == SourceSpan{24, 24});
  CHECK(folded.map.to_source({24, 25}) == SourceSpan{26, 29});
  CHECK(folded.map.to_source({27, 27}) == SourceSpan{29, 29});
}

TEST_CASE("UTF-8, copied in bulk where it can be, folds as UTF-16 does character by character", "[ingest][fold]") {
  // Characters around which the bulk copy must stop: spaces between Han and
  // digits, U+3000, marks that attach to the character before, full-width
  // commas and digits, list markers, Hangul jamo, compatibility characters.
  const std::vector<std::string> alphabet{
      "a", "Z", "1", "9", "\xEF\xBC\x91", "百", "分", "一", "\xE4\xB8\x80", "\xE3\x90\x80", "\xEF\xA4\x80",
      "\xEF\xA8\x8E", " ", "  ", "\t", "\xE3\x80\x80", "\xCC\x81", "\xE3\x82\x99", "\xEF\xBD\xB6", "\xEF\xBE\x9E",
      "，", "①", "\n", "\r\n", "e", "가", "\xE1\x84\x80", "\xE1\x85\xA1", "\xE1\x86\xA8", "\xE0\xAD\x87",
      "\xE0\xAC\xBE", "。", "．", "\xEF\xBF\xBD", "\xF0\x9F\x93\x88", "\xEF\xAC\x81", "²", "\xC2\xA0"};
  // And texts where a run of spaces is decided in two parts: it goes on with
  // U+3000, or begins with one (a kept run the bulk copy counts down).
  std::vector<std::string> texts{"百 \xE3\x80\x80分 1\t\xE3\x80\x80 2\n",
                                 "a\xE3\x80\x80 百 分 \xE3\x80\x80\xE3\x80\x80 3\n"};
  std::mt19937 random(5);
  for (int round = 0; round < 60; ++round) {
    std::string text;
    const int length = 1 + static_cast<int>(random() % 80);
    for (int i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
    texts.push_back(text + "\n");  // a line break keeps the encoding detector out of it
  }
  for (std::size_t round = 0; round < texts.size(); ++round) {
    const std::string& utf8 = texts[round];
    const icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(utf8);
    const std::string utf16(reinterpret_cast<const char*>(unicode.getBuffer()),
                            static_cast<std::size_t>(unicode.length()) * 2);
    const auto fast = figtrail::make_document("a.txt", utf8, figtrail::SourceFormat::PlainText);
    const auto slow = figtrail::make_document("b.txt", utf16, figtrail::SourceFormat::PlainText,
                                              figtrail::IngestOptions{"UTF-16LE"});
    INFO("round " << round << ": " << utf8);
    REQUIRE(fast.folded.text == slow.folded.text);
    // Where each UTF-8 character boundary lies in the UTF-16 bytes (spans
    // never cut a character in this text).
    std::vector<std::size_t> in_utf16(utf8.size() + 1);
    for (std::size_t i = 0; i <= utf8.size(); ++i) {
      in_utf16[i] = 2 * static_cast<std::size_t>(icu::UnicodeString::fromUTF8(utf8.substr(0, i)).length());
    }
    std::string difference;
    const std::size_t size = fast.folded.text.size();
    for (std::size_t begin = 0; begin <= size && difference.empty(); ++begin) {
      for (std::size_t end = begin; end <= size && difference.empty(); ++end) {
        const SourceSpan span = fast.folded.map.to_source({begin, end});
        const SourceSpan want{in_utf16[span.begin], in_utf16[span.end]};
        if (slow.folded.map.to_source({begin, end}) != want) {
          difference = std::to_string(begin) + "-" + std::to_string(end);
        }
      }
    }
    CHECK(difference.empty());
    CHECK(fast.line_of(utf8.size()) == slow.line_of(utf16.size()));
  }
}
