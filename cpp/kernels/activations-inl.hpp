// The activations, each written once over the vector type V and compiled once per ISA.
// Fragment: included by isa_*.cpp inside the ISA's anonymous namespace, after math-inl.hpp.
//
// Each Op<V> is built from the call's Params (converted to the element type once per call)
// and provides
//   forward(x)               y = f(x)
//   backward_from_x(x, dy)   dy * f'(x)
//   backward_from_y(y, dy)   dy * f'(x) written in terms of y = f(x), where kBackwardFromY;
// optionally fast_bounds<K>() with forward_fast<K> / backward_fast<K> (FastBounds below).
// Subgradients at kinks and NaN handling follow PyTorch unless a block says otherwise.
// "Error" is the maximum measured by `python -m fastact accuracy` against the float64
// reference (ulps of the correctly rounded result); "exact" means correctly rounded.

// Which NaN an operation returns when both operands are NaN depends on their order, and the
// compiler may commute additions and multiplications differently in each copy of the
// unrolled loop: x and -|x| of a NaN x, or a NaN gradient meeting a NaN input, could then
// come out with a sign that depends on the element's position. An activation's forward
// therefore declares its NaN policy (Op::kNaN, canonical when absent):
//   canonical:     every NaN result becomes the default quiet NaN;
//   pass_through:  the op only selects, or does arithmetic on its single input, and returns
//                  the input's own NaN bit for bit, like NumPy's maximum;
//   single_source: every NaN descends from one value (arithmetic on -|x| or |x| and
//                  constants, x itself entering comparisons and sign bits only, or x's sign
//                  bit OR-ed into the result last, so that a NaN from x and one from |x|,
//                  whose payloads agree, come out the same), so the bits agree whatever the
//                  operand order; the two canonicalising instructions are skipped.
enum class NaNPolicy { canonical, pass_through, single_source };

// Optional fast paths of table kernels with a rare tail (see within_fast_bound in
// loop-inl.hpp): the |x| up to which forward_fast<K> / backward_fast<K> equal forward /
// backward_from_x bit for bit; 0 where a variant has none.
struct FastBounds {
  double forward, backward;
};
// The |x| within which exp(-|x|) is exp_normal's (one scaling, no ldexp): the
// fast paths that skip ldexp's second scaling where no lane's exp is subnormal.
template <class T>
constexpr double kExpNormalBound = -double(kExpNormalMinArg<T>);
// No lane of the four with |v[k]| > bound. NaN lanes may pass: every fast path returns the
// full path's NaN (their tail tests are false for NaN). max returns its second operand when
// either is NaN, so the running maximum goes second: a NaN that replaced it stays to the
// end and fails the test (it may have hidden a large lane), one in the first operand is
// dropped with only its own lane.
template <class V>
bool within_fast_bound(const V (&v)[4], double bound) {
  V m = abs(v[0]);
  for (std::size_t k = 1; k < 4; ++k) m = max(abs(v[k]), m);
  return !any(!(m <= V::set(typename V::T(bound))));
}

// Shared helper: (hi + lo) / 6 correctly rounded up to O(2^-2p): the product with the
// rounded 1/6 is off by at most an ulp, and its exact FMA residual corrects it.
// KeepZeroSign: a zero hi keeps its sign (the correction would add +0); callers whose hi is
// never -0 skip it. Without kLow the numerator is hi alone.
template <class V, bool KeepZeroSign, bool kLow>
V divide_by_6_corrected(V hi, V lo) {
  using T = typename V::T;
  const V sixth = V::set(T(1) / T(6));
  const V q = hi * sixth;
  V r = fnma(q, V::set(T(6)), hi);
  if constexpr (kLow) r = r + lo;
  if constexpr (KeepZeroSign) return select(hi == V::set(T(0)), hi, fma(r, sixth, q));
  return fma(r, sixth, q);
}
template <class V, bool KeepZeroSign = true>
V divide_by_6(V hi, V lo) {
  return divide_by_6_corrected<V, KeepZeroSign, true>(hi, lo);
}
template <class V>
V divide_by_6(V x) {
  return divide_by_6_corrected<V, true, false>(x, x);
}

// identity: y = x; dy/dx = 1. Exact.
template <class V>
struct Identity {
  static constexpr NaNPolicy kNaN = NaNPolicy::pass_through;
  static constexpr bool kBackwardFromY = true;
  explicit Identity(const Params&) {}
  V forward(V x) const { return x; }
  V backward_from_x(V, V dy) const { return dy; }
  V backward_from_y(V, V dy) const { return dy; }
};

// relu: y = max(0, x); dy/dx = 1 for x > 0, else 0 (0 at the kink, as PyTorch).
// NaN: y = NaN; the gradient passes through (PyTorch's threshold_backward tests x <= 0).
// Exact.
template <class V>
struct Relu {
  static constexpr NaNPolicy kNaN = NaNPolicy::pass_through;
  static constexpr bool kBackwardFromY = true;
  explicit Relu(const Params&) {}
  V forward(V x) const { return max(V::set(0), x); }
  V backward_from_x(V x, V dy) const { return zero_where(x <= V::set(0), dy); }
  V backward_from_y(V y, V dy) const { return backward_from_x(y, dy); }
};

// hardtanh(min_val, max_val): y = min(max_val, max(min_val, x));
// dy/dx = 1 on the open interval (min_val, max_val), 0 elsewhere including both kinks and
// NaN (PyTorch's vectorised hardtanh_backward). Exact.
// From y (min_val < max_val): the same test applied to y.
template <class V>
struct Hardtanh {
  static constexpr NaNPolicy kNaN = NaNPolicy::pass_through;
  static constexpr bool kBackwardFromY = true;
  V lo, hi;
  explicit Hardtanh(const Params& p)
      : lo(V::set(typename V::T(p.v[0]))), hi(V::set(typename V::T(p.v[1]))) {}
  Hardtanh(V lo_, V hi_) : lo(lo_), hi(hi_) {}
  V forward(V x) const { return min(hi, max(lo, x)); }
  V backward_from_x(V x, V dy) const { return keep_where((x > lo) & (x < hi), dy); }
  V backward_from_y(V y, V dy) const { return backward_from_x(y, dy); }
};

// relu6: hardtanh with (0, 6). Exact.
template <class V>
struct Relu6 : Hardtanh<V> {
  explicit Relu6(const Params&) : Hardtanh<V>(V::set(0), V::set(6)) {}
};

// leaky_relu(negative_slope): y = x for x > 0, else negative_slope * x;
// dy/dx = 1 for x > 0, negative_slope for x <= 0 (PyTorch's choice at 0).
// From y needs negative_slope >= 0 (checked by the bindings). Exact.
template <class V>
struct LeakyRelu {
  static constexpr NaNPolicy kNaN = NaNPolicy::pass_through;
  static constexpr bool kBackwardFromY = true;
  V slope;
  explicit LeakyRelu(const Params& p) : slope(V::set(typename V::T(p.v[0]))) {}
  V forward(V x) const { return select(x > V::set(0), x, x * slope); }
  V backward_from_x(V x, V dy) const { return select(x > V::set(0), dy, dy * slope); }
  V backward_from_y(V y, V dy) const { return backward_from_x(y, dy); }
};

// hardsigmoid: y = relu6(x + 3) / 6 = clamp(x/6 + 1/2, 0, 1);
// dy/dx = 1/6 on (-3, 3), 0 elsewhere including the kinks and NaN (PyTorch).
// x is clamped to [-3, 3] first, so x + 3 is an exact two-term sum in [0, 6], divided with
// a corrected quotient: exact (6 / 6 = 1 and +0 / 6 = +0 at the clamps).
template <class V>
struct Hardsigmoid {
  static constexpr NaNPolicy kNaN = NaNPolicy::pass_through;
  static constexpr bool kBackwardFromY = true;
  explicit Hardsigmoid(const Params&) {}
  V forward(V x) const {
    const V three = V::set(3);
    const V clamped = min(three, max(-three, x));  // NaN stays (second operands)
    const TwoSum<V> s = fast_two_sum(three, clamped);  // exact; 3 + (-3) = +0, never -0
    return divide_by_6<V, false>(s.s, s.err);
  }
  V backward_from_x(V x, V dy) const {
    const V three = V::set(3);
    // |x| < 3 is (x > -3) & (x < 3), NaN false too, in one comparison fewer.
    return keep_where(abs(x) < three, divide_by_6(dy));
  }
  V backward_from_y(V y, V dy) const {
    return keep_where((y > V::set(0)) & (y < V::set(1)), divide_by_6(dy));
  }
};

// pwl_sigmoid: the sigmoid built from two ReLUs, y = (max(0, x+1) - max(0, x-1)) / 2,
// i.e. clamp((x + 1)/2, 0, 1). Evaluated in the clamped form: x + 1 rounds once and the
// halving is exact, so the result is correctly rounded (the literal two-ReLU difference
// would return 0.5 instead of 1 at x = 2^24, where x+1 and x-1 round apart).
// dy/dx = 1/2 on the open interval (-1, 1), 0 elsewhere: at the kinks we take 0, as
// hardtanh does (the ReLU chain rule would give the asymmetric 0 at -1 and 1/2 at 1).
// NaN: y = NaN, gradient 0. Exact.
template <class V>
struct PwlSigmoid {
  static constexpr NaNPolicy kNaN = NaNPolicy::pass_through;
  static constexpr bool kBackwardFromY = true;
  explicit PwlSigmoid(const Params&) {}
  V forward(V x) const {
    const V one = V::set(1);
    return min(one, max(V::set(0), (x + one) * V::set(typename V::T(0.5))));
  }
  V backward_from_x(V x, V dy) const {
    const V one = V::set(1);
    return keep_where(abs(x) < one, dy * V::set(typename V::T(0.5)));  // as hardsigmoid
  }
  V backward_from_y(V y, V dy) const {
    return keep_where((y > V::set(0)) & (y < V::set(1)), dy * V::set(typename V::T(0.5)));
  }
};

// threshold(threshold, value): y = x if x > threshold else value; dy/dx = [x > threshold].
// NaN: y = NaN, gradient passes through (PyTorch tests x <= threshold). Exact.
// Not from y: `value` may equal outputs of the pass-through branch.
template <class V>
struct Threshold {
  static constexpr NaNPolicy kNaN = NaNPolicy::pass_through;
  static constexpr bool kBackwardFromY = false;
  V threshold, value;
  explicit Threshold(const Params& p)
      : threshold(V::set(typename V::T(p.v[0]))), value(V::set(typename V::T(p.v[1]))) {}
  V forward(V x) const { return select(x <= threshold, value, x); }
  V backward_from_x(V x, V dy) const { return zero_where(x <= threshold, dy); }
};

// hardshrink(lambd): y = 0 for -lambd <= x <= lambd, else x (+0 for x = -0, as PyTorch);
// dy/dx = 1 outside that closed band, 0 on it and for NaN (PyTorch's vectorised kernel).
// From y (lambd >= 0): dy where y != 0. Exact.
template <class V>
struct Hardshrink {
  static constexpr NaNPolicy kNaN = NaNPolicy::pass_through;
  static constexpr bool kBackwardFromY = true;
  V lambd;
  explicit Hardshrink(const Params& p) : lambd(V::set(typename V::T(p.v[0]))) {}
  V forward(V x) const { return zero_where((x >= -lambd) & (x <= lambd), x); }
  V backward_from_x(V x, V dy) const {
    return keep_where((x < -lambd) | (x > lambd), dy);
  }
  V backward_from_y(V y, V dy) const {
    return keep_where((y < V::set(0)) | (y > V::set(0)), dy);
  }
};

// softshrink(lambd >= 0): y = x - lambd above lambd, x + lambd below -lambd, else +0
// (written x - x so NaN propagates, as PyTorch's vectorised kernel); dy/dx = 1 outside the closed band, 0 on
// it and for NaN. From y: dy where y != 0. Exact (one rounding).
template <class V>
struct Softshrink {
  static constexpr NaNPolicy kNaN = NaNPolicy::pass_through;
  static constexpr bool kBackwardFromY = true;
  V lambd;
  explicit Softshrink(const Params& p) : lambd(V::set(typename V::T(p.v[0]))) {}
  V forward(V x) const {
    return select(x > lambd, x - lambd, select(x < -lambd, x + lambd, x - x));
  }
  V backward_from_x(V x, V dy) const {
    return keep_where((x < -lambd) | (x > lambd), dy);
  }
  V backward_from_y(V y, V dy) const {
    return keep_where((y < V::set(0)) | (y > V::set(0)), dy);
  }
};

// How the sigmoid family divides by d = 1 + e in [1, 2]: the float32 computed form (no
// tables) by a division (vdivps: one ymm per 3 cycles on Zen 3, 1.0 ns measured, but off
// the FMA ports and 11 cycles of latency, where the division-free reciprocal is four
// dependent FMAs), everything else division-free (reciprocal_1_to_2).
template <class V>
constexpr Denominator kSigmoidDenominator =
    kFloat32Computed<V> ? Denominator::any : Denominator::one_to_two;
// 1/d within about 1 ulp, for the gradients.
template <class V>
V sigmoid_reciprocal(V d) {
  if constexpr (kSigmoidDenominator<V> == Denominator::any) {
    return V::set(1) / d;
  } else {
    return reciprocal_1_to_2<Precision::full>(d);
  }
}

// sigmoid: y = 1 / (1 + exp(-x)); dy/dx = y (1 - y).
// float32 with tables (kFloat32Tables) for |x| <= 11.24: sigmoid(-|x|) from kSigmoidTable
// (per-interval polynomials, math-inl.hpp), 1 - it for x >= 0.
// Otherwise evaluated on a = |x| so exp never overflows: with e = exp(-a) and d = 1 + e held
// exactly as a two-term sum, y = 1/d for x >= 0 and e/d for x < 0, each by one corrected
// quotient. float32 without tables divides by d (kSigmoidDenominator), which also makes
// sigmoid(x) round to 1 wherever e is below half an ulp of 1 (softplus relies on it). For
// |x| <= 87 (float64: 708) exp scales by 2^n once (exp_normal, the same bits).
// The derivative from x is e / (1 + e)^2, accurate in both tails (y(1 - y) from y loses
// the relative accuracy of the small factor once y rounds near 1).
// NaN -> NaN; sigmoid(-inf) = 0, sigmoid(inf) = 1.
// Error: float32 <= 2 ulp, float64 <= 2 ulp (see fastact.info("sigmoid")).
// Measured: float32 1.34 ulp over all 2^32 inputs (in the tail formula, at x = -16.96; the
// computed form on AVX2 1.48, at x = -4.85), float64 1.38 ulp (strided sweep).
template <class V>
struct Sigmoid {
  static constexpr bool kBackwardFromY = true;
  // NaN: -|x| quietened (the float32 table and the exp form).
  static constexpr NaNPolicy kNaN = NaNPolicy::single_source;
  explicit Sigmoid(const Params&) {}
  V forward(V x) const {
    if constexpr (kFloat32Tables<V>) {
      return complement_where_nonnegative(x, negative_float(x));
    } else {
      return forward_exp(x);
    }
  }
  // float32 sigmoid(-|x|) (<= 1/2): the table for |x| <= 11.24; beyond it (2e-4 of
  // N(0, 3^2) inputs), e = exp(-|x|) < 1.3e-5 and sigmoid(-|x|) = e - e^2 + e^3 - ... =
  // fnma(e, e, e) to 2e-10, computed for the lanes that need it only when some lane does.
  // NaN: NaN (-|x| quietened).
  static V negative_table(V x) {
    return uniform_table_polynomial(kSigmoidTable, kSigmoidTableInvWidth, negative_abs(x));
  }
  V negative_float(V x) const {
    const V na = negative_abs(x);
    const V g = negative_table(x);
    const typename V::Mask tail = na < V::set(kSigmoidTableMinArg);
    if (!any(tail)) return g;
    const V e = exp_nonpositive(na);
    return select(tail, fnma(e, e, e), g);
  }
  // float32 with tables: the table alone where no lane reaches the tail; otherwise the
  // computed form with one scaling of exp where no lane's exp is subnormal (FastBounds,
  // loop-inl.hpp; the same bits).
  template <int>
  static constexpr FastBounds fast_bounds() {
    constexpr double bound =
        kFloat32Tables<V> ? -kSigmoidTableMinArg : kExpNormalBound<typename V::T>;
    return {bound, bound};
  }
  template <int>
  V forward_fast(V x) const {
    if constexpr (kFloat32Tables<V>) {
      return complement_where_nonnegative(x, negative_table(x));
    } else {
      return forward_exp(x, exp_normal(negative_abs(x)));
    }
  }
  template <int>
  V backward_fast(V x, V dy) const {
    if constexpr (kFloat32Tables<V>) {
      const V g = negative_table(x);
      return dy * fnma(g, g, g);
    } else {
      return backward_exp(exp_normal(negative_abs(x)), dy);
    }
  }
  // e = exp(-|x|), scaled once where no lane of the vector needs ldexp's two steps (callers
  // without the block fast path: glu, the sigmoid-based gradients), the same bits either way.
  static V exp_negative_abs(V x) {
    return exp_normal_when_possible<true>(negative_abs(x));
  }
  V forward_exp(V x) const { return forward_exp(x, exp_negative_abs(x)); }
  // From e = exp(-|x|).
  V forward_exp(V x, V e) const {
    const V one = V::set(1);
    const TwoSum<V> d = fast_two_sum(one, e);
    const V numerator = select(x >= V::set(0), one, e);
    // The numerator is 1 or e in [0, 1] (NaN only with x): no special quotients to keep;
    // the denominator is in [1, 2].
    return divide_by_double_word<V, false, kSigmoidDenominator<V>>(numerator, d.s, d.err);
  }
  static V backward_exp(V e, V dy) {
    const V r = sigmoid_reciprocal(V::set(1) + e);
    return dy * (e * r * r);
  }
  V backward_from_x(V x, V dy) const {
    if constexpr (kFloat32Tables<V>) {
      // g (1 - g) with g = sigmoid(-|x|): the small factor is g itself, so both tails keep
      // their relative accuracy.
      const V g = negative_float(x);
      return dy * fnma(g, g, g);
    } else {
      return backward_exp(exp_negative_abs(x), dy);
    }
  }
  V backward_from_y(V y, V dy) const { return dy * (y * (V::set(1) - y)); }

  // sigmoid(z) as a factor of another activation's gradient (softplus, logsigmoid: the
  // 8-ulp budget). Without float32 tables, where |z| <= kExpNormalBound: 1 / (1 + exp(-z)),
  // one division (exp's 0.73 ulp, the rounded sum and the quotient: within 3.5 ulp) in
  // place of the forward's corrected quotient, for both signs of z (1 + exp(-z) and its
  // reciprocal are normal there); beyond, the forward (its subnormal results). With float32
  // tables the forward itself. gradient_factor_fast: the same within fast_bounds.
  static V gradient_factor_fast(V z) {
    if constexpr (!kFloat32Tables<V>) {
      const V one = V::set(1);
      return one / (one + exp_normal(V::set(0) - z));
    } else {
      return Sigmoid(Params{}).template forward_fast<0>(z);
    }
  }
  static V gradient_factor(V z) {
    if constexpr (!kFloat32Tables<V>) {
      const V y = gradient_factor_fast(z);
      const typename V::Mask out = beyond_exp_normal(z);
      return any(out) ? select(out, Sigmoid(Params{}).forward(z), y) : y;
    }
    return Sigmoid(Params{}).forward(z);
  }
};

// tanh: y = tanh(x); dy/dx = 1 - y^2.
// float32 with tables (kFloat32Tables): tanh_float_table (per-interval polynomials,
// math-inl.hpp). float64, and float32 without tables (AVX2), with their own constants:
// odd: computed on a = |x| and the sign of x restored (tanh(-0) = -0).
//   a <  atanh(1/2): a + a^3 P(a^2), a minimax polynomial (no cancellation, y < 1/2);
//   a >= atanh(1/2): (1 - e) / (1 + e) with e = exp(-2a) <= 1/3; numerator and denominator
//     are exact two-term sums and one corrected quotient divides them.
// The derivative from x is 4e / (1 + e)^2, accurate in the tails.
// NaN -> NaN, tanh(+-inf) = +-1.
// Error: float32 <= 2 ulp, float64 <= 2 ulp (see fastact.info("tanh")).
// Measured: float32 0.99 ulp over all 2^32 inputs (the computed form on AVX2 0.93), float64
// 0.78 ulp (strided sweep).
template <class V>
struct Tanh {
  static constexpr bool kBackwardFromY = true;
  // float32 table: the NaN descends from |x| alone.
  static constexpr NaNPolicy kNaN =
      kFloat32Tables<V> ? NaNPolicy::single_source : NaNPolicy::canonical;
  explicit Tanh(const Params&) {}
  V forward(V x) const {
    if constexpr (kFloat32Tables<V>) {
      return tanh_float_table(x);
    } else {
      const V one = V::set(1);
      const V a = abs(x);
      const V e = exp_nonpositive(V::set(-2) * a);
      const TwoSum<V> num = fast_two_sum(one, -e);
      const TwoSum<V> den = fast_two_sum(one, e);
      const V large =
          divide_double_word<V, false, Denominator::one_to_two>(num.s, num.err, den.s, den.err);
      const V y = select(a < V::set(TanhConstants<typename V::T>::kSmall), tanh_small(a), large);
      return bit_xor(y, sign_bit(x));
    }
  }
  V backward_from_x(V x, V dy) const {
    const V e = exp_nonpositive(V::set(-2) * abs(x));
    const V r = reciprocal_1_to_2<Precision::full>(V::set(1) + e);
    return dy * (V::set(4) * e * r * r);
  }
  V backward_from_y(V y, V dy) const { return dy * fnma(y, y, V::set(1)); }
};

// softsign: y = x / (1 + |x|); dy/dx = 1 / (1 + |x|)^2 = (1 - |y|)^2.
// 1 + |x| is kept as an exact two-term sum and one corrected quotient divides by it.
// softsign(+-inf) = NaN, as PyTorch's x / (1 + |x|) (the limits would be +-1); the
// gradient there is NaN too. NaN -> NaN.
template <class V>
struct Softsign {
  static constexpr bool kBackwardFromY = true;
  // A NaN x reaches the quotient as x and as |x|; x's sign bit OR-ed in last makes either
  // one x quietened. The NaN of +-inf is the default NaN whatever the order. Skipping the
  // canonicalisation: +13% at 64K on Zen 3 (the kernel is bound by the two FMA pipes, which
  // also issue the compare and the blend).
  static constexpr NaNPolicy kNaN = NaNPolicy::single_source;
  explicit Softsign(const Params&) {}
  V forward(V x) const {
    const V one = V::set(1);
    const V a = abs(x);
    const TwoSum<V> d = fast_two_sum(max(one, a), min(one, a));
    // The quotient's special cases without compares: x = +-inf gives inf * (1/inf) = NaN
    // (PyTorch's inf / inf) through every step, and x's sign bit, which the result shares,
    // restores -0 (the correction terms add +0 to it).
    return bit_or(divide_by_double_word<V, false>(x, d.s, d.err), sign_bit(x));
  }
  V backward_from_x(V x, V dy) const {
    const V a = abs(x);
    // (a - a) + 1 is 1, or NaN for infinite x: the derivative there is NaN as in PyTorch.
    const V r = ((a - a) + V::set(1)) / (V::set(1) + a);
    return dy * (r * r);
  }
  V backward_from_y(V y, V dy) const {
    const V t = V::set(1) - abs(y);
    return dy * (t * t);
  }
};

// ---------------------------------------------------------------------------------------
// The exponential family.

// The pieces of sigmoid(z) shared by the activations that multiply it by something:
// e = exp(-|z|) = ldexp(mantissa, n), d = 1 + e exactly, and sigmoid(z) = num / d with
// num = 1 for z >= 0 and e for z < 0. times(m) forms m * sigmoid(z) from the unscaled
// mantissa and scales last, so a result in the subnormal range (x sigmoid(x) for x < -87 in
// float32) is rounded once instead of inheriting the lost bits of a subnormal e.
template <class V>
struct SigmoidParts {
  V e, num_mantissa, shift;
  TwoSum<V> d;
  typename V::Mask positive;  // z >= 0
  explicit SigmoidParts(V z) : positive(z >= V::set(0)) {
    init(exp_parts_nonpositive(negative_abs(z)));
  }
  // z_lo: a correction to z (z + z_lo is the exact argument), carried into exp(-|z|).
  SigmoidParts(V z, V z_lo) : positive(z >= V::set(0)) {
    init(exp_parts_nonpositive(negative_abs(z), select(positive, -z_lo, z_lo)));
  }
  void init(const ExpParts<V>& p) {
    const V one = V::set(1);
    e = ldexp(p.mantissa, p.exponent);
    d = fast_two_sum(one, e);
    num_mantissa = select(positive, one, p.mantissa);
    shift = zero_where(positive, p.exponent);
  }
  // m * sigmoid(z): the product num * m kept exact as a two-term value, one corrected
  // quotient, one final scaling.
  V times(V m) const {
    const V n = num_mantissa * m;
    const V n_lo = fma(num_mantissa, m, -n);
    return ldexp(divide_double_word<V, true, kSigmoidDenominator<V>>(n, n_lo, d.s, d.err),
                 shift);
  }
  // For gradients (8 ulp budget): m * sigmoid(z) and 1 - sigmoid(z) from one reciprocal of
  // d (about 1 ulp) and plain products, m * sigmoid(z) still scaled last; within 3 ulp.
  V gradient_times(V m) const { return ldexp((num_mantissa * m) * sigmoid_reciprocal(d.s), shift); }
  V one_minus_sigmoid() const { return select(positive, e, V::set(1)) * sigmoid_reciprocal(d.s); }
};

// elu(alpha): y = x for x > 0, alpha * expm1(x) otherwise;
// dy/dx = 1 for x > 0, alpha * exp(x) = y + alpha otherwise (PyTorch's elu_backward; NaN for
// a NaN x). From y needs alpha >= 0 (checked by the bindings).
// expm1 keeps full relative accuracy near 0, where exp(x) - 1 would cancel.
// Error: float32 <= 2 ulp, float64 <= 2 ulp.
// Measured: float32 0.88 ulp over all 2^32 inputs, float64 1.08 ulp (strided sweep).
//
// The backward from x of elu and selu, D::backward<kNormal>(x, dy) with exp(min(x, 0)): the
// general path, and a fast path for blocks within exp's normal range (kExpNormalBound,
// FastBounds; elu +9%, selu +8-13% at 64K on Zen 3).
template <class V, class D>
struct ExpBranchBackward {
  template <int>
  static constexpr FastBounds fast_bounds() {
    return {0, kExpNormalBound<typename V::T>};
  }
  V backward_from_x(V x, V dy) const {
    return static_cast<const D&>(*this).template backward<false>(x, dy);
  }
  template <int>
  V backward_fast(V x, V dy) const {
    return static_cast<const D&>(*this).template backward<true>(x, dy);
  }
};
template <class V>
struct Elu : ExpBranchBackward<V, Elu<V>> {
  static constexpr bool kBackwardFromY = true;
  V alpha;
  explicit Elu(const Params& p) : alpha(V::set(typename V::T(p.v[0]))) {}
  V forward(V x) const { return select(x > V::set(0), x, alpha * expm1(x)); }
  template <bool kNormal>
  V backward(V x, V dy) const {
    return select(x > V::set(0), dy, dy * (alpha * exp_of_nonpositive_part<kNormal>(x)));
  }
  V backward_from_y(V y, V dy) const { return select(y > V::set(0), dy, dy * (y + alpha)); }
};

// selu: y = scale * x for x > 0, scale * alpha * expm1(x) otherwise, with PyTorch's
// constants; dy/dx = scale, or scale * alpha * exp(x) = y + scale * alpha.
// scale * alpha is applied as a two-term constant so the product rounds once.
// Error: float32 <= 2 ulp, float64 <= 2 ulp.
// Measured: float32 1.55 ulp over all 2^32 inputs, float64 2.27 ulp (strided sweep).
template <class T>
struct SeluConstants;
template <>
struct SeluConstants<float> {
  static constexpr float kScale = 0x1.0cfabep+0f;          // 1.0507009873554805
  static constexpr float kScaleLo = -0x1.2addda0p-25f;     // ... = kScale + kScaleLo
  static constexpr float kScaleAlphaHi = 0x1.c212ccp+0f;   // scale * alpha = 1.7580993408473768
  static constexpr float kScaleAlphaLo = 0x1.903c0cp-26f;  // ... = hi + lo
};
template <>
struct SeluConstants<double> {
  static constexpr double kScale = 0x1.0cfabd6a91132p+0;  // PyTorch's double constant itself
  static constexpr double kScaleLo = 0.0;
  static constexpr double kScaleAlphaHi = 0x1.c212cc640f031p+0;
  static constexpr double kScaleAlphaLo = 0x1.05161b045a1fep-56;
};
template <class V>
struct Selu : ExpBranchBackward<V, Selu<V>> {
  static constexpr bool kBackwardFromY = true;
  using C = SeluConstants<typename V::T>;
  explicit Selu(const Params&) {}
  static V scale_alpha_times(V m) {
    return fma(V::set(C::kScaleAlphaHi), m, V::set(C::kScaleAlphaLo) * m);
  }
  // scale * x rounded once from the two-term float32 constant, so results near FLT_MAX
  // overflow exactly when the true product does; min() keeps the low product finite at
  // x = inf (NaN stays NaN: second operand).
  V forward(V x) const {
    using T = typename V::T;
    const V lo = V::set(C::kScaleLo) * min(V::set(std::numeric_limits<T>::max()), x);
    return select(x > V::set(0), fma(V::set(C::kScale), x, lo), scale_alpha_times(expm1(x)));
  }
  template <bool kNormal>
  V backward(V x, V dy) const {
    return select(x > V::set(0), dy * V::set(C::kScale),
                  dy * scale_alpha_times(exp_of_nonpositive_part<kNormal>(x)));
  }
  V backward_from_y(V y, V dy) const {
    const V slope = y + V::set(C::kScaleAlphaHi);
    return select(y > V::set(0), dy * V::set(C::kScale), dy * slope);
  }
};

// celu(alpha): y = x for x > 0, alpha * expm1(x / alpha) otherwise (alpha != 0, checked by
// the bindings); dy/dx = 1, or exp(x / alpha) = y / alpha + 1.
// x / alpha is formed as x * (1 / alpha), as PyTorch does.
// Error: float32 <= 2 ulp for alpha = 1 (exact scaling), float64 <= 2 ulp.
// Measured: float32 0.88 ulp over all 2^32 inputs, float64 1.08 ulp (strided sweep).
template <class V>
struct Celu {
  static constexpr bool kBackwardFromY = true;
  // Variant 1: alpha = 1 (the default), where celu is elu(alpha = 1): no scalings, and the
  // backward from x has elu's fast path in exp's normal range (FastBounds). At 64K on Zen 3:
  // forward +9%, backward +20%. The same bits as variant 0 would give (its scalings by 1
  // are exact).
  static constexpr int kVariants = 2;
  V alpha, inv_alpha;
  bool unit_alpha;
  explicit Celu(const Params& p)
      : alpha(V::set(typename V::T(p.v[0]))),
        inv_alpha(V::set(typename V::T(1.0 / p.v[0]))),
        unit_alpha(typename V::T(p.v[0]) == 1) {}
  int variant() const { return unit_alpha ? 1 : 0; }
  template <int K>
  V forward_as(V x) const {
    if constexpr (K == 1) return select(x > V::set(0), x, expm1(x));
    return select(x > V::set(0), x, alpha * expm1(x * inv_alpha));
  }
  template <int K>
  V backward_from_x_as(V x, V dy) const {
    if constexpr (K == 1) return backward_unit<false>(x, dy);
    return select(x > V::set(0), dy, dy * exp(x * inv_alpha));
  }
  template <int K>
  static constexpr FastBounds fast_bounds() {
    return {0, K == 1 ? kExpNormalBound<typename V::T> : 0};
  }
  template <int K>
  V backward_fast(V x, V dy) const {
    return backward_unit<true>(x, dy);
  }
  // alpha = 1: exp(min(x, 0)), equal to exp(x) wherever it is kept.
  template <bool kNormal>
  static V backward_unit(V x, V dy) {
    return select(x > V::set(0), dy, dy * exp_of_nonpositive_part<kNormal>(x));
  }
  V backward_from_y(V y, V dy) const {
    return select(y > V::set(0), dy, dy * fma(y, inv_alpha, V::set(1)));
  }
};

// softplus(beta, threshold): y = log(1 + exp(beta x)) / beta, and y = x where
// beta x > threshold (PyTorch's linear region); dy/dx = sigmoid(beta x) (1 in the linear
// region). Evaluated as (max(z, 0) + log1p(exp(-|z|))) / beta with z = beta x: no overflow
// and full relative accuracy for z << 0, where the result is about exp(z).
// From y: dy/dx = 1 - exp(-beta y) = -expm1(-beta y).
// Error: float32 <= 2 ulp, float64 <= 2 ulp (beta = 1).
// Measured: float32 1.63 ulp over all 2^32 inputs, float64 1.56 ulp (strided sweep).
// Above this x, float32 softplus(x) rounds to x (log1p(exp(-x)) < half an ulp of x) and
// sigmoid(x) to 1, so a threshold at or above it changes no bit: the linear region's test can
// go. float64 needs x >= 37: never assumed (PyTorch's default threshold is 20).
template <class T>
constexpr T kSoftplusLinearFrom = std::numeric_limits<T>::infinity();
template <>
constexpr float kSoftplusLinearFrom<float> = 17.5f;

template <class V>
struct Softplus {
  using T = typename V::T;
  static constexpr bool kBackwardFromY = true;
  // Variant 2: beta = 1 and threshold >= kSoftplusLinearFrom (the defaults in float32: the
  // backward has no threshold test; 2.55 -> 2.95 Gelem/s at 64K on Zen 4); variant 1: beta = 1
  // (z = x, no division); variant 0: any beta.
  static constexpr int kVariants = 3;
  V beta, threshold;
  int form;
  explicit Softplus(const Params& p)
      : beta(V::set(T(p.v[0]))),
        threshold(V::set(T(p.v[1]))),
        form(T(p.v[0]) != T(1) ? 0 : T(p.v[1]) >= kSoftplusLinearFrom<T> ? 2 : 1) {}
  int variant() const { return form; }
  template <int K>
  V z_of(V x) const {
    if constexpr (K >= 1) return x;
    return x * beta;
  }
  template <int K>
  V forward_as(V x) const {
    const V z = z_of<K>(x);
    const V sp = max(V::set(0), z) + log1p_unit(exp_nonpositive(negative_abs(z)));
    // Variant 2 keeps the test here: without it GCC's code for this loop ran 8% slower.
    if constexpr (K >= 1) return select(z > threshold, x, sp);
    return select(z > threshold, x, sp / beta);
  }
  template <int K>
  V backward_from_x_as(V x, V dy) const {
    const V z = z_of<K>(x);
    const V d = dy * Sigmoid<V>::gradient_factor(z);
    if constexpr (K == 2) return d;
    return select(z > threshold, dy, d);
  }
  // Variant 2's backward is dy sigmoid(x): the sigmoid's fast path (FastBounds).
  template <int K>
  static constexpr FastBounds fast_bounds() {
    return {0, K == 2 ? Sigmoid<V>::template fast_bounds<0>().backward : 0};
  }
  template <int K>
  V backward_fast(V x, V dy) const {
    return dy * Sigmoid<V>::gradient_factor_fast(x);
  }
  V backward_from_y(V y, V dy) const {
    const V z = y * beta;
    return select(z > threshold, dy, dy * (V::set(0) - expm1(-z)));
  }
};

// logsigmoid: y = log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)) (= -softplus(-x));
// dy/dx = sigmoid(-x) = 1 - exp(y) = -expm1(y).
// Error: float32 <= 2 ulp, float64 <= 2 ulp.
// Measured: float32 1.63 ulp over all 2^32 inputs, float64 1.56 ulp (strided sweep).
template <class V>
struct Logsigmoid {
  static constexpr bool kBackwardFromY = true;
  explicit Logsigmoid(const Params&) {}
  // An underflowed result for large x is +0, as PyTorch's min(x, 0) - log1p(...).
  V forward(V x) const {
    return min(V::set(0), x) - log1p_unit(exp_nonpositive(negative_abs(x)));
  }
  V backward_from_x(V x, V dy) const { return dy * Sigmoid<V>::gradient_factor(-x); }
  // The backward's fast path is the sigmoid's (FastBounds; Zen 3 AVX2 at 64K: +21%). The
  // forward's with exp scaled once (|x| <= 87) measured 2% slower: none.
  template <int>
  static constexpr FastBounds fast_bounds() {
    return {0, Sigmoid<V>::template fast_bounds<0>().backward};
  }
  template <int>
  V backward_fast(V x, V dy) const {
    return dy * Sigmoid<V>::gradient_factor_fast(-x);
  }
  // 0 - expm1(y) rather than -expm1(y): +0 (not -0) where y = 0, as from x.
  V backward_from_y(V y, V dy) const { return dy * (V::set(0) - expm1(y)); }
};

// swish(beta): y = x sigmoid(beta x); silu is swish with beta = 1.
// dy/dx = s (1 + beta x (1 - s)) with s = sigmoid(beta x). x sigmoid(z) is one corrected
// quotient, x * num / (1 + e); for beta != 1 the rounding of z = beta x is carried into e
// (exp(z + z_lo) = exp(z) (1 + z_lo)), which matters for z << 0 where sigmoid(z) ~ exp(z).
// float32 silu (beta = 1) with tables for |x| <= 11.59: kSiluTable and kSiluGradTable
// (per-interval polynomials; the gradient within 2 ulp of its terms' size at silu's
// minimum, x = -1.2785, where the two cancel); otherwise (float32 without tables, float64,
// and float32 swish with beta != 1 on every ISA) swish_normal and swish_gradient_normal for
// |beta x| <= 87 (float32) or 708 (float64) (silu_normal and silu_gradient_normal for
// beta = 1), the general quotient beyond.
// silu(-inf) = NaN, like PyTorch's x / (1 + exp(-x)).
// Error: float32 <= 2 ulp, float64 <= 2 ulp.
// Measured: float32 1.75 (silu) ulp over all 2^32 inputs (the computed form on AVX2 1.66, at
// x = -91.20 on the general path; 1.40 on a 1/4099 sweep of its fast path's range),
// float64 1.43 ulp (strided sweep); swish on the sweeps for beta = 1.5, -0.7, 0.1, 3, -2.5:
// float32 1.40, 1.52, 1.53, 1.39, 1.57, float64 1.53, 1.68, 1.67, 1.41, 1.44.
// silu for |x| > 11.59, where e = exp(-|x|) < 1e-5: x > 0: x (1 - e + e^2 ...) =
// fnma(x, e, x) (x e exact inside the FMA; x capped at 2^64 in it, e being 0 there, so
// silu(inf) = inf); x < 0: x e (1 - e) with e = 2^n m, from p = x m as hi + lo and
// scaled last. silu(-inf) = NaN (-inf * 0) as PyTorch.
template <class V>
V silu_tail(V x) {
  const ExpParts<V> p = exp_parts_nonpositive(negative_abs(x));
  const V e = ldexp(p.mantissa, p.exponent);
  const V positive = fnma(min(x, V::set(0x1p64f)), e, x);
  const V hi = x * p.mantissa;
  const V lo = fma(x, p.mantissa, -hi);
  // The sign of x keeps -0 where x e underflows (the + lo would give +0), as PyTorch.
  // hi + (lo - hi e): the small correction first, so the sum rounds once (the exp's own
  // error and this one rounding: <= 1.5 ulp; hi - hi e rounded before adding lo reached 2.05).
  const V negative = bit_or(ldexp(hi + fnma(hi, e, lo), p.exponent), sign_bit(x));
  return select(x > V::set(0), positive, negative);
}

// swish for |beta x| <= kExpNormalBound (87 float32, 708 float64; every form but the float32
// silu with tables): with z + z_lo = beta x exactly and u = exp(-(z + z_lo)) (normal on that
// range, and so is 1 / (1 + u): exp_normal), swish(x) = x / (1 + u) for either sign, one
// corrected quotient of x by 1 + u held exactly as s + err. Against x e / (1 + e) with
// e = exp(-|z|) for z < 0 this needs no numerator product (exact as hi + lo) and no selects
// (at 64K on Zen 3: silu +24%, its backward +19%; swish(beta = 1.5) +24%, its backward +20%,
// over the ldexp-scaled general form), the error unchanged in kind (exp's relative error
// reaches the result scaled by u / (1 + u) <= 1 either way). x's sign bit keeps
// swish(-0) = -0 (the correction adds +0) and, for silu, makes a NaN's bits x's quietened
// whatever the operand order (NaNPolicy::single_source). kLow: z_lo is not 0 (beta != 1;
// silu has z = x).
template <class V, bool kLow>
V swish_exp(V z, V z_lo) {  // u = exp(-(z + z_lo))
  return exp_normal_impl<V, kLow>(V::set(0) - z, V::set(0) - z_lo);
}
template <class V, bool kLow>
V swish_normal(V x, V z, V z_lo) {
  const V one = V::set(1);
  const V u = swish_exp<V, kLow>(z, z_lo);
  const TwoSum<V> d = fast_two_sum(max(one, u), min(one, u));
  return bit_or(divide_by_double_word<V, false>(x, d.s, d.err), sign_bit(x));
}
// Its derivative s (1 + z (1 - s)) on the same range, with s = r = 1 / (1 + u) and
// 1 - s = u r: no cancellation in either tail, no selects (the 8-ulp gradient budget; the
// factor vanishes at z = -1.2785, where its relative error grows as in every form).
template <class V, bool kLow>
V swish_gradient_normal(V z, V z_lo) {
  const V one = V::set(1);
  const V u = swish_exp<V, kLow>(z, z_lo);
  const V r = one / (one + u);  // 1 + u is not in [1, 2]: a true division
  return r * fma(z, u * r, one);
}
template <class V>
V silu_normal(V x) {
  return swish_normal<V, false>(x, x, x);
}
template <class V>
V silu_gradient_normal(V x) {
  return swish_gradient_normal<V, false>(x, x);
}

template <class V>
struct Swish {
  static constexpr bool kBackwardFromY = false;
  // Variant 1: beta = 1 (silu), beta x exact; variant 0: any beta.
  static constexpr int kVariants = 2;
  // silu: every NaN comes from the float32 table path (NaN fails both range tests) or from
  // silu_normal, x quietened either way; swish with beta != 1: canonical.
  static constexpr NaNPolicy kNaN[kVariants] = {NaNPolicy::canonical, NaNPolicy::single_source};
  V beta;
  bool unit_beta;
  explicit Swish(const Params& p)
      : beta(V::set(typename V::T(p.v[0]))), unit_beta(typename V::T(p.v[0]) == 1) {}
  explicit Swish(V beta_) : beta(beta_), unit_beta(true) {}
  int variant() const { return unit_beta ? 1 : 0; }
  // z + z_lo = beta x exactly where z is finite (z_lo is NaN where z overflowed: the
  // general form takes it as 0, finite_or_zero); silu: z = x, z_lo unused.
  struct ScaledArg {
    V z, z_lo;
  };
  template <int K>
  ScaledArg scaled(V x) const {
    if constexpr (K == 1) return {x, V::set(0)};
    const V z = beta * x;
    return {z, fma(beta, x, -z)};
  }
  template <int K>
  SigmoidParts<V> parts(V x) const {
    if constexpr (K == 1) return SigmoidParts<V>(x);
    const ScaledArg a = scaled<K>(x);
    return SigmoidParts<V>(a.z, finite_or_zero(a.z_lo));
  }
  // Everywhere but the float32 silu with tables: swish_normal for the lanes with
  // |beta x| <= 87 (float32) or 708 (float64), all of them nearly always (one test per
  // vector), the general quotient for the others only when some lane needs it. NaN lanes
  // take swish_normal (silu's NaNPolicy::single_source). float64 on AVX2 (64K, Zen 3, one
  // thread) against the general form alone: silu 1.8x forward, 1.9x backward; swish(1.5)
  // 1.4x both ways (beyond_exp_normal, math-inl.hpp).
  template <int K>
  V forward_as(V x) const {
    if constexpr (K == 1 && kFloat32Tables<V>) {
      // float32 silu: kSiluTable for |x| <= kSiluTableMaxAbsArg (1e-4 of N(0, 3^2) inputs
      // lie outside); outside it silu_tail, for the lanes that need it only when some lane
      // does.
      const V y = forward_fast<K>(x);
      const typename V::Mask out = abs(x) > V::set(kSiluTableMaxAbsArg);
      return any(out) ? select(out, silu_tail(x), y) : y;
    } else {
      const ScaledArg a = scaled<K>(x);
      const V y = swish_normal<V, K == 0>(x, a.z, a.z_lo);
      const typename V::Mask out = beyond_exp_normal(a.z);
      return any(out) ? select(out, parts<K>(x).times(x), y) : y;
    }
  }
  template <int K>
  V backward_from_x_as(V x, V dy) const {
    if constexpr (K == 1 && kFloat32Tables<V>) {
      // float32 silu': kSiluGradTable (silu'(-|x|), then 1 - it for x > 0) on the forward
      // table's range, the same fallback.
      const V d = backward_fast<K>(x, dy);
      const typename V::Mask out = abs(x) > V::set(kSiluTableMaxAbsArg);
      return any(out) ? select(out, backward_by_quotient<K>(x, dy), d) : d;
    } else {
      const ScaledArg a = scaled<K>(x);
      const V d = dy * swish_gradient_normal<V, K == 0>(a.z, a.z_lo);
      const typename V::Mask out = beyond_exp_normal(a.z);
      return any(out) ? select(out, backward_by_quotient<K>(x, dy), d) : d;
    }
  }
  // silu: float32 with tables, the tables alone where no lane leaves them; otherwise
  // silu_normal and silu_gradient_normal where no lane's exp is subnormal (FastBounds).
  // Blocks with a lane beyond take the general quotient for those lanes only, so an
  // element's bits never depend on its neighbours.
  template <int K>
  static constexpr FastBounds fast_bounds() {
    constexpr double bound = K != 1              ? 0
                             : kFloat32Tables<V> ? kSiluTableMaxAbsArg
                                                 : kExpNormalBound<typename V::T>;
    return {bound, bound};
  }
  template <int K>
  V forward_fast(V x) const {
    if constexpr (kFloat32Tables<V>) {
      return uniform_table_polynomial(kSiluTable, kSiluTableInvWidth, x);
    } else {
      return silu_normal(x);
    }
  }
  template <int K>
  V backward_fast(V x, V dy) const {
    if constexpr (kFloat32Tables<V>) {
      const V g =
          uniform_table_polynomial(kSiluGradTable, kSiluGradTableInvWidth, negative_abs(x));
      return dy * complement_where_nonnegative(x, g);
    } else {
      return dy * silu_gradient_normal(x);
    }
  }
  template <int K>
  V backward_by_quotient(V x, V dy) const {
    const SigmoidParts<V> p = parts<K>(x);
    const V z = K == 1 ? x : beta * x;
    const V one_minus_s = p.one_minus_sigmoid();
    // |1 + z (1 - s)| is at most about |z|. Where z is so large that the product with dy
    // could overflow, s has underflowed (the result is a signed zero) or 1 - s has (the
    // factor is 1): clamping z changes nothing else.
    const V big = V::set(typename V::T(0x1p40));
    const V factor = fma(min(big, max(-big, z)), one_minus_s, V::set(1));
    // At x = +-inf the gradient is NaN, as PyTorch's.
    const V inf = V::set(std::numeric_limits<typename V::T>::infinity());
    return select(abs(x) == inf, inf - inf, p.gradient_times(dy * factor));
  }
};
template <class V>
struct Silu : Swish<V> {
  explicit Silu(const Params&) : Swish<V>(V::set(1)) {}  // bit for bit swish(beta = 1)
};

// mish: y = x tanh(softplus(x)). With e = exp(-|x|), tanh(log(1 + exp(x))) is the rational
//   (1 + 2e) / (1 + 2e + 2e^2)          for x >= 0,
//   e (2 + e) / (2 + e (2 + e))         for x < 0 (relative accuracy kept as x -> -inf),
// so one exponential and one corrected quotient give the whole function. Numerators and
// denominators are carried as exact two-term values (error-free sums and FMA products), and
// for x < 0 the factor 2^n of e = m 2^n is applied last (subnormal results round once).
// dy/dx = t + x (1 - t^2) sigmoid(x), t = tanh(softplus(x)), with 1 - t written without
// cancellation: 2e^2 / (1 + 2e + 2e^2) for x >= 0, 2 / (2 + e(2 + e)) for x < 0.
// mish(-inf) = NaN, like PyTorch's x * tanh(softplus(x)).
// Error: float32 <= 2 ulp, float64 <= 2 ulp.
// Measured: float32 1.67 ulp over all 2^32 inputs, float64 1.50 ulp (strided sweep).
template <class V>
struct Mish {
  static constexpr bool kBackwardFromY = false;
  explicit Mish(const Params&) {}
  struct Parts {
    TwoSum<V> num;  // tanh(softplus(x)) = 2^shift * num / den
    TwoSum<V> den;
    V one_minus_num;  // 1 - tanh(softplus(x)) = one_minus_num / den
    V shift;
    V sigmoid_mantissa;  // sigmoid(x) = 2^shift * sigmoid_mantissa
  };
  // a * (b.s + b.err) as an unevaluated sum.
  static TwoSum<V> times(V a, TwoSum<V> b) {
    const V hi = a * b.s;
    return {hi, fma(a, b.s, -hi) + a * b.err};
  }
  static Parts parts(V x) {
    const V one = V::set(1), two = V::set(2);
    const ExpParts<V> ep = exp_parts_nonpositive(negative_abs(x));
    const V e = ldexp(ep.mantissa, ep.exponent);
    const typename V::Mask positive = x >= V::set(0);
    // x >= 0: num = 1 + 2e, den = num + 2e^2.
    const V two_e = two * e;
    const TwoSum<V> n_pos = fast_two_sum(max(one, two_e), min(one, two_e));
    const V e2 = e * e;
    const V two_e2 = two * e2, two_e2_lo = two * fma(e, e, -e2);
    const TwoSum<V> d_pos0 = fast_two_sum(n_pos.s, two_e2);
    const TwoSum<V> d_pos = {d_pos0.s, d_pos0.err + (n_pos.err + two_e2_lo)};
    // x < 0: num = w = e (2 + e) (its mantissa part, scaled by 2^n at the end), den = 2 + w.
    const TwoSum<V> two_plus_e = fast_two_sum(two, e);
    const TwoSum<V> w_m = times(ep.mantissa, two_plus_e);
    const TwoSum<V> w = times(e, two_plus_e);
    const TwoSum<V> d_neg0 = fast_two_sum(two, w.s);
    const TwoSum<V> d_neg = {d_neg0.s, d_neg0.err + w.err};
    Parts p;
    p.num = {select(positive, n_pos.s, w_m.s), select(positive, n_pos.err, w_m.err)};
    p.den = {select(positive, d_pos.s, d_neg.s), select(positive, d_pos.err, d_neg.err)};
    p.one_minus_num = select(positive, two_e2, two);
    p.shift = zero_where(positive, ep.exponent);
    const TwoSum<V> d_sig = fast_two_sum(one, e);
    p.sigmoid_mantissa = divide_by_double_word<V, true, Denominator::one_to_two>(
        select(positive, one, ep.mantissa), d_sig.s, d_sig.err);
    return p;
  }
  V forward(V x) const {
    const Parts p = parts(x);
    const TwoSum<V> n = times(x, p.num);
    return ldexp(divide_double_word<V, true>(n.s, n.err, p.den.s, p.den.err), p.shift);
  }
  V backward_from_x(V x, V dy) const {
    const Parts p = parts(x);
    const V rcp = V::set(1) / p.den.s;
    const V t_mantissa = p.num.s * rcp;
    const V t = ldexp(t_mantissa, p.shift);
    const V sech2 = (p.one_minus_num * rcp) * (V::set(1) + t);
    return dy * ldexp(fma(x * sech2, p.sigmoid_mantissa, t_mantissa), p.shift);
  }
};

// hardswish: y = x relu6(x + 3) / 6 = p / 6, p = x t, t = min(max(x + 3, 0), 6): two
// roundings (x + 3 and p) as in PyTorch's x * t / 6, and p / 6 nearly correctly rounded as
// fma(p, h, p l) with h + l = 1/6, h rounded down (l > 0, so p = -0 keeps its sign: x * 0
// = -0 for x <= -3, as PyTorch). NaN stays NaN; x >= 3 gives x.
// Error: float32 <= 2 ulp, float64 <= 2 ulp.
// Measured: float32 1.91 ulp over all 2^32 inputs, float64 1.82 ulp (strided sweep).
template <class T>
struct SixthConstants;  // 1/6 = kHi + kLo, kHi = RD(1/6)
template <>
struct SixthConstants<float> {
  static constexpr float kHi = 0x1.555554p-3f, kLo = 0x1.555556p-27f;
};
template <>
struct SixthConstants<double> {
  static constexpr double kHi = 0x1.5555555555555p-3, kLo = 0x1.5555555555555p-57;
};
template <class V>
struct Hardswish {
  static constexpr bool kBackwardFromY = false;
  static constexpr NaNPolicy kNaN = NaNPolicy::single_source;  // NaN: x quietened
  explicit Hardswish(const Params&) {}
  V forward(V x) const {
    using C = SixthConstants<typename V::T>;
    // max/min return their second operand when it is NaN: NaN stays NaN.
    const V three = V::set(3);
    const V t = min(V::set(6), max(V::set(0), x + three));
    const V p = x * t;  // may overflow for x >= 3, where x itself is the answer
    return select(x >= three, x, fma(p, V::set(C::kHi), p * V::set(C::kLo)));
  }
  V backward_from_x(V x, V dy) const {
    using T = typename V::T;
    const V three = V::set(3);
    const V slope = fma(x, V::set(T(1) / T(3)), V::set(T(0.5)));
    return zero_where(x <= -three, select(x >= three, dy, dy * slope));
  }
};

// tanhshrink: y = x - tanh(x); dy/dx = tanh(x)^2.
// float32 with tables: |x|^3 H(|x|) (tanhshrink_float_table). Otherwise: below 3/4,
// x - tanh(x) = x^3 Q(x^2) by its own series (no cancellation); above, tanh is formed as an
// unevaluated sum hi + lo and subtracted in two steps, so the result keeps its relative
// accuracy where x and tanh(x) are close.
// Error: float32 <= 2 ulp, float64 <= 2 ulp.
// Measured: float32 1.73 ulp over all 2^32 inputs (the computed form on AVX2 1.90, at
// x = 0.7457, just below the series' limit), float64 1.84 ulp (strided sweep).
// a^3 as hi + lo from error-free FMA products (lo exact to a rounding of its own), and
// a^3 q rounded once from it.
template <class V>
V cube_times(V a, V q) {
  const V a2 = a * a;
  const V a2_lo = fma(a, a, -a2);
  const V a3 = a * a2;
  const V a3_lo = fma(a, a2, -a3) + a * a2_lo;
  return fma(a3, q, a3_lo * q);
}

// float32: |x|^3 H(|x|) from kTanhshrinkHTable (math-inl.hpp), one rounding besides H's;
// above 9.1, where tanh rounds to 1, |x| - 1.
template <class V>
V tanhshrink_float_table(V x) {
  const V a = abs(x);
  const V a_max = V::set(kTanhTableMaxArg);
  const V h = table_polynomial(kTanhshrinkHTable, min(a_max, a));
  const V y = select(a > a_max, a - V::set(1), cube_times(a, h));
  // x - tanh(x) is +0 for x = -0 (and keeps the sign of x for tiny x that underflow).
  return zero_where(x == V::set(0), bit_xor(y, sign_bit(x)));
}

template <class V>
struct Tanhshrink {
  static constexpr bool kBackwardFromY = false;
  explicit Tanhshrink(const Params&) {}
  V forward(V x) const {
    if constexpr (kFloat32Tables<V>) {
      return tanhshrink_float_table(x);
    } else {
      return forward_computed(x);
    }
  }
  V forward_computed(V x) const {
    const V one = V::set(1);
    const V a = abs(x);
    // Below the threshold: a^3 Q(a^2), only Q's rounding and the final one.
    const V small = cube_times(a, tanhshrink_small_tail(a * a));
    // Above the threshold, tanh(a) = (1 - e) / (1 + e) with e = exp(-2a) carried as hi + lo:
    // a - tanh(a) cancels up to 10x just above atanh(1/2), so e's own rounding would show.
    const TwoSum<V> e = exp_double_word_nonpositive(V::set(-2) * a);
    const TwoSum<V> num0 = fast_two_sum(one, -e.s);
    const TwoSum<V> den0 = fast_two_sum(one, e.s);
    const TwoSum<V> t =
        divide_double_word_parts(num0.s, num0.err - e.err, den0.s, den0.err + e.err);
    const V large = (a - t.s) - t.err;
    const V y = select(a < V::set(TanhshrinkConstants<typename V::T>::kSmall), small, large);
    // x - tanh(x) is +0 for x = -0 (and keeps the sign of x for tiny x that underflow).
    return zero_where(x == V::set(0), bit_xor(y, sign_bit(x)));
  }
  V backward_from_x(V x, V dy) const {
    // float32 table: tanh(|x|), its sign irrelevant under the square.
    V t;
    if constexpr (kFloat32Tables<V>) {
      t = tanh_magnitude_float_table(x);
    } else {
      t = Tanh<V>(Params{}).forward(x);
    }
    // dy t^2 rounded once; + 0 in the same FMA turns a zero product into +0, as
    // g - g (1 - t^2) gives.
    return fma(dy, t * t, V::set(0));
  }
};

// ---------------------------------------------------------------------------------------
// gelu(approximate): x Phi(x) ("none", Phi the standard normal CDF) or its tanh form
// x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) = x sigmoid(z), z = x (c1 + c2 x^2),
// c1 = 2 sqrt(2/pi), c2 = 0.044715 c1 ("tanh").
// In the negative tail both are tiny and relatively ill-conditioned in their argument (the
// relative error of sigmoid(z) is |z| times that of z), so z is formed as an exact
// two-term value from two-term constants and carried into exp.
// dy/dx: Phi(x) + x phi(x); tanh form s (1 + x (1 - s) z'), s = sigmoid(z), z' = c1 + 3 c2 x^2.
// gelu(-inf) = NaN and the gradient is NaN at +-inf, as PyTorch.
template <class T>
struct GeluTanhConstants;
template <>
struct GeluTanhConstants<float> {
  static constexpr float kC1Hi = 0x1.988454p+0f, kC1Lo = -0x1.857936p-25f;
  static constexpr float kC2Hi = 0x1.2444f2p-4f, kC2Lo = 0x1.49b16ap-29f;
  static constexpr float kC3 = 0x1.b6676cp-3f;  // 3 c2, for the derivative
};
template <>
struct GeluTanhConstants<double> {
  static constexpr double kC1Hi = 0x1.9884533d43651p+0, kC1Lo = -0x1.cbc0d30ebfd15p-54;
  static constexpr double kC2Hi = 0x1.2444f2a4d8b4bp-4, kC2Lo = -0x1.6c843a29d1c70p-61;
  static constexpr double kC3 = 0x1.b6676bf7450f0p-3;
};

// sigmoid(z) pieces for the tanh form, z = x (c1 + c2 x^2) as z_hi + z_lo.
template <class V>
SigmoidParts<V> gelu_tanh_parts(V x) {
  using C = GeluTanhConstants<typename V::T>;
  const V x2 = x * x;
  const V x2_lo = fma(x, x, -x2);
  const V c2 = V::set(C::kC2Hi);
  const V p = c2 * x2;
  const V p_lo = fma(c2, x2, -p) + (c2 * x2_lo + V::set(C::kC2Lo) * x2);
  const TwoSum<V> t = two_sum(V::set(C::kC1Hi), p);
  const V t_lo = t.err + (p_lo + V::set(C::kC1Lo));
  const V z = x * t.s;
  const V z_lo = fma(x, t.s, -z) + x * t_lo;  // NaN where z overflowed: dropped
  return SigmoidParts<V>(z, finite_or_zero(z_lo));
}

// The exact form in float64 (float32: the quadratic table and gelu_float_table for the tail
// with 32-entry lookups, gelu_float_by_g8 on AVX2; below), from tools/fit_erf.py.
// With a = |x|/sqrt2 carried as a_hi + a_lo:
//   a < 1/2:  x Phi(x) = x/2 + x^2 Q(x^2)            (Q a minimax fit; x itself is exact)
//   a >= 1/2: x Phi(x) = -exp(-a^2) H(a)              for x < 0,
//             x Phi(x) = x - exp(-a^2) H(a)           for x > 0,
// with H(a) = a erfc(a) exp(a^2) / sqrt2 smooth and fitted on four intervals (in a - c, or
// in 1/a^2 - c for the outer two): the x/2 and the 1/a of erfc cancel, so no division and
// little sensitivity to the rounding of a. a^2 is an exact two-term value folded into exp's
// reduction; exp's scale 2^n is applied last so subnormal results round once.
// Measured (tools/fit_erf.py, exact emulation): 2.07 ulp float64.
template <class T>
struct GeluErfConstants;
template <>
struct GeluErfConstants<double> {
  static constexpr double kInvSqrt2Hi = 0x1.6a09e667f3bcdp-1;
  static constexpr double kInvSqrt2Lo = -0x1.bdd3413b26456p-55;
  static constexpr double kGeluW0 = 0x1p-1;
  static constexpr double kBound[3] = {0x1.6p+0, 0x1.4p+1, 0x1.68p+2};
  static constexpr double kShift[4] = {0x1.e31p-1, 0x1.106p+1, 0x1.5bp-4, 0x0p+0};
  static constexpr int kDegree = 16;
  // H(a) on the four intervals, ascending powers of v.
  static constexpr double kH[4][17] = {
      {0x1.2f0047d2b8f34p-2, 0x1.e830e666490d7p-4, -0x1.7f86f873a270dp-4, 0x1.edea0d561b413p-5,
       -0x1.165ec3279cad8p-5, 0x1.1bcdfa15f4bcbp-6, -0x1.0ae1f789ae035p-7, 0x1.d50ac978f06bdp-9,
       -0x1.84c0552d7fe3p-10, 0x1.32075c6c81bb3p-11, -0x1.cc203ea77662ap-13,
       0x1.4bcd1ab81bcep-14, -0x1.ccaa4feab64d9p-16, 0x1.33e12f94788c1p-17,
       -0x1.8dfa04011c484p-19, 0x1.0f0851adb5391p-20, -0x1.5bc015b84a5f1p-22},
      {0x1.75772b859f484p-2, 0x1.a552df3219986p-6, -0x1.c231bd054f452p-7, 0x1.97fc5e2701671p-8,
       -0x1.4c5a5d5f4fc69p-9, 0x1.f4629b8010bdp-11, -0x1.61ac58f461c0bp-12,
       0x1.da4170c7b53ddp-14, -0x1.2fcdf7eadc1e4p-15, 0x1.75ddb5a9d404bp-17,
       -0x1.bbc2e9079254bp-19, 0x1.fda56497fd15ep-21, -0x1.1b4261bc38ea3p-22,
       0x1.36d2d6ac0adeep-24, -0x1.54a80038a7526p-26, 0x1.4284a3bc12e14p-29,
       -0x1.a111c437f5f9ap-29},
      {0x1.890c2b8ad210cp-2, -0x1.48b1b6d309baap-3, 0x1.6e8d93afb633ep-3, -0x1.33b99b5909cb1p-2,
       0x1.4aaa795c534aap-1, -0x1.a59713a4dbbeep+0, 0x1.316b53c7d9586p+2, -0x1.e9428bfedf419p+3,
       0x1.a9326ed1cae55p+5, -0x1.8b9523fdeec42p+7, 0x1.862900f146628p+9, -0x1.937d5ac01161p+11,
       0x1.aea35c564902bp+13, -0x1.eb9e48179c6f9p+15, 0x1.49145579398d2p+18,
       -0x1.9cdecdd9a11fap+20, 0x1.0ed45c7a546b1p+22},
      {0x1.9884533d43651p-2, -0x1.9884533d43efep-3, 0x1.32633e6f0c919p-2, -0x1.7efc0f4a9b281p-1,
       0x1.4f1cffeb59ebap+1, -0x1.791c47ccf608dp+3, 0x1.059bf54aef82ep+6, -0x1.f2952f4804943p+8,
       0x1.4766a2bc4086ap+13, -0x1.0965d3989ff71p+19, 0x1.a49b70e5c06b7p+24,
       -0x1.00da504c2b386p+30, 0x1.ce5abf150df7bp+34, -0x1.285529a9cff24p+39,
       0x1.ff7e75d12e1c6p+42, -0x1.0a4591a889de5p+46, 0x1.f92d4f5a086a2p+47},
  };
  static constexpr double kQ[9] = {0x1.9884533d4365p-2, -0x1.1058377e2cdf9p-4, 0x1.46d042975ad36p-7, -0x1.37403f651c951p-10,
      0x1.e42b0a10ff2e1p-14, -0x1.3ce87f911e59dp-17, 0x1.6573f1bf5233fp-21,
      -0x1.5fbd2d011bdf4p-25, 0x1.13ba78d9bf828p-29};
};

template <class V>
struct GeluErfParts {
  V a_hi, a_lo, h, mantissa, exponent;
  typename V::Mask small;
  // m exp(-a^2), the product with the mantissa scaled last.
  V exp_times(V m) const { return ldexp(mantissa * m, exponent); }
  V exp_value() const { return ldexp(mantissa, exponent); }
};
template <class V>
GeluErfParts<V> gelu_erf_parts(V x) {
  using C = GeluErfConstants<typename V::T>;
  GeluErfParts<V> p;
  const V ax = abs(x);
  p.a_hi = ax * V::set(C::kInvSqrt2Hi);
  p.a_lo = fma(ax, V::set(C::kInvSqrt2Lo), fma(ax, V::set(C::kInvSqrt2Hi), -p.a_hi));
  p.small = p.a_hi < V::set(C::kGeluW0);
  const V a2 = p.a_hi * p.a_hi;
  const V a2_lo = fma(p.a_hi + p.a_hi, p.a_lo, fma(p.a_hi, p.a_hi, -a2));
  const ExpParts<V> e = exp_parts_nonpositive(-a2, -a2_lo);
  p.mantissa = e.mantissa;
  p.exponent = e.exponent;
  // The interval's coefficients, chosen lane by lane.
  const typename V::Mask m1 = p.a_hi >= V::set(C::kBound[0]);
  const typename V::Mask m2 = p.a_hi >= V::set(C::kBound[1]);
  const typename V::Mask m3 = p.a_hi >= V::set(C::kBound[2]);
  // Lane by lane, the interval's entry of c by three selects.
  const auto by_selects = [&](const typename V::T (&c)[4]) {
    return select(m3, V::set(c[3]), select(m2, V::set(c[2]), select(m1, V::set(c[1]), V::set(c[0]))));
  };
  const auto coefficient = [&](int j) {
    const typename V::T c[4] = {C::kH[0][j], C::kH[1][j], C::kH[2][j], C::kH[3][j]};
    return by_selects(c);
  };
  const V shift = by_selects(C::kShift);
  const V v = select(m2, V::set(1) / a2 - shift, (p.a_hi - shift) + p.a_lo);
  V h = coefficient(C::kDegree);
  for (int j = C::kDegree - 1; j >= 0; --j) h = fma(h, v, coefficient(j));
  p.h = h;
  return p;
}
template <class V>
V gelu_small_q(V x2) {
  using C = GeluErfConstants<typename V::T>;
  constexpr int n = sizeof(C::kQ) / sizeof(C::kQ[0]);
  V q = V::set(C::kQ[n - 1]);
  for (int j = n - 2; j >= 0; --j) q = fma(q, x2, V::set(C::kQ[j]));
  return q;
}

// The exact form in float32: for |x| <= 8.49 (all but 0.23% of N(0, 3^2) inputs) one table
// lookup, gelu(-|x|) from kGeluNegativeTable plus x where x >= 0 (gelu_float_quadratic_table,
// math-inl.hpp), the derivative likewise from kGeluNegativeGradTable. Below -8.49 (and
// for the derivative above 8.49), the lanes that need it when some lane does: with
// s = |x| and e = exp(-x^2/2) (x^2/2 an exact two-term argument, e = 2^n m scaled last),
// x Phi(x) = -e G(s) for x < 0 and x - e G(s) for x >= 0, G(s) = (s/2) erfcx(s/sqrt2) from
// kGeluGTable. s enters G unrounded (no 1/sqrt2 scaling), so the relative accuracy holds
// down to underflow. gelu(+-0) = +-0, gelu(inf) = inf, gelu(-inf) is forced to NaN by the
// caller. The tail's derivative reads K(s) = G(s)/s (kGeluKTable) in the same way.
// Measured: 2.17 ulp over all 2^32 float32 inputs, at x = -11.64 in the tail formula (the
// tanh form: 1.98); on AVX2 (gelu_float_by_g8, below) 2.78, at x = -0.333 (G's interval
// from 0; the four-interval erfc fit it replaced: 2.48), its tanh form 1.89, at x = -6.115.
// gelu_grad_float_by_d8: 2.90 ulp of its yardstick (a tenth of its terms around its
// zero at x = -0.7518) on a 1/997 bit-pattern sweep (the erfc fit's: 13).
template <class V>
struct GeluTableParts {
  V f;             // the table's function of |x|: G or K
  ExpParts<V> e;   // exp(-x^2/2)
};
// exp(-x^2/2) = 2^n m: -x^2/2 = z + z_lo exactly, from the exact -x/2 (z_lo is NaN where z
// overflowed: exp's mantissa is 0 there). kNormal: |x| <= 15, no clamp needed.
template <class V, bool kNormal = false>
ExpParts<V> gelu_exp_parts(V x) {
  const V h = x * V::set(-0.5f);
  const V z = h * x;
  return exp_parts_nonpositive<V, !kNormal>(z, fma(h, x, -z));
}
template <class V, std::size_t Rows>
GeluTableParts<V> gelu_table_parts(V x, const float (&table)[Rows][32]) {
  return {table_polynomial(table, min(V::set(kGeluGTableMaxArg), abs(x))), gelu_exp_parts(x)};
}
template <class V>
V gelu_float_table(V x) {
  const GeluTableParts<V> p = gelu_table_parts(x, kGeluGTable);
  const V y_neg = -ldexp(p.e.mantissa * p.f, p.e.exponent);
  const V y_pos = fnma(ldexp(p.e.mantissa, p.e.exponent), p.f, x);
  return select(x < V::set(0), y_neg, y_pos);
}

// gelu'(x) for float32, any x: with s = |x| and e = exp(-x^2/2), Phi(-s) = e K(s),
// K(s) = erfcx(s/sqrt2)/2 (kGeluKTable), and s phi(x) = s e/sqrt(2 pi). So
// v = e (K - s/sqrt(2 pi)) (scaled last) is the derivative for x < 0, and 1 - v for x >= 0
// (Phi(x) = 1 - Phi(-x)). At x = +-inf, exp's mantissa is 0 and K - s/sqrt(2 pi) is -inf:
// the derivative is NaN, as PyTorch's; an underflowed one is +0.
template <class V>
V gelu_grad_float_by_k_table(V x) {
  const V s = abs(x);
  const GeluTableParts<V> p = gelu_table_parts(x, kGeluKTable);
  const V v = ldexp(p.e.mantissa * fnma(s, V::set(0.3989422804014327f), p.f), p.e.exponent);
  return select(x < V::set(0), v, V::set(1) - v) + V::set(0);
}

// The exact form in float32 on AVX2 (where a 32-entry lookup costs seven operations but an
// 8-entry one a single vpermps): with s = |x| and e = exp(-x^2/2) = 2^n m as above,
// x Phi(x) = -e G(s) for x < 0 and x - e G(s) for x >= 0, G from kGeluG8Table; the
// derivative e D(s) for x < 0 and 1 - e D(s) for x >= 0, D from kGeluD8Table. About 45
// operations per vector, against 83 for the four-interval erfc fit the float64 kernel uses
// (with its small-|x| branch and a division). kNormal: for |x| <= kGeluLookup8NormalBound,
// where 2^n and e G are normal, one multiplication by 2^n scales (the kernels' fast path);
// otherwise ldexp of the product, so a subnormal result rounds once. Both give the same bits
// where both apply. s is clamped to kGeluLookup8MaxArg, beyond which e G and e D underflow.
// gelu(+-0) = +-0 (G(0) = +0, and -0 - 0 = -0), gelu(inf) = inf; -inf is the caller's.
constexpr float kGeluLookup8NormalBound = 13.0f;  // x^2/2 <= 84.5: n >= -122
// With kNormal, e = m 2^n is exact and e G = (m G) 2^n, so the fast path forms e once and
// gelu as max(-0, x) - e G in one FMA: for x < 0, -0 - e G, which keeps the sign where e G
// rounds to 0 (x = -2^-149); max returns its second operand for equal zeros and for NaN,
// so +0 -> +0 - 0 = +0 and NaN -> NaN.
template <bool kNormal, class V>
V gelu_float_by_g8(V x) {
  const V g = lookup8_table_polynomial(kGeluG8Table, min(V::set(kGeluLookup8MaxArg), abs(x)));
  const ExpParts<V> p = gelu_exp_parts<V, kNormal>(x);
  if constexpr (kNormal) {
    return fnma(p.mantissa * pow2_integral(p.exponent), g, max(V::set(-0.0f), x));
  } else {
    const V y_neg = -ldexp(p.mantissa * g, p.exponent);
    const V y_pos = fnma(ldexp(p.mantissa, p.exponent), g, x);
    return select(x < V::set(0), y_neg, y_pos);
  }
}
// + 0: an underflowed derivative is +0, as PyTorch's. +-inf: the caller's (NaN).
template <bool kNormal, class V>
V gelu_grad_float_by_d8(V x) {
  const V d = lookup8_table_polynomial(kGeluD8Table, min(V::set(kGeluLookup8MaxArg), abs(x)));
  const ExpParts<V> p = gelu_exp_parts<V, kNormal>(x);
  const V v = kNormal ? (p.mantissa * pow2_integral(p.exponent)) * d
                      : ldexp(p.mantissa * d, p.exponent);
  return complement_where_nonnegative(x, v) + V::set(0);
}

template <class V>
struct Gelu {
  static constexpr bool kBackwardFromY = false;
  using T = typename V::T;
  // Variant 1: the tanh form; variant 0: the exact (erf) form.
  static constexpr int kVariants = 2;
  // float32 erf form: every NaN comes from the table path on |x| (NaN fails the tail test).
  static constexpr NaNPolicy kNaN[kVariants] = {
      kFloat32Tables<V> ? NaNPolicy::single_source : NaNPolicy::canonical,
      NaNPolicy::canonical};
  bool tanh_form;
  explicit Gelu(const Params& p) : tanh_form(p.v[0] != 0) {}
  int variant() const { return tanh_form ? 1 : 0; }
  // float32 erf form: the quadratic tables alone where no lane leaves them; without tables
  // the 8-interval form's normal-range scaling (gelu_float_by_g8, kNormal) (FastBounds).
  template <int K>
  static constexpr FastBounds fast_bounds() {
    constexpr double bound = K != 0                ? 0
                             : kFloat32Tables<V>   ? kGeluNegativeTableMaxArg
                             : kFloat32Computed<V> ? kGeluLookup8NormalBound
                                                   : 0;
    return {bound, bound};
  }
  template <int K>
  V forward_fast(V x) const {
    if constexpr (kFloat32Tables<V>) {
      return gelu_float_quadratic_table(x);
    } else {
      return gelu_float_by_g8<true>(x);
    }
  }
  template <int K>
  V backward_fast(V x, V dy) const {
    if constexpr (kFloat32Tables<V>) {
      return dy * gelu_grad_float_quadratic_table(x);
    } else {
      return dy * gelu_grad_float_by_d8<true>(x);
    }
  }
  // The computed erf form (float64).
  static V forward_erf(V x) {
    const GeluErfParts<V> p = gelu_erf_parts(x);
    const V x2 = x * x;
    // x/2 + x^2 Q; the sign bit restores -0 where x/2 underflows (the result is <= 0 there).
    const V y_small = bit_or(fma(x * gelu_small_q(x2), x, x * V::set(T(0.5))), sign_bit(x));
    const V y_neg = -p.exp_times(p.h);
    const V y_pos = fma(-p.exp_value(), p.h, x);
    return select(p.small, y_small, select(x < V::set(0), y_neg, y_pos));
  }
  // Phi(x) + x phi(x), phi(x) = exp(-a^2) / sqrt(2 pi).
  static V backward_erf(V x, V dy) {
    const V inv_sqrt_2pi = V::set(T(0.3989422804014327));
    const GeluErfParts<V> p = gelu_erf_parts(x);
    const V x2 = x * x;
    const V e = p.exp_value();
    const V d_small = fma(x, gelu_small_q(x2), V::set(T(0.5))) + x * (e * inv_sqrt_2pi);
    // x < 0: 2^n m (h / |x| - |x| / sqrt(2 pi)), scaled last; x > 0: Phi = 1 - e h / x.
    const V ax = abs(x);
    const V d_neg = p.exp_times(p.h / ax - ax * inv_sqrt_2pi);
    const V d_pos = fnma(e, p.h / x, V::set(1)) + x * (e * inv_sqrt_2pi);
    // + 0: an underflowed derivative is +0, as PyTorch's (and the reference's).
    return dy * (select(p.small, d_small, select(x < V::set(0), d_neg, d_pos)) + V::set(0));
  }
  template <int K>
  V forward_as(V x) const {
    const V inf = V::set(std::numeric_limits<T>::infinity());
    if constexpr (K == 1) return gelu_tanh_parts(x).times(x);
    if constexpr (kFloat32Tables<V>) {
      // kGeluNegativeTable for x >= -8.49 (0.23% of N(0, 3^2) inputs lie below); below it
      // gelu_float_table, for the lanes that need it only when some lane does.
      const V y = forward_fast<K>(x);
      const typename V::Mask tail = x < V::set(-kGeluNegativeTableMaxArg);
      if (!any(tail)) return y;
      return select(tail, select(x == -inf, inf - inf, gelu_float_table(x)), y);  // gelu(-inf) = NaN
    } else if constexpr (kFloat32Computed<V>) {
      return select(x == -inf, inf - inf, gelu_float_by_g8<false>(x));  // gelu(-inf) = NaN
    } else {
      return select(x == -inf, inf - inf, forward_erf(x));  // gelu(-inf) = NaN, as PyTorch
    }
  }
  template <int K>
  V backward_from_x_as(V x, V dy) const {
    const V inf = V::set(std::numeric_limits<T>::infinity());
    const V nan = inf - inf;
    const V big = V::set(T(0x1p40));
    if constexpr (K == 1) {
      using C = GeluTanhConstants<T>;
      const SigmoidParts<V> p = gelu_tanh_parts(x);
      const V x2 = x * x;
      const V dz = fma(V::set(C::kC3), x2, V::set(C::kC1Hi));
      const V one_minus_s = p.one_minus_sigmoid();
      // d/dx x s(z) = s (1 + x (1 - s) z'); clamped like swish's where s or 1 - s vanished.
      const V factor = fma(min(big, max(-big, x * one_minus_s)), min(big, dz), V::set(1));
      const V g = p.gradient_times(dy * min(big, max(-big, factor)));
      // An underflowed derivative is +0 (PyTorch): a zero result takes the sign of dy.
      return select(abs(x) == inf, nan, select(g == V::set(0), dy * V::set(0), g));
    }
    if constexpr (kFloat32Tables<V>) {
      // kGeluNegativeGradTable for |x| <= 8.49; beyond (and at +-inf, where the derivative
      // is NaN as PyTorch's) gelu_grad_float_by_k_table.
      const typename V::Mask tail = abs(x) > V::set(kGeluNegativeTableMaxArg);
      if (!any(tail)) return backward_fast<K>(x, dy);
      return dy * select(tail, gelu_grad_float_by_k_table(x), gelu_grad_float_quadratic_table(x));
    } else if constexpr (kFloat32Computed<V>) {
      return select(abs(x) == inf, nan, dy * gelu_grad_float_by_d8<false>(x));
    } else {
      return select(abs(x) == inf, nan, backward_erf(x, dy));
    }
  }
};

// ---------------------------------------------------------------------------------------
// The research activations of the lecture notes (not in PyTorch). Their float32 powers are
// evaluated in float64, where exp(y log x) loses only |y log x| float64 ulps, far below a
// float32 ulp: arelu's by float32_power (polynomials cut to float32's needs), sbaf's
// general alpha by in_float64 with the plain float64 log and exp (Precision::seed of
// scaled_power). float64 carries the exponent as a two-term value (Precision::full) and
// inherits the growth for large |y log x|.
template <class T>
constexpr Precision kPowerPrecision = std::is_same_v<T, float> ? Precision::seed : Precision::full;

// arelu(k, n): approximate ReLU, y = k x^n for x > 0, +0 for x <= 0;
// dy/dx = k n x^(n-1) for x > 0, 0 for x <= 0 (also at the kink). NaN -> NaN.
// float32 by float32_power (math-inl.hpp), float64 by scaled_power.
// Error: float32 <= 1 ulp; float64 grows like |n log x| ulps (see fastact.info).
// Measured: float32 0.58 ulp over all 2^32 inputs (x = 1.169e16), <= 0.61 for k, n in
// {(2, 0.5), (1, 50), (3, 0.01), (0.5, -1.5), (-2, 2)} on a strided sweep, also times dy.
template <class V>
struct Arelu {
  static constexpr bool kBackwardFromY = false;
  using T = typename V::T;
  T k, n;  // the parameters in the element type, as every kernel takes them
  double log_k, log_kn;  // log(k), log(k n) where positive (0 otherwise, unused)
  explicit Arelu(const Params& p)
      : k(T(p.v[0])),
        n(T(p.v[1])),
        log_k(log_of_positive(double(k))),
        log_kn(log_of_positive(double(k) * double(n))) {}
  static double log_of_positive(double c) { return c > 0 ? std::log(c) : 0.0; }
  PowerParams forward_power() const { return {double(n), double(k), log_k}; }
  PowerParams derivative_power() const { return {double(n) - 1, double(k) * double(n), log_kn}; }
  V forward(V x) const {
    V y;
    if constexpr (std::is_same_v<T, float>) {
      y = float32_power(x, forward_power());
    } else {
      y = scaled_power(x, double(k), log_k, double(n));
    }
    return select(x > V::set(0), y, keep_where(is_nan(x), x));
  }
  V backward_from_x(V x, V dy) const {
    V g;
    if constexpr (std::is_same_v<T, float>) {
      g = float32_power_times(x, dy, derivative_power());
    } else {
      const PowerParams d = derivative_power();
      g = dy * scaled_power(x, d.c, d.log_c, d.e);
    }
    return select(x > V::set(0), g, keep_where(is_nan(x), x));
  }
};

// sbaf(k, alpha): y = 1 / (1 + t), t = k x^alpha (1 - x)^(1 - alpha), on 0 <= x <= 1
// (NaN outside, as the real formula; k > 0 and 0 <= alpha <= 1, checked by the bindings;
// x^0 = 1 including at x = 0).
// dy/dx = y (1 - y) (x - alpha) / (x (1 - x)) = k x^(alpha-1) (1-x)^(-alpha) (x - alpha) / (1+t)^2
// (the second form, without the 1 - y cancellation). At the end points it is the one-sided
// limit: -inf at 0 and +inf at 1 for 0 < alpha < 1; k/(1+k)^2 at 0 for alpha = 0;
// -k/(1+k)^2 at 1 for alpha = 1; the formula gives the remaining end values itself.
// alpha = 1/2 (the default), float32: natively, t = k sqrt(x - x^2) (the radicand rounded
// once by an FMA, the square root correctly rounded on every ISA), k s kept as hi + lo and
// one corrected quotient 1 / (1 + t); for k <= 2, 1 + t lies in [1, 2] and needs no
// division. Its derivative k (x - 1/2) / (s (1 + t)^2) by one division. Everything else
// (other alpha, float64) in float64 (in_float64).
// Error: float32 <= 2 ulp (the share of t's rounding in y is t / (1 + t) < 1).
// Measured: float32 0.87 ulp over all 2^32 inputs (k = 0.98); 1.46 on the strided sweep at
// k = 50.
template <class V>
struct Sbaf {
  static constexpr bool kBackwardFromY = false;
  using T = typename V::T;
  T k, alpha;  // the parameters in the element type, as every kernel takes them
  double log_k;  // k > 0 (checked by the bindings)
  // alpha = 1/2: x^a (1 - x)^(1 - a) = sqrt(x (1 - x)), one correctly rounded square root
  // instead of two powers (x (1 - x) is exact in float64 for float32 x).
  bool half;
  bool k_at_most_2;  // then 1 + k sqrt(x (1 - x)) <= 2
  explicit Sbaf(const Params& p)
      : k(T(p.v[0])),
        alpha(T(p.v[1])),
        log_k(std::log(double(k))),
        half(alpha == T(0.5)),
        k_at_most_2(k <= T(2)) {}
  static constexpr bool kNativeHalf = std::is_same_v<T, float>;
  // 1 / (1 + k sqrt(x - x^2)) for 0 <= x <= 1 (alpha = 1/2).
  V forward_half(V x) const {
    const V one = V::set(1), kv = V::set(k);
    const V s = sqrt(fnma(x, x, x));
    const V t = kv * s;
    const V t_lo = fma(kv, s, -t);
    if (k_at_most_2) {
      const TwoSum<V> d = fast_two_sum(one, t);
      return divide_by_double_word<V, false, Denominator::one_to_two>(one, d.s, d.err + t_lo);
    }
    const TwoSum<V> d = fast_two_sum(max(one, t), min(one, t));
    return divide_by_double_word<V, false>(one, d.s, d.err + t_lo);
  }
  // dy k (x - 1/2) / (s (1 + t)^2); + 0 under the root makes x = -0 the end point 0 (-inf).
  V backward_half(V x, V dy) const {
    const V kv = V::set(k);
    const V s = sqrt(fnma(x, x, x) + V::set(0));
    const V d = V::set(1) + kv * s;
    return dy * ((kv * (x - V::set(T(0.5)))) / (s * (d * d)));
  }
  // k x^alpha (1 - x)^(1 - alpha), the exponent summed as a two-term value.
  template <class W>
  W t_of(W x) const {
    if (half) return W::set(double(k)) * sqrt(x * (W::set(1) - x));
    return scaled_power<kPowerPrecision<T>>(x, double(k), log_k, double(alpha)) *
           scaled_power<kPowerPrecision<T>>(W::set(1) - x, 1.0, 0.0, 1 - double(alpha));
  }
  static typename V::Mask outside(V x) { return !((x >= V::set(0)) & (x <= V::set(1))); }
  static V nan() { return V::set(std::numeric_limits<T>::quiet_NaN()); }
  V forward(V x) const {
    if constexpr (kNativeHalf) {
      if (half) return select(outside(x), nan(), forward_half(x));
    }
    const V y = in_float64(x, [this](auto v) {
      using W = decltype(v);
      return W::set(1) / (W::set(1) + t_of(v));
    });
    return select(outside(x), nan(), y);
  }
  V backward_from_x(V x, V dy) const {
    if constexpr (kNativeHalf) {
      if (half) return select(outside(x), nan(), backward_half(x, dy));
    }
    // dy times the derivative, in float64 (one rounding for float32).
    const V g = in_float64(x, dy, [this](auto v, auto w) {
      using W = decltype(v);
      const W one = W::set(1);
      const W den = one + t_of(v);
      const double a = alpha, kd = k;
      // + 0: x = -0 is the end point 0 (+0 under the root: -inf, not +inf, at x = -0).
      const W inner = half ? W::set(kd) * (v - W::set(0.5)) / sqrt(v * (one - v) + W::set(0))
                           : scaled_power<kPowerPrecision<T>>(v, kd, log_k, a - 1) *
                                 scaled_power<kPowerPrecision<T>>(one - v, 1.0, 0.0, -a) *
                                 (v - W::set(a));
      W r = inner / (den * den);
      const W edge = W::set(kd / ((1 + kd) * (1 + kd)));
      if (alpha == 0) r = select(v == W::set(0), edge, r);
      if (alpha == 1) r = select(v == one, -edge, r);
      return w * r;
    });
    return select(outside(x), nan(), g);
  }

};
