// zero_embedding: a table initialised to zero, for biases (Spotlight's ZeroEmbedding).
#include "spotlight/sdk/nn/embeddings.h"
#include "spotlight/sdk/plugin.h"

#include "../embedding_parameters.h"

namespace {

std::shared_ptr<spotlight::Component> make_zero_embedding(const spotlight::ComponentArgs& args) {
  return std::make_shared<spotlight::nn::ZeroEmbedding>(spotlight::plugins::embedding_options(args));
}

}  // namespace

SPOTLIGHT_PLUGIN(make_zero_embedding, "zero_embedding", spotlight::ComponentKind::embedding, "1.0.0",
                 "Embedding table initialised to zero, e.g. for biases (Spotlight's ZeroEmbedding)",
                 SPOTLIGHT_EMBEDDING_PARAMETERS)
