// The batch pipeline: worker threads read and extract documents, the calling
// thread consumes the results one at a time in input order (it prints them,
// or is the single writer to SQLite). At most `window` documents are in
// flight, so memory is bounded by the documents being worked on, not by the
// size of the batch; and the output is the same, byte for byte, whatever the
// number of threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace figtrail::cli {

// Runs `work(i)` for i in [0, count) on `jobs` threads and `consume(i,
// result)` on the calling thread in order of i. `work` must not throw (it
// returns its failure in the result); an exception from `consume` stops the
// workers and is rethrown.
template <typename Result>
void run_in_order(std::size_t count, unsigned jobs, const std::function<Result(std::size_t)>& work,
                  const std::function<void(std::size_t, Result&&)>& consume) {
  if (jobs <= 1 || count <= 1) {
    for (std::size_t i = 0; i < count; ++i) consume(i, work(i));
    return;
  }
  const std::size_t window = 2 * static_cast<std::size_t>(jobs);
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::size_t, Result> done;  // finished, not yet consumed
  std::size_t next_job = 0;            // next index to hand to a worker
  std::size_t next_out = 0;            // next index to consume
  bool stop = false;

  const auto worker = [&] {
    for (;;) {
      std::size_t i = 0;
      {
        std::unique_lock lock(mutex);
        // Do not run more than `window` documents ahead of the consumer.
        changed.wait(lock, [&] { return stop || next_job >= count || next_job < next_out + window; });
        if (stop || next_job >= count) return;
        i = next_job++;
      }
      Result result = work(i);
      {
        std::lock_guard lock(mutex);
        done.emplace(i, std::move(result));
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(jobs);
  for (unsigned t = 0; t < jobs; ++t) threads.emplace_back(worker);

  std::exception_ptr failure;
  try {
    while (next_out < count) {
      Result result;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return done.count(next_out) != 0; });
        auto node = done.extract(next_out);
        result = std::move(node.mapped());
      }
      consume(next_out, std::move(result));
      {
        std::lock_guard lock(mutex);
        ++next_out;
      }
      changed.notify_all();
    }
  } catch (...) {
    failure = std::current_exception();
  }
  {
    std::lock_guard lock(mutex);
    stop = true;
  }
  changed.notify_all();
  for (std::thread& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace figtrail::cli
