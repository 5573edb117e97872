// The structured activations: softmax, log_softmax, softmin, glu, maxout and prelu, forward
// and backward, written once over the vector type V and compiled once per ISA.
// Fragment: included by isa_*.cpp inside the ISA's anonymous namespace, after
// activations-inl.hpp (it reuses Sigmoid and math-inl's exp). The signatures and layouts
// are in common/structured_table.hpp; the bindings cut the arrays into pieces by their
// shape alone and call these kernels from the OpenMP driver in bindings/structured.cpp.
//
// Rules kept here as in the elementwise loops: partial vectors are masked loads/stores (no
// scalar epilogue, no access past the end); every reduction runs in one fixed order that
// depends only on the piece's shape, so results are the same for every thread count.
// Horizontal reductions go through a small stack array in a fixed pairwise order.
//
// Helper names start with st_ to stay clear of the elementwise fragments. The kernels are
// [[gnu::flatten]]: everything they call is inlined (GCC otherwise keeps the exp helper, which
// returns three vectors through memory, out of line in the hot loops: 25% slower).

// ---------------------------------------------------------------------------------------
// Helpers.

inline std::size_t st_at_most(std::size_t n, std::size_t cap) { return n < cap ? n : cap; }

// Lanes [0, m) of a vector at p (a full load when m == kLanes).
template <class V>
V st_load(const typename V::T* p, std::size_t m) {
  return m == V::kLanes ? V::load(p) : V::load_n(p, m);
}
template <class V>
void st_store(V v, typename V::T* p, std::size_t m) {
  if (m == V::kLanes) {
    v.store(p);
  } else {
    v.store_n(p, m);
  }
}

// Calls f(i, m) for the vectors of [0, n) in order: m = kLanes lanes, the last one possibly
// fewer. Four full vectors per step, where m is a constant and the loads and stores are
// plain: a test of m in every vector's body also keeps the vectors' operation chains from
// interleaving (float32, Zen 3, one thread: prelu on (64, 16, 64) 3.8 -> 5.2 Gelem/s; the
// backward from y over rows of 1000: softmax 2.3 -> 3.3, log_softmax 0.91 -> 1.24).
template <class V, class F>
void st_for_vectors(std::size_t n, const F& f) {
  constexpr std::size_t L = V::kLanes;
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    f(i, L);
    f(i + L, L);
    f(i + 2 * L, L);
    f(i + 3 * L, L);
  }
  for (; i + L <= n; i += L) f(i, L);
  if (i < n) f(i, n - i);
}

// 0, 1, 2, ... as T: the lane indices (constant data, so no store-to-load forwarding stall).
template <class T>
constexpr T kStLaneIndex[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

// The mask of lanes [0, m).
template <class V>
typename V::Mask st_lanes_below(std::size_t m) {
  static_assert(V::kLanes <= 16, "kStLaneIndex covers 16 lanes");
  using T = typename V::T;
  return V::load(kStLaneIndex<T>) < V::set(static_cast<T>(m));
}

// Lanes [0, m) of p[0], p[stride], p[2 stride], ...: a contiguous load when stride == 1,
// otherwise gathered through a stack array (the vector interface has no gather).
template <class V>
V st_load_strided(const typename V::T* p, std::size_t stride, std::size_t m) {
  if (stride == 1) return st_load<V>(p, m);
  typename V::T buf[V::kLanes];
  for (std::size_t l = 0; l < m; ++l) buf[l] = p[l * stride];
  return V::load_n(buf, m);
}
template <class V>
void st_store_strided(V v, typename V::T* p, std::size_t stride, std::size_t m) {
  if (stride == 1) {
    st_store(v, p, m);
    return;
  }
  typename V::T buf[V::kLanes];
  v.store(buf);
  for (std::size_t l = 0; l < m; ++l) p[l * stride] = buf[l];
}

// Sum / max of the lanes, pairwise in a fixed order.
template <class V>
typename V::T st_reduce_add(V v) {
  typename V::T lanes[V::kLanes];
  v.store(lanes);
  for (std::size_t w = V::kLanes / 2; w > 0; w /= 2)
    for (std::size_t i = 0; i < w; ++i) lanes[i] = lanes[i] + lanes[i + w];
  return lanes[0];
}
// For vectors without NaN (the running maxima below never hold one).
template <class V>
typename V::T st_reduce_max(V v) {
  return reduce_max(v);
}

// a + b = s + err exactly for any a, b (Knuth's TwoSum; NaN err when s is not finite).
template <class V>
TwoSum<V> st_two_sum(V a, V b) {
  const V s = a + b;
  const V bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

// ---------------------------------------------------------------------------------------
// softmax(x)_i = exp(x_i - m) / S,  m = max_j x_j,  S = sum_j exp(x_j - m)
// log_softmax(x)_i = (x_i - m) - log(S)
// softmin(x) = softmax(-x)
//
// Derivatives (vector-Jacobian products with the upstream gradient g):
//   softmax:      dx = y * (g - sum(g * y))
//   log_softmax:  dx = g - exp(y) * sum(g)          (exp(y) = softmax(x))
//   softmin:      dx = -(y * (g - sum(g * y)))      (y = softmin(x))
// From x the forward output is recomputed first (three passes as the forward; the sum of
// g * y is formed as sum(g * e) / S).
//
// Stability: the row maximum is subtracted, so exp never overflows (logits of +-1e4 or
//   +-FLT_MAX are fine) and the largest term is exactly 1.
// Accuracy: each term exp(x - m) is computed from an exact argument: either exp(x) 2^-q
//   (rows or columns whose maximum is moderate, StScaledExp, StColumnExp) or exp(z + z_lo)
//   with z = x - m carried as an exact two-term sum (StShiftedExp: a rounded z would lose
//   |z| ulp, as exp turns its absolute error into a relative one). S is a compensated sum
//   (StUnitSum keeps every term's rounding error; the lanes are added with a tree of exact
//   TwoSums), so it is accurate to about 1 ulp for any row length instead of
//   O(len / kLanes) ulp; e / S is one corrected quotient. log(S) is log1p((k - 1) + s), k the
//   number of terms equal to 1 (x == m) and s the sum of the others, so log_softmax keeps its
//   relative accuracy when one logit dominates (log S ~ s). The sums of the backward passes
//   (signed terms) are blocked: kStBlockVecs plain adds, then an exact TwoSum per block.
//   Error <= 4 ulp. Measured max (tools/structured_accuracy.py, two sweeps: every ISA,
//   float32 / float64, rows of 7 to 30000 along and across the axis, logits N(c, s^2) for
//   s = 0.5 ... 50 and c = -10, 0, 40, with and without a logit dominating by e^20): softmax
//   3.2 / 3.2 ulp, softmin 3.2 / 3.3, log_softmax 3.7 / 3.5 (float32: rows of 7 on the
//   one-lane scalar ISA, y = -log1p(s) at the maximum carrying the roundings of s's terms
//   and sums); where log_softmax's y is subnormal (a logit dominating by ~87 in float32),
//   5.8 units of the smallest subnormal (rows of 10), the
//   terms of s having been rounded to that grid. The scaled terms' top value carries exp's
//   rounding into S, which the exactly-1 top terms of the shifted form did not (2.6 ulp with
//   that form everywhere, 30% slower). Before the dominated-sum fix above, the same sweep
//   found log_softmax at 263 ulp (a column of 30000, scalar ISA). For comparison PyTorch
//   2.13 (float32): softmax 65 ulp, log_softmax up to 1.5e7 ulp on rows of N(0, s^2).
//   tests/test_structured.py asserts 4 ulp.
// Special values (as PyTorch): a NaN or a +inf in a row makes the whole row NaN
//   (inf - inf); -inf entries give 0 (softmax) / -inf (log_softmax) while a finite entry
//   exists; a row of only -inf is NaN. softmin mirrors it on -x. A length-1 row is
//   softmax 1, log_softmax 0 (for finite x).
// Vectorisation: along the row when the axis is the last (inner == 1): a pass for the max,
//   a fused pass exp(x - m) -> y and its sum, a scaling pass; across columns otherwise, with
//   running per-column maxima and sums over the axis, kStColVecs vectors of columns at a time.
//   Rows of a few vectors go through the column kernels too, transposed a block at a time
//   (short rows in lockstep, below).

// The columns of a column-form block: up to kStColVecs vectors, the last possibly partial.
constexpr std::size_t kStColVecs = 4;
// Vectors per block of a blocked sum (half per accumulator) between two exact TwoSums:
// the block's own rounding error stays within ~kStBlockVecs/4 + 1 ulp of its terms.
constexpr std::size_t kStBlockVecs = 8;

template <class V, bool Neg>
V st_load_signed(const typename V::T* p, std::size_t m) {
  const V v = st_load<V>(p, m);
  if constexpr (Neg) {
    return -v;
  } else {
    return v;
  }
}

// A blocked compensated sum, lane by lane: each block (a plain vector sum of at most
// kStBlockVecs terms) is added to hi with an exact TwoSum whose error goes to lo.
template <class V>
struct StSum {
  V hi, lo;
  static StSum zero() { return {V::set(0), V::set(0)}; }
  void add_block(V b) {
    const TwoSum<V> t = st_two_sum(hi, b);
    hi = t.s;
    lo = lo + t.err;
  }
  // hi + lo; hi itself where lo is NaN from an infinite hi (the sum is inf or NaN anyway).
  V value() const { return select(is_nan(lo), hi, hi + lo); }
};

// log S = log1p((count - 1) + rest) per lane (the column form's log_softmax; count >= 1
// top terms, rest the sum of the others). float32: formed in float64, the sum's parts
// widened before they are added and a vector log1p there (as the row form's scalar log1p in
// double); float64: the C library's log1p per lane (a vector log1p in float64 itself would
// add its own ulp to y).
inline VecF32 st_log_sum_lanes(VecF32 count, const StSum<VecF32>& rest) {
  const WidePair c = widen(count), h = widen(rest.hi), l = widen(rest.lo);
  const VecF64 one = VecF64::set(1);
  // A NaN low part comes from an infinite high part (a NaN row): the high part decides.
  auto log_sum = [&](VecF64 ch, VecF64 hh, VecF64 lh) {
    const VecF64 r = select(is_nan(lh), hh, hh + lh);
    return log1p_nonnegative((ch - one) + r);
  };
  return narrow({log_sum(c.lo, h.lo, l.lo), log_sum(c.hi, h.hi, l.hi)});
}
inline VecF64 st_log_sum_lanes(VecF64 count, const StSum<VecF64>& rest) {
  double lanes[VecF64::kLanes];
  ((count - VecF64::set(1)) + rest.value()).store(lanes);
  for (double& v : lanes) v = ::log1p(v);  // glibc: < 1 ulp
  return VecF64::load(lanes);
}

// The sum of all lanes of an StSum, in a fixed order. float32: the lanes' high and low parts
// added in double, pairwise (reduce_sum_wide; the result is within about half an ulp of
// float32), a few shuffles and adds where the TwoSum tree below takes ~100 operations, once
// or twice per row.
// float64: a pairwise tree of exact TwoSums (depth log2 kLanes), the errors and low parts
// added at the end.
template <class V>
typename V::T st_reduce_sum(const StSum<V>& s) {
  using T = typename V::T;
  if constexpr (std::is_same_v<T, float>) {
    const double h = reduce_sum_wide(s.hi), l = reduce_sum_wide(s.lo);
    // A NaN low part comes from an infinite high part, which decides the sum alone.
    return static_cast<T>(l != l ? h : h + l);
  } else {
    T hi[V::kLanes], lo[V::kLanes];
    s.hi.store(hi);
    s.lo.store(lo);
    for (std::size_t w = V::kLanes / 2; w > 0; w /= 2) {
      for (std::size_t l = 0; l < w; ++l) {
        const TwoSum<T> t = st_two_sum(hi[l], hi[l + w]);
        lo[l] = (lo[l] + lo[l + w]) + t.err;
        hi[l] = t.s;
      }
    }
    return lo[0] != lo[0] ? hi[0] : hi[0] + lo[0];
  }
}

// A compensated sum of terms in [0, Bias] (the exponentials, see StShiftedExp and
// StScaledExp), lane by lane: every lane starts at the bias, a power of two, so hi >= Bias
// >= e and Fast2Sum's error term e - (s - hi) is exact: 3 operations per added vector where
// Knuth's TwoSum needs 6. The bias comes off exactly in the reduction (hi - Bias is exact
// while ulp(hi) <= Bias, i.e. hi < 2^24 Bias in float32: any row shorter than 2^24 elements
// per lane).
template <class V, int Bias = 1>
struct StUnitSum {
  V hi, lo;
  static StUnitSum start() { return {V::set(Bias), V::set(0)}; }
  void add(V e) {
    const V s = hi + e;
    lo = lo + (e - (s - hi));
    hi = s;
  }
  // The lane sums as an StSum (bias removed), for lane-wise use.
  StSum<V> unbiased() const { return {hi - V::set(Bias), lo}; }
  // Adds another such sum (its bias removed exactly, the addition with an exact TwoSum).
  void merge(const StUnitSum& o) {
    const TwoSum<V> t = st_two_sum(hi, o.hi - V::set(Bias));
    hi = t.s;
    lo = (lo + o.lo) + t.err;
  }
};

// The sum of all lanes of two StUnitSums (the two accumulators of a row).
template <class V, int Bias>
typename V::T st_reduce_unit(const StUnitSum<V, Bias>& a, const StUnitSum<V, Bias>& b) {
  StSum<V> s = a.unbiased();
  const StSum<V> t = b.unbiased();
  s.add_block(t.hi);
  s.lo = s.lo + t.lo;
  return st_reduce_sum(s);
}

// z = x - m as z + z_lo exactly. Where z is not finite the TwoSum error is NaN; max(err, -1)
// turns it into -1 (max returns its second operand when the first is NaN) and leaves every
// finite error (|err| <= ulp(z)/2) alone. -1 is harmless there: z = -inf is below the range
// of exp_parts_nonpositive (exp gives 0) and -inf - 1 = -inf, and a NaN z stays NaN. One
// operation where a NaN test and a blend would take two.
template <class V>
TwoSum<V> st_shifted(V x, V m) {
  const TwoSum<V> d = st_two_sum(x, -m);
  return {d.s, max(d.err, V::set(-1))};
}

// exp(x - m), with z = x - m and its rounding error z_lo: math-inl's exp of the two-term
// argument z + z_lo (z <= 0 or NaN), z_lo taken into the reduced argument, so it keeps exp's
// accuracy (about 0.75 ulp) where a rounded z would lose |z| ulp.
template <class V>
struct StExpTerm {
  V z, z_lo, e;
};
template <class V>
StExpTerm<V> st_exp_term(V x, V m) {
  const TwoSum<V> d = st_shifted(x, m);
  const ExpParts<V> e = exp_parts_nonpositive(d.s, d.err);
  return {d.s, d.err, ldexp(e.mantissa, e.exponent)};
}

// The terms of a row whose maximum is m, exp(x - m) up to a constant factor (softmax and
// softmin divide it out; log_softmax divides by `top`, the terms' value at x = m). Two ways,
// chosen per row:
// - StShiftedExp: exp(z + z_lo) <= 1 with z + z_lo = x - m exactly (st_exp_term): any m;
//   the top terms are exactly 1.
// - StScaledExp: exp(x) 2^-q with q = round(m log2e) - 1, so the top terms are in
//   [2^1/2, 2^3/2] (S >= 2^1/2: a quotient e / S is never larger than a subnormal e; with the
//   top below 1, a subnormal term's error was magnified into 3.6 ulp of a normal y), from
//   the exact argument x: Cody-Waite's reduction of x itself, and the scaling folded into
//   ldexp's exponent (n - q), so nothing overflows and a subnormal term is rounded once. No
//   TwoSum: 7 operations fewer per vector (rows of 1000 float32, Zen 4, one thread: softmax
//   2.0 -> 2.6 Gelem/s, softmin 1.8 -> 2.4, log_softmax 1.65 -> 1.9 with its cheaper last
//   pass, see st_log_softmax_row).
//   It needs n = round(x log2e) within Cody-Waite's exact range for every x that does not
//   underflow (x >= m + kMinArg): m in [StScaledExpRange::kMin, kMax]; typical logits are.
// Each term is within about 0.75 ulp either way; the quotients' bounds are under Accuracy
// above.
template <class T>
struct StScaledExpRange;
// kNormalSpan: where every x of the row lies within it of m (x - m >= kNormalSpan), every
// term's 2^(n - q) is a normal number (n - q >= -126 float32, -1022 float64, with a margin
// for the roundings of n and q), so one multiplication scales it instead of ldexp's two
// (StScaledExp<V, true>): the same bits, six operations fewer per vector on AVX2 (rows of
// 1000 float32 on Zen 3, one thread: softmax 1.19 -> 1.40 Gelem/s, log_softmax 1.08 -> 1.22,
// the backward from x 0.92 -> 1.08; the same builds interleaved in one process). Rows of
// typical logits qualify; the row's minimum comes with its maximum (st_row_range).
template <>
struct StScaledExpRange<float> {  // |n| <= 160: x in [m - 104, m] for m in [-6, 100]
  static constexpr float kMin = -6.0f, kMax = 100.0f, kNormalSpan = -85.0f;
};
template <>
struct StScaledExpRange<double> {  // |n| <= 1100: x in [m - 746, m] for m in [-16, 700]
  static constexpr double kMin = -16.0, kMax = 700.0, kNormalSpan = -700.0;
};

// exp(x) 2^-q for x >= lo (below, the clamp: terms that round to +0), see StScaledExp;
// kNormal: every x of the row within kNormalSpan of m (above lo: no clamp needed).
template <bool kNormal = false, class V>
V st_scaled_term(V x, V lo, V q) {
  if constexpr (kNormal) {
    const Ln2Reduction<V> t = reduce_ln2(x);
    return exp_reduced(t.r) * pow2_integral(t.n - q);
  } else {
    const Ln2Reduction<V> t = reduce_ln2(max(lo, x));
    return ldexp(exp_reduced(t.r), t.n - q);
  }
}

template <class V>
struct StShiftedExp {
  static constexpr bool kScaled = false;
  static constexpr int kBias = 1;  // the terms' bound, for StUnitSum
  V m;
  double top_exact() const { return 1.0; }  // exp(m - m)
  V operator()(V x) const { return st_exp_term(x, m).e; }
};
template <class V, bool kNormal = false>
struct StScaledExp {
  static constexpr bool kScaled = true;
  static constexpr int kBias = 4;
  V lo, q;
  typename V::T m, q_scalar;
  static bool applies(typename V::T m) {
    return m >= StScaledExpRange<typename V::T>::kMin && m <= StScaledExpRange<typename V::T>::kMax;
  }
  explicit StScaledExp(typename V::T mx) {
    using T = typename V::T;
    using C = ExpConstants<T>;
    // Below lo = m + kMinArg every term rounds to +0; the clamp keeps -inf out of the
    // reduction (NaN passes: max returns its second operand).
    lo = V::set(mx + C::kMinArg);
    m = mx;
    q_scalar = std::nearbyint(mx * C::kLog2e) - T(1);
    q = V::set(q_scalar);
  }
  // exp(m) 2^-q, the terms' value at x = m, within an ulp of double: a libm call, made by
  // log_softmax only (softmax and softmin divide the scale out).
  double top_exact() const {
    return std::ldexp(std::exp(static_cast<double>(m)), -static_cast<int>(q_scalar));
  }
  V operator()(V x) const { return st_scaled_term<kNormal>(x, lo, q); }
};

// The column kernels' terms for softmax and softmin, per lane: StScaledExp's form where
// the lane's maximum m lies in StScaledExpRange (the same q, clamp and bits as the row
// form's), StShiftedExp's elsewhere. A block whose lanes all qualify (typical logits) runs
// the scaled form alone; a mixed block computes both and picks per lane, so a lane's result
// depends on its own column only, never on the columns it is batched with. Terms lie in
// [0, 2^3/2] either way (the unit sum's bias below). log_softmax's columns keep the shifted
// form (their scaled form would need the top term's exact value per lane). Columns of 64
// float32 (one thread, Zen 4): softmax 2.2 -> 2.5 Gelem/s, backward from x 1.9 -> 2.0; rows
// of 10 in lockstep: softmax 1.34 -> 1.41.
template <class V>
struct StColumnExp {
  static constexpr int kBias = StScaledExp<V>::kBias;
  V m, lo, q;
  typename V::Mask scaled;
  bool all_scaled, any_scaled;
  StColumnExp() = default;
  explicit StColumnExp(V mv) : m(mv) {
    using T = typename V::T;
    using C = ExpConstants<T>;
    using Range = StScaledExpRange<T>;
    scaled = (mv >= V::set(Range::kMin)) & (mv <= V::set(Range::kMax));
    all_scaled = !any(!scaled);
    any_scaled = any(scaled);
    lo = mv + V::set(C::kMinArg);
    q = round_even(mv * V::set(C::kLog2e)) - V::set(T(1));
  }
  V operator()(V x) const {
    if (all_scaled) return st_scaled_term(x, lo, q);
    const V shifted = st_exp_term(x, m).e;
    return any_scaled ? select(scaled, st_scaled_term(x, lo, q), shifted) : shifted;
  }
};

// e / S with one corrected quotient: q = e * (1/S), then the exact residual e - q*S.
template <class V>
V st_divide(V e, V s, V rcp) {
  const V q = e * rcp;
  return fma(fnma(q, s, e), rcp, q);
}

// The backward formulas from y (or from the recomputed y) and the row's sum d.
template <class V, SoftmaxKind K>
V st_softmax_grad(V y, V g, V d) {
  if constexpr (K == SoftmaxKind::log_softmax) {
    return fnma(y, d, g);  // g - softmax * sum(g); y here is softmax(x) = exp(log_softmax)
  } else if constexpr (K == SoftmaxKind::softmin) {
    return -(y * (g - d));
  } else {
    return y * (g - d);
  }
}

// The maximum and the minimum of a row (NaN entries ignored; -inf and +inf for an all-NaN
// row).
template <class T>
struct StRowRange {
  T max, min;
};
template <class V, bool Neg>
StRowRange<typename V::T> st_row_range(const typename V::T* x, std::size_t n) {
  using T = typename V::T;
  constexpr std::size_t L = V::kLanes;
  const V inf = V::set(std::numeric_limits<T>::infinity()), ninf = -inf;
  V a0 = ninf, a1 = ninf, a2 = ninf, a3 = ninf, b0 = inf, b1 = inf;
  std::size_t i = 0;
  // max(v, acc), min(v, acc): a NaN v leaves acc unchanged, so the accumulators never hold
  // NaN.
  for (; i + 4 * L <= n; i += 4 * L) {
    const V v0 = st_load_signed<V, Neg>(x + i, L), v1 = st_load_signed<V, Neg>(x + i + L, L);
    const V v2 = st_load_signed<V, Neg>(x + i + 2 * L, L);
    const V v3 = st_load_signed<V, Neg>(x + i + 3 * L, L);
    a0 = max(v0, a0);
    a1 = max(v1, a1);
    a2 = max(v2, a2);
    a3 = max(v3, a3);
    b0 = min(v0, min(v1, b0));
    b1 = min(v2, min(v3, b1));
  }
  for (; i + L <= n; i += L) {
    const V v = st_load_signed<V, Neg>(x + i, L);
    a0 = max(v, a0);
    b0 = min(v, b0);
  }
  if (i < n) {
    const V v = st_load_signed<V, Neg>(x + i, n - i);
    const typename V::Mask active = st_lanes_below<V>(n - i);
    a1 = max(select(active, v, ninf), a1);
    b1 = min(select(active, v, inf), b1);
  }
  return {st_reduce_max(max(max(a0, a1), max(a2, a3))), -st_reduce_max(-min(b0, b1))};
}

// A row's maximum and the form of its terms (StScaledExp, normal or not, or StShiftedExp):
// run(mx, exp_term).
template <class V, bool Neg, class Run>
void st_with_row_terms(const typename V::T* x, std::size_t n, const Run& run) {
  using T = typename V::T;
  const StRowRange<T> r = st_row_range<V, Neg>(x, n);
  if (!StScaledExp<V>::applies(r.max)) {
    run(r.max, StShiftedExp<V>{V::set(r.max)});
  } else if (r.min - r.max >= StScaledExpRange<T>::kNormalSpan) {
    run(r.max, StScaledExp<V, true>(r.max));
  } else {
    run(r.max, StScaledExp<V>(r.max));
  }
}

// ---- Row form (axis last, contiguous) ------------------------------------------------------

// Walks a row of n elements in blocks of kStBlockVecs vectors: begin() before each block,
// body(i, w, slot) for the vector at i (w lanes: L except possibly the very last; slots
// 0..kStSlots-1 take turns so that independent accumulators hide the add latency), end()
// after each block.
constexpr int kStSlots = 4;
static_assert(kStBlockVecs % kStSlots == 0, "a block is whole rounds of the slots");
template <class V, class Begin, class Body, class End>
void st_row_blocks(std::size_t n, const Begin& begin, const Body& body, const End& end) {
  constexpr std::size_t L = V::kLanes;
  std::size_t i = 0;
  while (i < n) {
    const std::size_t stop = n - i > kStBlockVecs * L ? i + kStBlockVecs * L : n;
    begin();
    for (; i + kStSlots * L <= stop; i += kStSlots * L)
      for (int k = 0; k < kStSlots; ++k) body(i + static_cast<std::size_t>(k) * L, L, k);
    // At most kStSlots vectors remain (the last maybe partial). Unrolled, each copy's slot is
    // a constant, so the callers' slot arrays can live in registers (a run-time index kept
    // them in memory, in the main loop too).
#pragma GCC unroll 4
    for (int k = 0; k < kStSlots; ++k) {
      if (i >= stop) break;
      body(i, stop - i < L ? stop - i : L, k);
      i += L;
    }
    end();
  }
}

// The slots' partial sums, added pairwise.
template <class V>
V st_slot_sum(const V (&part)[kStSlots]) {
  return (part[0] + part[1]) + (part[2] + part[3]);
}
template <class V>
void st_slot_zero(V (&part)[kStSlots]) {
  for (V& p : part) p = V::set(0);
}

// softmax / softmin's forward pass over a row once its terms are known: e = exp_term(+-x)
// goes to y with its compensated sum S, then y = e / S.
template <class V, bool Neg, class ExpTerm>
void st_softmax_row_terms(const typename V::T* x, typename V::T* y, std::size_t n,
                          const ExpTerm& exp_term) {
  constexpr std::size_t L = V::kLanes;
  using Sum = StUnitSum<V, ExpTerm::kBias>;
  const V zero = V::set(0);
  Sum s0 = Sum::start(), s1 = Sum::start();
  std::size_t i = 0;
  // Four terms per step, in the two sums alternately (the order of two vectors per step: the
  // same bits), so that four exp chains interleave.
  for (; i + 4 * L <= n; i += 4 * L) {
    V e[4];
    for (std::size_t k = 0; k < 4; ++k) e[k] = exp_term(st_load_signed<V, Neg>(x + i + k * L, L));
    for (std::size_t k = 0; k < 4; ++k) e[k].store(y + i + k * L);
    s0.add(e[0]);
    s1.add(e[1]);
    s0.add(e[2]);
    s1.add(e[3]);
  }
  if (i + 2 * L <= n) {
    const V a = exp_term(st_load_signed<V, Neg>(x + i, L));
    const V b = exp_term(st_load_signed<V, Neg>(x + i + L, L));
    a.store(y + i);
    b.store(y + i + L);
    s0.add(a);
    s1.add(b);
    i += 2 * L;
  }
  if (i + L <= n) {
    const V a = exp_term(st_load_signed<V, Neg>(x + i, L));
    a.store(y + i);
    s0.add(a);
    i += L;
  }
  if (i < n) {
    const V a = exp_term(st_load_signed<V, Neg>(x + i, n - i));
    const V e = keep_where(st_lanes_below<V>(n - i), a);
    e.store_n(y + i, n - i);
    s1.add(e);
  }
  const V s = V::set(st_reduce_unit(s0, s1));
  const V rcp = V::set(1) / s;
  st_for_vectors<V>(n, [&](std::size_t j, std::size_t w) {
    st_store(st_divide(st_load<V>(y + j, w), s, rcp), y + j, w);
  });
}

// log_softmax's passes over a row with maximum mx once its terms are known: exp_term(x) is
// `top` (exactly 1 for StShiftedExp, exp(m) 2^-q for StScaledExp) where x == m. Those are
// counted apart (k) and the others summed (s), so that log S = log1p((k - 1) + s / top) keeps
// its relative accuracy when one logit dominates (S ~ 1 + tiny). That s is then y itself
// (y = -log1p(s) at the maximum), so it is not the unit sum, whose bias leaves terms far
// below 1 to a plain sum in its low part (3.1 ulp on the one-lane scalar ISA for a row
// dominated by e^25), but float32: a blocked sum (the four slots' pairwise sums of each block
// of kStBlockVecs vectors added with an exact TwoSum; log S is then formed in double),
// float64: an exact TwoSum per vector (the blocked sum and a log1p without extra precision
// reached 4.0 ulp). Then y = x - (m + log S)
// with m + log S as the exact pair c_hi + c_lo (a TwoSum), y = (x - c_hi) - c_lo: where y is
// small, x and c_hi are close and x - c_hi is exact (Sterbenz); elsewhere two roundings.
template <class T>
struct StLogSums {
  T rest;        // the sum of the terms below the maximum (s times top)
  double count;  // the number of terms at the maximum (k)
};
template <class V, class ExpTerm>
StLogSums<typename V::T> st_log_softmax_sums(const typename V::T* x, std::size_t n,
                                             typename V::T mx, const ExpTerm& exp_term) {
  using T = typename V::T;
  constexpr std::size_t L = V::kLanes;
  constexpr bool kExactRest = std::is_same_v<T, double>;
  const V zero = V::set(0), one = V::set(1), m = V::set(mx);
  StSum<V> s0 = StSum<V>::zero();
  V part[kStSlots];
  st_slot_zero(part);
  // The count of terms at the maximum, per lane: one accumulator (its adds are off the exp
  // chains, and every register the slots leave free keeps a constant of exp's out of
  // memory), whose lanes are added to `count` in double before a float32 lane could pass
  // 2^24 (integers stay exact in any order).
  V tops = zero;
  double count = 0;
  const auto flush_tops = [&] {
    if constexpr (kExactRest) {
      count += st_reduce_add(tops);
    } else {
      count += reduce_sum_wide(tops);
    }
    tops = zero;
  };
  constexpr std::size_t kTopsFlushBlocks = std::size_t(1) << 20;  // 2^23 vectors
  // A vector's terms below the maximum and its count of terms at it, by bit operations on
  // the compare's mask (blends take the FMA pipes on Zen 3).
  struct Split {
    V rest, top;
  };
  const auto split = [&](V xv) {
    const typename V::Mask is_top = xv == m;
    return Split{zero_where(is_top, exp_term(xv)), keep_where(is_top, one)};
  };
  // float32: the whole blocks first, their slots in registers (GCC kept the walk's slot
  // arrays in memory; log_softmax on rows of 1000: +6% over the walk with its unrolled
  // tail, +18% over the walk before that), then the rest, at most one block, by the walk:
  // the same sums in the same order (the count is an exact integer in any order).
  std::size_t start = 0;
  if constexpr (!kExactRest) {
    std::size_t blocks = 0;
    for (; start + kStBlockVecs * L <= n; start += kStBlockVecs * L) {
      V block[kStSlots];
      st_slot_zero(block);
#pragma GCC unroll 8
      for (std::size_t k = 0; k < kStBlockVecs; ++k) {
        const Split t = split(V::load(x + start + k * L));
        block[k % kStSlots] = block[k % kStSlots] + t.rest;
        tops = tops + t.top;
      }
      s0.add_block(st_slot_sum(block));
      if (++blocks == kTopsFlushBlocks) {
        flush_tops();
        blocks = 0;
      }
    }
  }
  st_row_blocks<V>(
      n - start, [&] {},
      [&](std::size_t at, std::size_t w, int slot) {
        Split t = split(st_load<V>(x + start + at, w));
        if (w < L) {
          const typename V::Mask active = st_lanes_below<V>(w);
          t = {keep_where(active, t.rest), keep_where(active, t.top)};
        }
        if constexpr (kExactRest) {
          s0.add_block(t.rest);
        } else {
          part[slot] = part[slot] + t.rest;
        }
        tops = tops + t.top;
      },
      [&] {
        if constexpr (!kExactRest) {
          s0.add_block(st_slot_sum(part));
          st_slot_zero(part);
        }
      });
  flush_tops();
  return {st_reduce_sum(s0), count};
}
// The last pass: y = (x - c_hi) - c_lo with c_hi + c_lo = mx + log_sum exactly.
template <class V>
void st_log_softmax_shift(const typename V::T* x, typename V::T* y, std::size_t n,
                          typename V::T mx, typename V::T log_sum) {
  using T = typename V::T;
  const TwoSum<T> c = st_two_sum(mx, log_sum);
  const V hi = V::set(c.s), lo = V::set(c.err);
  st_for_vectors<V>(n, [&](std::size_t i, std::size_t w) {
    st_store((st_load<V>(x + i, w) - hi) - lo, y + i, w);
  });
}
template <class V, class ExpTerm>
void st_log_softmax_row(const typename V::T* x, typename V::T* y, std::size_t n,
                        typename V::T mx, const ExpTerm& exp_term) {
  using T = typename V::T;
  const StLogSums<T> s = st_log_softmax_sums<V>(x, n, mx, exp_term);
  const double rest_sum = static_cast<double>(s.rest) / exp_term.top_exact();
  st_log_softmax_shift<V>(x, y, n, mx, static_cast<T>(std::log1p((s.count - 1.0) + rest_sum)));
}

// float32 log_softmax over `rows` rows of n, VecF64::kLanes rows at a time: each row's
// maximum and sums as st_log_softmax_row, then log S = log1p((k - 1) + s / top) for the batch
// at once in float64 vector operations (the vector exp and log1p_nonnegative, as accurate in
// float64 as the libm calls, whose ~100 cycles a row were a third of a row of 100's time),
// then each row's last pass. One thread, Zen 4: rows of 100 1.05 -> 1.35 Gelem/s, rows of
// 1000 2.34 -> 2.55.
// float64 rows keep the libm calls: no wider type absorbs a vector log1p's own ulp there.
template <class V>
void st_log_softmax_rows_float(const float* x, float* y, std::size_t rows, std::size_t n) {
  constexpr std::size_t B = VecF64::kLanes;
  for (std::size_t r0 = 0; r0 < rows; r0 += B) {
    const std::size_t nb = st_at_most(rows - r0, B);
    float mx[B];
    // Unused lanes: count 1, rest 0, top 1 (log S = 0, never read).
    double count[B] = {}, rest[B] = {}, top_arg[B] = {}, top_shift[B] = {};
    for (std::size_t b = 0; b < B; ++b) count[b] = 1;
    for (std::size_t b = 0; b < nb; ++b) {
      const float* xr = x + (r0 + b) * n;
      st_with_row_terms<V, false>(xr, n, [&](float m, const auto& e) {
        const StLogSums<float> s = st_log_softmax_sums<V>(xr, n, m, e);
        mx[b] = m;
        if constexpr (std::decay_t<decltype(e)>::kScaled) {
          top_arg[b] = m;
          top_shift[b] = e.q_scalar;
        }
        count[b] = s.count;
        rest[b] = s.rest;
      });
    }
    const VecF64 top = ldexp(exp(VecF64::load(top_arg)), -VecF64::load(top_shift));
    const VecF64 a = (VecF64::load(count) - VecF64::set(1)) + VecF64::load(rest) / top;
    double log_sum[B];
    log1p_nonnegative(a).store(log_sum);
    for (std::size_t b = 0; b < nb; ++b)
      st_log_softmax_shift<V>(x + (r0 + b) * n, y + (r0 + b) * n, n, mx[b],
                              static_cast<float>(log_sum[b]));
  }
}

// Forward, one row of n >= 1 elements.
template <class V, SoftmaxKind K>
[[gnu::flatten]] void st_softmax_row(const typename V::T* x, typename V::T* y, std::size_t n) {
  using T = typename V::T;
  constexpr bool Neg = K == SoftmaxKind::softmin;
  st_with_row_terms<V, Neg>(x, n, [&](T mx, const auto& exp_term) {
    if constexpr (K == SoftmaxKind::log_softmax) {
      st_log_softmax_row<V>(x, y, n, mx, exp_term);
    } else {
      st_softmax_row_terms<V, Neg>(x, y, n, exp_term);
    }
  });
}

// Backward from the output y, one row.
template <class V, SoftmaxKind K>
[[gnu::flatten]] void st_softmax_row_backward_y(const typename V::T* g, const typename V::T* y,
                               typename V::T* dx, std::size_t n) {
  constexpr std::size_t L = V::kLanes;
  StSum<V> sum = StSum<V>::zero();
  V part[kStSlots];
  // Masked lanes load as 0 in both g and y, so they add nothing.
  st_row_blocks<V>(
      n, [&] { st_slot_zero(part); },
      [&](std::size_t i, std::size_t w, int slot) {
        const V gv = st_load<V>(g + i, w);
        if constexpr (K == SoftmaxKind::log_softmax) {
          part[slot] = part[slot] + gv;
        } else {
          part[slot] = fma(gv, st_load<V>(y + i, w), part[slot]);
        }
      },
      [&] { sum.add_block(st_slot_sum(part)); });
  const V d = V::set(st_reduce_sum(sum));
  st_for_vectors<V>(n, [&](std::size_t i, std::size_t w) {
    V yv = st_load<V>(y + i, w);
    if constexpr (K == SoftmaxKind::log_softmax) yv = exp_normal_when_possible(yv);
    st_store(st_softmax_grad<V, K>(yv, st_load<V>(g + i, w), d), dx + i, w);
  });
}

// Backward from the input x, one row: e = exp(x - m) goes to dx with the sums of e and of
// g*e (softmax, softmin) or of g (log_softmax), then dx = f(y = e / S, g).
template <class V, SoftmaxKind K, class ExpTerm>
void st_softmax_row_backward_x_terms(const typename V::T* g, const typename V::T* x,
                                     typename V::T* dx, std::size_t n, const ExpTerm& exp_term) {
  using T = typename V::T;
  constexpr std::size_t L = V::kLanes;
  constexpr bool Neg = K == SoftmaxKind::softmin;
  using Sum = StUnitSum<V, ExpTerm::kBias>;
  const V zero = V::set(0);
  Sum ssum[kStSlots];
  for (Sum& u : ssum) u = Sum::start();
  StSum<V> dsum = StSum<V>::zero();
  V dpart[kStSlots];
  st_row_blocks<V>(
      n, [&] { st_slot_zero(dpart); },
      [&](std::size_t i, std::size_t w, int slot) {
        V e = exp_term(st_load_signed<V, Neg>(x + i, w));
        if (w < L) e = keep_where(st_lanes_below<V>(w), e);
        const V gv = st_load<V>(g + i, w);
        st_store(e, dx + i, w);
        ssum[slot].add(e);
        if constexpr (K == SoftmaxKind::log_softmax) {
          dpart[slot] = dpart[slot] + gv;
        } else {
          dpart[slot] = fma(gv, e, dpart[slot]);
        }
      },
      [&] { dsum.add_block(st_slot_sum(dpart)); });
  Sum s01 = ssum[0];
  s01.merge(ssum[1]);
  Sum s23 = ssum[2];
  s23.merge(ssum[3]);
  const T s = st_reduce_unit(s01, s23);
  const T ds = st_reduce_sum(dsum);
  const V sv = V::set(s);
  const V rcp = V::set(1) / sv;
  // softmax: sum(g * y) = sum(g * e) / S; log_softmax: sum(g).
  const V d = V::set(K == SoftmaxKind::log_softmax ? ds : ds / s);
  st_for_vectors<V>(n, [&](std::size_t i, std::size_t w) {
    const V yv = st_divide(st_load<V>(dx + i, w), sv, rcp);
    st_store(st_softmax_grad<V, K>(yv, st_load<V>(g + i, w), d), dx + i, w);
  });
}
template <class V, SoftmaxKind K>
[[gnu::flatten]] void st_softmax_row_backward_x(const typename V::T* g, const typename V::T* x,
                               typename V::T* dx, std::size_t n) {
  st_with_row_terms<V, K == SoftmaxKind::softmin>(x, n, [&](auto, const auto& exp_term) {
    st_softmax_row_backward_x_terms<V, K>(g, x, dx, n, exp_term);
  });
}

// ---- Column form (axis not last): NV vectors of columns, the last of `last` lanes -------
// Every lane is a column of its own: lanes never mix, so any split of the columns gives the
// same bits. The sums run down the axis in blocks of kStBlockVecs rows.

// Calls begin(), then body(k) for rows k of a block, then end(), block after block.
template <class Begin, class Body, class End>
void st_col_blocks(std::size_t len, const Begin& begin, const Body& body, const End& end) {
  for (std::size_t k0 = 0; k0 < len; k0 += kStBlockVecs) {
    const std::size_t stop = len - k0 > kStBlockVecs ? k0 + kStBlockVecs : len;
    begin();
    for (std::size_t k = k0; k < stop; ++k) body(k);
    end();
  }
}

template <class V, bool Neg, std::size_t NV>
void st_col_max(const typename V::T* x, std::size_t len, std::size_t inner, std::size_t last,
                V* m) {
  using T = typename V::T;
  constexpr std::size_t L = V::kLanes;
  for (std::size_t v = 0; v < NV; ++v) m[v] = V::set(-std::numeric_limits<T>::infinity());
  for (std::size_t k = 0; k < len; ++k) {
    const T* row = x + k * inner;
    for (std::size_t v = 0; v < NV; ++v)
      m[v] = max(st_load_signed<V, Neg>(row + v * L, v + 1 == NV ? last : L), m[v]);
  }
}

template <class V, SoftmaxKind K, std::size_t NV>
[[gnu::flatten]] void st_softmax_cols(const typename V::T* x, typename V::T* y, std::size_t len,
                     std::size_t inner, std::size_t last) {
  using T = typename V::T;
  constexpr std::size_t L = V::kLanes;
  constexpr bool Neg = K == SoftmaxKind::softmin;
  const V zero = V::set(0);
  auto width = [last](std::size_t v) { return v + 1 == NV ? last : L; };
  V m[NV];
  st_col_max<V, Neg, NV>(x, len, inner, last, m);
  // Lanes past `last` hold values that are never stored.
  if constexpr (K == SoftmaxKind::log_softmax) {
    // As st_log_softmax_row, lane by lane: the terms below the maximum summed apart from the
    // top terms (counted), each with an exact TwoSum (a lane's blocked float32 sum adds a
    // block's terms one after another: 4.1 ulp for rows of 10 where the row form's slots
    // add two per block, 3.2); then y = (x - c_hi) - c_lo with c_hi + c_lo = m + log S.
    const V one = V::set(1);
    V count[NV];
    StSum<V> rest[NV];
    for (std::size_t v = 0; v < NV; ++v) {
      count[v] = zero;
      rest[v] = StSum<V>::zero();
    }
    for (std::size_t k = 0; k < len; ++k) {
      const T* row = x + k * inner;
      for (std::size_t v = 0; v < NV; ++v) {
        const V xv = st_load<V>(row + v * L, width(v));
        const typename V::Mask is_top = xv == m[v];
        rest[v].add_block(zero_where(is_top, st_exp_term(xv, m[v]).e));
        count[v] = count[v] + keep_where(is_top, one);
      }
    }
    V c_hi[NV], c_lo[NV];
    for (std::size_t v = 0; v < NV; ++v) {
      const TwoSum<V> c = st_two_sum(m[v], st_log_sum_lanes(count[v], rest[v]));
      c_hi[v] = c.s;
      c_lo[v] = c.err;
    }
    for (std::size_t k = 0; k < len; ++k) {
      const T* row = x + k * inner;
      T* out = y + k * inner;
      for (std::size_t v = 0; v < NV; ++v)
        st_store((st_load<V>(row + v * L, width(v)) - c_hi[v]) - c_lo[v], out + v * L, width(v));
    }
  } else {
    using Sum = StUnitSum<V, StColumnExp<V>::kBias>;
    Sum sum[NV];
    StColumnExp<V> exp_term[NV];
    for (std::size_t v = 0; v < NV; ++v) {
      sum[v] = Sum::start();
      exp_term[v] = StColumnExp<V>(m[v]);
    }
    for (std::size_t k = 0; k < len; ++k) {
      const T* row = x + k * inner;
      T* out = y + k * inner;
      for (std::size_t v = 0; v < NV; ++v) {
        const V e = exp_term[v](st_load_signed<V, Neg>(row + v * L, width(v)));
        st_store(e, out + v * L, width(v));
        sum[v].add(e);
      }
    }
    V s[NV], rcp[NV];
    for (std::size_t v = 0; v < NV; ++v) {
      s[v] = sum[v].unbiased().value();
      rcp[v] = V::set(1) / s[v];
    }
    for (std::size_t k = 0; k < len; ++k) {
      T* out = y + k * inner;
      for (std::size_t v = 0; v < NV; ++v)
        st_store(st_divide(st_load<V>(out + v * L, width(v)), s[v], rcp[v]), out + v * L,
                 width(v));
    }
  }
}

template <class V, SoftmaxKind K, std::size_t NV>
[[gnu::flatten]] void st_softmax_cols_backward_y(const typename V::T* g, const typename V::T* y,
                                typename V::T* dx, std::size_t len, std::size_t inner,
                                std::size_t last) {
  using T = typename V::T;
  constexpr std::size_t L = V::kLanes;
  const V zero = V::set(0);
  auto width = [last](std::size_t v) { return v + 1 == NV ? last : L; };
  V part[NV], d[NV];
  StSum<V> sum[NV];
  for (std::size_t v = 0; v < NV; ++v) sum[v] = StSum<V>::zero();
  st_col_blocks(
      len,
      [&] {
        for (std::size_t v = 0; v < NV; ++v) part[v] = zero;
      },
      [&](std::size_t k) {
        const T* gr = g + k * inner;
        const T* yr = y + k * inner;
        for (std::size_t v = 0; v < NV; ++v) {
          const V gv = st_load<V>(gr + v * L, width(v));
          if constexpr (K == SoftmaxKind::log_softmax) {
            part[v] = part[v] + gv;
          } else {
            part[v] = fma(gv, st_load<V>(yr + v * L, width(v)), part[v]);
          }
        }
      },
      [&] {
        for (std::size_t v = 0; v < NV; ++v) sum[v].add_block(part[v]);
      });
  for (std::size_t v = 0; v < NV; ++v) d[v] = sum[v].value();
  for (std::size_t k = 0; k < len; ++k) {
    const T* gr = g + k * inner;
    const T* yr = y + k * inner;
    T* out = dx + k * inner;
    for (std::size_t v = 0; v < NV; ++v) {
      V yv = st_load<V>(yr + v * L, width(v));
      if constexpr (K == SoftmaxKind::log_softmax) yv = exp_normal_when_possible(yv);
      st_store(st_softmax_grad<V, K>(yv, st_load<V>(gr + v * L, width(v)), d[v]), out + v * L,
               width(v));
    }
  }
}

template <class V, SoftmaxKind K, std::size_t NV>
[[gnu::flatten]] void st_softmax_cols_backward_x(const typename V::T* g, const typename V::T* x,
                                typename V::T* dx, std::size_t len, std::size_t inner,
                                std::size_t last) {
  using T = typename V::T;
  constexpr std::size_t L = V::kLanes;
  constexpr bool Neg = K == SoftmaxKind::softmin;
  const V zero = V::set(0);
  auto width = [last](std::size_t v) { return v + 1 == NV ? last : L; };
  using Sum = StUnitSum<V, StColumnExp<V>::kBias>;
  V m[NV], dpart[NV];
  Sum ssum[NV];
  StSum<V> dsum[NV];
  StColumnExp<V> exp_term[NV];
  st_col_max<V, Neg, NV>(x, len, inner, last, m);
  for (std::size_t v = 0; v < NV; ++v) {
    ssum[v] = Sum::start();
    dsum[v] = StSum<V>::zero();
    exp_term[v] = StColumnExp<V>(m[v]);
  }
  st_col_blocks(
      len,
      [&] {
        for (std::size_t v = 0; v < NV; ++v) dpart[v] = zero;
      },
      [&](std::size_t k) {
        const T* row = x + k * inner;
        const T* gr = g + k * inner;
        T* out = dx + k * inner;
        for (std::size_t v = 0; v < NV; ++v) {
          const V e = exp_term[v](st_load_signed<V, Neg>(row + v * L, width(v)));
          const V gv = st_load<V>(gr + v * L, width(v));
          st_store(e, out + v * L, width(v));
          ssum[v].add(e);
          if constexpr (K == SoftmaxKind::log_softmax) {
            dpart[v] = dpart[v] + gv;
          } else {
            dpart[v] = fma(gv, e, dpart[v]);
          }
        }
      },
      [&] {
        for (std::size_t v = 0; v < NV; ++v) dsum[v].add_block(dpart[v]);
      });
  V s[NV], rcp[NV], d[NV];
  for (std::size_t v = 0; v < NV; ++v) {
    s[v] = ssum[v].unbiased().value();
    rcp[v] = V::set(1) / s[v];
    d[v] = dsum[v].value();
    if constexpr (K != SoftmaxKind::log_softmax) d[v] = d[v] / s[v];
  }
  for (std::size_t k = 0; k < len; ++k) {
    const T* gr = g + k * inner;
    T* out = dx + k * inner;
    for (std::size_t v = 0; v < NV; ++v) {
      const V yv = st_divide(st_load<V>(out + v * L, width(v)), s[v], rcp[v]);
      st_store(st_softmax_grad<V, K>(yv, st_load<V>(gr + v * L, width(v)), d[v]), out + v * L,
               width(v));
    }
  }
}

template <std::size_t N>
struct StCount {
  static constexpr std::size_t value = N;
};

// Runs block(StCount<NV>, first column, lanes of the last vector) over `cols` columns in
// blocks of kStColVecs vectors, the final block with as many vectors as remain.
template <class V, class Block>
void st_for_column_blocks(std::size_t cols, const Block& block) {
  constexpr std::size_t L = V::kLanes;
  constexpr std::size_t B = kStColVecs * L;
  std::size_t c = 0;
  for (; c + B <= cols; c += B) block(StCount<kStColVecs>{}, c, L);
  if (c == cols) return;
  const std::size_t rest = cols - c;
  const std::size_t nv = (rest + L - 1) / L;
  const std::size_t last = rest - (nv - 1) * L;
  static_assert(kStColVecs == 4, "the dispatch below covers 1..4 vectors");
  switch (nv) {
    case 1: block(StCount<1>{}, c, last); break;
    case 2: block(StCount<2>{}, c, last); break;
    case 3: block(StCount<3>{}, c, last); break;
    default: block(StCount<4>{}, c, last); break;
  }
}

// ---- Short rows in lockstep ------------------------------------------------------------
// A row kernel spends a fixed cost per row (a maximum and a sum reduced across the lanes, a
// partial vector or two, log_softmax's scalar log1p) that rows of a few classes cannot
// amortise: rows of 10 float32 ran at 0.3 Gelem/s (softmax) and 0.16 (log_softmax). Rows of
// up to a few vectors (see kStLockstepVecs) are instead transposed, a block of the column
// kernels' widest width (kStColVecs vectors of rows) at a time, into a (len, rows) scratch
// whose columns are the rows, and run through the column kernels: one lane per row, so the
// reductions are plain vector operations and every lane's result depends on its own row
// only (any split of the rows gives the same bits). The transposition goes by kLanes x
// kLanes tiles in registers: on Zen 4 a 16-lane gather cost 22 cycles where 16 scalar
// copies cost 8, and scalar transposition still left rows of 10 at 0.78 Gelem/s (softmax).

// dst[j * ds + i] = src[i * ss + j] for i < rows, j < cols (both <= kLanes): the tile is
// loaded as `rows` vectors, transposed in registers and stored as `cols` vectors; nothing
// outside the two tiles is read or written.
template <class V>
void st_transpose_tile(const typename V::T* src, std::size_t ss, std::size_t rows,
                       std::size_t cols, typename V::T* dst, std::size_t ds) {
  constexpr std::size_t L = V::kLanes;
  V t[L];
  for (std::size_t i = 0; i < L; ++i)
    t[i] = i >= rows  ? V::set(0)
           : cols == L ? V::load(src + i * ss)
                       : V::load_n(src + i * ss, cols);
  transpose(t);
  for (std::size_t j = 0; j < cols; ++j) {
    if (rows == L) {
      t[j].store(dst + j * ds);
    } else {
      t[j].store_n(dst + j * ds, rows);
    }
  }
}

// dst[j * ds + i] = src[i * ss + j] for i < rows, j < cols, tile by tile.
template <class V>
void st_transpose(const typename V::T* src, std::size_t ss, typename V::T* dst, std::size_t ds,
                  std::size_t rows, std::size_t cols) {
  constexpr std::size_t L = V::kLanes;
  for (std::size_t i = 0; i < rows; i += L)
    for (std::size_t j = 0; j < cols; j += L)
      st_transpose_tile<V>(src + i * ss + j, ss, st_at_most(rows - i, L), st_at_most(cols - j, L),
                           dst + j * ds + i, ds);
}

// Runs body(scratch, nr) on blocks of nr <= B = kStColVecs * kLanes rows: the inputs in[j]
// (rows of in_len[j] <= kMaxLen elements) are first transposed into scratch[j] (its row k
// holds element k of the block's rows, row stride B); body writes scratch[N] the same way,
// whose rows of out_len elements are then transposed back into out. out may alias an input
// exactly: a block's inputs are all read before its result is written.
template <class V, std::size_t kMaxLen, std::size_t N, class Body>
void st_in_transposed_blocks(std::size_t rows, const typename V::T* const (&in)[N],
                             const std::size_t (&in_len)[N], typename V::T* out,
                             std::size_t out_len, const Body& body) {
  using T = typename V::T;
  constexpr std::size_t B = kStColVecs * V::kLanes;
  alignas(64) T scratch[N + 1][kMaxLen * B];
  for (std::size_t r0 = 0; r0 < rows; r0 += B) {
    const std::size_t nr = st_at_most(rows - r0, B);
    for (std::size_t j = 0; j < N; ++j)
      st_transpose<V>(in[j] + r0 * in_len[j], in_len[j], scratch[j], B, nr, in_len[j]);
    body(scratch, nr);
    st_transpose<V>(scratch[N], B, out + r0 * out_len, out_len, out_len, nr);
  }
}

// cols(StCount<NV>, scratch pointers..., len, block, last) over `rows` rows of `len` <=
// kMaxVecs vectors, a block of rows at a time: in[] are the inputs (g, x or y), out the result.
template <class V, std::size_t kMaxVecs, class Cols, std::size_t N, std::size_t... J>
void st_rows_in_lockstep(std::size_t rows, std::size_t len, const Cols& cols,
                         const typename V::T* const (&in)[N], typename V::T* out,
                         std::index_sequence<J...>) {
  using T = typename V::T;
  constexpr std::size_t B = kStColVecs * V::kLanes;
  const std::size_t in_len[N] = {(static_cast<void>(J), len)...};
  auto block = [&](auto& sc, std::size_t nr) {
    st_for_column_blocks<V>(nr, [&](auto nv, std::size_t c, std::size_t last) {
      cols(nv, static_cast<const T*>(sc[J] + c)..., sc[N] + c, len, B, last);
    });
  };
  st_in_transposed_blocks<V, kMaxVecs * V::kLanes>(rows, in, in_len, out, len, block);
}

// ---- Entry points ----------------------------------------------------------------------

// Runs a kernel over the `outer` slices of l, the pointers in... (g, x or y) and out (y or dx)
// offset to each: row(in..., out, len) when the axis is the last, or in lockstep through the
// column kernels for short rows; otherwise cols(StCount<NV>, in..., out, len, inner, last)
// for each block of the slice's first l.cols columns (the pointers then at the block's start).
template <class V, std::size_t kLockstepVecs, class Row, class Cols, class... In>
void st_for_slices(const AxisLayout& l, const Row& row, const Cols& cols, typename V::T* out,
                   const In*... in) {
  using T = typename V::T;
  if (l.inner == 1 && l.len <= kLockstepVecs * V::kLanes) {
    const T* const inputs[] = {in...};
    st_rows_in_lockstep<V, kLockstepVecs>(l.outer, l.len, cols, inputs, out,
                                          std::make_index_sequence<sizeof...(In)>{});
    return;
  }
  const std::size_t slice = l.len * l.inner;
  for (std::size_t o = 0; o < l.outer; ++o) {
    const std::size_t off = o * slice;
    if (l.inner == 1) {
      row((in + off)..., out + off, l.len);
    } else {
      st_for_column_blocks<V>(l.cols, [&](auto nv, std::size_t c, std::size_t last) {
        cols(nv, (in + off + c)..., out + off + c, l.len, l.inner, last);
      });
    }
  }
}

// Rows run in lockstep up to this many vectors (rows of n float32, one thread, Zen 4, Gelem/s
// lockstep vs row kernel): forward and backward from x up to 4 vectors (n = 10: softmax 1.33
// vs 0.33, log_softmax 0.98 vs 0.13, backward from x 0.95 vs 0.21; n = 64: 1.6 vs 1.45, 1.4
// vs 0.9, 1.2 vs 1.05; n = 80: 1.3 vs 1.6 for softmax; n = 128: 1.3 vs 1.35 for log_softmax),
// the backward from y, a few operations per element against three transpositions, up to 2
// (n = 10: 1.5 vs 0.7; 32: 1.9 vs 2.0; 64: 2.0 vs 4.1). float64 measured the crossovers at
// about the same numbers of vectors.
constexpr std::size_t kStLockstepVecs = 4;
constexpr std::size_t kStBackwardYLockstepVecs = 2;

template <class V, SoftmaxKind K>
void st_softmax(const typename V::T* x, typename V::T* y, const AxisLayout& l) {
  if constexpr (K == SoftmaxKind::log_softmax && std::is_same_v<typename V::T, float>) {
    if (l.inner == 1 && l.len > kStLockstepVecs * V::kLanes) {
      st_log_softmax_rows_float<V>(x, y, l.outer, l.len);
      return;
    }
  }
  st_for_slices<V, kStLockstepVecs>(
      l, [](auto... a) { st_softmax_row<V, K>(a...); },
      [](auto nv, auto... a) { st_softmax_cols<V, K, decltype(nv)::value>(a...); }, y, x);
}

template <class V, SoftmaxKind K>
void st_softmax_backward_y(const typename V::T* g, const typename V::T* y, typename V::T* dx,
                           const AxisLayout& l) {
  st_for_slices<V, kStBackwardYLockstepVecs>(
      l, [](auto... a) { st_softmax_row_backward_y<V, K>(a...); },
      [](auto nv, auto... a) { st_softmax_cols_backward_y<V, K, decltype(nv)::value>(a...); },
      dx, g, y);
}

template <class V, SoftmaxKind K>
void st_softmax_backward_x(const typename V::T* g, const typename V::T* x, typename V::T* dx,
                           const AxisLayout& l) {
  st_for_slices<V, kStLockstepVecs>(
      l, [](auto... a) { st_softmax_row_backward_x<V, K>(a...); },
      [](auto nv, auto... a) { st_softmax_cols_backward_x<V, K, decltype(nv)::value>(a...); },
      dx, g, x);
}

// ---------------------------------------------------------------------------------------
// glu(x) = a * sigmoid(b), x = (a, b) split in halves along the axis.
// Derivative: d/da = sigmoid(b), d/db = a * sigmoid(b) * (1 - sigmoid(b)); the backward
//   returns (g sigmoid(b), g (a sigmoid'(b))) concatenated along the axis.
// sigmoid and sigmoid' are the elementwise Sigmoid op's (sigmoid <= 2 ulp; sigmoid' =
// e / (1 + e)^2, e = exp(-|b|), accurate in both tails but a few roundings deep). Measured
// (logits N(0, s^2), s from 1 to 300, every ISA here): glu 2.36 ulp, the a half of the
// gradient 2.3 ulp, the b half 7.3 (float64; float32 3.6 with the sigmoid table, 5.4 with
// the AVX2 computed form).
// Special values: follow the products: glu(-inf, -inf) = -inf * 0 = NaN (as PyTorch),
//   glu(a, +inf) = a, glu(a, NaN) = NaN.
// Elementwise over the halves: the same bits for any split of the work.
// Where b < kExpNormalMinArg (-87 float32, -708 float64), sigmoid(b) is subnormal (or
// nearly), as sigmoid'(b) is for |b| beyond it, and a product with a large a would keep only
// their few bits (95-105 ulp for a = -220, b = -97, and 900 in the gradient, before): there
// m sigmoid(b) and m sigmoid'(b) come from SigmoidParts, scaled last, in the vectors holding
// such a lane (st_glu_times, st_glu_gradient_times).
// m * sigmoid(b).
template <class V>
V st_glu_times(const Sigmoid<V>& sig, V m, V b) {
  const V y = m * sig.forward(b);
  const typename V::Mask tiny = b < V::set(kExpNormalMinArg<typename V::T>);
  if (!any(tiny)) return y;
  return select(tiny, SigmoidParts<V>(b).times(m), y);
}
// g * (a * sigmoid'(b)); sigmoid' is even, so |b| decides, and the parts are those of -|b|
// (for b > 0 SigmoidParts(b) would form 1 - sigmoid(b) from a subnormal e).
template <class V>
V st_glu_gradient_times(const Sigmoid<V>& sig, V g, V a, V b) {
  const V d = g * (a * sig.backward_from_x(b, V::set(1)));
  const V nb = negative_abs(b);
  const typename V::Mask tiny = nb < V::set(kExpNormalMinArg<typename V::T>);
  if (!any(tiny)) return d;
  const SigmoidParts<V> p(nb);
  return select(tiny, p.gradient_times((g * a) * p.one_minus_sigmoid()), d);
}
// glu's loop over n elements of a half whose b half is at b: four vectors per step, and
// where every b of the four lies within the sigmoid's fast bound (Sigmoid::fast_bounds: its
// table's range, or where exp(-|b|) is a normal number), fast(i, bv) with the sigmoid's fast
// path, which tests no lane (a test in every vector's body keeps the four chains from
// interleaving, and there the subnormal cases above cannot occur); elsewhere general(i, m).
// The same bits either way (rows of 1000 float32, Zen 3 AVX2, one thread, Gelem/s of x:
// forward 2.06 -> 2.6, backward 1.27 -> 1.8; interleaved A/B).
template <class V, class Fast, class General>
void st_glu_loop(std::size_t n, const typename V::T* b, const Fast& fast, const General& general) {
  constexpr std::size_t L = V::kLanes;
  constexpr double bound = Sigmoid<V>::template fast_bounds<0>().forward;
  static_assert(bound == Sigmoid<V>::template fast_bounds<0>().backward);
  std::size_t i = 0;
  if constexpr (bound > 0) {
    for (; i + 4 * L <= n; i += 4 * L) {
      V bv[4];
      for (std::size_t k = 0; k < 4; ++k) bv[k] = V::load(b + i + k * L);
      if (within_fast_bound(bv, bound)) {
        FASTACT_UNROLL_BLOCK
        for (std::size_t k = 0; k < 4; ++k) fast(i + k * L, bv[k]);
      } else {
        for (std::size_t k = 0; k < 4; ++k) general(i + k * L, L);
      }
    }
  }
  // The rest (all of it without a fast bound: float64) by general's vectors.
  st_for_vectors<V>(n - i, [&](std::size_t j, std::size_t m) { general(i + j, m); });
}

// Halves shorter than a vector would fill a fraction of its lanes (5 of 16 for rows of 10):
// up to half a vector, a block of slices is transposed so that element k of every slice's
// halves lies in one vector (slices as lanes, as the short softmax rows are), the same
// per-element operations run there, and the result is transposed back. Elementwise, so the
// bits are the row loop's. Rows of 2h float32 (one thread, Zen 4, Gelem/s of x, lockstep vs
// row loop): h = 5 forward 2.7 vs 0.97, backward 1.6 vs 0.83; h = 8: 3.4 vs 1.5, 2.0 vs 1.5;
// h = 12: 2.9 vs 2.3, 2.05 vs 2.3 (the backward's three transpositions); float64 alike at
// half the elements.
template <class V>
constexpr std::size_t kStGluLockstepHalf = V::kLanes / 2;

// For each block of slices of glu's layout l (whole halves of h elements), transposed as
// st_in_transposed_blocks does: body(scratch, k, c, w) for every element k < h of a half and
// every vector of the block's slices (first lane c, w lanes), writing scratch[N].
template <class V, std::size_t N, class Body>
void st_glu_in_lockstep(const GluLayout& l, const typename V::T* const (&in)[N],
                        const std::size_t (&in_len)[N], typename V::T* out, std::size_t out_len,
                        const Body& body) {
  constexpr std::size_t L = V::kLanes;
  st_in_transposed_blocks<V, 2 * kStGluLockstepHalf<V>>(
      l.outer, in, in_len, out, out_len, [&](auto& sc, std::size_t nr) {
        const std::size_t nv = (nr + L - 1) / L;
        for (std::size_t k = 0; k < l.half; ++k)
          for (std::size_t v = 0; v < nv; ++v)
            body(sc, k, v * L, v + 1 == nv ? nr - v * L : L);
      });
}

template <class V>
[[gnu::flatten]] void st_glu(const typename V::T* x, typename V::T* y, const GluLayout& l) {
  using T = typename V::T;
  constexpr std::size_t B = kStColVecs * V::kLanes;
  const Sigmoid<V> sig{Params{}};
  const std::size_t h = l.half;
  if (h <= kStGluLockstepHalf<V> && l.n == h) {
    const T* const in[] = {x};
    const std::size_t in_len[] = {2 * h};
    auto body = [&](auto& sc, std::size_t k, std::size_t c, std::size_t w) {
      const V a = st_load<V>(sc[0] + k * B + c, w);
      const V b = st_load<V>(sc[0] + (h + k) * B + c, w);
      st_store(st_glu_times(sig, a, b), sc[1] + k * B + c, w);
    };
    st_glu_in_lockstep<V>(l, in, in_len, y, h, body);
    return;
  }
  for (std::size_t o = 0; o < l.outer; ++o) {
    const typename V::T* a = x + o * 2 * l.half + l.begin;
    const typename V::T* b = a + l.half;
    typename V::T* out = y + o * l.half + l.begin;
    st_glu_loop<V>(
        l.n, b,
        [&](std::size_t i, V bv) {
          (V::load(a + i) * sig.template forward_fast<0>(bv)).store(out + i);
        },
        [&](std::size_t i, std::size_t m) {
          st_store(st_glu_times(sig, st_load<V>(a + i, m), st_load<V>(b + i, m)), out + i, m);
        });
  }
}

template <class V>
[[gnu::flatten]] void st_glu_backward(const typename V::T* g, const typename V::T* x, typename V::T* dx,
                     const GluLayout& l) {
  using T = typename V::T;
  constexpr std::size_t B = kStColVecs * V::kLanes;
  const Sigmoid<V> sig{Params{}};
  const std::size_t h = l.half;
  if (h <= kStGluLockstepHalf<V> && l.n == h) {
    const T* const in[] = {g, x};
    const std::size_t in_len[] = {h, 2 * h};
    auto body = [&](auto& sc, std::size_t k, std::size_t c, std::size_t w) {
      const V gv = st_load<V>(sc[0] + k * B + c, w);
      const V av = st_load<V>(sc[1] + k * B + c, w);
      const V bv = st_load<V>(sc[1] + (h + k) * B + c, w);
      st_store(st_glu_times(sig, gv, bv), sc[2] + k * B + c, w);
      st_store(st_glu_gradient_times(sig, gv, av, bv), sc[2] + (h + k) * B + c, w);
    };
    st_glu_in_lockstep<V>(l, in, in_len, dx, 2 * h, body);
    return;
  }
  for (std::size_t o = 0; o < l.outer; ++o) {
    const typename V::T* a = x + o * 2 * l.half + l.begin;
    const typename V::T* b = a + l.half;
    const typename V::T* gs = g + o * l.half + l.begin;
    typename V::T* da = dx + o * 2 * l.half + l.begin;
    typename V::T* db = da + l.half;
    st_glu_loop<V>(
        l.n, b,
        [&](std::size_t i, V bv) {
          // a before da is written: with out= x itself, da is a.
          const V gv = V::load(gs + i), av = V::load(a + i);
          (gv * sig.template forward_fast<0>(bv)).store(da + i);
          (gv * (av * sig.template backward_fast<0>(bv, V::set(1)))).store(db + i);
        },
        [&](std::size_t i, std::size_t m) {
          const V av = st_load<V>(a + i, m);
          const V bv = st_load<V>(b + i, m);
          const V gv = st_load<V>(gs + i, m);
          st_store(st_glu_times(sig, gv, bv), da + i, m);
          st_store(st_glu_gradient_times(sig, gv, av, bv), db + i, m);
        });
  }
}

// ---------------------------------------------------------------------------------------
// maxout(x, pieces): y_j = max of the group x[j*pieces .. (j+1)*pieces) along the axis.
// Derivative: 1 at the FIRST maximal element of each group, 0 elsewhere; the backward routes
//   each gradient there and writes +0 to the other elements.
// NaN: a group with a NaN has the max NaN (the first NaN, payload kept) and its gradient goes
//   to that first NaN. Ties keep the first element (so of +0 and -0 the first one's sign).
// Exact. Vectorised across outputs: contiguous columns when the axis is not the last,
// gathered with stride `pieces` when it is.

// The first maximal element of a group and its index (as T).
template <class V>
struct StGroupMax {
  V value, index;
};
template <class V>
StGroupMax<V> st_group_max(const typename V::T* x, std::size_t x_col, std::size_t x_piece,
                           std::size_t pieces, std::size_t m) {
  using T = typename V::T;
  StGroupMax<V> r{st_load_strided<V>(x, x_col, m), V::set(0)};
  for (std::size_t p = 1; p < pieces; ++p) {
    const V v = st_load_strided<V>(x + p * x_piece, x_col, m);
    // Take v if the running max is not NaN and v is greater or NaN.
    const typename V::Mask take = (!is_nan(r.value)) & (!(v <= r.value));
    r.value = select(take, v, r.value);
    r.index = select(take, V::set(T(p)), r.index);
  }
  return r;
}

// Contiguous groups (the axis is the last one and contiguous: piece stride 1, group stride
// `pieces`) would need a strided load per piece, which goes through a stack array lane by
// lane and stalls on store forwarding at every vector (maxout 1.25 Gelem/s at 64K float32,
// Zen 4). Instead a batch of kStMaxoutBatch groups is first transposed into piece-major
// columns by a copy instantiated per group size (which the compiler vectorises with permutes;
// a copy with a run-time group size ran at 0.66), and the vectors load from the columns:
// 6.6 Gelem/s. Groups of more than kStMaxoutMaxPieces keep the strided path.
constexpr std::size_t kStMaxoutBatch = 64;
constexpr std::size_t kStMaxoutMaxPieces = 16;

bool st_maxout_transposes(const MaxoutLayout& l) {
  return l.x_piece == 1 && l.x_col == l.pieces && l.pieces > 1 &&
         l.pieces <= kStMaxoutMaxPieces;
}

// Groups [j0, j0 + nb) of the row at xr as columns: cols[p * kStMaxoutBatch + j] is piece p of
// group j0 + j. One instance per group size, so that the compiler sees the interleave.
template <class T, std::size_t P>
void st_maxout_columns_of(const T* src, std::size_t nb, T* cols) {
  for (std::size_t j = 0; j < nb; ++j)
    for (std::size_t p = 0; p < P; ++p) cols[p * kStMaxoutBatch + j] = src[j * P + p];
}
// The inverse: dst[j * P + p] = cols[p * kStMaxoutBatch + j].
template <class T, std::size_t P>
void st_maxout_rows_of(const T* cols, std::size_t nb, T* dst) {
  for (std::size_t j = 0; j < nb; ++j)
    for (std::size_t p = 0; p < P; ++p) dst[j * P + p] = cols[p * kStMaxoutBatch + j];
}
// Calls f(std::integral_constant<std::size_t, pieces>) for pieces in [2, kStMaxoutMaxPieces].
template <std::size_t P = 2, class F>
void st_with_pieces(std::size_t pieces, const F& f) {
  if constexpr (P < kStMaxoutMaxPieces) {
    if (pieces != P) return st_with_pieces<P + 1>(pieces, f);
  }
  f(std::integral_constant<std::size_t, P>{});
}

// Calls body(j, m, group) for the groups of row r in vectors: j the first group, m lanes,
// `group` their StGroupMax (read through the transposition when the groups are contiguous).
// `after_batch(j0, nb)` follows each batch of kStMaxoutBatch groups (transposed form), or each
// vector (strided form).
template <class V, class Body, class AfterBatch>
void st_maxout_row(const typename V::T* xr, const MaxoutLayout& l, const Body& body,
                   const AfterBatch& after_batch) {
  using T = typename V::T;
  constexpr std::size_t L = V::kLanes;
  if (st_maxout_transposes(l)) {
    alignas(64) T cols[kStMaxoutMaxPieces * kStMaxoutBatch];
    for (std::size_t j0 = 0; j0 < l.n; j0 += kStMaxoutBatch) {
      const std::size_t nb = l.n - j0 < kStMaxoutBatch ? l.n - j0 : kStMaxoutBatch;
      st_with_pieces(l.pieces, [&](auto p) {
        st_maxout_columns_of<T, decltype(p)::value>(xr + j0 * l.pieces, nb, cols);
      });
      for (std::size_t j = 0; j < nb; j += L) {
        const std::size_t m = nb - j < L ? nb - j : L;
        body(j0 + j, m, st_group_max<V>(cols + j, 1, kStMaxoutBatch, l.pieces, m));
      }
      after_batch(j0, nb);
    }
    return;
  }
  for (std::size_t j = 0; j < l.n; j += L) {
    const std::size_t m = l.n - j < L ? l.n - j : L;
    body(j, m, st_group_max<V>(xr + j * l.x_col, l.x_col, l.x_piece, l.pieces, m));
    after_batch(j, m);
  }
}

template <class V>
[[gnu::flatten]] void st_maxout(const typename V::T* x, typename V::T* y, const MaxoutLayout& l) {
  for (std::size_t r = 0; r < l.rows; ++r) {
    typename V::T* yr = y + r * l.y_row;
    st_maxout_row<V>(
        x + r * l.x_row, l,
        [&](std::size_t j, std::size_t m, const StGroupMax<V>& g) { st_store(g.value, yr + j, m); },
        [](std::size_t, std::size_t) {});
  }
}

// The transposed form builds the batch's dx in columns, then transposes it into dx (after all
// of the batch's x was read: dx may alias x).
template <class V>
[[gnu::flatten]] void st_maxout_backward(const typename V::T* g, const typename V::T* x,
                                         typename V::T* dx, const MaxoutLayout& l) {
  using T = typename V::T;
  const V zero = V::set(0);
  const bool transposed = st_maxout_transposes(l);
  alignas(64) T dcols[kStMaxoutMaxPieces * kStMaxoutBatch];
  for (std::size_t r = 0; r < l.rows; ++r) {
    const T* gr = g + r * l.y_row;
    T* dr = dx + r * l.x_row;
    st_maxout_row<V>(
        x + r * l.x_row, l,
        [&](std::size_t j, std::size_t m, const StGroupMax<V>& gm) {
          const V gv = st_load<V>(gr + j, m);
          for (std::size_t p = 0; p < l.pieces; ++p) {
            const V d = keep_where(gm.index == V::set(T(p)), gv);
            if (transposed) {
              st_store(d, dcols + p * kStMaxoutBatch + j % kStMaxoutBatch, m);
            } else {
              st_store_strided(d, dr + j * l.x_col + p * l.x_piece, l.x_col, m);
            }
          }
        },
        [&](std::size_t j0, std::size_t nb) {
          if (!transposed) return;
          st_with_pieces(l.pieces, [&](auto p) {
            st_maxout_rows_of<T, decltype(p)::value>(dcols, nb, dr + j0 * l.pieces);
          });
        });
  }
}

// ---------------------------------------------------------------------------------------
// prelu(x, w): y = x if x > 0 else w_c x, one slope per channel c.
// Derivatives: dy/dx = 1 if x > 0 else w_c (w_c at x = 0, as PyTorch);
//   dy/dw_c = 0 if x > 0 else x; grad_weight[c] sums g * that over every element of channel c.
// NaN x: y = NaN, grad_x = w g (the x > 0 test fails, as PyTorch's kernel), and its grad_weight
//   term x g is NaN. prelu(-0) = w * -0. Exact (one rounding), except grad_weight: a
//   compensated sum in a fixed order (see PreluBackwardFn), combined across pieces in float64
//   by the caller, so its error is about one ulp of the sum of |g x| terms.

template <class V>
V st_prelu_value(V x, V w) {
  return select(x > V::set(0), x, w * x);
}

// Short segments (a channel's extent under kStPreluShort elements, e.g. NCHW with a small
// H*W) whose (channel, extent) blocks are contiguous in the slice: per-channel loops would
// cost more than the data (prelu on (64, 64, 16) float32: 4.3 Gelem/s against a copy at 7.7),
// so the slopes of up to kStPreluExpanded elements' worth of channels are expanded once into
// a row shaped like that block, and each slice's block is then one contiguous stream.
constexpr std::size_t kStPreluShort = 64;
constexpr std::size_t kStPreluExpanded = 1024;

bool st_prelu_expands(const PreluLayout& l) {
  return l.channel_stride != 1 && l.len == l.channel_stride && l.len < kStPreluShort;
}

// Calls run(c0, nc, row) for the call's channels in chunks: [c0, c0 + nc) with their slopes
// expanded into row (nc * len elements: each slope repeated len times).
template <class V, class Run>
void st_prelu_expanded_chunks(const typename V::T* w, const PreluLayout& l, const Run& run) {
  using T = typename V::T;
  alignas(64) T row[kStPreluExpanded];
  const std::size_t per = l.len < kStPreluExpanded ? kStPreluExpanded / l.len : 1;
  for (std::size_t c0 = 0; c0 < l.channels; c0 += per) {
    const std::size_t nc = l.channels - c0 < per ? l.channels - c0 : per;
    for (std::size_t c = 0; c < nc; ++c) {
      const V wc = V::set(w[c0 + c]);
      st_for_vectors<V>(l.len, [&](std::size_t i, std::size_t m) { st_store(wc, row + c * l.len + i, m); });
    }
    run(c0, nc, static_cast<const T*>(row));
  }
}

template <class V>
[[gnu::flatten]] void st_prelu(const typename V::T* x, const typename V::T* w, typename V::T* y,
              const PreluLayout& l) {
  using T = typename V::T;
  if (st_prelu_expands(l)) {
    st_prelu_expanded_chunks<V>(w, l, [&](std::size_t c0, std::size_t nc, const T* row) {
      for (std::size_t o = 0; o < l.outer; ++o) {
        const std::size_t base = o * l.slice_stride + c0 * l.len;
        st_for_vectors<V>(nc * l.len, [&](std::size_t i, std::size_t m) {
          st_store(st_prelu_value(st_load<V>(x + base + i, m), st_load<V>(row + i, m)),
                   y + base + i, m);
        });
      }
    });
    return;
  }
  for (std::size_t o = 0; o < l.outer; ++o) {
    const typename V::T* xs = x + o * l.slice_stride;
    typename V::T* ys = y + o * l.slice_stride;
    if (l.channel_stride == 1) {  // row form: across the channels
      st_for_vectors<V>(l.channels, [&](std::size_t c, std::size_t m) {
        st_store(st_prelu_value(st_load<V>(xs + c, m), st_load<V>(w + c, m)), ys + c, m);
      });
      continue;
    }
    for (std::size_t c = 0; c < l.channels; ++c) {
      const V wv = V::set(w[c]);
      const typename V::T* xc = xs + c * l.channel_stride;
      typename V::T* yc = ys + c * l.channel_stride;
      st_for_vectors<V>(l.len, [&](std::size_t i, std::size_t m) {
        st_store(st_prelu_value(st_load<V>(xc + i, m), wv), yc + i, m);
      });
    }
  }
}

template <class V>
[[gnu::flatten]] void st_prelu_backward(const typename V::T* g, const typename V::T* x,
                                        const typename V::T* w, typename V::T* gx,
                                        typename V::T* gw_hi, typename V::T* gw_lo,
                                        const PreluLayout& l) {
  using T = typename V::T;
  constexpr std::size_t L = V::kLanes;
  const V zero = V::set(0);
  if (l.channel_stride == 1) {
    // Row form: each channel's sum runs over the slices in order, compensated term by term.
    for (std::size_t c = 0; c < l.channels; ++c) gw_hi[c] = gw_lo[c] = T(0);
    for (std::size_t o = 0; o < l.outer; ++o) {
      const std::size_t off = o * l.slice_stride;
      for (std::size_t c = 0; c < l.channels; c += L) {
        const std::size_t m = l.channels - c < L ? l.channels - c : L;
        const V xv = st_load<V>(x + off + c, m);
        const V gv = st_load<V>(g + off + c, m);
        const typename V::Mask pos = xv > zero;
        st_store(select(pos, gv, st_load<V>(w + c, m) * gv), gx + off + c, m);
        const TwoSum<V> t = st_two_sum(st_load<V>(gw_hi + c, m), zero_where(pos, xv * gv));
        st_store(t.s, gw_hi + c, m);
        st_store(st_load<V>(gw_lo + c, m) + t.err, gw_lo + c, m);
      }
    }
    return;
  }
  if (st_prelu_expands(l)) {
    // Expanded slopes (see st_prelu): the weight-gradient terms are summed per position of
    // the block, down the slices in blocks of kStBlockVecs slices (plain adds, then an exact
    // TwoSum into hi + lo), and each channel's positions are added at the end (vectors of
    // them into an exact TwoSum, then its lanes).
    alignas(64) T part[kStPreluExpanded], hi[kStPreluExpanded], lo[kStPreluExpanded];
    st_prelu_expanded_chunks<V>(w, l, [&](std::size_t c0, std::size_t nc, const T* row) {
      const std::size_t size = nc * l.len;
      st_for_vectors<V>(size, [&](std::size_t i, std::size_t m) {
        st_store(zero, part + i, m);
        st_store(zero, hi + i, m);
        st_store(zero, lo + i, m);
      });
      for (std::size_t o = 0; o < l.outer; ++o) {
        const std::size_t base = o * l.slice_stride + c0 * l.len;
        st_for_vectors<V>(size, [&](std::size_t i, std::size_t m) {
          const V xv = st_load<V>(x + base + i, m);
          const V gv = st_load<V>(g + base + i, m);
          const typename V::Mask pos = xv > zero;
          st_store(select(pos, gv, st_load<V>(row + i, m) * gv), gx + base + i, m);
          // Masked lanes load x = g = 0 and add 0 * 0.
          st_store(st_load<V>(part + i, m) + zero_where(pos, xv * gv), part + i, m);
        });
        if ((o + 1) % kStBlockVecs == 0 || o + 1 == l.outer) {
          st_for_vectors<V>(size, [&](std::size_t i, std::size_t m) {
            const TwoSum<V> t = st_two_sum(st_load<V>(hi + i, m), st_load<V>(part + i, m));
            st_store(t.s, hi + i, m);
            st_store(st_load<V>(lo + i, m) + t.err, lo + i, m);
            st_store(zero, part + i, m);
          });
        }
      }
      // Each channel's positions: vectors of them into an exact TwoSum, then its lanes.
      for (std::size_t c = 0; c < nc; ++c) {
        StSum<V> acc = StSum<V>::zero();
        const std::size_t first = c * l.len;
        st_for_vectors<V>(l.len, [&](std::size_t i, std::size_t m) {  // masked lanes add 0
          acc.add_block(st_load<V>(hi + first + i, m));
          acc.lo = acc.lo + st_load<V>(lo + first + i, m);
        });
        gw_hi[c0 + c] = st_reduce_sum(acc);
        gw_lo[c0 + c] = T(0);
      }
    });
    return;
  }
  // Segment form: channel by channel, its segments in slice order into one blocked
  // compensated vector sum, reduced once.
  for (std::size_t c = 0; c < l.channels; ++c) {
    const V wv = V::set(w[c]);
    StSum<V> sum = StSum<V>::zero();
    V part[kStSlots];
    for (std::size_t o = 0; o < l.outer; ++o) {
      const std::size_t base = o * l.slice_stride + c * l.channel_stride;
      // Masked lanes load x = g = 0 and add 0 * 0.
      st_row_blocks<V>(
          l.len, [&] { st_slot_zero(part); },
          [&](std::size_t i, std::size_t m, int slot) {
            const V xv = st_load<V>(x + base + i, m);
            const V gv = st_load<V>(g + base + i, m);
            const typename V::Mask pos = xv > zero;
            st_store(select(pos, gv, wv * gv), gx + base + i, m);
            part[slot] = part[slot] + zero_where(pos, xv * gv);
          },
          [&] { sum.add_block(st_slot_sum(part)); });
    }
    gw_hi[c] = st_reduce_sum(sum);
    gw_lo[c] = T(0);
  }
}

// ---------------------------------------------------------------------------------------
// The ISA's structured table.

template <class V>
constexpr StructuredSet<typename V::T> st_set() {
  return {
      {&st_softmax<V, SoftmaxKind::softmax>, &st_softmax<V, SoftmaxKind::log_softmax>,
       &st_softmax<V, SoftmaxKind::softmin>},
      {&st_softmax_backward_y<V, SoftmaxKind::softmax>,
       &st_softmax_backward_y<V, SoftmaxKind::log_softmax>,
       &st_softmax_backward_y<V, SoftmaxKind::softmin>},
      {&st_softmax_backward_x<V, SoftmaxKind::softmax>,
       &st_softmax_backward_x<V, SoftmaxKind::log_softmax>,
       &st_softmax_backward_x<V, SoftmaxKind::softmin>},
      &st_glu<V>,
      &st_glu_backward<V>,
      &st_maxout<V>,
      &st_maxout_backward<V>,
      &st_prelu<V>,
      &st_prelu_backward<V>,
  };
}

constexpr StructuredKernels structured_kernels() {
  return {st_set<VecF32>(), st_set<VecF64>()};
}
