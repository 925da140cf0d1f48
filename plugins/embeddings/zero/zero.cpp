// zero_embedding: a table initialised to zero, for biases (Spotlight's ZeroEmbedding).
#include "spotlight/sdk/nn/embeddings.h"
#include "spotlight/sdk/plugin.h"

#include "../embedding_parameters.h"

namespace {

using spotlight::nn::ZeroEmbedding;

std::shared_ptr<ZeroEmbedding> make_zero_embedding(const spotlight::ComponentArgs& args) {
  return std::make_shared<ZeroEmbedding>(spotlight::plugins::embedding_options(args));
}

}  // namespace

SPOTLIGHT_PLUGIN(ZeroEmbedding, make_zero_embedding, "zero_embedding", "1.0.0",
                 "Embedding table initialised to zero, e.g. for biases (Spotlight's ZeroEmbedding)",
                 spotlight::plugins::embedding_parameters())
