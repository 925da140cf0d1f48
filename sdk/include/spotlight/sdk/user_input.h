#pragma once

#include "spotlight/sdk/export.h"

namespace spotlight {

// How a model knows its users: what representations encode and what a Scorer scores.
enum class UserInput {
  ids,           // factorization family: a user is a row of a user table
  item_history,  // sequence family: a user is the items seen so far (left padded with 0)
};

SPOTLIGHT_SDK_API const char* to_string(UserInput input);

}  // namespace spotlight
