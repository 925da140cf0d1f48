#include "spotlight/framework/data/movielens_download.h"

#include <unistd.h>

#include <cstdlib>

#include "src/data/download/external_program.h"
#include "spotlight/framework/data/checksums.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

// The archives' own folder names differ from the archive names (ml-10m.zip unpacks to
// ml-10M100K), so the unpacked folder is found by the ratings file it must contain.
std::filesystem::path find_ratings_folder(const std::filesystem::path& unpacked, const std::string& ratings_file) {
  std::error_code error;
  if (std::filesystem::is_regular_file(unpacked / ratings_file, error)) return unpacked;
  for (const auto& entry : std::filesystem::directory_iterator(unpacked, error)) {
    if (entry.is_directory(error) && std::filesystem::is_regular_file(entry.path() / ratings_file, error)) {
      return entry.path();
    }
  }
  return {};
}

// Removes the staging folder however fetch_movielens leaves, so a failure keeps nothing.
class StagingFolder {
 public:
  explicit StagingFolder(std::filesystem::path path) : path_(std::move(path)) {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
    std::filesystem::create_directories(path_);
  }
  ~StagingFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string by_hand(const std::filesystem::path& target, const std::string& ratings_file) {
  return "download it by hand and unpack it so that " + (target / ratings_file).string() + " exists";
}

void download(const std::string& url, const std::filesystem::path& file, const std::string& hand) {
  // curl's command-line tool rather than libcurl: no new library in the host (and in every
  // test executable) for one request, it honours the user's proxy settings and CA store like
  // any curl, and its own one-line error ("curl: (6) Could not resolve host") is the best
  // explanation we can pass on. --fail turns HTTP errors (404) into a non-zero exit.
  const auto outcome = run_external_program({"curl", "--fail", "--location", "--silent", "--show-error",
                                             "--connect-timeout", "30", "--output", file.string(), url});
  if (!outcome.started) {
    throw Error("cannot download " + url + ": the curl program is not installed (run scripts/install-deps), or " + hand);
  }
  if (outcome.exit_code != 0) {
    const std::string reason = outcome.last_error_line.empty() ? "curl exited with code " + std::to_string(outcome.exit_code)
                                                               : outcome.last_error_line;
    throw Error("cannot download " + url + ": " + reason + "; check the network connection, or " + hand);
  }
}

void verify(const std::string& url, const std::filesystem::path& file, const MovieLensArchive& archive,
            const std::string& hand) {
  if (archive.sha256.empty() && archive.md5.empty()) return;  // checked by its contents instead
  const auto digests = file_digests(file);
  const bool use_sha256 = !archive.sha256.empty();
  const std::string& expected = use_sha256 ? archive.sha256 : archive.md5;
  const std::string& got = use_sha256 ? digests.sha256 : digests.md5;
  if (got == expected) return;
  throw Error(url + ": " + (use_sha256 ? "SHA-256" : "MD5") + " checksum mismatch (got " + got + ", expected " +
              expected + "; " + std::to_string(digests.size) +
              " bytes): the download is damaged or the file changed upstream, nothing was kept; retry, or " + hand);
}

void unpack(const std::string& url, const std::filesystem::path& zip, const std::filesystem::path& into,
            const std::string& hand) {
  // Info-ZIP's unzip rather than our own inflate: the archives are deflated, and unzip
  // already refuses entries that would escape the target folder ("../").
  const auto outcome = run_external_program({"unzip", "-q", "-o", zip.string(), "-d", into.string()});
  if (!outcome.started) {
    throw Error("cannot unpack " + url + ": the unzip program is not installed (run scripts/install-deps), or " + hand);
  }
  if (outcome.exit_code != 0) {
    throw Error("cannot unpack " + url + ": " +
                (outcome.last_error_line.empty() ? "unzip exited with code " + std::to_string(outcome.exit_code)
                                                 : outcome.last_error_line) +
                "; " + hand);
  }
}

}  // namespace

const std::vector<MovieLensArchive>& movielens_archives() {
  // MD5s are GroupLens's published NAME.zip.md5 values; the SHA-256s of 100k and 1m are
  // the ones many independent projects pin. Nothing here was invented: unknown stays empty.
  static const std::vector<MovieLensArchive> archives{
      {"100k", "ml-100k", "u.data", "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
       "0e33842e24a9c977be4e0107933c0723"},
      {"1m", "ml-1m", "ratings.dat", "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
       "c4d9eecfca2ab87c1945afe126590906"},
      {"10m", "ml-10m", "ratings.dat", "", "ce571fd55effeba0271552578f2648bd"},
      {"20m", "ml-20m", "ratings.csv", "", "cd245b17a1ae2cc31bb14903e1204af3"},
      {"25m", "ml-25m", "ratings.csv", "", "6b51fb2759a8657d3bfcbfc42b592ada"},
      {"latest-small", "ml-latest-small", "ratings.csv", "", ""},
      {"latest", "ml-latest", "ratings.csv", "", ""},
  };
  return archives;
}

const MovieLensArchive& movielens_archive(const std::string& variant) {
  std::string names;
  for (const auto& archive : movielens_archives()) {
    if (archive.variant == variant) return archive;
    names += (names.empty() ? "\"" : ", \"") + archive.variant + "\"";
  }
  throw Error("unknown MovieLens variant \"" + variant + "\"; expected one of " + names);
}

std::filesystem::path spotlight_data_folder() {
  if (const char* folder = std::getenv("SPOTLIGHT_DATA_DIR"); folder && *folder) return folder;
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && *cache) return std::filesystem::path(cache) / "spotlight";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "spotlight";
  throw Error("cannot choose a folder for downloaded datasets: none of SPOTLIGHT_DATA_DIR, XDG_CACHE_HOME, HOME is "
              "set; set SPOTLIGHT_DATA_DIR");
}

std::string movielens_base_url() {
  std::string url = "https://files.grouplens.org/datasets/movielens";
  if (const char* override_url = std::getenv("SPOTLIGHT_MOVIELENS_URL"); override_url && *override_url) url = override_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::filesystem::path fetch_movielens(const MovieLensArchive& archive, const std::filesystem::path& data_folder,
                                      const std::string& base_url) {
  const auto folder = data_folder / "movielens";
  const auto target = folder / archive.name;
  std::error_code error;
  if (std::filesystem::is_regular_file(target / archive.ratings_file, error)) return target;
  if (std::filesystem::exists(target, error)) {
    throw Error(target.string() + ": the folder exists but has no " + archive.ratings_file +
                "; delete it to download MovieLens " + archive.variant + " again");
  }
  const std::string url = base_url + "/" + archive.name + ".zip";
  const std::string hand = by_hand(target, archive.ratings_file);
  std::filesystem::create_directories(folder, error);
  if (error) throw Error(folder.string() + ": cannot create the dataset cache folder (" + error.message() + "); set SPOTLIGHT_DATA_DIR to a writable folder");

  // Beside the target, on the same file system, so the final rename is atomic; named by
  // process id so two runs downloading at once do not share one.
  StagingFolder staging(folder / ("." + archive.name + ".download-" + std::to_string(getpid())));
  const auto zip = staging.path() / (archive.name + ".zip");
  download(url, zip, hand);
  verify(url, zip, archive, hand);
  unpack(url, zip, staging.path() / "unpacked", hand);
  const auto unpacked = find_ratings_folder(staging.path() / "unpacked", archive.ratings_file);
  if (unpacked.empty()) {
    throw Error(url + ": the archive has no " + archive.ratings_file + "; it is not MovieLens " + archive.variant +
                " (check SPOTLIGHT_MOVIELENS_URL), or " + hand);
  }
  std::filesystem::rename(unpacked, target, error);
  // Another run may have put the same folder in place meanwhile: theirs is as good as ours.
  if (error && !std::filesystem::is_regular_file(target / archive.ratings_file)) {
    throw Error(target.string() + ": cannot move the unpacked dataset into place (" + error.message() + ")");
  }
  return target;
}

}  // namespace spotlight
