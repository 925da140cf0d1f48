#pragma once

#include <filesystem>

namespace spotlight {

// The folder a run writes, owned by one process at a time and replaced whole.
//
// Owning: the constructor creates the folder and takes an exclusive lock on FOLDER/.lock
// (flock, so a killed run never leaves it held); a second run into the same folder fails at
// once with a message naming the process that holds it.
//
// Replacing whole: the run writes its complete output set into stage(), a folder beside the
// target, and publish() swaps the two in one rename (renameat2 RENAME_EXCHANGE), then removes
// what was there before. A failure or a kill at any point leaves the previous complete set
// (or nothing), never a mix of two runs' files.
class RunOutputFolder {
 public:
  explicit RunOutputFolder(const std::filesystem::path& folder);
  ~RunOutputFolder();
  RunOutputFolder(const RunOutputFolder&) = delete;
  RunOutputFolder& operator=(const RunOutputFolder&) = delete;

  const std::filesystem::path& path() const { return folder_; }
  // A new, empty folder beside path() for the output set (a stale one from a killed run is
  // removed first), locked like path() so that it is owned once swapped in.
  const std::filesystem::path& stage();
  // Puts the staged folder in place of path(); the previous contents (the partial
  // checkpoints included) are removed.
  void publish();

 private:
  std::filesystem::path folder_;
  std::filesystem::path staging_;
  int lock_ = -1;
  int staged_lock_ = -1;
  bool created_ = false;    // the folder did not exist before this run
  bool published_ = false;
};

}  // namespace spotlight
