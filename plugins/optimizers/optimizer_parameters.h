#pragma once

// The parameters every shipped optimizer plugin takes, so that a search over
// model.optimizer.learning_rate or model.optimizer.l2 works whichever optimizer is chosen.

#include "spotlight/sdk/parameters.h"

namespace spotlight::plugins {

inline ParameterList optimizer_parameters() {
  return {Parameter::number("learning_rate", 0.01, "Learning rate").greater_than(0),
          Parameter::number("l2", 0.0, "L2 penalty (weight decay)").at_least(0)};
}

}  // namespace spotlight::plugins
