#pragma once

#include <cstdint>

#include "spotlight/framework/data/interactions.h"

namespace spotlight {

struct SequentialDataOptions {
  int64_t num_users = 100;
  int64_t num_items = 1000;
  int64_t num_interactions = 10000;
  double concentration = 0.1;  // Dirichlet parameter of each transition row: low => predictable
  int64_t order = 3;           // the next item depends on the mean transition of the last `order`
  uint64_t seed = 42;
};

// Spotlight's generate_sequential: items 1..num_items-1 follow a Markov chain of the given
// order whose transition rows are Dirichlet(concentration); item 0 is never used (it is the
// padding id). Users are drawn uniformly and sorted, timestamps are the row numbers.
Interactions generate_sequential(const SequentialDataOptions& options);

struct RandomDataOptions {
  int64_t num_users = 1000;
  int64_t num_items = 1000;
  int64_t num_interactions = 10000;
  // 0: items uniformly at random. k > 0: items fall into k equal clusters, every user has
  // a favourite cluster and picks from it with probability `affinity` (else uniformly), so
  // a factorization model has structure to learn.
  int64_t num_clusters = 0;
  double affinity = 0.9;
  uint64_t seed = 42;
};

Interactions generate_random(const RandomDataOptions& options);

}  // namespace spotlight
