// Formats and encodings (issue 4): every supported encoding and HTML yield
// figures whose spans point at the original bytes of the file.
#include <catch2/catch.hpp>
#include <unicode/ucnv.h>

#include <chrono>
#include <random>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "figtrail/ingest.hpp"
#include "figtrail/normalize.hpp"
#include "support.hpp"

using figtrail::Document;
using figtrail::Figure;
using figtrail::IngestOptions;
using figtrail::SourceFormat;
using figtrail::test::convert;
using figtrail::test::encode;

namespace {

std::string utf16(bool little_endian, std::string_view utf8) {
  return (little_endian ? "\xFF\xFE" : "\xFE\xFF") + encode(little_endian ? "UTF-16LE" : "UTF-16BE", utf8);
}

std::string bytes_of(const Document& doc, const Figure& figure) {
  return doc.bytes.substr(figure.source.begin, figure.source.end - figure.source.begin);
}

// The money figure of exactly `value` in `unit`.
std::optional<Figure> money(const std::vector<Figure>& figures, std::string_view value, std::string_view unit) {
  for (const Figure& f : figures) {
    if (f.kind == figtrail::Kind::Money && f.value && f.value->to_string() == value && f.unit == unit) return f;
  }
  return std::nullopt;
}

std::vector<std::string> percents(const Document& doc, const std::vector<Figure>& figures) {
  std::vector<std::string> out;
  for (const Figure& f : figures) {
    if (f.kind == figtrail::Kind::Percent) out.push_back(f.value->to_string() + "% at " + bytes_of(doc, f));
  }
  return out;
}

// Mixed Chinese/English report text, over 256 bytes in every encoding.
const std::string kSimplified =
    "2024年全球人工智能芯片市场规模达到350亿美元，同比增长42%。Revenue from data center GPUs grew "
    "strongly in Q3, while 中国市场份额下降至12.5%。分析师预计，到2030年市场规模将超过1500亿美元，"
    "年均复合增长率约为30%。NVIDIA holds about 80% of the market; AMD and Intel share the rest. "
    "公司第三季度营收为181亿美元，净利润同比增长206%。\n";
const std::string kTraditional =
    "2024年全球人工智慧晶片市場規模達到350億美元，同比增長42%。Revenue from data center GPUs grew "
    "strongly in Q3, while 台灣市場份額下降至12.5%。分析師預計，到2030年市場規模將超過1500億美元，"
    "年均複合增長率約為30%。NVIDIA holds about 80% of the market; AMD and Intel share the rest. "
    "公司第三季度營收為181億美元，淨利潤同比增長206%。\n";
const std::string kJapanese =
    "2024年の世界のAI半導体市場規模は350億美元に達し、前年比42%増加した。Revenue from data center GPUs "
    "grew strongly in Q3, while 日本市場のシェアは12.5%に低下した。アナリストは、2030年までに市場規模が"
    "1500億美元を超え、年平均成長率は約30%になると予測している。NVIDIA holds about 80% of the market. "
    "第3四半期の売上高は181億美元で、純利益は前年比206%増加した。\n";

struct Case {
  const char* label;
  std::string bytes;
  std::string expected_span;  // the original bytes of the figure
  std::string encoding;
  int confidence_at_least;
};

}  // namespace

TEST_CASE("each encoding yields 350亿美元 with a span over its original bytes", "[formats]") {
  const std::vector<Case> cases{
      {"UTF-8", kSimplified, "350亿美元", "UTF-8", 100},
      {"UTF-8 with BOM", "\xEF\xBB\xBF" + kSimplified, "350亿美元", "UTF-8", 100},
      {"UTF-16LE with BOM", utf16(true, kSimplified), encode("UTF-16LE", "350亿美元"), "UTF-16LE", 100},
      {"UTF-16BE with BOM", utf16(false, kSimplified), encode("UTF-16BE", "350亿美元"), "UTF-16BE", 100},
      {"GB18030", encode("GB18030", kSimplified), encode("GB18030", "350亿美元"), "GB18030", 60},
      {"Big5", encode("Big5", kTraditional), encode("Big5", "350億美元"), "Big5", 60},
      {"Shift_JIS", encode("Shift_JIS", kJapanese), encode("Shift_JIS", "350億美元"), "Shift_JIS", 60},
  };
  for (const Case& c : cases) {
    INFO(c.label);
    REQUIRE(c.bytes.size() >= 256);
    const Document doc = figtrail::make_document("report.txt", c.bytes, SourceFormat::PlainText);
    CHECK(doc.bytes == c.bytes);
    CHECK(doc.encoding == c.encoding);
    CHECK(doc.encoding_confidence >= c.confidence_at_least);
    CHECK(doc.encoding_confidence <= 100);
    CHECK(doc.folded.replaced_bytes == 0);
    const std::vector<Figure> figures = figtrail::extract_figures(doc);
    const std::optional<Figure> figure = money(figures, "35000000000", "USD");
    REQUIRE(figure);
    CHECK(bytes_of(doc, *figure) == c.expected_span);
    CHECK(figure->text == c.expected_span);
    CHECK(figure->line == 1);
    CHECK(doc.source_utf8(figure->source) == (c.encoding == "Big5" || c.encoding == "Shift_JIS" ? "350億美元" : "350亿美元"));
    // Every figure's span holds its text in the original bytes.
    CHECK(figures.size() >= 8);
    for (const Figure& f : figures) CHECK(bytes_of(doc, f) == f.text);
  }
}

TEST_CASE("a figure's sentence is trimmed to whole characters in every encoding", "[formats]") {
  const std::string text = "  Revenue rose 5% in 2025.  Then 上市 grew 12%.  \n";
  struct Encoded {
    const char* charset;
    std::string bytes;
    IngestOptions options;
  };
  const std::vector<Encoded> cases{
      {"UTF-8", text, {}},
      {"UTF-16LE", utf16(true, text), {}},
      {"UTF-16BE", utf16(false, text), {}},
      {"GB18030", encode("GB18030", text), IngestOptions{"GB18030"}},
  };
  for (const Encoded& c : cases) {
    INFO(c.charset);
    const Document doc = figtrail::make_document("s.txt", c.bytes, SourceFormat::PlainText, c.options);
    const std::vector<Figure> figures = figtrail::extract_figures(doc);
    REQUIRE(figures.size() == 2);
    CHECK(convert("UTF-8", c.charset, figures[0].sentence) == "Revenue rose 5% in 2025.");
    CHECK(convert("UTF-8", c.charset, figures[1].sentence) == "Then 上市 grew 12%.");
  }
}

TEST_CASE("a legacy character maps to its own bytes", "[formats]") {
  const std::string bytes = encode("GB18030", kSimplified);
  const Document doc = figtrail::make_document("r.txt", bytes, SourceFormat::PlainText);
  const std::size_t at = doc.folded.text.find("亿");
  REQUIRE(at != std::string::npos);
  const figtrail::SourceSpan span = doc.folded.map.to_source({at, at + 3});
  CHECK(span.end - span.begin == 2);
  CHECK(doc.source_text(span) == encode("GB18030", "亿"));
  // A four-byte GB18030 character (U+1F4C8) maps to its four bytes.
  const Document emoji = figtrail::make_document("e.txt", encode("GB18030", "增长📈5%"), SourceFormat::PlainText,
                                                 IngestOptions{"GB18030"});
  const std::size_t chart = emoji.folded.text.find("📈");
  REQUIRE(chart != std::string::npos);
  CHECK(emoji.folded.map.to_source({chart, chart + 4}) == figtrail::SourceSpan{4, 8});
}

TEST_CASE("line numbers count the decoded line breaks", "[formats]") {
  // In UTF-16LE, 上 is 0A 4E: a 0x0A byte that is not a line break.
  const std::string bytes = utf16(true, "上海 up 1%\n第二行 5%\n");
  const Document doc = figtrail::make_document("u.txt", bytes, SourceFormat::PlainText);
  REQUIRE(doc.encoding == "UTF-16LE");
  const std::vector<Figure> figures = figtrail::extract_figures(doc);
  REQUIRE(figures.size() == 2);
  CHECK(figures[0].line == 1);
  CHECK(figures[1].line == 2);
  CHECK(bytes_of(doc, figures[1]) == encode("UTF-16LE", "5%"));
}

TEST_CASE("a short legacy file asks for --encoding", "[formats]") {
  const std::string bytes = encode("GB18030", "收入350亿美元。\n");
  REQUIRE(bytes.size() == 16);
  CHECK_THROWS_AS(figtrail::make_document("short.txt", bytes, SourceFormat::PlainText), figtrail::IngestError);
  CHECK_THROWS_WITH(figtrail::make_document("short.txt", bytes, SourceFormat::PlainText),
                    "short.txt: cannot tell the encoding (best guess GB18030, confidence 0%); pass --encoding");

  for (const char* name : {"GB18030", "gbk", "GB2312", "cp936"}) {
    INFO(name);
    const Document doc = figtrail::make_document("short.txt", bytes, SourceFormat::PlainText, IngestOptions{name});
    CHECK(doc.encoding == "GB18030");
    CHECK(doc.encoding_confidence == 100);
    const std::optional<Figure> figure = money(figtrail::extract_figures(doc), "35000000000", "USD");
    REQUIRE(figure);
    CHECK(bytes_of(doc, *figure) == encode("GB18030", "350亿美元"));
  }
}

TEST_CASE("an unknown encoding name is an error", "[formats]") {
  CHECK_THROWS_WITH(figtrail::make_document("x.txt", "5%", SourceFormat::PlainText, IngestOptions{"klingon-8"}),
                    "x.txt: unknown encoding 'klingon-8'");
  CHECK(figtrail::canonical_encoding("gbk") == "GB18030");
  CHECK(figtrail::canonical_encoding("GB_2312-80") == "GB18030");
  CHECK(figtrail::canonical_encoding("sjis") == "Shift_JIS");
  CHECK(figtrail::canonical_encoding("utf8") == "UTF-8");
  CHECK(figtrail::canonical_encoding("big5") == "Big5");
  CHECK(figtrail::canonical_encoding("windows-1252") == "windows-1252");
  CHECK(figtrail::canonical_encoding("windows-936-2000") == "GB18030");
  CHECK_FALSE(figtrail::canonical_encoding("klingon-8"));
  CHECK_FALSE(figtrail::canonical_encoding(""));
}

TEST_CASE("an override decodes any ICU encoding and skips a matching BOM", "[formats]") {
  const std::string latin1 = "Caf\xE9 sales rose 5% \xE0 Paris";
  const Document doc = figtrail::make_document("l.txt", latin1, SourceFormat::PlainText, IngestOptions{"latin1"});
  CHECK(doc.encoding == "ISO_8859-1:1987");
  CHECK(doc.folded.text == "Café sales rose 5% à Paris");
  CHECK(doc.folded.replaced_bytes == 0);

  const Document bom = figtrail::make_document("b.txt", "\xEF\xBB\xBF" "5%", SourceFormat::PlainText,
                                               IngestOptions{"UTF-8"});
  CHECK(bom.folded.text == "5%");
  const Document le = figtrail::make_document("u.txt", utf16(true, "5%"), SourceFormat::PlainText,
                                              IngestOptions{"UTF-16"});
  CHECK(le.encoding == "UTF-16LE");
  CHECK(le.folded.text == "5%");
  const Document be = figtrail::make_document("u.txt", encode("UTF-16BE", "6%"), SourceFormat::PlainText,
                                              IngestOptions{"utf-16be"});
  CHECK(be.folded.text == "6%");
  CHECK(be.folded.map.to_source({0, 2}) == figtrail::SourceSpan{0, 4});
}

TEST_CASE("invalid legacy sequences become U+FFFD mapped to the bad bytes", "[formats]") {
  const std::string bytes = encode("GB18030", "营收") + "\xFF" + encode("GB18030", "350亿美元") + "\x81";
  const Document doc = figtrail::make_document("bad.txt", bytes, SourceFormat::PlainText, IngestOptions{"GB18030"});
  CHECK(doc.folded.replaced_bytes == 2);
  CHECK(doc.folded.text == "营收\xEF\xBF\xBD" "350亿美元\xEF\xBF\xBD");
  CHECK(doc.folded.map.to_source({6, 9}) == figtrail::SourceSpan{4, 5});
  const std::optional<Figure> figure = money(figtrail::extract_figures(doc), "35000000000", "USD");
  REQUIRE(figure);
  CHECK(figure->source == figtrail::SourceSpan{5, 14});

  // A lone surrogate in UTF-16.
  const std::string lone = std::string("\xFF\xFE" "5\0%\0\x00\xD8 \0", 10);
  const Document surrogate = figtrail::make_document("s.txt", lone, SourceFormat::PlainText);
  CHECK(surrogate.encoding == "UTF-16LE");
  CHECK(surrogate.folded.replaced_bytes == 2);
  CHECK(surrogate.folded.text == "5%\xEF\xBF\xBD ");
}

TEST_CASE("UTF-16 is text, but a NUL character in it is binary", "[formats]") {
  const std::string nul = utf16(true, "5%") + std::string("\0\0", 2);
  CHECK_THROWS_WITH(figtrail::make_document("n.txt", nul, SourceFormat::PlainText),
                    "n.txt: binary file (NUL character at offset 6)");
  // FF FE followed by no ASCII character is not taken for UTF-16.
  CHECK_THROWS_WITH(figtrail::make_document("c.txt", "\xFF\xFE\xFD" "ab", SourceFormat::PlainText),
                    "c.txt: not text (60% of bytes are invalid UTF-8)");
}

TEST_CASE("UTF-8 with a few bad bytes stays UTF-8", "[formats]") {
  std::string bytes = kSimplified + "\xE4\xB8";  // cut in the middle of a character
  const Document doc = figtrail::make_document("cut.txt", bytes, SourceFormat::PlainText);
  CHECK(doc.encoding == "UTF-8");
  CHECK(doc.encoding_confidence == 99);
  CHECK(doc.folded.replaced_bytes == 2);
  // However short, a file cut in its last character is UTF-8.
  const Document cut = figtrail::make_document("cut.txt", "营收增长5%。营\xE6\x94", SourceFormat::PlainText);
  CHECK(cut.encoding == "UTF-8");
  CHECK(cut.encoding_confidence == 90);  // 20 of 22 bytes
  CHECK(cut.folded.replaced_bytes == 2);
  // A bad byte among many valid characters.
  const std::size_t at = kSimplified.find("Revenue");
  const Document inside = figtrail::make_document("in.txt", kSimplified.substr(0, at) + "\xFF" + kSimplified.substr(at),
                                                  SourceFormat::PlainText);
  CHECK(inside.encoding == "UTF-8");
  CHECK(inside.folded.replaced_bytes == 1);
  // Mostly English with a stray byte: not Latin-1, but UTF-8 with a replacement.
  const Document stray = figtrail::make_document(
      "stray.txt", "Revenue grew 5% in Q3 \xFF and the rest of this sentence is plain English text about markets.",
      SourceFormat::PlainText);
  CHECK(stray.encoding == "UTF-8");
  CHECK(stray.folded.replaced_bytes == 1);
}

// ---------------------------------------------------------------- HTML

namespace {

Document html(const std::string& bytes, const IngestOptions& options = {}) {
  return figtrail::make_document("page.html", bytes, SourceFormat::Html, options);
}

}  // namespace

TEST_CASE("format_for_path knows HTML", "[formats]") {
  CHECK(figtrail::format_for_path("a.html") == SourceFormat::Html);
  CHECK(figtrail::format_for_path("b.HTM") == SourceFormat::Html);
  CHECK(figtrail::format_for_path("c.xhtml") == SourceFormat::Html);
  CHECK(figtrail::format_for_path("d.txt") == SourceFormat::PlainText);
  // The content decides too.
  CHECK(figtrail::make_document("e.txt", "\n <!DOCTYPE html><p>5%</p>", SourceFormat::PlainText).format ==
        SourceFormat::Html);
  CHECK(figtrail::make_document("f.txt", "<HTML lang=en><p>5%</p>", SourceFormat::PlainText).format ==
        SourceFormat::Html);
  CHECK(figtrail::make_document("g.txt", "<htmlx> 5%", SourceFormat::PlainText).format == SourceFormat::PlainText);
}

TEST_CASE("HTML declaring gb2312 is read as GB18030", "[formats]") {
  const std::string page = "<!DOCTYPE html><html><head><meta charset=\"gb2312\"><title>报告 9%</title></head>"
                           "<body><h1>人工智能芯片</h1><p>营收达到350亿美元，同比增长42%。</p></body></html>\n";
  const std::string bytes = encode("GB18030", page);
  const Document doc = html(bytes);
  CHECK(doc.format == SourceFormat::Html);
  CHECK(doc.encoding == "GB18030");
  CHECK(doc.encoding_confidence == 100);
  const std::vector<Figure> figures = figtrail::extract_figures(doc);
  const std::optional<Figure> figure = money(figures, "35000000000", "USD");
  REQUIRE(figure);
  CHECK(bytes_of(doc, *figure) == encode("GB18030", "350亿美元"));
  CHECK(percents(doc, figures) == std::vector<std::string>{"42% at 42%"});  // not the title's 9%

  // The http-equiv form, single quotes, another case.
  const std::string old = "<html><head><META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=GBK'>"
                          "</head><body>营收350亿美元</body></html>";
  const Document legacy = html(encode("GB18030", old));
  CHECK(legacy.encoding == "GB18030");
  REQUIRE(money(figtrail::extract_figures(legacy), "35000000000", "USD"));
}

TEST_CASE("HTML in UTF-16 and with a BOM", "[formats]") {
  const std::string page = "<html><body><p>Sales rose 7%</p></body></html>";
  const Document doc = html(utf16(true, page));
  CHECK(doc.encoding == "UTF-16LE");
  const std::vector<Figure> figures = figtrail::extract_figures(doc);
  REQUIRE(figures.size() == 1);
  CHECK(bytes_of(doc, figures[0]) == encode("UTF-16LE", "7%"));
  // Sniffed through a UTF-8 BOM.
  CHECK(figtrail::make_document("b.txt", "\xEF\xBB\xBF<!doctype html><p>5%</p>", SourceFormat::PlainText).format ==
        SourceFormat::Html);
}

TEST_CASE("HTML: script, style, comments and attributes are not text", "[formats]") {
  const std::string page =
      "<html><head><style>.a { width: 5%; }</style><script>var x = \"$5B\";</script></head><body>"
      "<!-- up 9% --><img alt=\"$7B\" src=\"a.png\"><p title=\"8%\" data-x=\"$3B\">Revenue</p>"
      "<noscript>$4B</noscript><template><p>6%</p></template><script>var y = '2%';</script></body></html>";
  const Document doc = html(page);
  CHECK(figtrail::extract_figures(doc).empty());
  CHECK(doc.folded.text.find("Revenue") != std::string::npos);
  CHECK(doc.folded.text.find("var") == std::string::npos);
  CHECK(doc.folded.text.find("width") == std::string::npos);
}

TEST_CASE("HTML: table cells stay separate figures", "[formats]") {
  const std::string page = "<table><tr><th>Growth</th><td>5%</td><td>6%</td></tr><tr><td>7</td><td>%</td></tr></table>";
  const Document doc = html(page);
  const std::vector<Figure> figures = figtrail::extract_figures(doc);
  CHECK(percents(doc, figures) == std::vector<std::string>{"5% at 5%", "6% at 6%"});
  // Each cell its own sentence.
  const std::size_t five = doc.folded.text.find("5%");
  const std::size_t six = doc.folded.text.find("6%");
  CHECK(doc.segments.sentence_at(five) != doc.segments.sentence_at(six));
}

TEST_CASE("HTML: entities are decoded and map to their raw bytes", "[formats]") {
  const std::string page = "<p>Sales&nbsp;rose to &#36;5B in 2024; R&amp;D took &#x24;2B &amp; AT&T 3&#37;.</p>";
  const Document doc = html(page);
  CHECK(doc.folded.text.find("Sales rose to $5B in 2024; R&D took $2B & AT&T 3%.") != std::string::npos);
  const std::vector<Figure> figures = figtrail::extract_figures(doc);
  const std::optional<Figure> five = money(figures, "5000000000", "USD");
  REQUIRE(five);
  CHECK(bytes_of(doc, *five) == "&#36;5B");
  const std::optional<Figure> two = money(figures, "2000000000", "USD");
  REQUIRE(two);
  CHECK(bytes_of(doc, *two) == "&#x24;2B");
  CHECK(percents(doc, figures) == std::vector<std::string>{"3% at 3&#37;"});
  // The folded space of &nbsp; maps to the whole entity.
  const std::size_t space = doc.folded.text.find(' ');
  CHECK(doc.source_text(doc.folded.map.to_source({space, space + 1})) == "&nbsp;");

  // Named references without a semicolon take the longest known name.
  const Document legacy = html("<p>&notit; &copy2024 up 5%</p>");
  CHECK(legacy.folded.text.find("\xC2\xAC" "it; \xC2\xA9" "2024 up 5%") != std::string::npos);
  const std::size_t it = legacy.folded.text.find("it;");
  CHECK(legacy.source_text(legacy.folded.map.to_source({it, it + 3})) == "it;");
}

TEST_CASE("HTML: <br> and blocks end sentences, inline tags do not", "[formats]") {
  const Document doc = html("<p>Revenue grew 5%<br>Costs fell 6%</p><div>Margin 7%</div><p>Up <b>8</b>% today</p>");
  const std::vector<Figure> figures = figtrail::extract_figures(doc);
  REQUIRE(figures.size() == 4);
  CHECK(figures[0].sentence == "Revenue grew 5%");
  CHECK(bytes_of(doc, figures[3]) == "8</b>%");
  std::vector<figtrail::FoldedSpan> sentences;
  for (const Figure& f : figures) sentences.push_back(doc.segments.sentence_at(f.folded.begin));
  CHECK(sentences[0] != sentences[1]);
  CHECK(sentences[1] != sentences[2]);
  CHECK(sentences[2] != sentences[3]);
  // Line breaks in the source are spaces, not sentence ends.
  const Document wrapped = html("<p>Revenue grew\n5% and\r\ncosts 6%.</p>");
  const std::vector<Figure> two = figtrail::extract_figures(wrapped);
  REQUIRE(two.size() == 2);
  CHECK(wrapped.segments.sentence_at(two[0].folded.begin) == wrapped.segments.sentence_at(two[1].folded.begin));
  CHECK(two[1].line == 3);
}

TEST_CASE("HTML: text the parser moves keeps its own bytes", "[formats]") {
  // Text inside a table but outside cells is moved before the table.
  const Document doc = html("<table><tr><td>5%</td></tr>6%<tr><td>7%</td></tr></table>");
  const std::vector<Figure> figures = figtrail::extract_figures(doc);
  for (const Figure& f : figures) CHECK(bytes_of(doc, f) == f.text);
  CHECK(percents(doc, figures).size() >= 2);
}

TEST_CASE("HTML: deep nesting and unclosed tags do not crash", "[formats]") {
  const auto repeat = [](std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& page : std::vector<std::string>{
           repeat("<div>", 2000) + "Up 5%" + repeat("</div>", 2000),
           repeat("<div>", 2000) + "Up 5%",
           repeat("<table><tr><td>", 100000) + "Up 5%",
           repeat("<b>", 100000) + "Up 5%",
           repeat("<foo/>", 100000) + "Up 5%",
           repeat("<a href=x>", 50000) + "Up 5%",
           "<p><b><i>Up 5%<td><span><table><tr>" + repeat("<li><ul>", 20000),
           "<html><body><p>Up 5%<!-- never closed <p>9%",
           "<p>Up 5%</p><script>var x = \"9%\";",
           "<p>Up 5% <",
       }) {
    INFO(page.substr(0, 60));
    const Document doc = html(page);
    const std::vector<Figure> figures = figtrail::extract_figures(doc);
    REQUIRE(figures.size() == 1);
    CHECK(bytes_of(doc, figures[0]) == "5%");
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}

TEST_CASE("plain text with a very long line", "[formats]") {
  std::string line;
  while (line.size() < 4'000'000) line += "Revenue grew steadily, 营收稳步增长 ";
  const std::size_t at = line.size();
  line += "reaching 350亿美元 in 2024.";
  const Document doc = figtrail::make_document("long.txt", line, SourceFormat::PlainText);
  const std::optional<Figure> figure = money(figtrail::extract_figures(doc), "35000000000", "USD");
  REQUIRE(figure);
  CHECK(figure->source.begin == at + 9);
  CHECK(bytes_of(doc, *figure) == "350亿美元");
}

namespace {

// The map runs forwards and stays inside the file: every folded span maps to
// a well-formed source span.
void check_monotonic(const Document& doc) {
  const figtrail::OffsetMap& map = doc.folded.map;
  std::size_t last_begin = 0;
  std::size_t last_end = 0;
  for (std::size_t i = 0; i < map.folded_size(); ++i) {
    const figtrail::SourceSpan span = map.to_source({i, i + 1});
    REQUIRE(span.begin <= span.end);
    REQUIRE(span.end <= doc.bytes.size());
    REQUIRE(span.begin >= last_begin);
    REQUIRE(span.end >= last_end);
    last_begin = span.begin;
    last_end = span.end;
  }
}

}  // namespace

TEST_CASE("random HTML keeps a forward map and figures over their own bytes", "[formats]") {
  const std::vector<std::string> pieces{
      "Revenue ", "营收", "5", "%", "350亿美元", " ", "\r\n", "\n", "&amp;", "&nbsp;", "&#36;", "&#x24;5B",
      "&#37;", "&notit", "&copy;", "&lt;", "&gt;", "&#;", "&bogus;", "& ", "<b>", "</b>", "<p>", "</p>", "<br>",
      "<td>", "</td>", "<tr>", "<table>", "</table>", "<!-- 9% -->", "<script>var a='7%';</script>", "<div>",
      "</div>", "<img alt='8%'>", "<pre>\n1 2%\n</pre>", "<li>", "<ul>", "</x>", "<", ">", "\xEF\xBC\x95",
      "\xE2\x80\x8B", "e\xCC\x81", "\xFF", std::string("\0", 1), "<svg><path d='1'/><text>4%</text></svg>",
      "&NotEqualTilde;", "<textarea>6&amp;%</textarea>", "<title>t</title>", "<html>", "<body>"};
  std::mt19937 rng(4);
  for (int round = 0; round < 300; ++round) {
    std::string page = round % 2 == 0 ? "<!DOCTYPE html>" : "";
    const int count = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < count; ++i) page += pieces[rng() % pieces.size()];
    INFO(page);
    if (page.find('\0') != std::string::npos && page.find('\0') < 8192) {
      CHECK_THROWS_AS(html(page), figtrail::IngestError);
      continue;
    }
    Document doc;
    try {
      doc = html(page);
    } catch (const figtrail::IngestError&) {
      continue;  // mostly invalid bytes
    }
    check_monotonic(doc);
    for (const Figure& f : figtrail::extract_figures(doc)) CHECK(bytes_of(doc, f) == f.text);
  }
}

TEST_CASE("the map runs forwards in every encoding", "[formats]") {
  for (const auto& [charset, text] : std::vector<std::pair<const char*, std::string>>{
           {"GB18030", kSimplified}, {"Big5", kTraditional}, {"Shift_JIS", kJapanese}, {"UTF-16LE", kSimplified}}) {
    INFO(charset);
    std::string bytes = encode(charset, text);
    if (std::string_view(charset) == "UTF-16LE") bytes = "\xFF\xFE" + bytes;
    check_monotonic(figtrail::make_document("m.txt", bytes, SourceFormat::PlainText));
  }
}

TEST_CASE("max_line_length counts the original bytes of a line, in every encoding", "[formats][limits]") {
  // Line 2 holds 400 × 上 (U+4E0A: a 0x0A byte in UTF-16, never a line feed).
  std::string text = "Up 5%.\n";
  for (int i = 0; i < 400; ++i) text += "上";
  text += "\nDown 6%.\n";
  struct LineCase {
    const char* charset;
    std::string bytes;
    std::size_t line2;  // bytes of line 2
  };
  const std::vector<LineCase> cases{
      {"UTF-8", text, 1200},
      {"GB18030", encode("GB18030", text), 800},
      {"UTF-16LE", "\xFF\xFE" + encode("UTF-16LE", text), 800},
      {"UTF-16BE", "\xFE\xFF" + encode("UTF-16BE", text), 800},
  };
  for (const LineCase& c : cases) {
    INFO(c.charset);
    IngestOptions options;
    options.encoding = c.charset;
    options.max_line_length = c.line2;
    const Document doc = figtrail::make_document("l.txt", c.bytes, SourceFormat::PlainText, options);
    CHECK(figtrail::extract_figures(doc).size() == 2);
    options.max_line_length = c.line2 - 1;
    CHECK_THROWS_AS(figtrail::make_document("l.txt", c.bytes, SourceFormat::PlainText, options),
                    figtrail::LineTooLongError);
    CHECK_THROWS_WITH(figtrail::make_document("l.txt", c.bytes, SourceFormat::PlainText, options),
                      "l.txt: line 2 is " + std::to_string(c.line2) + " bytes long; the limit is " +
                          std::to_string(c.line2 - 1));
  }
  // No limit by default.
  CHECK_NOTHROW(figtrail::make_document("l.txt", std::string(100000, 'x') + " 5%", SourceFormat::PlainText));
}
