#include "spotlight/sdk/scoring_workers.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
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

// Spins until ready() holds or `budget` has passed; true when it holds. A thread asleep on a
// futex took 100-300 microseconds to wake on a 2-vCPU VM, longer than the serial work between
// two minibatches' parts, so the helpers and the caller first wait awake for a while, unless
// the helpers and the caller outnumber the cores (then spinning would steal a working core).
template <typename Ready>
bool spin_until(std::chrono::microseconds budget, const Ready& ready) {
  if (budget.count() == 0) return ready();
  const auto give_up = std::chrono::steady_clock::now() + budget;
  for (int round = 1;; ++round) {
    if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if (round % 64 == 0 && std::chrono::steady_clock::now() > give_up) return ready();
  }
}

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
      finished_.store(0);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    job.work();
    int joined = 0;
    {
      // Helpers that have not joined yet will find no job; the blocks are all taken.
      std::lock_guard<std::mutex> lock(mutex_);
      wanted_ = joined = joined_;
    }
    if (!spin_until(spin_budget_, [&] { return finished_.load() == joined; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return finished_.load() == joined; });
    }
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = nullptr;
    return true;
  }

 private:
  void grow(int helpers) {
    if (static_cast<int>(threads_.size()) >= helpers) return;
    while (static_cast<int>(threads_.size()) < helpers) {
      threads_.emplace_back([this] { serve(); });
      threads_.back().detach();  // kept until the process ends
    }
    // Only when the pool grows: hardware_concurrency() reads the system's CPU list.
    const bool one_core_each = threads_.size() < std::max(1u, std::thread::hardware_concurrency());
    spin_budget_ = std::chrono::microseconds(one_core_each ? 1000 : 0);
  }

  void serve() {
    uint64_t seen = 0;
    for (;;) {
      spin_until(spin_budget_, [&] { return generation_.load() != seen; });
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
      seen = generation_.load();
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
      finished_.fetch_add(1);
      lock.unlock();
      done_.notify_one();
    }
  }

  std::atomic<bool> busy_{false};  // a call is being served
  std::atomic<uint64_t> generation_{0};  // counts calls; changed under mutex_
  std::atomic<int> finished_{0};         // helpers done with this call; changed under mutex_
  std::mutex mutex_;                     // guards the fields below
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  std::atomic<std::chrono::microseconds> spin_budget_{std::chrono::microseconds(0)};
  Job* job_ = nullptr;
  int wanted_ = 0, joined_ = 0;
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
