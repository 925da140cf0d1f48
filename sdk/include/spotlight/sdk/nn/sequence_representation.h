#pragma once

#include <memory>

#include "spotlight/sdk/component_args.h"
#include "spotlight/sdk/embedding.h"
#include "spotlight/sdk/nn/catalogue_scores.h"
#include "spotlight/sdk/export.h"
#include "spotlight/sdk/exposed_tables.h"
#include "spotlight/sdk/parameters.h"
#include "spotlight/sdk/representation.h"

namespace spotlight::nn {

// What Spotlight's sequence networks share: an item table and an item-bias table, item 0 as
// the padding id, and scores that are <state, item vector> + item bias. A subclass only says
// how a history becomes states (encode_sequences); one that keeps richer states (several
// taste vectors, ...) overrides score and score_all too.
class SPOTLIGHT_SDK_API SequenceRepresentation : public Representation, public ExposesTables {
 public:
  ~SequenceRepresentation() override;

  UserInput user_input() const final { return UserInput::item_history; }
  torch::Tensor score(const torch::Tensor& states, const torch::Tensor& item_ids) override;
  torch::Tensor score_all(const torch::Tensor& states) override;

  int64_t dim() const { return dim_; }

  // The item table (row 0 the padding row) and the item biases.
  torch::Tensor item_vectors() override;
  std::vector<ExposedTable> exposed_tables() override;

 protected:
  SequenceRepresentation(std::shared_ptr<EmbeddingLayer> items, std::shared_ptr<EmbeddingLayer> item_biases);

  // (batch, length) ids -> (batch, length, dim). Padding positions are exactly zero whatever
  // the table holds, so a table shared from the graph without a padding row still never lets
  // padding into a state.
  torch::Tensor embed(const torch::Tensor& item_sequences);
  // (batch, length + 1, dim): the embedded history behind a zero vector, so that position t
  // holds the item seen just before step t. What a causal network reads.
  torch::Tensor embed_shifted(const torch::Tensor& item_sequences);
  // The item vectors and biases, for subclasses that score differently.
  EmbeddingLayer& items() { return *items_; }
  EmbeddingLayer& item_biases() { return *item_biases_; }

 private:
  int64_t dim_;
  std::shared_ptr<EmbeddingLayer> items_;
  std::shared_ptr<EmbeddingLayer> item_biases_;
};

// The item tables of a sequence network: `item_embedding` and `item_bias` from the graph when
// the node names them (checked to have one row per item and the right width), otherwise new
// ones with row 0 as a frozen padding row (N(0, 1/dim) vectors, zero biases). The width is
// `embedding_dim`, else the shared item table's, else model.embedding_dim.
struct SequenceTables {
  std::shared_ptr<EmbeddingLayer> items;
  std::shared_ptr<EmbeddingLayer> item_biases;
  int64_t dim = 0;
};
SPOTLIGHT_SDK_API SequenceTables sequence_tables(const ComponentArgs& args);

// The parameters sequence_tables() reads, for a plugin's schema:
//   SPOTLIGHT_PLUGIN(..., spotlight::schema(spotlight::nn::sequence_table_parameters(), {...}))
SPOTLIGHT_SDK_API ParameterList sequence_table_parameters();

}  // namespace spotlight::nn
