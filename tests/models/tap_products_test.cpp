// The causal convolution's tap products (SDK spotlight/sdk/nn/tap_products.h), every
// kernel this CPU has, against the sums written out in double precision. The shapes leave
// rows and columns over after the register tiles of every kernel.
#include "spotlight/sdk/nn/tap_products.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "spotlight/sdk/random.h"

namespace {

using spotlight::nn::tap_products::Kernel;

std::vector<float> random_values(size_t n, uint64_t seed) {
  spotlight::Random random(seed);
  std::vector<float> values(n);
  for (auto& value : values) value = static_cast<float>(random.normal());
  return values;
}

const Kernel kKernels[] = {Kernel::plain, Kernel::avx2, Kernel::avx512};

TEST(TapProducts, MultiplySumsEveryTapWithInitAndBias) {
  const int64_t k = 5, n = 37, rows = 23, taps = 3, ldb = 41;
  const std::vector<int64_t> offset = {0, 2, 5};
  const auto src = random_values(static_cast<size_t>((rows + 5) * k), 1);
  const auto b = random_values(static_cast<size_t>(taps * k * ldb), 2);
  const auto init = random_values(static_cast<size_t>(rows * n), 3);
  const auto bias = random_values(static_cast<size_t>(n), 4);
  const std::vector<const float*> tap_matrices = {b.data(), b.data() + k * ldb, b.data() + 2 * k * ldb};
  std::vector<double> expected(static_cast<size_t>(rows * n));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      double sum = double{init[r * n + c]} + bias[c];
      for (int64_t m = 0; m < taps; ++m) {
        for (int64_t i = 0; i < k; ++i) sum += double{src[(r + offset[m]) * k + i]} * tap_matrices[m][i * ldb + c];
      }
      expected[r * n + c] = sum;
    }
  }
  for (const auto kernel : kKernels) {
    if (!spotlight::nn::tap_products::available(kernel)) continue;
    SCOPED_TRACE(spotlight::nn::tap_products::name(kernel));
    std::vector<float> out(static_cast<size_t>(rows * n));
    spotlight::nn::tap_products::multiply_with(kernel, src.data(), k, rows, taps, offset.data(), tap_matrices.data(), ldb, n,
                                init.data(), bias.data(), out.data());
    for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], expected[i], 1e-4) << i;
    // In place: init is out itself. Without bias and init, the taps' sum alone.
    std::vector<float> in_place = init;
    spotlight::nn::tap_products::multiply_with(kernel, src.data(), k, rows, taps, offset.data(), tap_matrices.data(), ldb, n,
                                in_place.data(), bias.data(), in_place.data());
    for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(in_place[i], expected[i], 1e-4) << i;
    spotlight::nn::tap_products::multiply_with(kernel, src.data(), k, rows, taps, offset.data(), tap_matrices.data(), ldb, n,
                                nullptr, nullptr, out.data());
    for (size_t i = 0; i < out.size(); ++i) {
      const int64_t r = static_cast<int64_t>(i) / n, c = static_cast<int64_t>(i) % n;
      ASSERT_NEAR(out[i], expected[i] - init[i] - bias[c], 1e-4) << r << ", " << c;
    }
  }
}

TEST(TapProducts, AccumulateOuterAddsEveryRowsOuterProduct) {
  const int64_t n = 13, k = 37, rows = 300, offset = 3, ldo = 40;  // more rows than one cached chunk
  const auto a = random_values(static_cast<size_t>(rows * n), 5);
  const auto x = random_values(static_cast<size_t>((rows + offset) * k), 6);
  const auto start = random_values(static_cast<size_t>(n * ldo), 7);
  std::vector<double> expected(start.begin(), start.end());
  for (int64_t o = 0; o < n; ++o) {
    for (int64_t i = 0; i < k; ++i) {
      for (int64_t r = 0; r < rows; ++r) expected[o * ldo + i] += double{a[r * n + o]} * x[(r + offset) * k + i];
    }
  }
  for (const auto kernel : kKernels) {
    if (!spotlight::nn::tap_products::available(kernel)) continue;
    SCOPED_TRACE(spotlight::nn::tap_products::name(kernel));
    std::vector<float> out = start;
    spotlight::nn::tap_products::accumulate_outer_with(kernel, a.data(), n, x.data(), k, rows, offset, out.data(), ldo);
    for (int64_t o = 0; o < n; ++o) {
      for (int64_t i = 0; i < ldo; ++i) {
        const auto at = static_cast<size_t>(o * ldo + i);
        // Columns past k are the row stride's gap: untouched.
        if (i >= k) ASSERT_EQ(out[at], start[at]);
        else ASSERT_NEAR(out[at], expected[at], 1e-3) << o << ", " << i;
      }
    }
  }
}

TEST(TapProducts, VectorTimesMatrixAddsIntoEveryColumn) {
  // Widths that take every tile (8, 4, 2 and 1 vectors of AVX-512 and of AVX2) and a scalar tail;
  // row counts that leave rows over after each partial-sum split.
  for (const int64_t width : {int64_t{128}, int64_t{96}, int64_t{32}, int64_t{16}, int64_t{8}, int64_t{253}}) {
    for (const int64_t rows : {int64_t{1}, int64_t{7}, int64_t{128}}) {
      SCOPED_TRACE(std::to_string(width) + " x " + std::to_string(rows));
      const auto v = random_values(static_cast<size_t>(rows), 8);
      const auto m = random_values(static_cast<size_t>(rows * width), 9);
      const auto start = random_values(static_cast<size_t>(width), 10);
      std::vector<double> expected(start.begin(), start.end());
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < width; ++c) expected[c] += double{v[r]} * m[r * width + c];
      }
      for (const auto kernel : kKernels) {
        if (!spotlight::nn::tap_products::available(kernel)) continue;
        SCOPED_TRACE(spotlight::nn::tap_products::name(kernel));
        std::vector<float> out = start;
        spotlight::nn::tap_products::add_vector_times_matrix_with(kernel, v.data(), m.data(), rows, width, out.data());
        for (int64_t c = 0; c < width; ++c) ASSERT_NEAR(out[c], expected[c], 1e-4) << c;
      }
    }
  }
}

// Over more rows than one call of the kernel takes, so the sums span several calls.
TEST(TapProducts, ColumnSumsAddEveryRow) {
  const int64_t rows = 601, width = 37;
  const auto m = random_values(static_cast<size_t>(rows * width), 11);
  std::vector<float> out(static_cast<size_t>(width), 1.0f);
  spotlight::nn::tap_products::add_column_sums(m.data(), rows, width, out.data());
  for (int64_t c = 0; c < width; ++c) {
    double expected = 1.0;
    for (int64_t r = 0; r < rows; ++r) expected += m[r * width + c];
    ASSERT_NEAR(out[c], expected, 1e-3) << c;
  }
}

TEST(TapProducts, TheWidestKernelIsOneThisCpuRuns) {
  EXPECT_TRUE(spotlight::nn::tap_products::available(spotlight::nn::tap_products::widest()));
  EXPECT_TRUE(spotlight::nn::tap_products::available(Kernel::plain));
}

}  // namespace
