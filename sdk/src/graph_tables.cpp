#include "spotlight/sdk/nn/graph_tables.h"

#include "spotlight/sdk/nn/embeddings.h"

namespace spotlight::nn {

std::shared_ptr<EmbeddingLayer> table_or_new(const ComponentArgs& args, const std::string& name,
                                             const TableSpec& spec) {
  const bool of_users = spec.rows == TableRows::users;
  const int64_t rows = of_users ? args.model().num_users : args.model().num_items;
  auto given = args.component_as<EmbeddingLayer>(name);
  if (!given) {
    const EmbeddingOptions options{rows, spec.dim, spec.padding_idx, spec.sparse};
    if (spec.zero) return std::make_shared<ZeroEmbedding>(options);
    return std::make_shared<ScaledEmbedding>(options);
  }
  if (given->num_embeddings() != rows) {
    args.fail(name, "has " + std::to_string(given->num_embeddings()) + " rows but the data has " +
                        std::to_string(rows) + (of_users ? " users" : " items"));
  }
  if (given->dim() != spec.dim) {
    args.fail(name, "has width " + std::to_string(given->dim()) + " but " + std::to_string(spec.dim) + " is needed");
  }
  return given;
}

int64_t table_width(const ComponentArgs& args, const std::string& parameter, const std::vector<std::string>& tables) {
  int64_t shared = args.model().embedding_dim;
  for (const auto& name : tables) {
    if (auto table = args.component_as<EmbeddingLayer>(name)) {
      shared = table->dim();
      break;
    }
  }
  return args.integer_or(parameter, shared);
}

}  // namespace spotlight::nn
