// URLs in folded text, found once per document (make_document) for the
// matcher and the period detector alike.
//
// What was (?i)https?://[^\s<>"'，。、）)\]]+ and (?i)www\.[^\s<>"'，。、）)\]]+
// in RE2, scanned by hand: RE2 read every byte through a DFA, twice, where
// memchr finds the rare ':' and '.' that every URL has at a fixed distance
// from its start.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>
#include <vector>

#include "figtrail/ingest.hpp"

namespace figtrail {

namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether text[at, at + lower.size()) is `lower`, ASCII case-insensitive.
bool has_at(std::string_view text, std::size_t at, std::string_view lower) {
  if (at > text.size() || text.size() - at < lower.size()) return false;
  for (std::size_t i = 0; i < lower.size(); ++i) {
    if (ascii_lower(text[at + i]) != lower[i]) return false;
  }
  return true;
}

// The bytes of the character at `at` if it ends a URL, else 0: whitespace
// as RE2's \s (tab, line feed, form feed, carriage return, space), < > " ' )
// ], and the Chinese ，。、）.
std::size_t stop_length(std::string_view text, std::size_t at) {
  switch (text[at]) {
    case '\t': case '\n': case '\f': case '\r': case ' ':
    case '<': case '>': case '"': case '\'': case ')': case ']':
      return 1;
    case '\xE3':  // 、 U+3001, 。 U+3002
      return has_at(text, at, "\xE3\x80\x81") || has_at(text, at, "\xE3\x80\x82") ? 3 : 0;
    case '\xEF':  // ， U+FF0C, ） U+FF09
      return has_at(text, at, "\xEF\xBC\x8C") || has_at(text, at, "\xEF\xBC\x89") ? 3 : 0;
    default:
      return 0;
  }
}

// The end of a URL whose prefix ends at `from`: the first stop character.
std::size_t url_end(std::string_view text, std::size_t from) {
  while (from < text.size() && stop_length(text, from) == 0) ++from;
  return from;
}

// The start of an http:// or https:// prefix whose ':' is at `colon`, or
// npos. (?i) made the `s` match U+017F LATIN SMALL LETTER LONG S too, which
// folds to `s` under Unicode case folding; NFKC folds it to `s` anyway.
std::size_t http_start(std::string_view text, std::size_t colon) {
  if (!has_at(text, colon, "://")) return std::string_view::npos;
  std::size_t start = colon;
  if (colon >= 1 && ascii_lower(text[colon - 1]) == 's') {
    start = colon - 1;
  } else if (colon >= 2 && has_at(text, colon - 2, "\xC5\xBF")) {
    start = colon - 2;
  }
  if (start < 4 || !has_at(text, start - 4, "http")) return std::string_view::npos;
  return start - 4;
}

// The start of a www. prefix whose '.' is at `dot`, or npos.
std::size_t www_start(std::string_view text, std::size_t dot) {
  return dot >= 3 && has_at(text, dot - 3, "www") ? dot - 3 : std::string_view::npos;
}

// The URLs whose prefix holds the byte `anchor` (':' or '.'), which
// `start_of` turns into the URL's start, each one the leftmost that begins
// after the one before it ends, as successive RE2 searches found them.
template <typename StartOf>
void find_prefixed(std::string_view text, char anchor, std::size_t after_anchor, StartOf start_of,
                   std::vector<FoldedSpan>& found) {
  std::size_t searched_to = 0;  // the end of the last URL
  for (std::size_t at = text.find(anchor); at != std::string_view::npos; at = text.find(anchor, at + 1)) {
    const std::size_t start = start_of(text, at);
    if (start == std::string_view::npos || start < searched_to) continue;
    // At least one character after the prefix.
    const std::size_t body = at + after_anchor;
    if (body >= text.size() || stop_length(text, body) != 0) continue;
    const std::size_t end = url_end(text, body);
    found.push_back({start, end});
    searched_to = end;
    at = end - 1;  // the anchor is never a stop character
  }
}

}  // namespace

// A URL runs to the same stop characters whichever way it starts, so a
// `www.` inside an `http://` URL ends where that URL does and merging the
// two lists (dropping what starts inside an earlier URL) gives what one scan
// of the alternation of both patterns would.
std::vector<FoldedSpan> find_urls(std::string_view folded) {
  std::vector<FoldedSpan> found;
  find_prefixed(folded, ':', 3, http_start, found);
  find_prefixed(folded, '.', 1, www_start, found);
  std::sort(found.begin(), found.end(), [](FoldedSpan a, FoldedSpan b) { return a.begin < b.begin; });
  std::vector<FoldedSpan> urls;
  for (const FoldedSpan url : found) {
    if (urls.empty() || url.begin >= urls.back().end) urls.push_back(url);
  }
  return urls;
}

}  // namespace figtrail
