#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "spotlight/framework/distributed/distributed_options.h"

namespace spotlight {

// The processes that train copies of one model together, connected through LibTorch's c10d
// (a TCPStore rendezvous and a ProcessGroupGloo). Every collective throws Error naming the
// rank and what failed when a peer stops or stays silent past the timeout, so a run never
// hangs on a dead rank.
class Replicas {
 public:
  // Blocks until all `options.world_size` ranks have joined (or the timeout passes).
  static std::shared_ptr<Replicas> connect(const DistributedOptions& options);
  virtual ~Replicas() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual bool check_every_step() const = 0;

  // Replaces every parameter's gradient with the mean over the ranks: dense gradients in one
  // flat all-reduce, sparse (embedding-row) gradients through the group's sparse all-reduce,
  // which exchanges only the rows each rank touched. A gradient no rank produced stays
  // undefined, so the optimizer skips that parameter as it would in one process.
  virtual void average_gradients(const std::vector<torch::Tensor>& parameters) = 0;
  // The element-wise sum of `values` over the ranks.
  virtual std::vector<double> sum(const std::vector<double>& values) = 0;
  // Rank 0's bytes on every rank.
  virtual std::string broadcast(const std::string& bytes) = 0;
  // Throws Error unless every rank holds bit-identical `parameters`.
  virtual void check_identical(const std::vector<torch::Tensor>& parameters, const std::string& when) = 0;
};

}  // namespace spotlight
