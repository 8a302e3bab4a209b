// URLs in folded text, found once per document (make_document) for the
// matcher and the period detector alike.
#include <re2/re2.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "figtrail/ingest.hpp"

namespace figtrail {

// One pattern per way a URL starts, each with a literal prefix that RE2
// finds with memchr; one alternation of both would run the DFA over every
// byte. A URL runs to the same stop characters whichever way it starts, so
// a `www.` inside an `http://` URL ends where that URL does and merging the
// two lists (dropping what starts inside an earlier URL) gives what one
// scan of the alternation would.
std::vector<FoldedSpan> find_urls(std::string_view folded) {
  static const RE2 http(R"((?i)https?://[^\s<>"'，。、）)\]]+)");
  static const RE2 www(R"((?i)www\.[^\s<>"'，。、）)\]]+)");
  std::vector<FoldedSpan> found;
  const re2::StringPiece input(folded.data(), folded.size());
  for (const RE2* re : {&http, &www}) {
    re2::StringPiece url;
    for (std::size_t pos = 0; pos < folded.size() && re->Match(input, pos, folded.size(), RE2::UNANCHORED, &url, 1);) {
      const auto begin = static_cast<std::size_t>(url.data() - folded.data());
      found.push_back({begin, begin + url.size()});
      pos = begin + url.size();
    }
  }
  std::sort(found.begin(), found.end(), [](FoldedSpan a, FoldedSpan b) { return a.begin < b.begin; });
  std::vector<FoldedSpan> urls;
  for (const FoldedSpan url : found) {
    if (urls.empty() || url.begin >= urls.back().end) urls.push_back(url);
  }
  return urls;
}

}  // namespace figtrail
