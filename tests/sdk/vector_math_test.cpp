#include "spotlight/sdk/vector_math.h"

#include <cmath>

#include <gtest/gtest.h>

namespace spotlight {
namespace {

// Relative error against libm in double precision, over a sweep of float inputs.
template <class Ours, class Reference>
double largest_relative_error(Ours ours, Reference reference, double from, double to) {
  double largest = 0.0;
  for (int i = 0; i <= 200000; ++i) {
    const auto x = static_cast<float>(from + (to - from) * i / 200000.0);
    const double expected = reference(static_cast<double>(x));
    if (expected == 0.0) continue;
    largest = std::max(largest, std::abs((static_cast<double>(ours(x)) - expected) / expected));
  }
  return largest;
}

TEST(VectorMath, ActivationsAreWithinTwoUlpOfLibm) {
  // Float's unit roundoff is 6e-8: two ulp are at most 2.4e-7 relative.
  EXPECT_LT(largest_relative_error(vector_math::exp, [](double x) { return std::exp(x); }, -87.0, 88.0), 2.4e-7);
  EXPECT_LT(largest_relative_error(vector_math::tanh, [](double x) { return std::tanh(x); }, -9.0, 9.0), 2.4e-7);
  EXPECT_LT(largest_relative_error(vector_math::sigmoid, [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, -80.0,
                                   80.0),
            2.4e-7);
}

TEST(VectorMath, TheActivationTanhIsWithinItsAbsoluteError) {
  double largest = 0.0;
  for (int i = 0; i <= 200000; ++i) {
    const auto x = static_cast<float>(-12.0 + 24.0 * i / 200000.0);
    largest = std::max(largest, std::abs(vector_math::tanh_activation(x) - std::tanh(static_cast<double>(x))));
  }
  EXPECT_LT(largest, 2.5e-7);
  EXPECT_EQ(vector_math::tanh_activation(0.0f), 0.0f);
  EXPECT_FLOAT_EQ(vector_math::tanh_activation(50.0f), 1.0f);
  EXPECT_FLOAT_EQ(vector_math::tanh_activation(-50.0f), -1.0f);
}

TEST(VectorMath, ExtremeInputsSaturateInsteadOfOverflowing) {
  EXPECT_LT(vector_math::exp(-1000.0f), 1.3e-38f);  // e^-87.3
  EXPECT_GE(vector_math::exp(-1000.0f), 0.0f);
  EXPECT_TRUE(std::isfinite(vector_math::exp(1000.0f)));
  EXPECT_FLOAT_EQ(vector_math::tanh(50.0f), 1.0f);
  EXPECT_FLOAT_EQ(vector_math::tanh(-50.0f), -1.0f);
  EXPECT_FLOAT_EQ(vector_math::sigmoid(-200.0f) + 1.0f, 1.0f);
  EXPECT_FLOAT_EQ(vector_math::sigmoid(200.0f), 1.0f);
}

}  // namespace
}  // namespace spotlight
