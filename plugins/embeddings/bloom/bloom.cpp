// bloom_embedding: Spotlight's BloomEmbedding, a compressed table. Each of num_embeddings ids
// is the sum of num_hash_functions rows of a table with compression_ratio * num_embeddings
// rows, chosen by MurmurHash3 with Spotlight's seeds, so results match Spotlight's hashing
// exactly. With a padding id, that id maps to compressed row 0, which stays zero.
#include <array>
#include <cstdint>

#include <torch/torch.h>

#include "spotlight/sdk/embedding.h"
#include "spotlight/sdk/plugin.h"

namespace {

// The first num_hash_functions of these seed the hashes (Spotlight's SEEDS).
constexpr std::array<uint32_t, 24> kSeeds{179424941, 179425457, 179425907, 179426369, 179424977, 179425517,
                                          179425943, 179426407, 179424989, 179425529, 179425993, 179426447,
                                          179425003, 179425537, 179426003, 179426453, 179425019, 179425559,
                                          179426029, 179426491, 179425027, 179425579, 179426081, 179426549};

uint32_t rotate_left(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// MurmurHash3_x86_32 of one little-endian 4-byte key, as sklearn's murmurhash3_32(int32).
uint32_t murmur3_32(uint32_t key, uint32_t seed) {
  uint32_t k = key * 0xcc9e2d51u;
  k = rotate_left(k, 15) * 0x1b873593u;
  uint32_t h = rotate_left(seed ^ k, 13) * 5 + 0xe6546b64u;
  h ^= 4u;  // the key length
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

class BloomEmbedding : public spotlight::EmbeddingLayer {
 public:
  BloomEmbedding(int64_t num_embeddings, int64_t dim, int64_t compressed_rows, int64_t num_hash_functions,
                 int64_t padding_idx, bool sparse)
      : num_embeddings_(num_embeddings), dim_(dim), padding_idx_(padding_idx), sparse_(sparse) {
    torch::NoGradGuard no_grad;
    auto weight = torch::empty({compressed_rows, dim}).normal_(0.0, 1.0 / static_cast<double>(dim));
    if (padding_idx >= 0) weight[0].zero_();
    weight_ = register_parameter("weight", weight);
    // The hashes are fixed by the ids, so they are a buffer: saved, moved to the device, never trained.
    auto rows = torch::empty({num_embeddings, num_hash_functions}, torch::kInt64);
    auto* out = rows.data_ptr<int64_t>();
    for (int64_t id = 0; id < num_embeddings; ++id) {
      for (int64_t j = 0; j < num_hash_functions; ++j) {
        // Spotlight reads the hash as a signed int32 and takes numpy's floor modulo.
        int64_t hash = static_cast<int32_t>(murmur3_32(static_cast<uint32_t>(id), kSeeds[static_cast<size_t>(j)]));
        if (id == padding_idx) hash = 0;
        out[id * num_hash_functions + j] = ((hash % compressed_rows) + compressed_rows) % compressed_rows;
      }
    }
    hashed_rows_ = register_buffer("hashed_rows", rows);
  }

  int64_t num_embeddings() const override { return num_embeddings_; }
  int64_t dim() const override { return dim_; }

  torch::Tensor forward(const torch::Tensor& ids) override {
    auto rows = hashed_rows_.index_select(0, ids.reshape(-1));  // (n, hashes)
    // torch's padding_idx keeps the gradient of compressed row 0 at zero when it is the padding row.
    auto vectors = torch::embedding(weight_, rows, padding_idx_ >= 0 ? 0 : -1, false, sparse_).sum(1);
    auto shape = ids.sizes().vec();
    shape.push_back(dim_);
    return vectors.view(shape);
  }

  torch::Tensor all() override {
    return forward(torch::arange(num_embeddings_, torch::TensorOptions().dtype(torch::kInt64).device(weight_.device())));
  }

 private:
  int64_t num_embeddings_;
  int64_t dim_;
  int64_t padding_idx_;
  bool sparse_;
  torch::Tensor weight_;
  torch::Tensor hashed_rows_;
};

std::shared_ptr<BloomEmbedding> make_bloom_embedding(const spotlight::ComponentArgs& args) {
  const auto& model = args.model();
  const int64_t rows = args.text("of") == "users" ? model.num_users : model.num_items;
  const int64_t dim = args.integer_or("dim", model.embedding_dim);
  // Spotlight truncates compression_ratio * num_embeddings.
  const auto compressed = static_cast<int64_t>(args.number("compression_ratio") * static_cast<double>(rows));
  if (compressed < 1) {
    args.fail("compression_ratio", "leaves no rows for " + std::to_string(rows) + " ids; raise it");
  }
  const int64_t padding_idx = args.integer_or("padding_idx", -1);
  if (padding_idx >= rows) {
    args.fail("padding_idx", "must be below the number of ids (" + std::to_string(rows) + ")");
  }
  return std::make_shared<BloomEmbedding>(rows, dim, compressed, args.integer("num_hash_functions"), padding_idx,
                                          args.boolean("sparse"));
}

}  // namespace

SPOTLIGHT_PLUGIN(
    BloomEmbedding, make_bloom_embedding, "bloom_embedding", "1.0.0",
    "Compressed embedding: each id is the sum of rows picked by several hashes (Spotlight's BloomEmbedding)",
    {spotlight::Parameter::text("of", "items", "Which ids the table has rows for").one_of({"items", "users"}),
     spotlight::Parameter::integer("dim", std::nullopt, "Width of each vector (default: model.embedding_dim)")
         .at_least(1)
         .at_most(spotlight::kMaxWidth)
         .optional(),
     spotlight::Parameter::number("compression_ratio", 0.2, "Compressed rows per id").greater_than(0).at_most(1),
     spotlight::Parameter::integer("num_hash_functions", 4, "Rows summed per id").at_least(1).at_most(24),
     spotlight::Parameter::integer("padding_idx", std::nullopt, "An id that is always the zero vector")
         .at_least(0)
         .optional(),
     spotlight::Parameter::boolean("sparse", false, "Sparse gradients")})
