// The key function of ExposesTables (its type information lives in libspotlight_sdk.so, so
// the host's dynamic_cast finds it in any plugin).
#include "spotlight/sdk/exposed_tables.h"

#include <torch/torch.h>

namespace spotlight {

const char* to_string(TableRows rows) { return rows == TableRows::users ? "users" : "items"; }

ExposesTables::~ExposesTables() = default;

torch::Tensor table_values(const torch::Tensor& all_rows) {
  torch::NoGradGuard no_grad;
  return all_rows.detach().to(torch::kCPU, torch::kFloat32).contiguous();
}

}  // namespace spotlight
