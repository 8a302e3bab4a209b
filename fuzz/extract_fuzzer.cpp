// libFuzzer target: the whole pipeline on arbitrary bytes.
//
// The first byte picks the source format (0 plain text, 1 Markdown, 2 HTML
// when ingest has it, else plain text; modulo 3, so seeds can start with
// '0', '1' or '2'); the rest is the document. make_document decodes, folds
// and segments it; extract_figures matches and normalizes. IngestError is
// expected (empty, binary, not text) and LimitError too (more candidates than
// the CLI's default --max-figures). Any other exception, a sanitizer report
// or a broken invariant is a crash:
//   - the document keeps the input's bytes untouched;
//   - every figure's source span lies within the input, and the input's bytes
//     there are exactly the figure's text;
//   - its folded span lies within the folded text; its line is the line of
//     its first byte; it has a value, or both ends of a range.
//
// figtrail_fuzz_last_figures holds the number of figures of the last input,
// so a test can prove that the seeds reach the extractor (fuzz/seed_check.cpp).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "figtrail/extract.hpp"
#include "figtrail/ingest.hpp"
#include "figtrail/normalize.hpp"

extern "C" {
extern std::size_t figtrail_fuzz_last_figures;
std::size_t figtrail_fuzz_last_figures = 0;
}

namespace {

// Inputs are capped; run the fuzzer with -max_len=65536 (or less).
constexpr std::size_t kMaxInput = 64 * 1024;
// The CLI's default --max-figures.
constexpr std::size_t kMaxCandidates = 200'000;

// SourceFormat::Html when ingest has it (a template, so the check compiles
// either way), else plain text.
template <typename Format>
Format format_for(std::uint8_t selector) {
  switch (selector % 3) {
    case 1:
      return Format::Markdown;
    case 2:
      if constexpr (requires { Format::Html; }) {
        return Format::Html;
      } else {
        return Format::PlainText;
      }
    default:
      return Format::PlainText;
  }
}

[[noreturn]] void broken(const char* what, const figtrail::Figure* figure, std::string_view input) {
  std::fprintf(stderr, "extract_fuzzer: invariant broken: %s\n", what);
  if (figure != nullptr) {
    std::fprintf(stderr, "  figure text \"%s\" rule %s source [%zu, %zu) folded [%zu, %zu) line %zu\n",
                 figure->text.c_str(), figure->rule.c_str(), figure->source.begin, figure->source.end,
                 figure->folded.begin, figure->folded.end, figure->line);
  }
  std::fprintf(stderr, "  input size %zu\n", input.size());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  figtrail_fuzz_last_figures = 0;
  if (size > kMaxInput) return -1;  // not added to the corpus
  const figtrail::SourceFormat format = format_for<figtrail::SourceFormat>(size > 0 ? data[0] : 0);
  const std::string_view input =
      size > 0 ? std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1) : std::string_view();

  std::optional<figtrail::Document> doc;
  try {
    doc.emplace(figtrail::make_document("fuzz-input", std::string(input), format));
  } catch (const figtrail::IngestError&) {
    return 0;  // empty, binary or not text: refused, as expected
  }
  if (doc->bytes != input) broken("document bytes differ from the input", nullptr, input);

  std::vector<figtrail::Figure> figures;
  try {
    figures = figtrail::extract_figures(*doc, figtrail::FxTable::builtin(), kMaxCandidates);
  } catch (const figtrail::LimitError&) {
    return 0;
  }
  for (const figtrail::Figure& f : figures) {
    if (f.source.begin > f.source.end || f.source.end > input.size()) broken("source span outside the input", &f, input);
    if (input.substr(f.source.begin, f.source.end - f.source.begin) != f.text) {
      broken("source bytes differ from the figure's text", &f, input);
    }
    if (doc->source_text(f.source) != f.text) broken("Document::source_text differs from the figure's text", &f, input);
    if (f.folded.begin > f.folded.end || f.folded.end > doc->folded.text.size()) {
      broken("folded span outside the folded text", &f, input);
    }
    if (f.line != doc->line_of(f.source.begin)) broken("wrong line", &f, input);
    if (f.low.has_value() != f.high.has_value() || f.value.has_value() == f.low.has_value()) {
      broken("neither a value nor a range", &f, input);
    }
  }
  figtrail_fuzz_last_figures = figures.size();
  return 0;
}
