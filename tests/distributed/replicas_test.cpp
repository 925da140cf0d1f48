// The process group under data-parallel training, exercised with two ranks in one process
// (each on its own thread, connected over loopback exactly as two processes would be).

#include <chrono>
#include <exception>
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "spotlight/framework/distributed/local_port.h"
#include "spotlight/framework/distributed/replicas.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {
namespace {

// Runs `body` as rank 0 and rank 1 of one group at once; rethrows the first failure.
void on_two_ranks(const std::function<void(Replicas&)>& body, int timeout_seconds = 30) {
  const int port = free_local_port();
  std::exception_ptr failures[2];
  auto rank = [&](int r) {
    try {
      DistributedOptions options;
      options.rank = r;
      options.world_size = 2;
      options.master_port = port;
      options.timeout = std::chrono::seconds(timeout_seconds);
      const auto replicas = Replicas::connect(options);
      body(*replicas);
    } catch (...) {
      failures[r] = std::current_exception();
    }
  };
  std::thread second(rank, 1);
  rank(0);
  second.join();
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

torch::Tensor parameter_with_gradient(std::vector<int64_t> shape, const torch::Tensor& gradient) {
  auto parameter = torch::zeros(shape, torch::requires_grad());
  if (gradient.defined()) parameter.mutable_grad() = gradient;
  return parameter;
}

TEST(Replicas, DenseGradientsBecomeTheMeanOverRanks) {
  on_two_ranks([](Replicas& replicas) {
    const bool first = replicas.rank() == 0;
    // Rank 0 has 1s, rank 1 has 3s: the mean is 2.
    auto both = parameter_with_gradient({2, 3}, torch::full({2, 3}, first ? 1.0F : 3.0F));
    // Only rank 1 produced a gradient (4s): the mean over the two ranks is 2.
    auto one = parameter_with_gradient({2}, first ? torch::Tensor() : torch::full({2}, 4.0F));
    // Nobody produced one: it stays undefined, so the optimizer skips it.
    auto none = parameter_with_gradient({5}, torch::Tensor());
    replicas.average_gradients({both, one, none});
    EXPECT_TRUE(torch::equal(both.grad(), torch::full({2, 3}, 2.0F)));
    ASSERT_TRUE(one.grad().defined());
    EXPECT_TRUE(torch::equal(one.grad(), torch::full({2}, 2.0F)));
    EXPECT_FALSE(none.grad().defined());
  });
}

TEST(Replicas, SparseEmbeddingGradientsAreExchangedAsRows) {
  on_two_ranks([](Replicas& replicas) {
    // A 3-row embedding table with 2 columns. Rank 0 touched row 0 (2s); rank 1 rows 0 and 2 (4s).
    const bool first = replicas.rank() == 0;
    auto rows = first ? torch::tensor({{0}}, torch::kInt64) : torch::tensor({{0, 2}}, torch::kInt64);
    auto values = torch::full({rows.size(1), 2}, first ? 2.0F : 4.0F);
    auto table = parameter_with_gradient({3, 2}, torch::sparse_coo_tensor(rows, values, {3, 2}));
    replicas.average_gradients({table});
    ASSERT_TRUE(table.grad().is_sparse());
    const auto mean = table.grad().to_dense();
    EXPECT_TRUE(torch::equal(mean, torch::tensor({{3.0F, 3.0F}, {0.0F, 0.0F}, {2.0F, 2.0F}})));
  });
}

TEST(Replicas, SumsBroadcastsAndComparesReplicas) {
  on_two_ranks([](Replicas& replicas) {
    const bool first = replicas.rank() == 0;
    const auto summed = replicas.sum(first ? std::vector<double>{1.5, 2.0} : std::vector<double>{2.5, 3.0});
    EXPECT_EQ(summed, (std::vector<double>{4.0, 5.0}));
    const std::string state("model\0state", 11);
    EXPECT_EQ(replicas.broadcast(first ? state : std::string()), state);

    auto same = torch::arange(6, torch::kFloat32);
    EXPECT_NO_THROW(replicas.check_identical({same}, "after step 1"));
    auto differs = first ? torch::zeros({3}) : torch::tensor({0.0F, 0.0F, 1e-7F});
    try {
      replicas.check_identical({differs}, "after step 2");
      ADD_FAILURE() << "differing replicas were not noticed";
    } catch (const Error& error) {
      EXPECT_STREQ(error.what(),
                   "distributed: the model's parameters differ between ranks after step 2; the ranks did not "
                   "apply the same updates");
    }
  });
}

TEST(Replicas, ASilentRankStopsTheOtherWithinTheTimeout) {
  const auto started = std::chrono::steady_clock::now();
  try {
    on_two_ranks(
        [](Replicas& replicas) {
          if (replicas.rank() == 0) {
            replicas.sum({1.0});
          } else {
            // Rank 1 never joins the collective; it only waits for rank 0 to give up.
            std::this_thread::sleep_for(std::chrono::seconds(4));
          }
        },
        2);
    FAIL() << "rank 0 waited for a collective its peer never joined and did not fail";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("distributed: rank 0 of 2: summing over the ranks failed: ", 0), 0u) << message;
    EXPECT_NE(message.find("stayed silent for more than 2 s"), std::string::npos) << message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
}

TEST(Replicas, ARankOutsideTheWorldIsRefused) {
  DistributedOptions options;
  options.rank = 2;
  options.world_size = 2;
  try {
    Replicas::connect(options);
    FAIL() << "rank 2 of 2 connected";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "distributed: rank 2 is outside a world of 2 processes");
  }
}

}  // namespace
}  // namespace spotlight
