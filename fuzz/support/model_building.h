#pragma once

// The two fuzzed paths that build LibTorch modules, behind a LibTorch-free header: a file
// that includes LibTorch takes half a minute to compile, so only model_building.cpp does.

#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

namespace spotlight::fuzz {

// assemble_model() with the shipped plugins for a dataset of the given size; the model is
// built and released.
void assemble_and_release(const nlohmann::json& experiment, int64_t num_users, int64_t num_items);

// load_checkpoint() of `folder` with the shipped plugins; the model is built and released.
void load_checkpoint_and_release(const std::filesystem::path& folder);

}  // namespace spotlight::fuzz
