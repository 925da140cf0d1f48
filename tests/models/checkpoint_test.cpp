#include "spotlight/framework/run/checkpoint.h"

#include "models/plugin_fixture.h"
#include "spotlight/framework/config/experiment.h"
#include "spotlight/framework/data/synthetic.h"
#include "spotlight/sdk/errors.h"
#include "support/process.h"

namespace spotlight {
namespace {

using nlohmann::json;

json experiment() {
  return json::parse(R"({
    "dataset": {"loader": "synthetic_random"},
    "model": {"type": "implicit_factorization",
              "components": {"items": {"plugin": "scaled_embedding"}},
              "representation": {"plugin": "bilinear", "item_embedding": "@items"},
              "loss": {"plugin": "adaptive_hinge"}, "sampler": {"plugin": "uniform", "num_negative_samples": 3},
              "n_iter": 1, "batch_size": 64, "embedding_dim": 8, "seed": 3},
    "evaluation": [{"plugin": "mrr"}]
  })");
}

class Checkpoint : public testing::PluginTest {
 protected:
  void SetUp() override {
    RandomDataOptions options;
    options.num_users = 40;
    options.num_items = 30;
    options.num_interactions = 2000;
    options.num_clusters = 3;
    data_ = generate_random(options);
    data_.users.raw_ids.clear();
    for (int user = 0; user < 40; ++user) data_.users.raw_ids.push_back("u" + std::to_string(user));
    at::set_num_threads(1);
    trained_ = assemble_model(validate_experiment(experiment()), *registry_, 40, 30);
    trained_.model->fit(data_, nullptr);
    save_checkpoint(folder_.path(), trained_, data_.users, data_.items);
  }

  std::string load_error() {
    try {
      load_checkpoint(folder_.path(), *registry_);
    } catch (const Error& error) {
      return error.what();
    }
    return "";
  }

  void edit_metadata(const std::function<void(json&)>& edit) {
    auto metadata = json::parse(testing::read_text(folder_.path() / "checkpoint.json"));
    edit(metadata);
    testing::write_text(folder_.path() / "checkpoint.json", metadata.dump());
  }

  Interactions data_;
  AssembledModel trained_;
  testing::TemporaryDirectory folder_;
};

TEST_F(Checkpoint, LoadedModelScoresExactlyLikeTheSavedOne) {
  auto loaded = load_checkpoint(folder_.path(), *registry_);
  auto users = torch::arange(40, torch::kInt64);
  EXPECT_TRUE(torch::equal(loaded.assembled.model->score_users(users), trained_.model->score_users(users)));
  EXPECT_EQ(loaded.assembled.model->epochs_done(), 1);
  EXPECT_EQ(loaded.users.raw_ids.at(7), "u7");
  // scaled_embedding, bilinear, adaptive_hinge, uniform, adam (model.optimizer's default), mrr
  EXPECT_EQ(loaded.metadata.at("plugins").size(), 6u);
  EXPECT_EQ(loaded.metadata.at("plugins")[4], json::parse(R"({"name": "adam", "kind": "optimizer", "version": "1.0.0"})"));
  EXPECT_EQ(loaded.assembled.resolved, trained_.resolved);
}

TEST_F(Checkpoint, TrainingResumesWithTheSameStateAsAnUninterruptedRun) {
  auto loaded = load_checkpoint(folder_.path(), *registry_);
  trained_.model->fit(data_, nullptr);
  loaded.assembled.model->fit(data_, nullptr);
  auto users = torch::arange(40, torch::kInt64);
  EXPECT_TRUE(torch::equal(loaded.assembled.model->score_users(users), trained_.model->score_users(users)));
  EXPECT_EQ(loaded.assembled.model->epochs_done(), 2);
}

TEST_F(Checkpoint, AMissingPluginIsNamed) {
  edit_metadata([](json& metadata) { metadata["plugins"][1]["name"] = "gone"; });
  EXPECT_EQ(load_error(), folder_.path().string() +
                              ": the model needs plugin \"gone\" (representation 1.0.0), which is not on the plugin "
                              "search path");
}

TEST_F(Checkpoint, AnotherMajorVersionOfAPluginIsRefusedByName) {
  edit_metadata([](json& metadata) { metadata["plugins"][2]["version"] = "0.9.0"; });
  const std::string message = load_error();
  EXPECT_EQ(message.rfind(folder_.path().string() +
                              ": the model was saved with plugin \"adaptive_hinge\" 0.9.0, but the one found is version "
                              "1.0.0 (",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("), another major version, which may read its parameters differently"), std::string::npos)
      << message;
}

TEST_F(Checkpoint, AnOlderPluginThanTheSavedOneIsRefused) {
  edit_metadata([](json& metadata) { metadata["plugins"][2]["version"] = "1.2.0"; });
  const std::string message = load_error();
  EXPECT_NE(message.find("saved with plugin \"adaptive_hinge\" 1.2.0, but the one found is version 1.0.0"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("not a later release of the same major version"), std::string::npos) << message;
}

// A plugin's minor or patch release still loads the checkpoints of the releases before it.
TEST(PluginVersions, ALaterMinorOrPatchReleaseLoadsAnOlderCheckpoint) {
  EXPECT_TRUE(plugin_version_loads("1.0.0", "1.0.0"));
  EXPECT_TRUE(plugin_version_loads("1.0.0", "1.0.7"));
  EXPECT_TRUE(plugin_version_loads("1.0.9", "1.2.0"));
  EXPECT_TRUE(plugin_version_loads("2.3.4", "2.10.0"));  // numbers, not text: 10 > 3
  EXPECT_FALSE(plugin_version_loads("1.2.0", "1.1.9"));  // older
  EXPECT_FALSE(plugin_version_loads("1.0.0", "2.0.0"));  // another major version
  EXPECT_FALSE(plugin_version_loads("2.0.0", "1.9.9"));
  EXPECT_FALSE(plugin_version_loads("1.0", "1.0.1"));    // not semantic: only the same text loads
  EXPECT_TRUE(plugin_version_loads("nightly", "nightly"));
}

TEST_F(Checkpoint, AChangedOrTruncatedParameterFileIsRefused) {
  const auto file = folder_.path() / "model.pt";
  const std::string original = testing::read_text(file);
  testing::write_text(file, original.substr(0, original.size() / 2));
  EXPECT_EQ(load_error(), file.string() + ": checksum mismatch; the file is truncated or was changed after saving");
  std::string flipped = original;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 1);
  testing::write_text(file, flipped);
  EXPECT_EQ(load_error(), file.string() + ": checksum mismatch; the file is truncated or was changed after saving");
  std::filesystem::remove(file);
  EXPECT_EQ(load_error(), file.string() + ": missing or not a readable parameter file");
}

TEST_F(Checkpoint, ForeignOrBrokenFilesAreRefused) {
  edit_metadata([](json& metadata) { metadata["format_version"] = 7; });
  EXPECT_EQ(load_error(), (folder_.path() / "checkpoint.json").string() +
                              ": checkpoint format version 7, this build reads version 1");
  testing::write_text(folder_.path() / "checkpoint.json", "{\"format\": \"something else\"}");
  EXPECT_EQ(load_error(), (folder_.path() / "checkpoint.json").string() + ": not a Spotlight checkpoint");
  std::filesystem::remove(folder_.path() / "checkpoint.json");
  EXPECT_EQ(load_error(), folder_.path().string() + ": no checkpoint here (checkpoint.json is missing)");
}

// Found by fuzzing (checkpoint_metadata): "format": 20 escaped as the JSON library's type
// error; model_file and model_checksum were read the same way, on load and on save. A
// negative num_users reached the plugins (found with a hand-written input for that target).
TEST_F(Checkpoint, FieldsOfAnotherTypeAreRefusedByName) {
  const auto metadata_file = (folder_.path() / "checkpoint.json").string();
  edit_metadata([](json& metadata) { metadata["num_users"] = -5; });
  EXPECT_EQ(load_error(), metadata_file + ": num_users must be a positive integer, got -5");
  edit_metadata([](json& metadata) {
    metadata["num_users"] = 40;
    metadata["num_items"] = "30";
  });
  EXPECT_EQ(load_error(), metadata_file + ": num_items must be a positive integer, got \"30\"");
  edit_metadata([](json& metadata) { metadata["num_items"] = 30; });
  edit_metadata([](json& metadata) { metadata["format"] = 20; });
  EXPECT_EQ(load_error(), metadata_file + ": not a Spotlight checkpoint");
  edit_metadata([](json& metadata) {
    metadata["format"] = "spotlight-checkpoint";
    metadata["model_file"] = 7;
  });
  EXPECT_EQ(load_error(), metadata_file + ": model_file must name a file in the checkpoint's folder");
  edit_metadata([](json& metadata) {
    metadata.erase("model_file");
    metadata["model_checksum"] = 5;
  });
  EXPECT_EQ(load_error(), (folder_.path() / "model.pt").string() +
                              ": checksum mismatch; the file is truncated or was changed after saving");
  // Saving over such a checkpoint removes no file it cannot name.
  edit_metadata([](json& metadata) { metadata["model_file"] = 7; });
  save_checkpoint(folder_.path(), trained_, data_.users, data_.items, json::array(), "model-2.pt");
  EXPECT_TRUE(std::filesystem::exists(folder_.path() / "model.pt"));
  EXPECT_NO_THROW(load_checkpoint(folder_.path(), *registry_));
}

TEST_F(Checkpoint, ParametersOfAnotherShapeAreRefused) {
  edit_metadata([](json& metadata) { metadata["experiment"]["model"]["embedding_dim"] = 4; });
  const std::string message = load_error();
  EXPECT_EQ(message.rfind("the saved implicit_factorization state does not fit this model: ", 0), 0u) << message;
}

TEST_F(Checkpoint, ScoringChecksIdRanges) {
  try {
    trained_.model->score_users(torch::tensor({3, 40}, torch::kInt64));
    FAIL();
  } catch (const DataError& error) {
    EXPECT_STREQ(error.what(), "user id 40 is outside the model's 40 users");
  }
  EXPECT_THROW(trained_.model->score_pairs(torch::tensor({1}, torch::kInt64), torch::tensor({-1}, torch::kInt64)),
               DataError);
}

}  // namespace
}  // namespace spotlight
