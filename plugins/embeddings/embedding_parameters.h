#pragma once

// The parameters every embedding-table plugin shares, and their translation to options.

#include <string>

#include "spotlight/sdk/component_args.h"
#include "spotlight/sdk/nn/embeddings.h"
#include "spotlight/sdk/parameters.h"

namespace spotlight::plugins {

inline ParameterList embedding_parameters() {
  return {Parameter::text("of", "items", "Which ids the table has rows for").one_of({"items", "users"}),
          Parameter::integer("dim", std::nullopt, "Width of each row (default: model.embedding_dim)")
              .at_least(1)
              .at_most(kMaxWidth)
              .optional(),
          Parameter::integer("padding_idx", std::nullopt, "A row kept at zero and never trained")
              .at_least(0)
              .optional(),
          Parameter::boolean("sparse", false, "Sparse gradients")};
}

inline nn::EmbeddingOptions embedding_options(const ComponentArgs& args) {
  nn::EmbeddingOptions options;
  options.num_embeddings = args.text("of") == "users" ? args.model().num_users : args.model().num_items;
  options.dim = args.integer_or("dim", args.model().embedding_dim);
  options.padding_idx = args.integer_or("padding_idx", -1);
  options.sparse = args.boolean("sparse");
  if (options.padding_idx >= options.num_embeddings) {
    args.fail("padding_idx", "must be below the number of rows (" + std::to_string(options.num_embeddings) + ")");
  }
  return options;
}

}  // namespace spotlight::plugins
