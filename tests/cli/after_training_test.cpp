// What a trained model does after training, through the real binary: recommendations for
// every user, similar items, exported tables read back by NumPy, and the HTTP server.
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::ProcessResult;
using testing::run_process;
using testing::shell_quote;

const std::string kCli = SPOTLIGHT_CLI;
const std::string kExamples = std::string(SPOTLIGHT_SOURCE_DIR) + "/examples/experiments/";

ProcessResult spotlight(const std::string& arguments) { return testing::run_spotlight(arguments); }

// A recommendation as both outputs print it: the score read back as the float it was.
struct Answer {
  std::string item;
  float score;
  bool operator==(const Answer& other) const { return item == other.item && score == other.score; }
};

std::vector<Answer> answers_of(const json& list) {
  std::vector<Answer> answers;
  for (const auto& entry : list) answers.push_back({entry.at("item"), entry.at("score").get<float>()});
  return answers;
}

std::vector<std::string> split_line(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  for (std::string field; std::getline(stream, field, separator);) fields.push_back(field);
  return fields;
}

// The per-user answers of a CSV written by --all-users, users in file order.
std::vector<std::pair<std::string, std::vector<Answer>>> read_csv(const std::filesystem::path& file) {
  std::ifstream input(file);
  std::string line;
  std::getline(input, line);
  EXPECT_EQ(line, "user,rank,item,score");
  std::vector<std::pair<std::string, std::vector<Answer>>> users;
  while (std::getline(input, line)) {
    const auto fields = split_line(line, ',');
    EXPECT_EQ(fields.size(), 4u) << line;
    if (users.empty() || users.back().first != fields[0] || fields[1] == "1") users.push_back({fields[0], {}});
    EXPECT_EQ(std::stoul(fields[1]), users.back().second.size() + 1) << line;
    users.back().second.push_back({fields[2], std::stof(fields[3])});
  }
  return users;
}

std::vector<Answer> recommend_one(const std::filesystem::path& model, const std::string& user, int k,
                                  bool include_seen = false) {
  auto result = spotlight("recommend --model " + shell_quote(model.string()) + " --user " + user + " -k " +
                          std::to_string(k) + (include_seen ? " --include-seen" : "") + " --json");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return answers_of(json::parse(result.out));
}

// A Python with NumPy: the first python3 on PATH, else Debian's (which python3-numpy serves).
std::string numpy_python() {
  for (const char* python : {"python3", "/usr/bin/python3"}) {
    if (run_process(std::string(python) + " -c 'import numpy'").exit_code == 0) return python;
  }
  return "";
}

// Runs `script` with `python` from a file in `folder`; its standard output.
std::string run_python(const std::string& python, const std::filesystem::path& folder, const std::string& script) {
  testing::write_text(folder / "script.py", script);
  auto result = run_process(python + " " + shell_quote((folder / "script.py").string()));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.out;
}

// Two small models trained once for every test: a bilinear factorization and a CNN sequence model.
class AfterTraining : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    folder_ = new testing::TemporaryDirectory();
    train(kExamples + "quickstart.json", factorization(),
          "--set dataset.num_users=40 --set dataset.num_items=150 --set dataset.num_interactions=3000 "
          "--set dataset.num_clusters=5 --set model.n_iter=2 --set 'evaluation=[]'");
    train(kExamples + "synthetic_sequence_cnn.json", sequence(),
          "--set dataset.num_users=30 --set dataset.num_items=120 --set dataset.num_interactions=1500 "
          "--set model.n_iter=1 --set 'evaluation=[]'");
  }
  static void TearDownTestSuite() {
    delete folder_;
    folder_ = nullptr;
  }
  static void train(const std::string& experiment, const std::filesystem::path& output, const std::string& sets) {
    auto result = spotlight("run " + shell_quote(experiment) + " " + sets + " --output " + shell_quote(output.string()));
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  }
  static std::filesystem::path factorization() { return folder_->path() / "factorization"; }
  static std::filesystem::path sequence() { return folder_->path() / "sequence"; }
  static std::string model_flag(const std::filesystem::path& model) { return "--model " + shell_quote(model.string()); }

  testing::TemporaryDirectory scratch_;
  static testing::TemporaryDirectory* folder_;
};

testing::TemporaryDirectory* AfterTraining::folder_ = nullptr;

TEST_F(AfterTraining, AllUsersCsvEqualsRecommendForEachUser) {
  const auto output = scratch_.path() / "all.csv";
  auto result = spotlight("recommend " + model_flag(factorization()) + " --all-users -k 5 --threads 2 --output " +
                          shell_quote(output.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "wrote " + output.string() + " (40 users)\n");
  const auto users = read_csv(output);
  ASSERT_EQ(users.size(), 40u);
  for (size_t i = 0; i < users.size(); ++i) {
    EXPECT_EQ(users[i].first, std::to_string(i)) << "users in ascending order";
    EXPECT_EQ(users[i].second, recommend_one(factorization(), users[i].first, 5)) << "user " << users[i].first;
  }
  // No temporary file is left beside the output.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(scratch_.path()), {}), 1);
}

TEST_F(AfterTraining, SequenceModelJsonLinesContinueEachUsersLatestWindow) {
  const auto output = scratch_.path() / "all.jsonl";
  auto result = spotlight("recommend " + model_flag(sequence()) + " --all-users -k 4 --output " +
                          shell_quote(output.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream input(output);
  size_t lines = 0;
  for (std::string line; std::getline(input, line); ++lines) {
    const auto entry = json::parse(line);
    const auto user = entry.at("user").get<std::string>();
    EXPECT_EQ(answers_of(entry.at("recommendations")), recommend_one(sequence(), user, 4)) << "user " << user;
  }
  EXPECT_EQ(lines, 30u);
}

TEST_F(AfterTraining, UsersFileKeepsItsOrderAndIncludeSeenMatchesTheSingleUserAnswer) {
  testing::write_text(scratch_.path() / "users.txt", "3\r\n1\n\n3\n");
  const auto output = scratch_.path() / "some.csv";
  auto result = spotlight("recommend " + model_flag(factorization()) + " --users " +
                          shell_quote((scratch_.path() / "users.txt").string()) + " -k 3 --include-seen --output " +
                          shell_quote(output.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto users = read_csv(output);
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[0].first, "3");
  EXPECT_EQ(users[1].first, "1");
  EXPECT_EQ(users[2].first, "3");
  EXPECT_EQ(users[0].second, recommend_one(factorization(), "3", 3, true));
  EXPECT_EQ(users[0].second, users[2].second);
}

TEST_F(AfterTraining, BadRequestsFailWithOneLineAndLeaveTheOutputAlone) {
  const auto output = scratch_.path() / "kept.csv";
  testing::write_text(output, "earlier\n");
  testing::write_text(scratch_.path() / "users.txt", "1\nnobody\n");
  auto unknown = spotlight("recommend " + model_flag(factorization()) + " --users " +
                           shell_quote((scratch_.path() / "users.txt").string()) + " --output " +
                           shell_quote(output.string()));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "spotlight: error: " + (scratch_.path() / "users.txt").string() +
                             ":2: user \"nobody\" is not in the model's data\n");
  EXPECT_EQ(testing::read_text(output), "earlier\n");

  auto extension = spotlight("recommend " + model_flag(factorization()) + " --all-users --output " +
                             shell_quote((scratch_.path() / "all.txt").string()));
  EXPECT_EQ(extension.exit_code, 1);
  EXPECT_EQ(extension.err, "spotlight: error: " + (scratch_.path() / "all.txt").string() +
                               ": the output's extension says its format: .csv (user,rank,item,score) or .jsonl\n");

  auto no_output = spotlight("recommend " + model_flag(factorization()) + " --all-users");
  EXPECT_EQ(no_output.exit_code, 2);
  EXPECT_NE(no_output.err.find("--all-users and --users write to --output FILE.csv or FILE.jsonl"), std::string::npos);

  auto bad_k = spotlight("recommend " + model_flag(factorization()) + " --user 1 -k 0");
  EXPECT_EQ(bad_k.exit_code, 2);
  EXPECT_NE(bad_k.err.find("-k needs a whole number from 1 to 1048576, got \"0\""), std::string::npos) << bad_k.err;

  auto directory = spotlight("recommend " + model_flag(factorization()) + " --users " +
                             shell_quote(scratch_.path().string()) + " --output " + shell_quote(output.string()));
  EXPECT_EQ(directory.exit_code, 1);
  EXPECT_EQ(directory.err, "spotlight: error: " + scratch_.path().string() + ": not a regular file (--users)\n");
}

// Cosine similarities computed by NumPy from the exported item vectors.
TEST_F(AfterTraining, SimilarItemsAreTheNearestByCosineOfTheExportedVectors) {
  const std::string python = numpy_python();
  if (python.empty()) GTEST_SKIP() << "python3 with numpy is not installed (scripts/install-deps installs it)";
  const auto exported = scratch_.path() / "export";
  auto wrote = spotlight("export " + model_flag(factorization()) + " --output " + shell_quote(exported.string()));
  ASSERT_EQ(wrote.exit_code, 0) << wrote.err;
  auto similar = spotlight("similar " + model_flag(factorization()) + " --item 7 -k 4 --json");
  ASSERT_EQ(similar.exit_code, 0) << similar.err;
  const auto neighbours = json::parse(similar.out);
  ASSERT_EQ(neighbours.size(), 4u);
  const std::string script =
      "import numpy as np\n"
      "v = np.load('" + (exported / "item_vectors.npy").string() + "').astype(np.float64)\n"
      "u = v / np.linalg.norm(v, axis=1, keepdims=True)\n"
      "s = u @ u[7]\n"
      "s[7] = -np.inf\n"
      "order = np.argsort(-s, kind='stable')[:4]\n"
      "print(' '.join('%d:%.6f' % (i, s[i]) for i in order))\n";
  const auto printed = run_python(python, scratch_.path(), script);
  const auto expected = split_line(printed.substr(0, printed.size() - 1), ' ');
  ASSERT_EQ(expected.size(), 4u) << printed;
  for (size_t i = 0; i < 4; ++i) {
    const auto parts = split_line(expected[i], ':');
    EXPECT_EQ(neighbours[i].at("item"), parts[0]);
    EXPECT_NEAR(neighbours[i].at("similarity").get<double>(), std::stod(parts[1]), 1e-5);
  }
  auto unknown = spotlight("similar " + model_flag(factorization()) + " --item 9999");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "spotlight: error: item \"9999\" is not in the model's data\n");
}

TEST_F(AfterTraining, ExportedTablesReproduceTheModelsScores) {
  const std::string python = numpy_python();
  if (python.empty()) GTEST_SKIP() << "python3 with numpy is not installed (scripts/install-deps installs it)";
  const auto exported = scratch_.path() / "export";
  auto wrote = spotlight("export " + model_flag(factorization()) + " --output " + shell_quote(exported.string()));
  ASSERT_EQ(wrote.exit_code, 0) << wrote.err;
  const auto manifest = json::parse(testing::read_text(exported / "manifest.json"));
  EXPECT_EQ(manifest.at("format"), "spotlight-export");
  EXPECT_EQ(manifest.at("representation"), "bilinear");
  std::map<std::string, json> tables;
  for (const auto& table : manifest.at("tables")) tables[table.at("name")] = table;
  EXPECT_EQ(tables.at("user_vectors").at("shape"), json::parse("[40, 32]"));
  EXPECT_EQ(tables.at("item_vectors").at("shape"), json::parse("[150, 32]"));
  EXPECT_EQ(tables.at("item_biases").at("shape"), json::parse("[150]"));
  EXPECT_EQ(tables.at("user_biases").at("rows"), "users");
  const auto items = testing::read_text(exported / "items.txt");
  EXPECT_EQ(std::count(items.begin(), items.end(), '\n'), 150);

  // NumPy's scores for user 5 against the model's own (every item, seen ones included).
  const auto model = recommend_one(factorization(), "5", 150, true);
  const std::string script =
      "import numpy as np, sys\n"
      "d = '" + exported.string() + "/'\n"
      "uv, iv = np.load(d + 'user_vectors.npy'), np.load(d + 'item_vectors.npy')\n"
      "ub, ib = np.load(d + 'user_biases.npy'), np.load(d + 'item_biases.npy')\n"
      "items = open(d + 'items.txt').read().split('\\n')[:-1]\n"
      "s = iv.astype(np.float64) @ uv[5] + ub[5] + ib\n"
      "for i in range(len(items)): print(items[i], repr(float(s[i])))\n";
  std::map<std::string, double> expected;
  std::stringstream lines(run_python(python, scratch_.path(), script));
  for (std::string item, score; lines >> item >> score;) expected[item] = std::stod(score);
  ASSERT_EQ(model.size(), 150u);
  for (const auto& answer : model) EXPECT_NEAR(answer.score, expected.at(answer.item), 1e-4) << answer.item;

  // Exporting again replaces the earlier export; any other folder is refused.
  EXPECT_EQ(spotlight("export " + model_flag(factorization()) + " --output " + shell_quote(exported.string())).exit_code, 0);
  testing::write_text(scratch_.path() / "other" / "x", "");
  std::filesystem::create_directories(scratch_.path() / "other");
  testing::write_text(scratch_.path() / "other" / "x", "mine");
  auto refused = spotlight("export " + model_flag(factorization()) + " --output " +
                           shell_quote((scratch_.path() / "other").string()));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "spotlight: error: " + (scratch_.path() / "other").string() +
                             ": exists and holds something other than an export; give a new or empty folder\n");
  EXPECT_EQ(testing::read_text(scratch_.path() / "other" / "x"), "mine");
}

// The real server on a free loopback port, spoken to over HTTP.
class Server {
 public:
  explicit Server(const std::filesystem::path& model)
      : process_(shell_quote(kCli) + " serve --model " + shell_quote(model.string()) + " --port 0 --threads 4") {
    const auto line = process_.read_line(60);
    const auto colon = line.rfind(':');
    EXPECT_NE(colon, std::string::npos) << "serve printed: " << line;
    port_ = colon == std::string::npos ? 0 : std::stoi(line.substr(colon + 1));
  }
  httplib::Client client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(10, 0);
    return client;
  }
  testing::BackgroundProcess& process() { return process_; }

 private:
  testing::BackgroundProcess process_;
  int port_ = 0;
};

void expect_error(const httplib::Result& result, int status, const std::string& message) {
  ASSERT_TRUE(result) << "no answer";
  EXPECT_EQ(result->status, status);
  EXPECT_EQ(result->body, json({{"error", message}}).dump() + "\n");
}

TEST_F(AfterTraining, ServerAnswersAsTheCliDoesAndRefusesBadRequests) {
  Server server(factorization());
  auto client = server.client();
  auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body), json::parse(R"({"status": "ok"})"));

  auto answer = client.Get("/recommend?user=4&k=6");
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;
  EXPECT_EQ(answers_of(json::parse(answer->body).at("recommendations")), recommend_one(factorization(), "4", 6));

  auto similar = client.Get("/similar?item=7&k=3");
  ASSERT_TRUE(similar);
  auto cli_similar = json::parse(spotlight("similar " + model_flag(factorization()) + " --item 7 -k 3 --json").out);
  const auto served = json::parse(similar->body).at("similar");
  ASSERT_EQ(served.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(served[i].at("item"), cli_similar[i].at("item"));
    EXPECT_EQ(served[i].at("similarity").get<float>(), cli_similar[i].at("similarity").get<float>());
  }

  auto model = client.Get("/model");
  ASSERT_TRUE(model);
  const auto description = json::parse(model->body);
  EXPECT_EQ(description.at("model_type"), "implicit_factorization");
  EXPECT_EQ(description.at("num_items"), 150);
  EXPECT_EQ(description.at("experiment").at("model").at("n_iter"), 2);

  expect_error(client.Get("/recommend?user=nobody"), 404, "user \"nobody\" is not in the model's data");
  expect_error(client.Get("/recommend?user=4&k=0"), 400, "k must be a whole number from 1 to 150");
  expect_error(client.Get("/recommend?user=4&k=abc"), 400, "k must be a whole number from 1 to 150");
  expect_error(client.Get("/recommend"), 400, "the query needs user=ID");
  expect_error(client.Post("/recommend", "{\"items\": [1, 2", "application/json"), 400, "the body is not valid JSON");
  expect_error(client.Post("/recommend", R"({"items": ["1", "2"]})", "application/json"), 422,
               "this factorization model knows users by id and cannot place a new user; ask GET /recommend?user=ID, "
               "or serve a sequence model");
  expect_error(client.Get("/nowhere"), 404,
               "no such endpoint: GET /nowhere (endpoints: GET /recommend, POST /recommend, GET /similar, GET /health, "
               "GET /model)");
  auto oversized = client.Post("/recommend", std::string(2 << 20, ' '), "application/json");
  ASSERT_TRUE(oversized);
  EXPECT_EQ(oversized->status, 413);

  // Many clients at once get the answers one client gets.
  const auto expected = answers_of(json::parse(client.Get("/recommend?user=9&k=5")->body).at("recommendations"));
  std::vector<std::thread> clients;
  std::atomic<int> mismatches{0};
  for (int worker = 0; worker < 8; ++worker) {
    clients.emplace_back([&] {
      auto own = server.client();
      for (int request = 0; request < 20; ++request) {
        auto result = own.Get("/recommend?user=9&k=5");
        if (!result || result->status != 200 ||
            answers_of(json::parse(result->body).at("recommendations")) != expected) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& thread : clients) thread.join();
  EXPECT_EQ(mismatches, 0);

  server.process().signal(SIGTERM);
  EXPECT_EQ(server.process().read_line(10), "stopped");
  EXPECT_EQ(server.process().wait(10), 0);
}

TEST_F(AfterTraining, ServerContinuesSequencesAsRecommendDoes) {
  Server server(sequence());
  auto client = server.client();
  auto answer = client.Post("/recommend", R"({"sequence": ["5", 9, "17"], "k": 4})", "application/json");
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;
  auto cli = spotlight("recommend " + model_flag(sequence()) + " --sequence 5,9,17 -k 4 --json");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(answers_of(json::parse(answer->body).at("recommendations")), answers_of(json::parse(cli.out)));
  auto user = client.Get("/recommend?user=2&k=4");
  ASSERT_TRUE(user);
  EXPECT_EQ(answers_of(json::parse(user->body).at("recommendations")), recommend_one(sequence(), "2", 4));
  expect_error(client.Post("/recommend", R"({"sequence": ["5", "nothing"]})", "application/json"), 404,
               "item \"nothing\" is not in the model's data");
  expect_error(client.Post("/recommend", R"({"sequence": [1], "colour": 2})", "application/json"), 400,
               "unknown key \"colour\" (keys: sequence or items, k, include_seen)");
  server.process().signal(SIGTERM);
  EXPECT_EQ(server.process().wait(10), 0);
}

}  // namespace
}  // namespace spotlight
