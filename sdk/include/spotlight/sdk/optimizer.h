#pragma once

#include <memory>
#include <vector>

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include "spotlight/sdk/component.h"
#include "spotlight/sdk/export.h"

namespace spotlight {

// How a model's parameters are updated from their gradients: a plugin that makes LibTorch
// optimizers. The experiment's `model.optimizer` node names it by "type" (default "adam")
// and carries its parameters; the component holds them and makes one optimizer per model.
class SPOTLIGHT_SDK_API Optimizer : public Component {
 public:
  ~Optimizer() override;
  static constexpr ComponentKind component_kind = ComponentKind::optimizer;
  ComponentKind kind() const final { return component_kind; }

  // A new optimizer over `parameters`, in its initial state. The host calls it when training
  // starts and again before loading a checkpoint's optimizer state into the result, which
  // therefore must read what an earlier release of the plugin saved (keeping LibTorch's own
  // state classes and keys, as a subclass of a LibTorch optimizer does, is the simple way).
  virtual std::unique_ptr<torch::optim::Optimizer> create(std::vector<torch::Tensor> parameters) const = 0;

  // Whether the optimizer's step applies sparse gradients (from an embedding with
  // "sparse": true). The host refuses to train such gradients with an optimizer that does not
  // take them, by the plugin's name, rather than letting its step fail or densify them.
  virtual bool takes_sparse_gradients() const;
};

}  // namespace spotlight
