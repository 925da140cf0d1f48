#include <iostream>

#include "cli/commands.h"
#include "spotlight/framework/run/export.h"

namespace spotlight::cli {

int export_command(Arguments& arguments, const Registry& registry) {
  const std::string folder = arguments.take_value("--model");
  const std::string output = arguments.take_value("--output");
  arguments.reject_unknown_options("export");
  if (folder.empty() || output.empty() || arguments.words.size() != 1) {
    throw UsageError("usage: spotlight export --model DIR --output DIR");
  }
  auto saved = load_checkpoint(folder, registry);
  const auto manifest = export_model(saved, output);
  std::cout << "wrote " << output << "/{manifest.json, users.txt, items.txt";
  for (const auto& table : manifest.at("tables")) std::cout << ", " << table.at("file").get<std::string>();
  std::cout << "}\n";
  return 0;
}

}  // namespace spotlight::cli
