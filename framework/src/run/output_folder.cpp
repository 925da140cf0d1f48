#include "spotlight/framework/run/output_folder.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

constexpr const char* kLockFile = ".lock";

// "pid 1234: spotlight run examples/x.json": who holds a lock, written into the lock file.
std::string this_process() {
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  std::string command((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  for (char& c : command) {
    if (c == '\0') c = ' ';
  }
  while (!command.empty() && command.back() == ' ') command.pop_back();
  return "pid " + std::to_string(::getpid()) + (command.empty() ? "" : ": " + command);
}

// Locks FOLDER/.lock without waiting; -1 when another process holds it.
int try_lock(const std::filesystem::path& folder) {
  const auto file = folder / kLockFile;
  const int descriptor = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (descriptor < 0) throw Error(folder.string() + ": cannot lock the run's folder: " + std::strerror(errno));
  if (::flock(descriptor, LOCK_EX | LOCK_NB) != 0) {
    ::close(descriptor);
    return -1;
  }
  const std::string holder = this_process() + "\n";
  if (::ftruncate(descriptor, 0) != 0 || ::pwrite(descriptor, holder.data(), holder.size(), 0) < 0) {
    ::close(descriptor);
    throw Error(folder.string() + ": cannot lock the run's folder: " + std::strerror(errno));
  }
  return descriptor;
}

std::string holder_of(const std::filesystem::path& folder) {
  std::ifstream file(folder / kLockFile);
  std::string line;
  std::getline(file, line);
  return line.empty() ? "another process" : line;
}

}  // namespace

RunOutputFolder::RunOutputFolder(const std::filesystem::path& folder) {
  std::error_code error;
  // The real folder (a symlinked runs/ stays a symlink), without a trailing "/".
  folder_ = std::filesystem::weakly_canonical(std::filesystem::absolute(folder), error);
  if (error) throw Error(folder.string() + ": cannot use as the run's folder: " + error.message());
  if (folder_.filename().empty()) folder_ = folder_.parent_path();
  if (folder_ == folder_.root_path()) throw Error(folder.string() + ": a run cannot be written into the root folder");
  created_ = !std::filesystem::exists(folder_, error);
  std::filesystem::create_directories(folder_, error);
  if (error || !std::filesystem::is_directory(folder_)) {
    throw Error(folder.string() + ": cannot create the run's folder" + (error ? ": " + error.message() : ": not a folder"));
  }
  lock_ = try_lock(folder_);
  if (lock_ < 0) {
    throw Error(folder.string() + " is in use by another run (" + holder_of(folder_) +
                "); wait for it to finish or use another --output");
  }
  staging_ = folder_.parent_path() / ("." + folder_.filename().string() + ".staging");
}

RunOutputFolder::~RunOutputFolder() {
  if (staged_lock_ >= 0) {  // a run that failed before publishing: its half-written set goes
    std::error_code ignored;
    std::filesystem::remove_all(staging_, ignored);
    ::close(staged_lock_);
  }
  // A folder this run created and left with nothing but its lock (the run failed before its
  // first checkpoint) goes too: a failed run into a new folder leaves nothing behind.
  std::error_code error;
  if (created_ && !published_ && lock_ >= 0) {
    bool only_lock = true;
    for (const auto& entry : std::filesystem::directory_iterator(folder_, error)) {
      only_lock = only_lock && entry.path().filename() == kLockFile;
    }
    if (!error && only_lock) std::filesystem::remove_all(folder_, error);
  }
  if (lock_ >= 0) ::close(lock_);
}

const std::filesystem::path& RunOutputFolder::stage() {
  if (staged_lock_ >= 0) ::close(staged_lock_);
  staged_lock_ = -1;
  std::error_code error;
  std::filesystem::remove_all(staging_, error);  // left by a run killed while publishing; ours now
  if (error || !std::filesystem::create_directory(staging_, error) || error) {
    throw Error(staging_.string() + ": cannot create the folder the outputs are written into: " +
                (error ? error.message() : "it exists"));
  }
  staged_lock_ = try_lock(staging_);
  if (staged_lock_ < 0) throw Error(staging_.string() + " is in use by another run (" + holder_of(staging_) + ")");
  return staging_;
}

void RunOutputFolder::publish() {
  if (staged_lock_ < 0) throw Error(folder_.string() + ": published before anything was staged");
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, folder_.c_str(), RENAME_EXCHANGE) != 0) {
    // A filesystem without the exchange: the old folder steps aside, then the new one comes
    // in. In between the folder is briefly absent, which still is never a mix.
    const auto previous = staging_.string() + ".previous";
    std::error_code ignored;
    std::filesystem::remove_all(previous, ignored);
    if (::rename(folder_.c_str(), previous.c_str()) != 0) {
      throw Error(folder_.string() + ": cannot put the new outputs in place: " + std::strerror(errno));
    }
    if (::rename(staging_.c_str(), folder_.c_str()) != 0) {
      const std::string reason = std::strerror(errno);
      ::rename(previous.c_str(), folder_.c_str());  // the previous set back where it was
      throw Error(folder_.string() + ": cannot put the new outputs in place: " + reason);
    }
    std::filesystem::rename(previous, staging_, ignored);
  }
  published_ = true;
  std::swap(lock_, staged_lock_);  // the lock of what is now the folder stays held
  ::close(staged_lock_);
  staged_lock_ = -1;
  std::error_code ignored;
  std::filesystem::remove_all(staging_, ignored);
}

}  // namespace spotlight
