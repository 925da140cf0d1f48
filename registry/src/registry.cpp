#include "spotlight/registry/registry.h"

#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <sys/stat.h>
#include <unistd.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/version.h"

namespace spotlight {

// A loaded plugin library; shared by its record and by every component it created.
class LoadedLibrary {
 public:
  explicit LoadedLibrary(const std::filesystem::path& file)
      : library_(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local) {}
  boost::dll::shared_library& library() { return library_; }

 private:
  boost::dll::shared_library library_;
};

namespace {

std::string describe_handshake_layout(uint32_t size, uint32_t align) {
  return std::to_string(size) + " bytes, alignment " + std::to_string(align);
}

// Everything the host checks before trusting anything else in the library.
void check_handshake(const PluginHandshake* handshake) {
  if (handshake == nullptr) throw std::runtime_error("its entry point returned no handshake");
  if (handshake->magic != SPOTLIGHT_PLUGIN_MAGIC) {
    throw std::runtime_error("not a Spotlight plugin: its entry point returned an unrecognised handshake");
  }
  if (handshake->abi_version != SPOTLIGHT_SDK_ABI_VERSION) {
    throw std::runtime_error("wrong SDK ABI version: built for version " + std::to_string(handshake->abi_version) +
                             ", this host supports version " + std::to_string(SPOTLIGHT_SDK_ABI_VERSION) +
                             "; rebuild it against this SDK");
  }
  if (handshake->handshake_size != sizeof(PluginHandshake) || handshake->handshake_align != alignof(PluginHandshake)) {
    throw std::runtime_error("handshake layout mismatch: the plugin's is " +
                             describe_handshake_layout(handshake->handshake_size, handshake->handshake_align) +
                             ", this host expects " +
                             describe_handshake_layout(sizeof(PluginHandshake), alignof(PluginHandshake)));
  }
  const char* torch_version = handshake->torch_version ? handshake->torch_version : "(unknown)";
  if (std::strcmp(torch_version, SPOTLIGHT_TORCH_VERSION) != 0) {
    throw std::runtime_error(std::string("built against LibTorch ") + torch_version + ", this host uses LibTorch " +
                             SPOTLIGHT_TORCH_VERSION + "; rebuild it against the same LibTorch");
  }
  if (handshake->cxx11_abi != SPOTLIGHT_CXX11_ABI) {
    throw std::runtime_error("built with _GLIBCXX_USE_CXX11_ABI=" + std::to_string(handshake->cxx11_abi) +
                             ", this host uses _GLIBCXX_USE_CXX11_ABI=" + std::to_string(SPOTLIGHT_CXX11_ABI));
  }
  if (handshake->info == nullptr) throw std::runtime_error("its handshake has no plugin description");
}

void check_info(const PluginInfo* info) {
  if (info == nullptr) throw std::runtime_error("it returned no plugin description");
  if (info->name == nullptr || *info->name == '\0') throw std::runtime_error("its plugin has no name");
  ComponentKind kind;
  if (!parse_component_kind(to_string(info->kind), kind)) {
    throw std::runtime_error(std::string("plugin \"") + info->name + "\" declares an unknown component kind");
  }
  // SPOTLIGHT_PLUGIN always sets one; a hand-made description may not, and calling it would crash.
  if (info->factory == nullptr) {
    throw std::runtime_error(std::string("plugin \"") + info->name + "\" has no factory: its factory pointer is null");
  }
}

// Why loading the library at `real` (a resolved path, no symbolic links left) would let
// another user run code as this one, or "" when it would not. As ssh's StrictModes: the file
// and every folder from it up to / belong to this user or root, and none is writable by its
// group or others, except a sticky folder (like /tmp), where others cannot rename or remove
// what is not theirs.
std::string insecurity(const std::filesystem::path& real) {
  const auto user = ::geteuid();
  auto check = [&](const std::filesystem::path& path, bool is_folder) -> std::string {
    struct stat status {};
    const char* what = is_folder ? "folder" : "file";
    if (::stat(path.c_str(), &status) != 0) return std::string("its ") + what + " " + path.string() + " cannot be checked";
    if (status.st_uid != user && status.st_uid != 0) {
      return std::string("its ") + what + " " + path.string() + " belongs to another user (uid " +
             std::to_string(status.st_uid) + ")";
    }
    const bool sticky_folder = is_folder && (status.st_mode & S_ISVTX);
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) && !sticky_folder) {
      return std::string("its ") + what + " " + path.string() + " is writable by " +
             ((status.st_mode & S_IWOTH) ? "every user" : "its group");
    }
    return "";
  };
  if (auto reason = check(real, false); !reason.empty()) return reason;
  for (auto folder = real.parent_path();; folder = folder.parent_path()) {
    if (auto reason = check(folder, true); !reason.empty()) return reason;
    if (folder == folder.parent_path()) break;
  }
  return "";
}

// The real path of `file`, refusing what must not be opened: a loop of symbolic links, a
// path that does not resolve, anything but a regular file (a FIFO would block the open, a
// device could be anything). Nothing is opened here.
std::filesystem::path resolved_library(const std::filesystem::path& file) {
  std::error_code error;
  const auto real = std::filesystem::canonical(file, error);
  if (error) {
    throw PluginLoadError(file.string(), error == std::errc::too_many_symbolic_link_levels
                                             ? "cannot be resolved: its symbolic links form a loop"
                                             : "cannot be resolved: " + error.message());
  }
  struct stat status {};
  if (::stat(real.c_str(), &status) != 0) throw PluginLoadError(file.string(), "cannot be checked: " + real.string());
  if (!S_ISREG(status.st_mode)) {
    const char* kind = S_ISDIR(status.st_mode)    ? "a directory"
                       : S_ISFIFO(status.st_mode) ? "a FIFO"
                       : S_ISCHR(status.st_mode) || S_ISBLK(status.st_mode) ? "a device"
                       : S_ISSOCK(status.st_mode)                           ? "a socket"
                                                                            : "not a regular file";
    throw PluginLoadError(file.string(), std::string("refused without opening it: it is ") + kind +
                                             ", and only regular files are loaded as plugins");
  }
  return real;
}

std::filesystem::path canonical_or_same(const std::filesystem::path& file) {
  std::error_code error;
  auto canonical = std::filesystem::canonical(file, error);
  return error ? file : canonical;
}

}  // namespace

Registry::Registry() = default;
Registry::~Registry() = default;

std::filesystem::path Registry::builtin_plugin_dir() {
  std::error_code error;
  auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return {};
  return (executable.parent_path() / SPOTLIGHT_PLUGIN_DIR_FROM_EXECUTABLE).lexically_normal();
}

std::vector<std::filesystem::path> Registry::search_path(const std::vector<std::filesystem::path>& extra) {
  std::vector<std::filesystem::path> folders;
  auto builtin = builtin_plugin_dir();
  if (!builtin.empty()) folders.push_back(builtin);
  if (const char* environment = std::getenv("SPOTLIGHT_PLUGIN_PATH")) {
    std::string value = environment;
    size_t start = 0;
    while (start <= value.size()) {
      size_t end = value.find(':', start);
      if (end == std::string::npos) end = value.size();
      if (end > start) folders.emplace_back(value.substr(start, end - start));
      start = end + 1;
    }
  }
  folders.insert(folders.end(), extra.begin(), extra.end());
  return folders;
}

void Registry::discover(const std::vector<std::filesystem::path>& folders) {
  const auto builtin = builtin_plugin_dir();
  for (const auto& folder : folders) {
    std::error_code error;
    if (!std::filesystem::is_directory(folder, error)) {
      // A folder the user named (SPOTLIGHT_PLUGIN_PATH, --plugin-path) that is not there is a
      // mistake worth a word; the host's own folder may be absent in an unusual install.
      if (folder != builtin) {
        refusals_.push_back({folder, std::filesystem::exists(folder, error)
                                         ? "not a folder, but on the plugin search path"
                                         : "no such folder, but on the plugin search path"});
      }
      continue;
    }
    // Every *.so entry, whatever it is: load() refuses by name what is not a regular file.
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      try {
        load(file);
      } catch (const PluginLoadError& refused) {
        refusals_.push_back({file, refused.reason()});
      }
    }
  }
}

const PluginRecord& Registry::load(const std::filesystem::path& file) {
  const auto canonical = resolved_library(file);
  for (const auto& plugin : plugins_) {
    if (canonical_or_same(plugin.file) == canonical) return plugin;  // same file reached twice
  }
  if (!allow_insecure_) {
    const std::string reason = insecurity(canonical);
    if (!reason.empty()) {
      throw PluginLoadError(file.string(), "refused: " + reason +
                                               ", so someone else could make it run their code as you; fix the "
                                               "permissions or pass --allow-insecure-plugins");
    }
  }
  std::shared_ptr<LoadedLibrary> library;
  try {
    // The resolved file, so a symbolic link swapped after the checks changes nothing.
    library = std::make_shared<LoadedLibrary>(canonical);
  } catch (const std::exception& failure) {
    throw PluginLoadError(file.string(), std::string("cannot be loaded: ") + failure.what());
  }
  if (!library->library().has(SPOTLIGHT_PLUGIN_ENTRY_SYMBOL)) {
    throw PluginLoadError(file.string(), std::string("not a Spotlight plugin: it does not export ") +
                                             SPOTLIGHT_PLUGIN_ENTRY_SYMBOL);
  }
  PluginRecord record;
  try {
    auto entry = library->library().get<const PluginHandshake*()>(SPOTLIGHT_PLUGIN_ENTRY_SYMBOL);
    const PluginHandshake* handshake = entry();
    check_handshake(handshake);
    const PluginInfo* info = handshake->info();
    check_info(info);
    record.name = info->name;
    record.kind = info->kind;
    record.version = info->version ? info->version : "";
    record.description = info->description ? info->description : "";
    record.info = info;
  } catch (const std::exception& failure) {
    throw PluginLoadError(file.string(), failure.what());
  }
  if (const PluginRecord* taken = find(record.name)) {
    throw PluginLoadError(file.string(), "declares plugin \"" + record.name + "\", a name already taken by " +
                                             taken->file.string());
  }
  record.file = file;
  record.library = std::move(library);
  plugins_.push_back(std::move(record));
  return plugins_.back();
}

const PluginRecord* Registry::find(const std::string& name) const {
  for (const auto& plugin : plugins_) {
    if (plugin.name == name) return &plugin;
  }
  return nullptr;
}

std::vector<std::string> Registry::names_of_kind(ComponentKind kind) const {
  std::vector<std::string> names;
  for (const auto& plugin : plugins_) {
    if (plugin.kind == kind) names.push_back(plugin.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::shared_ptr<Component> Registry::create(const PluginRecord& plugin, const ComponentArgs& args) const {
  std::shared_ptr<Component> component;
  try {
    component = plugin.info->factory(args);
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& failure) {
    // Only the first line: LibTorch's errors append a multi-line backtrace.
    const std::string what = failure.what();
    throw Error(args.path() + ": plugin \"" + plugin.name + "\" failed to build: " + what.substr(0, what.find('\n')));
  }
  if (!component) throw Error(args.path() + ": plugin \"" + plugin.name + "\" built nothing");
  // The graph hands the object to code that trusts the declared kind (a loss is cast to Loss),
  // so a plugin that builds something else must stop here, by name.
  if (component->kind() != plugin.kind) {
    throw Error(args.path() + ": plugin \"" + plugin.name + "\" declares " + with_article(plugin.kind) +
                " but its factory built " + with_article(component->kind()));
  }
  // The control block owns the library and the object; the object is released first
  // (second member of the pair is destroyed first), then the library reference.
  auto holder = std::make_shared<std::pair<std::shared_ptr<LoadedLibrary>, std::shared_ptr<Component>>>(
      plugin.library, component);
  return std::shared_ptr<Component>(holder, holder->second.get());
}

}  // namespace spotlight
