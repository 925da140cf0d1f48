#pragma once

// The tables a component can either take from the graph (a `component` parameter such as
// "item_embedding": "@items", so that several components share one table) or build itself.
// Every representation that offers the choice goes through here, so the checks that keep a
// shared table safe to use (one row per id, the width the component computes with) are the
// same everywhere.

#include <memory>
#include <string>
#include <vector>

#include "spotlight/sdk/component_args.h"
#include "spotlight/sdk/embedding.h"
#include "spotlight/sdk/export.h"
#include "spotlight/sdk/exposed_tables.h"

namespace spotlight::nn {

// Which ids a table has one row per: the SDK's one enum (exposed_tables.h), so a table taken
// from the graph and the same table exposed after training say it the same way.
using TableRows = spotlight::TableRows;

// The table a component needs, and how a new one starts.
struct TableSpec {
  TableRows rows = TableRows::items;
  int64_t dim = 0;
  bool zero = false;         // a new table starts at zero (biases); otherwise N(0, 1/dim)
  int64_t padding_idx = -1;  // a new table's frozen zero row; -1 for none
  bool sparse = false;       // a new table's gradients
};

// The table that component parameter `name` refers to, when the node names one: it must have
// exactly one row per user or item (score_all scores every row of an item table as an item)
// and width spec.dim, else a ConfigError at `path.name`. Otherwise a new ScaledEmbedding, or
// ZeroEmbedding when spec.zero.
SPOTLIGHT_SDK_API std::shared_ptr<EmbeddingLayer> table_or_new(const ComponentArgs& args, const std::string& name,
                                                               const TableSpec& spec);

// The width a component's tables share: integer parameter `parameter` when given, else the
// width of the first of the component parameters `tables` the graph provides, else
// model.embedding_dim.
SPOTLIGHT_SDK_API int64_t table_width(const ComponentArgs& args, const std::string& parameter,
                                      const std::vector<std::string>& tables);

}  // namespace spotlight::nn
