#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "spotlight/sdk/errors.h"

namespace spotlight::cli {

// A mistake on the command line: printed with the usage hint, exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// The command line after the global options are taken out.
struct Arguments {
  std::vector<std::string> command_line;  // everything after the program name, as given
  std::vector<std::string> words;  // command and its own arguments, in order
  std::vector<std::filesystem::path> plugin_paths;

  // Removes `--flag` from words; true when it was there.
  bool take_flag(const std::string& flag);
  // Removes `--option VALUE` (or --option=VALUE) and returns every value given, in order.
  std::vector<std::string> take_values(const std::string& option);
  // At most one value; empty string when absent.
  std::string take_value(const std::string& option);
  // The command line as given, minus every `option VALUE` (or option=VALUE), matched as take_values does.
  std::vector<std::string> command_line_without(const std::string& option) const;
  // Fails on any remaining word that starts with "-".
  void reject_unknown_options(const std::string& command) const;
};

Arguments parse_global_arguments(int argc, char** argv);

}  // namespace spotlight::cli
