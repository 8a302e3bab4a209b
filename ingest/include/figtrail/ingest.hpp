// ingest: turns a file's bytes into text the matcher can scan, without ever
// losing the way back to those bytes.
//
// A Document holds the original bytes, their SHA-256, the folded text (UTF-8,
// NFKC via utf8proc, invalid bytes replaced by U+FFFD) and an OffsetMap from
// every folded byte back to the source bytes it came from. Sentences and word
// boundaries come from ICU BreakIterator run over the folded UTF-8 (UText), so
// their offsets are folded byte offsets too.
//
// Spans in the two coordinate systems have different types (SourceSpan,
// FoldedSpan) so that mixing them does not compile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace figtrail {

// Half-open byte range [begin, end) in the original file.
struct SourceSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool operator==(const SourceSpan&) const = default;
};

// Half-open byte range [begin, end) in the folded text.
struct FoldedSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool operator==(const FoldedSpan&) const = default;
};

// Maps folded byte offsets back to source byte offsets. Built piece by piece
// while folding: each piece is the folding of one source character (or of a
// base character with its combining marks), so a folded span that starts and
// ends on piece boundaries maps to exactly the source bytes it came from; a
// span that cuts a piece widens to the whole source character.
// Source offsets are stored as uint32 (8 bytes per folded byte), so a source
// may not exceed 4 GiB; make_document's 2 GiB limit stays below that.
class OffsetMap {
 public:
  // Records that the next `folded_length` folded bytes came from `source`.
  void append(std::size_t folded_length, SourceSpan source);
  // The source bytes a folded span came from. Precondition: span within the
  // folded text (end <= folded_size()), begin <= end.
  [[nodiscard]] SourceSpan to_source(FoldedSpan span) const;
  [[nodiscard]] std::size_t folded_size() const { return source_begin_.size(); }

 private:
  // Per folded byte: the source range of the piece that produced it.
  std::vector<std::uint32_t> source_begin_;
  std::vector<std::uint32_t> source_end_;
  std::size_t source_size_ = 0;  // end of the last piece, for empty spans at the end
};

struct FoldedText {
  // NFKC-folded UTF-8. Exceptions stay as is: U+FF0C FULLWIDTH COMMA, because
  // in Chinese it separates clauses and must not read as digit grouping, and
  // enclosed numbers U+2460-U+24FF and U+2776-U+2793 (list markers such as ①,
  // not digits). Spaces between a Han character and a Han character or a
  // digit are dropped (tokenized Chinese: `百 分 之 2` reads 百分之2); the
  // map still spans them.
  // Regions not to be scanned (Markdown link targets) are blanked with
  // spaces of the same byte length.
  std::string text;
  OffsetMap map;
  std::size_t replaced_bytes = 0;  // invalid UTF-8 bytes replaced by U+FFFD
};

enum class SourceFormat { PlainText, Markdown };

// Markdown for .md/.markdown/.mdown (case-insensitive), plain text otherwise.
[[nodiscard]] SourceFormat format_for_path(const std::filesystem::path& path);

// Decodes UTF-8 (a UTF-8 BOM is skipped; each invalid byte becomes U+FFFD)
// and folds it. Never throws on bad bytes.
[[nodiscard]] FoldedText fold_utf8(std::string_view source);

// Replaces with spaces of the same byte length (so the OffsetMap stays valid)
// the `(url` of every inline Markdown link or image `[text](url "title")`,
// every autolink `<http://...>`, the URL of a reference definition line
// `[id]: url "title"`, and bare http://, https:// and www. URLs, so digits
// inside URLs are never read as figures; link text and titles stay.
// Linear time.
void blank_markdown_link_targets(std::string& folded);

class Segmentation {
 public:
  // Sentences (ICU sentence BreakIterator) cover the text, in order.
  std::vector<FoldedSpan> sentences;
  // Every ICU word boundary, sorted ascending; includes 0 and text size.
  std::vector<std::size_t> word_boundaries;

  [[nodiscard]] bool is_word_boundary(std::size_t folded_offset) const;
  // The sentence holding folded_offset (the last one for the text's end).
  [[nodiscard]] FoldedSpan sentence_at(std::size_t folded_offset) const;
};

// ICU sentence and word segmentation (dictionary-based for Chinese) over
// UTF-8. Throws std::runtime_error if ICU cannot create an iterator or the
// text exceeds 2 GiB.
[[nodiscard]] Segmentation segment(std::string_view folded);

// Lowercase hex SHA-256 (OpenSSL libcrypto).
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

struct Document {
  std::string path;   // as given by the user
  std::string bytes;  // the original file's bytes, untouched
  std::string sha256;
  SourceFormat format = SourceFormat::PlainText;
  FoldedText folded;
  Segmentation segments;

  // 1-based line number of a source byte offset.
  [[nodiscard]] std::size_t line_of(std::size_t source_offset) const;
  // The original bytes of a source span.
  [[nodiscard]] std::string_view source_text(SourceSpan span) const;

 private:
  friend Document make_document(std::string path, std::string bytes, SourceFormat format);
  std::vector<std::size_t> line_starts_;  // source offsets where lines begin
};

// Raised for input that cannot be read as a document. what() is one line:
// "<path>: <reason>", e.g. "notes.txt: no such file or directory".
class IngestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Builds a document from bytes already in memory. Throws IngestError when the
// bytes are empty or binary (a NUL byte in the first 8 KiB, or more than 30%
// invalid UTF-8): a document must be text. Bytes and folded text are limited
// to 2 GiB, because ICU BreakIterator offsets are int32_t.
[[nodiscard]] Document make_document(std::string path, std::string bytes, SourceFormat format);

// Reads a file (format from its name) and builds its document. Throws
// IngestError for a missing path, a directory, an unreadable file, and
// everything make_document rejects.
[[nodiscard]] Document load_document(const std::filesystem::path& path);

}  // namespace figtrail
