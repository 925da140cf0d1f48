#pragma once

#include <stdexcept>
#include <string>

#include "spotlight/sdk/export.h"

namespace spotlight {

// Every error a user can cause derives from Error: the CLI prints what() on one line and
// exits non-zero.
class SPOTLIGHT_SDK_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~Error() override;
};

// A value in the experiment JSON is wrong. path() is the JSON path ("model.loss.plugin").
class SPOTLIGHT_SDK_API ConfigError : public Error {
 public:
  ConfigError(std::string path, const std::string& message);
  ~ConfigError() override;
  const std::string& path() const { return path_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string path_;
  std::string reason_;
};

// A plugin library could not be loaded or refused the handshake.
class SPOTLIGHT_SDK_API PluginLoadError : public Error {
 public:
  PluginLoadError(std::string file, const std::string& reason);
  ~PluginLoadError() override;
  const std::string& file() const { return file_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  std::string reason_;
};

// Input data (a file or generated interactions) is malformed.
class SPOTLIGHT_SDK_API DataError : public Error {
 public:
  using Error::Error;
  ~DataError() override;
};

}  // namespace spotlight
