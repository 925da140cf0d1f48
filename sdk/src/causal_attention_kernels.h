// The loops of causal_attention_loops.cpp, included there once per instruction set inside a
// namespace of its own and under `#pragma GCC target`, so that every helper, not only the
// entry points, is compiled for that set: GCC lowers a baseline helper's 64-byte vector
// comparisons lane by lane before inlining it. No include guard, on purpose; no includes
// (the including file has them).
//
// The loops across a row's keys run on GCC vectors of one register (16 floats for AVX-512, 8
// for AVX2, 4 for the baseline) over the row padded to a whole number of them; the loops across
// a head's width keep the width in registers when it is 16, 32, 48 or 64 floats, and run plain
// loops otherwise.
// The includer sets ATTENTION_VECTOR_BYTES: the width of one register of its instruction set.
constexpr int64_t kLanes = ATTENTION_VECTOR_BYTES / sizeof(float);
typedef float Floats __attribute__((vector_size(ATTENTION_VECTOR_BYTES)));
typedef int32_t Ints __attribute__((vector_size(ATTENTION_VECTOR_BYTES)));
typedef uint32_t Words __attribute__((vector_size(ATTENTION_VECTOR_BYTES)));

// 0, 1, ..., kLanes - 1.
ATTENTION_INLINE Ints lane_indices() {
  Ints lanes{};
  for (int32_t l = 0; l < kLanes; ++l) lanes[l] = l;
  return lanes;
}

ATTENTION_INLINE Floats load(const float* p) {
  Floats v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

ATTENTION_INLINE void store(float* p, const Floats& v) { std::memcpy(p, &v, sizeof v); }

ATTENTION_INLINE Floats splat(float x) { return Floats{} + x; }

// a where mask (all ones) else b, lane by lane, in bit operations: GCC turns a vector ?: of
// floats into one branch per lane here.
ATTENTION_INLINE Floats select(const Ints& mask, const Floats& a, const Floats& b) {
  return reinterpret_cast<Floats>((mask & reinterpret_cast<Ints>(a)) | (~mask & reinterpret_cast<Ints>(b)));
}

// x where mask else 0.
ATTENTION_INLINE Floats keep_where(const Ints& mask, const Floats& x) {
  return reinterpret_cast<Floats>(mask & reinterpret_cast<Ints>(x));
}

ATTENTION_INLINE float sum_of(const Floats& v) {
  float total = 0.0f;
  for (int64_t l = 0; l < kLanes; ++l) total += v[l];
  return total;
}

ATTENTION_INLINE float max_of(const Floats& v) {
  float top = v[0];
  for (int64_t l = 1; l < kLanes; ++l) top = std::max(top, v[l]);
  return top;
}

inline int64_t padded(int64_t n) { return (n + kLanes - 1) / kLanes * kLanes; }

inline int64_t triangle(int64_t n) { return n * (n + 1) / 2; }

// e^x for x <= 0 (larger x are taken as 0), within a few float ulp: x = n ln 2 + r with
// |r| <= ln 2 / 2, e^r by its Taylor polynomial of degree 7, 2^n in the exponent bits. Below
// -87 it returns e^-87, about 1.6e-38: the callers keep no such lane.
ATTENTION_INLINE Floats exp_nonpositive(Floats x) {
  const Floats low = splat(-87.0f), zero = splat(0.0f);
  x = select(x < low, low, x);
  x = select(x > zero, zero, x);
  const Floats n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  Floats r = x - n * 0.693145751953125f;
  r = r - n * 1.428606765330187e-6f;
  Floats poly = splat(1.0f / 5040.0f);
  poly = poly * r + 1.0f / 720.0f;
  poly = poly * r + 1.0f / 120.0f;
  poly = poly * r + 1.0f / 24.0f;
  poly = poly * r + 1.0f / 6.0f;
  poly = poly * r + 0.5f;
  poly = poly * r + 1.0f;
  poly = poly * r + 1.0f;
  const Ints bits = (__builtin_convertvector(n, Ints) + 127) << 23;
  Floats power;
  std::memcpy(&power, &bits, sizeof power);
  return poly * power;
}

// dropout_hash.h's mix, lane by lane (here, so that it is compiled for this instruction set).
ATTENTION_INLINE Words mix_lanes(Words x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// The dropout draws of a row: one hash per (seed, the row's place in the call), then one per
// key from it (kept(), below).
inline uint32_t row_stream(uint64_t seed, uint64_t row) {
  const uint32_t place = mix(static_cast<uint32_t>(row) ^ mix(static_cast<uint32_t>(row >> 32)));
  return mix(static_cast<uint32_t>(seed) ^ mix(static_cast<uint32_t>(seed >> 32) + place));
}

// The comparisons here are of floats: GCC splits some comparisons of integer vectors lane by
// lane. A draw is kept when its top 24 bits are at or above p 2^24.
ATTENTION_INLINE Ints kept(uint32_t stream, int64_t first, float threshold) {
  const Words lanes = reinterpret_cast<Words>(lane_indices() + static_cast<int32_t>(first));
  const Words draw = mix_lanes(lanes * 0x9e3779b9U ^ stream);
  return __builtin_convertvector(reinterpret_cast<Ints>(draw >> 8), Floats) >= threshold;
}

// Lanes [c, c + 16) that are at or before row i (exact in floats below 2^24 rows).
ATTENTION_INLINE Ints up_to(int64_t c, int64_t i) {
  return splat(static_cast<float>(i - c)) >= __builtin_convertvector(lane_indices(), Floats);
}

// out[0, width) = sum over j < count of weights[j] rows[j] (rows `stride` floats apart).
// NV > 0: width is NV vectors, summed in interleaved partial sums (j mod kChains) when NV is
// small, so that the multiply-adds into one register do not wait on each other.
template <int NV>
ATTENTION_INLINE void weighted_rows(const float* weights, int64_t count, const float* rows, int64_t stride,
                                    int64_t width, float* out) {
  if constexpr (NV > 0) {
    constexpr int kChains = NV <= 2 ? 4 : (NV <= 4 ? 2 : 1);
    Floats acc[kChains][NV] = {};
    int64_t j = 0;
    for (; j + kChains <= count; j += kChains) {
#pragma GCC unroll 4
      for (int t = 0; t < kChains; ++t) {
        const float a = weights[j + t];
        const float* row = rows + (j + t) * stride;
#pragma GCC unroll 16
        for (int u = 0; u < NV; ++u) acc[t][u] += a * load(row + u * kLanes);
      }
    }
    for (; j < count; ++j) {
      const float a = weights[j];
      const float* row = rows + j * stride;
#pragma GCC unroll 16
      for (int u = 0; u < NV; ++u) acc[0][u] += a * load(row + u * kLanes);
    }
#pragma GCC unroll 16
    for (int u = 0; u < NV; ++u) {
      Floats total = acc[0][u];
      for (int t = 1; t < kChains; ++t) total += acc[t][u];
      store(out + u * kLanes, total);
    }
  } else {
    std::fill(out, out + width, 0.0f);
    for (int64_t j = 0; j < count; ++j) {
      const float a = weights[j];
      const float* row = rows + j * stride;
      for (int64_t d = 0; d < width; ++d) out[d] += a * row[d];
    }
  }
}

// rows[j][0, width) += weights[j] x for j < count.
template <int NV>
ATTENTION_INLINE void add_to_rows(const float* weights, int64_t count, const float* x, float* rows, int64_t stride,
                                  int64_t width) {
  if constexpr (NV > 0) {
    Floats xs[NV];
#pragma GCC unroll 16
    for (int u = 0; u < NV; ++u) xs[u] = load(x + u * kLanes);
    for (int64_t j = 0; j < count; ++j) {
      const float a = weights[j];
      float* row = rows + j * stride;
#pragma GCC unroll 16
      for (int u = 0; u < NV; ++u) store(row + u * kLanes, load(row + u * kLanes) + a * xs[u]);
    }
  } else {
    for (int64_t j = 0; j < count; ++j) {
      const float a = weights[j];
      float* row = rows + j * stride;
      for (int64_t d = 0; d < width; ++d) row[d] += a * x[d];
    }
  }
}

// out[c] = <x, column c of t> for c < count (a multiple of kLanes); t is width x stride. Four
// vectors of columns at a time, so that four chains of multiply-adds run side by side.
ATTENTION_INLINE void row_times_columns(const float* x, const float* t, int64_t stride, int64_t width, int64_t count,
                                        float* out) {
  int64_t c = 0;
  for (; c + 4 * kLanes <= count; c += 4 * kLanes) {
    Floats acc[4] = {};
    for (int64_t d = 0; d < width; ++d) {
      const float* column = t + d * stride + c;
#pragma GCC unroll 4
      for (int u = 0; u < 4; ++u) acc[u] += x[d] * load(column + u * kLanes);
    }
#pragma GCC unroll 4
    for (int u = 0; u < 4; ++u) store(out + c + u * kLanes, acc[u]);
  }
  for (; c < count; c += kLanes) {
    Floats acc{};
    for (int64_t d = 0; d < width; ++d) acc += x[d] * load(t + d * stride + c);
    store(out + c, acc);
  }
}

// One sequence and head: n rows of width hd, `stride` floats apart, and the work space.
struct Head {
  int64_t n;
  int64_t hd;
  int64_t stride;
  const uint8_t* is_key;
  uint64_t first_row;  // the place of the head's row 0 in the call, for the dropout draws
  float* transposed;   // hd x padded(n)
  float* keys;         // padded(n): 1 for a key, else 0
  float* a;            // padded(n) each
  float* b;
};

// transposed[d][j] = rows[j][d], zero past n; keys[j] = whether row j is a key.
inline void prepare(const Head& head, const float* rows) {
  const int64_t np = padded(head.n);
  for (int64_t d = 0; d < head.hd; ++d) {
    float* column = head.transposed + d * np;
    for (int64_t j = 0; j < head.n; ++j) column[j] = rows[j * head.stride + d];
    std::fill(column + head.n, column + np, 0.0f);
  }
  for (int64_t j = 0; j < np; ++j) head.keys[j] = j < head.n && head.is_key[j] ? 1.0f : 0.0f;
}

template <int NV>
ATTENTION_INLINE void forward_head(const Head& head, const float* q, const float* k, const float* v, uint64_t seed,
                                   float threshold, float scale, float* probs, float* out) {
  const int64_t np = padded(head.n);
  prepare(head, k);
  float* scores = head.a;
  float* weights = head.b;
  for (int64_t i = 0; i < head.n; ++i) {
    const int64_t width = i + 1, span = padded(width);
    float* row = probs + triangle(i);
    float* out_row = out + i * head.stride;
    row_times_columns(q + i * head.stride, head.transposed, np, head.hd, span, scores);
    const Floats minus_infinity = splat(-std::numeric_limits<float>::infinity());
    Floats top = minus_infinity;
    for (int64_t c = 0; c < span; c += kLanes) {
      const Floats s = load(scores + c);
      const Ints take = up_to(c, i) & (load(head.keys + c) > 0.0f);
      top = select(take & (s > top), s, top);
    }
    const float m = max_of(top);
    if (m == -std::numeric_limits<float>::infinity()) {  // no key at or before row i
      std::fill(row, row + width, 0.0f);
      std::fill(out_row, out_row + head.hd, 0.0f);
      continue;
    }
    Floats total{};
    for (int64_t c = 0; c < span; c += kLanes) {
      const Ints take = up_to(c, i) & (load(head.keys + c) > 0.0f);
      const Floats e = keep_where(take, exp_nonpositive(load(scores + c) - m));
      store(weights + c, e);
      total += e;
    }
    const float inverse = 1.0f / sum_of(total);
    for (int64_t c = 0; c < span; c += kLanes) store(weights + c, load(weights + c) * inverse);
    std::copy(weights, weights + width, row);
    if (threshold > 0) {
      const uint32_t stream = row_stream(seed, head.first_row + static_cast<uint64_t>(i));
      for (int64_t c = 0; c < span; c += kLanes) {
        store(weights + c, keep_where(kept(stream, c, threshold), load(weights + c) * scale));
      }
    }
    weighted_rows<NV>(weights, width, v, head.stride, head.hd, out_row);
  }
}

template <int NV>
ATTENTION_INLINE void backward_head(const Head& head, const float* q, const float* k, const float* v,
                                    const float* probs, const float* grad_out, uint64_t seed, float threshold,
                                    float scale, float* grad_q, float* grad_k, float* grad_v) {
  const int64_t np = padded(head.n);
  prepare(head, v);
  float* weights = head.a;
  float* grads = head.b;
  for (int64_t i = 0; i < head.n; ++i) {
    const int64_t width = i + 1, span = padded(width);
    const float* row = probs + triangle(i);
    const float* go = grad_out + i * head.stride;
    std::copy(row, row + width, weights);
    std::fill(weights + width, weights + span, 0.0f);
    // d(dropped weight j) = <grad_out_i, v_j>; grad_v_j += dropped weight j * grad_out_i.
    row_times_columns(go, head.transposed, np, head.hd, span, grads);
    if (threshold > 0) {
      const uint32_t stream = row_stream(seed, head.first_row + static_cast<uint64_t>(i));
      float* dropped = head.keys;  // the key flags are not needed backward
      for (int64_t c = 0; c < span; c += kLanes) {
        const Ints keep = kept(stream, c, threshold);
        store(dropped + c, keep_where(keep, load(weights + c) * scale));
        store(grads + c, keep_where(keep, load(grads + c) * scale));
      }
      add_to_rows<NV>(dropped, width, go, grad_v, head.stride, head.hd);
    } else {
      add_to_rows<NV>(weights, width, go, grad_v, head.stride, head.hd);
    }
    // Through the softmax: d score j = weight j (d weight j - sum over l of weight l d weight l).
    Floats dot{};
    for (int64_t c = 0; c < span; c += kLanes) dot += load(weights + c) * load(grads + c);
    const float total = sum_of(dot);
    for (int64_t c = 0; c < span; c += kLanes) store(grads + c, load(weights + c) * (load(grads + c) - total));
    weighted_rows<NV>(grads, width, k, head.stride, head.hd, grad_q + i * head.stride);
    add_to_rows<NV>(grads, width, q + i * head.stride, grad_k, head.stride, head.hd);
  }
}

// The work space of the longest sequence.
class Workspace {
 public:
  explicit Workspace(const Layout& layout) : hd_(layout.dim / layout.heads) {
    int64_t longest = 0;
    for (int64_t s = 0; s < layout.count; ++s) longest = std::max(longest, layout.lengths[s]);
    space_.assign(static_cast<size_t>(padded(longest) * (hd_ + 3)), 0.0f);
  }

  int64_t head_width() const { return hd_; }
  float* transposed() { return space_.data(); }
  float* row(int64_t n, int64_t which) { return space_.data() + (hd_ + which) * padded(n); }

 private:
  int64_t hd_;
  std::vector<float> space_;
};

// Every (sequence, head) of a call in turn: where its rows start, where its weights start and
// the place of its row 0 among all (sequence, head, row)s, for the dropout draws.
struct Place {
  int64_t sequence = 0, head = 0, first_row = 0, first_prob = 0;

  bool valid(const Layout& layout) const { return sequence < layout.count; }

  void next(const Layout& layout) {
    first_prob += triangle(layout.lengths[sequence]);
    if (++head < layout.heads) return;
    head = 0;
    first_row += layout.lengths[sequence++];
  }

  Head in(const Layout& layout, Workspace& space) const {
    const int64_t n = layout.lengths[sequence];
    return Head{n,
                space.head_width(),
                layout.dim,
                layout.is_key + first_row,
                static_cast<uint64_t>(first_row * layout.heads + head * n),
                space.transposed(),
                space.row(n, 0),
                space.row(n, 1),
                space.row(n, 2)};
  }

  // The offset of the head's first column in its first row.
  int64_t at(const Layout& layout, const Workspace& space) const {
    return first_row * layout.dim + head * space.head_width();
  }
};

// Draws below it are dropped: p 2^24, in units of the draws' top 24 bits.
float threshold_of(double p) { return static_cast<float>(std::ceil(p * 16777216.0)); }

float scale_of(double p) { return p > 0.0 ? static_cast<float>(1.0 / (1.0 - p)) : 1.0f; }

template <int NV>
ATTENTION_INLINE void forward_all(const Layout& layout, const float* q, const float* k, const float* v, uint64_t seed,
                                  double p, float* probs, float* out) {
  const float threshold = threshold_of(p);
  const float scale = scale_of(p);
  Workspace space(layout);
  for (Place place; place.valid(layout); place.next(layout)) {
    const int64_t at = place.at(layout, space);
    forward_head<NV>(place.in(layout, space), q + at, k + at, v + at, seed, threshold, scale,
                     probs + place.first_prob, out + at);
  }
}

template <int NV>
ATTENTION_INLINE void backward_all(const Layout& layout, const float* q, const float* k, const float* v,
                                   const float* probs, const float* grad_out, uint64_t seed, double p, float* grad_q,
                                   float* grad_k, float* grad_v) {
  const float threshold = threshold_of(p);
  const float scale = scale_of(p);
  Workspace space(layout);
  for (Place place; place.valid(layout); place.next(layout)) {
    const int64_t at = place.at(layout, space);
    backward_head<NV>(place.in(layout, space), q + at, k + at, v + at, probs + place.first_prob, grad_out + at, seed,
                      threshold, scale, grad_q + at, grad_k + at, grad_v + at);
  }
}

// Head widths of 16, 32, 48 and 64 floats are held in registers (NV = width / kLanes of them);
// others run plain loops (NV = 0).
void forward_any(const Layout& layout, const float* q, const float* k, const float* v, uint64_t seed, double p,
                 float* probs, float* out) {
  switch (layout.dim / layout.heads) {
    case 16: return forward_all<16 / kLanes>(layout, q, k, v, seed, p, probs, out);
    case 32: return forward_all<32 / kLanes>(layout, q, k, v, seed, p, probs, out);
    case 48: return forward_all<48 / kLanes>(layout, q, k, v, seed, p, probs, out);
    case 64: return forward_all<64 / kLanes>(layout, q, k, v, seed, p, probs, out);
    default: return forward_all<0>(layout, q, k, v, seed, p, probs, out);
  }
}

void backward_any(const Layout& layout, const float* q, const float* k, const float* v, const float* probs,
                  const float* grad_out, uint64_t seed, double p, float* grad_q, float* grad_k, float* grad_v) {
  switch (layout.dim / layout.heads) {
    case 16: return backward_all<16 / kLanes>(layout, q, k, v, probs, grad_out, seed, p, grad_q, grad_k, grad_v);
    case 32: return backward_all<32 / kLanes>(layout, q, k, v, probs, grad_out, seed, p, grad_q, grad_k, grad_v);
    case 48: return backward_all<48 / kLanes>(layout, q, k, v, probs, grad_out, seed, p, grad_q, grad_k, grad_v);
    case 64: return backward_all<64 / kLanes>(layout, q, k, v, probs, grad_out, seed, p, grad_q, grad_k, grad_v);
    default: return backward_all<0>(layout, q, k, v, probs, grad_out, seed, p, grad_q, grad_k, grad_v);
  }
}
