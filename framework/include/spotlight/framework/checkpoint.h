#pragma once

#include <filesystem>

#include "spotlight/framework/assembly.h"
#include "spotlight/framework/interactions.h"

namespace spotlight {

// A checkpoint is a folder with checkpoint.json (format version, the resolved experiment,
// the plugins and versions it was built from, the dataset's size and raw ids) and model.pt
// (parameters, optimizer and random state). Both are written atomically.
void save_checkpoint(const std::filesystem::path& folder, const AssembledModel& assembled, const IdMap& users,
                     const IdMap& items);

struct LoadedCheckpoint {
  AssembledModel assembled;
  IdMap users;  // raw ids by dense id; empty when the data used raw numeric ids
  IdMap items;
  nlohmann::json metadata;  // checkpoint.json
};

// Rebuilds the model from the checkpoint with the plugins on the registry's search path.
// A missing plugin, another version of a plugin, a corrupt or foreign file are Errors that
// say which.
LoadedCheckpoint load_checkpoint(const std::filesystem::path& folder, const Registry& registry);

}  // namespace spotlight
