#include "spotlight/sdk/nn/gather_rows.h"

#include <algorithm>
#include <string>

#include <torch/autograd.h>

#include "cpu_floats.h"
#include "spotlight/sdk/errors.h"

namespace spotlight::nn {

namespace {

class GatherRows : public torch::autograd::Function<GatherRows> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& table,
                               const torch::Tensor& index) {
    const int64_t rows = table.size(0), dim = table.size(1), count = index.size(0);
    const int64_t* row = index.data_ptr<int64_t>();
    for (int64_t i = 0; i < count; ++i) {
      if (row[i] < 0 || row[i] >= rows) {
        throw Error("gather_rows: row " + std::to_string(row[i]) + " is outside the table's " + std::to_string(rows) +
                    " rows");
      }
    }
    auto out = torch::empty({count, dim}, table.options());
    const float* from = table.data_ptr<float>();
    float* to = out.data_ptr<float>();
    for (int64_t i = 0; i < count; ++i) std::copy(from + row[i] * dim, from + (row[i] + 1) * dim, to + i * dim);
    context->save_for_backward({index});
    context->saved_data["rows"] = rows;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto index = context->get_saved_variables()[0];
    const auto gradient = output_gradients[0].contiguous();
    const int64_t count = gradient.size(0), dim = gradient.size(1);
    auto d_table = torch::zeros({context->saved_data["rows"].toInt(), dim}, gradient.options());
    const int64_t* row = index.data_ptr<int64_t>();
    const float* g = gradient.data_ptr<float>();
    float* d = d_table.data_ptr<float>();
    for (int64_t i = 0; i < count; ++i) {
      float* target = d + row[i] * dim;
      const float* source = g + i * dim;
      for (int64_t k = 0; k < dim; ++k) target[k] += source[k];
    }
    return {d_table, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor gather_rows(const torch::Tensor& table, const torch::Tensor& index) {
  if (table.dim() != 2 || index.dim() != 1 || index.scalar_type() != torch::kInt64) {
    throw Error("gather_rows expects a (rows, dim) table and one int64 row number per output row, got table " +
                c10::str(table.sizes()) + " and index " + c10::str(index.sizes()) + " of " +
                std::string(c10::toString(index.scalar_type())));
  }
  if (!(cpu_floats(table) && index.device().is_cpu())) {
    return table.index_select(0, index);
  }
  return GatherRows::apply(table.contiguous(), index.contiguous());
}

}  // namespace spotlight::nn
