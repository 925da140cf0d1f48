#include "cli/arguments.h"

namespace spotlight::cli {

bool Arguments::take_flag(const std::string& flag) {
  for (auto it = words.begin(); it != words.end(); ++it) {
    if (*it == flag) {
      words.erase(it);
      return true;
    }
  }
  return false;
}

std::vector<std::string> Arguments::take_values(const std::string& option) {
  // An empty value (--output "") would read as an absent option and fall back to a default.
  const auto take = [&](std::string value, std::vector<std::string>& values) {
    if (value.empty()) throw UsageError(option + " was given an empty value");
    values.push_back(std::move(value));
  };
  std::vector<std::string> values;
  for (size_t i = 0; i < words.size();) {
    if (words[i] == option) {
      if (i + 1 >= words.size()) throw UsageError(option + " needs a value");
      take(words[i + 1], values);
      words.erase(words.begin() + static_cast<std::ptrdiff_t>(i), words.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    } else if (words[i].rfind(option + "=", 0) == 0) {
      take(words[i].substr(option.size() + 1), values);
      words.erase(words.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  return values;
}

std::string Arguments::take_value(const std::string& option) {
  auto values = take_values(option);
  if (values.size() > 1) throw UsageError(option + " was given " + std::to_string(values.size()) + " times");
  return values.empty() ? std::string() : values.front();
}

std::vector<std::string> Arguments::command_line_without(const std::string& option) const {
  Arguments rest;
  rest.words = command_line;
  rest.take_values(option);
  return rest.words;
}

void Arguments::reject_unknown_options(const std::string& command) const {
  for (const auto& word : words) {
    if (word.size() > 1 && word[0] == '-') throw UsageError("unknown option " + word + " for `spotlight " + command + "`");
  }
}

Arguments parse_global_arguments(int argc, char** argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) arguments.words.emplace_back(argv[i]);
  arguments.command_line = arguments.words;
  for (const auto& folder : arguments.take_values("--plugin-path")) arguments.plugin_paths.emplace_back(folder);
  return arguments;
}

}  // namespace spotlight::cli
