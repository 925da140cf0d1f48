#pragma once

// What the fuzz targets share: a private scratch folder for the files a parser reads, the
// registry of the shipped plugins, and the line between a refusal (an expected
// spotlight::Error) and a finding (anything else escapes to the fuzzer and is reported).

#include <filesystem>
#include <functional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "spotlight/sdk/errors.h"

namespace spotlight {
class Registry;
}

namespace spotlight::fuzz {

// A folder of this process under the system temporary folder ($TMPDIR), created on first
// use and removed at exit.
const std::filesystem::path& scratch_folder();

// A file at `relative` inside the scratch folder holding `contents`; removed when this goes
// out of scope, so one input never sees the file of another.
class ScratchFile {
 public:
  ScratchFile(const std::filesystem::path& relative, std::string_view contents);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The shipped plugins of the build the target was compiled against (SPOTLIGHT_FUZZ_PLUGIN_DIR),
// loaded once. Aborts when a library is refused or none is found: every input would then
// test nothing.
const Registry& shipped_plugins();

// Runs `body`. A spotlight::Error is how the product refuses bad input, the expected outcome
// for most inputs; any other exception propagates and is a finding.
template <class Body>
void expect_refusals(Body&& body) {
  try {
    body();
  } catch (const Error&) {
  }
}

// False for an experiment that asks for a model too big to build here. Sizes the schemas
// rightly accept can still need more memory than the fuzzer has: a CNN of 1024 layers of
// width 65536 is a valid request that needs terabytes (LibTorch refuses it on a real
// machine, and the message names the plugin). The product's limits (kMaxWidth, kMaxCount)
// are what is under test, so only sizes above a small budget but within those limits make
// this false; sizes above the limits must be refused by validation and are assembled as usual.
bool within_memory_budget(const nlohmann::json& experiment);

// Runs `body`, which builds components with the shipped plugins. The registry reports a
// factory that threw anything but a ConfigError as an Error "...: plugin "x" failed to
// build: ..." (or "built nothing"); for a shipped plugin that is a finding: a parameter its
// schema accepted that it cannot use. Aborts with the message.
void refuse_plugin_failures(const std::function<void()>& body);

}  // namespace spotlight::fuzz
