#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace spotlight {

// One published MovieLens archive. Checksums are the ones known for certain (GroupLens
// publishes an MD5 per frozen archive); empty means unknown, and then only the presence of
// the ratings file in the archive is checked. "latest" and "latest-small" are rebuilt by
// GroupLens from time to time, so they cannot have a fixed checksum.
struct MovieLensArchive {
  std::string variant;       // "100k"
  std::string name;          // "ml-100k": the archive is NAME.zip, the cache folder NAME
  std::string ratings_file;  // "u.data": must be in the archive
  std::string sha256;        // lower-case hex, or empty when unknown
  std::string md5;           // lower-case hex, or empty when unknown
};

const std::vector<MovieLensArchive>& movielens_archives();
// The archive of a variant name; throws Error listing the variants for an unknown one.
const MovieLensArchive& movielens_archive(const std::string& variant);

// Where downloaded datasets live: $SPOTLIGHT_DATA_DIR, else $XDG_CACHE_HOME/spotlight,
// else ~/.cache/spotlight.
std::filesystem::path spotlight_data_folder();
// $SPOTLIGHT_MOVIELENS_URL, else https://files.grouplens.org/datasets/movielens.
std::string movielens_base_url();

// The unpacked folder DATA/movielens/NAME holding archive.ratings_file. When it is not there
// yet, downloads BASE_URL/NAME.zip with curl, verifies its checksum, unpacks it with unzip
// into a staging folder beside the target and renames it into place, so the folder either
// appears complete or not at all. A cached folder is used without touching the network.
// Failures are one-line Errors naming the URL and how to do it by hand.
std::filesystem::path fetch_movielens(const MovieLensArchive& archive, const std::filesystem::path& data_folder,
                                      const std::string& base_url);

}  // namespace spotlight
