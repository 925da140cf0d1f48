#include "spotlight/sdk/nn/causal_attention.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "spotlight/sdk/nn/dropout.h"
#include "spotlight/sdk/random.h"
#include "support/error_message.h"

namespace spotlight {
namespace {

// Attention written out one row at a time, in float64 with LibTorch's autograd: row i of a
// sequence weighs its rows j <= i that are keys by the softmax of <q_i, k_j> (per head),
// optionally times a given mask of kept weights over 1 - p.
torch::Tensor attention_by_rows(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const std::vector<int64_t>& lengths, const std::vector<bool>& is_key, int64_t heads,
                                const torch::Tensor& kept = {}, double p = 0.0) {
  const int64_t dim = q.size(1), width = dim / heads;
  std::vector<torch::Tensor> rows;
  int64_t first = 0;
  for (const int64_t n : lengths) {
    for (int64_t i = 0; i < n; ++i) {
      std::vector<int64_t> keys;
      for (int64_t j = 0; j <= i; ++j) {
        if (is_key[static_cast<size_t>(first + j)]) keys.push_back(first + j);
      }
      std::vector<torch::Tensor> per_head;
      for (int64_t h = 0; h < heads; ++h) {
        if (keys.empty()) {
          per_head.push_back(torch::zeros({width}, q.options()));
          continue;
        }
        const auto index = torch::tensor(keys);
        const auto head_of = [&](const torch::Tensor& t) { return t.narrow(1, h * width, width); };
        const auto scores = head_of(k).index_select(0, index).matmul(head_of(q)[first + i]);
        auto weights = torch::softmax(scores, 0);
        if (kept.defined()) weights = weights * kept[first + i].index_select(0, index - first) / (1.0 - p);
        per_head.push_back(weights.matmul(head_of(v).index_select(0, index)));
      }
      rows.push_back(torch::cat(per_head));
    }
    first += n;
  }
  return torch::stack(rows);
}

struct Inputs {
  torch::Tensor q, k, v;
};

Inputs random_inputs(int64_t rows, int64_t dim, torch::ScalarType type = torch::kFloat32) {
  auto make = [&] { return torch::randn({rows, dim}, torch::kFloat64).to(type).requires_grad_(); };
  return {make(), make(), make()};
}

torch::Tensor flags(const std::vector<bool>& is_key) {
  std::vector<uint8_t> bytes(is_key.begin(), is_key.end());
  return torch::tensor(bytes).to(torch::kBool);
}

torch::Tensor as_tensor(const std::vector<int64_t>& lengths) { return torch::tensor(lengths, torch::kInt64); }

// Every kernel this CPU runs: the plain loops always, AVX2 and AVX-512 where available.
std::vector<nn::tap_products::Kernel> kernels() {
  std::vector<nn::tap_products::Kernel> result;
  for (const auto kernel :
       {nn::tap_products::Kernel::plain, nn::tap_products::Kernel::avx2, nn::tap_products::Kernel::avx512}) {
    if (nn::tap_products::available(kernel)) result.push_back(kernel);
  }
  return result;
}

TEST(CausalAttention, OutputsAndGradientsMatchAttentionWrittenOutRowByRow) {
  torch::manual_seed(3);
  // Sequences of 5, 1, 0, 37 and 18 rows; the 37-row one opens with two rows that are no key
  // (zero outputs: nothing to attend to), and about a fifth of the other rows are no key.
  const std::vector<int64_t> lengths{5, 1, 0, 37, 18};
  const int64_t rows = 61;
  std::vector<bool> is_key(static_cast<size_t>(rows));
  const auto draws = torch::rand({rows});
  for (int64_t r = 0; r < rows; ++r) is_key[static_cast<size_t>(r)] = draws[r].item<double>() > 0.2;
  is_key[6] = is_key[7] = false;
  // Head widths of 16, 32, 48 and 64 floats (held in registers) and 3 (plain loops).
  for (const auto kernel : kernels()) {
    for (const auto& [dim, heads] :
         std::vector<std::pair<int64_t, int64_t>>{{16, 1}, {64, 2}, {48, 1}, {128, 2}, {6, 2}}) {
      SCOPED_TRACE(std::string(nn::tap_products::name(kernel)) + ", dim " + std::to_string(dim) + ", heads " +
                   std::to_string(heads));
      const auto in = random_inputs(rows, dim);
      const auto out =
          nn::causal_attention_with(kernel, in.q, in.k, in.v, as_tensor(lengths), flags(is_key), heads, 0.0, true);
      const auto gradient_weights = torch::randn({rows, dim});
      (out * gradient_weights).sum().backward();

      const auto q64 = in.q.detach().to(torch::kFloat64).requires_grad_();
      const auto k64 = in.k.detach().to(torch::kFloat64).requires_grad_();
      const auto v64 = in.v.detach().to(torch::kFloat64).requires_grad_();
      const auto expected = attention_by_rows(q64, k64, v64, lengths, is_key, heads);
      (expected * gradient_weights.to(torch::kFloat64)).sum().backward();

      EXPECT_TRUE(torch::allclose(out.to(torch::kFloat64), expected, 1e-5, 1e-5));
      EXPECT_TRUE(torch::allclose(in.q.grad().to(torch::kFloat64), q64.grad(), 1e-4, 1e-4));
      EXPECT_TRUE(torch::allclose(in.k.grad().to(torch::kFloat64), k64.grad(), 1e-4, 1e-4));
      EXPECT_TRUE(torch::allclose(in.v.grad().to(torch::kFloat64), v64.grad(), 1e-4, 1e-4));
      EXPECT_TRUE(torch::all(out.narrow(0, 6, 2).eq(0)).item<bool>());
    }
  }
}

TEST(CausalAttention, DropsWeightsWhileTrainingAndBackwardFollowsTheSameMask) {
  // One sequence of n rows, every row a key. With the first n columns of the identity as
  // values, row i's output is its weights after dropout. Widths of 48 and 32 (three and two
  // AVX-512 registers: query rows two and four at a time).
  for (const auto kernel : kernels()) {
    for (const auto& [n, dim] : std::vector<std::pair<int64_t, int64_t>>{{48, 48}, {30, 32}}) {
      SCOPED_TRACE(std::string(nn::tap_products::name(kernel)) + ", " + std::to_string(n) + " rows");
      torch::manual_seed(4);
      const std::vector<int64_t> lengths{n};
      const std::vector<bool> is_key(static_cast<size_t>(n), true);
      const double p = 0.3;
      const auto in = random_inputs(n, dim);
      const auto identity = torch::eye(n, dim);
      Random seeds_a(11), seeds_b(11);
      torch::Tensor weights;
      {
        nn::DropoutSeeds use(seeds_a);
        weights = nn::causal_attention_with(kernel, in.q, in.k, identity, as_tensor(lengths), flags(is_key), 1, p,
                                            true)
                      .detach()
                      .narrow(1, 0, n);
      }
      const auto plain = attention_by_rows(in.q.detach().to(torch::kFloat64), in.k.detach().to(torch::kFloat64),
                                           identity.to(torch::kFloat64), lengths, is_key, 1)
                             .narrow(1, 0, n);
      const auto causal = torch::ones({n, n}, torch::kBool).tril();
      const auto kept = weights.ne(0);
      // Nothing after the row; each earlier weight either dropped or scaled by 1 / (1 - p).
      EXPECT_FALSE(torch::any(kept.logical_and(causal.logical_not())).item<bool>());
      EXPECT_TRUE(torch::allclose(weights.masked_select(kept).to(torch::kFloat64),
                                  (plain / (1.0 - p)).masked_select(kept), 1e-5, 1e-6));
      // Within four standard deviations of p (0.013 for 1,176 weights, 0.021 for 465).
      const auto count = static_cast<double>(n * (n + 1) / 2);
      EXPECT_NEAR(1.0 - kept.sum().item<double>() / count, p, 4.0 * std::sqrt(p * (1.0 - p) / count));

      // The same seeds again, with other values: the same mask, forward and backward.
      const auto values = torch::randn({n, dim}).requires_grad_();
      torch::Tensor out;
      {
        nn::DropoutSeeds use(seeds_b);
        out = nn::causal_attention_with(kernel, in.q, in.k, values, as_tensor(lengths), flags(is_key), 1, p, true);
      }
      const auto gradient_weights = torch::randn({n, dim});
      (out * gradient_weights).sum().backward();
      const auto q64 = in.q.detach().to(torch::kFloat64).requires_grad_();
      const auto k64 = in.k.detach().to(torch::kFloat64).requires_grad_();
      const auto v64 = values.detach().to(torch::kFloat64).requires_grad_();
      const auto expected = attention_by_rows(q64, k64, v64, lengths, is_key, 1, kept.to(torch::kFloat64), p);
      (expected * gradient_weights.to(torch::kFloat64)).sum().backward();
      EXPECT_TRUE(torch::allclose(out.to(torch::kFloat64), expected, 1e-5, 1e-5));
      EXPECT_TRUE(torch::allclose(in.q.grad().to(torch::kFloat64), q64.grad(), 1e-4, 1e-4));
      EXPECT_TRUE(torch::allclose(in.k.grad().to(torch::kFloat64), k64.grad(), 1e-4, 1e-4));
      EXPECT_TRUE(torch::allclose(values.grad().to(torch::kFloat64), v64.grad(), 1e-4, 1e-4));

      // Outside training the dropout probability is ignored.
      const auto evaluated =
          nn::causal_attention_with(kernel, in.q, in.k, identity, as_tensor(lengths), flags(is_key), 1, p, false);
      EXPECT_TRUE(torch::allclose(evaluated.narrow(1, 0, n).to(torch::kFloat64), plain, 1e-5, 1e-6));
    }
  }
}

TEST(CausalAttention, OtherTypesRunOnLibTorchsOperatorsWithTheSameResult) {
  torch::manual_seed(5);
  const std::vector<int64_t> lengths{7, 0, 20};
  std::vector<bool> is_key(27, true);
  is_key[0] = false;  // row 0 of the first sequence attends to nothing
  is_key[12] = false;
  const auto in = random_inputs(27, 8, torch::kFloat64);
  const auto out = nn::causal_attention(in.q, in.k, in.v, as_tensor(lengths), flags(is_key), 2, 0.0, true);
  (out * out).sum().backward();
  const auto q32 = in.q.detach().to(torch::kFloat32).requires_grad_();
  const auto k32 = in.k.detach().to(torch::kFloat32).requires_grad_();
  const auto v32 = in.v.detach().to(torch::kFloat32).requires_grad_();
  const auto out32 = nn::causal_attention(q32, k32, v32, as_tensor(lengths), flags(is_key), 2, 0.0, true);
  (out32 * out32).sum().backward();
  EXPECT_EQ(out.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::allclose(out, out32.to(torch::kFloat64), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(in.q.grad(), q32.grad().to(torch::kFloat64), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(in.k.grad(), k32.grad().to(torch::kFloat64), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(in.v.grad(), v32.grad().to(torch::kFloat64), 1e-4, 1e-4));
  EXPECT_TRUE(torch::all(out[0].eq(0)).item<bool>());
}

TEST(CausalAttention, QueriesKeysAndValuesSideBySideGiveTheSameOutputsAndGradients) {
  torch::manual_seed(7);
  const std::vector<int64_t> lengths{9, 33, 4};
  std::vector<bool> is_key(46, true);
  is_key[9] = is_key[20] = false;
  const auto in = random_inputs(46, 32);
  const auto out = nn::causal_attention(in.q, in.k, in.v, as_tensor(lengths), flags(is_key), 2, 0.0, true);
  const auto gradient_weights = torch::randn({46, 32});
  (out * gradient_weights).sum().backward();
  const auto qkv = torch::cat({in.q, in.k, in.v}, 1).detach().requires_grad_();
  const auto packed = nn::causal_attention_packed(qkv, as_tensor(lengths), flags(is_key), 2, 0.0, true);
  (packed * gradient_weights).sum().backward();
  EXPECT_TRUE(torch::allclose(packed, out, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(qkv.grad(), torch::cat({in.q.grad(), in.k.grad(), in.v.grad()}, 1), 1e-6, 1e-6));
  EXPECT_NE(testing::error_message([&] {
              nn::causal_attention_packed(torch::zeros({46, 31}), as_tensor(lengths), flags(is_key), 1, 0.0, true);
            }).find("causal_attention: qkv must be a (rows, 3 dim) tensor"),
            std::string::npos);
}

TEST(CausalAttention, RefusesLengthsThatDoNotCoverTheRowsAndHeadsThatDoNotDivideTheWidth) {
  const auto in = random_inputs(10, 6);
  const auto keys = torch::ones({10}, torch::kBool);
  auto message = [&](const torch::Tensor& lengths, int64_t heads) {
    return testing::error_message([&] { nn::causal_attention(in.q, in.k, in.v, lengths, keys, heads, 0.0, true); });
  };
  EXPECT_NE(message(as_tensor({4, 5}), 1)
                .find("causal_attention: the lengths must be non-negative and sum to the rows (10)"),
            std::string::npos);
  EXPECT_NE(message(as_tensor({-1, 11}), 1).find("the lengths must be non-negative"), std::string::npos);
  EXPECT_NE(message(as_tensor({10}), 4).find("causal_attention: 4 heads do not divide the width 6"), std::string::npos);
}

}  // namespace
}  // namespace spotlight
