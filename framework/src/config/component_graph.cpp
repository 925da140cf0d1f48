#include "spotlight/framework/config/component_graph.h"

#include <algorithm>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/parameters.h"

namespace spotlight {

namespace {

bool is_reference(const nlohmann::json& node) {
  return node.is_string() && node.get<std::string>().size() > 1 && node.get<std::string>()[0] == '@';
}

std::string list_names(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

std::string plural(ComponentKind kind) {
  return kind == ComponentKind::loss ? "losses" : std::string(to_string(kind)) + "s";
}

}  // namespace

ComponentGraph::ComponentGraph(const Registry& registry, const nlohmann::json& declared, std::string declared_path,
                               ModelContext model)
    : registry_(registry),
      declared_(declared.is_null() ? nlohmann::json::object() : declared),
      declared_path_(std::move(declared_path)),
      model_(model) {}

std::shared_ptr<Component> ComponentGraph::build(const nlohmann::json& node, const std::string& path,
                                                 ComponentKind expected) {
  if (is_reference(node)) return build_declared(node.get<std::string>().substr(1), path, expected);
  return build_node(node, path, expected, resolved_[path]);
}

void ComponentGraph::build_all_declared() {
  for (const auto& [name, node] : declared_.items()) {
    if (built_.count(name)) continue;
    const std::string path = join_path(declared_path_, name);
    if (!node.is_object() || !node.contains("plugin") || !node.at("plugin").is_string()) {
      throw ConfigError(path, "expected an object with a \"plugin\" name, got " + node.dump());
    }
    const std::string plugin_name = node.at("plugin").get<std::string>();
    const auto* plugin = registry_.find(plugin_name);
    if (!plugin) {
      // No reference says which kind is expected here: suggest from every plugin.
      std::vector<std::string> names;
      for (const auto& known : registry_.plugins()) names.push_back(known.name);
      std::sort(names.begin(), names.end());
      const std::string suggestion = closest_name(plugin_name, names);
      throw ConfigError(join_path(path, "plugin"), "unknown plugin \"" + plugin_name + "\"" +
                                                       (suggestion.empty() ? "" : " (did you mean \"" + suggestion + "\"?)") +
                                                       "; available: " + list_names(names));
    }
    build_declared(name, path, plugin->kind);
  }
}

std::shared_ptr<Component> ComponentGraph::build_declared(const std::string& name, const std::string& reference_path,
                                                          ComponentKind expected) {
  const std::string declaration_path = join_path(declared_path_, name);
  auto check_kind = [&](ComponentKind kind) {
    if (kind != expected) {
      throw ConfigError(reference_path,
                        "\"@" + name + "\" is " + with_article(kind) + ", expected " + with_article(expected));
    }
  };
  auto cycle_start = std::find(in_progress_.begin(), in_progress_.end(), name);
  if (cycle_start != in_progress_.end()) {
    std::string cycle;
    for (auto it = cycle_start; it != in_progress_.end(); ++it) cycle += "@" + *it + " -> ";
    throw ConfigError(reference_path, "cycle in component references: " + cycle + "@" + name);
  }
  auto built = built_.find(name);
  if (built == built_.end()) {
    if (declared_.contains(name)) {
      // A declared node of the wrong kind is the reference's mistake: report it there.
      const auto& node = declared_.at(name);
      const PluginRecord* plugin =
          node.is_object() && node.contains("plugin") && node.at("plugin").is_string()
              ? registry_.find(node.at("plugin").get<std::string>())
              : nullptr;
      if (plugin) check_kind(plugin->kind);
    } else {
      std::vector<std::string> names;
      for (const auto& [declared_name, value] : declared_.items()) names.push_back(declared_name);
      throw ConfigError(reference_path, "\"@" + name + "\" refers to no component under " + declared_path_ +
                                            " (declared: " + list_names(names) + ")");
    }
    // Each reference is built inside the one that names it: a chain as long as the file
    // allows would take the stack with it. Real graphs share a table or two, a few levels deep.
    if (in_progress_.size() >= kDeepestReferenceChain) {
      throw ConfigError(reference_path, "component references nest deeper than " +
                                            std::to_string(kDeepestReferenceChain) + " levels (@" +
                                            in_progress_.front() + " -> ... -> @" + name + ")");
    }
    in_progress_.push_back(name);
    auto component = build_node(declared_.at(name), declaration_path, expected, resolved_[declaration_path]);
    in_progress_.pop_back();
    built = built_.emplace(name, std::move(component)).first;
  }
  check_kind(built->second->kind());
  return built->second;
}

std::shared_ptr<Component> ComponentGraph::build_node(const nlohmann::json& node, const std::string& path,
                                                      ComponentKind expected, nlohmann::json& resolved) {
  if (!node.is_object()) {
    throw ConfigError(path, "expected " + with_article(expected) +
                                ": \"@name\" or an object with a \"plugin\", got " + node.dump());
  }
  const auto plugin_field = node.find("plugin");
  if (plugin_field == node.end()) {
    throw ConfigError(join_path(path, "plugin"), "missing; expected the name of " + with_article(expected) +
                                                     " plugin (available: " +
                                                     list_names(registry_.names_of_kind(expected)) + ")");
  }
  if (!plugin_field->is_string()) {
    throw ConfigError(join_path(path, "plugin"), "expected a plugin name, got " + plugin_field->dump());
  }
  const PluginRecord& plugin = find_plugin(plugin_field->get<std::string>(), join_path(path, "plugin"), expected);
  return build_from(plugin, node, path, "plugin", resolved);
}

std::shared_ptr<Component> ComponentGraph::build_named_by(const nlohmann::json& node, const std::string& path,
                                                          ComponentKind expected, const std::string& name_key,
                                                          const std::string& default_plugin) {
  if (!node.is_object()) throw ConfigError(path, "expected an object, got " + node.dump());
  const std::string name_path = join_path(path, name_key);
  const auto name_field = node.find(name_key);
  if (name_field != node.end() && !name_field->is_string()) {
    throw ConfigError(name_path, "expected the name of " + with_article(expected) + " plugin (available: " +
                                     list_names(registry_.names_of_kind(expected)) + "), got " + name_field->dump());
  }
  const std::string name = name_field == node.end() ? default_plugin : name_field->get<std::string>();
  const PluginRecord& plugin = find_plugin(name, name_path, expected);
  nlohmann::json& resolved = resolved_[path];
  auto component = build_from(plugin, node, path, name_key, resolved);
  resolved[name_key] = name;  // the default too: a resolved experiment says which plugin it used
  return component;
}

const PluginRecord& ComponentGraph::find_plugin(const std::string& name, const std::string& name_path,
                                                ComponentKind expected) const {
  const PluginRecord* plugin = registry_.find(name);
  if (plugin == nullptr) {
    auto candidates = registry_.names_of_kind(expected);
    std::string suggestion = closest_name(name, candidates);
    std::string message = "unknown plugin \"" + name + "\"";
    if (!suggestion.empty()) message += " (did you mean \"" + suggestion + "\"?)";
    message += "; available " + plural(expected) + ": " + list_names(candidates);
    if (!registry_.refusals().empty()) message += "; some libraries were refused (see `spotlight plugins`)";
    throw ConfigError(name_path, message);
  }
  if (plugin->kind != expected) {
    throw ConfigError(name_path, "\"" + name + "\" is " + with_article(plugin->kind) + " plugin, expected " +
                                     with_article(expected));
  }
  return *plugin;
}

std::shared_ptr<Component> ComponentGraph::build_from(const PluginRecord& plugin, const nlohmann::json& node,
                                                      const std::string& path, const std::string& name_key,
                                                      nlohmann::json& resolved) {
  const ParameterList& schema = plugin.info->parameters;
  resolved = validate_parameters(node, schema, path, {name_key});

  std::map<std::string, std::shared_ptr<Component>> components;
  for (const auto& parameter : schema) {
    if (parameter.type() != ParameterType::component) continue;
    const auto& value = resolved.at(parameter.name());
    if (value.is_null()) continue;
    const std::string child_path = join_path(path, parameter.name());
    components[parameter.name()] = build(value, child_path, parameter.component_kind());
    if (!is_reference(value)) resolved[parameter.name()] = resolved_.at(child_path);
  }
  ComponentArgs args(path, resolved, std::move(components), model_);
  auto component = registry_.create(plugin, args);
  if (std::find(plugins_used_.begin(), plugins_used_.end(), &plugin) == plugins_used_.end()) {
    plugins_used_.push_back(&plugin);
  }
  return component;
}

const nlohmann::json& ComponentGraph::resolved(const std::string& path) const { return resolved_.at(path); }

nlohmann::json ComponentGraph::resolved_declarations() const {
  nlohmann::json declarations = nlohmann::json::object();
  for (const auto& [name, node] : declared_.items()) {
    auto found = resolved_.find(join_path(declared_path_, name));
    declarations[name] = found != resolved_.end() ? found->second : node;
  }
  return declarations;
}

}  // namespace spotlight
