// Documents: reading, validation as text, hashing and line numbers.
#include "figtrail/ingest.hpp"

#include "chars.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

namespace figtrail {

namespace {

// ICU BreakIterator offsets are int32_t, which bounds both the source and the
// folded text (the OffsetMap's uint32 offsets would allow 4 GiB).
constexpr std::size_t kMaxBytes = std::numeric_limits<std::int32_t>::max();

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// "<path>: cannot read (<strerror>)" for the current errno, read before
// anything else can overwrite it.
IngestError read_error(const std::string& path) {
  const int error = errno;
  return IngestError(path + ": cannot read (" + std::generic_category().message(error) + ")");
}

}  // namespace

SourceFormat format_for_path(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::ranges::transform(extension, extension.begin(), ascii_lower);
  if (extension == ".md" || extension == ".markdown" || extension == ".mdown") return SourceFormat::Markdown;
  if (extension == ".html" || extension == ".htm" || extension == ".xhtml") return SourceFormat::Html;
  return SourceFormat::PlainText;
}

bool is_utf8(std::string_view bytes) { return detail::utf8_stats(bytes).invalid_bytes == 0; }

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0F]);
  }
  return hex;
}

std::size_t Document::line_of(std::size_t source_offset) const {
  return static_cast<std::size_t>(
      std::upper_bound(line_starts_.begin(), line_starts_.end(), source_offset) -
      line_starts_.begin());
}

std::string_view Document::source_text(SourceSpan span) const {
  return std::string_view(bytes).substr(span.begin, span.end - span.begin);
}

std::string Document::source_utf8(SourceSpan span) const {
  const std::string_view raw = source_text(span);
  std::optional<detail::Encoding> decoding = detail::encoding_named(encoding);
  if (!decoding) decoding = detail::encoding_named("UTF-8");
  decoding->bom = 0;
  const std::unique_ptr<detail::Decoder> decoder = detail::open_decoder(raw, *decoding, nullptr);
  std::string text;
  text.reserve(raw.size());
  while (const detail::SourceChar* c = decoder->peek()) {
    detail::append_utf8(text, c->invalid ? 0xFFFD : c->cp);
    decoder->advance();
  }
  return text;
}

Document make_document(std::string path, std::string bytes, SourceFormat format, const IngestOptions& options) {
  if (bytes.empty()) throw IngestError(path + ": file is empty");
  const std::string too_large = path + ": file too large (limit 2 GiB)";
  if (bytes.size() > kMaxBytes) throw IngestError(too_large);
  if (format != SourceFormat::Html && detail::looks_like_html(bytes)) format = SourceFormat::Html;
  const bool html = format == SourceFormat::Html;
  const std::optional<detail::Encoding> declared = detail::choose_encoding(path, bytes, html, options);

  Document document;
  const auto decode_and_fold = [&](const detail::Encoding& encoding) {
    document.line_starts_.assign(1, 0);
    const std::unique_ptr<detail::Decoder> decoder =
        detail::open_decoder(bytes, encoding, &document.line_starts_);
    if (html) {
      const std::unique_ptr<detail::CharStream> text = detail::html_text(*decoder, bytes.size());
      document.folded = detail::fold_chars(*text, encoding.bom, bytes.size());
      document.folded.replaced_bytes = decoder->invalid_bytes();
    } else {
      document.folded = detail::fold_chars(*decoder, encoding.bom, bytes.size());
    }
  };
  // Bytes that declare no encoding are UTF-8 if they are valid, as most are:
  // folding them as UTF-8 tells, without a validating pass of its own. Only
  // for invalid bytes is the encoding decided from them, and they are folded
  // again if it is not UTF-8.
  detail::Encoding encoding = declared ? *declared : *detail::encoding_named("UTF-8");
  decode_and_fold(encoding);
  if (!declared && document.folded.replaced_bytes > 0) {
    encoding = detail::undeclared_encoding(path, bytes, html);
    if (encoding.name != "UTF-8") decode_and_fold(encoding);
  }
  const std::size_t replaced = document.folded.replaced_bytes;
  if (replaced * 10 > bytes.size() * 3) {
    // Rounded up, so a rejected file never reports 30% or less.
    const std::size_t percent = (replaced * 100 + bytes.size() - 1) / bytes.size();
    throw IngestError(path + ": not text (" + std::to_string(percent) + "% of bytes are invalid " +
                      encoding.name + ")");
  }
  if (document.folded.text.size() > kMaxBytes) throw IngestError(too_large);
  if (format == SourceFormat::Markdown) blank_markdown_link_targets(document.folded.text);
  document.segments = segment(document.folded.text);
  document.urls = find_urls(document.folded.text);
  document.sha256 = sha256_hex(bytes);

  document.path = std::move(path);
  document.bytes = std::move(bytes);
  document.format = format;
  document.encoding = encoding.name;
  document.encoding_confidence = encoding.confidence;
  return document;
}

Document load_document(const std::filesystem::path& path, const IngestOptions& options) {
  const std::string name = path.string();
  std::error_code error;
  const std::filesystem::file_type type = std::filesystem::status(path, error).type();
  if (type == std::filesystem::file_type::not_found) {
    throw IngestError(name + ": no such file or directory");
  }
  if (type == std::filesystem::file_type::directory) throw IngestError(name + ": is a directory");

  const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw read_error(name);
  // Straight into a string of the file's size: no staging copy, no regrowth.
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  std::string bytes(error ? 0 : static_cast<std::size_t>(size), '\0');
  bytes.resize(std::fread(bytes.data(), 1, bytes.size(), file.get()));
  // Whatever the size did not cover: a file that grew meanwhile, a pipe.
  char buffer[1 << 16];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) bytes.append(buffer, count);
  if (std::ferror(file.get()) != 0) throw read_error(name);
  return make_document(name, std::move(bytes), format_for_path(path), options);
}

}  // namespace figtrail
