// HTML: the visible text of a page, each character mapped to the raw bytes
// it came from.
//
// The document is decoded to UTF-8 (with a map back to the original bytes)
// and parsed with gumbo, whose nodes point into that UTF-8. Text nodes
// outside <script>, <style>, <noscript>, <template>, <title> and <head> are
// taken in source order; a line break (mapped to no bytes) separates block
// elements, table cells and <br>, so ICU ends a sentence there and figures do
// not run from one cell into the next. gumbo decodes entities; each text
// node's decoded text is re-aligned with its raw text so that an entity's
// character maps to the whole entity (`&#36;` for `$`).
#include <gumbo.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chars.hpp"
#include "figtrail/ingest.hpp"

namespace figtrail::detail {

namespace {

// Open elements deeper than this are dropped before parsing (their tags
// replaced by spaces of the same length, so offsets stay): gumbo's tree
// construction is quadratic in the nesting depth and frees the tree
// recursively (100,000 nested tables overflow the stack).
constexpr std::size_t kMaxHtmlDepth = 512;
// How far a declared charset is looked for.
constexpr std::size_t kDeclarationBytes = 4096;
// How much literal text around an entity is compared to tell how much of it
// gumbo decoded.
constexpr std::size_t kAlignLookahead = 32;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool starts_with_ci(std::string_view text, std::size_t at, std::string_view prefix) {
  if (text.size() - std::min(at, text.size()) < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(text[at + i]) != prefix[i]) return false;
  }
  return true;
}

std::size_t find_ci(std::string_view text, std::string_view needle, std::size_t from) {
  for (std::size_t at = from; at + needle.size() <= text.size(); ++at) {
    if (starts_with_ci(text, at, needle)) return at;
  }
  return std::string_view::npos;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(), lower);
  return out;
}

// ---------------------------------------------------------------- prescan

struct Attribute {
  std::string name;  // lowercase
  std::string value;
};

// Reads one attribute at `at` inside a tag (after blanks and slashes);
// nullopt at the tag's end.
std::optional<Attribute> next_attribute(std::string_view text, std::size_t& at) {
  while (at < text.size() && (is_blank(text[at]) || text[at] == '/')) ++at;
  if (at >= text.size() || text[at] == '>') return std::nullopt;
  Attribute attribute;
  while (at < text.size() && !is_blank(text[at]) && text[at] != '=' && text[at] != '>' &&
         !(text[at] == '/' && !attribute.name.empty())) {
    attribute.name.push_back(lower(text[at++]));
  }
  while (at < text.size() && is_blank(text[at])) ++at;
  if (at >= text.size() || text[at] != '=') return attribute;
  ++at;
  while (at < text.size() && is_blank(text[at])) ++at;
  if (at < text.size() && (text[at] == '"' || text[at] == '\'')) {
    const char quote = text[at++];
    const std::size_t end = std::min(text.find(quote, at), text.size());
    attribute.value = text.substr(at, end - at);
    at = end + 1;
  } else {
    while (at < text.size() && !is_blank(text[at]) && text[at] != '>') attribute.value.push_back(text[at++]);
  }
  return attribute;
}

std::string trim(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && is_blank(text[begin])) ++begin;
  while (end > begin && is_blank(text[end - 1])) --end;
  return std::string(text.substr(begin, end - begin));
}

// The charset in a Content-Type value: `text/html; charset=gb2312`.
std::string charset_in_content(std::string_view content) {
  std::size_t at = find_ci(content, "charset", 0);
  while (at != std::string_view::npos) {
    std::size_t value = at + 7;
    while (value < content.size() && is_blank(content[value])) ++value;
    if (value < content.size() && content[value] == '=') {
      ++value;
      while (value < content.size() && is_blank(content[value])) ++value;
      if (value < content.size() && (content[value] == '"' || content[value] == '\'')) {
        const char quote = content[value++];
        const std::size_t end = content.find(quote, value);
        if (end == std::string_view::npos) return {};
        return std::string(content.substr(value, end - value));
      }
      std::size_t end = value;
      while (end < content.size() && !is_blank(content[end]) && content[end] != ';') ++end;
      return std::string(content.substr(value, end - value));
    }
    at = find_ci(content, "charset", at + 7);
  }
  return {};
}

// ---------------------------------------------------------------- depth guard

bool is_void(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_AREA: case GUMBO_TAG_BASE: case GUMBO_TAG_BASEFONT: case GUMBO_TAG_BGSOUND:
    case GUMBO_TAG_BR: case GUMBO_TAG_COL: case GUMBO_TAG_EMBED: case GUMBO_TAG_FRAME:
    case GUMBO_TAG_HR: case GUMBO_TAG_IMAGE: case GUMBO_TAG_IMG: case GUMBO_TAG_INPUT:
    case GUMBO_TAG_ISINDEX: case GUMBO_TAG_KEYGEN: case GUMBO_TAG_LINK: case GUMBO_TAG_MENUITEM:
    case GUMBO_TAG_META: case GUMBO_TAG_PARAM: case GUMBO_TAG_SOURCE: case GUMBO_TAG_TRACK:
    case GUMBO_TAG_WBR: case GUMBO_TAG_SPACER:
      return true;
    default:
      return false;
  }
}

// Elements whose end tag may be omitted: a sibling closes them, so they do
// not nest by themselves.
bool closes_implicitly(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_HTML: case GUMBO_TAG_HEAD: case GUMBO_TAG_BODY: case GUMBO_TAG_P:
    case GUMBO_TAG_LI: case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_RB:
    case GUMBO_TAG_RT: case GUMBO_TAG_RTC: case GUMBO_TAG_RP: case GUMBO_TAG_OPTGROUP:
    case GUMBO_TAG_OPTION: case GUMBO_TAG_COLGROUP: case GUMBO_TAG_CAPTION: case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY: case GUMBO_TAG_TFOOT: case GUMBO_TAG_TR: case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
      return true;
    default:
      return false;
  }
}

// Elements whose content is text up to their end tag.
bool is_raw_text(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_XMP: case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_NOEMBED: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_TITLE:
      return true;
    default:
      return false;
  }
}

// The end of a tag starting at `at` (the index of its `>`), npos if it does
// not end. Quotes in attribute values may hold `>`.
std::size_t tag_end(std::string_view html, std::size_t at) {
  char quote = 0;
  bool after_equals = false;
  for (std::size_t i = at + 1; i < html.size(); ++i) {
    const char c = html[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '>') {
      return i;
    } else if ((c == '"' || c == '\'') && after_equals) {
      quote = c;
    }
    if (quote == 0 && !is_blank(c)) after_equals = c == '=';
  }
  return std::string_view::npos;
}

// Estimates the nesting depth with a light tokenizer and blanks the tags of
// elements that would open beyond kMaxHtmlDepth, and the end tags matching
// them. Returns whether it changed anything.
bool guard_depth(std::string& html) {
  std::size_t depth = 0;
  std::size_t excess = 0;
  std::size_t foreign_depth = std::string::npos;  // depth where <svg> or <math> opened
  bool changed = false;
  const auto blank = [&](std::size_t begin, std::size_t end) {
    std::fill(html.begin() + static_cast<std::ptrdiff_t>(begin), html.begin() + static_cast<std::ptrdiff_t>(end), ' ');
    changed = true;
  };
  std::size_t at = 0;
  while ((at = html.find('<', at)) != std::string::npos) {
    const std::string_view view(html);
    if (view.substr(at, 4) == "<!--") {
      const std::size_t end = view.find("-->", at + 4);
      if (end == std::string_view::npos) break;
      at = end + 3;
      continue;
    }
    if (at + 1 < view.size() && (view[at + 1] == '!' || view[at + 1] == '?')) {
      const std::size_t end = view.find('>', at);
      if (end == std::string_view::npos) break;
      at = end + 1;
      continue;
    }
    const bool closing = at + 1 < view.size() && view[at + 1] == '/';
    const std::size_t name_begin = at + 1 + (closing ? 1 : 0);
    if (name_begin >= view.size() || !is_alpha(view[name_begin])) {
      ++at;
      continue;
    }
    std::size_t name_end = name_begin;
    while (name_end < view.size() && !is_blank(view[name_end]) && view[name_end] != '/' && view[name_end] != '>') {
      ++name_end;
    }
    const std::size_t end = tag_end(view, name_end - 1);
    if (end == std::string_view::npos) break;
    const std::string name = lowercase(view.substr(name_begin, name_end - name_begin));
    const GumboTag tag = gumbo_tagn_enum(name.data(), static_cast<unsigned int>(name.size()));
    if (closing) {
      if (!is_void(tag) && !closes_implicitly(tag)) {
        if (excess > 0) {
          blank(at, end + 1);
          --excess;
        } else if (depth > 0) {
          --depth;
          if (depth <= foreign_depth) foreign_depth = std::string::npos;
        }
      }
      at = end + 1;
      continue;
    }
    if (tag == GUMBO_TAG_PLAINTEXT) break;  // the rest is text
    if (is_raw_text(tag)) {
      const std::size_t close = find_ci(view, "</" + name, end + 1);
      at = close == std::string_view::npos ? view.size() : close;
      continue;
    }
    const bool self_closing = view[end - 1] == '/';
    const bool foreign = foreign_depth != std::string::npos;
    if (is_void(tag) || closes_implicitly(tag) || (self_closing && (foreign || tag == GUMBO_TAG_SVG || tag == GUMBO_TAG_MATH))) {
      at = end + 1;
      continue;
    }
    if (depth >= kMaxHtmlDepth) {
      blank(at, end + 1);
      ++excess;
    } else {
      if (!foreign && (tag == GUMBO_TAG_SVG || tag == GUMBO_TAG_MATH)) foreign_depth = depth;
      ++depth;
    }
    at = end + 1;
  }
  return changed;
}

// ---------------------------------------------------------------- tree walk

bool is_hidden(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_HEAD: case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_TITLE: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_IFRAME: case GUMBO_TAG_DATALIST:
      return true;
    default:
      return false;
  }
}

// Elements that start and end a block of text (and <br>).
bool breaks_text(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_BR: case GUMBO_TAG_CAPTION: case GUMBO_TAG_CENTER: case GUMBO_TAG_DD:
    case GUMBO_TAG_DETAILS: case GUMBO_TAG_DIR: case GUMBO_TAG_DIV: case GUMBO_TAG_DL:
    case GUMBO_TAG_DT: case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FOOTER: case GUMBO_TAG_FORM: case GUMBO_TAG_FRAMESET: case GUMBO_TAG_H1:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
    case GUMBO_TAG_HEADER: case GUMBO_TAG_HGROUP: case GUMBO_TAG_HR: case GUMBO_TAG_LEGEND:
    case GUMBO_TAG_LI: case GUMBO_TAG_LISTING: case GUMBO_TAG_MAIN: case GUMBO_TAG_MENU:
    case GUMBO_TAG_NAV: case GUMBO_TAG_OL: case GUMBO_TAG_OPTGROUP: case GUMBO_TAG_OPTION:
    case GUMBO_TAG_P: case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_PRE: case GUMBO_TAG_SECTION:
    case GUMBO_TAG_SELECT: case GUMBO_TAG_SUMMARY: case GUMBO_TAG_TABLE: case GUMBO_TAG_TD:
    case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_TH: case GUMBO_TAG_TR: case GUMBO_TAG_UL:
    case GUMBO_TAG_XMP: case GUMBO_TAG_BODY: case GUMBO_TAG_HTML:
      return true;
    default:
      return false;
  }
}

// Elements whose line breaks are shown as such.
bool is_preformatted(GumboTag tag) {
  return tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_LISTING || tag == GUMBO_TAG_TEXTAREA ||
         tag == GUMBO_TAG_PLAINTEXT || tag == GUMBO_TAG_XMP;
}

struct Item {
  std::size_t offset = 0;            // in the parsed UTF-8
  const GumboText* text = nullptr;   // nullptr: a block boundary
  bool preformatted = false;
};

// Visible text nodes and block boundaries in source order. Iterative: the
// tree may be deep.
std::vector<Item> collect_items(const GumboNode* document, std::string_view input) {
  std::vector<Item> items;
  std::vector<std::pair<const GumboNode*, bool>> stack{{document, false}};
  const auto push_children = [&](const GumboVector& children, bool preformatted) {
    for (unsigned int i = children.length; i > 0; --i) {
      stack.emplace_back(static_cast<const GumboNode*>(children.data[i - 1]), preformatted);
    }
  };
  while (!stack.empty()) {
    const auto [node, preformatted] = stack.back();
    stack.pop_back();
    switch (node->type) {
      case GUMBO_NODE_DOCUMENT:
        push_children(node->v.document.children, false);
        break;
      case GUMBO_NODE_ELEMENT: {
        const GumboElement& element = node->v.element;
        if (is_hidden(element.tag)) break;
        if (breaks_text(element.tag)) {
          items.push_back({element.start_pos.offset, nullptr, false});
          if (element.end_pos.offset > element.start_pos.offset) {
            items.push_back({element.end_pos.offset, nullptr, false});
          }
        }
        push_children(element.children, preformatted || is_preformatted(element.tag));
        break;
      }
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_CDATA:
      case GUMBO_NODE_WHITESPACE: {
        const GumboText& text = node->v.text;
        std::size_t offset = text.start_pos.offset;
        const char* raw = text.original_text.data;
        if (raw != nullptr && raw >= input.data() && raw <= input.data() + input.size()) {
          offset = static_cast<std::size_t>(raw - input.data());
        }
        if (offset <= input.size()) items.push_back({offset, &text, preformatted});
        break;
      }
      case GUMBO_NODE_COMMENT:
      case GUMBO_NODE_TEMPLATE:
        break;
    }
  }
  // Boundaries before text at the same offset; otherwise tree order.
  std::ranges::stable_sort(items, [](const Item& a, const Item& b) {
    if (a.offset != b.offset) return a.offset < b.offset;
    return a.text == nullptr && b.text != nullptr;
  });
  return items;
}

// ---------------------------------------------------------------- alignment

struct Utf8Char {
  char32_t cp = 0;
  std::size_t length = 1;
};

// The code point at `at` of valid UTF-8 (what the decoder produced).
Utf8Char utf8_at(std::string_view s, std::size_t at) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(at + i < s.size() ? s[at + i] : 0); };
  const unsigned char lead = b(0);
  if (lead < 0x80) return {lead, 1};
  if (lead < 0xE0) return {static_cast<char32_t>(((lead & 0x1F) << 6) | (b(1) & 0x3F)), 2};
  if (lead < 0xF0) {
    return {static_cast<char32_t>(((lead & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F)), 3};
  }
  return {static_cast<char32_t>(((lead & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) |
                                (b(3) & 0x3F)),
          4};
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Maps each character of a text node's decoded text to the raw bytes it came
// from, walking the raw text from `raw_begin` (up to `raw_limit`, the next
// text node) alongside. Calls emit(cp, raw_begin, raw_end).
template <typename Emit>
class Aligner {
 public:
  Aligner(std::string_view raw, std::size_t raw_begin, std::size_t raw_limit, std::size_t raw_end_hint,
          std::string_view decoded, Emit& emit)
      : raw_(raw.substr(0, raw_limit)), i_(raw_begin), hint_(raw_end_hint), decoded_(decoded), emit_(emit) {}

  void run() {
    while (j_ < decoded_.size()) {
      const Utf8Char d = utf8_at(decoded_, j_);
      if (i_ >= raw_.size()) {
        emit_(d.cp, i_, i_);
        j_ += d.length;
        continue;
      }
      const Utf8Char r = utf8_at(raw_, i_);
      if (r.cp == U'&') {
        if (const auto entity = match_entity()) {
          const std::size_t raw_end = i_ + entity->first;
          const std::size_t decoded_end = j_ + entity->second;
          while (j_ < decoded_end) {
            const Utf8Char c = utf8_at(decoded_, j_);
            emit_(c.cp, i_, raw_end);
            j_ += c.length;
          }
          i_ = raw_end;
          continue;
        }
      }
      if (r.cp == d.cp) {
        emit_(d.cp, i_, i_ + r.length);
        i_ += r.length;
        j_ += d.length;
      } else if (r.cp == U'\r' && d.cp == U'\n') {  // CR LF and CR read as LF
        const std::size_t length = i_ + 1 < raw_.size() && raw_[i_ + 1] == '\n' ? 2 : 1;
        emit_(d.cp, i_, i_ + length);
        i_ += length;
        j_ += d.length;
      } else if (r.cp == 0) {  // a NUL: replaced or dropped
        if (d.cp == 0xFFFD) {
          emit_(d.cp, i_, i_ + 1);
          j_ += d.length;
        }
        ++i_;
      } else if (r.cp == U'<') {  // markup inside the run (a tag the parser ignored)
        skip_markup();
      } else {
        // Cannot follow: the rest maps to the rest of the node's raw text.
        const std::size_t end = std::max(i_, std::min(hint_, raw_.size()));
        while (j_ < decoded_.size()) {
          const Utf8Char c = utf8_at(decoded_, j_);
          emit_(c.cp, i_, end);
          j_ += c.length;
        }
      }
    }
  }

 private:
  void skip_markup() {
    const std::string_view rest = raw_.substr(i_);
    const std::size_t end = rest.starts_with("<!--") ? rest.find("-->") : rest.find('>');
    if (end == std::string_view::npos) {
      i_ = raw_.size();
    } else {
      i_ += end + (rest.starts_with("<!--") ? 3 : 1);
    }
  }

  // Whether the raw text from `raw_at` reads literally as the decoded text
  // from `decoded_at`, up to the next character that transforms (or the end
  // of the node's raw text, where the decoded text must end too).
  [[nodiscard]] bool continues(std::size_t raw_at, std::size_t decoded_at, bool skip_first) const {
    std::size_t stop = raw_at + (skip_first ? 1 : 0);
    while (stop < raw_.size() && stop - raw_at < kAlignLookahead && raw_[stop] != '&' && raw_[stop] != '<' &&
           raw_[stop] != '\r' && raw_[stop] != '\0') {
      ++stop;
    }
    const std::size_t length = stop - raw_at;
    if (decoded_.size() - decoded_at < length) return false;
    if (raw_.substr(raw_at, length) != decoded_.substr(decoded_at, length)) return false;
    const bool text_ends = stop >= raw_.size() || stop >= hint_ || raw_[stop] == '<';
    if (length < kAlignLookahead && text_ends) {
      const std::size_t next = decoded_at + length;
      return next == decoded_.size() || (stop < raw_.size() && decoded_[next] == raw_[stop]);
    }
    return true;
  }

  // The raw and decoded lengths of a character reference at i_, nullopt when
  // the `&` is literal.
  std::optional<std::pair<std::size_t, std::size_t>> match_entity() const {
    const std::size_t n = i_ + 1;
    if (n >= raw_.size()) return std::nullopt;
    const std::size_t one = utf8_at(decoded_, j_).length;
    if (raw_[n] == '#') {
      const bool hex = n + 1 < raw_.size() && (raw_[n + 1] == 'x' || raw_[n + 1] == 'X');
      std::size_t end = n + 1 + (hex ? 1 : 0);
      const std::size_t digits = end;
      while (end < raw_.size() && (hex ? is_hex(raw_[end]) : is_digit(raw_[end]))) ++end;
      if (end == digits) return std::nullopt;
      if (end < raw_.size() && raw_[end] == ';') ++end;
      return std::pair{end - i_, one};
    }
    if (!is_alnum(raw_[n])) return std::nullopt;
    std::size_t name_end = n;
    while (name_end < raw_.size() && name_end - n < 64 && is_alnum(raw_[name_end])) ++name_end;
    if (decoded_[j_] == '&' && continues(i_, j_, true)) return std::nullopt;  // literal
    const bool semicolon = name_end < raw_.size() && raw_[name_end] == ';';
    if (semicolon) {
      // Named references with a semicolon decode to one or two code points.
      std::size_t decoded_end = j_ + one;
      for (int count = 1; count <= 2 && decoded_end <= decoded_.size(); ++count) {
        if (continues(name_end + 1, decoded_end, false)) return std::pair{name_end + 1 - i_, decoded_end - j_};
        if (decoded_end < decoded_.size()) {
          decoded_end += utf8_at(decoded_, decoded_end).length;
        } else {
          break;
        }
      }
    }
    // Without a semicolon, the longest known name is taken (`&notit` is ¬it).
    for (std::size_t end = name_end; end > n; --end) {
      if (continues(end, j_ + one, false)) return std::pair{end - i_, one};
    }
    return std::nullopt;
  }

  std::string_view raw_;
  std::size_t i_;
  std::size_t hint_;
  std::string_view decoded_;
  std::size_t j_ = 0;
  Emit& emit_;
};

// ---------------------------------------------------------------- stream

class HtmlText final : public CharStream {
 public:
  HtmlText(Decoder& decoder, std::size_t source_size) {
    // Decode to UTF-8 with a map back to the source.
    while (const SourceChar* c = decoder.peek()) {
      const std::size_t before = input_.size();
      append_utf8(input_, c->invalid ? 0xFFFD : c->cp);
      map_.append(input_.size() - before, {c->begin, c->end});
      decoder.advance();
    }
    map_.append(0, {source_size, source_size});
    guard_depth(input_);
    options_ = kGumboDefaultOptions;
    options_.max_errors = 0;  // the parse errors are not used
    output_ = gumbo_parse_with_options(&options_, input_.data(), input_.size());
    if (output_ == nullptr) throw std::bad_alloc();
    items_ = collect_items(output_->document, input_);
  }
  HtmlText(const HtmlText&) = delete;
  HtmlText& operator=(const HtmlText&) = delete;
  ~HtmlText() override {
    if (output_ != nullptr) gumbo_destroy_output(&options_, output_);
  }

 protected:
  bool produce(std::vector<SourceChar>& out) override {
    const std::size_t before = out.size();
    while (next_ < items_.size() && out.size() == before) {
      const Item& item = items_[next_++];
      if (item.text == nullptr) {
        if (emitted_) pending_break_ = true;
        break_at_ = item.offset;
        continue;
      }
      const std::size_t limit = next_text_offset();
      const GumboStringPiece& original = item.text->original_text;
      const std::size_t hint =
          original.data != nullptr ? item.offset + original.length : item.offset;
      auto emit = [&](char32_t cp, std::size_t raw_begin, std::size_t raw_end) {
        this->emit(out, cp, raw_begin, raw_end, item.preformatted);
      };
      Aligner<decltype(emit)> aligner(input_, item.offset, std::max(limit, item.offset), hint,
                                      item.text->text != nullptr ? std::string_view(item.text->text) : "", emit);
      aligner.run();
    }
    return out.size() > before;
  }

 private:
  std::size_t next_text_offset() const {
    for (std::size_t k = next_; k < items_.size(); ++k) {
      if (items_[k].text != nullptr) return items_[k].offset;
    }
    return input_.size();
  }

  void emit(std::vector<SourceChar>& out, char32_t cp, std::size_t raw_begin, std::size_t raw_end,
            bool preformatted) {
    const SourceSpan span = map_.to_source({raw_begin, raw_end});
    // Keep the map monotonic: text the parser moved (or a node overlapping
    // another) that would run backwards is dropped.
    if (span.begin < last_begin_ || span.end < last_end_) return;
    if (pending_break_) {
      const SourceSpan at = map_.to_source({break_at_, break_at_});
      const auto position = static_cast<std::uint32_t>(std::clamp<std::size_t>(at.begin, last_end_, span.begin));
      out.push_back({U'\n', position, position, false});
      pending_break_ = false;
    }
    if (!preformatted && (cp == U'\n' || cp == U'\r' || cp == U'\t' || cp == U'\f')) cp = U' ';
    out.push_back({cp, static_cast<std::uint32_t>(span.begin), static_cast<std::uint32_t>(span.end), false});
    last_begin_ = span.begin;
    last_end_ = span.end;
    emitted_ = true;
  }

  std::string input_;  // the decoded text gumbo parsed
  OffsetMap map_;      // input_ bytes → source bytes
  GumboOptions options_{};
  GumboOutput* output_ = nullptr;
  std::vector<Item> items_;
  std::size_t next_ = 0;
  bool emitted_ = false;
  bool pending_break_ = false;
  std::size_t break_at_ = 0;
  std::size_t last_begin_ = 0;
  std::size_t last_end_ = 0;
};

}  // namespace

bool looks_like_html(std::string_view bytes) {
  std::size_t at = bytes.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (at < bytes.size() && is_blank(bytes[at])) ++at;
  const auto ends_name = [&](std::size_t end) {
    return end >= bytes.size() || is_blank(bytes[end]) || bytes[end] == '>' || bytes[end] == '/';
  };
  if (starts_with_ci(bytes, at, "<!doctype")) {
    std::size_t name = at + 9;
    while (name < bytes.size() && is_blank(bytes[name])) ++name;
    return name > at + 9 && starts_with_ci(bytes, name, "html") && ends_name(name + 4);
  }
  return starts_with_ci(bytes, at, "<html") && ends_name(at + 5);
}

std::string declared_charset(std::string_view bytes) {
  const std::string_view head = bytes.substr(0, kDeclarationBytes);
  if (head.starts_with("<?xml")) {
    const std::size_t end = head.find("?>");
    std::size_t at = 5;
    while (end != std::string_view::npos && at < end) {
      const std::optional<Attribute> attribute = next_attribute(head.substr(0, end), at);
      if (!attribute) break;
      if (attribute->name == "encoding") return trim(attribute->value);
    }
  }
  std::size_t at = 0;
  while ((at = head.find('<', at)) != std::string_view::npos) {
    if (head.substr(at, 4) == "<!--") {
      const std::size_t end = head.find("-->", at + 4);
      if (end == std::string_view::npos) break;
      at = end + 3;
      continue;
    }
    if (!starts_with_ci(head, at, "<meta") || at + 5 >= head.size() ||
        !(is_blank(head[at + 5]) || head[at + 5] == '/')) {
      ++at;
      continue;
    }
    at += 5;
    std::string charset;
    std::string http_equiv;
    std::string content;
    while (const std::optional<Attribute> attribute = next_attribute(head, at)) {
      if (attribute->name == "charset" && charset.empty()) charset = trim(attribute->value);
      if (attribute->name == "http-equiv") http_equiv = lowercase(trim(attribute->value));
      if (attribute->name == "content") content = attribute->value;
    }
    if (!charset.empty()) return charset;
    if (http_equiv == "content-type") {
      std::string from_content = trim(charset_in_content(content));
      if (!from_content.empty()) return from_content;
    }
  }
  return {};
}

std::unique_ptr<CharStream> html_text(Decoder& decoder, std::size_t source_size) {
  return std::make_unique<HtmlText>(decoder, source_size);
}

}  // namespace figtrail::detail
