// Key functions of the hand-gradient capabilities (their type information lives in
// libspotlight_sdk.so, so the host's dynamic_cast finds them in any plugin) and the
// refusals a loss gives for the feedback it does not train.
#include "spotlight/sdk/hand_gradients.h"

#include "spotlight/sdk/errors.h"

namespace spotlight {

HandGradientLoss::~HandGradientLoss() = default;

double HandGradientLoss::implicit_score_gradients(const float*, const float*, int64_t, int64_t, float*, float*) const {
  throw Error("this loss is for explicit feedback (ratings); it cannot train an implicit model");
}

double HandGradientLoss::explicit_score_gradients(const float*, const float*, int64_t, float*) const {
  throw Error("this loss is for implicit feedback; it cannot train an explicit (ratings) model");
}

HandGradientRepresentation::~HandGradientRepresentation() = default;

}  // namespace spotlight
