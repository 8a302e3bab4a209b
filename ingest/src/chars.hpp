// Internal to figtrail_ingest: a stream of decoded characters, each with the
// source bytes it came from, and the folding that consumes it. Decoders
// (UTF-8, ICU converters) and the HTML text extractor produce such streams;
// fold_chars turns any of them into FoldedText.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "figtrail/ingest.hpp"

namespace figtrail::detail {

struct SourceChar {
  char32_t cp = 0;
  std::uint32_t begin = 0;  // source bytes [begin, end); empty for text that
  std::uint32_t end = 0;    // has no bytes (a line break between HTML blocks)
  bool invalid = false;     // U+FFFD standing for undecodable bytes
};

// A forward stream with unbounded lookahead, filled in chunks.
class CharStream {
 public:
  CharStream() = default;
  CharStream(const CharStream&) = delete;
  CharStream& operator=(const CharStream&) = delete;
  virtual ~CharStream() = default;

  // The k-th character from the cursor (0: the current one), nullptr past the
  // end. The pointer is valid until the next call to peek or advance.
  const SourceChar* peek(std::size_t k = 0) {
    while (buffer_.size() - head_ <= k) {
      if (finished_) return nullptr;
      if (head_ > 0 && head_ * 2 >= buffer_.size()) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
      if (!produce(buffer_)) finished_ = true;
    }
    return &buffer_[head_ + k];
  }
  // Moves the cursor n characters on. Precondition: they were peeked.
  void advance(std::size_t n = 1) { head_ += n; }

 protected:
  // Appends the next characters to `out`; false when the stream has ended.
  virtual bool produce(std::vector<SourceChar>& out) = 0;

 private:
  std::vector<SourceChar> buffer_;
  std::size_t head_ = 0;
  bool finished_ = false;
};

// Folds a stream (NFKC and the exceptions documented on FoldedText). The
// first `text_start` source bytes (a byte order mark) map nowhere. Counts the
// bytes of invalid characters in replaced_bytes.
[[nodiscard]] FoldedText fold_chars(CharStream& chars, std::size_t text_start, std::size_t size_hint);

// Appends the UTF-8 encoding of a code point.
void append_utf8(std::string& out, char32_t cp);

// ---------------------------------------------------------------- decoding

// How the bytes of a document are to be read.
struct Encoding {
  std::string name;      // canonical: "UTF-8", "UTF-16LE", "GB18030", ...
  std::string icu_name;  // for ucnv_open; unused for UTF-8
  int confidence = 100;  // 0-100
  std::size_t bom = 0;   // bytes of a byte order mark to skip
  std::size_t unit = 1;  // minimum bytes per character (2 for UTF-16)
};

// A decoder over the whole of `bytes` (which must outlive it), skipping the
// BOM. Records in `line_starts` (if not null) the source offset after every
// line feed it decodes, and counts the bytes it could not decode.
class Decoder : public CharStream {
 public:
  [[nodiscard]] std::size_t invalid_bytes() const { return invalid_bytes_; }

 protected:
  void note(const SourceChar& c) {
    if (c.invalid) invalid_bytes_ += c.end - c.begin;
    if (c.cp == U'\n' && !c.invalid && line_starts_ != nullptr) line_starts_->push_back(c.end);
  }
  std::vector<std::size_t>* line_starts_ = nullptr;

 private:
  std::size_t invalid_bytes_ = 0;
};

struct Utf8Stats {
  std::size_t invalid_bytes = 0;  // bytes not part of a well-formed sequence
  std::size_t multibyte = 0;      // well-formed sequences of 2 to 4 bytes
};
[[nodiscard]] Utf8Stats utf8_stats(std::string_view bytes);

// UTF-8: each valid sequence is a character, each byte of an invalid one an
// invalid character of its own.
[[nodiscard]] std::unique_ptr<Decoder> make_utf8_decoder(std::string_view bytes, std::size_t start,
                                                         std::vector<std::size_t>* line_starts);

[[nodiscard]] std::unique_ptr<Decoder> open_decoder(std::string_view bytes, const Encoding& encoding,
                                                    std::vector<std::size_t>* line_starts);

// The encoding of a canonical name or alias, nullopt when ICU does not know it.
[[nodiscard]] std::optional<Encoding> encoding_named(std::string_view name);

// Decides the encoding of a document (see make_document) as far as the
// override, a BOM or (if `html`) a declared charset decide it, and checks
// line lengths. nullopt when the bytes themselves decide (steps 3 to 6):
// UTF-8 if they are valid, else undeclared_encoding. Throws IngestError.
[[nodiscard]] std::optional<Encoding> choose_encoding(const std::string& path, std::string_view bytes, bool html,
                                                      const IngestOptions& options);

// Steps 3 to 6 of make_document's order, for bytes that declare no
// encoding. Throws IngestError when the encoding cannot be told.
[[nodiscard]] Encoding undeclared_encoding(const std::string& path, std::string_view bytes, bool html);

// ---------------------------------------------------------------- HTML

// Whether the text starts (after blanks and a UTF-8 BOM) with `<!doctype
// html` or `<html`, ASCII case-insensitive. Reads raw bytes, so it works for
// every ASCII-compatible encoding.
[[nodiscard]] bool looks_like_html(std::string_view bytes);

// The charset an HTML document declares in its first 4 KiB: <meta charset>,
// <meta http-equiv="Content-Type" content="...; charset=...">, or an XML
// declaration's encoding. Empty when none.
[[nodiscard]] std::string declared_charset(std::string_view bytes);

// The visible text of an HTML document read by `decoder`, as a stream whose
// characters map to the original bytes.
[[nodiscard]] std::unique_ptr<CharStream> html_text(Decoder& decoder, std::size_t source_size);

}  // namespace figtrail::detail
