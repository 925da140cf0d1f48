#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace spotlight {

// Reads an experiment file (JSON, version 1). Syntax errors become a ConfigError naming
// the line and column; the file name is added by the caller.
nlohmann::json read_experiment_file(const std::filesystem::path& file);

// Applies one `--set path.to.key=value` override. The value is parsed as JSON when it is
// valid JSON (numbers, true, [1,2], {"a":1}, "quoted") and taken as a string otherwise.
// Array elements are addressed by index ("evaluation.0.k=5").
void apply_override(nlohmann::json& experiment, const std::string& assignment);

// Checks the host-owned sections (everything but the plugin nodes, which the component
// graph checks against each plugin's own schema) and fills their defaults. Throws
// ConfigError with the JSON path of the first problem.
nlohmann::json validate_experiment(const nlohmann::json& experiment);

// Checks a `dataset` section on its own (as `spotlight evaluate --data` reads one) and
// returns it with defaults filled in; errors are ConfigErrors under "dataset".
nlohmann::json validate_dataset(const nlohmann::json& dataset);

}  // namespace spotlight
