// The batch pipeline: worker threads read and extract documents, the calling
// thread consumes the results one at a time in input order (it prints them,
// or is the single writer to SQLite). At most a window of documents are in
// flight, so memory is bounded by the documents being worked on, not by the
// size of the batch; and the output is the same, byte for byte, whatever the
// number of threads.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace figtrail::cli {

// While the consumer waits for the next result: `call` every `period` (the
// single writer commits a batch that has grown old meanwhile, so that it does
// not hold SQLite's write lock while the workers extract).
struct Idle {
  std::chrono::milliseconds period{10};
  std::function<void()> call;
};

// How the workers make room for a consumer that is the pipeline's
// bottleneck (ingest's single writer): the workers may run further ahead of
// it, and yield the CPU to it, so that it never waits for a core while they
// work ahead. With as many workers as cores, the writer is one thread more
// than there are cores, and a fair share of the CPU left it starved.
struct Pace {
  std::size_t window_per_job = 2;  // documents in flight per worker
  int worker_nice = 0;             // added to each worker thread's nice value
};

// Lowers the calling thread's scheduling priority by `increment` (Linux
// keeps a nice value per thread). Only a hint to the scheduler: should the
// system refuse it, the thread runs as it was, which is correct, only slower.
inline void lower_thread_priority(int increment) {
  const auto thread = static_cast<id_t>(::gettid());
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, thread);
  if (nice == -1 && errno != 0) return;
  static_cast<void>(::setpriority(PRIO_PROCESS, thread, std::min(nice + increment, 19)));
}

// Runs `work(i)` for i in [0, count) on `jobs` threads and `consume(i,
// result)` on the calling thread in order of i. `work` must not throw (it
// returns its failure in the result); an exception from `consume` or from
// `idle.call` stops the workers and is rethrown. With one job and no idle
// call, or a single item, the calling thread does the work itself; with an
// idle call one job is one worker thread, so that the consumer can wait.
template <typename Result>
void run_in_order(std::size_t count, unsigned jobs, const std::function<Result(std::size_t)>& work,
                  const std::function<void(std::size_t, Result&&)>& consume, const Idle& idle = {},
                  const Pace& pace = {}) {
  if ((jobs <= 1 && !idle.call) || count <= 1) {
    for (std::size_t i = 0; i < count; ++i) consume(i, work(i));
    return;
  }
  jobs = std::max(jobs, 1u);
  const std::size_t window = std::max<std::size_t>(pace.window_per_job, 1) * jobs;
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::size_t, Result> done;  // finished, not yet consumed
  std::size_t next_job = 0;            // next index to hand to a worker
  std::size_t next_out = 0;            // next index to consume
  bool stop = false;

  const auto worker = [&] {
    if (pace.worker_nice > 0) lower_thread_priority(pace.worker_nice);
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
        const auto ready = [&] { return done.count(next_out) != 0; };
        if (idle.call) {
          while (!changed.wait_for(lock, idle.period, ready)) {
            lock.unlock();
            idle.call();
            lock.lock();
          }
        } else {
          changed.wait(lock, ready);
        }
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
