#include "spotlight/sdk/nn/layer_norm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "spotlight/sdk/errors.h"
#include "support/error_message.h"

namespace spotlight {
namespace {

struct Case {
  std::vector<int64_t> shape;
  double eps;
};

// The op on float32 against LibTorch's layer_norm on the same values in float64: the output
// and the gradients of the input, weight and bias for a random output gradient. Widths of whole
// AVX-512 registers (32, 48), of AVX2 registers only (24) and of neither (5, 1).
TEST(LayerNorm, MatchesLibTorchOutputsAndGradients) {
  torch::manual_seed(3);
  for (const Case& c : {Case{{37, 32}, 1e-8}, Case{{5, 48}, 1e-5}, Case{{7, 24}, 1e-5}, Case{{9, 5}, 1e-5}, Case{{3, 4, 32}, 1e-8},
                        Case{{6, 1}, 1e-5}, Case{{0, 32}, 1e-5}}) {
    SCOPED_TRACE(c10::str(c.shape));
    const int64_t dim = c.shape.back();
    // Rows with an offset and a spread far from 0 and 1, as the residual stream has.
    const auto x64 = (torch::randn(c.shape, torch::kFloat64) * 3.0 + 5.0).requires_grad_();
    const auto w64 = torch::randn({dim}, torch::kFloat64).requires_grad_();
    const auto b64 = torch::randn({dim}, torch::kFloat64).requires_grad_();
    const auto dy = torch::randn(c.shape, torch::kFloat64);
    const auto expected = torch::layer_norm(x64, {dim}, w64, b64, c.eps);
    expected.backward(dy);

    const auto x = x64.detach().to(torch::kFloat32).requires_grad_();
    const auto w = w64.detach().to(torch::kFloat32).requires_grad_();
    const auto b = b64.detach().to(torch::kFloat32).requires_grad_();
    const auto y = nn::layer_norm(x, w, b, c.eps);
    y.backward(dy.to(torch::kFloat32));
    const auto close = [](const torch::Tensor& ours, const torch::Tensor& reference) {
      return torch::allclose(ours.to(torch::kFloat64), reference, 1e-4, 1e-4);
    };
    EXPECT_TRUE(close(y, expected.detach()));
    EXPECT_TRUE(close(x.grad(), x64.grad()));
    EXPECT_TRUE(close(w.grad(), w64.grad()));
    EXPECT_TRUE(close(b.grad(), b64.grad()));
  }
}

// A row of one repeated value normalises to the bias: its deviation is 0, so eps alone
// divides, and its input gradient is (g - mean(g)) / sqrt(eps), g = dy * weight.
TEST(LayerNorm, ConstantRowGivesTheBias) {
  const auto x = torch::full({2, 16}, 7.5f).requires_grad_();
  const auto w = torch::full({16}, 2.0f);
  const auto b = torch::arange(16, torch::kFloat32);
  const auto y = nn::layer_norm(x, w, b, 1e-4);
  EXPECT_TRUE(torch::equal(y, b.expand({2, 16})));
  const auto dy = torch::arange(32, torch::kFloat32).view({2, 16});
  y.backward(dy);
  // g = 2 dy; each row of dy is 16 consecutive values, so g - mean(g) = 2 (j - 7.5); 1 / sqrt(1e-4) = 100.
  const auto expected = (torch::arange(16, torch::kFloat32) - 7.5f) * 200.0f;
  EXPECT_TRUE(torch::allclose(x.grad(), expected.expand({2, 16}), 1e-4, 1e-2));
}

// Only the gradients asked for are computed: with a frozen weight and bias, the input's is
// the same as with all three.
TEST(LayerNorm, InputGradientAloneEqualsItWithTheOthers) {
  torch::manual_seed(5);
  const auto values = torch::randn({11, 24});
  const auto w = torch::randn({24}), b = torch::randn({24});
  const auto dy = torch::randn({11, 24});
  const auto x1 = values.clone().requires_grad_();
  nn::layer_norm(x1, w, b, 1e-5).backward(dy);
  const auto x2 = values.clone().requires_grad_();
  const auto w2 = w.clone().requires_grad_(), b2 = b.clone().requires_grad_();
  nn::layer_norm(x2, w2, b2, 1e-5).backward(dy);
  EXPECT_TRUE(torch::equal(x1.grad(), x2.grad()));
}

TEST(LayerNorm, OtherTypesGoToLibTorch) {
  const auto x = torch::randn({4, 8}, torch::kFloat64);
  const auto w = torch::randn({8}, torch::kFloat64), b = torch::randn({8}, torch::kFloat64);
  EXPECT_TRUE(torch::equal(nn::layer_norm(x, w, b, 1e-5), torch::layer_norm(x, {8}, w, b, 1e-5)));
}

TEST(LayerNorm, RefusesAWeightOfAnotherWidth) {
  const auto message = testing::error_message<Error>(
      [] { nn::layer_norm(torch::zeros({3, 8}), torch::ones({6}), torch::zeros({8}), 1e-5); });
  EXPECT_EQ(message,
            "layer_norm: weight and bias must have one element per column of the input's last dimension, got input "
            "[3, 8], weight [6], bias [8]");
}

}  // namespace
}  // namespace spotlight
