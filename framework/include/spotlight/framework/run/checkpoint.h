#pragma once

#include <filesystem>

#include "spotlight/framework/config/assembly.h"
#include "spotlight/framework/data/interactions.h"

namespace spotlight {

// A checkpoint is a folder with checkpoint.json (format version, the resolved experiment,
// the plugins and versions it was built from, the dataset's size and raw ids) and model.pt
// (parameters, optimizer and random state). Both are written atomically.
// `history` (the per-epoch records so far) is kept for a resumed run; `parameter_file` names
// the parameter file, so that a checkpoint written after each epoch can replace the previous
// one safely: the new file is complete before checkpoint.json points at it, and only then is
// the file it pointed at before removed.
void save_checkpoint(const std::filesystem::path& folder, const AssembledModel& assembled, const IdMap& users,
                     const IdMap& items, const nlohmann::json& history = nlohmann::json::array(),
                     const std::string& parameter_file = "model.pt");

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

// Whether a plugin of version `found` loads a checkpoint saved with version `saved`: the same
// version, or a later minor or patch release of the same major version (semantic
// versioning, numbers compared as numbers). Versions that are not MAJOR.MINOR.PATCH must be equal.
bool plugin_version_loads(const std::string& saved, const std::string& found);

// The saved experiment's dataset, as the model was trained on it; a DataError when it no
// longer has the model's numbers of users and items.
Interactions training_data(const LoadedCheckpoint& saved);

}  // namespace spotlight
