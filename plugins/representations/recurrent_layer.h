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

  // The row holding the state before each row, or -1 for the zero state (what forward_steps
  // passes as `previous`).
  std::vector<int64_t> previous_rows() const {
    std::vector<int64_t> previous(static_cast<size_t>(rows()));
    for (int64_t t = 0; t < template_rows_; ++t) previous[static_cast<size_t>(t)] = t - 1;
    for (int64_t b = 0; b < batch(); ++b) {
      for (int64_t row = start(b); row < start(b + 1); ++row) {
        previous[static_cast<size_t>(row)] = row == start(b) ? skip(b) - 1 : row - 1;
      }
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
inline torch::Tensor input_products(const PackedSequences& packed, const torch::Tensor& kept, const torch::Tensor& w_ih,
                                    const torch::Tensor& bias) {
  const int64_t gates = w_ih.size(0), width = kept.size(1);
  const auto bias_values = bias.contiguous();
  auto products = torch::empty({packed.rows(), gates}, kept.options());
  products.narrow(0, 0, packed.template_rows()).copy_(bias_values.expand({packed.template_rows(), gates}));
  const auto w_ih_t = w_ih.t().contiguous();
  spotlight::nn::tap_products::multiply_rows(kept.data_ptr<float>(), width, kept.size(0), w_ih_t.data_ptr<float>(),
                                             gates, gates, nullptr, bias_values.data_ptr<float>(),
                                             products.data_ptr<float>() + packed.template_rows() * gates);
  return products;
}

struct LayerGradients {
  torch::Tensor d_inputs;  // (batch, steps, in), zero at the skipped steps
  torch::Tensor d_w_ih, d_b_ih, d_w_hh, d_b_hh;
};

// Every gradient of a layer whose rows' input products are bias + x W_ih^T and recurrent
// products bias + h_prev W_hh^T, from d loss / d those products of every row (rows() x gates
// floats each, row-major; the LSTM passes one array for both): d W_ih, d W_hh, both biases'
// sums and the inputs' gradient. One pass over blocks of rows that stay in the first-level
// cache computes all of them, so each block of derivatives (5 MB per minibatch at batch 1,024
// x 10 steps) comes from memory once instead of once per product and sum. d W_ih and d W_hh
// sum their rows in the order one call over all rows would.
inline LayerGradients layer_gradients(const PackedSequences& packed, const torch::Tensor& kept,
                                      const torch::Tensor& w_ih, const float* d_input_products,
                                      const torch::Tensor& outputs, const torch::Tensor& w_hh,
                                      const float* d_recurrent_products) {
  namespace taps = spotlight::nn::tap_products;
  constexpr int64_t kBlock = 64;
  const int64_t gates = w_ih.size(0), width = kept.size(1), hidden = w_hh.size(1);
  const int64_t first_kept = packed.template_rows(), rows = packed.rows();
  const auto w = w_ih.contiguous();
  const auto state = outputs.contiguous();
  LayerGradients result;
  result.d_w_ih = torch::zeros_like(w);
  result.d_w_hh = torch::zeros({gates, hidden}, outputs.options());
  result.d_b_ih = torch::zeros({gates}, outputs.options());
  result.d_b_hh = torch::zeros({gates}, outputs.options());
  auto d_rows = torch::empty({rows - first_kept, width}, kept.options());
  const auto previous = packed.previous_rows();
  std::vector<float> previous_block(static_cast<size_t>(kBlock * hidden));
  const bool shared = d_input_products == d_recurrent_products;
  const float* h = state.data_ptr<float>();
  const float* x = kept.data_ptr<float>();
  float* d_b_ih = result.d_b_ih.data_ptr<float>();
  float* d_b_hh = result.d_b_hh.data_ptr<float>();
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t r1 = std::min(rows, r0 + kBlock), count = r1 - r0;
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t before = previous[static_cast<size_t>(r)];
      float* to = previous_block.data() + (r - r0) * hidden;
      if (before < 0) {
        std::fill(to, to + hidden, 0.0f);
      } else {
        std::copy(h + before * hidden, h + (before + 1) * hidden, to);
      }
    }
    const float* d_recurrent = d_recurrent_products + r0 * gates;
    taps::accumulate_outer(d_recurrent, gates, previous_block.data(), hidden, count, 0, result.d_w_hh.data_ptr<float>(),
                           hidden);
    taps::add_column_sums(d_input_products + r0 * gates, count, gates, d_b_ih);
    if (!shared) taps::add_column_sums(d_recurrent, count, gates, d_b_hh);
    // The template's rows have zero inputs: no input products, and no input gradient to read.
    const int64_t k0 = std::max(r0, first_kept);
    if (k0 >= r1) continue;
    const float* d_kept = d_input_products + k0 * gates;
    taps::accumulate_outer(d_kept, gates, x + (k0 - first_kept) * width, width, r1 - k0, 0,
                           result.d_w_ih.data_ptr<float>(), width);
    taps::multiply_rows(d_kept, gates, r1 - k0, w.data_ptr<float>(), width, width, nullptr, nullptr,
                        d_rows.data_ptr<float>() + (k0 - first_kept) * width);
  }
  if (shared) result.d_b_hh.copy_(result.d_b_ih);
  result.d_inputs = packed.unpack_input_gradients(d_rows);
  return result;
}

}  // namespace recurrent_layer
