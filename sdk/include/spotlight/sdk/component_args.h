#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spotlight/sdk/component.h"
#include "spotlight/sdk/export.h"

namespace spotlight {

// What a component may know about the model it is built for.
struct ModelContext {
  int64_t num_users = 0;
  int64_t num_items = 0;
  int64_t embedding_dim = 32;  // model.embedding_dim: the default width of embeddings
  uint64_t seed = 0;
};

// The validated parameters of one graph node, handed to a plugin factory: typed getters
// for the values (defaults already filled in) and the already-built components it refers to.
class SPOTLIGHT_SDK_API ComponentArgs {
 public:
  ComponentArgs(std::string path, nlohmann::json values, std::map<std::string, std::shared_ptr<Component>> components,
                ModelContext model);

  const std::string& path() const { return path_; }
  const ModelContext& model() const { return model_; }
  const nlohmann::json& values() const { return values_; }

  bool has(const std::string& name) const;  // present and not null (false when undeclared)
  int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;
  bool boolean(const std::string& name) const;
  std::string text(const std::string& name) const;
  // An optional parameter's value, or `fallback` when it is absent: what a parameter without
  // a fixed default ("default: model.embedding_dim") reads. Like the getters above, naming
  // an undeclared parameter is a plugin bug (an Error), not a silent fallback.
  int64_t integer_or(const std::string& name, int64_t fallback) const;
  double number_or(const std::string& name, double fallback) const;
  bool boolean_or(const std::string& name, bool fallback) const;
  std::string text_or(const std::string& name, const std::string& fallback) const;
  // An `integers` parameter expanded to `count` values: a single integer is repeated, a
  // list must have exactly `count` elements.
  std::vector<int64_t> integers(const std::string& name, size_t count) const;
  // The component a `component` parameter refers to, or nullptr when it is optional and absent.
  std::shared_ptr<Component> component(const std::string& name) const;
  template <class Interface>
  std::shared_ptr<Interface> component_as(const std::string& name) const {
    // The graph already checked the referenced plugin's kind against the parameter's.
    return std::static_pointer_cast<Interface>(component(name));
  }

  // Throws ConfigError naming `path.name`: for checks a schema cannot express.
  [[noreturn]] void fail(const std::string& name, const std::string& message) const;

 private:
  const nlohmann::json& value(const std::string& name) const;

  std::string path_;
  nlohmann::json values_;
  std::map<std::string, std::shared_ptr<Component>> components_;
  ModelContext model_;
};

}  // namespace spotlight
