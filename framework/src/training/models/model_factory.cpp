#include <array>

#include "spotlight/framework/training/model.h"
#include "spotlight/framework/training/model_types.h"
#include "spotlight/sdk/errors.h"
#include "src/training/models/factorization_model.h"
#include "src/training/models/sequence_model.h"

namespace spotlight {

namespace {

// One model type: its name in model.type, what it trains on, the parts it needs and how it is
// made. Every question about model types reads this one table.
struct ModelType {
  const char* name;
  UserInput input;         // what its representation must encode users from
  Feedback feedback;       // what its loss must be for
  bool samples_negatives;  // needs model.sampler
  bool reads_sequences;    // reads the experiment's `sequence` section (and pads with item 0)
  std::unique_ptr<Model> (*make)(ModelParts parts, const TrainingOptions& options, int64_t num_users,
                                 int64_t num_items);
};

template <class Concrete>
std::unique_ptr<Model> make(ModelParts parts, const TrainingOptions& options, int64_t num_users, int64_t num_items) {
  return std::make_unique<Concrete>(std::move(parts), options, num_users, num_items);
}

const std::array<ModelType, 3> kModelTypes{{
    {"implicit_factorization", UserInput::ids, Feedback::implicit, true, false, &make<ImplicitFactorizationModel>},
    {"explicit_factorization", UserInput::ids, Feedback::explicit_ratings, false, false,
     &make<ExplicitFactorizationModel>},
    {"implicit_sequence", UserInput::item_history, Feedback::implicit, true, true, &make<ImplicitSequenceModel>},
}};

const ModelType* find_model_type(const std::string& name) {
  for (const auto& type : kModelTypes) {
    if (name == type.name) return &type;
  }
  return nullptr;
}

void require_parts(const ModelParts& parts, const ModelType& model) {
  const std::string type = model.name;
  if (!parts.representation) throw ConfigError("model.representation", "missing; " + type + " needs a representation");
  if (parts.representation->user_input() != model.input) {
    throw ConfigError("model.representation", std::string("this representation encodes users from ") +
                                                  to_string(parts.representation->user_input()) + ", but " + type +
                                                  " needs one that encodes them from " + to_string(model.input));
  }
  if (!parts.loss) throw ConfigError("model.loss", "missing; " + type + " needs a loss");
  if (parts.loss->feedback() != model.feedback) {
    throw ConfigError("model.loss", std::string("this loss is for ") + to_string(parts.loss->feedback()) +
                                        " feedback, but " + type + " trains on " + to_string(model.feedback) +
                                        " feedback");
  }
  // A loss over the whole catalogue compares with every item: it needs no sampled negatives.
  if (model.samples_negatives && !parts.sampler && !parts.loss->needs_all_item_scores()) {
    throw ConfigError("model.sampler", "missing; " + type + " samples negatives");
  }
  if (parts.sampler && parts.loss->uses_negative_log_q() && !parts.sampler->reports_probabilities()) {
    throw ConfigError("model.sampler", "loss \"" + parts.loss_name +
                                           "\" corrects for each negative's sampling probability (log Q), but sampler \"" +
                                           parts.sampler_name +
                                           "\" does not report its draws' probabilities; use one that does, or turn the loss's "
                                           "correction off");
  }
  if (!parts.optimizer) throw ConfigError("model.optimizer", "missing; " + type + " needs an optimizer");
}

}  // namespace

std::vector<std::string> model_type_names() {
  std::vector<std::string> names;
  for (const auto& type : kModelTypes) names.emplace_back(type.name);
  return names;
}

bool model_type_reads_sequences(const std::string& type) {
  const ModelType* found = find_model_type(type);
  return found && found->reads_sequences;
}

bool model_type_samples_negatives(const std::string& type) {
  const ModelType* found = find_model_type(type);
  return found && found->samples_negatives;
}

std::unique_ptr<Model> make_model(const std::string& type, ModelParts parts, const TrainingOptions& options,
                                  int64_t num_users, int64_t num_items) {
  const ModelType* found = find_model_type(type);
  if (!found) throw ConfigError("model.type", "unknown model type \"" + type + "\"");
  require_parts(parts, *found);
  return found->make(std::move(parts), options, num_users, num_items);
}

}  // namespace spotlight
