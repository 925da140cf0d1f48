#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "spotlight/sdk/component.h"
#include "spotlight/sdk/component_args.h"
#include "spotlight/sdk/plugin.h"

namespace spotlight {

class LoadedLibrary;

// One plugin found on the search path.
struct PluginRecord {
  std::string name;
  ComponentKind kind;
  std::string version;
  std::string description;
  std::filesystem::path file;
  const PluginInfo* info = nullptr;  // lives in the plugin library, which stays loaded
  std::shared_ptr<LoadedLibrary> library;
};

// A library on the search path that was not accepted, and why.
struct PluginRefusal {
  std::filesystem::path file;
  std::string reason;
};

// Discovers plugin libraries, checks their handshake, and creates components by name.
// Libraries are never unloaded while the registry or any component it created is alive:
// every component holds its library (tensors' autograd nodes may point into plugin code).
class Registry {
 public:
  Registry();
  ~Registry();

  // A plugin is code that runs with the user's rights. By default a library is refused when
  // it, or the folder it is in, is writable by other users, or when it is owned by someone
  // other than the user or root (as ssh does for its keys). `allow` turns the check off
  // (--allow-insecure-plugins, or SPOTLIGHT_ALLOW_INSECURE_PLUGINS=1).
  void allow_insecure_plugins(bool allow) { allow_insecure_ = allow; }
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The search path of the SPEC, in order: the host's own plugin folder, then the folders
  // of SPOTLIGHT_PLUGIN_PATH (colon-separated), then `extra` (from --plugin-path).
  static std::vector<std::filesystem::path> search_path(const std::vector<std::filesystem::path>& extra);
  // The host's own plugin folder: <executable dir>/../<libdir>/spotlight/plugins.
  static std::filesystem::path builtin_plugin_dir();

  // Loads every *.so in each folder (sorted by file name, so discovery is reproducible).
  // A library that is refused is recorded in refusals(); discovery goes on.
  void discover(const std::vector<std::filesystem::path>& folders);
  // Loads one library; throws PluginLoadError naming the file and the reason when refused.
  const PluginRecord& load(const std::filesystem::path& file);

  const std::vector<PluginRecord>& plugins() const { return plugins_; }
  const std::vector<PluginRefusal>& refusals() const { return refusals_; }
  const PluginRecord* find(const std::string& name) const;
  std::vector<std::string> names_of_kind(ComponentKind kind) const;

  // Runs the plugin's factory. The returned object keeps its library loaded. A factory
  // that throws is reported as an Error naming the plugin (ConfigErrors pass through).
  std::shared_ptr<Component> create(const PluginRecord& plugin, const ComponentArgs& args) const;

 private:
  std::vector<PluginRecord> plugins_;
  std::vector<PluginRefusal> refusals_;
  bool allow_insecure_ = false;
};

}  // namespace spotlight
