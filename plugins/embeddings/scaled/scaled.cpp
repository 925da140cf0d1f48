// scaled_embedding: a table of vectors drawn from N(0, 1/dim), Spotlight's ScaledEmbedding.
#include "spotlight/sdk/nn/embeddings.h"
#include "spotlight/sdk/plugin.h"

#include "../embedding_parameters.h"

namespace {

using spotlight::nn::ScaledEmbedding;

std::shared_ptr<ScaledEmbedding> make_scaled_embedding(const spotlight::ComponentArgs& args) {
  return std::make_shared<ScaledEmbedding>(spotlight::plugins::embedding_options(args));
}

}  // namespace

SPOTLIGHT_PLUGIN(ScaledEmbedding, make_scaled_embedding, "scaled_embedding", "1.0.0",
                 "Embedding table initialised from N(0, 1/dim) (Spotlight's ScaledEmbedding)",
                 spotlight::plugins::embedding_parameters())
