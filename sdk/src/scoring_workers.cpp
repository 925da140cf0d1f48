#include "spotlight/sdk/scoring_workers.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

namespace spotlight {

namespace {

std::atomic<int> workers_setting{1};

// One call's blocks, taken in turn by the caller and the helpers that joined it.
struct Job {
  const std::function<void(int64_t)>* block = nullptr;
  int64_t blocks = 0;
  const at::ThreadLocalState* caller_state = nullptr;
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex failure_mutex;

  void work() {
    for (int64_t b = next++; b < blocks && !failed.load(); b = next++) {
      try {
        (*block)(b);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        failed.store(true);
      }
    }
  }
};

// Helper threads made once and kept for the process: the parts of a minibatch are a fraction
// of a millisecond of work each, about what starting a thread for each part cost, so the
// caller used to finish every part before a new thread had begun. One call runs at a time;
// a call made meanwhile (from a block, or from another thread) runs its blocks on its own thread.
class HelperPool {
 public:
  // False when the pool is busy: the caller then runs every block itself.
  bool run(Job& job, int helpers) {
    bool idle = false;
    if (!busy_.compare_exchange_strong(idle, true)) return false;
    struct Release {
      std::atomic<bool>& busy;
      ~Release() { busy.store(false); }
    } release{busy_};
    {
      std::lock_guard<std::mutex> lock(mutex_);
      grow(helpers);
      job_ = &job;
      wanted_ = helpers;
      joined_ = 0;
      finished_ = 0;
      ++generation_;
    }
    wake_.notify_all();
    job.work();
    std::unique_lock<std::mutex> lock(mutex_);
    // Helpers that have not joined yet will find no job; the blocks are all taken.
    wanted_ = joined_;
    done_.wait(lock, [&] { return finished_ == joined_; });
    job_ = nullptr;
    return true;
  }

 private:
  void grow(int helpers) {
    while (static_cast<int>(threads_.size()) < helpers) {
      threads_.emplace_back([this] { serve(); });
      threads_.back().detach();  // kept until the process ends
    }
  }

  void serve() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (!job_ || joined_ >= wanted_) continue;
      ++joined_;
      Job& job = *job_;
      lock.unlock();
      {
        at::ThreadLocalStateGuard state(*job.caller_state);
        // A thread's OpenMP team size is the process default, not the caller's setting.
        at::init_num_threads();
        job.work();
      }
      lock.lock();
      ++finished_;
      done_.notify_one();
    }
  }

  std::atomic<bool> busy_{false};  // a call is being served
  std::mutex mutex_;                // guards the fields below
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  uint64_t generation_ = 0;
  Job* job_ = nullptr;
  int wanted_ = 0, joined_ = 0, finished_ = 0;
};

HelperPool& helper_pool() {
  // Never destroyed (its threads outlive static destruction), and made again in a forked child,
  // which has none of its parent's threads.
  static HelperPool* pool = nullptr;
  static pid_t owner = 0;
  static std::mutex creation;
  std::lock_guard<std::mutex> lock(creation);
  if (!pool || owner != getpid()) {
    pool = new HelperPool();
    owner = getpid();
  }
  return *pool;
}

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
  Job job;
  job.block = &block;
  job.blocks = blocks;
  job.caller_state = &caller_state;
  if (!helper_pool().run(job, workers - 1)) job.work();
  if (job.failure) std::rethrow_exception(job.failure);
}

}  // namespace spotlight
