#pragma once

#include <cmath>
#include <cstdint>

#include "spotlight/sdk/export.h"

namespace spotlight {

// Optional capabilities that let the host train a factorization model without building an
// autograd graph for every minibatch. A loss that differentiates itself with respect to each
// score, and a representation that scores (user, item) pairs and adds its own parameter
// gradients, together replace the ~50 small tensor operations of a step by two loops. The
// host uses this path only when the loss and the representation both offer it (and the
// representation says it can for its current tables); otherwise it trains through
// autograd. Both paths compute the same gradients, up to float rounding.
//
// A component offers a capability by also deriving from the class below; the host finds it
// with dynamic_cast, so components built without it keep working unchanged.

// A loss that writes d loss / d score itself. The loss is a mean, so each derivative
// carries the 1/n (or 1/(samples * n)) factor. Every entry counts (no mask).
class SPOTLIGHT_SDK_API HandGradientLoss {
 public:
  virtual ~HandGradientLoss();
  // Implicit feedback: `positive` has n scores and `negative` samples * n, negative
  // j of positive i at [j * n + i] (samples is 1 for a loss that compares with one
  // negative). Writes the derivatives in the same layouts and returns the loss.
  virtual double implicit_score_gradients(const float* positive, const float* negative, int64_t n,
                                          int64_t samples, float* d_positive, float* d_negative) const;
  // Explicit feedback: n raw scores against n observed ratings.
  virtual double explicit_score_gradients(const float* observed, const float* scores, int64_t n,
                                          float* d_scores) const;
};

// A factorization representation (user ids in) that scores pairs and differentiates by hand.
// `items` holds k rows of n item ids (row j at [j * n]); item [j * n + i] is scored for
// user i, so one call scores a batch's positives and its sampled negatives together.
class SPOTLIGHT_SDK_API HandGradientRepresentation {
 public:
  virtual ~HandGradientRepresentation();
  // False when a table it uses cannot be differentiated by hand (a table from the graph with
  // its own forward, a padding row, a GPU): the host then uses autograd.
  virtual bool hand_gradients_available() const = 0;
  // Ids are within the tables (the host checks its data and the sampler draws within them).
  virtual void score_pairs(const int64_t* users, const int64_t* items, int64_t n, int64_t k, float* scores) = 0;
  // Sets each parameter's gradient (replacing the previous step's) to the derivative of
  // sum over (j, i) of d_scores[j * n + i] * score(user i, item [j * n + i]): a dense tensor for
  // a dense table, and for a table with sparse gradients a sparse one holding only the rows
  // the batch touched, as an embedding with sparse=True produces.
  virtual void set_score_gradients(const int64_t* users, const int64_t* items, int64_t n, int64_t k,
                                   const float* d_scores) = 0;
};

// The logistic function, for losses that differentiate through it.
inline float logistic(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace spotlight
