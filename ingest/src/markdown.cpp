// Blanks Markdown link targets and bare URLs so the digits in them are never
// read as figures. Every pass is a single forward scan (linear time): a
// failed match resumes where its scan stopped instead of backtracking.
#include "figtrail/ingest.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace figtrail {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool is_ascii_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ignoring_case(std::string_view text, std::size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[at + i]) != prefix[i]) return false;
  }
  return true;
}

void blank(std::string& text, std::size_t begin, std::size_t end) {
  text.replace(begin, end - begin, end - begin, ' ');
}

// Skips spaces and tabs (not line breaks) from `at`.
std::size_t skip_blanks(std::string_view text, std::size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
  return at;
}

// A [begin, end) byte range of the text being blanked.
struct Range {
  std::size_t begin = 0;
  std::size_t end = 0;
};

struct Scan {
  bool matched = false;
  std::size_t end = 0;  // after the match, or where the failed scan stopped
};

// Scans a link title `"..."`, `'...'` or `(...)` starting at `at`, on one line.
Scan scan_title(std::string_view text, std::size_t at) {
  const char open = text[at];
  const char close = open == '(' ? ')' : open;
  std::size_t i = at + 1;
  for (; i < text.size() && text[i] != '\n'; ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
      ++i;
    } else if (text[i] == close) {
      return {true, i + 1};
    }
  }
  return {false, i};
}

// Scans a link destination at `at`: `<...>` on one line, or a run of
// non-space characters with balanced parentheses.
Scan scan_destination(std::string_view text, std::size_t at) {
  if (at < text.size() && text[at] == '<') {
    for (std::size_t i = at + 1; i < text.size() && text[i] != '\n' && text[i] != '<'; ++i) {
      if (text[i] == '>') return {true, i + 1};
    }
    return {false, at + 1};
  }
  int depth = 0;
  std::size_t i = at;
  for (; i < text.size() && !is_space(text[i]); ++i) {
    if (text[i] == '\\') {
      if (i + 1 < text.size() && !is_space(text[i + 1])) ++i;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      if (depth == 0) break;
      --depth;
    }
  }
  return {depth == 0, i};
}

// The `(url "title")` after `](` at `open` (the '(' position). `url_end`
// is where the destination ends: only the URL is blanked, a title is text
// a reader sees, so it is scanned like the link text.
struct InlineTarget {
  Scan scan;
  std::size_t url_end = 0;
};

InlineTarget scan_inline_target(std::string_view text, std::size_t open) {
  std::size_t at = skip_blanks(text, open + 1);
  const Scan destination = scan_destination(text, at);
  if (!destination.matched) return {destination, destination.end};
  at = skip_blanks(text, destination.end);
  if (at < text.size() && at > destination.end &&
      (text[at] == '"' || text[at] == '\'' || text[at] == '(')) {
    const Scan title = scan_title(text, at);
    if (!title.matched) return {title, destination.end};
    at = skip_blanks(text, title.end);
  }
  if (at < text.size() && text[at] == ')') return {{true, at + 1}, destination.end};
  return {{false, at}, destination.end};
}

// Inline links and images: `[text](url "title")` keeps `[text]` and the title.
void blank_inline_links(std::string& text) {
  std::size_t at = 0;
  while ((at = text.find("](", at)) != std::string::npos) {
    const std::size_t open = at + 1;
    const InlineTarget target = scan_inline_target(text, open);
    if (target.scan.matched) blank(text, open, target.url_end);
    at = target.scan.end > open ? target.scan.end : open + 1;
  }
}

// Autolinks: `<http://...>` and `<https://...>`.
void blank_autolinks(std::string& text) {
  std::size_t at = 0;
  while ((at = text.find('<', at)) != std::string::npos) {
    if (!starts_with_ignoring_case(text, at + 1, "http://") &&
        !starts_with_ignoring_case(text, at + 1, "https://")) {
      ++at;
      continue;
    }
    std::size_t i = at + 1;
    while (i < text.size() && !is_space(text[i]) && text[i] != '<' && text[i] != '>') ++i;
    if (i < text.size() && text[i] == '>') {
      blank(text, at, i + 1);
      ++i;
    }
    at = i;
  }
}

// The URL of a reference definition line `[id]: url "title"` (up to three
// spaces of indent), as [begin, end) within the line; an
// empty range if the line is no definition. Footnotes `[^1]: ...` are prose.
Range reference_target(std::string_view line) {
  std::size_t at = 0;
  while (at < 3 && at < line.size() && line[at] == ' ') ++at;
  if (at + 1 >= line.size() || line[at] != '[' || line[at + 1] == '^') return {};
  const std::size_t label_end = line.find_first_of("[]", at + 1);
  if (label_end == std::string_view::npos || line[label_end] != ']' || label_end == at + 1 ||
      label_end + 1 >= line.size() || line[label_end + 1] != ':') {
    return {};
  }
  const std::size_t target = label_end + 2;
  const std::size_t destination_begin = skip_blanks(line, target);
  const Scan destination = scan_destination(line, destination_begin);
  if (!destination.matched || destination.end == destination_begin) return {};
  std::size_t rest = skip_blanks(line, destination.end);
  if (rest < line.size() && rest > destination.end &&
      (line[rest] == '"' || line[rest] == '\'' || line[rest] == '(')) {
    const Scan title = scan_title(line, rest);
    if (title.matched) rest = skip_blanks(line, title.end);
  }
  // Anything else on the line makes it prose, e.g. "[Note]: sales rose 5%".
  // Of a definition, only the URL is blanked; its title stays text.
  const bool whole_line = rest == line.size() || (rest + 1 == line.size() && line[rest] == '\r');
  return whole_line ? Range{target, destination.end} : Range{};
}

void blank_reference_definitions(std::string& text) {
  for (std::size_t line = 0; line < text.size();) {
    std::size_t line_end = text.find('\n', line);
    if (line_end == std::string::npos) line_end = text.size();
    const Range target = reference_target(std::string_view(text).substr(line, line_end - line));
    if (target.end > target.begin) blank(text, line + target.begin, line + target.end);
    line = line_end + 1;
  }
}

// GFM-style bare URLs: http://, https:// or www. at a word start, up to
// whitespace, '<', '>', a quote, a backtick or a non-ASCII byte (Chinese prose
// often follows a URL without a space); trailing punctuation and unbalanced
// closing brackets stay out.
void blank_bare_urls(std::string& text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const char c = ascii_lower(text[at]);
    const bool word_start = at == 0 || !is_ascii_alnum(text[at - 1]);
    std::size_t prefix = 0;
    if (word_start && c == 'h') {
      if (starts_with_ignoring_case(text, at, "http://")) prefix = 7;
      if (starts_with_ignoring_case(text, at, "https://")) prefix = 8;
    } else if (word_start && c == 'w' && starts_with_ignoring_case(text, at, "www.") &&
               at + 4 < text.size() && is_ascii_alnum(text[at + 4])) {
      prefix = 4;
    }
    if (prefix == 0) {
      ++at;
      continue;
    }
    std::size_t end = at + prefix;
    int parens = 0;
    int brackets = 0;
    while (end < text.size()) {
      const char u = text[end];
      if (is_space(u) || u == '<' || u == '>' || u == '"' || u == '`' ||
          static_cast<unsigned char>(u) >= 0x80) {
        break;
      }
      parens += u == '(' ? 1 : u == ')' ? -1 : 0;
      brackets += u == '[' ? 1 : u == ']' ? -1 : 0;
      ++end;
    }
    while (end > at + prefix) {
      const char last = text[end - 1];
      if (last == ')' && parens < 0) {
        ++parens;
      } else if (last == ']' && brackets < 0) {
        ++brackets;
      } else if (std::string_view(".,:;!?*_~'").find(last) == std::string_view::npos) {
        break;
      }
      --end;
    }
    if (end > at + prefix) blank(text, at, end);
    at = end > at + prefix ? end : at + prefix;
  }
}

}  // namespace

void blank_markdown_link_targets(std::string& folded) {
  blank_reference_definitions(folded);
  blank_inline_links(folded);
  blank_autolinks(folded);
  blank_bare_urls(folded);
}

}  // namespace figtrail
