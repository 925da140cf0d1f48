#pragma once

#include <cstdint>

// The element-wise ends of one causal convolution layer on raw float rows: the activation
// (tanh or relu) with the residual connection after the products, and its derivative before
// the backward products.
namespace convolution_activations {

// h = f(z), out = h + x with `residual`, else out = h (out may then be h itself). n floats.
void forward(const float* z, const float* x, int64_t n, bool relu, bool residual, float* h, float* out);

// dz = d_out * f'(z), from h = f(z): 1 - h^2 for tanh, h > 0 for relu. n floats.
void backward(const float* d_out, const float* h, int64_t n, bool relu, float* dz);

}  // namespace convolution_activations
