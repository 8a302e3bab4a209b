// Strict UTF-8 decoding and NFKC folding, piece by piece, recording for every
// folded byte the source bytes it came from.
#include "figtrail/ingest.hpp"

#include <utf8proc.h>

#include <cstdint>
#include <limits>
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
  source_begin_.insert(source_begin_.end(), folded_length,
                       static_cast<std::uint32_t>(source.begin));
  source_end_.insert(source_end_.end(), folded_length, static_cast<std::uint32_t>(source.end));
  source_size_ = source.end;
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

bool has_decomposition(utf8proc_int32_t cp) {
  return utf8proc_get_property(cp)->decomp_seqindex != UINT16_MAX;
}

// Whether cp belongs to the piece of the character before it. Looks through
// compatibility decompositions: U+FF9E HALFWIDTH VOICED SOUND MARK folds to
// the combining U+3099, which composes with the kana before it.
bool attaches_backward(utf8proc_int32_t cp) {
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

// A full-width comma between full-width digits, with exactly three after it
// (１１１，１１１), groups digits in full-width text; `20，300` with ASCII
// digits stays two numbers.
bool groups_fullwidth_digits(std::string_view source, std::size_t comma, std::size_t comma_end) {
  if (comma < 3 || !is_fullwidth_digit(decode(source, comma - 3).cp)) return false;
  std::size_t at = comma_end;
  for (int i = 0; i < 3; ++i) {
    if (at >= source.size() || !is_fullwidth_digit(decode(source, at).cp)) return false;
    at += 3;
  }
  return at >= source.size() || !is_fullwidth_digit(decode(source, at).cp);
}

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

// Chinese is written without spaces; tokenized text (`百 分 之 2`, `一百五十
// 个百分点`) puts them between characters. A run of spaces or tabs (and
// U+3000 IDEOGRAPHIC SPACE) between a Han character and a Han character or
// digit, either way round, is dropped from the folded view; the offset map
// still spans it, so a figure across it maps to all its source bytes.
std::size_t droppable_space_end(std::string_view source, std::size_t at, std::string_view folded) {
  std::size_t end = at;
  while (end < source.size()) {
    if (source[end] == ' ' || source[end] == '\t') {
      ++end;
    } else if (source.substr(end, 3) == "\xE3\x80\x80") {
      end += 3;
    } else {
      break;
    }
  }
  if (end == at || end >= source.size()) return at;
  const utf8proc_int32_t before = last_code_point(folded);
  const utf8proc_int32_t after = decode(source, end).cp;
  const bool joins = (is_han(before) && (is_han(after) || is_digit_cp(after))) ||
                     (is_digit_cp(before) && is_han(after));
  return joins ? end : at;
}

}  // namespace

FoldedText fold_utf8(std::string_view source) {
  FoldedText folded;
  std::string& out = folded.text;
  out.reserve(source.size());
  std::vector<utf8proc_int32_t> buffer(64);
  std::size_t at = 0;
  if (source.starts_with(kBom)) {
    folded.map.append(0, {0, kBom.size()});  // maps nowhere, but empty spans still land after it
    at = kBom.size();
  }
  while (at < source.size()) {
    if (source[at] == ' ' || source[at] == '\t' || source[at] == '\xE3') {
      const std::size_t end = droppable_space_end(source, at, out);
      if (end != at) {
        at = end;
        continue;
      }
    }
    // ASCII is its own NFKC; only a following non-ASCII mark could combine with it.
    if (static_cast<unsigned char>(source[at]) < 0x80 &&
        (at + 1 == source.size() || static_cast<unsigned char>(source[at + 1]) < 0x80)) {
      out.push_back(source[at]);
      folded.map.append(1, {at, at + 1});
      ++at;
      continue;
    }
    const Decoded first = decode(source, at);
    if (first.length == 0) {
      out.append(kReplacement);
      folded.map.append(kReplacement.size(), {at, at + 1});
      ++folded.replaced_bytes;
      ++at;
      continue;
    }
    std::size_t end = at + first.length;
    while (end < source.size()) {
      const Decoded next = decode(source, end);
      if (next.length == 0 || !attaches_backward(next.cp)) break;
      end += next.length;
    }
    const std::string_view piece = source.substr(at, end - at);
    const std::size_t before = out.size();
    const bool single = end == at + first.length;
    // A lone character without a decomposition (most CJK) is its own NFKC.
    if (first.cp == 0xFF0C && groups_fullwidth_digits(source, at, end)) {
      out.push_back(',');
    } else if (kept_unfolded(first.cp) || (single && !has_decomposition(first.cp))) {
      out.append(piece);
    } else {
      append_nfkc(piece, buffer, out);
    }
    folded.map.append(out.size() - before, {at, end});
    at = end;
  }
  return folded;
}

}  // namespace figtrail
