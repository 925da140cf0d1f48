#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spotlight/registry/registry.h"
#include "spotlight/sdk/component.h"
#include "spotlight/sdk/component_args.h"

namespace spotlight {

// Builds components from the JSON graph of an experiment. A node is either an object
// {"plugin": NAME, ...parameters} or a reference "@name" to a node declared under
// `components`; a declared node is built once and shared by every reference to it.
// Dangling references, cycles, unknown plugins, plugins of the wrong kind and parameters
// that do not fit the plugin's schema are ConfigErrors naming the JSON path.
class ComponentGraph {
 public:
  // How deep "@a" -> "@b" -> ... may nest; deeper is a ConfigError.
  static constexpr size_t kDeepestReferenceChain = 64;

  ComponentGraph(const Registry& registry, const nlohmann::json& declared, std::string declared_path,
                 ModelContext model);

  // Builds the node at `path`, which must yield a component of kind `expected`.
  std::shared_ptr<Component> build(const nlohmann::json& node, const std::string& path, ComponentKind expected);
  // Builds an inline node that names its plugin under `name_key` instead of "plugin", and
  // `default_plugin` when it names none: model.optimizer, {"type": NAME, ...}, is written so.
  // Checked like any other node (the plugin's kind and schema); resolved() keeps `name_key`.
  std::shared_ptr<Component> build_named_by(const nlohmann::json& node, const std::string& path,
                                            ComponentKind expected, const std::string& name_key,
                                            const std::string& default_plugin);
  // Builds every declared node, referenced or not, so mistakes in unused ones surface too.
  void build_all_declared();

  // The node as built: defaults filled in, references kept as "@name".
  const nlohmann::json& resolved(const std::string& path) const;
  // The declared components, resolved.
  nlohmann::json resolved_declarations() const;
  // Every plugin a node was built from, once each, in the order first used.
  const std::vector<const PluginRecord*>& plugins_used() const { return plugins_used_; }

 private:
  std::shared_ptr<Component> build_declared(const std::string& name, const std::string& reference_path,
                                            ComponentKind expected);
  std::shared_ptr<Component> build_node(const nlohmann::json& node, const std::string& path,
                                        ComponentKind expected, nlohmann::json& resolved);
  // The plugin `name` of kind `expected`, else a ConfigError at `name_path`.
  const PluginRecord& find_plugin(const std::string& name, const std::string& name_path, ComponentKind expected) const;
  // Validates `node` against the plugin's schema (`name_key` aside), builds what it refers to
  // and then the component.
  std::shared_ptr<Component> build_from(const PluginRecord& plugin, const nlohmann::json& node, const std::string& path,
                                        const std::string& name_key, nlohmann::json& resolved);

  const Registry& registry_;
  nlohmann::json declared_;
  std::string declared_path_;
  ModelContext model_;
  std::map<std::string, std::shared_ptr<Component>> built_;
  std::map<std::string, nlohmann::json> resolved_;
  std::vector<std::string> in_progress_;
  std::vector<const PluginRecord*> plugins_used_;
};

}  // namespace spotlight
