#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

#include "spotlight/sdk/export.h"
#include "spotlight/sdk/table_rows.h"

namespace spotlight {

// One learned table a representation shows to the world: `values` is (rows, width) float32,
// detached from autograd, on the CPU.
struct ExposedTable {
  std::string name;  // "item_vectors", "item_biases", "user_vectors", ...: the file name of an export
  TableRows rows = TableRows::items;
  torch::Tensor values;
};

// Optional capability of a representation: its learned tables, for `spotlight similar`
// (cosine similarity of item vectors) and `spotlight export` (NumPy files for other tools).
// A representation offers it by also deriving from this class; the host finds it with
// dynamic_cast, so representations built without it keep working (the two commands then
// refuse the model by the plugin's name).
class SPOTLIGHT_SDK_API ExposesTables {
 public:
  virtual ~ExposesTables();
  // (num_items, dim): the vectors similar items are found by.
  virtual torch::Tensor item_vectors() = 0;
  // Every table worth exporting, item_vectors() among them. By convention a score is
  // user_vectors . item_vectors + user_biases + item_biases for the tables that are present.
  virtual std::vector<ExposedTable> exposed_tables() = 0;
};

// The rows of `layer` as an exposed table: detached, contiguous float32 on the CPU.
SPOTLIGHT_SDK_API torch::Tensor table_values(const torch::Tensor& all_rows);

}  // namespace spotlight
