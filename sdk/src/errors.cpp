#include "spotlight/sdk/errors.h"

namespace spotlight {

Error::~Error() = default;

ConfigError::ConfigError(std::string path, const std::string& message)
    : Error(path.empty() ? message : path + ": " + message), path_(std::move(path)), reason_(message) {}
ConfigError::~ConfigError() = default;

PluginLoadError::PluginLoadError(std::string file, const std::string& reason)
    : Error("plugin library " + file + ": " + reason), file_(std::move(file)), reason_(reason) {}
PluginLoadError::~PluginLoadError() = default;

DataError::~DataError() = default;

}  // namespace spotlight
