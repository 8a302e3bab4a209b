// Proves that the fuzz harness reaches the extractor: runs
// LLVMFuzzerTestOneInput (fuzz/extract_fuzzer.cpp, linked without libFuzzer)
// on every file of the seed corpus directories given as arguments and fails
// unless each seed yields at least one figure. A harness that returns early
// (a size check the wrong way round, a format that refuses everything) fuzzes
// nothing; this test catches it in every build, with either compiler.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
extern std::size_t figtrail_fuzz_last_figures;
int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
}

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> seeds;
  for (int i = 1; i < argc; ++i) {
    for (const auto& entry : fs::directory_iterator(argv[i])) {
      if (entry.is_regular_file()) seeds.push_back(entry.path());
    }
  }
  std::sort(seeds.begin(), seeds.end());
  if (seeds.empty()) {
    std::cerr << "seed_check: no seeds\n";
    return 1;
  }
  int failures = 0;
  for (const fs::path& seed : seeds) {
    std::ifstream in(seed, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    std::cout << seed.filename().string() << ": " << figtrail_fuzz_last_figures << " figures\n";
    if (figtrail_fuzz_last_figures == 0) {
      std::cerr << "seed_check: " << seed.string() << " yields no figures: the harness does not reach the extractor\n";
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
