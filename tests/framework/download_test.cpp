#include <algorithm>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "spotlight/framework/data/checksums.h"
#include "spotlight/framework/data/dataset_loaders.h"
#include "spotlight/framework/config/experiment.h"
#include "spotlight/framework/data/movielens_download.h"
#include "spotlight/sdk/errors.h"
#include "support/error_message.h"
#include "support/http_server.h"
#include "support/process.h"
#include "support/zip_writer.h"

namespace spotlight {
namespace {

using testing::error_message;

std::string sha256_of(const std::string& bytes) {
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.hex_digest();
}

std::string md5_of(const std::string& bytes) {
  Md5 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.hex_digest();
}

// What is in a folder, by name; downloads must leave no staging folder behind.
std::vector<std::string> entries(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ignored)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A fake MovieLens 100K archive: the real layout (ml-100k/u.data), three ratings.
std::string fake_100k_zip() {
  return testing::stored_zip({{"ml-100k/u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n"},
                              {"ml-100k/README", "not the real data\n"}});
}

// The 100k entry with the checksum of our fake archive instead of GroupLens's.
MovieLensArchive fake_100k_archive() {
  MovieLensArchive archive = movielens_archive("100k");
  archive.sha256 = sha256_of(fake_100k_zip());
  archive.md5.clear();
  return archive;
}

// Proxies would route 127.0.0.1 elsewhere; these tests talk to their own server only.
class MovieLensDownload : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
      unsetenv(name);
    }
  }
  testing::TemporaryDirectory cache;
};

TEST(Checksums, MatchPublishedTestVectors) {
  EXPECT_EQ(sha256_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_of(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(md5_of(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_of("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_of("The quick brown fox jumps over the lazy dog"), "9e107d9d372bb6826bd81d3542a419d6");
  // Fed in uneven pieces, as a file is read.
  Sha256 pieces;
  const std::string text(1000, 'x');
  for (size_t start = 0; start < text.size(); start += 37) pieces.update(text.data() + start, std::min<size_t>(37, text.size() - start));
  EXPECT_EQ(pieces.hex_digest(), sha256_of(text));
}

TEST_F(MovieLensDownload, FirstLoadDownloadsVerifiesAndUnpacksThenTheCacheWorksOffline) {
  testing::HttpServer server;
  server.serve("/ml-100k.zip", fake_100k_zip());
  const auto folder = fetch_movielens(fake_100k_archive(), cache.path(), server.url());
  EXPECT_EQ(folder, cache.path() / "movielens" / "ml-100k");
  EXPECT_EQ(entries(folder), (std::vector<std::string>{"README", "u.data"}));
  EXPECT_EQ(entries(cache.path() / "movielens"), (std::vector<std::string>{"ml-100k"}));
  EXPECT_EQ(server.requests(), 1);

  server.stop();
  EXPECT_EQ(fetch_movielens(fake_100k_archive(), cache.path(), server.url()), folder);
  // And through the experiment's dataset section, with the server gone.
  setenv("SPOTLIGHT_DATA_DIR", cache.path().c_str(), 1);
  setenv("SPOTLIGHT_MOVIELENS_URL", server.url().c_str(), 1);
  const auto experiment = validate_experiment(nlohmann::json::parse(R"({
    "dataset": {"loader": "movielens", "variant": "100k"},
    "model": {"type": "implicit_factorization", "representation": {"plugin": "bilinear"},
              "loss": {"plugin": "bpr"}, "sampler": {"plugin": "uniform"}}})"));
  const auto data = load_dataset(experiment.at("dataset")).interactions;
  EXPECT_EQ(data.size(), 3u);
  EXPECT_EQ(data.users.raw_ids, (std::vector<std::string>{"196", "186", "22"}));
  unsetenv("SPOTLIGHT_DATA_DIR");
  unsetenv("SPOTLIGHT_MOVIELENS_URL");
}

TEST_F(MovieLensDownload, AVariantWithoutAKnownChecksumIsCheckedByItsRatingsFile) {
  testing::HttpServer server;
  server.serve("/ml-latest-small.zip",
               testing::stored_zip({{"ml-latest-small/ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n"
                                                                     "1,3,4.5,964981247\n"}}));
  setenv("SPOTLIGHT_DATA_DIR", cache.path().c_str(), 1);
  setenv("SPOTLIGHT_MOVIELENS_URL", (server.url() + "/").c_str(), 1);
  nlohmann::json dataset{{"loader", "movielens"}, {"path", nullptr}, {"variant", "latest-small"},
                         {"ids", "dense"},        {"on_malformed", "error"}};
  EXPECT_EQ(load_dataset(dataset).interactions.ratings, (std::vector<float>{4.0f, 4.5f}));
  EXPECT_TRUE(std::filesystem::is_regular_file(cache.path() / "movielens/ml-latest-small/ratings.csv"));
  unsetenv("SPOTLIGHT_DATA_DIR");
  unsetenv("SPOTLIGHT_MOVIELENS_URL");

  // An archive without the expected ratings file is refused, and nothing is kept.
  server.serve("/ml-latest.zip", testing::stored_zip({{"ml-latest/movies.csv", "movieId,title\n"}}));
  const auto target = cache.path() / "movielens" / "ml-latest";
  EXPECT_EQ(error_message<Error>([&] { fetch_movielens(movielens_archive("latest"), cache.path(), server.url()); }),
            server.url() + "/ml-latest.zip: the archive has no ratings.csv; it is not MovieLens latest (check "
                           "SPOTLIGHT_MOVIELENS_URL), or download it by hand and unpack it so that " +
                (target / "ratings.csv").string() + " exists");
  EXPECT_EQ(entries(cache.path() / "movielens"), (std::vector<std::string>{"ml-latest-small"}));
}

TEST_F(MovieLensDownload, AWrongChecksumIsRefusedAndLeavesNoPartialFolder) {
  testing::HttpServer server;
  const std::string zip = fake_100k_zip();
  server.serve("/ml-100k.zip", zip);
  // The real table entry: GroupLens's SHA-256, which our fake archive cannot match.
  const auto& archive = movielens_archive("100k");
  const auto target = cache.path() / "movielens" / "ml-100k";
  EXPECT_EQ(error_message<Error>([&] { fetch_movielens(archive, cache.path(), server.url()); }),
            server.url() + "/ml-100k.zip: SHA-256 checksum mismatch (got " + sha256_of(zip) + ", expected " +
                archive.sha256 + "; " + std::to_string(zip.size()) +
                " bytes): the download is damaged or the file changed upstream, nothing was kept; retry, or download "
                "it by hand and unpack it so that " +
                (target / "u.data").string() + " exists");
  EXPECT_EQ(entries(cache.path() / "movielens"), std::vector<std::string>{});
}

TEST_F(MovieLensDownload, AnUnreachableServerGivesOneLineNamingTheUrlAndTheRemedy) {
  testing::HttpServer server;
  const std::string url = server.url();
  server.stop();
  const auto message = error_message<Error>([&] { fetch_movielens(movielens_archive("100k"), cache.path(), url); });
  const std::string prefix = "cannot download " + url + "/ml-100k.zip: curl: (7) ";
  const std::string suffix = "; check the network connection, or download it by hand and unpack it so that " +
                             (cache.path() / "movielens" / "ml-100k" / "u.data").string() + " exists";
  EXPECT_EQ(message.substr(0, prefix.size()), prefix) << message;
  ASSERT_GE(message.size(), suffix.size());
  EXPECT_EQ(message.substr(message.size() - suffix.size()), suffix) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(entries(cache.path() / "movielens"), std::vector<std::string>{});
}

TEST_F(MovieLensDownload, AMissingFileIsAnHttpError) {
  testing::HttpServer server;
  const auto message = error_message<Error>([&] { fetch_movielens(movielens_archive("1m"), cache.path(), server.url()); });
  EXPECT_NE(message.find("cannot download " + server.url() + "/ml-1m.zip: curl: (22) "), std::string::npos) << message;
  EXPECT_NE(message.find("404"), std::string::npos) << message;
}

TEST(MovieLensDataset, TakesExactlyOneOfPathAndVariant) {
  auto with_dataset = [](const std::string& dataset) {
    const auto experiment = nlohmann::json::parse(R"({"dataset": )" + dataset + R"(,
      "model": {"type": "implicit_factorization", "representation": {"plugin": "bilinear"},
                "loss": {"plugin": "bpr"}, "sampler": {"plugin": "uniform"}}})");
    return error_message<ConfigError>([&] { validate_experiment(experiment); });
  };
  EXPECT_EQ(with_dataset(R"({"loader": "movielens"})"),
            "dataset: neither \"path\" nor \"variant\" given; expected exactly one: \"path\" (a MovieLens folder on "
            "disk) or \"variant\" (downloaded and cached, e.g. \"100k\")");
  EXPECT_EQ(with_dataset(R"({"loader": "movielens", "path": "data/ml-100k", "variant": "100k"})"),
            "dataset: both \"path\" and \"variant\" given; expected exactly one: \"path\" (a MovieLens folder on disk) "
            "or \"variant\" (downloaded and cached, e.g. \"100k\")");
  EXPECT_EQ(with_dataset(R"({"loader": "movielens", "variant": "2m"})"),
            "dataset.variant: expected one of \"100k\", \"1m\", \"10m\", \"20m\", \"25m\", \"latest-small\", "
            "\"latest\", got \"2m\"");
  EXPECT_EQ(with_dataset(R"({"loader": "movielens", "variant": "100k"})"), "");
}

TEST(MovieLensDataset, CacheFolderFollowsTheEnvironment) {
  setenv("SPOTLIGHT_DATA_DIR", "/data/spotlight", 1);
  EXPECT_EQ(spotlight_data_folder(), "/data/spotlight");
  unsetenv("SPOTLIGHT_DATA_DIR");
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(spotlight_data_folder(), "/xdg/spotlight");
  unsetenv("XDG_CACHE_HOME");
  const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(spotlight_data_folder(), "/home/someone/.cache/spotlight");
  setenv("HOME", home.c_str(), 1);
  unsetenv("SPOTLIGHT_MOVIELENS_URL");
  EXPECT_EQ(movielens_base_url(), "https://files.grouplens.org/datasets/movielens");
}

}  // namespace
}  // namespace spotlight
