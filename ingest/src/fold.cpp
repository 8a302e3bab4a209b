// Strict UTF-8 decoding and NFKC folding, piece by piece, recording for every
// folded byte the source bytes it came from (the OffsetMap); runs of UTF-8
// that folding leaves unchanged are copied in bulk.
#include "figtrail/ingest.hpp"
#include "figtrail/utf8.hpp"

#include "chars.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace figtrail {

namespace {

// Runs keep offsets as uint32, half the size of size_t.
std::uint32_t offset32(std::size_t offset, const char* what) {
  if (offset > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error(std::string("OffsetMap: ") + what + " offset beyond 4 GiB");
  }
  return static_cast<std::uint32_t>(offset);
}

// Eight bytes as a little-endian word.
std::uint64_t load64(const char* bytes) {
  std::uint64_t word = 0;
  std::memcpy(&word, bytes, sizeof word);
  if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
  return word;
}

// One bit per byte of an eight-byte word, bit i for byte i: whether it begins
// a UTF-8 character (is not a 10xxxxxx continuation byte).
unsigned character_starts(std::uint64_t word) {
  constexpr std::uint64_t kHigh = 0x8080808080808080;
  const std::uint64_t continuation = word & ~(word << 1) & kHigh;  // bit 7 set, bit 6 clear
  // Gathers bit 7 of each byte into the top byte, byte i to bit 56 + i.
  return static_cast<unsigned>((((~continuation & kHigh) >> 7) * 0x0102040810204080) >> 56);
}

}  // namespace

void OffsetMap::grow_piece_starts(std::size_t folded_end) {
  offset32(folded_end, "folded");
  if (folded_end > piece_starts_.size() * 64) piece_starts_.resize((folded_end + 63) / 64);
}

void OffsetMap::append(std::size_t folded_length, SourceSpan source) {
  offset32(source.end, "source");
  source_size_ = source.end;
  if (folded_length == 0) return;
  grow_piece_starts(folded_size_ + folded_length);
  piece_starts_[folded_size_ / 64] |= std::uint64_t{1} << (folded_size_ % 64);
  const std::size_t source_length = source.end - source.begin;
  const bool shifted = folded_length == source_length;
  if (!runs_.empty() && source.begin == pieces_end_) {
    const Run& last = runs_.back();
    if (last.folded_length == 0 ? shifted
                                : last.folded_length == folded_length && last.source_length == source_length) {
      folded_size_ += folded_length;
      pieces_end_ = source.end;
      return;
    }
  }
  runs_.push_back({static_cast<std::uint32_t>(folded_size_), static_cast<std::uint32_t>(source.begin),
                   shifted ? 0 : static_cast<std::uint32_t>(folded_length),
                   shifted ? 0 : static_cast<std::uint32_t>(source_length)});
  folded_size_ += folded_length;
  pieces_end_ = source.end;
}

void OffsetMap::append_unchanged(std::string_view text, std::size_t source_begin) {
  if (text.empty()) return;
  source_size_ = offset32(source_begin + text.size(), "source");
  grow_piece_starts(folded_size_ + text.size());
  if (runs_.empty() || runs_.back().folded_length != 0 || source_begin != pieces_end_) {
    runs_.push_back({static_cast<std::uint32_t>(folded_size_), static_cast<std::uint32_t>(source_begin), 0, 0});
  }
  // Eight bytes at a time: a character start bit each, ORed in where they go.
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    const std::size_t bit = folded_size_ + i;
    const std::uint64_t starts = character_starts(load64(text.data() + i));
    piece_starts_[bit / 64] |= starts << (bit % 64);
    if (bit % 64 > 56) piece_starts_[bit / 64 + 1] |= starts >> (64 - bit % 64);
  }
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      const std::size_t bit = folded_size_ + i;
      piece_starts_[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
  }
  folded_size_ += text.size();
  pieces_end_ = source_size_;
}

void OffsetMap::reserve(std::size_t folded_length) { piece_starts_.reserve((folded_length + 63) / 64); }

const OffsetMap::Run& OffsetMap::run_at(std::size_t folded_offset) const {
  // The last run beginning at or before the offset; the first begins at 0.
  const auto after = std::ranges::upper_bound(runs_, folded_offset, std::less<>{}, &Run::folded_begin);
  return *std::prev(after);
}

std::size_t OffsetMap::piece_begin(std::size_t folded_offset) const {
  // The last start bit at or before the offset; the first byte of every run
  // has one.
  std::size_t word = folded_offset / 64;
  std::uint64_t bits = piece_starts_[word] & (~std::uint64_t{0} >> (63 - folded_offset % 64));
  while (bits == 0) bits = piece_starts_[--word];
  return word * 64 + 63 - static_cast<std::size_t>(std::countl_zero(bits));
}

std::size_t OffsetMap::next_piece_begin(std::size_t folded_offset) const {
  // The first start bit after the offset, else the end of the text.
  const std::size_t from = folded_offset + 1;
  std::size_t word = from / 64;
  if (word >= piece_starts_.size()) return folded_size_;
  std::uint64_t bits = piece_starts_[word] & (~std::uint64_t{0} << (from % 64));
  while (bits == 0) {
    if (++word == piece_starts_.size()) return folded_size_;
    bits = piece_starts_[word];
  }
  return word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
}

std::size_t OffsetMap::source_begin(std::size_t folded_offset) const {
  const Run& run = run_at(folded_offset);
  if (run.folded_length == 0) return run.source_begin + (piece_begin(folded_offset) - run.folded_begin);
  return run.source_begin + (folded_offset - run.folded_begin) / run.folded_length * run.source_length;
}

std::size_t OffsetMap::source_end(std::size_t folded_offset) const {
  const Run& run = run_at(folded_offset);
  // A shifted piece ends where the next piece begins, even in the next run.
  if (run.folded_length == 0) return run.source_begin + (next_piece_begin(folded_offset) - run.folded_begin);
  return run.source_begin + ((folded_offset - run.folded_begin) / run.folded_length + 1) * run.source_length;
}

SourceSpan OffsetMap::to_source(FoldedSpan span) const {
  if (span.begin == span.end) {
    const std::size_t at = span.begin < folded_size() ? source_begin(span.begin) : source_size_;
    return {at, at};
  }
  return {source_begin(span.begin), source_end(span.end - 1)};
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
  const Utf8Lead rule = utf8_lead(lead);
  if (rule.length == 0 || s.size() - at < rule.length) return {};
  // The lead's payload: 5, 4 or 3 bits for sequences of 2, 3 or 4 bytes.
  auto cp = static_cast<utf8proc_int32_t>(lead & (0x7F >> rule.length));
  unsigned char low = rule.low;
  unsigned char high = rule.high;
  for (std::size_t i = 1; i < rule.length; ++i) {
    const unsigned char b = byte(at + i);
    if (b < low || b > high) return {};
    low = 0x80;
    high = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, rule.length};
}

// Whether the eight bytes at `bytes` are all ASCII.
bool is_ascii8(const char* bytes) { return (load64(bytes) & 0x8080808080808080) == 0; }

// The code point of a well-formed three-byte sequence at `at` whose lead
// lets the second byte take the full continuation range (not E0, ED): all
// of CJK, checked with fewer tests than decode. 0 for anything else.
utf8proc_int32_t full_range_three_byte_at(std::string_view s, std::size_t at) {
  if (s.size() - at < 3) return 0;
  const auto lead = static_cast<unsigned char>(s[at]);
  const auto second = static_cast<unsigned char>(s[at + 1]);
  const auto third = static_cast<unsigned char>(s[at + 2]);
  // Tests combined so that the compiler can leave out branches.
  const bool valid = static_cast<unsigned>(lead - 0xE1) <= 0xEF - 0xE1 && lead != 0xED &&
                     ((second & 0xC0) | (third >> 6)) == 0x82;
  return valid ? ((lead & 0x0F) << 12) | ((second & 0x3F) << 6) | (third & 0x3F) : 0;
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
// `before` is the last folded code point, `after` the source character after
// the run (0 when invalid).
bool joins_across_spaces(utf8proc_int32_t before, utf8proc_int32_t after) {
  return (is_han(before) && (is_han(after) || is_digit_cp(after))) || (is_digit_cp(before) && is_han(after));
}

// The length of the run of spaces at the cursor and whether it is dropped.
struct SpaceRun {
  std::size_t length = 0;
  bool dropped = false;
};
template <typename Chars>
SpaceRun space_run(Chars& chars, std::string_view folded) {
  std::size_t k = 0;
  const detail::SourceChar* next = nullptr;
  while ((next = chars.peek(k)) != nullptr && !next->invalid && is_fold_space(next->cp)) ++k;
  if (k == 0 || next == nullptr) return {k, false};
  const auto after = static_cast<utf8proc_int32_t>(next->invalid ? 0 : next->cp);
  return {k, joins_across_spaces(last_code_point(folded), after)};
}

// A full-width comma between full-width digits, with exactly three after it
// (１１１，１１１), groups digits in full-width text; `20，300` with ASCII
// digits stays two numbers. `previous` is the source character before the
// comma, `after` the index of the character after it (and its marks).
template <typename Chars>
bool groups_fullwidth_digits(char32_t previous, Chars& chars, std::size_t after) {
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

// The character of UTF-8 bytes at `at`: a valid sequence, or an invalid byte
// on its own.
detail::SourceChar source_char(std::string_view bytes, std::size_t at) {
  const Decoded d = decode(bytes, at);
  detail::SourceChar c;
  c.begin = static_cast<std::uint32_t>(at);
  if (d.length == 0) {
    c.cp = 0xFFFD;
    c.invalid = true;
    c.end = static_cast<std::uint32_t>(at + 1);
  } else {
    c.cp = static_cast<char32_t>(d.cp);
    c.end = static_cast<std::uint32_t>(at + d.length);
  }
  return c;
}

// What the folding is in the middle of: the text so far, the source
// character before the cursor (0: none or invalid) and the spaces left in a
// run that is kept. Once one of those is in the folded text, the others
// follow a space and are kept too; checking each would rescan the run
// (quadratic in its length).
struct FoldState {
  FoldedText folded;
  std::vector<utf8proc_int32_t> buffer = std::vector<utf8proc_int32_t>(64);  // for append_nfkc
  std::string piece;  // UTF-8 of the piece being folded
  char32_t previous = 0;
  std::size_t kept_spaces = 0;
};

// Folds the piece at the cursor (a character and the ones that attach to
// it), or drops the run of spaces there.
template <typename Chars>
void fold_piece(Chars& chars, FoldState& state) {
  std::string& out = state.folded.text;
  const detail::SourceChar first = *chars.peek();
  if (!first.invalid && is_fold_space(first.cp) && state.kept_spaces == 0) {
    const SpaceRun run = space_run(chars, out);
    if (run.dropped) {
      state.previous = chars.peek(run.length - 1)->cp;
      chars.advance(run.length);
      return;
    }
    state.kept_spaces = run.length;
  }
  if (first.invalid) {
    out.append(kReplacement);
    state.folded.map.append(kReplacement.size(), {first.begin, first.end});
    state.folded.replaced_bytes += first.end - first.begin;
    state.previous = 0;
    chars.advance();
    return;
  }
  std::size_t count = 1;
  std::size_t end = first.end;
  char32_t last = first.cp;
  while (const detail::SourceChar* next = chars.peek(count)) {
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
  } else if (first.cp == 0xFF0C && groups_fullwidth_digits(state.previous, chars, count)) {
    out.push_back(',');
  } else if (kept_unfolded(cp) || (count == 1 && !has_decomposition(cp))) {
    // A lone character without a decomposition (most CJK) is its own NFKC.
    for (std::size_t i = 0; i < count; ++i) detail::append_utf8(out, chars.peek(i)->cp);
  } else {
    state.piece.clear();
    for (std::size_t i = 0; i < count; ++i) detail::append_utf8(state.piece, chars.peek(i)->cp);
    append_nfkc(state.piece, state.buffer, out);
  }
  state.folded.map.append(out.size() - before, {first.begin, end});
  state.previous = last;
  state.kept_spaces = state.kept_spaces > count ? state.kept_spaces - count : 0;
  chars.advance(count);
}

// What fold_piece would do to a character (not ASCII, not invalid) between
// characters that do not attach to it.
enum class CharFold { Unchanged, Attaches, Changes };
CharFold char_fold(utf8proc_int32_t cp) {
  if (is_plain_han(cp)) return CharFold::Unchanged;
  if (has_decomposition(cp)) return attaches_backward(cp) ? CharFold::Attaches : CharFold::Changes;
  return combines_backward(cp) ? CharFold::Attaches : CharFold::Unchanged;
}

class Utf8Text;

// The characters of a UTF-8 string: each valid sequence, and each byte of an
// invalid one on its own.
class Utf8Decoder final : public detail::Decoder {
 public:
  Utf8Decoder(std::string_view bytes, std::size_t start, std::vector<std::size_t>* line_starts)
      : bytes_(bytes), start_(start), at_(start) {
    line_starts_ = line_starts;
  }

  // Whether nothing has been read yet, so that fold may read the bytes.
  [[nodiscard]] bool unread() const { return at_ == start_; }
  // Folds all the text, as fold_chars does, but from the bytes, copying
  // the runs that folding leaves unchanged in bulk. Precondition: unread().
  [[nodiscard]] FoldedText fold(std::size_t size_hint);

 protected:
  bool produce(std::vector<detail::SourceChar>& out) override {
    constexpr std::size_t kChunk = 4096;
    std::size_t count = 0;
    while (at_ < bytes_.size() && count < kChunk) {
      const detail::SourceChar c = source_char(bytes_, at_);
      at_ = c.end;
      note(c);
      out.push_back(c);
      ++count;
    }
    return count > 0;
  }

 private:
  friend class Utf8Text;
  std::string_view bytes_;
  std::size_t start_;
  std::size_t at_;
};

// A Utf8Decoder's characters for fold_piece, decoded one at a time as they
// are peeked, so that copy_unchanged can move the cursor over the bytes it
// copied; characters are noted (line starts, invalid bytes) as they are
// consumed.
class Utf8Text {
 public:
  explicit Utf8Text(Utf8Decoder& decoder) : decoder_(decoder), next_(decoder.at_) {}

  [[nodiscard]] const detail::SourceChar* peek(std::size_t k = 0) {
    while (ahead_.size() - head_ <= k) {
      if (next_ >= decoder_.bytes_.size()) return nullptr;
      if (head_ > 0 && head_ * 2 >= ahead_.size()) {
        ahead_.erase(ahead_.begin(), ahead_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
      ahead_.push_back(source_char(decoder_.bytes_, next_));
      next_ = ahead_.back().end;
    }
    return &ahead_[head_ + k];
  }
  void advance(std::size_t n = 1) {
    for (std::size_t i = 0; i < n; ++i) decoder_.note(ahead_[head_ + i]);
    head_ += n;
  }

  [[nodiscard]] std::string_view bytes() const { return decoder_.bytes_; }
  // The byte offset of the cursor.
  [[nodiscard]] std::size_t position() const { return head_ < ahead_.size() ? ahead_[head_].begin : next_; }
  // Moves the cursor over the bytes up to `at` (a character boundary), which
  // were copied: their line feeds are noted.
  void skip_copied(std::size_t at) {
    if (decoder_.line_starts_ != nullptr) {
      const std::size_t from = position();
      const std::string_view copied = bytes().substr(from, at - from);
      for (std::size_t nl = copied.find('\n'); nl != std::string_view::npos; nl = copied.find('\n', nl + 1)) {
        decoder_.line_starts_->push_back(from + nl + 1);
      }
    }
    skip_to(at);
  }
  // Moves the cursor over the bytes up to `at` (a character boundary).
  void skip_to(std::size_t at) {
    while (head_ < ahead_.size() && ahead_[head_].begin < at) ++head_;
    if (head_ == ahead_.size()) {
      ahead_.clear();
      head_ = 0;
      next_ = at;
    }
  }

 private:
  Utf8Decoder& decoder_;
  std::vector<detail::SourceChar> ahead_;  // peeked characters, the cursor's at head_
  std::size_t head_ = 0;
  std::size_t next_;  // the byte after the peeked characters
};

bool is_plain_ascii(unsigned char byte) { return byte < 0x80 && byte != ' ' && byte != '\t'; }

// The plain Han character (U+4E00 to U+9FFF) at `at`, the bulk of Chinese
// text, with fewer checks than decode; 0 for anything else.
utf8proc_int32_t plain_han_at(std::string_view bytes, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  if (byte(at) < 0xE4 || byte(at) > 0xE9 || bytes.size() - at < 3 || (byte(at + 1) & 0xC0) != 0x80 ||
      (byte(at + 2) & 0xC0) != 0x80) {
    return 0;
  }
  const utf8proc_int32_t cp = ((byte(at) & 0x0F) << 12) | ((byte(at + 1) & 0x3F) << 6) | (byte(at + 2) & 0x3F);
  return is_plain_han(cp) ? cp : 0;
}

// The fast path of folding UTF-8: from the cursor on, copies the characters
// that fold_piece would leave as they are, each a piece of its own (plain
// ASCII, most CJK), and drops the runs of spaces among them that join Han
// text, as fold_piece would. It stops before anything else: an invalid byte,
// a character that NFKC or a folding rule changes, a character that the
// next one attaches to, a run of spaces that goes on with U+3000.
// A space after a character that is neither Han nor a digit stays whatever
// follows; so does one after a space, which is why fold_piece may decide a
// run anew anywhere in it, and state.kept_spaces only needs counting down.
void copy_unchanged(Utf8Text& chars, FoldState& state) {
  const std::string_view bytes = chars.bytes();
  std::size_t begin = chars.position();  // the first byte not yet copied
  std::size_t at = begin;
  std::size_t last = begin;  // where the last character taken begins
  utf8proc_int32_t last_cp = 0;
  const auto copy = [&](std::size_t end) {
    if (end == begin) return;
    const std::string_view run = bytes.substr(begin, end - begin);
    state.folded.text.append(run);
    state.folded.map.append_unchanged(run, begin);
    chars.skip_copied(end);
    state.previous = static_cast<char32_t>(last_code_point(run));
  };
  while (at < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[at]);
    if (is_plain_ascii(lead)) {
      // The run goes on through spaces and tabs after any ASCII character
      // but a digit: they stay, and state.kept_spaces, which counts down the
      // rest of a run of spaces, is 0 after another character.
      std::size_t end = at + 1;
      while (end < bytes.size()) {
        const auto next = static_cast<unsigned char>(bytes[end]);
        const char previous = bytes[end - 1];
        if (next >= 0x80 || (!is_plain_ascii(next) && previous >= '0' && previous <= '9')) break;
        ++end;
      }
      last = end - 1;
      last_cp = static_cast<unsigned char>(bytes[last]);
      at = end;
      continue;
    }
    if (lead < 0x80) {  // a space or a tab
      const utf8proc_int32_t before = at > begin ? last_cp : last_code_point(state.folded.text);
      if (state.kept_spaces > 0) {
        --state.kept_spaces;
      } else if (is_han(before) || is_digit_cp(before)) {
        std::size_t end = at;
        while (end < bytes.size() && (bytes[end] == ' ' || bytes[end] == '\t')) ++end;
        if (end < bytes.size()) {  // spaces at the end of the text stay
          const utf8proc_int32_t after = decode(bytes, end).cp;  // 0 when invalid
          if (after == 0x3000) break;
          if (joins_across_spaces(before, after)) {
            copy(at);
            chars.skip_to(end);
            state.previous = static_cast<unsigned char>(bytes[end - 1]);
            begin = last = at = end;
            continue;
          }
        }
      }
      last = at;
      last_cp = lead;
      ++at;
      continue;
    }
    if (const utf8proc_int32_t han = plain_han_at(bytes, at); han != 0) {
      last = at;
      last_cp = han;
      at += 3;
      continue;
    }
    const Decoded d = decode(bytes, at);
    if (d.length == 0) break;
    const CharFold fold = char_fold(d.cp);
    // The character before one that attaches is the base of a piece for
    // fold_piece. (If it is a space, it ends its run: no spaces are left.)
    if (fold == CharFold::Attaches && at > begin) at = last;
    if (fold != CharFold::Unchanged) break;
    last = at;
    last_cp = d.cp;
    at += d.length;
  }
  copy(at);
}

// Folds a stream piece by piece; UTF-8 read from its bytes has the runs of
// characters that folding leaves unchanged copied in bulk between pieces.
template <typename Chars>
FoldedText fold_stream(Chars& chars, std::size_t text_start, std::size_t size_hint) {
  FoldState state;
  // Folding mostly keeps the length: one allocation instead of a doubling
  // series of copies (and page faults) for text and map.
  state.folded.text.reserve(size_hint);
  state.folded.map.reserve(size_hint);
  if (text_start > 0) {
    state.folded.map.append(0, {0, text_start});  // maps nowhere, but empty spans still land after it
  }
  while (true) {
    if constexpr (std::is_same_v<Chars, Utf8Text>) copy_unchanged(chars, state);
    if (chars.peek() == nullptr) break;
    fold_piece(chars, state);
  }
  return std::move(state.folded);
}

FoldedText Utf8Decoder::fold(std::size_t size_hint) {
  Utf8Text text(*this);
  FoldedText folded = fold_stream(text, start_, size_hint);
  at_ = bytes_.size();
  return folded;
}

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
    // ASCII eight bytes at a time: most of a file, even a Chinese one.
    if (bytes.size() - at >= 8 && is_ascii8(bytes.data() + at)) {
      at += 8;
      continue;
    }
    const auto lead = static_cast<unsigned char>(bytes[at]);
    if (lead < 0x80) {
      ++at;
      continue;
    }
    if (full_range_three_byte_at(bytes, at) != 0) {
      ++stats.multibyte;
      at += 3;
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
  if (auto* utf8 = dynamic_cast<Utf8Decoder*>(&chars); utf8 != nullptr && utf8->unread()) {
    return utf8->fold(size_hint);
  }
  return fold_stream(chars, text_start, size_hint);
}

}  // namespace detail

std::optional<std::size_t> utf8_to_utf16(std::string_view utf8, char16_t* out) {
  char16_t* const begin = out;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(utf8[i]); };
  const std::size_t size = utf8.size();
  std::size_t at = 0;
  // Mixed Chinese and English text alternates runs of ASCII and runs of CJK;
  // a loop per kind of run keeps the branches predictable inside a run.
  while (at < size) {
    if (byte(at) < 0x80) {
      // Eight bytes widened at a time (a fixed count of independent
      // widenings, which the compiler vectorizes), kept up to the first that
      // is not ASCII. `out` never runs ahead of `at`, so they fit.
      while (size - at >= 8) {
        const std::uint64_t non_ascii = load64(utf8.data() + at) & 0x8080808080808080;
        for (std::size_t i = 0; i < 8; ++i) out[i] = byte(at + i);
        const std::size_t ascii = non_ascii == 0 ? 8 : static_cast<std::size_t>(std::countr_zero(non_ascii)) / 8;
        at += ascii;
        out += ascii;
        if (ascii < 8) break;
      }
      for (; at < size && byte(at) < 0x80; ++at) *out++ = byte(at);
      continue;
    }
    if (full_range_three_byte_at(utf8, at) != 0) {
      // Two characters at a time from eight bytes, as full_range_three_byte_at
      // reads them: a lead 1110xxxx whose low bits are neither 0 nor D, and
      // two continuation bytes.
      constexpr std::uint64_t kShape = 0xC0C0F0C0C0F0;
      constexpr std::uint64_t kLeadsAndContinuations = 0x8080E08080E0;
      constexpr unsigned kFullRangeLeadBits = 0xDFFE;  // bit n: lead 0xE0 + n
      const auto unit = [](std::uint64_t word) {
        return static_cast<char16_t>(((word & 0x0F) << 12) | ((word >> 2) & 0xFC0) | ((word >> 16) & 0x3F));
      };
      for (; size - at >= 8; at += 6, out += 2) {
        const std::uint64_t word = load64(utf8.data() + at);
        if ((word & kShape) != kLeadsAndContinuations || ((kFullRangeLeadBits >> (word & 0x0F)) & 1) == 0 ||
            ((kFullRangeLeadBits >> ((word >> 24) & 0x0F)) & 1) == 0) {
          break;
        }
        out[0] = unit(word);
        out[1] = unit(word >> 24);
      }
      for (utf8proc_int32_t cp = 0; at < size && (cp = full_range_three_byte_at(utf8, at)) != 0; at += 3) {
        *out++ = static_cast<char16_t>(cp);
      }
      continue;
    }
    const Decoded d = decode(utf8, at);
    if (d.length == 0) return std::nullopt;
    if (d.cp < 0x10000) {
      *out++ = static_cast<char16_t>(d.cp);
    } else {  // a surrogate pair
      *out++ = static_cast<char16_t>(0xD800 + ((d.cp - 0x10000) >> 10));
      *out++ = static_cast<char16_t>(0xDC00 + (d.cp & 0x3FF));
    }
    at += d.length;
  }
  return static_cast<std::size_t>(out - begin);
}

FoldedText fold_utf8(std::string_view source) {
  const std::size_t start = source.starts_with(kBom) ? kBom.size() : 0;
  Utf8Decoder decoder(source, start, nullptr);
  return decoder.fold(source.size());
}

}  // namespace figtrail
