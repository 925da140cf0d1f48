#include "causal_convolution.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "spotlight/sdk/nn/tap_products.h"
#include "convolution_activations.h"

namespace {

// Where each sequence's rows sit in the packed layout that the products run over. Sequence b
// keeps its steps from skip[b] on, behind P = (k-1) d zero rows (its convolution padding,
// or leading input rows that are zero), and the sequences are laid end to end. Tap m reads
// the input delayed by s_m = (k-1-m) d rows, which never leaves the sequence's own rows, so
// tap m is one product of the whole packed matrix shifted by s_m; the P rows behind each
// sequence get products too, which are never read.
//
// skip[b] is the number of leading input rows that are all zero (left padding): their
// outputs are f(bias) without any product, as every tap there reads zeros.
struct PackedRows {
  std::vector<int64_t> skip;   // per sequence
  std::vector<int64_t> start;  // first packed row of each sequence, then the row count
  int64_t pad = 0;

  PackedRows(std::vector<int64_t> skipped, int64_t steps, int64_t pad_rows) : skip(std::move(skipped)), pad(pad_rows) {
    start.push_back(0);
    for (const int64_t s : skip) start.push_back(start.back() + pad + steps - s);
  }
  int64_t rows() const { return start.back(); }
  // Rows of the products' output: row r is packed row r + P.
  int64_t product_rows() const { return rows() - pad; }
};

// Leading all-zero rows of each sequence of x (batch, steps, dim), contiguous.
std::vector<int64_t> leading_zero_rows(const float* x, int64_t batch, int64_t steps, int64_t dim) {
  std::vector<int64_t> zero_rows(static_cast<size_t>(batch), 0);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t t = 0;
    for (; t < steps; ++t) {
      const float* row = x + (b * steps + t) * dim;
      bool zero = true;
      for (int64_t j = 0; j < dim && zero; ++j) zero = row[j] == 0.0f;
      if (!zero) break;
    }
    zero_rows[static_cast<size_t>(b)] = t;
  }
  return zero_rows;
}

// The packed input: each sequence's kept rows of x behind P zero rows.
torch::Tensor pack(const torch::Tensor& x, const PackedRows& packed) {
  const int64_t batch = x.size(0), steps = x.size(1), dim = x.size(2);
  auto rows = torch::empty({packed.rows(), dim}, x.options());
  const float* from = x.data_ptr<float>();
  float* to = rows.data_ptr<float>();
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t skip = packed.skip[static_cast<size_t>(b)];
    float* first = to + packed.start[static_cast<size_t>(b)] * dim;
    std::fill(first, first + packed.pad * dim, 0.0f);
    std::copy(from + (b * steps + skip) * dim, from + (b + 1) * steps * dim, first + packed.pad * dim);
  }
  return rows;
}

// A packed input again with fewer rows skipped (each `to.skip` at most `from.skip`): the rows
// it adds are zero inputs, like the padding rows before them.
torch::Tensor repack(const torch::Tensor& rows, const PackedRows& from, const PackedRows& to, int64_t steps) {
  const int64_t dim = rows.size(1), batch = static_cast<int64_t>(to.skip.size());
  auto repacked = torch::empty({to.rows(), dim}, rows.options());
  const float* source = rows.data_ptr<float>();
  float* target = repacked.data_ptr<float>();
  for (int64_t b = 0; b < batch; ++b) {
    const auto i = static_cast<size_t>(b);
    const int64_t zero_rows = to.pad + from.skip[i] - to.skip[i], kept = (steps - from.skip[i]) * dim;
    float* first = target + to.start[i] * dim;
    std::fill(first, first + zero_rows * dim, 0.0f);
    const float* kept_rows = source + (from.start[i] + from.pad) * dim;
    std::copy(kept_rows, kept_rows + kept, first + zero_rows * dim);
  }
  return repacked;
}

// One causal convolution layer as one autograd node over the packed rows.
class CausalConvolutionNode : public torch::autograd::Function<CausalConvolutionNode> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias, int64_t kernel_width,
                               int64_t dilation, bool relu, bool residual) {
    const auto x = input.contiguous();
    const int64_t batch = x.size(0), steps = x.size(1), dim = x.size(2);
    const float* x_data = x.data_ptr<float>();
    const PackedRows packed(leading_zero_rows(x_data, batch, steps, dim), steps, (kernel_width - 1) * dilation);
    const auto rows = pack(x, packed);
    // z row r is bias + sum over taps m of packed row r + m d times W_m^T (rows m dim .. of W^T).
    const auto w_t = weight.t().contiguous();
    const auto bias_values = bias.contiguous();
    auto z = torch::empty({packed.product_rows(), dim}, x.options());
    std::vector<int64_t> offsets;
    std::vector<const float*> taps;
    for (int64_t m = 0; m < kernel_width; ++m) {
      offsets.push_back(m * dilation);
      taps.push_back(w_t.data_ptr<float>() + m * dim * dim);
    }
    spotlight::nn::tap_products::multiply(rows.data_ptr<float>(), dim, packed.product_rows(), kernel_width, offsets.data(),
                           taps.data(), dim, dim, nullptr, bias_values.data_ptr<float>(), z.data_ptr<float>());
    // The skipped rows' output: f(bias), plus their zero input.
    std::vector<float> constant(static_cast<size_t>(dim));
    convolution_activations::forward(bias_values.data_ptr<float>(), nullptr, dim, relu, false, constant.data(),
                                     constant.data());
    auto h = torch::empty_like(x);
    auto out = residual ? torch::empty_like(x) : h;
    const float* z_data = z.data_ptr<float>();
    float* h_data = h.data_ptr<float>();
    float* out_data = out.data_ptr<float>();
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t skip = packed.skip[static_cast<size_t>(b)];
      for (int64_t t = 0; t < skip; ++t) {
        std::copy(constant.begin(), constant.end(), h_data + (b * steps + t) * dim);
        std::copy(constant.begin(), constant.end(), out_data + (b * steps + t) * dim);
      }
      const int64_t offset = (b * steps + skip) * dim;
      convolution_activations::forward(z_data + packed.start[static_cast<size_t>(b)] * dim, x_data + offset,
                                       (steps - skip) * dim, relu, residual, h_data + offset, out_data + offset);
    }
    context->save_for_backward({rows, weight, h});
    context->saved_data["skip"] = c10::IValue(c10::List<int64_t>(packed.skip));
    context->saved_data["kernel_width"] = kernel_width;
    context->saved_data["dilation"] = dilation;
    context->saved_data["relu"] = relu;
    context->saved_data["residual"] = residual;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto &forward_rows = saved[0], &weight = saved[1], &h = saved[2];
    const int64_t kernel_width = context->saved_data["kernel_width"].toInt();
    const int64_t dilation = context->saved_data["dilation"].toInt();
    const bool relu = context->saved_data["relu"].toBool();
    const bool residual = context->saved_data["residual"].toBool();
    const int64_t batch = h.size(0), steps = h.size(1), dim = h.size(2);
    const int64_t pad = (kernel_width - 1) * dilation;
    const auto d_out = output_gradients[0].defined() ? output_gradients[0].contiguous() : torch::zeros_like(h);
    const float* g = d_out.data_ptr<float>();

    // A skipped row's input is zero, so it adds nothing to d W, and it passes a gradient on only
    // if its output has one: the backward pass skips the leading rows of each sequence that
    // were skipped and have no output gradient (masked losses give padding none).
    const PackedRows forward_packing(context->saved_data["skip"].toIntVector(), steps, pad);
    std::vector<int64_t> skip = forward_packing.skip;
    for (int64_t b = 0; b < batch; ++b) {
      auto& s = skip[static_cast<size_t>(b)];
      const float* first = g + b * steps * dim;
      const auto nonzero = std::find_if(first, first + s * dim, [](float v) { return v != 0.0f; });
      s = (nonzero - first) / dim;
    }
    const bool same = skip == forward_packing.skip;
    const PackedRows packed(std::move(skip), steps, pad);
    const auto rows = same ? forward_rows : repack(forward_rows, forward_packing, packed, steps);
    const int64_t product_rows = packed.product_rows();

    // d z in the products' layout behind P zero rows, zero on the unused rows too, so that the
    // products below read zeros there; d input in the packed layout, from the residual's
    // gradient when there is one.
    auto d_z_padded = torch::empty({pad + packed.rows(), dim}, h.options());
    d_z_padded.narrow(0, 0, pad).zero_();
    const auto d_z = d_z_padded.narrow(0, pad, packed.rows());
    auto d_rows = torch::empty({packed.rows(), dim}, h.options());
    const float* h_data = h.data_ptr<float>();
    float* dz_data = d_z.data_ptr<float>();
    float* dx_data = d_rows.data_ptr<float>();
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t s = packed.skip[static_cast<size_t>(b)], kept = (steps - s) * dim;
      const int64_t first = packed.start[static_cast<size_t>(b)] * dim, offset = (b * steps + s) * dim;
      convolution_activations::backward(g + offset, h_data + offset, kept, relu, dz_data + first);
      std::fill(dz_data + first + kept, dz_data + first + kept + pad * dim, 0.0f);
      if (residual) {
        std::fill(dx_data + first, dx_data + first + pad * dim, 0.0f);
        std::copy(g + offset, g + offset + kept, dx_data + first + pad * dim);
      }
    }
    // Packed row p receives d z row p - m d through W_m, that is row p + (k-1-m) d behind the
    // zero rows; d W_m is the sum over rows of d z row r times packed row r + m d.
    const auto w = weight.contiguous();
    auto d_weight = torch::zeros_like(w);
    std::vector<int64_t> offsets;
    std::vector<const float*> taps;
    for (int64_t m = 0; m < kernel_width; ++m) {
      offsets.push_back((kernel_width - 1 - m) * dilation);
      taps.push_back(w.data_ptr<float>() + m * dim);
      spotlight::nn::tap_products::accumulate_outer(dz_data, dim, rows.data_ptr<float>(), dim, product_rows, m * dilation,
                                     d_weight.data_ptr<float>() + m * dim, kernel_width * dim);
    }
    spotlight::nn::tap_products::multiply(d_z_padded.data_ptr<float>(), dim, packed.rows(), kernel_width, offsets.data(),
                           taps.data(), kernel_width * dim, dim, residual ? dx_data : nullptr, nullptr, dx_data);

    // Back to (batch, steps, dim): the kept rows and the P rows before them (the steps that the
    // first kept rows' taps read), where those are steps of the sequence.
    auto d_x = torch::empty({batch, steps, dim}, h.options());
    float* d_x_data = d_x.data_ptr<float>();
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t s = packed.skip[static_cast<size_t>(b)], from_step = std::max<int64_t>(0, s - pad);
      const float* first = dx_data + (packed.start[static_cast<size_t>(b)] + from_step - (s - pad)) * dim;
      std::fill(d_x_data + b * steps * dim, d_x_data + (b * steps + from_step) * dim, 0.0f);
      std::copy(first, first + (steps - from_step) * dim, d_x_data + (b * steps + from_step) * dim);
    }
    return {d_x, d_weight, d_z.sum(0), {}, {}, {}, {}};
  }
};

}  // namespace

CausalConvolutionImpl::CausalConvolutionImpl(int64_t dim, int64_t kernel_width, int64_t dilation, bool relu,
                                             bool residual)
    : kernel_width_(kernel_width), dilation_(dilation), relu_(relu), residual_(residual) {
  // PyTorch's default convolution init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = dim * kernel_width.
  const double bound = 1.0 / std::sqrt(static_cast<double>(dim * kernel_width));
  torch::NoGradGuard no_grad;
  weight_ = register_parameter("weight", torch::empty({dim, kernel_width * dim}).uniform_(-bound, bound));
  bias_ = register_parameter("bias", torch::empty({dim}).uniform_(-bound, bound));
}

torch::Tensor CausalConvolutionImpl::forward(const torch::Tensor& x) {
  if (x.device().is_cpu() && x.scalar_type() == torch::kFloat32 && weight_.scalar_type() == torch::kFloat32 &&
      x.size(0) > 0) {
    return CausalConvolutionNode::apply(x, weight_, bias_, kernel_width_, dilation_, relu_, residual_);
  }
  // Tap m is the input delayed by (k-1-m) d steps; one product applies every tap at once.
  const int64_t steps = x.size(1);
  auto padded = torch::constant_pad_nd(x, {0, 0, (kernel_width_ - 1) * dilation_, 0});
  std::vector<torch::Tensor> taps;
  for (int64_t m = 0; m < kernel_width_; ++m) taps.push_back(padded.narrow(1, m * dilation_, steps));
  auto z = torch::linear(taps.size() == 1 ? taps[0] : torch::cat(taps, -1), weight_, bias_);
  auto h = relu_ ? torch::relu(z) : torch::tanh(z);
  return residual_ ? h + x : h;
}
