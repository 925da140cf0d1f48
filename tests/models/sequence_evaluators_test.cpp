#include <limits>

#include "models/fixed_scorer.h"
#include "models/plugin_fixture.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"
#include "support/error_message.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::PluginTest;

// A sequence model whose scores for the next item depend only on the last item of the history:
// scores = table[last item]. Item 0, the padding id, scores lowest, as in the real model.
class LastItemScorer : public Scorer {
 public:
  explicit LastItemScorer(torch::Tensor table) : table_(std::move(table)) {
    table_.select(1, 0).fill_(std::numeric_limits<float>::lowest());
  }
  int64_t num_users() const override { return 0; }
  int64_t num_items() const override { return table_.size(1); }
  UserInput user_input() const override { return UserInput::item_history; }
  torch::Tensor score_users(const torch::Tensor&) override { throw Error("no users"); }
  torch::Tensor score_sequences(const torch::Tensor& sequences) override {
    return table_.index_select(0, sequences.select(1, sequences.size(1) - 1)).clone();
  }
  torch::Tensor score_pairs(const torch::Tensor&, const torch::Tensor&) override { throw Error("no pairs"); }

 private:
  torch::Tensor table_;
};

class SequenceEvaluators : public PluginTest {
 protected:
  SequenceEvaluators() : scorer_(torch::tensor({{0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f},
                                                {0.0f, 0.3f, 0.8f, 0.8f, 0.1f, 0.0f},
                                                {0.0f, 0.1f, 0.5f, 0.4f, 0.9f, 0.2f},
                                                {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f},
                                                {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f},
                                                {0.0f, 0.6f, 0.1f, 0.7f, 0.3f, 0.9f}})) {
    sequences_.num_items = 6;
    sequences_.length = 4;
    sequences_.item_ids = {0, 1, 2, 3, 4, 5, 1, 2};
    sequences_.user_ids = {0, 1};
    data_.test_sequences = &sequences_;
  }

  std::map<std::string, double> evaluate(const json& node) {
    auto evaluator = build<Evaluator>(node, ComponentKind::evaluator);
    std::map<std::string, double> values;
    for (const auto& metric : evaluator->evaluate(scorer_, data_)) values[metric.name] = metric.value;
    return values;
  }

  LastItemScorer scorer_;
  SequenceMatrix sequences_;
  EvaluationData data_;
};

TEST_F(SequenceEvaluators, SequenceMrrRanksTheLastItemAfterTheRest) {
  // Row 0: prefix [0 1 2] scores with table[2]; item 3 (0.4) is behind items 4 and 2: rank 3.
  // Row 1: prefix [4 5 1] scores with table[1]; item 2 ties item 3 at 0.8: rank 1.5.
  EXPECT_NEAR(evaluate({{"plugin", "sequence_mrr"}})["sequence_mrr"], (1.0 / 3 + 1.0 / 1.5) / 2, 1e-12);
  // Excluding the preceding items takes item 2 out of row 0's way: rank 2.
  EXPECT_NEAR(evaluate({{"plugin", "sequence_mrr"}, {"exclude_preceding", true}})["sequence_mrr"],
              (1.0 / 2 + 1.0 / 1.5) / 2, 1e-12);
  // Batches of one give the same answer.
  EXPECT_NEAR(evaluate({{"plugin", "sequence_mrr"}, {"batch_size", 1}})["sequence_mrr"], 0.5, 1e-12);
}

TEST_F(SequenceEvaluators, SequencePrecisionRecallComparesTheTopKWithTheLastK) {
  // Row 0: prefix [0 1] -> table[1], top 2 = {2, 3} = the targets. Row 1: prefix [4 5] -> table[5],
  // top 2 = {5, 3}, targets {1, 2}: no hit; without items 4 and 5 the top 2 is {3, 1}: one hit.
  auto plain = evaluate({{"plugin", "sequence_precision_recall"}, {"k", 2}});
  EXPECT_DOUBLE_EQ(plain["sequence_precision@2"], 0.5);
  EXPECT_DOUBLE_EQ(plain["sequence_recall@2"], 0.5);
  auto excluded = evaluate({{"plugin", "sequence_precision_recall"}, {"k", 2}, {"exclude_preceding", true}});
  EXPECT_DOUBLE_EQ(excluded["sequence_precision@2"], 0.75);
  EXPECT_DOUBLE_EQ(excluded["sequence_recall@2"], 0.75);
}

TEST_F(SequenceEvaluators, TopKMetricsRankTheNextItemOfEachSequence) {
  // Row 0's next item 3 is third (behind 4 and 2); row 1's next item 2 is first (ties go to the lower id).
  auto hits = evaluate({{"plugin", "hit_rate"}, {"k", {1, 3}}});
  EXPECT_DOUBLE_EQ(hits["hit_rate@1"], 0.5);
  EXPECT_DOUBLE_EQ(hits["hit_rate@3"], 1.0);
  EXPECT_NEAR(evaluate({{"plugin", "ndcg"}, {"k", 3}})["ndcg@3"], (1.0 / std::log2(4.0) + 1.0) / 2, 1e-12);
  EXPECT_DOUBLE_EQ(evaluate({{"plugin", "precision_recall"}, {"k", 1}})["precision@1"], 0.5);
}

TEST_F(SequenceEvaluators, ErrorsSayWhatIsMissing) {
  testing::FixedScorer users(torch::zeros({2, 6}));
  auto mrr = build<Evaluator>({{"plugin", "sequence_mrr"}}, ComponentKind::evaluator);
  EXPECT_EQ(testing::error_message([&] { mrr->evaluate(users, data_); }),
            "sequence_mrr needs a model that scores item sequences (model.type implicit_sequence)");
  EvaluationData empty;
  EXPECT_EQ(testing::error_message([&] { mrr->evaluate(scorer_, empty); }),
            "sequence_mrr: there are no test sequences; lower sequence.min_length or hold out more data");
  auto too_long = build<Evaluator>({{"plugin", "sequence_precision_recall"}, {"k", 4}}, ComponentKind::evaluator);
  EXPECT_EQ(testing::error_message([&] { too_long->evaluate(scorer_, data_); }),
            "cannot hold out the last 4 items of sequences of length 4: no items would be left to predict from");
  auto user_mrr = build<Evaluator>({{"plugin", "mrr"}}, ComponentKind::evaluator);
  EXPECT_EQ(testing::error_message([&] { user_mrr->evaluate(scorer_, data_); }),
            "mrr needs a model that scores users; use sequence_mrr");
}

}  // namespace
}  // namespace spotlight
