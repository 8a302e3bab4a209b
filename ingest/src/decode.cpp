// Encodings: names, detection (make_document documents the order) and
// decoding with ICU converters, one character at a time so that every
// character keeps the source bytes it came from.
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ucsdet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "chars.hpp"
#include "figtrail/ingest.hpp"
#include "figtrail/utf8.hpp"

namespace figtrail {

namespace {

using detail::Encoding;
using detail::SourceChar;

// A NUL byte this early means a binary file, as in git and grep.
constexpr std::size_t kBinaryProbeBytes = 8192;
// How much of a file the detector and the clean-decoding check read.
constexpr std::size_t kDetectSampleBytes = 64 * 1024;
// The detector's confidence is scaled by min(1, non-ASCII bytes / this).
constexpr std::size_t kDetectFullEvidenceBytes = 128;
// Scaled confidence from which a detected encoding is used.
constexpr int kDetectMinConfidence = 60;
// UTF-8 with invalid bytes: at most one per this many valid sequences.
constexpr std::size_t kUtf8ErrorRatio = 20;

struct UConverterCloser {
  void operator()(UConverter* converter) const { ucnv_close(converter); }
};
using ConverterPtr = std::unique_ptr<UConverter, UConverterCloser>;

struct DetectorCloser {
  void operator()(UCharsetDetector* detector) const { ucsdet_close(detector); }
};

struct KnownEncoding {
  std::string_view name;  // canonical
  const char* icu_name;
  std::size_t unit;
};

// The encodings figtrail names itself. EUC-KR is read with Windows-949, its
// superset (as browsers do); GB2312 and GBK with GB18030.
constexpr std::array<KnownEncoding, 10> kKnown{{
    {"UTF-8", "UTF-8", 1},
    {"UTF-16LE", "UTF-16LE", 2},
    {"UTF-16BE", "UTF-16BE", 2},
    {"UTF-16", "UTF-16", 2},  // endianness from the BOM, else little-endian
    {"GB18030", "gb18030", 1},
    {"Big5", "Big5", 1},
    {"Big5-HKSCS", "Big5-HKSCS", 1},
    {"Shift_JIS", "Shift_JIS", 1},
    {"EUC-JP", "EUC-JP", 1},
    {"EUC-KR", "windows-949", 1},
}};

// Aliases, compared after normalize_name (lowercase, letters and digits only).
struct Alias {
  std::string_view key;
  std::string_view name;
};
constexpr std::array<Alias, 47> kAliases{{
    {"utf8", "UTF-8"},        {"unicode11utf8", "UTF-8"}, {"unicode20utf8", "UTF-8"},
    {"xunicode20utf8", "UTF-8"},
    {"utf16le", "UTF-16LE"},  {"utf16be", "UTF-16BE"},
    {"utf16", "UTF-16"},      {"unicode", "UTF-16"},     {"ucs2", "UTF-16"},
    {"csunicode", "UTF-16"},
    {"gb18030", "GB18030"},   {"gbk", "GB18030"},        {"gb2312", "GB18030"},
    {"cp936", "GB18030"},     {"ms936", "GB18030"},      {"windows936", "GB18030"},
    {"euccn", "GB18030"},     {"xeuccn", "GB18030"},     {"xgbk", "GB18030"},
    {"csgb2312", "GB18030"},  {"chinese", "GB18030"},    {"gb231280", "GB18030"},
    {"csiso58gb231280", "GB18030"}, {"isoir58", "GB18030"},
    {"big5", "Big5"},         {"cp950", "Big5"},         {"ms950", "Big5"},
    {"windows950", "Big5"},   {"csbig5", "Big5"},        {"xxbig5", "Big5"},
    {"big5hkscs", "Big5-HKSCS"},
    {"shiftjis", "Shift_JIS"}, {"sjis", "Shift_JIS"},    {"xsjis", "Shift_JIS"},
    {"mskanji", "Shift_JIS"}, {"csshiftjis", "Shift_JIS"}, {"cp932", "Shift_JIS"},
    {"ms932", "Shift_JIS"},   {"windows31j", "Shift_JIS"},
    {"eucjp", "EUC-JP"},      {"xeucjp", "EUC-JP"},      {"cseucpkdfmtjapanese", "EUC-JP"},
    {"euckr", "EUC-KR"},      {"cseuckr", "EUC-KR"},     {"cp949", "EUC-KR"},
    {"windows949", "EUC-KR"}, {"ksc56011987", "EUC-KR"},
}};

// The multi-byte encodings the detector may choose.
constexpr std::array<std::string_view, 5> kDetectable{"GB18030", "Big5", "Shift_JIS", "EUC-JP", "EUC-KR"};

std::string normalize_name(std::string_view name) {
  std::string key;
  for (const char c : name) {
    if (c >= 'A' && c <= 'Z') {
      key.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      key.push_back(c);
    }
  }
  return key;
}

Encoding known(std::string_view name) {
  for (const KnownEncoding& k : kKnown) {
    if (k.name == name) return Encoding{std::string(k.name), k.icu_name, 100, 0, k.unit};
  }
  throw std::logic_error("figtrail: unknown built-in encoding " + std::string(name));
}

std::optional<Encoding> from_alias(std::string_view name) {
  const std::string key = normalize_name(name);
  for (const Alias& alias : kAliases) {
    if (alias.key == key) return known(alias.name);
  }
  return std::nullopt;
}

// An encoding from any name ICU knows; nullopt otherwise.
std::optional<Encoding> resolve(std::string_view name) {
  if (normalize_name(name).empty()) return std::nullopt;
  if (auto encoding = from_alias(name)) return encoding;
  UErrorCode status = U_ZERO_ERROR;
  const std::string name_z(name);
  const ConverterPtr converter(ucnv_open(name_z.c_str(), &status));
  if (U_FAILURE(status) || !converter) return std::nullopt;
  const char* icu_name = ucnv_getName(converter.get(), &status);
  if (U_FAILURE(status) || icu_name == nullptr) return std::nullopt;
  const char* iana = ucnv_getStandardName(icu_name, "IANA", &status);
  const std::string canonical = U_SUCCESS(status) && iana != nullptr ? iana : icu_name;
  if (auto encoding = from_alias(canonical)) return encoding;  // "windows-936-2000" is GBK
  const auto unit = static_cast<std::size_t>(std::max<int8_t>(1, ucnv_getMinCharSize(converter.get())));
  return Encoding{canonical, icu_name, 100, 0, unit};
}

bool starts_with_bytes(std::string_view bytes, std::string_view prefix) { return bytes.starts_with(prefix); }

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kUtf16LeBom = "\xFF\xFE";
constexpr std::string_view kUtf16BeBom = "\xFE\xFF";

std::size_t bom_length(std::string_view bytes, const Encoding& encoding) {
  if (encoding.name == "UTF-8" && starts_with_bytes(bytes, kUtf8Bom)) return 3;
  if (encoding.name == "UTF-16LE" && starts_with_bytes(bytes, kUtf16LeBom)) return 2;
  if (encoding.name == "UTF-16BE" && starts_with_bytes(bytes, kUtf16BeBom)) return 2;
  if (encoding.name == "GB18030" && starts_with_bytes(bytes, "\x84\x31\x95\x33")) return 4;
  return 0;
}

// Whether UTF-16 code units after a BOM look like text: one of them in the
// first 8 KiB is ASCII (tab, line break or printable).
bool utf16_plausible(std::string_view bytes, bool little_endian) {
  const std::size_t end = std::min(bytes.size(), kBinaryProbeBytes + 2);
  for (std::size_t at = 2; at + 1 < end; at += 2) {
    const auto lo = static_cast<unsigned char>(bytes[little_endian ? at : at + 1]);
    const auto hi = static_cast<unsigned char>(bytes[little_endian ? at + 1 : at]);
    if (hi == 0 && ((lo >= 0x20 && lo < 0x7F) || lo == '\t' || lo == '\n' || lo == '\r')) return true;
  }
  return false;
}

// A NUL in the first 8 KiB: a NUL byte, or for encodings with wider units
// (UTF-16) a NUL character.
void check_binary(const std::string& path, std::string_view bytes, const Encoding& encoding) {
  if (encoding.unit <= 1) {
    const std::size_t nul = bytes.substr(0, kBinaryProbeBytes).find('\0');
    if (nul != std::string_view::npos) {
      throw IngestError(path + ": binary file (NUL byte at offset " + std::to_string(nul) + ")");
    }
    return;
  }
  const std::size_t end = std::min(bytes.size(), kBinaryProbeBytes);
  for (std::size_t at = encoding.bom; at + encoding.unit <= end; at += encoding.unit) {
    if (bytes.substr(at, encoding.unit).find_first_not_of('\0') == std::string_view::npos) {
      throw IngestError(path + ": binary file (NUL character at offset " + std::to_string(at) + ")");
    }
  }
}

int percent_valid(std::size_t invalid, std::size_t size) {
  return static_cast<int>((size - invalid) * 100 / size);
}

Encoding utf8_with_errors(std::size_t invalid, std::size_t size) {
  Encoding encoding = known("UTF-8");
  encoding.confidence = percent_valid(invalid, size);
  return encoding;
}

// Whether `tail` (1 to 3 bytes) starts a UTF-8 sequence that the end of the
// file cut short.
bool is_cut_utf8(std::string_view tail) {
  if (tail.empty() || tail.size() > 3) return false;
  const Utf8Lead rule = utf8_lead(static_cast<unsigned char>(tail[0]));
  if (tail.size() >= rule.length) return false;
  unsigned char low = rule.low;
  unsigned char high = rule.high;
  for (std::size_t i = 1; i < tail.size(); ++i) {
    const auto b = static_cast<unsigned char>(tail[i]);
    if (b < low || b > high) return false;
    low = 0x80;
    high = 0xBF;
  }
  return true;
}

// The start of the file for the detector: at most 64 KiB, cut after a byte
// below 0x30, which no legacy CJK encoding uses inside a character.
std::string_view detection_sample(std::string_view bytes) {
  if (bytes.size() <= kDetectSampleBytes) return bytes;
  std::string_view sample = bytes.substr(0, kDetectSampleBytes);
  for (std::size_t at = sample.size(); at > sample.size() / 2; --at) {
    if (static_cast<unsigned char>(sample[at - 1]) < 0x30) return sample.substr(0, at);
  }
  return sample;
}

struct Guess {
  std::string name;    // canonical, empty when none
  int icu_confidence = 0;
};

// ICU's best guess among the CJK multi-byte encodings.
Guess detect_cjk(std::string_view sample, bool html) {
  UErrorCode status = U_ZERO_ERROR;
  const std::unique_ptr<UCharsetDetector, DetectorCloser> detector(ucsdet_open(&status));
  if (U_FAILURE(status)) return {};
  ucsdet_setText(detector.get(), sample.data(), static_cast<int32_t>(sample.size()), &status);
  ucsdet_enableInputFilter(detector.get(), html ? 1 : 0);
  int32_t count = 0;
  const UCharsetMatch** matches = ucsdet_detectAll(detector.get(), &count, &status);
  if (U_FAILURE(status) || matches == nullptr) return {};
  for (int32_t i = 0; i < count; ++i) {  // best first
    const char* name = ucsdet_getName(matches[i], &status);
    const int32_t confidence = ucsdet_getConfidence(matches[i], &status);
    if (U_FAILURE(status) || name == nullptr) return {};
    const std::optional<Encoding> encoding = from_alias(name);
    if (encoding && std::ranges::find(kDetectable, encoding->name) != kDetectable.end()) {
      return {encoding->name, confidence};
    }
  }
  return {};
}

bool is_private_use_or_c1(UChar32 cp) { return (cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0x80 && cp <= 0x9F); }

// Whether the sample decodes as `encoding` without an invalid sequence (one
// cut at the sample's end is fine), private-use or C1 character, and with at
// least one multi-byte character.
bool decodes_cleanly(std::string_view sample, const Encoding& encoding) {
  UErrorCode status = U_ZERO_ERROR;
  const ConverterPtr converter(ucnv_open(encoding.icu_name.c_str(), &status));
  if (U_FAILURE(status)) return false;
  ucnv_setToUCallBack(converter.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  const char* source = sample.data();
  const char* const limit = sample.data() + sample.size();
  bool multibyte = false;
  while (source < limit) {
    const char* before = source;
    status = U_ZERO_ERROR;
    const UChar32 cp = ucnv_getNextUChar(converter.get(), &source, limit, &status);
    if (status == U_INDEX_OUTOFBOUNDS_ERROR) break;
    if (U_FAILURE(status)) return status == U_TRUNCATED_CHAR_FOUND && source == limit && multibyte;
    if (is_private_use_or_c1(cp)) return false;
    if (source - before > 1) multibyte = true;
    if (source == before) break;  // no progress: should not happen
  }
  return multibyte;
}

// Steps 4 to 6 of make_document's order, for bytes that are not valid UTF-8.
Encoding guess(const std::string& path, std::string_view bytes, bool html, detail::Utf8Stats stats) {
  if (stats.multibyte > 0 && stats.invalid_bytes * kUtf8ErrorRatio <= stats.multibyte) {
    return utf8_with_errors(stats.invalid_bytes, bytes.size());
  }
  const std::string_view sample = detection_sample(bytes);
  const auto non_ascii = static_cast<std::size_t>(
      std::ranges::count_if(sample, [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
  const Guess best = detect_cjk(sample, html);
  const int confidence =
      static_cast<int>(static_cast<std::size_t>(best.icu_confidence) *
                       std::min(non_ascii, kDetectFullEvidenceBytes) / kDetectFullEvidenceBytes);
  if (!best.name.empty() && confidence >= kDetectMinConfidence) {
    Encoding encoding = known(best.name);
    encoding.confidence = confidence;
    return encoding;
  }
  std::string candidate;
  if (!best.name.empty() && decodes_cleanly(sample, known(best.name))) candidate = best.name;
  for (const std::string_view name : kDetectable) {
    if (candidate.empty() && decodes_cleanly(sample, known(name))) candidate = std::string(name);
  }
  if (candidate.empty()) return utf8_with_errors(stats.invalid_bytes, bytes.size());
  const std::string guessed = best.name.empty() ? candidate : best.name;
  throw IngestError(path + ": cannot tell the encoding (best guess " + guessed + ", confidence " +
                    std::to_string(best.name.empty() ? 0 : confidence) + "%); pass --encoding");
}

// ICU converter, one character at a time: ucnv_getNextUChar advances the
// source pointer past exactly the bytes of the character (or of the invalid
// sequence, with the STOP callback), which gives each character its bytes.
class IcuDecoder final : public detail::Decoder {
 public:
  IcuDecoder(std::string_view bytes, std::size_t start, const std::string& icu_name,
             std::vector<std::size_t>* line_starts)
      : base_(bytes.data()), source_(bytes.data() + start), limit_(bytes.data() + bytes.size()) {
    line_starts_ = line_starts;
    UErrorCode status = U_ZERO_ERROR;
    converter_.reset(ucnv_open(icu_name.c_str(), &status));
    if (U_FAILURE(status)) throw std::runtime_error("ICU: cannot open converter " + icu_name);
    ucnv_setToUCallBack(converter_.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  }

 protected:
  bool produce(std::vector<SourceChar>& out) override {
    constexpr std::size_t kChunk = 4096;
    std::size_t count = 0;
    while (source_ < limit_ && count < kChunk) {
      const char* before = source_;
      UErrorCode status = U_ZERO_ERROR;
      const UChar32 cp = ucnv_getNextUChar(converter_.get(), &source_, limit_, &status);
      if (status == U_INDEX_OUTOFBOUNDS_ERROR) {
        // Bytes that convert to nothing (a final escape sequence).
        if (source_ == before) source_ = limit_;
        continue;
      }
      SourceChar c;
      if (U_FAILURE(status) || cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        if (source_ == before) {  // no progress: skip a byte, start afresh
          ++source_;
          ucnv_resetToUnicode(converter_.get());
        }
        c.cp = 0xFFFD;
        c.invalid = true;
      } else {
        c.cp = static_cast<char32_t>(cp);
      }
      c.begin = offset(before);
      c.end = offset(source_);
      if (c.begin == c.end && !out.empty()) {
        // A second code point of the same bytes (a mapping to a sequence).
        c.begin = out.back().begin;
        c.end = out.back().end;
      }
      note(c);
      out.push_back(c);
      ++count;
    }
    return count > 0;
  }

 private:
  std::uint32_t offset(const char* at) const { return static_cast<std::uint32_t>(at - base_); }

  ConverterPtr converter_;
  const char* base_;
  const char* source_;
  const char* limit_;
};

}  // namespace

std::optional<std::string> canonical_encoding(std::string_view name) {
  std::optional<Encoding> encoding = resolve(name);
  if (!encoding) return std::nullopt;
  return encoding->name;
}

namespace detail {

namespace {

// Steps 1 and 2 of make_document's order, or the override; nullopt when
// the bytes decide (steps 3 to 6, undeclared_encoding).
std::optional<Encoding> declared_encoding(const std::string& path, std::string_view bytes, bool html,
                                          const IngestOptions& options) {
  if (!options.encoding.empty()) {
    std::optional<Encoding> encoding = resolve(options.encoding);
    if (!encoding) throw IngestError(path + ": unknown encoding '" + options.encoding + "'");
    if (encoding->name == "UTF-16") {
      encoding = known(starts_with_bytes(bytes, kUtf16BeBom) ? "UTF-16BE" : "UTF-16LE");
    }
    encoding->bom = bom_length(bytes, *encoding);
    check_binary(path, bytes, *encoding);
    return *encoding;
  }

  // 1. A byte order mark.
  std::optional<Encoding> bom;
  if (starts_with_bytes(bytes, kUtf8Bom)) {
    bom = known("UTF-8");
  } else if (starts_with_bytes(bytes, kUtf16LeBom) && utf16_plausible(bytes, true)) {
    bom = known("UTF-16LE");
  } else if (starts_with_bytes(bytes, kUtf16BeBom) && utf16_plausible(bytes, false)) {
    bom = known("UTF-16BE");
  }
  if (bom) {
    bom->bom = bom_length(bytes, *bom);
    check_binary(path, bytes, *bom);
    return *bom;
  }
  check_binary(path, bytes, known("UTF-8"));

  // 2. A charset the HTML declares. As in browsers, a declared UTF-16 (the
  // declaration itself was read as ASCII) means UTF-8, and Latin-1 means
  // Windows-1252.
  if (html) {
    const std::string declared = declared_charset(bytes);
    if (std::optional<Encoding> encoding = resolve(declared)) {
      if (encoding->unit > 1) return known("UTF-8");
      const std::string key = normalize_name(encoding->name);
      if (key == "iso885911987" || key == "iso88591" || key == "usascii" || key == "ansix341968") {
        if (std::optional<Encoding> windows = resolve("windows-1252")) return *windows;
      }
      return *encoding;
    }
  }

  return std::nullopt;
}

// Throws LineTooLongError for the first line of `bytes` longer than `limit`
// (see IngestOptions::max_line_length for what counts). make_document calls
// it through choose_encoding, once the encoding is known and before any
// decoding, so that refusing a long line costs one pass. memchr finds the
// candidate 0x0A bytes; in UTF-16 and UTF-32 one is a line feed only at the
// low end of an aligned code unit whose other bytes are 0.
void check_line_length(const std::string& path, std::string_view bytes, const Encoding& encoding,
                       std::uint64_t limit) {
  if (bytes.size() <= limit) return;
  const std::size_t unit = std::max<std::size_t>(1, encoding.unit);
  const bool big_endian = encoding.name.ends_with("BE") ||
                          (!encoding.name.ends_with("LE") && !starts_with_bytes(bytes, "\xFF\xFE"));
  const char* const data = bytes.data();
  const std::size_t size = bytes.size();
  std::size_t line = 1;
  std::size_t line_start = 0;
  std::size_t from = 0;
  for (;;) {
    const void* found = from < size ? std::memchr(data + from, '\n', size - from) : nullptr;
    std::size_t line_end = size;  // where the line feed starts
    std::size_t next = size;      // after it
    if (found != nullptr) {
      const auto at = static_cast<std::size_t>(static_cast<const char*>(found) - data);
      from = at + 1;
      if (unit > 1) {
        // The unit holding this byte, and whether it is U+000A.
        const std::size_t unit_start = at - at % unit;
        const std::size_t low = big_endian ? unit_start + unit - 1 : unit_start;
        bool line_feed = at == low && unit_start + unit <= size;
        for (std::size_t k = unit_start; line_feed && k < unit_start + unit; ++k) {
          line_feed = k == low || data[k] == '\0';
        }
        if (!line_feed) continue;
        line_end = unit_start;
        next = unit_start + unit;
        from = next;
      } else {
        line_end = at;
        next = at + 1;
      }
    }
    if (line_end - line_start > limit) {
      throw LineTooLongError(path + ": line " + std::to_string(line) + " is " + std::to_string(line_end - line_start) +
                             " bytes long; the limit is " + std::to_string(limit));
    }
    if (found == nullptr) return;
    line_start = next;
    ++line;
  }
}

}  // namespace

std::optional<Encoding> choose_encoding(const std::string& path, std::string_view bytes, bool html,
                                        const IngestOptions& options) {
  std::optional<Encoding> encoding = declared_encoding(path, bytes, html, options);
  // Lines are measured before anything is decoded, in a known encoding.
  if (!encoding && bytes.size() > options.max_line_length) encoding = undeclared_encoding(path, bytes, html);
  if (encoding) check_line_length(path, bytes, *encoding, options.max_line_length);
  return encoding;
}

Encoding undeclared_encoding(const std::string& path, std::string_view bytes, bool html) {
  // 3. Valid UTF-8, or valid but for a last character cut short.
  const Utf8Stats stats = utf8_stats(bytes);
  if (stats.invalid_bytes == 0) return known("UTF-8");
  if (stats.invalid_bytes <= 3) {
    const std::size_t cut = bytes.size() - stats.invalid_bytes;
    if (is_cut_utf8(bytes.substr(cut)) && utf8_stats(bytes.substr(0, cut)).invalid_bytes == 0) {
      return utf8_with_errors(stats.invalid_bytes, bytes.size());
    }
  }
  return guess(path, bytes, html, stats);
}

std::unique_ptr<Decoder> open_decoder(std::string_view bytes, const Encoding& encoding,
                                      std::vector<std::size_t>* line_starts) {
  if (encoding.name == "UTF-8") return make_utf8_decoder(bytes, encoding.bom, line_starts);
  return std::make_unique<IcuDecoder>(bytes, encoding.bom, encoding.icu_name, line_starts);
}

std::optional<Encoding> encoding_named(std::string_view name) { return resolve(name); }

}  // namespace detail

}  // namespace figtrail
