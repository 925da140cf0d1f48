#pragma once

#include <nlohmann/json.hpp>

#include "spotlight/framework/data/sequences.h"
#include "spotlight/framework/data/text_loaders.h"

namespace spotlight {

// The interactions a resolved experiment trains on: its dataset, loaded and validated, with
// item id 0 kept free for padding when the model reads sequences (see reserve_padding_item),
// and without timestamps when it does not (nothing else orders by them). Every command that loads an experiment's data (run, evaluate, recommend) goes through here,
// so they all see the same ids.
LoadedInteractions load_experiment_data(const nlohmann::json& resolved_experiment);

// The validated `sequence` section as options for to_sequence.
SequenceOptions sequence_options(const nlohmann::json& sequence);

}  // namespace spotlight
