// The batch pipeline (cli/pipeline.hpp): results consumed in input order,
// a bounded window of documents in flight, the workers' priority, failures.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <thread>
#include <vector>

#include "pipeline.hpp"

using figtrail::cli::Idle;
using figtrail::cli::Pace;
using figtrail::cli::run_in_order;

namespace {

int thread_nice() {
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  REQUIRE(errno == 0);
  return nice;
}

}  // namespace

TEST_CASE("results are consumed in input order, whatever the threads", "[pipeline]") {
  for (const unsigned jobs : {1u, 2u, 5u}) {
    std::vector<std::size_t> consumed;
    run_in_order<std::size_t>(
        300, jobs,
        [](std::size_t i) {
          // Later items finish first now and then.
          if (i % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
          return i * 3;
        },
        [&](std::size_t i, std::size_t&& result) {
          CHECK(result == i * 3);
          consumed.push_back(i);
        });
    INFO("jobs " << jobs);
    REQUIRE(consumed.size() == 300);
    CHECK(std::is_sorted(consumed.begin(), consumed.end()));
    CHECK(consumed.back() == 299);
  }
}

TEST_CASE("no more documents are in flight than the pace's window", "[pipeline]") {
  std::atomic<int> in_flight{0};
  std::atomic<int> most{0};
  const Pace pace{3, 0};
  run_in_order<int>(
      120, 2,
      [&](std::size_t) {
        const int now = ++in_flight;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        return 0;
      },
      [&](std::size_t, int&&) {
        std::this_thread::sleep_for(std::chrono::microseconds(300));  // a slow writer
        --in_flight;
      },
      Idle{}, pace);
  CHECK(most.load() <= 6);  // 3 per worker, 2 workers
  CHECK(most.load() >= 3);  // and the workers did run ahead of the consumer
}

TEST_CASE("the workers run at the nice value the pace adds, the consumer at its own", "[pipeline]") {
  const int own = thread_nice();
  std::vector<int> worker_nice;
  run_in_order<int>(
      20, 2, [](std::size_t) { return thread_nice(); },
      [&](std::size_t, int&& nice) {
        worker_nice.push_back(nice);
        CHECK(thread_nice() == own);
      },
      Idle{}, Pace{2, 7});
  REQUIRE(worker_nice.size() == 20);
  for (const int nice : worker_nice) CHECK(nice == std::min(own + 7, 19));
}

TEST_CASE("a consumer's exception stops the workers and reaches the caller", "[pipeline]") {
  std::atomic<std::size_t> worked{0};
  CHECK_THROWS_WITH(run_in_order<int>(
                        100'000, 2,
                        [&](std::size_t) {
                          ++worked;
                          return 0;
                        },
                        [](std::size_t i, int&&) {
                          if (i == 10) throw std::runtime_error("disk full");
                        }),
                    "disk full");
  CHECK(worked.load() < 100'000);
}
