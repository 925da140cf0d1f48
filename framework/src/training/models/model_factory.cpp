#include "spotlight/framework/training/model.h"
#include "spotlight/framework/training/model_types.h"
#include "spotlight/sdk/errors.h"
#include "src/training/models/factorization_model.h"
#include "src/training/models/sequence_model.h"

namespace spotlight {

namespace {

void require_family(const ModelParts& parts, const std::string& type, UserInput input, Feedback feedback) {
  if (!parts.representation) throw ConfigError("model.representation", "missing; " + type + " needs a representation");
  if (parts.representation->user_input() != input) {
    throw ConfigError("model.representation", std::string("this representation encodes users from ") +
                                                  to_string(parts.representation->user_input()) + ", but " + type +
                                                  " needs one that encodes them from " + to_string(input));
  }
  if (!parts.loss) throw ConfigError("model.loss", "missing; " + type + " needs a loss");
  if (parts.loss->feedback() != feedback) {
    throw ConfigError("model.loss", std::string("this loss is for ") + to_string(parts.loss->feedback()) +
                                        " feedback, but " + type + " trains on " + to_string(feedback) + " feedback");
  }
  if (!parts.optimizer) throw ConfigError("model.optimizer", "missing; " + type + " needs an optimizer");
}

}  // namespace

std::vector<std::string> model_type_names() {
  return {"implicit_factorization", "explicit_factorization", "implicit_sequence"};
}

bool model_type_reads_sequences(const std::string& type) { return type == "implicit_sequence"; }

std::unique_ptr<Model> make_model(const std::string& type, ModelParts parts, const TrainingOptions& options,
                                  int64_t num_users, int64_t num_items) {
  if (type == "implicit_factorization") {
    require_family(parts, type, UserInput::ids, Feedback::implicit);
    if (!parts.sampler) throw ConfigError("model.sampler", "missing; implicit_factorization samples negatives");
    return std::make_unique<ImplicitFactorizationModel>(std::move(parts), options, num_users, num_items);
  }
  if (type == "explicit_factorization") {
    require_family(parts, type, UserInput::ids, Feedback::explicit_ratings);
    return std::make_unique<ExplicitFactorizationModel>(std::move(parts), options, num_users, num_items);
  }
  if (type == "implicit_sequence") {
    require_family(parts, type, UserInput::item_history, Feedback::implicit);
    if (!parts.sampler) throw ConfigError("model.sampler", "missing; implicit_sequence samples negatives");
    return std::make_unique<ImplicitSequenceModel>(std::move(parts), options, num_users, num_items);
  }
  throw ConfigError("model.type", "unknown model type \"" + type + "\"");
}

}  // namespace spotlight
