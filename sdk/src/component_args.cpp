#include "spotlight/sdk/component_args.h"

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/parameters.h"

namespace spotlight {

ComponentArgs::ComponentArgs(std::string path, nlohmann::json values,
                             std::map<std::string, std::shared_ptr<Component>> components, ModelContext model)
    : path_(std::move(path)), values_(std::move(values)), components_(std::move(components)), model_(model) {}

const nlohmann::json& ComponentArgs::value(const std::string& name) const {
  auto found = values_.find(name);
  if (found == values_.end()) {
    // A plugin asked for a parameter it did not declare: a bug in the plugin, not the user's.
    throw Error(path_ + ": the plugin reads parameter \"" + name + "\" but does not declare it");
  }
  return *found;
}

bool ComponentArgs::has(const std::string& name) const {
  auto found = values_.find(name);
  return found != values_.end() && !found->is_null();
}

int64_t ComponentArgs::integer(const std::string& name) const { return value(name).get<int64_t>(); }
double ComponentArgs::number(const std::string& name) const { return value(name).get<double>(); }
bool ComponentArgs::boolean(const std::string& name) const { return value(name).get<bool>(); }
std::string ComponentArgs::text(const std::string& name) const { return value(name).get<std::string>(); }

int64_t ComponentArgs::integer_or(const std::string& name, int64_t fallback) const {
  const auto& raw = value(name);
  return raw.is_null() ? fallback : raw.get<int64_t>();
}

double ComponentArgs::number_or(const std::string& name, double fallback) const {
  const auto& raw = value(name);
  return raw.is_null() ? fallback : raw.get<double>();
}

bool ComponentArgs::boolean_or(const std::string& name, bool fallback) const {
  const auto& raw = value(name);
  return raw.is_null() ? fallback : raw.get<bool>();
}

std::string ComponentArgs::text_or(const std::string& name, const std::string& fallback) const {
  const auto& raw = value(name);
  return raw.is_null() ? fallback : raw.get<std::string>();
}

std::vector<int64_t> ComponentArgs::integers(const std::string& name, size_t count) const {
  const auto& raw = value(name);
  if (raw.is_number_integer()) return std::vector<int64_t>(count, raw.get<int64_t>());
  auto values = raw.get<std::vector<int64_t>>();
  if (values.size() != count) {
    fail(name, "expected one value or a list of " + std::to_string(count) + ", got a list of " +
                   std::to_string(values.size()));
  }
  return values;
}

std::shared_ptr<Component> ComponentArgs::component(const std::string& name) const {
  auto found = components_.find(name);
  if (found != components_.end()) return found->second;
  value(name);  // undeclared -> plugin bug
  return nullptr;
}

void ComponentArgs::fail(const std::string& name, const std::string& message) const {
  throw ConfigError(join_path(path_, name), message);
}

}  // namespace spotlight
