#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "spotlight/sdk/nn/tap_products.h"

// The per-sequence loops around the step functions that the LSTM and GRU layers
// (lstm/lstm_layer.cpp, gru4rec/gru_layer.cpp) share, over packed rows.
//
// The first skip[b] input rows of sequence b are zero rows whose input gradient nobody reads
// (the zero step before the first item and the left padding, which the item table's masking
// zeroes both ways). Every sequence is in the same state after k such rows, so one template
// sequence of max skip[b] rows runs them once, and each sequence runs only its own rows from
// skip[b] on, starting from the template's state after skip[b] rows. Rows are numbered
// template first (row t is its step t), then each sequence's kept steps in time order.
// Forward states and parameter gradients equal those of every sequence run whole; the input
// gradient of a skipped row is zero. Sequences are split over LibTorch's threads.
namespace recurrent_layer {

class PackedSequences {
 public:
  // skip[b] in [0, steps] for each of the batch's sequences.
  PackedSequences(std::vector<int64_t> skip, int64_t steps) : skip_(std::move(skip)), steps_(steps) {
    template_rows_ = skip_.empty() ? 0 : *std::max_element(skip_.begin(), skip_.end());
    start_.push_back(template_rows_);
    for (const int64_t s : skip_) start_.push_back(start_.back() + steps_ - s);
  }

  // 1 + the number of leading padding ids (0) of each row of item_sequences (batch, length):
  // the rows of embed_shifted(item_sequences) that are zero and pass no gradient on. Empty
  // (nothing skipped) for ids off the CPU, whose layers do not run these loops.
  static std::vector<int64_t> shifted_padding(const torch::Tensor& item_sequences) {
    if (!item_sequences.device().is_cpu()) return {};
    const auto ids = item_sequences.to(torch::kInt64).contiguous();
    const int64_t batch = ids.size(0), length = ids.size(1);
    const int64_t* id = ids.data_ptr<int64_t>();
    std::vector<int64_t> skip(static_cast<size_t>(batch));
    for (int64_t b = 0; b < batch; ++b) {
      int64_t t = 0;
      while (t < length && id[b * length + t] == 0) ++t;
      skip[static_cast<size_t>(b)] = 1 + t;
    }
    return skip;
  }

  int64_t batch() const { return static_cast<int64_t>(skip_.size()); }
  int64_t template_rows() const { return template_rows_; }
  int64_t rows() const { return start_.back(); }

  // The kept input rows, (rows() - template_rows(), width), from x (batch, steps, width).
  torch::Tensor pack_inputs(const torch::Tensor& x) const {
    const auto source = x.contiguous();
    const int64_t width = source.size(2);
    auto packed = torch::empty({rows() - template_rows_, width}, source.options());
    const float* from = source.data_ptr<float>();
    float* to = packed.data_ptr<float>();
    for (int64_t b = 0; b < batch(); ++b) {
      const int64_t s = skip(b);
      std::copy(from + (b * steps_ + s) * width, from + (b + 1) * steps_ * width,
                to + (start(b) - template_rows_) * width);
    }
    return packed;
  }

  // (rows(), hidden) -> (batch, steps, hidden): the skipped steps read the template's rows.
  torch::Tensor unpack_outputs(const torch::Tensor& packed) const { return unpack(packed, true); }

  // (batch, steps, hidden) -> (rows(), hidden): a template row gets the sum over the sequences
  // that skipped its step.
  torch::Tensor pack_output_gradients(const torch::Tensor& d_outputs) const {
    const auto source = d_outputs.contiguous();
    const int64_t hidden = source.size(2);
    auto packed = torch::empty({rows(), hidden}, source.options());
    packed.narrow(0, 0, template_rows_).zero_();  // sums; the kept rows are copied whole
    const float* from = source.data_ptr<float>();
    float* to = packed.data_ptr<float>();
    for (int64_t b = 0; b < batch(); ++b) {
      const int64_t s = skip(b);
      const float* first = from + b * steps_ * hidden;
      for (int64_t k = 0; k < s * hidden; ++k) to[k] += first[k];
      std::copy(first + s * hidden, first + steps_ * hidden, to + start(b) * hidden);
    }
    return packed;
  }

  // (rows() - template_rows(), width) -> (batch, steps, width), zero at the skipped steps.
  torch::Tensor unpack_input_gradients(const torch::Tensor& packed) const { return unpack(packed, false); }

  // Calls step(row, previous) for every row, in time order within a sequence; `previous` is
  // the row holding the state before it, or -1 for the zero state.
  template <class Step>
  void forward_steps(const Step& step) const {
    for (int64_t t = 0; t < template_rows_; ++t) step(t, t - 1);
    at::parallel_for(0, batch(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        for (int64_t row = start(b); row < start(b + 1); ++row) step(row, row == start(b) ? skip(b) - 1 : row - 1);
      }
    });
  }

  // Every sequence from its last row to its first, then the template likewise: d_output =
  // d_rows[row] + d_h_prev (what the following step passed back), then step(row, previous,
  // d_output, d_h_prev, carry), which overwrites d_h_prev with the derivative for the previous
  // row's output. `carry` holds `hidden` floats a step passes to the one before it (the
  // LSTM's cell derivative); both start at zero at each sequence's last row. What a sequence
  // passes back from its first row reaches the template row it started from.
  template <class Step>
  void backward_steps(int64_t hidden, const float* d_rows, const Step& step) const {
    const auto width = static_cast<size_t>(hidden);
    // What each sequence passes back from its first kept row: d_h_prev, then the carry.
    std::vector<float> passed(static_cast<size_t>(batch()) * 2 * width, 0.0f);
    // Rows [first, last) of one sequence; the state before `first` is row `before`.
    auto run = [&](int64_t first, int64_t last, int64_t before, std::vector<float>& d_output,
                   std::vector<float>& d_h_prev, std::vector<float>& carry, const float* extra_h,
                   const float* extra_carry) {
      for (int64_t row = last - 1; row >= first; --row) {
        const int64_t t = row - first;
        for (size_t k = 0; k < width; ++k) {
          d_output[k] = d_rows[row * hidden + static_cast<int64_t>(k)] + d_h_prev[k];
          if (extra_h) d_output[k] += extra_h[t * hidden + static_cast<int64_t>(k)];
          if (extra_carry) carry[k] += extra_carry[t * hidden + static_cast<int64_t>(k)];
        }
        step(row, row == first ? before : row - 1, d_output.data(), d_h_prev.data(), carry.data());
      }
    };
    at::parallel_for(0, batch(), 1, [&](int64_t begin, int64_t end) {
      std::vector<float> d_output(width), d_h_prev(width), carry(width);
      for (int64_t b = begin; b < end; ++b) {
        std::fill(d_h_prev.begin(), d_h_prev.end(), 0.0f);
        std::fill(carry.begin(), carry.end(), 0.0f);
        run(start(b), start(b + 1), skip(b) - 1, d_output, d_h_prev, carry, nullptr, nullptr);
        std::copy(d_h_prev.begin(), d_h_prev.end(), passed.begin() + static_cast<ptrdiff_t>(2 * width) * b);
        std::copy(carry.begin(), carry.end(), passed.begin() + static_cast<ptrdiff_t>(2 * width) * b + hidden);
      }
    });
    if (template_rows_ == 0) return;
    // The template row each sequence started from receives what that sequence passed back.
    std::vector<float> into_h(static_cast<size_t>(template_rows_) * width, 0.0f), into_carry(into_h.size(), 0.0f);
    for (int64_t b = 0; b < batch(); ++b) {
      if (skip(b) == 0) continue;
      const auto from = passed.begin() + static_cast<ptrdiff_t>(2 * width) * b;
      const auto row = static_cast<ptrdiff_t>(skip(b) - 1) * hidden;
      std::transform(from, from + hidden, into_h.begin() + row, into_h.begin() + row, std::plus<float>());
      std::transform(from + hidden, from + 2 * hidden, into_carry.begin() + row, into_carry.begin() + row,
                     std::plus<float>());
    }
    std::vector<float> d_output(width), d_h_prev(width, 0.0f), carry(width, 0.0f);
    run(0, template_rows_, -1, d_output, d_h_prev, carry, into_h.data(), into_carry.data());
  }

  // Each row's previous output (zero where the state before it is the zero state) as the rows
  // of a (rows(), hidden) matrix: d W_hh is the step derivatives' product with it.
  torch::Tensor previous_outputs(const torch::Tensor& packed) const {
    const int64_t hidden = packed.size(1);
    auto previous = torch::empty_like(packed);
    const float* from = packed.data_ptr<float>();
    float* to = previous.data_ptr<float>();
    auto copy_row = [&](int64_t row, int64_t before) {
      if (before < 0) {
        std::fill(to + row * hidden, to + (row + 1) * hidden, 0.0f);
      } else {
        std::copy(from + before * hidden, from + (before + 1) * hidden, to + row * hidden);
      }
    };
    for (int64_t t = 0; t < template_rows_; ++t) copy_row(t, t - 1);
    for (int64_t b = 0; b < batch(); ++b) {
      for (int64_t row = start(b); row < start(b + 1); ++row) copy_row(row, row == start(b) ? skip(b) - 1 : row - 1);
    }
    return previous;
  }

 private:
  // Packed rows back to (batch, steps, width). With the template, `packed` holds every row and
  // a skipped step reads the template's row; without it, `packed` holds the kept rows only and
  // a skipped step is zero.
  torch::Tensor unpack(const torch::Tensor& packed, bool with_template) const {
    const int64_t width = packed.size(1), base = with_template ? 0 : template_rows_;
    auto out = torch::empty({batch(), steps_, width}, packed.options());
    const float* from = packed.data_ptr<float>();
    float* to = out.data_ptr<float>();
    for (int64_t b = 0; b < batch(); ++b) {
      const int64_t s = skip(b);
      float* row = to + b * steps_ * width;
      if (with_template) {
        std::copy(from, from + s * width, row);
      } else {
        std::fill(row, row + s * width, 0.0f);
      }
      const float* kept = from + (start(b) - base) * width;
      std::copy(kept, kept + (steps_ - s) * width, row + s * width);
    }
    return out;
  }

  int64_t skip(int64_t b) const { return skip_[static_cast<size_t>(b)]; }
  int64_t start(int64_t b) const { return start_[static_cast<size_t>(b)]; }

  std::vector<int64_t> skip_;
  int64_t steps_;
  int64_t template_rows_ = 0;
  std::vector<int64_t> start_;  // each sequence's first row, then rows()
};

// The input products of every row, (rows(), gates) for W_ih (gates, in): bias + x W_ih^T for
// each kept row, the bias alone for the template's (its inputs are zero).
inline torch::Tensor input_products(const PackedSequences& packed, const torch::Tensor& kept,
                                    const torch::Tensor& w_ih, const torch::Tensor& bias) {
  const int64_t gates = w_ih.size(0), width = kept.size(1);
  const auto bias_values = bias.contiguous();
  auto products = torch::empty({packed.rows(), gates}, kept.options());
  products.narrow(0, 0, packed.template_rows()).copy_(bias_values.expand({packed.template_rows(), gates}));
  const auto w_ih_t = w_ih.t().contiguous();
  spotlight::nn::tap_products::multiply_rows(kept.data_ptr<float>(), width, kept.size(0), w_ih_t.data_ptr<float>(), gates, gates,
                              nullptr, bias_values.data_ptr<float>(),
                              products.data_ptr<float>() + packed.template_rows() * gates);
  return products;
}

struct InputGradients {
  torch::Tensor d_inputs;  // (batch, steps, in), zero at the skipped steps
  torch::Tensor d_w_ih;
};

// From d loss / d input products of every row (rows() x gates floats, row-major).
inline InputGradients input_gradients(const PackedSequences& packed, const torch::Tensor& kept,
                                      const torch::Tensor& w_ih, const float* d_products) {
  const int64_t gates = w_ih.size(0), width = kept.size(1), kept_rows = kept.size(0);
  const float* d_kept = d_products + packed.template_rows() * gates;
  const auto w = w_ih.contiguous();
  InputGradients result;
  result.d_w_ih = torch::zeros_like(w);
  spotlight::nn::tap_products::accumulate_outer(d_kept, gates, kept.data_ptr<float>(), width, kept_rows, 0,
                                 result.d_w_ih.data_ptr<float>(), width);
  auto d_rows = torch::empty({kept_rows, width}, kept.options());
  spotlight::nn::tap_products::multiply_rows(d_kept, gates, kept_rows, w.data_ptr<float>(), width, width, nullptr, nullptr,
                              d_rows.data_ptr<float>());
  result.d_inputs = packed.unpack_input_gradients(d_rows);
  return result;
}

// d W_hh (gates, hidden) from d loss / d recurrent products of every row (rows() x gates
// floats) and the rows' outputs (rows(), hidden).
inline torch::Tensor recurrent_weight_gradient(const PackedSequences& packed, const float* d_products,
                                               const torch::Tensor& outputs, const torch::Tensor& w_hh) {
  const int64_t gates = w_hh.size(0), hidden = w_hh.size(1);
  auto d_w_hh = torch::zeros({gates, hidden}, outputs.options());
  spotlight::nn::tap_products::accumulate_outer(d_products, gates, packed.previous_outputs(outputs).data_ptr<float>(), hidden,
                                 packed.rows(), 0, d_w_hh.data_ptr<float>(), hidden);
  return d_w_hh;
}

}  // namespace recurrent_layer
