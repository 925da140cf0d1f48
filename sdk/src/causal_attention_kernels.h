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
//
// The includer sets ATTENTION_VECTOR_BYTES: the width of one register of its instruction set.
constexpr int64_t kLanes = ATTENTION_VECTOR_BYTES / sizeof(float);
typedef float Floats __attribute__((vector_size(ATTENTION_VECTOR_BYTES)));
typedef int32_t Ints __attribute__((vector_size(ATTENTION_VECTOR_BYTES)));
typedef uint32_t Words __attribute__((vector_size(ATTENTION_VECTOR_BYTES)));

// 0, 1, ..., kLanes - 1.
SPOTLIGHT_VECTOR_INLINE Ints lane_indices() {
  Ints lanes{};
  for (int32_t l = 0; l < kLanes; ++l) lanes[l] = l;
  return lanes;
}

SPOTLIGHT_VECTOR_INLINE Floats load(const float* p) { return vector_memory::load<Floats>(p); }

using vector_memory::store;

SPOTLIGHT_VECTOR_INLINE Floats splat(float x) { return Floats{} + x; }

// a where mask (all ones) else b, lane by lane, in bit operations (one blend or ternary-logic
// instruction once compiled).
SPOTLIGHT_VECTOR_INLINE Floats select(const Ints& mask, const Floats& a, const Floats& b) {
  return reinterpret_cast<Floats>((mask & reinterpret_cast<Ints>(a)) | (~mask & reinterpret_cast<Ints>(b)));
}

// x where mask else 0.
SPOTLIGHT_VECTOR_INLINE Floats keep_where(const Ints& mask, const Floats& x) {
  return reinterpret_cast<Floats>(mask & reinterpret_cast<Ints>(x));
}

SPOTLIGHT_VECTOR_INLINE float sum_of(const Floats& v) {
  float total = 0.0f;
  for (int64_t l = 0; l < kLanes; ++l) total += v[l];
  return total;
}

SPOTLIGHT_VECTOR_INLINE float max_of(const Floats& v) {
  float top = v[0];
  for (int64_t l = 1; l < kLanes; ++l) top = std::max(top, v[l]);
  return top;
}

inline int64_t padded(int64_t n) { return (n + kLanes - 1) / kLanes * kLanes; }

inline int64_t triangle(int64_t n) { return n * (n + 1) / 2; }

// e^x for x <= 0 (larger x are taken as 0), within a few float ulp: x = n ln 2 + r with
// |r| <= ln 2 / 2, e^r by its Taylor polynomial of degree 7, 2^n in the exponent bits. Below
// -87 it returns e^-87, about 1.6e-38: the callers keep no such lane.
SPOTLIGHT_VECTOR_INLINE Floats exp_nonpositive(Floats x) {
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

// The dropout draws of a row: one hash per (seed, the row's place in the call), then one per
// key from it (kept(), below).
inline uint32_t row_stream(uint64_t seed, uint64_t row) {
  const uint32_t place = mix(static_cast<uint32_t>(row) ^ mix(static_cast<uint32_t>(row >> 32)));
  return mix(static_cast<uint32_t>(seed) ^ mix(static_cast<uint32_t>(seed >> 32) + place));
}

// The comparisons here are of floats: GCC splits some comparisons of integer vectors lane by
// lane. A draw is kept when its top 24 bits are at or above p 2^24.
SPOTLIGHT_VECTOR_INLINE Ints kept(uint32_t stream, int64_t first, float threshold) {
  const Words lanes = reinterpret_cast<Words>(lane_indices() + static_cast<int32_t>(first));
  Words draw = lanes * 0x9e3779b9U ^ stream;
  mix_into(draw);
  return __builtin_convertvector(reinterpret_cast<Ints>(draw >> 8), Floats) >= threshold;
}

// Lanes [c, c + 16) that are at or before row i (exact in floats below 2^24 rows).
SPOTLIGHT_VECTOR_INLINE Ints up_to(int64_t c, int64_t i) {
  return splat(static_cast<float>(i - c)) >= __builtin_convertvector(lane_indices(), Floats);
}

// Query rows handled together: each key's and value's row is then loaded once for all of them,
// and each gradient row stored once. Fewer for wide heads, whose rows fill the registers; one
// for the plain loops.
template <int NV>
constexpr int block_rows() {
  return NV == 0 ? 1 : (NV <= 2 ? 4 : (NV <= 4 ? 2 : 1));
}
constexpr int kMaxBlock = 4;

// An R x N tile of vector registers: acc[r][u] += a[r a_stride] x[u] (one scalar per row of
// the tile times one row of N vectors), and its store to R rows ldo floats apart.
template <int R, int N>
SPOTLIGHT_VECTOR_INLINE void tile_step(Floats (&acc)[R][N], const float* a, int64_t a_stride, const Floats (&x)[N]) {
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    const float scalar = a[r * a_stride];
#pragma GCC unroll 16
    for (int u = 0; u < N; ++u) acc[r][u] += scalar * x[u];
  }
}

template <int R, int N>
SPOTLIGHT_VECTOR_INLINE void tile_store(const Floats (&acc)[R][N], float* out, int64_t ldo) {
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int u = 0; u < N; ++u) store(out + r * ldo + u * kLanes, acc[r][u]);
  }
}

// N vectors from p on.
template <int N>
SPOTLIGHT_VECTOR_INLINE void load_row(Floats (&x)[N], const float* p) {
#pragma GCC unroll 16
  for (int u = 0; u < N; ++u) x[u] = load(p + u * kLanes);
}

// out_r[0, width) = sum over j < count of weights_r[j] rows[j], for the R rows of `weights`
// (ldw floats apart) and of out (out_stride floats apart; `rows` are stride apart). NV > 0:
// width is NV vectors.
template <int NV, int R>
SPOTLIGHT_VECTOR_INLINE void weighted_rows(const float* weights, int64_t ldw, int64_t count, const float* rows,
                                           int64_t stride, int64_t width, float* out, int64_t out_stride) {
  if constexpr (NV > 0) {
    Floats acc[R][NV] = {};
    for (int64_t j = 0; j < count; ++j) {
      Floats x[NV];
      load_row(x, rows + j * stride);
      tile_step(acc, weights + j, ldw, x);
    }
    tile_store(acc, out, out_stride);
  } else {
    for (int r = 0; r < R; ++r) {
      float* o = out + r * out_stride;
      std::fill(o, o + width, 0.0f);
      for (int64_t j = 0; j < count; ++j) {
        const float a = weights[r * ldw + j];
        const float* row = rows + j * stride;
        for (int64_t d = 0; d < width; ++d) o[d] += a * row[d];
      }
    }
  }
}

// rows[j][0, width) += sum over r < R of weights_r[j] xs_r for j < count (the R rows xs_r
// xs_stride floats apart, `rows` stride apart; weights' rows ldw apart).
template <int NV, int R>
SPOTLIGHT_VECTOR_INLINE void add_to_rows(const float* weights, int64_t ldw, int64_t count, const float* xs,
                                         int64_t xs_stride, float* rows, int64_t stride, int64_t width) {
  if constexpr (NV > 0) {
    Floats x[R][NV];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) load_row(x[r], xs + r * xs_stride);
    for (int64_t j = 0; j < count; ++j) {
      float* row = rows + j * stride;
      Floats acc[NV];
      load_row(acc, row);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        const float a = weights[r * ldw + j];
#pragma GCC unroll 16
        for (int u = 0; u < NV; ++u) acc[u] += a * x[r][u];
      }
#pragma GCC unroll 16
      for (int u = 0; u < NV; ++u) store(row + u * kLanes, acc[u]);
    }
  } else {
    for (int64_t j = 0; j < count; ++j) {
      float* row = rows + j * stride;
      for (int r = 0; r < R; ++r) {
        const float a = weights[r * ldw + j];
        for (int64_t d = 0; d < width; ++d) row[d] += a * xs[r * xs_stride + d];
      }
    }
  }
}

// out_r[c] = <x_r, column c of t> for the R rows x_r (xstride floats apart) and c < count (a
// whole number of vectors); t is width x tstride, out's rows ldo apart. Several vectors of
// columns at a time, so that several chains of multiply-adds run side by side.
template <int R>
SPOTLIGHT_VECTOR_INLINE void rows_times_columns(const float* x, int64_t xstride, const float* t, int64_t tstride,
                                                int64_t width, int64_t count, float* out, int64_t ldo) {
  constexpr int C = R >= 4 ? 2 : 4;
  int64_t c = 0;
  for (; c + C * kLanes <= count; c += C * kLanes) {
    Floats acc[R][C] = {};
    for (int64_t d = 0; d < width; ++d) {
      Floats column[C];
      load_row(column, t + d * tstride + c);
      tile_step(acc, x + d, xstride, column);
    }
    tile_store(acc, out + c, ldo);
  }
  for (; c < count; c += kLanes) {
    Floats acc[R][1] = {};
    for (int64_t d = 0; d < width; ++d) {
      Floats column[1];
      load_row(column, t + d * tstride + c);
      tile_step(acc, x + d, xstride, column);
    }
    tile_store(acc, out + c, ldo);
  }
}

// weights[0, span) = the softmax of scores over the keys j <= i, zero elsewhere (all zero when
// there is no such key).
SPOTLIGHT_VECTOR_INLINE void softmax_row(const float* scores, const float* keys, int64_t i, int64_t span,
                                         float* weights) {
  // The running maximum takes one max per vector of scores (the lanes that are no key after row
  // i taken as -infinity), so one instruction, not a compare and a select on the maximum so far,
  // lies between one vector and the next.
  const Floats none = splat(-std::numeric_limits<float>::infinity());
  Floats top = none;
  for (int64_t c = 0; c < span; c += kLanes) {
    const Floats s = select(up_to(c, i) & (load(keys + c) > 0.0f), load(scores + c), none);
    top = top > s ? top : s;
  }
  const float m = max_of(top);
  if (m == -std::numeric_limits<float>::infinity()) {
    std::fill(weights, weights + span, 0.0f);
    return;
  }
  Floats total{};
  for (int64_t c = 0; c < span; c += kLanes) {
    const Ints take = up_to(c, i) & (load(keys + c) > 0.0f);
    const Floats e = keep_where(take, exp_nonpositive(load(scores + c) - m));
    store(weights + c, e);
    total += e;
  }
  const float inverse = 1.0f / sum_of(total);
  for (int64_t c = 0; c < span; c += kLanes) store(weights + c, load(weights + c) * inverse);
}

// One sequence and head: n rows of width hd, in_stride floats apart in the queries, keys and
// values (and their gradients), out_stride apart in the outputs (and theirs), and the work
// space.
struct Head {
  int64_t n;
  int64_t hd;
  int64_t in_stride;
  int64_t out_stride;
  const uint8_t* is_key;
  uint64_t first_row;  // the place of the head's row 0 in the call, for the dropout draws
  float* transposed;   // hd x padded(n)
  float* keys;         // padded(n): 1 for a key, else 0
  float* a;            // kMaxBlock rows of padded(n) each
  float* b;
  float* c;
};

// transposed[d][j] = rows[j][d], zero past n; keys[j] = whether row j is a key. Row by row, so
// that each input row is read once: the head's rows lie 3 widths apart, more than the
// first-level cache holds for a long sequence, and column by column would read them hd times.
inline void prepare(const Head& head, const float* rows) {
  const int64_t np = padded(head.n);
  for (int64_t j = 0; j < head.n; ++j) {
    const float* row = rows + j * head.in_stride;
    for (int64_t d = 0; d < head.hd; ++d) head.transposed[d * np + j] = row[d];
  }
  for (int64_t d = 0; d < head.hd; ++d) {
    std::fill(head.transposed + d * np + head.n, head.transposed + (d + 1) * np, 0.0f);
  }
  for (int64_t j = 0; j < np; ++j) head.keys[j] = j < head.n && head.is_key[j] ? 1.0f : 0.0f;
}

// Query rows [i0, i0 + R): their scores (a), weights (b; stored to probs before dropout) and
// outputs.
template <int NV, int R>
SPOTLIGHT_VECTOR_INLINE void forward_block(const Head& head, int64_t i0, const float* q, const float* v, uint64_t seed,
                                           float threshold, float scale, float* probs, float* out) {
  const int64_t np = padded(head.n), span = padded(i0 + R);
  rows_times_columns<R>(q + i0 * head.in_stride, head.in_stride, head.transposed, np, head.hd, span, head.a, np);
  for (int r = 0; r < R; ++r) {
    const int64_t i = i0 + r;
    float* weights = head.b + r * np;
    softmax_row(head.a + r * np, head.keys, i, span, weights);
    std::copy(weights, weights + i + 1, probs + triangle(i));
    if (threshold > 0) {
      const uint32_t stream = row_stream(seed, head.first_row + static_cast<uint64_t>(i));
      for (int64_t c = 0; c < span; c += kLanes) {
        store(weights + c, keep_where(kept(stream, c, threshold), load(weights + c) * scale));
      }
    }
  }
  weighted_rows<NV, R>(head.b, np, i0 + R, v, head.in_stride, head.hd, out + i0 * head.out_stride,
                       head.out_stride);
}

// The gradients of query rows [i0, i0 + R): weights (a), their gradients (b), the weights
// after dropout (c).
template <int NV, int R>
SPOTLIGHT_VECTOR_INLINE void backward_block(const Head& head, int64_t i0, const float* q, const float* k,
                                            const float* probs, const float* grad_out, uint64_t seed, float threshold,
                                            float scale, float* grad_q, float* grad_k, float* grad_v) {
  const int64_t np = padded(head.n), span = padded(i0 + R), count = i0 + R;
  for (int r = 0; r < R; ++r) {
    const int64_t i = i0 + r;
    const float* row = probs + triangle(i);
    std::copy(row, row + i + 1, head.a + r * np);
    std::fill(head.a + r * np + i + 1, head.a + r * np + span, 0.0f);
  }
  // d(weight j after dropout) = <grad_out_i, v_j>; grad_v_j += (weight j after dropout) grad_out_i.
  const float* go = grad_out + i0 * head.out_stride;
  rows_times_columns<R>(go, head.out_stride, head.transposed, np, head.hd, span, head.b, np);
  const float* dropped = head.a;
  if (threshold > 0) {
    for (int r = 0; r < R; ++r) {
      const uint32_t stream = row_stream(seed, head.first_row + static_cast<uint64_t>(i0 + r));
      float *weights = head.a + r * np, *grads = head.b + r * np, *kept_weights = head.c + r * np;
      for (int64_t c = 0; c < span; c += kLanes) {
        const Ints keep = kept(stream, c, threshold);
        store(kept_weights + c, keep_where(keep, load(weights + c) * scale));
        store(grads + c, keep_where(keep, load(grads + c) * scale));
      }
    }
    dropped = head.c;
  }
  add_to_rows<NV, R>(dropped, np, count, go, head.out_stride, grad_v, head.in_stride, head.hd);
  // Through the softmax: d score j = weight j (d weight j - sum over l of weight l d weight l).
  for (int r = 0; r < R; ++r) {
    const float *weights = head.a + r * np;
    float* grads = head.b + r * np;
    Floats dot{};
    for (int64_t c = 0; c < span; c += kLanes) dot += load(weights + c) * load(grads + c);
    const float total = sum_of(dot);
    for (int64_t c = 0; c < span; c += kLanes) store(grads + c, load(weights + c) * (load(grads + c) - total));
  }
  weighted_rows<NV, R>(head.b, np, count, k, head.in_stride, head.hd, grad_q + i0 * head.in_stride, head.in_stride);
  add_to_rows<NV, R>(head.b, np, count, q + i0 * head.in_stride, head.in_stride, grad_k, head.in_stride, head.hd);
}

template <int NV>
SPOTLIGHT_VECTOR_INLINE void forward_head(const Head& head, const float* q, const float* k, const float* v,
                                          uint64_t seed, float threshold, float scale, float* probs, float* out) {
  constexpr int R = block_rows<NV>();
  prepare(head, k);
  int64_t i0 = 0;
  for (; i0 + R <= head.n; i0 += R) forward_block<NV, R>(head, i0, q, v, seed, threshold, scale, probs, out);
  for (; i0 < head.n; ++i0) forward_block<NV, 1>(head, i0, q, v, seed, threshold, scale, probs, out);
}

template <int NV>
SPOTLIGHT_VECTOR_INLINE void backward_head(const Head& head, const float* q, const float* k, const float* v,
                                           const float* probs, const float* grad_out, uint64_t seed, float threshold,
                                           float scale, float* grad_q, float* grad_k, float* grad_v) {
  constexpr int R = block_rows<NV>();
  prepare(head, v);
  int64_t i0 = 0;
  for (; i0 + R <= head.n; i0 += R) {
    backward_block<NV, R>(head, i0, q, k, probs, grad_out, seed, threshold, scale, grad_q, grad_k, grad_v);
  }
  for (; i0 < head.n; ++i0) {
    backward_block<NV, 1>(head, i0, q, k, probs, grad_out, seed, threshold, scale, grad_q, grad_k, grad_v);
  }
}

// The work space of the longest sequence.
class Workspace {
 public:
  explicit Workspace(const Layout& layout) : hd_(layout.dim / layout.heads) {
    int64_t longest = 0;
    for (int64_t s = 0; s < layout.count; ++s) longest = std::max(longest, layout.lengths[s]);
    space_.assign(static_cast<size_t>(padded(longest) * (hd_ + 1 + 3 * kMaxBlock)), 0.0f);
  }

  int64_t head_width() const { return hd_; }
  float* transposed() { return space_.data(); }
  float* keys(int64_t n) { return space_.data() + hd_ * padded(n); }
  float* block(int64_t n, int64_t which) { return space_.data() + (hd_ + 1 + which * kMaxBlock) * padded(n); }

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
                layout.in_stride,
                layout.dim,
                layout.is_key + first_row,
                static_cast<uint64_t>(first_row * layout.heads + head * n),
                space.transposed(),
                space.keys(n),
                space.block(n, 0),
                space.block(n, 1),
                space.block(n, 2)};
  }

  // The offset of the head's first column in its first row, in the queries, keys and values
  // (and their gradients), and in the outputs (and theirs).
  int64_t in_at(const Layout& layout, const Workspace& space) const {
    return first_row * layout.in_stride + head * space.head_width();
  }
  int64_t out_at(const Layout& layout, const Workspace& space) const {
    return first_row * layout.dim + head * space.head_width();
  }
};

// Draws below it are dropped: p 2^24, in units of the draws' top 24 bits.
float threshold_of(double p) { return static_cast<float>(std::ceil(p * 16777216.0)); }

float scale_of(double p) { return p > 0.0 ? static_cast<float>(1.0 / (1.0 - p)) : 1.0f; }

template <int NV>
SPOTLIGHT_VECTOR_INLINE void forward_all(const Layout& layout, const float* q, const float* k, const float* v,
                                         uint64_t seed, double p, float* probs, float* out) {
  const float threshold = threshold_of(p);
  const float scale = scale_of(p);
  Workspace space(layout);
  for (Place place; place.valid(layout); place.next(layout)) {
    const int64_t at = place.in_at(layout, space);
    forward_head<NV>(place.in(layout, space), q + at, k + at, v + at, seed, threshold, scale,
                     probs + place.first_prob, out + place.out_at(layout, space));
  }
}

template <int NV>
SPOTLIGHT_VECTOR_INLINE void backward_all(const Layout& layout, const float* q, const float* k, const float* v,
                                          const float* probs, const float* grad_out, uint64_t seed, double p,
                                          float* grad_q, float* grad_k, float* grad_v) {
  const float threshold = threshold_of(p);
  const float scale = scale_of(p);
  Workspace space(layout);
  for (Place place; place.valid(layout); place.next(layout)) {
    const int64_t at = place.in_at(layout, space);
    backward_head<NV>(place.in(layout, space), q + at, k + at, v + at, probs + place.first_prob,
                      grad_out + place.out_at(layout, space), seed, threshold, scale, grad_q + at, grad_k + at,
                      grad_v + at);
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
