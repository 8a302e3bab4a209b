// Sentence boundaries of the folded UTF-8 from ICU BreakIterator.
// Sentences are found in a UTF-16 copy, which ICU reads directly (a UTF-8
// UText converts it chunk by chunk, again when the abbreviation filter looks
// back; segmentation took twice as long), and their offsets mapped back to
// UTF-8 bytes.
#include "figtrail/ingest.hpp"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/utext.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace figtrail {

namespace {

struct UTextCloser {
  void operator()(UText* text) const { utext_close(text); }
};
using UTextPtr = std::unique_ptr<UText, UTextCloser>;
using BreakIteratorPtr = std::unique_ptr<icu::BreakIterator>;

void check(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) {
    throw std::runtime_error(std::string("ICU: cannot ") + what + ": " + u_errorName(status));
  }
}

std::vector<std::size_t> boundaries(icu::BreakIterator& iterator, UText* text) {
  UErrorCode status = U_ZERO_ERROR;
  iterator.setText(text, status);  // shallow-clones the UText; the text must outlive the scan
  check(status, "set break iterator text");
  std::vector<std::size_t> result;
  for (std::int32_t at = iterator.first(); at != icu::BreakIterator::DONE; at = iterator.next()) {
    result.push_back(static_cast<std::size_t>(at));
  }
  return result;
}

// Turns increasing offsets into well-formed UTF-16 into offsets into the same
// text in UTF-8, counting the UTF-8 bytes of each code unit: 1 to 3, and 2
// for each half of a surrogate pair. Branch-free, so the compiler vectorizes;
// counted in 32 bits (the text is under 2 GiB), twice the lanes of size_t.
void utf16_to_utf8_offsets(const UChar* utf16, std::vector<std::size_t>& offsets) {
  std::size_t unit = 0;
  std::uint32_t byte = 0;
  for (std::size_t& offset : offsets) {
    for (; unit < offset; ++unit) {
      const UChar u = utf16[unit];
      const bool surrogate = u >= 0xD800 && u <= 0xDFFF;
      byte += 1 + static_cast<std::uint32_t>(u >= 0x80) + static_cast<std::uint32_t>(u >= 0x800 && !surrogate);
    }
    offset = byte;
  }
}

// Sentence boundaries in folded byte offsets.
std::vector<std::size_t> sentence_boundaries(icu::BreakIterator& iterator, std::string_view folded) {
  const auto length = static_cast<std::int32_t>(folded.size());
  // UTF-16 never has more code units than UTF-8 has bytes: a buffer of
  // folded.size() units (2 bytes per folded byte) holds any text without a
  // second, measuring pass.
  const auto utf16 = std::make_unique_for_overwrite<UChar[]>(std::max<std::size_t>(folded.size(), 1));
  UErrorCode status = U_ZERO_ERROR;
  if (const std::optional<std::size_t> units = utf8_to_utf16(folded, utf16.get())) {
    const UTextPtr text(utext_openUChars(nullptr, utf16.get(), static_cast<std::int64_t>(*units), &status));
    check(status, "open UTF-16 text");
    std::vector<std::size_t> result = boundaries(iterator, text.get());
    utf16_to_utf8_offsets(utf16.get(), result);
    return result;
  }
  // Text that is not well-formed UTF-8 (never folded text), read as ICU
  // reads such UTF-8: its offsets are byte offsets.
  const UTextPtr text(utext_openUTF8(nullptr, folded.data(), length, &status));
  check(status, "open UTF-8 text");
  return boundaries(iterator, text.get());
}

}  // namespace

Segmentation segment(std::string_view folded) {
  // BreakIterator positions are int32_t.
  if (folded.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw std::runtime_error("ICU: cannot segment text over 2 GiB");
  }
  // Sentence rules are the same in every locale (they end sentences at 。！？
  // as well as ". "); "en@ss=standard" adds suppressions so "Mr." or "U.S."
  // do not end one. One iterator per thread: creating one costs more than
  // segmenting a short document.
  thread_local const BreakIteratorPtr sentence_iterator = [] {
    UErrorCode create_status = U_ZERO_ERROR;
    BreakIteratorPtr iterator(
        icu::BreakIterator::createSentenceInstance(icu::Locale("en@ss=standard"), create_status));
    check(create_status, "create sentence break iterator");
    return iterator;
  }();

  Segmentation result;
  const std::vector<std::size_t> sentence_bounds = sentence_boundaries(*sentence_iterator, folded);
  for (std::size_t i = 1; i < sentence_bounds.size(); ++i) {
    result.sentences.push_back({sentence_bounds[i - 1], sentence_bounds[i]});
  }
  return result;
}

FoldedSpan Segmentation::sentence_at(std::size_t folded_offset) const {
  if (sentences.empty()) return {};
  // The first sentence beginning after the offset; the one before holds it.
  const auto after = std::upper_bound(
      sentences.begin(), sentences.end(), folded_offset,
      [](std::size_t offset, const FoldedSpan& sentence) { return offset < sentence.begin; });
  return after == sentences.begin() ? sentences.front() : *std::prev(after);
}

}  // namespace figtrail
