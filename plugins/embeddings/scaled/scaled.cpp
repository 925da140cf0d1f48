// scaled_embedding: a table of vectors drawn from N(0, 1/dim), Spotlight's ScaledEmbedding.
#include "spotlight/sdk/nn/embeddings.h"
#include "spotlight/sdk/plugin.h"

#include "../embedding_parameters.h"

namespace {

std::shared_ptr<spotlight::Component> make_scaled_embedding(const spotlight::ComponentArgs& args) {
  return std::make_shared<spotlight::nn::ScaledEmbedding>(spotlight::plugins::embedding_options(args));
}

}  // namespace

SPOTLIGHT_PLUGIN(make_scaled_embedding, "scaled_embedding", spotlight::ComponentKind::embedding, "1.0.0",
                 "Embedding table initialised from N(0, 1/dim) (Spotlight's ScaledEmbedding)",
                 SPOTLIGHT_EMBEDDING_PARAMETERS)
