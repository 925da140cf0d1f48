#include "spotlight/sdk/scoring_workers.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

namespace spotlight {

namespace {

std::atomic<int> workers_setting{1};

}  // namespace

void set_scoring_workers(int workers) { workers_setting.store(std::max(1, workers)); }

int scoring_workers() { return workers_setting.load(); }

void for_each_block(int64_t blocks, const std::function<void(int64_t block)>& block) {
  for_each_block_on(scoring_workers(), blocks, block);
}

void for_each_block_on(int wanted, int64_t blocks, const std::function<void(int64_t block)>& block) {
  const auto workers = static_cast<int>(std::min<int64_t>(wanted, blocks));
  if (workers <= 1) {
    for (int64_t b = 0; b < blocks; ++b) block(b);
    return;
  }
  const at::ThreadLocalState caller_state;
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    at::ThreadLocalStateGuard state(caller_state);
    // A new thread's OpenMP team size is the process default, not the caller's setting.
    at::init_num_threads();
    for (int64_t b = next++; b < blocks && !failed.load(); b = next++) {
      try {
        block(b);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        failed.store(true);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 1; i < workers; ++i) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace spotlight
