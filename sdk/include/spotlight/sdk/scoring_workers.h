#pragma once

#include <cstdint>
#include <functional>

#include "spotlight/sdk/export.h"

namespace spotlight {

// How many threads score blocks at once in for_each_user_scores and for_each_sequence_scores.
// Each worker takes the next block of users (or sequences), scores it and visits its rows, so
// the score product, the ranking pass and the metric all run on the worker's own core. The
// host sets this while it evaluates and keeps LibTorch's and the BLAS's own pools at one
// thread meanwhile, so workers never oversubscribe the cores. 1 (the default) scores the
// blocks in turn on the calling thread.
SPOTLIGHT_SDK_API void set_scoring_workers(int workers);
SPOTLIGHT_SDK_API int scoring_workers();

// Calls block(b) for every b in [0, blocks) on up to scoring_workers() threads: the caller and
// helper threads made once per process and kept, each running with the caller's LibTorch
// thread-local state (grad mode among it). Between calls the helpers, and the caller at the
// end of a call, wait awake for up to 1 ms before sleeping (not when the helpers and the
// caller outnumber the cores), so back-to-back calls do not pay a thread's wake-up. A call
// made while the helpers serve another (from inside a block, or from a second thread) runs
// its blocks on the calling thread. The first exception a block throws stops the others from
// taking new blocks and reaches the caller.
SPOTLIGHT_SDK_API void for_each_block(int64_t blocks, const std::function<void(int64_t block)>& block);
// The same on up to `workers` threads, whatever scoring_workers() says (the host trains the
// parts of a minibatch with it).
SPOTLIGHT_SDK_API void for_each_block_on(int workers, int64_t blocks, const std::function<void(int64_t block)>& block);

}  // namespace spotlight
