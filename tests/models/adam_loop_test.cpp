// The loops behind the adam and sparse_adam plugins, each on the CPUs that have it, against
// the plain loop (itself checked against LibTorch's Adam in hand_gradients_test.cpp).
#include "optimizers/adam/adam_loop.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "spotlight/sdk/random.h"

namespace {

struct State {
  std::vector<float> parameter, gradient, first, second;
};

State random_state(int64_t n) {
  spotlight::Random random(21);
  State state;
  for (int64_t i = 0; i < n; ++i) {
    state.parameter.push_back(static_cast<float>(random.normal()));
    state.gradient.push_back(static_cast<float>(random.normal() * (i % 5 == 0 ? 1e-4 : 1.0)));
    state.first.push_back(static_cast<float>(random.normal() * 0.1));
    state.second.push_back(static_cast<float>(std::abs(random.normal()) * (i % 7 == 0 ? 0.0 : 0.01)));
  }
  return state;
}

TEST(AdamLoop, EveryVectorLoopStepsAsThePlainLoop) {
  const int64_t n = 1000 + 13;  // a tail after the vectors of 16 and of 8
  adam_loop::Step step{0.8f, 0.99f, 0.05f, 0.3f, 1e-8f, 0.01f};
  const State start = random_state(n);
  State expected = start;
  for (int k = 0; k < 3; ++k) {
    adam_loop::update_with(adam_loop::Loop::plain, expected.parameter.data(), expected.gradient.data(),
                           expected.first.data(), expected.second.data(), nullptr, n, step);
  }
  for (const auto loop : {adam_loop::Loop::avx2, adam_loop::Loop::avx512}) {
    if (!adam_loop::available(loop)) continue;
    SCOPED_TRACE(loop == adam_loop::Loop::avx2 ? "avx2" : "avx512");
    State state = start;
    for (int k = 0; k < 3; ++k) {
      adam_loop::update_with(loop, state.parameter.data(), state.gradient.data(), state.first.data(),
                             state.second.data(), nullptr, n, step);
    }
    for (int64_t i = 0; i < n; ++i) {
      // The moments are the same operations, perhaps fused into multiply-adds differently, and
      // the step's division is within 2 ulp; weight decay feeds each step's parameter into the
      // next gradient, so after three steps a few ulp apart.
      EXPECT_NEAR(state.first[i], expected.first[i], 1e-6f * std::abs(expected.first[i]) + 1e-30f) << i;
      EXPECT_NEAR(state.second[i], expected.second[i], 1e-6f * std::abs(expected.second[i]) + 1e-30f) << i;
      const float moved = expected.parameter[i] - start.parameter[i];
      EXPECT_NEAR(state.parameter[i], expected.parameter[i], 1e-6f * std::abs(moved) + 2e-7f * std::abs(expected.parameter[i]))
          << i;
    }
  }
  EXPECT_TRUE(adam_loop::available(adam_loop::Loop::plain));
}

}  // namespace
