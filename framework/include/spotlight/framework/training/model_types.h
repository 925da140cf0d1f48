#pragma once

#include <string>
#include <vector>

namespace spotlight {

// The model types `model.type` accepts, from the one table in model_factory.cpp that also
// says what each needs and makes it. Models live in the host: they own training loops;
// everything they train is a plugin.
std::vector<std::string> model_type_names();

// Whether a model type trains on sequences (and so reads the experiment's `sequence`
// section and reserves item id 0 for padding).
bool model_type_reads_sequences(const std::string& type);

// Whether a model type trains against sampled negatives (and so reads model.sampler).
bool model_type_samples_negatives(const std::string& type);

}  // namespace spotlight
