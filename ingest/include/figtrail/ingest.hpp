// ingest: turns a file's bytes into text the matcher can scan, without ever
// losing the way back to those bytes.
//
// A Document holds the original bytes, their SHA-256, the folded text (UTF-8,
// NFKC via utf8proc, undecodable bytes replaced by U+FFFD) and an OffsetMap
// from every folded byte back to the source bytes it came from. Sources may
// be UTF-8, UTF-16 or a legacy encoding (GB18030, Big5, Shift_JIS, ...),
// decoded with ICU converters, and plain text, Markdown or HTML (visible text
// only, parsed with gumbo); offsets always point into the original bytes.
// Sentences come from ICU BreakIterator run over the folded text (a UTF-16
// copy), their offsets mapped back to folded byte offsets.
//
// Spans in the two coordinate systems have different types (SourceSpan,
// FoldedSpan) so that mixing them does not compile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
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
// Stored as runs of pieces with uint32 offsets: about 0.16 bytes per folded
// byte of UTF-8 text, under 1 for HTML and legacy encodings (a per-byte
// table took 8). So neither a source nor its folded text may exceed 4 GiB;
// make_document's 2 GiB limit stays below that.
class OffsetMap {
 public:
  // Records that the next `folded_length` folded bytes came from `source`.
  void append(std::size_t folded_length, SourceSpan source);
  // Records that the next text.size() folded bytes are `text`, valid UTF-8
  // copied unchanged from the source bytes starting at `source_begin`, each
  // character a piece of its own: the same as one append per character.
  void append_unchanged(std::string_view text, std::size_t source_begin);
  // Makes room for `folded_length` folded bytes in all.
  void reserve(std::size_t folded_length);
  // The source bytes a folded span came from. Precondition: span within the
  // folded text (end <= folded_size()), begin <= end.
  [[nodiscard]] SourceSpan to_source(FoldedSpan span) const;
  [[nodiscard]] std::size_t folded_size() const { return folded_size_; }

 private:
  // Consecutive pieces of one of two shapes. Shifted (folded_length 0): each
  // piece's source bytes are its folded bytes moved by source_begin -
  // folded_begin, which holds for any piece as long in the source as folded
  // (text left unchanged); piece boundaries come from piece_starts_. Or
  // uniform: each piece is folded_length folded bytes made from the next
  // source_length source bytes (full-width digits, GB18030 Han characters).
  struct Run {
    std::uint32_t folded_begin;
    std::uint32_t source_begin;
    std::uint32_t folded_length;
    std::uint32_t source_length;
  };
  [[nodiscard]] const Run& run_at(std::size_t folded_offset) const;
  [[nodiscard]] std::size_t piece_begin(std::size_t folded_offset) const;
  [[nodiscard]] std::size_t next_piece_begin(std::size_t folded_offset) const;
  [[nodiscard]] std::size_t source_begin(std::size_t folded_offset) const;
  [[nodiscard]] std::size_t source_end(std::size_t folded_offset) const;
  void grow_piece_starts(std::size_t folded_end);  // to cover folded bytes up to folded_end

  std::vector<Run> runs_;
  std::vector<std::uint64_t> piece_starts_;  // bit i set: folded byte i begins a piece
  std::size_t folded_size_ = 0;
  std::size_t pieces_end_ = 0;   // source end of the last piece, where the next extends a run
  std::size_t source_size_ = 0;  // end of the last span appended, for empty spans at the end
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
  std::size_t replaced_bytes = 0;  // undecodable source bytes replaced by U+FFFD
};

enum class SourceFormat { PlainText, Markdown, Html };

// Markdown for .md/.markdown/.mdown, HTML for .html/.htm/.xhtml
// (case-insensitive), plain text otherwise. make_document also reads as HTML
// any document whose first non-blank bytes are `<!doctype html` or `<html`.
[[nodiscard]] SourceFormat format_for_path(const std::filesystem::path& path);

struct IngestOptions {
  // The source encoding, overriding detection: any name or alias ICU knows,
  // case-insensitive ("GB18030", "gbk", "Big5", "Shift_JIS", "UTF-16LE",
  // "windows-1252", ...). Empty: detect (see make_document).
  std::string encoding;
  // Refuse a document with a longer line, in bytes of the original file
  // (default: no limit). Checked on the raw bytes before anything is
  // decoded, so a refused file costs one pass over its bytes. A line is what
  // lies between two line feeds (or the start or end of the file), the line
  // feed not counted; a line feed is the byte 0x0A in single-byte and
  // multi-byte encodings (no CJK multi-byte character contains that byte),
  // the code unit U+000A in UTF-16 and UTF-32, whose lines are measured in
  // bytes too (2 or 4 per code unit). A byte order mark counts in line 1.
  std::uint64_t max_line_length = std::numeric_limits<std::uint64_t>::max();
};

// The canonical name of an encoding name or alias ("gbk" and "GB2312" give
// "GB18030": they are read as GB18030; "sjis" gives "Shift_JIS", "utf8"
// gives "UTF-8"), nullopt when ICU does not know it. Lets a caller reject a
// bad --encoding before reading any file.
[[nodiscard]] std::optional<std::string> canonical_encoding(std::string_view name);

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

  // The sentence holding folded_offset (the last one for the text's end).
  [[nodiscard]] FoldedSpan sentence_at(std::size_t folded_offset) const;
};

// ICU sentence segmentation of UTF-8, in byte offsets: the boundaries ICU
// finds on a UTF-8 UText, found faster on a UTF-16 copy (a buffer of 2 bytes
// per folded byte while it runs). Throws std::runtime_error if ICU
// cannot create an iterator or the text exceeds 2 GiB.
[[nodiscard]] Segmentation segment(std::string_view folded);

// The URLs in folded text (`http://`, `https://` or `www.` up to a space,
// a quote, a bracket or Chinese punctuation), in text order. Reads the text
// as well-formed UTF-8, which folded text always is.
[[nodiscard]] std::vector<FoldedSpan> find_urls(std::string_view folded);

// Whether `bytes` are well-formed UTF-8, read as strictly as the decoder
// reads them: no overlong forms, surrogates or code points past U+10FFFF.
[[nodiscard]] bool is_utf8(std::string_view bytes);

// Converts UTF-8 that is well-formed as is_utf8 reads it to UTF-16, written
// to `out`, which must have room for utf8.size() code units (UTF-16 never
// needs more). Returns the number of code units, or nullopt (with `out`
// partly written) if the text is not well-formed. segment's UTF-16 copy:
// ICU's u_strFromUTF8 costs more, for substitution it does not need here.
[[nodiscard]] std::optional<std::size_t> utf8_to_utf16(std::string_view utf8, char16_t* out);

// Lowercase hex SHA-256 (OpenSSL libcrypto).
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

struct Document {
  std::string path;   // as given by the user
  std::string bytes;  // the original file's bytes, untouched
  std::string sha256;
  SourceFormat format = SourceFormat::PlainText;
  // Canonical name of the encoding the bytes were read in ("UTF-8",
  // "UTF-16LE", "UTF-16BE", "GB18030", "Big5", "Shift_JIS", "EUC-JP",
  // "EUC-KR", or ICU's IANA name for other overrides), and how sure the
  // detection was, 0-100 (see make_document).
  std::string encoding = "UTF-8";
  int encoding_confidence = 100;
  FoldedText folded;
  Segmentation segments;
  // The URLs of the folded text (find_urls): digits in them are neither
  // figures nor periods.
  std::vector<FoldedSpan> urls;

  // 1-based line number of a source byte offset.
  [[nodiscard]] std::size_t line_of(std::size_t source_offset) const;
  // The original bytes of a source span.
  [[nodiscard]] std::string_view source_text(SourceSpan span) const;
  // The original bytes of a source span decoded from the document's encoding
  // to UTF-8 (undecodable bytes become U+FFFD), for display and JSON: for a
  // UTF-8 document without invalid bytes it equals source_text. Markup and
  // entities inside an HTML span stay as written.
  [[nodiscard]] std::string source_utf8(SourceSpan span) const;

 private:
  friend Document make_document(std::string path, std::string bytes, SourceFormat format,
                                const IngestOptions& options);
  std::vector<std::size_t> line_starts_;  // source offsets where lines begin
};

// Raised for input that cannot be read as a document. what() is one line:
// "<path>: <reason>", e.g. "notes.txt: no such file or directory".
class IngestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Raised for a line longer than IngestOptions::max_line_length. what():
// "<path>: line N is L bytes long; the limit is M".
class LineTooLongError : public IngestError {
 public:
  using IngestError::IngestError;
};

// Builds a document from bytes already in memory. Throws IngestError when the
// bytes are empty or binary (a NUL byte in the first 8 KiB; for UTF-16 a NUL
// character), when more than 30% of the bytes cannot be decoded ("not text
// (N% of bytes are invalid UTF-8)"): a document must be text, and when the
// encoding is unknown or cannot be told; and LineTooLongError, once the
// encoding is chosen and before decoding, for a line longer than
// options.max_line_length. Bytes and folded text are limited to 2 GiB,
// because ICU BreakIterator offsets are int32_t.
//
// The encoding is options.encoding if given (confidence 100; a matching BOM
// is skipped; "<path>: unknown encoding 'X'" if ICU does not know it), else
// the first that applies of:
//  1. a byte order mark: UTF-8, UTF-16LE or UTF-16BE (confidence 100). A
//     UTF-16 BOM counts only if some character in the first 8 KiB is ASCII
//     (a tab, line break or printable): text with figures always has some,
//     while binary or Latin-1 data starting with FF FE has none;
//  2. for HTML, the charset it declares in its first 4 KiB (<meta charset>,
//     <meta http-equiv="Content-Type">, <?xml encoding?>) if ICU knows it
//     (confidence 100);
//  3. UTF-8 if the whole file is valid UTF-8 (confidence 100), or valid but
//     for a last character cut short (confidence: the share of valid bytes);
//  4. UTF-8 with its invalid bytes replaced if they are at most 1 in 20 of
//     its valid multi-byte sequences (confidence: the share of valid bytes);
//  5. ICU's detector (ucsdet) over the first 64 KiB, keeping only the CJK
//     multi-byte encodings GB18030, Big5, Shift_JIS, EUC-JP, EUC-KR (single
//     byte encodings decode anything, and ICU rates English with a stray
//     byte as ISO-8859-1: those need options.encoding). The detector's
//     evidence is the non-ASCII bytes, and it is unreliable on few of them,
//     so its confidence is scaled by min(1, non-ASCII bytes / 128); the
//     result is accepted at 60 or more. Measured on the corpus converted to
//     GB18030 and Big5: with 128 non-ASCII bytes or more, every sample was
//     right with ICU confidence 73 or more and no wrong guess reached 30;
//  6. otherwise, if the bytes decode cleanly (no invalid sequence, no
//     private-use or C1 character) as one of those CJK encodings, the file
//     is refused: "<path>: cannot tell the encoding (best guess X,
//     confidence N%); pass --encoding"; if they do not, they are UTF-8 with
//     invalid bytes (confidence: the share of valid bytes).
// GB2312 and GBK are read as GB18030 (a superset).
[[nodiscard]] Document make_document(std::string path, std::string bytes, SourceFormat format,
                                     const IngestOptions& options = {});

// Reads a file (format from its name) and builds its document. Throws
// IngestError for a missing path, a directory, an unreadable file, and
// everything make_document rejects.
[[nodiscard]] Document load_document(const std::filesystem::path& path, const IngestOptions& options = {});

}  // namespace figtrail
