// figtrail-micro-bench: Google Benchmark micro-benchmarks of the hot calls.
//
//   figtrail-micro-bench [--benchmark_filter=REGEX] [other Google Benchmark flags]
//
// The texts are about 10 KB of the development corpus (corpus/*.txt, or the
// directory in $FIGTRAIL_CORPUS): a Chinese text (its lines that are mostly
// Chinese) and an English one (its lines that are mostly ASCII), taken in file
// order; for folding also the English text reduced to ASCII and turned into
// full-width forms (U+FF01-U+FF5E, U+3000), which NFKC folds back. And a
// one-sentence document ("short", Arg 4), whose time is mostly what a call
// costs per document whatever its length.
//
// The period analysis caches the last document per thread (by its text
// buffer), so the benchmarks that normalize alternate between two copies of
// the document: each call pays for the analysis, as each document does in a
// real run.
#include <benchmark/benchmark.h>
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/utext.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "figtrail/extract.hpp"
#include "figtrail/ingest.hpp"
#include "figtrail/normalize.hpp"

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kTextBytes = 10 * 1024;

struct Texts {
  std::string chinese;
  std::string english;
  std::string ascii;
  std::string fullwidth;
};

// Share of a line's bytes that belong to non-ASCII characters.
double non_ascii_share(std::string_view line) {
  const auto n = std::count_if(line.begin(), line.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  return line.empty() ? 0 : static_cast<double>(n) / static_cast<double>(line.size());
}

const Texts& texts() {
  static const Texts t = [] {
    const char* env = std::getenv("FIGTRAIL_CORPUS");
    const fs::path dir = env && *env ? env : FIGTRAIL_CORPUS_DIR;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".txt") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    Texts out;
    // Whole lines of 40 bytes or more (no headings), in file order: Chinese
    // when more than 60% of their bytes are non-ASCII, English when less
    // than 15% (arrows, dashes); repeated until each text reaches 10 KB, cut
    // at a character boundary.
    std::vector<std::string> chinese;
    std::vector<std::string> english;
    for (const fs::path& path : files) {
      std::ifstream in(path, std::ios::binary);
      for (std::string line; std::getline(in, line);) {
        if (line.size() < 40) continue;
        const double share = non_ascii_share(line);
        if (share > 0.6) chinese.push_back(line + '\n');
        if (share < 0.15) english.push_back(line + '\n');
      }
    }
    for (auto [lines, text] : {std::pair{&chinese, &out.chinese}, std::pair{&english, &out.english}}) {
      if (lines->empty()) {
        std::cerr << "figtrail-micro-bench: " << dir << ": no Chinese or no English lines for the samples\n";
        std::exit(1);
      }
      for (std::size_t i = 0; text->size() <= kTextBytes; ++i) *text += (*lines)[i % lines->size()];
      std::size_t cut = kTextBytes;
      while (cut > 0 && (static_cast<unsigned char>((*text)[cut]) & 0xC0) == 0x80) --cut;
      text->resize(cut);
    }
    for (char c : out.english) {
      if (static_cast<unsigned char>(c) < 0x80) out.ascii += c;
    }
    // Full-width forms: U+FF01..U+FF5E for '!'..'~', U+3000 for a space.
    for (char c : out.ascii) {
      if (c == ' ') {
        out.fullwidth += "\xE3\x80\x80";
      } else if (c >= '!' && c <= '~') {
        const unsigned code = 0xFF01u + static_cast<unsigned>(c - '!');
        out.fullwidth += static_cast<char>(0xE0 | (code >> 12));
        out.fullwidth += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out.fullwidth += static_cast<char>(0x80 | (code & 0x3F));
      } else {
        out.fullwidth += c;
      }
    }
    return out;
  }();
  return t;
}

const std::string& text_of(int which) {
  const Texts& t = texts();
  switch (which) {
    case 0: return t.chinese;
    case 1: return t.english;
    case 2: return t.ascii;
    case 3: return t.fullwidth;
    default: {
      static const std::string kShort = "据IDC统计,2025年全球AI市场规模约为3760亿美元,同比增长26%。\n";
      return kShort;
    }
  }
}

const char* label_of(int which) {
  static constexpr const char* kLabels[] = {"chinese", "english", "ascii", "fullwidth", "short"};
  return kLabels[which];
}

figtrail::Document document_of(int which) {
  return figtrail::make_document(std::string(label_of(which)) + ".txt", text_of(which),
                                 figtrail::SourceFormat::PlainText);
}

const figtrail::Matcher& matcher() {
  static const figtrail::Matcher m;
  return m;
}

// ---------------------------------------------------------------- numbers

void parse_numbers(benchmark::State& state, const std::vector<std::string>& inputs) {
  for (const std::string& s : inputs) {
    if (!figtrail::parse_number(s).value) {
      state.SkipWithError(("does not parse: " + s).c_str());
      return;
    }
  }
  for (auto _ : state) {
    for (const std::string& s : inputs) benchmark::DoNotOptimize(figtrail::parse_number(s));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(inputs.size()));
}

void BM_ParseNumber_Arabic(benchmark::State& state) {
  parse_numbers(state, {"1,993", "2,500,000", "1,234,567.89", "0.30", "52.8", "376", "8430", "12,345,678,901"});
}
void BM_ParseNumber_Chinese(benchmark::State& state) {
  parse_numbers(state, {"一千九百九十三", "两万", "一万五千亿", "五十二点八", "三千四百五十六万七千八百九十", "八千四百三十",
                        "十二", "贰佰伍拾"});
}
void BM_ParseNumber_English(benchmark::State& state) {
  parse_numbers(state, {"twelve", "twenty-five", "ninety-nine", "seven", "forty", "eighty-one"});
}
BENCHMARK(BM_ParseNumber_Arabic);
BENCHMARK(BM_ParseNumber_Chinese);
BENCHMARK(BM_ParseNumber_English);

// ---------------------------------------------------------------- ingest

// Arg: 0 Chinese, 1 English, 2 ASCII, 3 full-width.
void BM_FoldUtf8(benchmark::State& state) {
  const std::string& text = text_of(static_cast<int>(state.range(0)));
  state.SetLabel(label_of(static_cast<int>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(figtrail::fold_utf8(text));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_FoldUtf8)->Arg(2)->Arg(0)->Arg(3);

void BM_Segment(benchmark::State& state) {
  const std::string folded = figtrail::fold_utf8(text_of(static_cast<int>(state.range(0)))).text;
  state.SetLabel(label_of(static_cast<int>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(figtrail::segment(folded));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(folded.size()));
}
BENCHMARK(BM_Segment)->Arg(0)->Arg(1)->Arg(4);

void BM_MakeDocument(benchmark::State& state) {
  const std::string& text = text_of(static_cast<int>(state.range(0)));
  state.SetLabel(label_of(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    benchmark::DoNotOptimize(figtrail::make_document("bench.txt", text, figtrail::SourceFormat::PlainText));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_MakeDocument)->Arg(0)->Arg(1);

// ICU's iterators and passes: creating the sentence iterator (segment()
// makes one per thread), the sentence pass over a UTF-8 UText (segment()
// runs it over a UTF-16 copy: BM_Segment), and for comparison a whole-text
// word pass (dictionary-based for Han), which figtrail does not run: between
// two ASCII letters or digits, the only place the matcher needs to know,
// Unicode word rules never break.
std::unique_ptr<icu::BreakIterator> sentence_iterator() {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> it(
      icu::BreakIterator::createSentenceInstance(icu::Locale("en@ss=standard"), status));
  return U_SUCCESS(status) ? std::move(it) : nullptr;
}
std::unique_ptr<icu::BreakIterator> word_iterator() {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> it(icu::BreakIterator::createWordInstance(icu::Locale("zh"), status));
  return U_SUCCESS(status) ? std::move(it) : nullptr;
}

void BM_IcuCreateIterators(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(sentence_iterator());
    benchmark::DoNotOptimize(word_iterator());
  }
}
BENCHMARK(BM_IcuCreateIterators);

void icu_pass(benchmark::State& state, icu::BreakIterator* iterator) {
  const std::string folded = figtrail::fold_utf8(text_of(static_cast<int>(state.range(0)))).text;
  state.SetLabel(label_of(static_cast<int>(state.range(0))));
  UErrorCode status = U_ZERO_ERROR;
  UText* text = utext_openUTF8(nullptr, folded.data(), static_cast<std::int64_t>(folded.size()), &status);
  if (iterator == nullptr || U_FAILURE(status)) {
    state.SkipWithError("ICU: cannot open the text or create the iterator");
    return;
  }
  std::vector<std::size_t> bounds;
  for (auto _ : state) {
    bounds.clear();
    iterator->setText(text, status);
    for (std::int32_t at = iterator->first(); at != icu::BreakIterator::DONE; at = iterator->next()) {
      bounds.push_back(static_cast<std::size_t>(at));
    }
    benchmark::DoNotOptimize(bounds.data());
  }
  utext_close(text);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(folded.size()));
}
void BM_IcuSentences(benchmark::State& state) { icu_pass(state, sentence_iterator().get()); }
void BM_IcuWords(benchmark::State& state) { icu_pass(state, word_iterator().get()); }
BENCHMARK(BM_IcuSentences)->Arg(0)->Arg(1);
BENCHMARK(BM_IcuWords)->Arg(0)->Arg(1);

// ---------------------------------------------------------------- extract, normalize

// Two matchers take turns: each find starts with an empty submatch cache
// (it is kept per matcher), as for a document unlike the ones before it.
void BM_MatcherFind(benchmark::State& state) {
  const figtrail::Document doc = document_of(static_cast<int>(state.range(0)));
  const figtrail::Matcher matchers[2];
  std::size_t mentions = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto found = matchers[i++ & 1].find(doc);
    mentions = found.size();
    benchmark::DoNotOptimize(found.data());
  }
  state.SetLabel(std::string(label_of(static_cast<int>(state.range(0)))) + ", " + std::to_string(mentions) +
                 " mentions");
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(doc.bytes.size()));
}
BENCHMARK(BM_MatcherFind)->Arg(0)->Arg(1)->Arg(4);

void BM_Normalize(benchmark::State& state) {
  const figtrail::Document docs[2] = {document_of(static_cast<int>(state.range(0))),
                                      document_of(static_cast<int>(state.range(0)))};
  const auto mentions = matcher().find(docs[0]);
  const figtrail::Normalizer normalizer;
  std::size_t figures = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto found = normalizer.normalize(docs[i++ & 1], mentions);
    figures = found.size();
    benchmark::DoNotOptimize(found.data());
  }
  state.SetLabel(std::string(label_of(static_cast<int>(state.range(0)))) + ", " + std::to_string(figures) +
                 " figures");
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(docs[0].bytes.size()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(figures));
}
BENCHMARK(BM_Normalize)->Arg(0)->Arg(1)->Arg(4);

// extract_figures on a built document: match + normalize.
void BM_ExtractFigures(benchmark::State& state) {
  const figtrail::Document docs[2] = {document_of(static_cast<int>(state.range(0))),
                                      document_of(static_cast<int>(state.range(0)))};
  std::size_t figures = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto found = figtrail::extract_figures(docs[i++ & 1]);
    figures = found.size();
    benchmark::DoNotOptimize(found.data());
  }
  state.SetLabel(std::string(label_of(static_cast<int>(state.range(0)))) + ", " + std::to_string(figures) +
                 " figures");
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(docs[0].bytes.size()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(figures));
}
BENCHMARK(BM_ExtractFigures)->Arg(0)->Arg(1);

// From bytes to figures: make_document + extract_figures (no I/O, no output).
void BM_EndToEnd(benchmark::State& state) {
  const std::string& text = text_of(static_cast<int>(state.range(0)));
  std::size_t figures = 0;
  // The previous document stays alive, so the new one never reuses its buffer
  // (the period cache would take it for the same document).
  figtrail::Document docs[2];
  std::size_t i = 0;
  for (auto _ : state) {
    figtrail::Document& doc = docs[i++ & 1];
    doc = figtrail::make_document("bench.txt", text, figtrail::SourceFormat::PlainText);
    const auto found = figtrail::extract_figures(doc);
    figures = found.size();
    benchmark::DoNotOptimize(found.data());
  }
  state.SetLabel(std::string(label_of(static_cast<int>(state.range(0)))) + ", " + std::to_string(figures) +
                 " figures");
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(figures));
}
BENCHMARK(BM_EndToEnd)->Arg(0)->Arg(1)->Arg(4);

}  // namespace

BENCHMARK_MAIN();
