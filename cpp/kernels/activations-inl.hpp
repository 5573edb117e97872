// The activations, each written once over the vector type V and compiled once per ISA.
// Fragment: included by isa_*.cpp inside the ISA's anonymous namespace, after math-inl.hpp.
//
// Each Op<V> is built from the call's Params (converted to the element type once per call)
// and provides
//   forward(x)               y = f(x)
//   backward_from_x(x, dy)   dy * f'(x)
//   backward_from_y(y, dy)   dy * f'(x) written in terms of y = f(x), where kBackwardFromY.
// Subgradients at kinks and NaN handling follow PyTorch unless a block says otherwise.
// "Error" is the maximum measured by `python -m fastact accuracy` against the float64
// reference (ulps of the correctly rounded result); "exact" means correctly rounded.

// Shared helper: x / 6 correctly rounded up to O(2^-2p): the product with the rounded 1/6
// is off by at most an ulp, and its exact FMA residual corrects it.
template <class V>
V divide_by_6(V hi, V lo) {
  using T = typename V::T;
  const V sixth = V::set(T(1) / T(6));
  const V q = hi * sixth;
  const V r = fnma(q, V::set(T(6)), hi) + lo;
  return fma(r, sixth, q);
}

// identity: y = x; dy/dx = 1. Exact.
template <class V>
struct Identity {
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
  static constexpr bool kBackwardFromY = true;
  explicit Relu(const Params&) {}
  V forward(V x) const { return max(V::set(0), x); }
  V backward_from_x(V x, V dy) const { return select(x <= V::set(0), V::set(0), dy); }
  V backward_from_y(V y, V dy) const { return backward_from_x(y, dy); }
};

// hardtanh(min_val, max_val): y = min(max_val, max(min_val, x));
// dy/dx = 1 on the open interval (min_val, max_val), 0 elsewhere including both kinks.
// NaN: y = NaN, gradient passes through (PyTorch's hardtanh_backward). Exact.
// From y (min_val < max_val): the same test applied to y.
template <class V>
struct Hardtanh {
  static constexpr bool kBackwardFromY = true;
  V lo, hi;
  explicit Hardtanh(const Params& p)
      : lo(V::set(typename V::T(p.v[0]))), hi(V::set(typename V::T(p.v[1]))) {}
  Hardtanh(V lo_, V hi_) : lo(lo_), hi(hi_) {}
  V forward(V x) const { return min(hi, max(lo, x)); }
  V backward_from_x(V x, V dy) const { return select((x <= lo) | (x >= hi), V::set(0), dy); }
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
  static constexpr bool kBackwardFromY = true;
  V slope;
  explicit LeakyRelu(const Params& p) : slope(V::set(typename V::T(p.v[0]))) {}
  V forward(V x) const { return select(x > V::set(0), x, x * slope); }
  V backward_from_x(V x, V dy) const { return select(x > V::set(0), dy, dy * slope); }
  V backward_from_y(V y, V dy) const { return backward_from_x(y, dy); }
};

// hardsigmoid: y = relu6(x + 3) / 6 = clamp(x/6 + 1/2, 0, 1);
// dy/dx = 1/6 on (-3, 3), 0 elsewhere including the kinks and NaN (PyTorch).
// x + 3 is kept as an exact two-term sum and divided with a corrected quotient: exact.
template <class V>
struct Hardsigmoid {
  static constexpr bool kBackwardFromY = true;
  explicit Hardsigmoid(const Params&) {}
  V forward(V x) const {
    const V three = V::set(3);
    const TwoSum<V> s = fast_two_sum(three, x);  // exact where |x| <= 3, the only lanes kept
    const V y = divide_by_6(s.s, s.err);
    return select(x >= three, V::set(1), select(x <= -three, V::set(0), y));
  }
  V backward_from_x(V x, V dy) const {
    const V three = V::set(3);
    return select((x > -three) & (x < three), divide_by_6(dy, V::set(0)), V::set(0));
  }
  V backward_from_y(V y, V dy) const {
    return select((y > V::set(0)) & (y < V::set(1)), divide_by_6(dy, V::set(0)), V::set(0));
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
  static constexpr bool kBackwardFromY = true;
  explicit PwlSigmoid(const Params&) {}
  V forward(V x) const {
    const V one = V::set(1);
    return min(one, max(V::set(0), (x + one) * V::set(typename V::T(0.5))));
  }
  V backward_from_x(V x, V dy) const {
    const V one = V::set(1);
    return select((x > -one) & (x < one), dy * V::set(typename V::T(0.5)), V::set(0));
  }
  V backward_from_y(V y, V dy) const {
    return select((y > V::set(0)) & (y < V::set(1)), dy * V::set(typename V::T(0.5)), V::set(0));
  }
};

// threshold(threshold, value): y = x if x > threshold else value; dy/dx = [x > threshold].
// NaN: y = NaN, gradient passes through (PyTorch tests x <= threshold). Exact.
// Not from y: `value` may equal outputs of the pass-through branch.
template <class V>
struct Threshold {
  static constexpr bool kBackwardFromY = false;
  V threshold, value;
  explicit Threshold(const Params& p)
      : threshold(V::set(typename V::T(p.v[0]))), value(V::set(typename V::T(p.v[1]))) {}
  V forward(V x) const { return select(x <= threshold, value, x); }
  V backward_from_x(V x, V dy) const { return select(x <= threshold, V::set(0), dy); }
};

// hardshrink(lambd): y = 0 for -lambd <= x <= lambd, else x; dy/dx = 0 on that closed band.
// NaN: y = NaN, gradient passes through. From y (lambd >= 0): dy where y != 0. Exact.
template <class V>
struct Hardshrink {
  static constexpr bool kBackwardFromY = true;
  V lambd;
  explicit Hardshrink(const Params& p) : lambd(V::set(typename V::T(p.v[0]))) {}
  typename V::Mask in_band(V x) const { return (x >= -lambd) & (x <= lambd); }
  V forward(V x) const { return select(in_band(x), V::set(0), x); }
  V backward_from_x(V x, V dy) const { return select(in_band(x), V::set(0), dy); }
  V backward_from_y(V y, V dy) const { return select(y == V::set(0), V::set(0), dy); }
};

// softshrink(lambd >= 0): y = x - lambd above lambd, x + lambd below -lambd, else 0
// (written x * 0 so NaN propagates, as PyTorch); dy/dx = 0 on the closed band.
// From y: dy where y != 0. Exact (one rounding).
template <class V>
struct Softshrink {
  static constexpr bool kBackwardFromY = true;
  V lambd;
  explicit Softshrink(const Params& p) : lambd(V::set(typename V::T(p.v[0]))) {}
  V forward(V x) const {
    return select(x > lambd, x - lambd, select(x < -lambd, x + lambd, x * V::set(0)));
  }
  V backward_from_x(V x, V dy) const {
    return select((x >= -lambd) & (x <= lambd), V::set(0), dy);
  }
  V backward_from_y(V y, V dy) const { return select(y == V::set(0), V::set(0), dy); }
};

// sigmoid: y = 1 / (1 + exp(-x)); dy/dx = y (1 - y).
// Evaluated on a = |x| so exp never overflows: with e = exp(-a) and d = 1 + e held exactly
// as a two-term sum, y = 1/d for x >= 0 and e/d for x < 0, each by one corrected quotient.
// The derivative from x is e / (1 + e)^2, accurate in both tails (y(1 - y) from y loses
// the relative accuracy of the small factor once y rounds near 1).
// NaN -> NaN; sigmoid(-inf) = 0, sigmoid(inf) = 1.
// Error: float32 <= 2 ulp, float64 <= 2 ulp (see fastact.info("sigmoid")).
template <class V>
struct Sigmoid {
  static constexpr bool kBackwardFromY = true;
  explicit Sigmoid(const Params&) {}
  V forward(V x) const {
    const V one = V::set(1);
    const V e = exp_nonpositive(negative_abs(x));
    const TwoSum<V> d = fast_two_sum(one, e);
    const V numerator = select(x >= V::set(0), one, e);
    return divide_by_double_word(numerator, d.s, d.err);
  }
  V backward_from_x(V x, V dy) const {
    const V e = exp_nonpositive(negative_abs(x));
    const V r = V::set(1) / (V::set(1) + e);
    return dy * (e * r * r);
  }
  V backward_from_y(V y, V dy) const { return dy * (y * (V::set(1) - y)); }
};

// tanh: y = tanh(x); dy/dx = 1 - y^2.
// Odd: computed on a = |x| and the sign of x restored (tanh(-0) = -0).
//   a <  atanh(1/2): a + a^3 P(a^2), a minimax polynomial (no cancellation, y < 1/2);
//   a >= atanh(1/2): (1 - e) / (1 + e) with e = exp(-2a) <= 1/3; numerator and denominator
//     are exact two-term sums and one corrected quotient divides them.
// The derivative from x is 4e / (1 + e)^2, accurate in the tails.
// NaN -> NaN, tanh(+-inf) = +-1.
// Error: float32 <= 2 ulp, float64 <= 2 ulp (see fastact.info("tanh")).
template <class V>
struct Tanh {
  static constexpr bool kBackwardFromY = true;
  explicit Tanh(const Params&) {}
  V forward(V x) const {
    const V one = V::set(1);
    const V a = abs(x);
    const V e = exp_nonpositive(V::set(-2) * a);
    const TwoSum<V> num = fast_two_sum(one, -e);
    const TwoSum<V> den = fast_two_sum(one, e);
    const V large = divide_double_word(num.s, num.err, den.s, den.err);
    const V y = select(a < V::set(TanhConstants<typename V::T>::kSmall), tanh_small(a), large);
    return bit_xor(y, sign_bit(x));
  }
  V backward_from_x(V x, V dy) const {
    const V e = exp_nonpositive(V::set(-2) * abs(x));
    const V r = V::set(1) / (V::set(1) + e);
    return dy * (V::set(4) * e * r * r);
  }
  V backward_from_y(V y, V dy) const { return dy * fnma(y, y, V::set(1)); }
};

// softsign: y = x / (1 + |x|); dy/dx = 1 / (1 + |x|)^2 = (1 - |y|)^2.
// 1 + |x| is kept as an exact two-term sum and one corrected quotient divides by it.
// +-inf -> +-1 and gradient 0: the limits. (PyTorch evaluates the formula literally and
// returns NaN there; we return the mathematical values.) NaN -> NaN.
template <class V>
struct Softsign {
  static constexpr bool kBackwardFromY = true;
  explicit Softsign(const Params&) {}
  V forward(V x) const {
    const V one = V::set(1);
    const V a = abs(x);
    const TwoSum<V> d = fast_two_sum(max(one, a), min(one, a));
    const V y = divide_by_double_word(x, d.s, d.err);
    const V inf = V::set(std::numeric_limits<typename V::T>::infinity());
    return select(a == inf, bit_or(one, sign_bit(x)), y);
  }
  V backward_from_x(V x, V dy) const {
    const V r = V::set(1) / (V::set(1) + abs(x));
    return dy * (r * r);
  }
  V backward_from_y(V y, V dy) const {
    const V t = V::set(1) - abs(y);
    return dy * (t * t);
  }
};
