#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace spotlight::cli {

namespace {

nlohmann::json describe(const PluginRecord& plugin) {
  nlohmann::json parameters = nlohmann::json::array();
  for (const auto& parameter : plugin.info->parameters) parameters.push_back(parameter.describe());
  return {{"name", plugin.name},        {"kind", to_string(plugin.kind)}, {"version", plugin.version},
          {"description", plugin.description}, {"file", plugin.file.string()}, {"parameters", parameters}};
}

void print_parameters(const PluginRecord& plugin) {
  if (plugin.info->parameters.empty()) {
    std::cout << "  (no parameters)\n";
    return;
  }
  for (const auto& parameter : plugin.info->parameters) {
    std::string default_text = parameter.default_value().is_null()
                                   ? (parameter.required() ? "required" : "optional")
                                   : "default " + parameter.default_value().dump();
    std::cout << "  " << std::left << std::setw(22) << parameter.name() << " " << to_string(parameter.type()) << ", "
              << default_text << "\n"
              << "  " << std::setw(22) << "" << " " << parameter.doc() << "\n"
              << "  " << std::setw(22) << "" << " accepts " << parameter.expectation() << "\n";
  }
}

}  // namespace

int plugins_command(Arguments& arguments, const Registry& registry) {
  const bool as_json = arguments.take_flag("--json");
  arguments.reject_unknown_options("plugins");
  if (arguments.words.size() >= 2 && arguments.words[1] == "describe") {
    if (arguments.words.size() != 3) throw UsageError("usage: spotlight plugins describe NAME [--json]");
    const PluginRecord* plugin = registry.find(arguments.words[2]);
    if (!plugin) throw Error("no plugin named \"" + arguments.words[2] + "\" was found (see `spotlight plugins`)");
    if (as_json) {
      std::cout << describe(*plugin).dump(2) << "\n";
      return 0;
    }
    std::cout << plugin->name << " (" << to_string(plugin->kind) << ", version " << plugin->version << ")\n"
              << "  " << plugin->description << "\n"
              << "  library: " << plugin->file.string() << "\n\nparameters:\n";
    print_parameters(*plugin);
    return 0;
  }
  if (arguments.words.size() != 1) throw UsageError("usage: spotlight plugins [--json] | spotlight plugins describe NAME");
  if (as_json) {
    nlohmann::json listing{{"plugins", nlohmann::json::array()}, {"refused", nlohmann::json::array()}};
    for (const auto& plugin : registry.plugins()) listing["plugins"].push_back(describe(plugin));
    for (const auto& refusal : registry.refusals()) {
      listing["refused"].push_back({{"file", refusal.file.string()}, {"reason", refusal.reason}});
    }
    std::cout << listing.dump(2) << "\n";
    return 0;
  }
  std::cout << std::left << std::setw(20) << "NAME" << std::setw(16) << "KIND" << std::setw(9) << "VERSION"
            << "DESCRIPTION\n";
  for (const auto& plugin : registry.plugins()) {
    std::cout << std::setw(20) << plugin.name << std::setw(16) << to_string(plugin.kind) << std::setw(9) << plugin.version
              << plugin.description << "\n";
    std::string parameters;
    for (const auto& parameter : plugin.info->parameters) {
      parameters += (parameters.empty() ? "" : ", ") + parameter.name() + ": " + to_string(parameter.type());
      if (!parameter.default_value().is_null()) parameters += " = " + parameter.default_value().dump();
    }
    std::cout << std::setw(20) << "" << "file: " << plugin.file.string() << "\n";
    if (!parameters.empty()) std::cout << std::setw(20) << "" << "parameters: " << parameters << "\n";
  }
  if (!registry.refusals().empty()) {
    std::cout << "\nrefused libraries:\n";
    for (const auto& refusal : registry.refusals()) {
      std::cout << "  " << refusal.file.string() << ": " << refusal.reason << "\n";
    }
  }
  return 0;
}

}  // namespace spotlight::cli
