// Strict UTF-8 decoding and NFKC folding, piece by piece, recording for every
// folded byte the source bytes it came from.
#include "figtrail/ingest.hpp"

#include "chars.hpp"

#include <utf8proc.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace figtrail {

void OffsetMap::append(std::size_t folded_length, SourceSpan source) {
  // Offsets are stored as uint32 to halve the map's memory (8 bytes per folded
  // byte); make_document keeps documents well below this limit.
  if (source.end > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("OffsetMap: source offset beyond 4 GiB");
  }
  // Most pieces are one to three bytes: push_back beats insert's bookkeeping.
  for (std::size_t i = 0; i < folded_length; ++i) {
    source_begin_.push_back(static_cast<std::uint32_t>(source.begin));
    source_end_.push_back(static_cast<std::uint32_t>(source.end));
  }
  source_size_ = source.end;
}

void OffsetMap::reserve(std::size_t folded_length) {
  source_begin_.reserve(folded_length);
  source_end_.reserve(folded_length);
}

SourceSpan OffsetMap::to_source(FoldedSpan span) const {
  if (span.begin == span.end) {
    const std::size_t at = span.begin < folded_size() ? source_begin_[span.begin] : source_size_;
    return {at, at};
  }
  return {source_begin_[span.begin], source_end_[span.end - 1]};
}

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

struct Decoded {
  utf8proc_int32_t cp = 0;
  std::size_t length = 0;  // 0: the byte at the position is invalid
};

// Decodes one code point, rejecting overlongs, surrogates, values above
// U+10FFFF and truncated sequences (the Unicode "well-formed" table).
Decoded decode(std::string_view s, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return {lead, 1};
  std::size_t length = 0;
  utf8proc_int32_t cp = 0;
  unsigned char low = 0x80;  // allowed range of the second byte
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return {};
  }
  if (s.size() - at < length) return {};
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char b = byte(at + i);
    if (b < low || b > high) return {};
    low = 0x80;
    high = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, length};
}

// Whether cp can combine with the code point before it under NFC: a
// non-starter, a starter that is the second of a canonical composition
// (e.g. U+0B3E), or a Hangul vowel/trailing jamo (composed algorithmically).
bool combines_backward(utf8proc_int32_t cp) {
  if ((cp >= 0x1161 && cp <= 0x1175) || (cp >= 0x11A8 && cp <= 0x11C2)) return true;
  const utf8proc_property_t* property = utf8proc_get_property(cp);
  // utf8proc marks composition seconds with the high bit of comb_index.
  return property->combining_class != 0 ||
         (property->comb_index != UINT16_MAX && (property->comb_index & 0x8000) != 0);
}

// CJK Unified Ideographs: no decomposition, no composition; most of a
// Chinese text, so they skip the property lookups.
bool is_plain_han(utf8proc_int32_t cp) { return cp >= 0x4E00 && cp <= 0x9FFF; }

bool has_decomposition(utf8proc_int32_t cp) {
  return !is_plain_han(cp) && utf8proc_get_property(cp)->decomp_seqindex != UINT16_MAX;
}

// Whether cp belongs to the piece of the character before it. Looks through
// compatibility decompositions: U+FF9E HALFWIDTH VOICED SOUND MARK folds to
// the combining U+3099, which composes with the kana before it.
bool attaches_backward(utf8proc_int32_t cp) {
  if (is_plain_han(cp)) return false;
  if (!has_decomposition(cp)) return combines_backward(cp);
  utf8proc_int32_t decomposed[32];  // the longest decomposition has 18 code points
  int boundclass = 0;
  const utf8proc_ssize_t count =
      utf8proc_decompose_char(cp, decomposed, 32,
                              static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT),
                              &boundclass);
  return count > 0 && combines_backward(decomposed[0]);
}

// Characters that NFKC would turn into ASCII with a different meaning.
bool kept_unfolded(utf8proc_int32_t cp) {
  return cp == 0xFF0C                      // FULLWIDTH COMMA: a clause separator, not grouping
         || (cp >= 0x2460 && cp <= 0x24FF)  // circled/parenthesized numbers: list markers
         || (cp >= 0x2776 && cp <= 0x2793);  // dingbat circled numbers: list markers
}

bool is_fullwidth_digit(utf8proc_int32_t cp) { return cp >= 0xFF10 && cp <= 0xFF19; }

void check_utf8proc(utf8proc_ssize_t result) {
  // Only reachable on a bug: pieces are validated UTF-8.
  if (result < 0) throw std::runtime_error(std::string("utf8proc: ") + utf8proc_errmsg(result));
}

// Appends the NFKC form of one piece (a character and the marks combining
// with it). Reuses `buffer` across pieces to avoid an allocation per piece.
void append_nfkc(std::string_view piece, std::vector<utf8proc_int32_t>& buffer, std::string& out) {
  const auto options =
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(piece.data());
  const auto length = static_cast<utf8proc_ssize_t>(piece.size());
  auto capacity = static_cast<utf8proc_ssize_t>(buffer.size());
  utf8proc_ssize_t count = utf8proc_decompose(bytes, length, buffer.data(), capacity, options);
  check_utf8proc(count);
  if (count > capacity) {
    buffer.resize(static_cast<std::size_t>(count));
    capacity = count;
    count = utf8proc_decompose(bytes, length, buffer.data(), capacity, options);
    check_utf8proc(count);
  }
  count = utf8proc_normalize_utf32(buffer.data(), count, options);
  check_utf8proc(count);
  for (utf8proc_ssize_t i = 0; i < count; ++i) {
    utf8proc_uint8_t encoded[4];
    const utf8proc_ssize_t n = utf8proc_encode_char(buffer[static_cast<std::size_t>(i)], encoded);
    out.append(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
  }
}

bool is_han(utf8proc_int32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0xF900 && cp <= 0xFAFF);
}

bool is_digit_cp(utf8proc_int32_t cp) { return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19); }

// The last code point of UTF-8 text (0 when empty or invalid).
utf8proc_int32_t last_code_point(std::string_view text) {
  std::size_t at = text.size();
  while (at > 0 && (static_cast<unsigned char>(text[at - 1]) & 0xC0) == 0x80) --at;
  if (at == 0) return 0;
  return decode(text, at - 1).cp;
}

bool is_fold_space(char32_t cp) { return cp == U' ' || cp == U'\t' || cp == 0x3000; }

// Chinese is written without spaces; tokenized text (`百 分 之 2`, `一百五十
// 个百分点`) puts them between characters. A run of spaces or tabs (and
// U+3000 IDEOGRAPHIC SPACE) between a Han character and a Han character or
// digit, either way round, is dropped from the folded view; the offset map
// still spans it, so a figure across it maps to all its source bytes.
// Returns the length of the run of spaces at the cursor and whether it is
// dropped.
struct SpaceRun {
  std::size_t length = 0;
  bool dropped = false;
};
SpaceRun space_run(detail::CharStream& chars, std::string_view folded) {
  std::size_t k = 0;
  const detail::SourceChar* next = nullptr;
  while ((next = chars.peek(k)) != nullptr && !next->invalid && is_fold_space(next->cp)) ++k;
  if (k == 0 || next == nullptr) return {k, false};
  const utf8proc_int32_t before = last_code_point(folded);
  const auto after = static_cast<utf8proc_int32_t>(next->invalid ? 0 : next->cp);
  const bool joins = (is_han(before) && (is_han(after) || is_digit_cp(after))) ||
                     (is_digit_cp(before) && is_han(after));
  return {k, joins};
}

// A full-width comma between full-width digits, with exactly three after it
// (１１１，１１１), groups digits in full-width text; `20，300` with ASCII
// digits stays two numbers. `previous` is the source character before the
// comma, `after` the index of the character after it (and its marks).
bool groups_fullwidth_digits(char32_t previous, detail::CharStream& chars, std::size_t after) {
  const auto digit_at = [&](std::size_t k) {
    const detail::SourceChar* c = chars.peek(k);
    return c != nullptr && !c->invalid && is_fullwidth_digit(static_cast<utf8proc_int32_t>(c->cp));
  };
  if (!is_fullwidth_digit(static_cast<utf8proc_int32_t>(previous))) return false;
  for (std::size_t i = 0; i < 3; ++i) {
    if (!digit_at(after + i)) return false;
  }
  return !digit_at(after + 3);
}

// The characters of a UTF-8 string: each valid sequence, and each byte of an
// invalid one on its own.
class Utf8Decoder final : public detail::Decoder {
 public:
  Utf8Decoder(std::string_view bytes, std::size_t start, std::vector<std::size_t>* line_starts)
      : bytes_(bytes), at_(start) {
    line_starts_ = line_starts;
  }

 protected:
  bool produce(std::vector<detail::SourceChar>& out) override {
    constexpr std::size_t kChunk = 4096;
    std::size_t count = 0;
    while (at_ < bytes_.size() && count < kChunk) {
      const Decoded d = decode(bytes_, at_);
      detail::SourceChar c;
      c.begin = static_cast<std::uint32_t>(at_);
      if (d.length == 0) {
        c.cp = 0xFFFD;
        c.invalid = true;
        at_ += 1;
      } else {
        c.cp = static_cast<char32_t>(d.cp);
        at_ += d.length;
      }
      c.end = static_cast<std::uint32_t>(at_);
      note(c);
      out.push_back(c);
      ++count;
    }
    return count > 0;
  }

 private:
  std::string_view bytes_;
  std::size_t at_;
};

}  // namespace

namespace detail {

void append_utf8(std::string& out, char32_t cp) {
  utf8proc_uint8_t encoded[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), encoded);
  out.append(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

Utf8Stats utf8_stats(std::string_view bytes) {
  Utf8Stats stats;
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (static_cast<unsigned char>(bytes[at]) < 0x80) {
      ++at;
      continue;
    }
    const Decoded d = decode(bytes, at);
    if (d.length == 0) {
      ++stats.invalid_bytes;
      ++at;
    } else {
      ++stats.multibyte;
      at += d.length;
    }
  }
  return stats;
}

std::unique_ptr<Decoder> make_utf8_decoder(std::string_view bytes, std::size_t start,
                                           std::vector<std::size_t>* line_starts) {
  return std::make_unique<Utf8Decoder>(bytes, start, line_starts);
}

FoldedText fold_chars(CharStream& chars, std::size_t text_start, std::size_t size_hint) {
  FoldedText folded;
  std::string& out = folded.text;
  // Folding mostly keeps the length: one allocation instead of a doubling
  // series of copies (and page faults) for text and map.
  out.reserve(size_hint);
  folded.map.reserve(size_hint);
  std::vector<utf8proc_int32_t> buffer(64);
  std::string piece;  // UTF-8 of the piece being folded
  if (text_start > 0) {
    folded.map.append(0, {0, text_start});  // maps nowhere, but empty spans still land after it
  }
  char32_t previous = 0;  // the source character before the cursor (0: none or invalid)
  // Spaces left in a run that is kept: once one of them is in the folded
  // text, the others follow a space and are kept too. Checking each would
  // rescan the run (quadratic in its length).
  std::size_t kept_spaces = 0;
  while (const SourceChar* current = chars.peek()) {
    const SourceChar first = *current;
    if (!first.invalid && is_fold_space(first.cp) && kept_spaces == 0) {
      const SpaceRun run = space_run(chars, out);
      if (run.dropped) {
        previous = chars.peek(run.length - 1)->cp;
        chars.advance(run.length);
        continue;
      }
      kept_spaces = run.length;
    }
    if (first.invalid) {
      out.append(kReplacement);
      folded.map.append(kReplacement.size(), {first.begin, first.end});
      folded.replaced_bytes += first.end - first.begin;
      previous = 0;
      chars.advance();
      continue;
    }
    // The piece: the character and the ones that attach to it.
    std::size_t count = 1;
    std::size_t end = first.end;
    char32_t last = first.cp;
    while (const SourceChar* next = chars.peek(count)) {
      // ASCII never attaches: the common case skips the property lookup.
      if (next->invalid || next->cp < 0x80 || !attaches_backward(static_cast<utf8proc_int32_t>(next->cp))) break;
      end = next->end;
      last = next->cp;
      ++count;
    }
    const std::size_t before = out.size();
    const auto cp = static_cast<utf8proc_int32_t>(first.cp);
    if (count == 1 && first.cp < 0x80) {
      out.push_back(static_cast<char>(first.cp));  // ASCII is its own NFKC
    } else if (first.cp == 0xFF0C && groups_fullwidth_digits(previous, chars, count)) {
      out.push_back(',');
    } else if (kept_unfolded(cp) || (count == 1 && !has_decomposition(cp))) {
      // A lone character without a decomposition (most CJK) is its own NFKC.
      for (std::size_t i = 0; i < count; ++i) append_utf8(out, chars.peek(i)->cp);
    } else {
      piece.clear();
      for (std::size_t i = 0; i < count; ++i) append_utf8(piece, chars.peek(i)->cp);
      append_nfkc(piece, buffer, out);
    }
    folded.map.append(out.size() - before, {first.begin, end});
    previous = last;
    kept_spaces = kept_spaces > count ? kept_spaces - count : 0;
    chars.advance(count);
  }
  return folded;
}

}  // namespace detail

FoldedText fold_utf8(std::string_view source) {
  const std::size_t start = source.starts_with(kBom) ? kBom.size() : 0;
  Utf8Decoder decoder(source, start, nullptr);
  return detail::fold_chars(decoder, start, source.size());
}

}  // namespace figtrail
