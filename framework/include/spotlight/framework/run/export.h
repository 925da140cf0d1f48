#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "spotlight/framework/run/checkpoint.h"

namespace spotlight {

// Writes every table the model's representation exposes (ExposesTables) as a NumPy .npy
// file (little-endian float32, C order; vectors (rows, width), biases (rows,)), the raw ids
// as users.txt and items.txt (line i holds the dataset's id of dense id i), and
// manifest.json naming them, into `folder`. The folder appears whole or not at all: it is
// written beside itself and renamed into place; an earlier export there is replaced, any
// other existing folder that is not empty is refused. Returns the manifest.
nlohmann::ordered_json export_model(LoadedCheckpoint& saved, const std::filesystem::path& folder);

// The .npy bytes of a float32 tensor of one or two dimensions (NumPy format version 1.0).
std::string npy_bytes(const torch::Tensor& values);

}  // namespace spotlight
