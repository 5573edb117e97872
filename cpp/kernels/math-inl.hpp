// Elementary functions on the vector types, written once and compiled once per ISA.
// Fragment: included by isa_*.cpp inside the ISA's anonymous namespace, after the vector
// wrapper. Every function is exact in its special cases (NaN in -> NaN out, infinities and
// underflow handled) and documents its accuracy as measured by `python -m fastact accuracy`.
//
// Constants are hex floats; polynomial coefficients come from tools/fit_polynomials.py.

// ---------------------------------------------------------------------------------------
// Small building blocks.

// Horner's rule with FMA: c0 + x*(c1 + x*(c2 + ...)), coefficients in ascending order.
template <class V>
V horner(V, typename V::T c) {
  return V::set(c);
}
template <class V, class... Cs>
V horner(V x, typename V::T c0, Cs... cs) {
  return fma(horner(x, cs...), x, V::set(c0));
}

// a + b = s + err exactly (Dekker's Fast2Sum), valid when |a| >= |b| or a is zero.
template <class V>
struct TwoSum {
  V s, err;
};
template <class V>
TwoSum<V> fast_two_sum(V a, V b) {
  const V s = a + b;
  return {s, (a - s) + b};
}

// 1/d for 1 <= d <= 2 without a division (which issues at one vector per 10-16 cycles):
// the minimax quadratic 70/33 - 48/33 d + 32/99 d^2 has relative error |1 - d r| <= 1/99,
// and each Newton step r += r (1 - d r) squares it (2^-13.3, 2^-26.5, 2^-53). Only FMAs: the
// same bits on every ISA. NaN -> NaN.
// Precision::full: within about 1 ulp (two steps for float32, three for float64).
// Precision::seed: enough for the quotient correction of divide_double_word, whose own error
// is the product of the seed's and the first quotient's (one step for float32: 2^-26.5 of
// the result; three for float64).
enum class Precision { seed, full };
template <Precision P, class V>
V reciprocal_1_to_2(V d) {
  using T = typename V::T;
  constexpr int steps = sizeof(T) == 8 ? 3 : P == Precision::full ? 2 : 1;
  const V one = V::set(1);
  V r = horner(d, T(70) / T(33), T(-48) / T(33), T(32) / T(99));
  for (int i = 0; i < steps; ++i) r = fma(r, fnma(d, r, one), r);
  return r;
}

// Where a quotient's denominator lies: anywhere (a true division forms 1/d), or in [1, 2]
// (reciprocal_1_to_2).
enum class Denominator { any, one_to_two };

template <class V, Denominator D>
V reciprocal(V d) {
  if constexpr (D == Denominator::one_to_two) {
    return reciprocal_1_to_2<Precision::seed>(d);
  } else {
    return V::set(1) / d;
  }
}

// (nh + nl) / (dh + dl) with nearly a single rounding, for |nl| << |nh| and |dl| << |dh|.
// q0 = nh * rcp is within 2^-13 (relative) of the quotient, rcp being 1/dh correctly
// rounded or from reciprocal_1_to_2; the residual nh - q0*dh (one FMA, rounded far below
// the result's ulp) plus the low parts, times rcp, corrects it with a final FMA, whose own
// error is the product of the two small errors. Error: 0.5 ulp + O(2^-2p) with a division,
// 0.5 ulp + 2^-2.5 ulp (float32) from reciprocal_1_to_2.
// KeepSpecials: where the residual is NaN (an infinite numerator: inf - inf) or the
// numerator is zero (whose sign the +0 correction would erase), return the plain quotient,
// which is then already the answer. Callers whose numerators are finite and nonzero skip it.
template <class V>
struct QuotientResidual {
  V rcp, q0, r;  // 1/dh, nh/dh once rounded, the residual (nh + nl) - q0 (dh + dl)
};
template <class V, Denominator D, bool kLow>
QuotientResidual<V> quotient_residual(V nh, V nl, V dh, V dl) {
  const V rcp = reciprocal<V, D>(dh);
  const V q0 = nh * rcp;
  V r = fnma(q0, dh, nh);
  if constexpr (kLow) r = r + nl;
  return {rcp, q0, fnma(q0, dl, r)};
}
template <class V, bool KeepSpecials, Denominator D, bool kLow>
V corrected_quotient(V nh, V nl, V dh, V dl) {
  const QuotientResidual<V> q = quotient_residual<V, D, kLow>(nh, nl, dh, dl);
  const V y = fma(q.r, q.rcp, q.q0);
  if constexpr (KeepSpecials) return select(is_nan(q.r) | (nh == V::set(0)), q.q0, y);
  return y;
}
template <class V, bool KeepSpecials = false, Denominator D = Denominator::any>
V divide_double_word(V nh, V nl, V dh, V dl) {
  return corrected_quotient<V, KeepSpecials, D, true>(nh, nl, dh, dl);
}
// The same for an exact numerator (no low part to add).
template <class V, bool KeepSpecials = false, Denominator D = Denominator::any>
V divide_by_double_word(V n, V dh, V dl) {
  return corrected_quotient<V, KeepSpecials, D, false>(n, n, dh, dl);
}
// The same, returning the quotient as an unevaluated sum hi + lo (lo is the correction
// term, exact to about 2^-p of itself), for callers that subtract it from something close.
template <class V, Denominator D = Denominator::any>
TwoSum<V> divide_double_word_parts(V nh, V nl, V dh, V dl) {
  const QuotientResidual<V> q = quotient_residual<V, D, true>(nh, nl, dh, dl);
  const V hi = fma(q.r, q.rcp, q.q0);
  return {hi, fma(q.r, q.rcp, q.q0 - hi)};
}
// ---------------------------------------------------------------------------------------
// exp(z)
//
// Formula: z = n*ln2 + r with n = round(z/ln2), |r| <= ln2/2, reduced in two steps
//   (Cody-Waite: ln2 = kLn2Hi + kLn2Lo, kLn2Hi with enough trailing zeros that n*kLn2Hi is
//   exact for every n the clamp allows), exp(r) by a polynomial, then ldexp(exp(r), n).
// Range: all inputs. z is clamped to [kMinArg, kMaxArg], just outside the interval where
//   the result is neither 0 nor inf, so the clamped values still round to 0 / overflow to
//   inf exactly as the true function; subnormal results are rounded once by ldexp.
// Special cases: exp(NaN) = NaN, exp(-inf) = +0, exp(+inf) = +inf.
// Accuracy (relative): about 0.75 ulp in float32 and float64 (polynomial 0.73 / 0.71 ulp,
//   plus the reduction error).
template <class T>
struct ExpConstants;
template <>
struct ExpConstants<float> {
  static constexpr float kLog2e = 0x1.715476p+0f;
  static constexpr float kLn2Hi = 0x1.62e4p-1f;  // 16 bits: n * kLn2Hi exact for |n| <= 160
  static constexpr float kLn2Lo = 0x1.7f7d1cp-20f;
  static constexpr float kRoundMagic = 0x1.8p23f;  // x + kRoundMagic rounds x to an integer
  static constexpr float kMinArg = -104.0f;        // exp(-104) < 2^-150: rounds to +0
  static constexpr float kMaxArg = 89.0f;          // exp(89) > FLT_MAX: overflows to inf
};
template <>
struct ExpConstants<double> {
  static constexpr double kLog2e = 0x1.71547652b82fep+0;
  static constexpr double kLn2Hi = 0x1.62e42fefa38p-1;  // 42 bits: exact for |n| <= 1100
  static constexpr double kLn2Lo = 0x1.ef35793c7673p-45;
  static constexpr double kRoundMagic = 0x1.8p52;
  static constexpr double kMinArg = -746.0;
  static constexpr double kMaxArg = 710.0;
};

// exp(r) for |r| <= ln2/2 (plus rounding slack): 1 + r + r^2 Q(r) with Q a minimax fit
// (relative error 2^-28.25 in float32 at degree 6, 2^-57.92 in float64 at degree 11), in
// the nested order s = Q(r) by Horner, s = fma(s, r, 1), y = fma(s, r, 1): the last step
// rounds once and s's own error is scaled by |r| < 0.35. Measured 0.727 ulp (float32) and
// 0.705 ulp (float64) on dense grids of the interval (tools/fit_polynomials.py).
// Q(r) = (exp(r) - 1 - r) / r^2.
inline VecF32 exp_reduced_inner(VecF32 r) {
  return horner(r, 0x1.fffffcp-2f, 0x1.555494p-3f, 0x1.5558bep-5f, 0x1.123856p-7f,
                0x1.6a3d0ep-10f);
}
inline VecF64 exp_reduced_inner(VecF64 r) {
  return horner(r, 0x1.000000000000ap-1, 0x1.555555555550dp-3, 0x1.55555555507bap-5,
                0x1.111111112453fp-7, 0x1.6c16c184319ep-10, 0x1.a01a013850448p-13,
                0x1.a0199a21bd8c8p-16, 0x1.71df0cc1ea062p-19, 0x1.28ad4c1c0ec1ep-22,
                0x1.ad9ef00129bc3p-26);
}
template <class V>
V exp_reduced(V r) {
  const V one = V::set(1);
  return fma(fma(exp_reduced_inner(r), r, one), r, one);
}

// expm1(r) for |r| <= ln2/2: r + r^2/2 + r^3 R(r), minimax (2^-31.1 float32 at degree 7,
// 2^-61.6 float64 at degree 12), evaluated as s = 1/2 + r R(r) by Horner and
// fma(r*r, s, r). Measured 0.685 ulp (float32) and 0.678 ulp (float64).
inline VecF32 expm1_reduced(VecF32 r) {
  const VecF32 s = horner(r, 0.5f, 0x1.555554p-3f, 0x1.5554f8p-5f, 0x1.1112dep-7f,
                          0x1.6d3a24p-10f, 0x1.9e66b8p-13f);
  return fma(r * r, s, r);
}
inline VecF64 expm1_reduced(VecF64 r) {
  const VecF64 s = horner(r, 0.5, 0x1.5555555555559p-3, 0x1.5555555555559p-5,
                          0x1.111111110f708p-7, 0x1.6c16c16c16799p-10, 0x1.a01a01af9c9b3p-13,
                          0x1.a01a019e846acp-16, 0x1.71ddf93a0b68ep-19, 0x1.27e4f8569a99fp-22,
                          0x1.af5d00f8fc5b8p-26, 0x1.1f395ee9d223ap-29);
  return fma(r * r, s, r);
}

// z = n ln2 + r with n = round(z / ln2) (one rounding, by the magic-number trick) and
// |r| <= ln2/2, in two steps: n * kLn2Hi is exact for every n the callers' clamps allow.
template <class V>
struct Ln2Reduction {
  V n, r;
};
template <class V>
Ln2Reduction<V> reduce_ln2(V z) {
  using C = ExpConstants<typename V::T>;
  const V magic = V::set(C::kRoundMagic);
  const V n = fma(z, V::set(C::kLog2e), magic) - magic;
  const V r = fnma(n, V::set(C::kLn2Hi), z);  // exact
  return {n, fnma(n, V::set(C::kLn2Lo), r)};
}

// exp of a clamped argument (kMinArg <= z <= kMaxArg, or NaN).
template <class V>
V exp_clamped(V z) {
  const Ln2Reduction<V> t = reduce_ln2(z);
  return ldexp(exp_reduced(t.r), t.n);
}

template <class V>
V exp(V z) {
  using C = ExpConstants<typename V::T>;
  // Operand order keeps NaN: min/max return their second operand when it is NaN.
  return exp_clamped(min(V::set(C::kMaxArg), max(V::set(C::kMinArg), z)));
}

// exp(z) = ldexp(mantissa, exponent) for z <= 0, unscaled, so that a caller multiplying
// exp(z) by something (x exp(x) in silu, up to |x| ~ 2^7 in float32) can scale once at the
// end and keep subnormal results exact to one rounding. The range therefore reaches further
// down than exp's (kPartsMinArg); mantissa is 0 below it (including z = -inf), where even
// such products underflow. NaN -> NaN.
template <class T>
struct ExpPartsConstants;
template <>
struct ExpPartsConstants<float> {
  static constexpr float kMinArg = -120.0f;
};
template <>
struct ExpPartsConstants<double> {
  static constexpr double kMinArg = -760.0;
};
template <class V>
struct ExpParts {
  V mantissa, exponent;
};
// With kLow, the argument is z + z_lo (|z_lo| <= ulp(z)): z_lo joins the reduced argument,
// so an exact two-term argument costs no extra rounding. Without kClamp the caller
// guarantees kMinArg <= z <= 0 (or NaN): the same bits, two operations fewer.
template <class V, bool kLow, bool kClamp = true>
ExpParts<V> exp_parts_nonpositive_impl(V z, V z_lo) {
  const V lo = V::set(ExpPartsConstants<typename V::T>::kMinArg);
  const Ln2Reduction<V> t = reduce_ln2(kClamp ? max(lo, z) : z);
  V r = t.r;
  if constexpr (kLow) r = r + z_lo;
  if constexpr (!kClamp) return {exp_reduced(r), t.n};
  return {zero_where(z < lo, exp_reduced(r)), t.n};
}
template <class V>
ExpParts<V> exp_parts_nonpositive(V z) {
  return exp_parts_nonpositive_impl<V, false>(z, z);
}
template <class V, bool kClamp = true>
ExpParts<V> exp_parts_nonpositive(V z, V z_lo) {
  return exp_parts_nonpositive_impl<V, true, kClamp>(z, z_lo);
}

// exp(z) for z <= 0 (or NaN): one clamp fewer.
template <class V>
V exp_nonpositive(V z) {
  return exp_clamped(max(V::set(ExpConstants<typename V::T>::kMinArg), z));
}

// exp(z) for |z| <= -kExpNormalMinArg (or NaN), where 2^n and the result are normal
// numbers: one multiplication by 2^n (pow2_integral) instead of ldexp's two, which only
// subnormal 2^n need. The same bits as exp_nonpositive for z <= 0 (a product with a power of
// two rounds once either way); exp(87) = 6.1e37 and 1/exp(87) are normal too, so a
// quotient by 1 + exp(z) stays normal (silu_normal).
template <class T>
constexpr T kExpNormalMinArg = std::is_same_v<T, float> ? T(-87) : T(-708);  // n >= -126, -1022
// With kLow, exp(z + z_lo) for an exact two-term argument (|z_lo| <= ulp(z)): z_lo joins the
// reduced argument, as in exp_parts_nonpositive.
template <class V, bool kLow>
V exp_normal_impl(V z, V z_lo) {
  const Ln2Reduction<V> t = reduce_ln2(z);
  V r = t.r;
  if constexpr (kLow) r = r + z_lo;
  return exp_reduced(r) * pow2_integral(t.n);
}
template <class V>
V exp_normal(V z) {
  return exp_normal_impl<V, false>(z, z);
}
template <class V>
V exp_normal(V z, V z_lo) {
  return exp_normal_impl<V, true>(z, z_lo);
}
// The lanes where exp(z) or exp(-z) leaves exp_normal's range (|z| > -kExpNormalMinArg);
// false for NaN.
template <class V>
typename V::Mask beyond_exp_normal(V z) {
  return abs(z) > V::set(-kExpNormalMinArg<typename V::T>);
}
// exp(z) with exp_normal's single scaling when no lane of the vector needs more (every
// |z| <= -kExpNormalMinArg; a NaN lane does not count) and exp's clamps and two-step ldexp
// otherwise: the same bits either way, one compare and branch per vector instead of about
// eight operations. For arguments that are nearly always moderate (log_softmax's backward
// from y: +25% on rows of 1000, float32 AVX2 on Zen 3; sigmoid's e = exp(-|x|) where it has
// no block fast path). kNonpositive: z <= 0 (or NaN), one operation fewer in the test and
// exp_nonpositive's single clamp.
template <bool kNonpositive = false, class V>
V exp_normal_when_possible(V z) {
  if constexpr (kNonpositive) {
    if (!any(z < V::set(kExpNormalMinArg<typename V::T>))) return exp_normal(z);
    return exp_nonpositive(z);
  } else {
    if (!any(beyond_exp_normal(z))) return exp_normal(z);
    return exp(z);
  }
}
// exp(min(x, 0)), for derivatives that take it where x <= 0 only (the other lanes are
// discarded): kNormal for kExpNormalMinArg <= x (exp_normal's one scaling; the
// same bits). NaN -> NaN (min returns its second operand).
template <bool kNormal, class V>
V exp_of_nonpositive_part(V x) {
  const V z = min(V::set(0), x);
  if constexpr (kNormal) {
    return exp_normal(z);
  } else {
    return exp_nonpositive(z);
  }
}

// ---------------------------------------------------------------------------------------
// expm1(z) = exp(z) - 1
//
// Formula: z = n*ln2 + r as for exp; expm1(z) = 2^n (1 + expm1(r)) - 1
//   = 2 * (h * expm1(r) + (h - 1/2)) with h = 2^(n-1): h - 1/2 is exact wherever it matters
//   and h stays finite up to the overflow threshold. n = 0 returns expm1(r) itself, so tiny
//   and subnormal z come back exactly.
// Range: all inputs; z below kExpm1MinArg returns -1 (exp(z) is below half an ulp of 1).
// Special cases: NaN -> NaN, -inf -> -1, +inf -> +inf, -0 -> -0.
// Accuracy (relative): about 1 ulp in float32 and float64.
template <class T>
struct Expm1Constants;
template <>
struct Expm1Constants<float> {
  static constexpr float kMinArg = -30.0f;
};
template <>
struct Expm1Constants<double> {
  static constexpr double kMinArg = -40.0;
};

template <class V>
V expm1(V x) {
  using T = typename V::T;
  using C = ExpConstants<T>;
  const V z = min(V::set(C::kMaxArg), max(V::set(Expm1Constants<T>::kMinArg), x));
  const Ln2Reduction<V> t = reduce_ln2(z);
  const V n = t.n;
  const V em = expm1_reduced(t.r);
  const V half = V::set(T(0.5));
  // 2^(n-1), n - 1 in [-45, 127] (float64 [-59, 1023]) by the clamp: a normal power of two,
  // built directly (ldexp's two-step scaling is for subnormal and huge scales).
  const V h = pow2_integral(n - V::set(T(1)));
  const V scaled = V::set(T(2)) * fma(h, em, h - half);
  // n = 0: expm1(r) itself, with the sign of zero kept (expm1(-0) = -0).
  return select(n == V::set(T(0)), bit_or(em, sign_bit(x)), scaled);
}

// ---------------------------------------------------------------------------------------
// log1p(t) for 0 <= t <= 1 (the range softplus and log-sigmoid need: t = exp(-|z|)).
//
// Formula: 1 + t = 2^k (1 + f) with k = 0, f = t for t < 1/2, and k = 1, f = (t - 1)/2
//   (exact) otherwise, so -1/4 <= f < 1/2. With s = f / (2 + f),
//   log1p(f) = 2 atanh(s) = 2s + s T(s^2), T(w) = sum 2 w^j / (2j + 1), and since
//   2s = f - s f:  log1p(f) = f - s (f - T(s^2)). The leading f is exact and the rounded
//   division only enters the correction (at most 0.2 f), so the result stays within about
//   0.6 ulp; T is its Taylor series (|s| <= 1/5, 6 terms in float32, 12 in float64).
// Special cases: log1p(0) = 0; NaN -> NaN.
template <class T>
struct Log1pConstants;
template <>
struct Log1pConstants<float> {
  static constexpr float kLn2Hi = 0x1.62e4p-1f;
  static constexpr float kLn2Lo = 0x1.7f7d1cp-20f;
};
template <>
struct Log1pConstants<double> {
  static constexpr double kLn2Hi = 0x1.62e42fefa38p-1;
  static constexpr double kLn2Lo = 0x1.ef35793c7673p-45;
};

// T(w) = sum_j 2 w^j / (2j + 1) divided by w (the caller multiplies by w).
inline VecF32 log1p_atanh_tail(VecF32 w) {
  return horner(w, 2.0f / 3, 2.0f / 5, 2.0f / 7, 2.0f / 9, 2.0f / 11, 2.0f / 13);
}
inline VecF64 log1p_atanh_tail(VecF64 w) {
  return horner(w, 2.0 / 3, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11, 2.0 / 13, 2.0 / 15, 2.0 / 17,
                2.0 / 19, 2.0 / 21, 2.0 / 23, 2.0 / 25);
}

// log1p(f) for -0.3 <= f <= 0.5 by the atanh form above, T given by tail(w) (a shorter
// series where the caller needs less: float32_power).
template <class V, class Tail>
V log1p_atanh(V f, const Tail& tail) {
  const V s = f / (V::set(2) + f);
  const V w = s * s;
  return fnma(s, f - w * tail(w), f);
}
template <class V>
V log1p_reduced(V f) {
  return log1p_atanh(f, [](V w) { return log1p_atanh_tail(w); });
}

// U(w) = sum_{j >= 2} 2 w^(j-2) / (2j + 1): the atanh series after its s^3 term.
inline VecF32 log1p_atanh_rest(VecF32 w) {
  return horner(w, 2.0f / 5, 2.0f / 7, 2.0f / 9, 2.0f / 11, 2.0f / 13);
}
inline VecF64 log1p_atanh_rest(VecF64 w) {
  return horner(w, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11, 2.0 / 13, 2.0 / 15, 2.0 / 17, 2.0 / 19,
                2.0 / 21, 2.0 / 23, 2.0 / 25);
}

template <class V>
V log1p_unit(V t) {
  using T = typename V::T;
  using C = Log1pConstants<T>;
  const V one = V::set(1), half = V::set(T(0.5));
  const typename V::Mask upper = t >= half;
  const V f = select(upper, (t - one) * half, t);
  const V k = keep_where(upper, one);
  return fma(k, V::set(C::kLn2Hi), fma(k, V::set(C::kLn2Lo), log1p_reduced(f)));
}

// ---------------------------------------------------------------------------------------
// log(x), natural logarithm.
//
// Formula: x = m 2^k with sqrt(1/2) <= m < sqrt(2) (subnormal x scaled into the normal range
//   first), log(x) = k ln2 + log1p(m - 1); m - 1 is exact and k ln2 is split Cody-Waite style.
// Special cases: log(0) = -inf, log(x < 0) = NaN, log(inf) = inf, NaN -> NaN.
// Accuracy: about 1 ulp. Used in float64 (pow_positive computes float32 powers in float64).
template <class T>
struct LogConstants;
template <>
struct LogConstants<float> {
  static constexpr float kMinNormal = 0x1p-126f;
  static constexpr float kSubnormalScale = 0x1p24f;
  static constexpr float kSubnormalShift = 24.0f;
  static constexpr float kSqrt2 = 0x1.6a09e6p+0f;
};
template <>
struct LogConstants<double> {
  static constexpr double kMinNormal = 0x1p-1022;
  static constexpr double kSubnormalScale = 0x1p54;
  static constexpr double kSubnormalShift = 54.0;
  static constexpr double kSqrt2 = 0x1.6a09e667f3bcdp+0;
};

template <class V>
V log(V x) {
  using T = typename V::T;
  using C = LogConstants<T>;
  using L = Log1pConstants<T>;
  const V zero = V::set(0), one = V::set(1);
  const typename V::Mask tiny = x < V::set(C::kMinNormal);
  const V xs = select(tiny, x * V::set(C::kSubnormalScale), x);
  const auto me = frexp_normal(xs);
  const typename V::Mask big = me.m > V::set(C::kSqrt2);
  const V m = select(big, me.m * V::set(T(0.5)), me.m);
  const V k = select(big, me.k + one, me.k) - keep_where(tiny, V::set(C::kSubnormalShift));
  const V r = fma(k, V::set(L::kLn2Hi), fma(k, V::set(L::kLn2Lo), log1p_reduced(m - one)));
  const V inf = V::set(std::numeric_limits<T>::infinity());
  const V nan = V::set(std::numeric_limits<T>::quiet_NaN());
  return select(x == zero, -inf, select(x == inf, inf, select(x > zero, r, nan)));
}

// log1p(a) for a >= 0 (+inf and NaN pass through): log(u) for u = 1 + a as in log() above,
// except that while u < sqrt2 (exponent 0) the reduced argument is a itself, exact where
// u - 1 would have lost a's low bits. Beyond that u is exact whenever a carries at most
// p - 2 significant bits (a float32 value in float64), the case it serves: float32 lanes
// widened to float64 (log_softmax's column form), where it is some 2^-28 ulp of float32 off.
template <class V>
V log1p_nonnegative(V a) {
  using T = typename V::T;
  using C = LogConstants<T>;
  using L = Log1pConstants<T>;
  const V one = V::set(1);
  const V u = one + a;
  const auto me = frexp_normal(select(u < V::set(std::numeric_limits<T>::infinity()), u, one));
  const typename V::Mask big = me.m > V::set(C::kSqrt2);
  const V m = select(big, me.m * V::set(T(0.5)), me.m);
  const V k = select(big, me.k + one, me.k);
  const V f = select(k == V::set(0), a, m - one);
  const V r = fma(k, V::set(L::kLn2Hi), fma(k, V::set(L::kLn2Lo), log1p_reduced(f)));
  return select(u < V::set(std::numeric_limits<T>::infinity()), r, u);  // +inf, NaN
}

template <class V>
TwoSum<V> two_sum(V a, V b) {
  const V s = a + b;
  const V bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

// log(x) as an unevaluated sum hi + lo with a relative error near 2^-64 in float64, so that
// exp(y log x) loses nothing for any |y log x| up to the overflow threshold.
// Formula: as log() above, log1p(f) = 2 atanh(s), s = f / (2 + f), now with s as a two-term
//   quotient and the series 2s + (2/3) s^3 + s^5 U(s^2) summed so that its first two terms
//   are exact to 2^-2p: U's share (s^4 / 5 < 2^-12 of the result) may round freely.
// Special cases as log(); lo = 0 there.
template <class V>
TwoSum<V> log_double_word(V x) {
  using T = typename V::T;
  using C = LogConstants<T>;
  using L = Log1pConstants<T>;
  const V zero = V::set(0), one = V::set(1), two = V::set(2);
  const typename V::Mask tiny = x < V::set(C::kMinNormal);
  const V xs = select(tiny, x * V::set(C::kSubnormalScale), x);
  const auto me = frexp_normal(xs);
  const typename V::Mask big = me.m > V::set(C::kSqrt2);
  const V m = select(big, me.m * V::set(T(0.5)), me.m);
  const V k = select(big, me.k + one, me.k) - keep_where(tiny, V::set(C::kSubnormalShift));
  const V f = m - one;  // exact
  const TwoSum<V> d = fast_two_sum(two, f);
  const TwoSum<V> s = divide_double_word_parts(f, zero, d.s, d.err);
  // s^3 = (s_hi + s_lo)^3 ~ s_hi^3 + 3 s_hi^2 s_lo, the products error-free.
  const V w = s.s * s.s;
  const V w_lo = fma(s.s, s.s, -w);
  const V s3 = s.s * w;
  const V s3_lo = fma(s.s, w, -s3) + s.s * w_lo + V::set(T(3)) * w * s.err;
  const V c_hi = V::set(T(2) / T(3));
  const V c_lo = V::set(T(2) / T(3) - T(T(2) / T(3)));  // 2/3 - RN(2/3), exact enough
  const V t3 = c_hi * s3;
  const V t3_lo = fma(c_hi, s3, -t3) + (c_hi * s3_lo + c_lo * s3);
  // The rest of the series, s^5 U(s^2).
  const V rest = (s3 * w) * log1p_atanh_rest(w);
  const TwoSum<V> head = fast_two_sum(two * s.s, t3);
  const TwoSum<V> l1 = fast_two_sum(head.s, head.err + ((two * s.err + t3_lo) + rest));
  const TwoSum<V> sum = two_sum(k * V::set(L::kLn2Hi), l1.s);  // k ln2_hi is exact
  const TwoSum<V> r = fast_two_sum(sum.s, sum.err + (l1.err + k * V::set(L::kLn2Lo)));
  const V inf = V::set(std::numeric_limits<T>::infinity());
  const V nan = V::set(std::numeric_limits<T>::quiet_NaN());
  const V hi = select(x == zero, -inf, select(x == inf, inf, select(x > zero, r.s, nan)));
  return {hi, keep_where((x > zero) & (x < inf), r.err)};
}

// exp(z_hi + z_lo) for |z_lo| <= ulp(z_hi): exp(z_hi) (1 + z_lo).
// An overflowed exp(z_hi) stays inf (inf * z_lo + inf would be NaN for z_lo < 0).
template <class V>
V exp_double_word(TwoSum<V> z) {
  const V e = exp(z.s);
  const V r = fma(e, z.err, e);
  return select(is_nan(r), e, r);
}

// c * b^e for b >= 0 with b^0 = 1 (also for b = 0): exp(e log b + log c), the exponent
// carried as a two-term value, so the result is within about 1.5 ulps of the true power
// whatever the size of e log b. log_c = log(c) for c > 0 (c <= 0 multiplies at the end).
// Precision::seed: for a float64 evaluation of a float32 result (in_float64), where the
// plain log and exp are already some 2^-40 of the float32 ulp away for any exponent that
// does not overflow float32: the two-term exponent (and log's division) are skipped.
template <Precision P = Precision::full, class V>
V scaled_power(V b, double c, double log_c, double e) {
  using T = typename V::T;
  if (e == 0) return V::set(T(c));
  if constexpr (P == Precision::seed) {
    const V z = V::set(T(e)) * log(b);
    return c > 0 ? exp(z + V::set(T(log_c))) : V::set(T(c)) * exp(z);
  }
  const TwoSum<V> lb = log_double_word(b);
  const V ev = V::set(T(e));
  const V z = ev * lb.s;
  TwoSum<V> zz = {z, fma(ev, lb.s, -z) + ev * lb.err};
  if (c > 0) {
    const TwoSum<V> t = two_sum(zz.s, V::set(T(log_c)));
    zz = {t.s, t.err + zz.err};
    return select(is_nan(zz.err), exp(zz.s), exp_double_word(zz));
  }
  return V::set(T(c)) * select(is_nan(zz.err), exp(zz.s), exp_double_word(zz));
}

// A low-order correction term, dropped where it is not finite (its high part overflowed).
template <class V>
V finite_or_zero(V lo) {
  return keep_where(abs(lo) < V::set(std::numeric_limits<typename V::T>::infinity()), lo);
}

// Evaluates f in float64: directly for float64 vectors, on the two widened halves for
// float32 ones (so a float32 result is rounded once from a float64 value that is far more
// accurate). For the power functions, whose float32 error would otherwise grow with
// |y log x|.
template <class F>
VecF64 in_float64(VecF64 x, const F& f) {
  return f(x);
}
template <class F>
VecF32 in_float64(VecF32 x, const F& f) {
  const WidePair w = widen(x);
  return narrow(WidePair{f(w.lo), f(w.hi)});
}
// Two arguments.
template <class F>
VecF64 in_float64(VecF64 x, VecF64 y, const F& f) {
  return f(x, y);
}
template <class F>
VecF32 in_float64(VecF32 x, VecF32 y, const F& f) {
  const WidePair wx = widen(x), wy = widen(y);
  return narrow(WidePair{f(wx.lo, wy.lo), f(wx.hi, wy.hi)});
}

// ---------------------------------------------------------------------------------------
// c * b^e rounded once to float32, for float32 b > 0 (+inf included): the float32 power
// kernels (arelu). Evaluated as exp(e log b + log c) in float64 on the widened halves, with
// the polynomials cut to what a float32 result needs instead of float64's full degree
// (scaled_power's), which halves the chains that bound the element loop.
//
// log b = k ln2 + log1p(f): b = m 2^k split in float32 (subnormal b scaled by 2^24 first),
//   sqrt(1/2) <= m < sqrt(2), f = m - 1 exact in float64; log1p(f) = f - s (f - T(s^2)) with
//   s = f / (2 + f) and T(w) = 2w/3 + ... + 2w^5/11 (log1p_reduced's form): the first term
//   left out is below 5e-11 of log1p(f), and since |e log1p(f)| <= |e log b| + 1/3 wherever
//   the result is a finite nonzero float32 (|e log b| < 104), z = e log b + log c is off by
//   at most ~5e-9 absolutely, whatever e.
// exp(z), z clamped to [-200, 200] (beyond, every float32 result, even times a float32 dy,
//   is 0 or inf: e^200 times the smallest subnormal exceeds FLT_MAX): z = j ln2 + r in two
//   steps, |r| <= ln2/2, exp(r) by its Taylor polynomial of degree 7 (remainder < 5.3e-9),
//   times 2^j (a normal float64).
// Error: the final rounding plus ~1e-8 relative, about 0.6 ulp in float32 (arelu: 0.58 over
//   all 2^32 inputs at the defaults, <= 0.61 for other parameters and times a gradient,
//   tests/test_accuracy.py). NaN b, b <= 0: unspecified (callers select); b = +inf gives
//   c inf^e.
struct PowerParams {
  double e, c, log_c;  // log_c = log(c) for c > 0 (unused otherwise)
  // c inf^e, the value at b = +inf (e != 0).
  float at_infinity() const {
    return float(e > 0 ? c * std::numeric_limits<double>::infinity() : c * 0.0);
  }
};
// log b from the float32 split b = m 2^k (m and k exact in float64).
inline VecF64 log_of_split(VecF64 m, VecF64 k) {
  using C = Log1pConstants<double>;
  const VecF64 log1p_f = log1p_atanh(m - VecF64::set(1), [](VecF64 w) {
    return horner(w, 2.0 / 3, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11);
  });
  return fma(k, VecF64::set(C::kLn2Hi), fma(k, VecF64::set(C::kLn2Lo), log1p_f));
}
inline VecF64 exp_for_float32(VecF64 z) {
  const Ln2Reduction<VecF64> t = reduce_ln2(min(VecF64::set(200), max(VecF64::set(-200), z)));
  const VecF64 p = horner(t.r, 1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720,
                          1.0 / 5040);
  return p * pow2_integral(t.n);
}
// The exponent z = e log b + log c of both widened halves, from the float32 split of b.
inline WidePair float32_power_exponents(VecF32 b, const PowerParams& p) {
  using LC = LogConstants<float>;
  const VecF32::Mask tiny = b < VecF32::set(LC::kMinNormal);
  const auto me = frexp_normal(select(tiny, b * VecF32::set(LC::kSubnormalScale), b));
  const VecF32::Mask big = me.m > VecF32::set(LC::kSqrt2);
  const VecF32 m = select(big, me.m * VecF32::set(0.5f), me.m);
  const VecF32 k = select(big, me.k + VecF32::set(1), me.k) -
                   select(tiny, VecF32::set(LC::kSubnormalShift), VecF32::set(0));
  const WidePair wm = widen(m), wk = widen(k);
  const VecF64 e = VecF64::set(p.e), log_c = VecF64::set(p.c > 0 ? p.log_c : 0.0);
  return {fma(e, log_of_split(wm.lo, wk.lo), log_c), fma(e, log_of_split(wm.hi, wk.hi), log_c)};
}
// c b^e, times dy with kTimes (the product formed in float64: c b^e alone may leave the
// float32 range).
template <bool kTimes>
VecF32 float32_power_impl(VecF32 b, VecF32 dy, const PowerParams& p) {
  WidePair r;
  if (p.e == 0) {
    r = {VecF64::set(p.c), VecF64::set(p.c)};
  } else {
    const VecF64 scale = VecF64::set(p.c > 0 ? 1.0 : p.c);
    const WidePair z = float32_power_exponents(b, p);
    r = {scale * exp_for_float32(z.lo), scale * exp_for_float32(z.hi)};
  }
  VecF32 at_infinity = VecF32::set(p.at_infinity());
  if constexpr (kTimes) {
    const WidePair w = widen(dy);
    r = {w.lo * r.lo, w.hi * r.hi};
    at_infinity = dy * at_infinity;
  }
  if (p.e == 0) return narrow(r);
  return select(b == VecF32::set(std::numeric_limits<float>::infinity()), at_infinity, narrow(r));
}
inline VecF32 float32_power(VecF32 b, const PowerParams& p) {
  return float32_power_impl<false>(b, b, p);
}
inline VecF32 float32_power_times(VecF32 b, VecF32 dy, const PowerParams& p) {
  return float32_power_impl<true>(b, dy, p);
}

// exp(z) for z <= 0 as an unevaluated sum hi + lo, for callers that subtract it from
// something close and add it to 1 (tanhshrink's 1 -+ e). exp(r) = 1 + r s(r) is split
// exactly: hi = fma(s, r, 1), lo = fma(s, r, 1 - hi) (1 - hi is exact for hi in [0.7, 1.5]).
// z is clamped at kExpNormalMinArg: below it e < 2^-125 vanishes beside 1 all the same, and
// 2^n is a normal number, so one multiplication scales hi and lo (lo rounded once where it
// is subnormal, as ldexp would) instead of ldexp's two (tanhshrink on AVX2: 12 operations
// fewer per vector).
template <class V>
TwoSum<V> exp_double_word_nonpositive(V z) {
  const Ln2Reduction<V> t = reduce_ln2(max(V::set(kExpNormalMinArg<typename V::T>), z));
  const V one = V::set(1);
  // exp_reduced(r) = fma(fma(s, r, 1), r, 1): split its last step.
  const V s = fma(exp_reduced_inner(t.r), t.r, one);
  const V hi = fma(s, t.r, one);
  const V lo = fma(s, t.r, one - hi);
  const V scale = pow2_integral(t.n);
  return {hi * scale, lo * scale};
}

// -|x|, one bit operation.
template <class V>
V negative_abs(V x) {
  return bit_or(x, V::set(typename V::T(-0.0)));
}

// ---------------------------------------------------------------------------------------
// tanh(a) for 0 <= a <= kTanhSmall (= atanh(1/2)): odd polynomial a + a^3 * P(a^2)
// (float32 takes tanh_float_table where tables are cheap: kFloat32Tables).
template <class T>
struct TanhConstants;
template <>
struct TanhConstants<float> {
  static constexpr float kSmall = 0x1.193ea8p-1f;  // RN(atanh(1/2)) = 0.5493...; fit covers it
};
template <>
struct TanhConstants<double> {
  static constexpr double kSmall = 0x1.193ea7aad030bp-1;
};

// Minimax on [0, atanh(1/2)] for the relative error of tanh (2^-29.7 float32 at degree 11,
// 2^-60.6 float64 at degree 23); measured 0.70 / 0.69 ulp (tools/fit_polynomials.py).
// P(a^2) = (tanh(a) - a) / a^3.
inline VecF32 tanh_small_tail(VecF32 a2) {
  return horner(a2, -0x1.55554ap-2f, 0x1.110ceep-3f, -0x1.b91e7ep-5f, 0x1.58e518p-6f,
                -0x1.9921a2p-8f);
}
inline VecF64 tanh_small_tail(VecF64 a2) {
  return horner(a2, -0x1.555555555554fp-2, 0x1.111111111079p-3, -0x1.ba1ba1b97cb42p-5,
                0x1.664f4859411d3p-6, -0x1.226e2f0e6f55fp-7, 0x1.d6d29aa591a88p-9,
                -0x1.7d8fc7c1cfb1cp-10, 0x1.34834ee65c93dp-11, -0x1.e96c175418f2cp-13,
                0x1.5d6a37c52c27dp-14, -0x1.46f93a56c0d17p-16);
}
// (a - tanh(a)) / a^3 = 1/3 - 2a^2/15 + ... by its Taylor series, for tanhshrink's computed
// form (float32 with cheap lookups: kTanhshrinkHTable), which needs this quotient (not
// tanh) to full relative accuracy up to kTanhshrinkSmall = 3/4, above which a - tanh(a)
// cancels by less than 5x: 27 terms (float64) leave a truncation error below 2^-55 of it
// there; 14 (float32) are within 2^-25 of it, the rounding of their coefficients.
template <class T>
struct TanhshrinkConstants {
  static constexpr T kSmall = T(0.75);
};
inline VecF32 tanhshrink_small_tail(VecF32 a2) {
  return horner(a2,
                0x1.555556p-2f, -0x1.111112p-3f, 0x1.ba1ba2p-5f, -0x1.664f48p-6f, 0x1.226e36p-7f,
                -0x1.d6d3dp-9f, 0x1.7da364p-10f, -0x1.355824p-11f, 0x1.f57d78p-13f,
                -0x1.967e18p-14f, 0x1.497d8ep-15f, -0x1.0b132ep-16f, 0x1.b0f72ep-18f,
                -0x1.5ef2dap-19f);
}
inline VecF64 tanhshrink_small_tail(VecF64 a2) {
  return horner(a2,
                0x1.5555555555555p-2, -0x1.1111111111111p-3, 0x1.ba1ba1ba1ba1cp-5,
                -0x1.664f4882c10fap-6, 0x1.226e355e6c23dp-7, -0x1.d6d3d0e157de0p-9,
                0x1.7da36452b75e3p-10, -0x1.3558248036744p-11, 0x1.f57d7734d1664p-13,
                -0x1.967e18afcafadp-14, 0x1.497d8eea25259p-15, -0x1.0b132d39a6050p-16,
                0x1.b0f72d3ee24e9p-18, -0x1.5ef2da474e5b7p-19, 0x1.1c77df95c1c0dp-20,
                -0x1.cd299de4ae6bbp-22, 0x1.75cde6563fed9p-23, -0x1.2efe8db3aff1fp-24,
                0x1.eb3229047434cp-26, -0x1.8e25ff9327e2cp-27, 0x1.42ba1a349b490p-28,
                -0x1.0597b61cb3092p-29, 0x1.a813f6eaa7058p-31, -0x1.57bea2950f11ep-32,
                0x1.16a101c5fde96p-33, -0x1.c3b23b05e39f9p-35, 0x1.6e2193ae496d5p-36);
}

template <class V>
V tanh_small(V a) {
  const V a2 = a * a;
  return fma(a * a2, tanh_small_tail(a2), a);
}

// ---------------------------------------------------------------------------------------
// float32 functions by table (tools/fit_tables.py fits the tables and measures them).
// a >= 0 in [2^-4, 2^4) splits into 32 intervals, four per binade: the index is the exponent
// and top two mantissa bits of a (binade_quarter_index), saturated below, so interval 0 also
// covers [0, 2^-4). On interval i, f(a) = c0 + c1 t + ... + c5 t^5 with t = a - b_i exact
// (b_i inside the interval: Sterbenz) and c0 = RN(f(b_i)) nearly exact; interval 0 has b = 0,
// c0 = 0 and c1 = f'(0), so small a keep full relative accuracy. Seven lookups (vpermt2ps on
// AVX-512) and five FMAs. Rows of a table: b, then c0 .. c5; columns: intervals.
constexpr std::uint32_t kTableFirstIndex = (127 - 4) << 2;  // bits(2^-4) >> 21

// Whether the float32 kernels of V take these tables (where a lookup is one operation:
// kCheapLookup32) or the computed forms their float64 kernels use, with float32 constants.
// Both meet the documented bounds; the bits differ between the two.
template <class V>
constexpr bool kFloat32Tables = std::is_same_v<typename V::T, float> && kCheapLookup32;
template <class V>
constexpr bool kFloat32Computed = std::is_same_v<typename V::T, float> && !kCheapLookup32;

// Row entry i of a 32-column table (lookup32) or of an 8-column one (lookup8, AVX2's short
// tables below).
inline auto table_entry(const float (&row)[32], Index32 i) { return lookup32(row, i); }
inline auto table_entry(const float (&row)[8], Index32 i) { return lookup8(row, i); }
template <class V, std::size_t Rows, std::size_t Cols>
V table_horner(const float (&table)[Rows][Cols], Index32 i, V a) {
  const V t = a - table_entry(table[0], i);
  V p = table_entry(table[Rows - 1], i);
  for (std::size_t k = Rows - 2; k >= 1; --k) p = fma(p, t, table_entry(table[k], i));
  return p;
}
template <class V, std::size_t Rows>
V table_polynomial(const float (&table)[Rows][32], V a) {
  return table_horner(table, binade_quarter_index(a, kTableFirstIndex), a);
}

// tanh(a), a clamped to 9.1 (tanh rounds to 1 from 9.011). Worst interval 0.96 ulp
// (interval 0); interval 0 holds c1 = 1, so tiny a and +-0 come back exactly.
constexpr float kTanhTableMaxArg = 0x1.233334p+3f;  // 9.1
alignas(64) constexpr float kTanhTable[7][32] = {
    {  // b
        0x0p+0f, 0x1.5fe34p-4f, 0x1.9ffde6p-4f, 0x1.dfe2e6p-4f,
        0x1.1ff20ep-3f, 0x1.6006ap-3f, 0x1.a01ad6p-3f, 0x1.e01738p-3f,
        0x1.201c7cp-2f, 0x1.600068p-2f, 0x1.9fefaap-2f, 0x1.e0167ep-2f,
        0x1.2018bp-1f, 0x1.5ffc7cp-1f, 0x1.a01cfcp-1f, 0x1.dff95ap-1f,
        0x1.20155cp+0f, 0x1.5fef1ep+0f, 0x1.a01248p+0f, 0x1.dfe98p+0f,
        0x1.1ff226p+1f, 0x1.5fe7f2p+1f, 0x1.a01c78p+1f, 0x1.e01726p+1f,
        0x1.1fe142p+2f, 0x1.5fe8bep+2f, 0x1.9fef28p+2f, 0x1.e01f4p+2f,
        0x1.11b8dap+3f, 0x1.233334p+3f, 0x1.233334p+3f, 0x1.233334p+3f,
    },
    {  // c0
        0x0p+0f, 0x1.5f0648p-4f, 0x1.9e9142p-4f, 0x1.ddb3dep-4f,
        0x1.1e1024p-3f, 0x1.5c9976p-3f, 0x1.9a78dep-3f, 0x1.d77c5ap-3f,
        0x1.18bdf2p-2f, 0x1.52c322p-2f, 0x1.8a79f8p-2f, 0x1.bfc09cp-2f,
        0x1.051ab4p-1f, 0x1.31559cp-1f, 0x1.5798eep-1f, 0x1.77d528p-1f,
        0x1.9e6b72p-1f, 0x1.c27104p-1f, 0x1.d9cc3cp-1f, 0x1.e87494p-1f,
        0x1.f4bd6ep-1f, 0x1.fbd37ap-1f, 0x1.fe7728p-1f, 0x1.ff6f4cp-1f,
        0x1.ffdf88p-1f, 0x1.fffb9cp-1f, 0x1.ffff68p-1f, 0x1.ffffecp-1f,
        0x1.fffffep-1f, 0x1p+0f, 0x1p+0f, 0x1p+0f,
    },
    {  // c1
        0x1p+0f, 0x1.fc3d5cp-1f, 0x1.fac14cp-1f, 0x1.f9093p-1f,
        0x1.f602cp-1f, 0x1.f12a74p-1f, 0x1.eb6ec4p-1f, 0x1.e4dd2ap-1f,
        0x1.d983fep-1f, 0x1.c7f704p-1f, 0x1.b4048ap-1f, 0x1.9e1bbap-1f,
        0x1.7ad846p-1f, 0x1.49e972p-1f, 0x1.196a6cp-1f, 0x1.d83dd4p-2f,
        0x1.61204ep-2f, 0x1.cedcf8p-3f, 0x1.26374ep-3f, 0x1.700d5ap-4f,
        0x1.645bfp-5f, 0x1.0a0ac4p-6f, 0x1.884158p-8f, 0x1.213f24p-9f,
        0x1.03b96p-11f, 0x1.1900a6p-14f, 0x1.3001eap-17f, 0x1.473596p-20f,
        0x1.3f54a6p-23f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
    {  // c2
        0x1.01e606p-25f, -0x1.5c7238p-4f, -0x1.9a51d8p-4f, -0x1.d73492p-4f,
        -0x1.187b56p-3f, -0x1.527fd2p-3f, -0x1.89fbc2p-3f, -0x1.be7f34p-3f,
        -0x1.03a3dap-2f, -0x1.2dafdap-2f, -0x1.4fef6p-2f, -0x1.6a24fep-2f,
        -0x1.8265fep-2f, -0x1.897d76p-2f, -0x1.79b5b2p-2f, -0x1.5aa5e4p-2f,
        -0x1.1dd3bap-2f, -0x1.9736fap-3f, -0x1.1043acp-3f, -0x1.5f2096p-4f,
        -0x1.5c8318p-5f, -0x1.07dbaep-6f, -0x1.870d7ap-8f, -0x1.20e7fap-9f,
        -0x1.03564cp-11f, -0x1.18a418p-14f, -0x1.2f9fdep-17f, -0x1.b8d84ep-20f,
        -0x1.1ecf1p-21f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
    {  // c3
        -0x1.55563cp-2f, -0x1.4c3ce8p-2f, -0x1.47fc22p-2f, -0x1.4216c2p-2f,
        -0x1.3b593cp-2f, -0x1.2ef2ap-2f, -0x1.1fa8c8p-2f, -0x1.10157ap-2f,
        -0x1.e8f032p-3f, -0x1.982df6p-3f, -0x1.4255eap-3f, -0x1.d6fd7cp-4f,
        -0x1.bc4bb6p-5f, 0x1.d7c1bap-7f, 0x1.07668p-4f, 0x1.84231p-4f,
        0x1.c69348p-4f, 0x1.97ef16p-4f, 0x1.33c27cp-4f, 0x1.a898ep-5f,
        0x1.bc25f8p-6f, 0x1.5a127p-7f, 0x1.0321fep-8f, 0x1.8059dap-10f,
        0x1.59a63ap-12f, 0x1.762f3ap-15f, 0x1.94d61p-18f, 0x1.b0804ap-21f,
        0x1.7f8ba2p-24f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
    {  // c4
        0x1.e8a074p-14f, 0x1.b3559ap-5f, 0x1.f0f3e8p-5f, 0x1.3efb52p-4f,
        0x1.6903b6p-4f, 0x1.acc538p-4f, 0x1.f0a038p-4f, 0x1.11839cp-3f,
        0x1.3310fep-3f, 0x1.5036dp-3f, 0x1.5c49aap-3f, 0x1.58529ap-3f,
        0x1.39eed4p-3f, 0x1.e96e84p-4f, 0x1.46de36p-4f, 0x1.63055p-5f,
        0x1.d9bfb2p-9f, -0x1.59bec8p-6f, -0x1.9bb0e4p-6f, -0x1.55c10ep-6f,
        -0x1.961ebap-7f, -0x1.51ce2cp-8f, -0x1.02cd8ap-9f, -0x1.8306e6p-11f,
        -0x1.69f2eap-13f, -0x1.884a7p-16f, -0x1.a881cep-19f, 0x1.54d08ep-20f,
        0x1.47a404p-20f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
    {  // c5
        0x1.0e5e54p-3f, 0x1.6240d8p+3f, 0x1.a4413cp+2f, -0x1.56fb52p+3f,
        0x1.dabf5cp-1f, 0x1.10b978p+0f, -0x1.64c7f4p+0f, 0x1.a2a7a8p-1f,
        0x1.4ee43p-5f, -0x1.fbc7d6p-6f, -0x1.1e377p-4f, 0x1.99ac2ep-9f,
        -0x1.3fdb3p-5f, -0x1.0e1a8ap-4f, -0x1.e94dc2p-5f, -0x1.a76352p-5f,
        -0x1.06e218p-5f, -0x1.386634p-7f, 0x1.652fbap-10f, 0x1.2c9f82p-8f,
        0x1.04a99p-8f, 0x1.f65a6p-10f, 0x1.94697ap-11f, 0x1.332554p-12f,
        0x1.1fb02p-14f, 0x1.38b17ap-17f, 0x1.52ba8ap-20f, 0x1.d995f2p-23f,
        0x1.6cf08p-24f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
};


// tanh for float32: the table on |x| (tanh_magnitude_float_table: tanh(|x|) >= 0), the sign
// of x restored. NaN -> NaN (|x| quietened, sign of x), +-inf -> +-1.
template <class V>
V tanh_magnitude_float_table(V x) {
  const V a = min(V::set(kTanhTableMaxArg), abs(x));  // NaN stays NaN (second operand)
  return table_polynomial(kTanhTable, a);
}
template <class V>
V tanh_float_table(V x) {
  return bit_or(tanh_magnitude_float_table(x), sign_bit(x));
}

// G(s) = (s/2) erfcx(s/sqrt2) for the float32 GELU (x Phi(x) = -exp(-x^2/2) G(|x|) for
// x < 0), s clamped to 14.5 (exp(-s^2/2) G(s) underflows from 14.4). Worst interval
// 0.98 ulp (interval 0, c1 = 1/2).
constexpr float kGeluGTableMaxArg = 0x1.dp+3f;  // 14.5
alignas(64) constexpr float kGeluGTable[7][32] = {
    {  // b
        0x0p+0f, 0x1.600baap-4f, 0x1.a010fcp-4f, 0x1.e018d6p-4f,
        0x1.200102p-3f, 0x1.5ffff6p-3f, 0x1.9ff224p-3f, 0x1.e00e5cp-3f,
        0x1.201p-2f, 0x1.5ff76ap-2f, 0x1.a003fap-2f, 0x1.dfe578p-2f,
        0x1.20129ep-1f, 0x1.601ab6p-1f, 0x1.a0045ap-1f, 0x1.e0111ap-1f,
        0x1.200fb8p+0f, 0x1.5feca6p+0f, 0x1.9ff3e4p+0f, 0x1.dfee68p+0f,
        0x1.2006cep+1f, 0x1.5fec3ep+1f, 0x1.9fe78cp+1f, 0x1.dff262p+1f,
        0x1.2006bp+2f, 0x1.5fffd8p+2f, 0x1.9ffecap+2f, 0x1.dfe6b2p+2f,
        0x1.2008c6p+3f, 0x1.5ffa14p+3f, 0x1.a00c8ep+3f, 0x1.c7fa32p+3f,
    },
    {  // c0
        0x0p+0f, 0x1.49258p-5f, 0x1.80617ep-5f, 0x1.b64d0ap-5f,
        0x1.025636p-4f, 0x1.347ccep-4f, 0x1.644684p-4f, 0x1.91fb48p-4f,
        0x1.d29956p-4f, 0x1.10f72cp-3f, 0x1.354808p-3f, 0x1.566b6cp-3f,
        0x1.8334c8p-3f, 0x1.b69374p-3f, 0x1.e21032p-3f, 0x1.039d24p-2f,
        0x1.1aa5e6p-2f, 0x1.32699ap-2f, 0x1.4481bcp-2f, 0x1.52771ep-2f,
        0x1.620572p-2f, 0x1.701b6cp-2f, 0x1.798e8cp-2f, 0x1.80255ep-2f,
        0x1.86c6e2p-2f, 0x1.8c2b86p-2f, 0x1.8f76d2p-2f, 0x1.919bb8p-2f,
        0x1.93a698p-2f, 0x1.953882p-2f, 0x1.962452p-2f, 0x1.9688bp-2f,
    },
    {  // c1
        0x1p-1f, 0x1.bf1f0ep-2f, 0x1.b46486p-2f, 0x1.a9f72ap-2f,
        0x1.9ae494p-2f, 0x1.87c036p-2f, 0x1.75aba6p-2f, 0x1.64877ep-2f,
        0x1.4c8f28p-2f, 0x1.2f9364p-2f, 0x1.157facp-2f, 0x1.fc39cp-3f,
        0x1.be5a8ap-3f, 0x1.79790ap-3f, 0x1.411c16p-3f, 0x1.12889ep-3f,
        0x1.b639dcp-4f, 0x1.4a1ea8p-4f, 0x1.f9bf02p-5f, 0x1.89b3b4p-5f,
        0x1.159d48p-5f, 0x1.6c8b1ep-6f, 0x1.f33a7p-7f, 0x1.6238aep-7f,
        0x1.bfa03p-8f, 0x1.07e43cp-8f, 0x1.4ea7bap-9f, 0x1.c13c7ap-10f,
        0x1.0b56bep-10f, 0x1.2ba95p-11f, 0x1.6fbbb6p-12f, 0x1.18ee66p-12f,
    },
    {  // c2
        -0x1.98844ep-2f, -0x1.5c28acp-2f, -0x1.524e1ap-2f, -0x1.48c3f2p-2f,
        -0x1.3b0a9ap-2f, -0x1.29ba98p-2f, -0x1.198088p-2f, -0x1.0a3c6p-2f,
        -0x1.ea2e84p-3f, -0x1.b7b96p-3f, -0x1.8b03aep-3f, -0x1.638648p-3f,
        -0x1.304248p-3f, -0x1.f15374p-4f, -0x1.99075ap-4f, -0x1.52337cp-4f,
        -0x1.00eb9p-4f, -0x1.6b046cp-5f, -0x1.053566p-5f, -0x1.7ebd54p-6f,
        -0x1.ee789ep-7f, -0x1.22d5bp-7f, -0x1.675278p-8f, -0x1.cf1c2cp-9f,
        -0x1.0034fcp-9f, -0x1.01fdaap-10f, -0x1.1c8938p-11f, -0x1.5143fep-12f,
        -0x1.5479b2p-13f, -0x1.3cd426p-14f, -0x1.4bc372p-15f, -0x1.d03c0ap-16f,
    },
    {  // c3
        0x1.fffb26p-3f, 0x1.ab0cap-3f, 0x1.9c1a2cp-3f, 0x1.917526p-3f,
        0x1.7d31c4p-3f, 0x1.6576d6p-3f, 0x1.4f7a76p-3f, 0x1.3accap-3f,
        0x1.1e8f6ap-3f, 0x1.fa9b9p-4f, 0x1.c01298p-4f, 0x1.8d19f6p-4f,
        0x1.4c3d3ep-4f, 0x1.0777e6p-4f, 0x1.a4aa6p-5f, 0x1.51af66p-5f,
        0x1.eaf9a2p-6f, 0x1.478c96p-6f, 0x1.bd984ap-7f, 0x1.350b14p-7f,
        0x1.70a718p-8f, 0x1.87fe5ap-9f, 0x1.b82fe2p-10f, 0x1.033bb6p-10f,
        0x1.f9fa7cp-12f, 0x1.b63c94p-13f, 0x1.a6742ep-14f, 0x1.bbc1acp-15f,
        0x1.7d6562p-16f, 0x1.278ff2p-17f, 0x1.089b28p-18f, 0x1.5377f2p-19f,
    },
    {  // c4
        -0x1.0fa47ep-3f, -0x1.bc443cp-4f, -0x1.ba6d7p-4f, -0x1.9489aap-4f,
        -0x1.895332p-4f, -0x1.6fc3e6p-4f, -0x1.5506ap-4f, -0x1.3e6522p-4f,
        -0x1.1ea008p-4f, -0x1.f2d782p-5f, -0x1.b3949ep-5f, -0x1.7cf242p-5f,
        -0x1.386ab4p-5f, -0x1.e2559cp-6f, -0x1.76b106p-6f, -0x1.24c4e4p-6f,
        -0x1.99f70cp-7f, -0x1.038154p-7f, -0x1.4f46e8p-8f, -0x1.ba23fap-9f,
        -0x1.ecb5ccp-10f, -0x1.dc5c0cp-11f, -0x1.e8b346p-12f, -0x1.082204p-12f,
        -0x1.ce5fbp-14f, -0x1.595dbcp-15f, -0x1.2396bcp-16f, -0x1.0fd51cp-17f,
        -0x1.94da2cp-19f, -0x1.0467d4p-20f, -0x1.8dd31p-22f, -0x1.d8af12p-23f,
    },
    {  // c5
        0x1.d6989ep-5f, 0x1.abf868p-1f, 0x1.124972p+3f, -0x1.d032ep+2f,
        0x1.327c08p-2f, 0x1.358bf8p-2f, 0x1.493822p-3f, 0x1.d9755cp-3f,
        0x1.6b6b8ep-5f, -0x1.f2a0b6p-7f, 0x1.6a772p-7f, 0x1.dc4414p-6f,
        0x1.fc575p-7f, 0x1.8aaca6p-7f, 0x1.2280cap-7f, 0x1.a628b2p-8f,
        0x1.35e1b4p-8f, 0x1.71bed2p-9f, 0x1.cbe648p-10f, 0x1.20e778p-10f,
        0x1.2c5bc8p-11f, 0x1.093adap-12f, 0x1.f4585cp-14f, 0x1.f1c4a8p-15f,
        0x1.873bacp-16f, 0x1.fbe484p-18f, 0x1.7a008ep-19f, 0x1.39c9a4p-20f,
        0x1.92df7p-22f, 0x1.b0ed8ep-24f, 0x1.1b99e8p-25f, 0x1.8ffef2p-27f,
    },
};

// sigmoid(-a) for float32, a = |x| <= 11.24, on uniform intervals: interval k
// (-31 <= k <= 0) is [(k - 1/2) w, (k + 1/2) w] with w = 11.25/31.5, so -a from -11.25 to 0,
// found by rounding -a / w to an integer with the magic-number addition (one FMA; vpermt2ps
// reads k modulo 32 straight from the sum's low bits) and stored in column k mod 32; a
// degree-5 polynomial per interval in t = -a - b_k, fitted to relative accuracy (the tail:
// sigmoid(-11) is 1.7e-5). 6 lookups and 5 FMAs. sigmoid(x) = 1 - sigmoid(-x) for x > 0:
// the half-ulp of a value below 1/2 is a quarter ulp of the result. Below -11.24 the caller
// takes another path. Worst interval 0.70 ulp.
constexpr float kSigmoidTableInvWidth = 0x1.666666p+1f;  // RN(31.5 / 11.25)
// round(-a * kSigmoidTableInvWidth) >= -31 (-31.47 at -11.24) from here up.
constexpr float kSigmoidTableMinArg = -11.24f;
alignas(64) constexpr float kSigmoidTable[7][32] = {
    {  // b
        0x0p+0f, -0x1.6264dp+3f, -0x1.56cb78p+3f, -0x1.4b6ab6p+3f,
        -0x1.3ffdaep+3f, -0x1.349fa6p+3f, -0x1.291cep+3f, -0x1.1dc324p+3f,
        -0x1.12535cp+3f, -0x1.06ead6p+3f, -0x1.f6f258p+2f, -0x1.dfecfcp+2f,
        -0x1.c919dap+2f, -0x1.b241ecp+2f, -0x1.9b87f8p+2f, -0x1.84abbep+2f,
        -0x1.6db7aap+2f, -0x1.56f2cep+2f, -0x1.40161ap+2f, -0x1.29188ep+2f,
        -0x1.12662ep+2f, -0x1.f6f0eep+1f, -0x1.c91518p+1f, -0x1.9b619ep+1f,
        -0x1.6d9a4ep+1f, -0x1.3fed1ep+1f, -0x1.125c12p+1f, -0x1.c9357ap+0f,
        -0x1.6db314p+0f, -0x1.12509ap+0f, -0x1.6da792p-1f, -0x1.6dae58p-2f,
    },
    {  // c0
        0x1p-1f, 0x1.0401eep-16f, 0x1.759858p-16f, 0x1.0a8dd8p-15f,
        0x1.7ceeccp-15f, 0x1.0fb24p-14f, 0x1.854ecep-14f, 0x1.1584bcp-13f,
        0x1.8cb7d4p-13f, 0x1.1b4cd6p-12f, 0x1.950d58p-12f, 0x1.2226cep-11f,
        0x1.9e6358p-11f, 0x1.27f768p-10f, 0x1.a5f0cap-10f, 0x1.2d556ap-9f,
        0x1.aee632p-9f, 0x1.3312fp-8f, 0x1.b6090cp-8f, 0x1.38c71cp-7f,
        0x1.bc1c8p-7f, 0x1.3be17ap-6f, 0x1.c04172p-6f, 0x1.3c9534p-5f,
        0x1.bd4d12p-5f, 0x1.36e17p-4f, 0x1.addc3p-4f, 0x1.260696p-3f,
        0x1.8bf0cap-3f, 0x1.053b86p-2f, 0x1.50910ap-2f, 0x1.a58ap-2f,
    },
    {  // c1
        0x1p-2f, 0x1.0400e6p-16f, 0x1.759636p-16f, 0x1.0a8bacp-15f,
        0x1.7cea5ep-15f, 0x1.0fadbep-14f, 0x1.85458ep-14f, 0x1.157b56p-13f,
        0x1.8ca49ep-13f, 0x1.1b393ep-12f, 0x1.94e54ap-12f, 0x1.21fdb2p-11f,
        0x1.9e0f8p-11f, 0x1.27a1dcp-10f, 0x1.a542eep-10f, 0x1.2ca41p-9f,
        0x1.ad7b8cp-9f, 0x1.31a29ap-8f, 0x1.b31b88p-8f, 0x1.35cadp-7f,
        0x1.b6179ap-7f, 0x1.35ca68p-6f, 0x1.b3fddep-6f, 0x1.30592ep-5f,
        0x1.a5186ap-5f, 0x1.1f4904p-4f, 0x1.80bf74p-4f, 0x1.f7a064p-4f,
        0x1.3f64acp-3f, 0x1.852dd6p-3f, 0x1.c3e38ep-3f, 0x1.f00468p-3f,
    },
    {  // c2
        -0x1.25d16ap-26f, 0x1.03fec2p-17f, 0x1.7591dcp-17f, 0x1.0a874ap-16f,
        0x1.7ce166p-16f, 0x1.0fa4aap-15f, 0x1.8532f2p-15f, 0x1.15687cp-14f,
        0x1.8c7e18p-14f, 0x1.1b11fcp-13f, 0x1.949518p-13f, 0x1.21ab74p-12f,
        0x1.9d67d8p-12f, 0x1.26f6eap-11f, 0x1.a3e7acp-11f, 0x1.2b4224p-10f,
        0x1.aaa892p-10f, 0x1.2ec554p-9f, 0x1.ad4a7cp-9f, 0x1.2fe0c4p-8f,
        0x1.aa378cp-8f, 0x1.29d862p-7f, 0x1.9c2286p-7f, 0x1.18d342p-6f,
        0x1.7750e8p-6f, 0x1.e75a66p-6f, 0x1.2ffe18p-5f, 0x1.6704b6p-5f,
        0x1.87cafp-5f, 0x1.7d393p-5f, 0x1.35abfp-5f, 0x1.5e8b9ep-6f,
    },
    {  // c3
        -0x1.5557fep-6f, 0x1.5aa35p-19f, 0x1.f20f0cp-19f, 0x1.63561p-18f,
        0x1.fbc0c6p-18f, 0x1.6a1a84p-17f, 0x1.035ebep-16f, 0x1.71acdap-16f,
        0x1.0820a6p-15f, 0x1.79049p-15f, 0x1.0d4de2p-14f, 0x1.8160a6p-14f,
        0x1.12bad4p-13f, 0x1.878514p-13f, 0x1.162196p-12f, 0x1.8b5922p-12f,
        0x1.18b298p-11f, 0x1.8c1b68p-11f, 0x1.1685a2p-10f, 0x1.85a0dp-10f,
        0x1.0ca27ap-9f, 0x1.6e2f5ap-9f, 0x1.e88022p-9f, 0x1.3b586cp-8f,
        0x1.844abcp-8f, 0x1.bbb242p-8f, 0x1.bfc1dcp-8f, 0x1.60379ep-8f,
        0x1.b5ec28p-10f, -0x1.22f73ap-8f, -0x1.864dcap-7f, -0x1.2bb33cp-6f,
    },
    {  // c4
        -0x1.01cddcp-17f, 0x1.5b1a3ap-21f, 0x1.f2a6ap-21f, 0x1.63b088p-20f,
        0x1.fc4e74p-20f, 0x1.6a69d2p-19f, 0x1.038c52p-18f, 0x1.71c096p-18f,
        0x1.081942p-17f, 0x1.78bcf4p-17f, 0x1.0cdaa6p-16f, 0x1.803092p-16f,
        0x1.115958p-15f, 0x1.847124p-15f, 0x1.12e324p-14f, 0x1.8476f6p-14f,
        0x1.118f72p-13f, 0x1.7d7e6p-13f, 0x1.079daap-12f, 0x1.677c58p-12f,
        0x1.dd52f4p-12f, 0x1.32fe8cp-11f, 0x1.75cd06p-11f, 0x1.9e4908p-11f,
        0x1.7dce22p-11f, 0x1.960446p-12f, -0x1.a2ebdcp-12f, -0x1.c88e9ap-10f,
        -0x1.c6f68ep-9f, -0x1.44788cp-8f, -0x1.52980cp-8f, -0x1.baf916p-9f,
    },
    {  // c5
        0x1.0cc332p-9f, 0x1.16015ep-23f, 0x1.8af02ap-23f, 0x1.18fdaep-22f,
        0x1.948de4p-22f, 0x1.1f8bbap-21f, 0x1.9dcdfap-21f, 0x1.28fabep-20f,
        0x1.a58dfp-20f, 0x1.2c6a3ap-19f, 0x1.abb1c2p-19f, 0x1.2e368p-18f,
        0x1.b0931cp-18f, 0x1.2d534ep-17f, 0x1.ad2fcap-17f, 0x1.27cfeep-16f,
        0x1.9a906ep-16f, 0x1.1a576cp-15f, 0x1.72d5c4p-15f, 0x1.de935p-15f,
        0x1.20bd18p-14f, 0x1.40570cp-14f, 0x1.0ce722p-14f, 0x1.dfba0ep-17f,
        -0x1.9163ap-14f, -0x1.39c96ap-12f, -0x1.38995ap-11f, -0x1.d3bebcp-11f,
        -0x1.011ce6p-10f, -0x1.2c7832p-11f, 0x1.ad4102p-12f, 0x1.945428p-10f,
    },
};
// silu(x) = x sigmoid(x) for float32 on uniform intervals of width 0.8 (k from -14 to 17:
// x from -11.6 to 14), degree 6. Interval 0 holds c0 = -0
// and c1 = 1/2, so tiny x give x/2 rounded once (-0 where a negative one underflows).
// Worst interval 1.67 ulp (degree 6 on the sigmoid's width 0.9: 2.13).
constexpr float kSiluTableInvWidth = 1.25f;  // 1 / 0.8
// The kernels use the table for |x| <= 11.59 (round(1.25 x) >= -14; the table would reach
// 13.99 above): one compare on |x| instead of two (NaN compares false: the table's NaN).
constexpr float kSiluTableMaxAbsArg = 11.59f;
alignas(64) constexpr float kSiluTable[8][32] = {
    {  // b
        0x0p+0f, 0x1.99b1d8p-1f, 0x1.99946ap+0f, 0x1.3344dep+1f,
        0x1.99a6b8p+1f, 0x1.ffe5d4p+1f, 0x1.3318c8p+2f, 0x1.66623p+2f,
        0x1.999d24p+2f, 0x1.ccbeb4p+2f, 0x1.000c1p+3f, 0x1.19ab66p+3f,
        0x1.333d0cp+3f, 0x1.4cc908p+3f, 0x1.664f5ep+3f, 0x1.801f4p+3f,
        0x1.99a6a6p+3f, 0x1.b313f4p+3f, -0x1.66595ep+3f, -0x1.4cd656p+3f,
        -0x1.332036p+3f, -0x1.199694p+3f, -0x1.0016f6p+3f, -0x1.ccde3p+2f,
        -0x1.99b678p+2f, -0x1.66858ap+2f, -0x1.334472p+2f, -0x1.fff444p+1f,
        -0x1.99a6c2p+1f, -0x1.334b3ep+1f, -0x1.997d1cp+0f, -0x1.99a3e2p-1f,
    },
    {  // c0
        -0x0p+0f, 0x1.1ab1f2p-1f, 0x1.54c5fap+0f, 0x1.19b9aap+1f,
        0x1.899cf6p+1f, 0x1.f6aef6p+1f, 0x1.30960ap+2f, 0x1.651016p+2f,
        0x1.98ef3cp+2f, 0x1.cc66a2p+2f, 0x1.ffec3ap+2f, 0x1.19a08ep+3f,
        0x1.3337bap+3f, 0x1.4cc67p+3f, 0x1.664e1cp+3f, 0x1.801ea6p+3f,
        0x1.99a65cp+3f, 0x1.b313dp+3f, -0x1.41a468p-13f, -0x1.4b8352p-12f,
        -0x1.559346p-11f, -0x1.5bc85p-10f, -0x1.5ec772p-9f, -0x1.5fb306p-8f,
        -0x1.5b5c2ap-7f, -0x1.51816ap-6f, -0x1.40b364p-5f, -0x1.26c368p-4f,
        -0x1.009c14p-3f, -0x1.98a912p-3f, -0x1.133efp-2f, -0x1.fbf7d8p-3f,
    },
    {  // c1
        0x1p-1f, 0x1.b8eb2cp-1f, 0x1.0e3dc6p+0f, 0x1.198f12p+0f,
        0x1.14cc4p+0f, 0x1.0d7d24p+0f, 0x1.07de26p+0f, 0x1.0451e8p+0f,
        0x1.0249c8p+0f, 0x1.012f16p+0f, 0x1.009996p+0f, 0x1.004ce2p+0f,
        0x1.00262p+0f, 0x1.0012c2p+0f, 0x1.00092ap+0f, 0x1.00046ap+0f,
        0x1.000222p+0f, 0x1.000106p+0f, -0x1.24ea6ap-13f, -0x1.2ba156p-12f,
        -0x1.31f676p-11f, -0x1.343528p-10f, -0x1.32d46ap-9f, -0x1.2e98e8p-8f,
        -0x1.248656p-7f, -0x1.14041ap-6f, -0x1.f6935p-6f, -0x1.af8652p-5f,
        -0x1.4cc3fep-4f, -0x1.98f108p-4f, -0x1.c756fap-5f, 0x1.1c679ap-3f,
    },
    {  // c2
        0x1.fffff4p-3f, 0x1.7373f8p-3f, 0x1.0c65b2p-4f, -0x1.c50feep-15f,
        -0x1.24b28cp-6f, -0x1.0ca52cp-6f, -0x1.695ad2p-7f, -0x1.ac1fdp-8f,
        -0x1.db2756p-9f, -0x1.fb652ep-10f, -0x1.0715ep-10f, -0x1.0c027cp-11f,
        -0x1.0d81dp-12f, -0x1.0c1a0ap-13f, -0x1.0876e2p-14f, -0x1.24b2f6p-15f,
        -0x1.f36fbcp-17f, 0x1.3b35d2p-16f, -0x1.082eb6p-14f, -0x1.0bbc7ap-13f,
        -0x1.0e55acp-12f, -0x1.0c96d8p-11f, -0x1.06ca14p-10f, -0x1.fa9b52p-10f,
        -0x1.da95fp-9f, -0x1.ab7828p-8f, -0x1.68ca3p-7f, -0x1.0c9bap-6f,
        -0x1.24af74p-6f, -0x1.052d3ep-14f, 0x1.0c946p-4f, 0x1.737c0ap-3f,
    },
    {  // c3
        0x1.07931p-25f, -0x1.8f18bap-5f, -0x1.4ae594p-5f, -0x1.f2fe3ep-7f,
        -0x1.d798f4p-10f, 0x1.07f8fp-9f, 0x1.1e093ap-9f, 0x1.91315cp-10f,
        0x1.e4a532p-11f, 0x1.0fa80cp-11f, 0x1.254b2p-12f, 0x1.2f7654p-13f,
        0x1.3a7876p-14f, 0x1.2f0428p-15f, 0x1.37f178p-16f, 0x1.2deaap-17f,
        0x1.15aeb2p-18f, 0x1.6c829cp-18f, -0x1.39ebc2p-16f, -0x1.3a6f3cp-15f,
        -0x1.38e596p-14f, -0x1.31320ep-13f, -0x1.237404p-12f, -0x1.0f8ec4p-11f,
        -0x1.e3a78cp-11f, -0x1.904db2p-10f, -0x1.1db498p-9f, -0x1.07e18ep-9f,
        0x1.d7e2b8p-10f, 0x1.f2c3e2p-7f, 0x1.4afb88p-5f, 0x1.8f1084p-5f,
    },
    {  // c4
        -0x1.5541aap-6f, -0x1.80e1dep-8f, 0x1.048562p-7f, 0x1.a0358ep-8f,
        0x1.2fe32ep-9f, 0x1.a00ef8p-12f, -0x1.425992p-13f, -0x1.c123a6p-13f,
        -0x1.4b4b88p-13f, -0x1.99fa9cp-14f, -0x1.cee684p-15f, -0x1.f88eecp-16f,
        -0x1.07d066p-16f, -0x1.167b86p-17f, -0x1.15bb38p-18f, 0x1.17aeeap-14f,
        -0x1.1cc6cep-20f, -0x1.c2b774p-12f, -0x1.14505ep-18f, -0x1.109934p-17f,
        -0x1.08a32ep-16f, -0x1.f9aa04p-16f, -0x1.d1cb7cp-15f, -0x1.9a8b3ap-14f,
        -0x1.4ccb12p-13f, -0x1.c44ba2p-13f, -0x1.3daa2p-13f, 0x1.a5bb7p-12f,
        0x1.2e6d92p-9f, 0x1.9f9a22p-8f, 0x1.03ca3p-7f, -0x1.80a8eap-8f,
    },
    {  // c5
        -0x1.3a52dap-22f, 0x1.5aabb8p-8f, 0x1.19714p-10f, -0x1.1eb558p-10f,
        -0x1.8bddb8p-11f, -0x1.1be252p-12f, -0x1.e7dd86p-15f, -0x1.1fdf7ep-22f,
        0x1.92c8e6p-17f, 0x1.0a3fcap-16f, 0x1.07c7cp-20f, 0x1.ed2b44p-18f,
        -0x1.a43e46p-22f, 0x1.1a31c4p-17f, 0x1.778722p-20f, 0x1.06ae0cp-19f,
        0x1.0be17cp-19f, -0x1.8dbfd6p-16f, -0x1.7ec288p-21f, -0x1.71b742p-20f,
        -0x1.5af56ap-19f, -0x1.400e5ap-18f, -0x1.152426p-17f, -0x1.b7663cp-17f,
        -0x1.16af68p-16f, -0x1.feff42p-18f, 0x1.c13b3ap-15f, 0x1.149348p-12f,
        0x1.887dc4p-11f, 0x1.219dbcp-10f, -0x1.186c02p-10f, -0x1.5a3a16p-8f,
    },
    {  // c6
        0x1.095b02p-9f, -0x1.96f55p-13f, -0x1.df8112p-11f, -0x1.03a0d6p-14f,
        0x1.070516p-13f, 0x1.1ebb86p-14f, 0x1.7d5956p-16f, 0x1.fe4444p-19f,
        -0x1.b5f966p-21f, -0x1.7ee91cp-21f, -0x1.1ac016p-19f, -0x1.a9368ap-24f,
        -0x1.52dbb4p-21f, 0x1.484df6p-21f, -0x1.38f0e2p-26f, -0x1.21e484p-12f,
        0x1.05a472p-22f, 0x1.d17eaap-10f, -0x1.fe7ccp-25f, -0x1.bb7cfep-24f,
        -0x1.f389bcp-22f, -0x1.094fe6p-22f, -0x1.99dba4p-23f, 0x1.7d812ep-23f,
        0x1.52f20ap-19f, 0x1.4cf85cp-17f, 0x1.7b4724p-17f, 0x1.77f302p-15f,
        0x1.5f14c2p-13f, -0x1.18e46cp-15f, -0x1.b77de2p-11f, -0x1.d95ffcp-13f,
    },
};

// silu'(-a) = s (1 - a (1 - s)), s = sigmoid(-a), a = |x| <= 11.59, on the sigmoid table's
// layout with width w = 11.6/31.5 (intervals k = -31 .. 0 of -a), degree 5; silu'(x) =
// 1 - silu'(-x) for x > 0 (silu(x) - silu(-x) = x). Fitted to relative accuracy except
// around its zero at a = 1.2785 (where s and a s (1 - s) cancel): there to a tenth of their
// magnitudes. Worst 1.63 ulp of that yardstick.
constexpr float kSiluGradTableInvWidth = 0x1.5b9612p+1f;  // RN(31.5 / 11.6)
alignas(64) constexpr float kSiluGradTable[7][32] = {
    {  // b
        0x0p+0f, -0x1.6d4142p+3f, -0x1.6199ecp+3f, -0x1.55bfbep+3f,
        -0x1.4a04fap+3f, -0x1.3e3b1cp+3f, -0x1.32563ep+3f, -0x1.268b3ep+3f,
        -0x1.1ade8cp+3f, -0x1.0f10fap+3f, -0x1.0349dep+3f, -0x1.eeda7p+2f,
        -0x1.d76316p+2f, -0x1.bfb7fp+2f, -0x1.a828dap+2f, -0x1.90c2c8p+2f,
        -0x1.78fb12p+2f, -0x1.6175b8p+2f, -0x1.49fdbcp+2f, -0x1.324ae6p+2f,
        -0x1.1ae1ccp+2f, -0x1.0326eap+2f, -0x1.d73f84p+1f, -0x1.a81e28p+1f,
        -0x1.7924c8p+1f, -0x1.49f642p+1f, -0x1.1ac16ap+1f, -0x1.d76956p+0f,
        -0x1.790c9cp+0f, -0x1.1ac62ap+0f, -0x1.792c22p-1f, -0x1.792c5p-2f,
    },
    {  // c0
        0x1p-1f, -0x1.e21bf4p-14f, -0x1.4ed21p-13f, -0x1.d309fap-13f,
        -0x1.4424f6p-12f, -0x1.c1f956p-12f, -0x1.38b31p-11f, -0x1.b09492p-11f,
        -0x1.29a2cap-10f, -0x1.9a17eap-10f, -0x1.199fa6p-9f, -0x1.8296cap-9f,
        -0x1.079aa4p-8f, -0x1.672b8p-8f, -0x1.e6b2dep-8f, -0x1.478c52p-7f,
        -0x1.b88ff2p-7f, -0x1.2565acp-6f, -0x1.83791p-6f, -0x1.fc1872p-6f,
        -0x1.4805cep-5f, -0x1.a252bap-5f, -0x1.04b466p-4f, -0x1.3bfecep-4f,
        -0x1.6fd14p-4f, -0x1.938a2cp-4f, -0x1.91673ep-4f, -0x1.4a72fep-4f,
        -0x1.2ebf7p-5f, 0x1.5b43ccp-5f, 0x1.4cb58ep-3f, 0x1.4797acp-2f,
    },
    {  // c1
        0x1p-1f, -0x1.b3cdfcp-14f, -0x1.2d7e76p-13f, -0x1.a2c448p-13f,
        -0x1.2151p-12f, -0x1.8f9f3ap-12f, -0x1.142da6p-11f, -0x1.7bc33ap-11f,
        -0x1.0393fep-10f, -0x1.630412p-10f, -0x1.e3944cp-10f, -0x1.48cbdap-9f,
        -0x1.bba83p-9f, -0x1.2a8b02p-8f, -0x1.8eca9ap-8f, -0x1.07e908p-7f,
        -0x1.5bbe2cp-7f, -0x1.c3c01cp-7f, -0x1.212268p-6f, -0x1.6c0dcap-6f,
        -0x1.bda018p-6f, -0x1.079a32p-5f, -0x1.269208p-5f, -0x1.2bf4e4p-5f,
        -0x1.fac5f8p-6f, -0x1.cbe0e2p-7f, 0x1.4d313p-6f, 0x1.40ac8ap-4f,
        0x1.4e84bp-3f, 0x1.14a7e6p-2f, 0x1.862618p-2f, 0x1.de6ac6p-2f,
    },
    {  // c2
        -0x1.5e3528p-23f, -0x1.857bc6p-15f, -0x1.0c26aep-14f, -0x1.727bacp-14f,
        -0x1.fced1ep-14f, -0x1.5d3a0cp-13f, -0x1.df3a6p-13f, -0x1.46e176p-12f,
        -0x1.baea46p-12f, -0x1.2bcee6p-11f, -0x1.93a824p-11f, -0x1.0ebf6cp-10f,
        -0x1.679c98p-10f, -0x1.dadd5ap-10f, -0x1.35f06ep-9f, -0x1.8ec37p-9f,
        -0x1.fa896cp-9f, -0x1.39a2aap-8f, -0x1.7813d8p-8f, -0x1.ae5ebcp-8f,
        -0x1.c6318cp-8f, -0x1.99f7d6p-8f, -0x1.d6c6c6p-9f, 0x1.4bfa72p-9f,
        0x1.cc25p-7f, 0x1.1044ecp-5f, 0x1.f78e68p-5f, 0x1.8d72acp-4f,
        0x1.0fb8p-3f, 0x1.3a247p-3f, 0x1.20e184p-3f, 0x1.60893p-4f,
    },
    {  // c3
        -0x1.555b6ep-4f, -0x1.c982dcp-17f, -0x1.390d8cp-16f, -0x1.ad8d94p-16f,
        -0x1.24c2d6p-15f, -0x1.8e5a4cp-15f, -0x1.0ea34ap-14f, -0x1.6d2a8cp-14f,
        -0x1.e88ea8p-14f, -0x1.45d038p-13f, -0x1.af00c4p-13f, -0x1.1afa5ep-12f,
        -0x1.6e3614p-12f, -0x1.d3e2cep-12f, -0x1.249976p-11f, -0x1.639364p-11f,
        -0x1.a0047p-11f, -0x1.c6baap-11f, -0x1.b8aa5ep-11f, -0x1.3bac4ep-11f,
        0x1.7e181ap-16f, 0x1.5e262p-10f, 0x1.e7198cp-9f, 0x1.f6d41p-8f,
        0x1.bd1414p-7f, 0x1.5e193cp-6f, 0x1.e30526p-6f, 0x1.15f484p-5f,
        0x1.ce919cp-6f, 0x1.9eed6p-8f, -0x1.f125e2p-6f, -0x1.141f14p-4f,
    },
    {  // c4
        -0x1.1cfdeep-14f, -0x1.8f84bap-19f, -0x1.10257cp-18f, -0x1.6a1f66p-18f,
        -0x1.f37ac8p-18f, -0x1.4e8f42p-17f, -0x1.c268cep-17f, -0x1.230d6p-16f,
        -0x1.7b9a52p-16f, -0x1.f02fp-16f, -0x1.3c21ccp-15f, -0x1.91089ep-15f,
        -0x1.e8540cp-15f, -0x1.23c2cap-14f, -0x1.56c1dcp-14f, -0x1.65dbbcp-14f,
        -0x1.123602p-14f, -0x1.022c3cp-15f, 0x1.1f4cp-14f, 0x1.22e886p-12f,
        0x1.3dc544p-11f, 0x1.38a2cp-10f, 0x1.1677cep-9f, 0x1.b1214ep-9f,
        0x1.36bc8cp-8f, 0x1.71352cp-8f, 0x1.3dd98ap-8f, 0x1.585166p-12f,
        -0x1.25c3bep-7f, -0x1.530f3ep-6f, -0x1.be1d8ep-6f, -0x1.48fe96p-6f,
    },
    {  // c5
        0x1.9068a4p-7f, -0x1.1bdc66p-21f, -0x1.76f2cp-21f, -0x1.ceca18p-21f,
        -0x1.53857p-20f, -0x1.b5844p-20f, -0x1.2eb12cp-19f, -0x1.46f74ep-19f,
        -0x1.a3448p-19f, -0x1.fdf8bap-19f, -0x1.2c6c84p-18f, -0x1.4db736p-18f,
        -0x1.58a56p-18f, -0x1.20ea92p-18f, -0x1.3f73d8p-18f, 0x1.c04788p-21f,
        0x1.21ff22p-16f, 0x1.0252d4p-15f, 0x1.25b232p-14f, 0x1.3338fp-13f,
        0x1.f0df82p-13f, 0x1.912414p-12f, 0x1.38d29cp-11f, 0x1.7dbd28p-11f,
        0x1.7c82d6p-11f, 0x1.83cbc4p-13f, -0x1.4c3b0ep-10f, -0x1.e7024ep-9f,
        -0x1.95159cp-8f, -0x1.834a0ep-8f, -0x1.170714p-11f, 0x1.066758p-7f,
    },
};
// The polynomial of x's interval in a table on uniform intervals of width 1 / inv_width,
// for x within the table's range (or NaN: NaN, x quietened).
template <class V, std::size_t Rows>
V uniform_table_polynomial(const float (&table)[Rows][32], float inv_width, V x) {
  const V k = fma(x, V::set(inv_width), V::set(ExpConstants<float>::kRoundMagic));
  return table_horner(table, rounded_index(k), x);
}
// For f with f(x) = 1 - f(-x) (sigmoid, and the derivatives of silu and GELU, whose
// functions satisfy f(x) - f(-x) = x), f(x) from g = f(-|x|): 1 - g for x >= 0 (+-0
// included, so both zeros get the same value). One table of the negative half serves both
// signs.
template <class V>
V complement_where_nonnegative(V x, V g) {
  return select(x >= V::set(0), V::set(1) - g, g);
}

// Tables for AVX2, where lookup8 is one vpermps but lookup32 seven operations: 8 intervals,
// the binade halves of a + 1 in [1, 16) (a in [0, 1/2), [1/2, 1), [1, 2), [2, 3), [3, 5),
// [5, 7), [7, 11), [11, 15)), narrow where the functions bend most. The index is
// bits(a + 1) >> 22, of which lookup8 reads the low three bits: interval k sits in column
// (k + 254) mod 8 (the interval from 0 in column 6). t = a - b is exact as in the 32-column
// tables (b_k within a factor 2 of its interval), and a is clamped below 15, so a + 1 < 16.
template <class V, std::size_t Rows>
V lookup8_table_polynomial(const float (&table)[Rows][8], V a) {
  return table_horner(table, binade_half_index(a + V::set(1)), a);
}

// GELU's G(a) = (a/2) erfcx(a/sqrt2) and D(a) = G(a)/a - a/sqrt(2 pi) (gelu'(x) =
// exp(-x^2/2) D(|x|) for x < 0), a <= 14.99 (tools/fit_tables.py gelu_g8 gelu_d8): G of
// degree 7 for the forward's 3-ulp bound, D of degree 6 for the gradient's 8 (1.87 ulp, where
// degree 7 gave 1.78: one FMA and one lookup fewer). G's interval from 0 holds c0 = 0 and
// c1 = 1/2 (tiny a: a/2, once rounded); D is measured against a tenth of its terms around
// its zero at a = 0.7518. Worst column: G 1.08 ulp (the interval from 0; 0.64 elsewhere),
// D 1.87 ulp.
constexpr float kGeluLookup8MaxArg = 14.99f;
alignas(64) constexpr float kGeluG8Table[9][8] = {
    {  // b
        0x1.801e9ep+0f, 0x1.400f04p+1f, 0x1.000418p+2f, 0x1.7ff99ep+2f,
        0x1.2008c6p+3f, 0x1.9fc43ap+3f, 0x0p+0f, 0x1.803326p-1f,
    },
    {  // c0
        0x1.3c1cdep-2f, 0x1.69d22ep-2f, 0x1.82b556p-2f, 0x1.8e00bap-2f,
        0x1.93a698p-2f, 0x1.962382p-2f, 0x0p+0f, 0x1.cd4af6p-3f,
    },
    {  // c1
        0x1.201b7ep-4f, 0x1.bf0d72p-6f, 0x1.2dcdeep-7f, 0x1.a101cep-9f,
        0x1.0b56a2p-10f, 0x1.70776ap-12f, 0x1p-1f, 0x1.5bcaeep-3f,
    },
    {  // c2
        -0x1.32f054p-5f, -0x1.786ecp-7f, -0x1.78ead4p-9f, -0x1.7b706ep-11f,
        -0x1.5487fcp-13f, -0x1.4ca72cp-15f, -0x1.98844p-2f, -0x1.c2807p-4f,
    },
    {  // c3
        0x1.0d2ff2p-6f, 0x1.0a9ab2p-8f, 0x1.94299ap-11f, 0x1.2cc228p-13f,
        0x1.7d8a34p-16f, 0x1.097feep-18f, 0x1.fffa1ap-3f, 0x1.d63694p-5f,
    },
    {  // c4
        -0x1.9e5034p-8f, -0x1.5111e2p-10f, -0x1.8896fcp-13f, -0x1.b62648p-16f,
        -0x1.8b1d6cp-19f, -0x1.8acbdap-22f, -0x1.100aep-3f, -0x1.a83bfap-6f,
    },
    {  // c5
        0x1.211532p-9f, 0x1.87b3f2p-12f, 0x1.63e1f4p-15f, 0x1.2cfdaap-18f,
        0x1.858c4p-22f, 0x1.1850fp-25f, 0x1.f89ee2p-5f, 0x1.5745c8p-7f,
    },
    {  // c6
        -0x1.8594f6p-11f, -0x1.b6bf74p-14f, -0x1.4bdfd6p-17f, -0x1.9efac8p-21f,
        -0x1.9d1f4ap-25f, -0x1.96f4e2p-29f, -0x1.84fab8p-6f, -0x1.001a94p-8f,
    },
    {  // c7
        0x1.df345ap-13f, 0x1.c506a4p-16f, 0x1.142abcp-19f, 0x1.08972cp-23f,
        0x1.859e2ap-28f, 0x1.15462cp-32f, 0x1.745484p-8f, 0x1.481c0ap-10f,
    },
};
alignas(64) constexpr float kGeluD8Table[8][8] = {
    {  // b
        0x1.801c7cp+0f, 0x1.4016ccp+1f, 0x1.000eap+2f, 0x1.801784p+2f,
        0x1.202f74p+3f, 0x1.9fa5a8p+3f, 0x1.005f5p-2f, 0x1.800c9ap-1f,
    },
    {  // c0
        -0x1.92461p-2f, -0x1.b6715cp-1f, -0x1.80719ep+0f, -0x1.2a2bcep+1f,
        -0x1.c6464ap+1f, -0x1.49af26p+2f, 0x1.4194c6p-2f, 0x1.fcebf6p-11f,
    },
    {  // c1
        -0x1.f4ec6ap-2f, -0x1.c734c4p-2f, -0x1.ae51c4p-2f, -0x1.a30668p-2f,
        -0x1.9d60cap-2f, -0x1.9ae57ep-2f, -0x1.63751ep-1f, -0x1.253822p-1f,
    },
    {  // c2
        0x1.20200cp-5f, 0x1.bee7eep-7f, 0x1.2dbd98p-8f, 0x1.a12f3ap-10f,
        0x1.0ab904p-11f, 0x1.72e1e2p-13f, 0x1.5c2628p-3f, 0x1.5becdap-4f,
    },
    {  // c3
        -0x1.991b3p-7f, -0x1.f5da44p-9f, -0x1.f5fd1ep-11f, -0x1.f8e57ap-13f,
        -0x1.c53812p-15f, -0x1.ba15bp-17f, -0x1.59112ap-4f, -0x1.2c766ep-5f,
    },
    {  // c4
        0x1.0c7aaep-8f, 0x1.0e91dcp-10f, 0x1.8f6accp-13f, 0x1.025b9ep-15f,
        0x1.8ac31cp-18f, 0x1.7fff38p-22f, 0x1.3105bep-5f, 0x1.d6746cp-7f,
    },
    {  // c5
        -0x1.5705eep-10f, -0x1.0ecb48p-12f, -0x1.4a1748p-15f, -0x1.778862p-18f,
        -0x1.47a92cp-21f, -0x1.8f430ep-24f, -0x1.f17bb2p-7f, -0x1.5709f2p-8f,
    },
    {  // c6
        0x1.a8d348p-12f, 0x1.d538b6p-16f, 0x1.22acc8p-17f, 0x1.061f82p-18f,
        0x1.290676p-25f, 0x1.c59ae6p-24f, 0x1.69e6bcp-8f, 0x1.cdaff2p-10f,
    },
};

// K(s) = G(s)/s = erfcx(s/sqrt2)/2 for the float32 GELU derivative (Phi(x) = exp(-x^2/2) K(|x|)
// for x < 0): the same intervals and clamp as G, no division. Worst interval 1.26 ulp
// (interval 28); interval 0 holds c0 = 1/2.
alignas(64) constexpr float kGeluKTable[7][32] = {
    {  // b
        0x0p+0f, 0x1.5fef2cp-4f, 0x1.a00fe6p-4f, 0x1.dffb02p-4f,
        0x1.1feaeep-3f, 0x1.6011dp-3f, 0x1.a00bp-3f, 0x1.dfe36p-3f,
        0x1.1ff068p-2f, 0x1.5ff74cp-2f, 0x1.9fed8ep-2f, 0x1.e00538p-2f,
        0x1.1ff9aap-1f, 0x1.5ff83cp-1f, 0x1.a003dp-1f, 0x1.e015dp-1f,
        0x1.1ffd3cp+0f, 0x1.600aa2p+0f, 0x1.a01f18p+0f, 0x1.dfff94p+0f,
        0x1.1ff024p+1f, 0x1.5fe1e6p+1f, 0x1.a0190ep+1f, 0x1.e006ccp+1f,
        0x1.1fe0cp+2f, 0x1.6016ecp+2f, 0x1.a007bcp+2f, 0x1.e013f4p+2f,
        0x1.1fe21ep+3f, 0x1.5ff19ep+3f, 0x1.9fedcep+3f, 0x1.c81b94p+3f,
    },
    {  // c0
        0x1p-1f, 0x1.deb4ep-2f, 0x1.d9025p-2f, 0x1.d36fc4p-2f,
        0x1.cb4608p-2f, 0x1.c0b2b2p-2f, 0x1.b688e8p-2f, 0x1.acc168p-2f,
        0x1.9eb328p-2f, 0x1.8d1426p-2f, 0x1.7ca958p-2f, 0x1.6d4c38p-2f,
        0x1.582326p-2f, 0x1.3eeb6cp-2f, 0x1.28a494p-2f, 0x1.14e0a6p-2f,
        0x1.f67306p-3f, 0x1.bdb178p-3f, 0x1.8f53ep-3f, 0x1.690b6ep-3f,
        0x1.3abb6p-3f, 0x1.0bcc6ap-3f, 0x1.d09ae2p-4f, 0x1.99bd8ap-4f,
        0x1.5b7d78p-4f, 0x1.200dfap-4f, 0x1.eb9d3ep-5f, 0x1.ac515ap-5f,
        0x1.66f118p-5f, 0x1.26c0aap-5f, 0x1.f3f36p-6f, 0x1.c85a44p-6f,
    },
    {  // c1
        -0x1.988454p-2f, -0x1.6f62cp-2f, -0x1.687842p-2f, -0x1.61bdccp-2f,
        -0x1.57f334p-2f, -0x1.4b61b6p-2f, -0x1.3f6e2ap-2f, -0x1.340cfep-2f,
        -0x1.23e84p-2f, -0x1.1008c6p-2f, -0x1.fbccc6p-3f, -0x1.da8d78p-3f,
        -0x1.ade9ap-3f, -0x1.7a8e9ep-3f, -0x1.4ef8ccp-3f, -0x1.29cbd8p-3f,
        -0x1.f7995ap-4f, -0x1.98443ep-4f, -0x1.4fdfb4p-4f, -0x1.1827a2p-4f,
        -0x1.b42836p-5f, -0x1.4355f6p-5f, -0x1.eefbf6p-6f, -0x1.85d316p-6f,
        -0x1.1c1974p-6f, -0x1.8aea18p-7f, -0x1.21a476p-7f, -0x1.b9d76ep-8f,
        -0x1.37bf9ap-8f, -0x1.a5fc6ep-9f, -0x1.302cdp-9f, -0x1.fb5ap-10f,
    },
    {  // c2
        0x1.00005ap-2f, 0x1.bf23b6p-3f, 0x1.b464d2p-3f, 0x1.a9fbe8p-3f,
        0x1.9aeb5ap-3f, 0x1.87bb0cp-3f, 0x1.75a4ecp-3f, 0x1.6492bp-3f,
        0x1.4c9e46p-3f, 0x1.2f937p-3f, 0x1.15885p-3f, 0x1.fc23bp-4f,
        0x1.be7834p-4f, 0x1.799a88p-4f, 0x1.411c84p-4f, 0x1.128582p-4f,
        0x1.b65ed4p-5f, 0x1.49f41ap-5f, 0x1.f966c6p-6f, 0x1.899a04p-6f,
        0x1.15c86cp-6f, 0x1.6ca216p-7f, 0x1.f2af04p-8f, 0x1.62137ep-8f,
        0x1.c034bp-9f, 0x1.07b49cp-9f, 0x1.4e9304p-10f, 0x1.c0c4ap-11f,
        0x1.0bba0ep-11f, 0x1.2bbc5p-12f, 0x1.700a3cp-13f, 0x1.18b1e8p-13f,
    },
    {  // c3
        -0x1.1071a8p-3f, -0x1.ce3b7ep-4f, -0x1.bf93ccp-4f, -0x1.b6cf8p-4f,
        -0x1.a3d58cp-4f, -0x1.8c8c0cp-4f, -0x1.7677f6p-4f, -0x1.620df2p-4f,
        -0x1.4705aep-4f, -0x1.252e8ep-4f, -0x1.0757d2p-4f, -0x1.da20dap-5f,
        -0x1.95dp-5f, -0x1.4bb984p-5f, -0x1.10a0f2p-5f, -0x1.c2e494p-6f,
        -0x1.56b498p-6f, -0x1.e3b434p-7f, -0x1.5bfaep-7f, -0x1.fe1d1cp-8f,
        -0x1.49e7cp-8f, -0x1.83e652p-9f, -0x1.de6deep-10f, -0x1.3494dep-10f,
        -0x1.56379cp-11f, -0x1.57afp-12f, -0x1.7b464p-13f, -0x1.c114ecp-14f,
        -0x1.c6eap-15f, -0x1.a69b6ep-16f, -0x1.bad9bep-17f, -0x1.3536f2p-17f,
    },
    {  // c4
        0x1.02ab7cp-4f, 0x1.e76cecp-5f, 0x1.74744p-5f, 0x1.a00426p-5f,
        0x1.7ed0dcp-5f, 0x1.6348d8p-5f, 0x1.468cb4p-5f, 0x1.3925dp-5f,
        0x1.1eddcap-5f, 0x1.fabf44p-6f, 0x1.c0911cp-6f, 0x1.8d7b3cp-6f,
        0x1.4c7fb2p-6f, 0x1.07b514p-6f, 0x1.a4cbdep-7f, 0x1.51bf2p-7f,
        0x1.ec4026p-8f, 0x1.47db44p-8f, 0x1.bdef26p-9f, 0x1.354972p-9f,
        0x1.7325bp-10f, 0x1.8a00a8p-11f, 0x1.b93d28p-12f, 0x1.03f572p-12f,
        0x1.005beep-13f, 0x1.b96c86p-15f, 0x1.a9037ep-16f, 0x1.bd4208p-17f,
        0x1.843146p-18f, 0x1.2ad678p-19f, 0x1.0b01fcp-20f, 0x1.52d26cp-21f,
    },
    {  // c5
        -0x1.d67bfp-6f, -0x1.882bfap+2f, -0x1.5fd03cp+3f, 0x1.47ef82p+0f,
        -0x1.c13378p-3f, -0x1.540506p-2f, -0x1.519a56p-1f, -0x1.920b5p-1f,
        0x1.30a628p-6f, -0x1.85aa14p-8f, -0x1.287782p-6f, 0x1.39b0c6p-7f,
        -0x1.e9e7b4p-8f, -0x1.4a502ep-8f, -0x1.89228ap-8f, -0x1.ee2cbcp-9f,
        -0x1.45ecd6p-9f, -0x1.a4e084p-10f, -0x1.0d5842p-10f, -0x1.709a04p-11f,
        -0x1.8994aep-12f, -0x1.7d383p-13f, -0x1.866ff4p-14f, -0x1.a536cp-15f,
        -0x1.70235ep-16f, -0x1.1363c4p-17f, -0x1.d0a88ap-19f, -0x1.b0dd7cp-20f,
        -0x1.41f8p-21f, -0x1.9ece64p-23f, -0x1.3e0facp-24f, -0x1.410bf8p-26f,
    },
};

// gelu(-a) = -(a/2) erfc(a/sqrt2) for float32, a = |x| <= 8.49, degree 7, on intervals
// uniform in u = a (a + 1) (width 80.75/31.5: round(u / width) is the interval). A Gaussian
// tail's relative slope grows as a, so equal steps in u (narrowing as 1/(2a + 1)) keep its
// variation over every interval near 1.1 (e-fold), which a degree-7 polynomial follows to
// about 1 ulp; the + a keeps the first intervals from spanning the whole bend near 0.
// gelu(x) = x + gelu(-x) for x > 0 (Phi(x) = 1 - Phi(-x)), so one table serves both signs.
// Interval 0 holds c0 = -0 and c1 = -1/2: tiny a give -a/2 rounded once. Worst interval
// 1.86 ulp (interval 0 1.70).
constexpr float kGeluNegativeTableInvWidth = 0x1.8f7482p-2f;  // RN(31.5 / 80.75)
// The clamp (and the kernels' switch to the tail formula): u(8.5) / width rounds to 32.
constexpr float kGeluNegativeTableMaxArg = 8.49f;
alignas(64) constexpr float kGeluNegativeTable[9][32] = {
    {  // b
        0x0p+0f, 0x1.21a31p+0f, 0x1.cd854cp+0f, 0x1.27936cp+1f,
        0x1.5e266p+1f, 0x1.8e2576p+1f, 0x1.b9c5b6p+1f, 0x1.e1c496p+1f,
        0x1.0357dcp+2f, 0x1.14dcb4p+2f, 0x1.2570c8p+2f, 0x1.35658ap+2f,
        0x1.44653cp+2f, 0x1.52d7b6p+2f, 0x1.60c5bcp+2f, 0x1.6e0c04p+2f,
        0x1.7b2862p+2f, 0x1.87a50cp+2f, 0x1.93d15ep+2f, 0x1.9fd6fap+2f,
        0x1.ab5c2ap+2f, 0x1.b6b74ep+2f, 0x1.c1a9bap+2f, 0x1.cc5ac4p+2f,
        0x1.d6efcap+2f, 0x1.e135aep+2f, 0x1.eb9088p+2f, 0x1.f5819ep+2f,
        0x1.ff2b02p+2f, 0x1.047106p+3f, 0x1.090a76p+3f, 0x1.0da8a8p+3f,
    },
    {  // c0
        -0x0p+0f, -0x1.2ac6e2p-3f, -0x1.07af2ep-4f, -0x1.8bfdb2p-6f,
        -0x1.171eacp-7f, -0x1.7cb5f2p-9f, -0x1.f8aad2p-11f, -0x1.4a38ap-12f,
        -0x1.af1cd6p-14f, -0x1.138b5ep-15f, -0x1.5d356ap-17f, -0x1.b16ebep-19f,
        -0x1.108588p-20f, -0x1.536096p-22f, -0x1.a3ca6p-24f, -0x1.06791cp-25f,
        -0x1.3f2246p-27f, -0x1.8adf34p-29f, -0x1.e509e6p-31f, -0x1.23b868p-32f,
        -0x1.64e5b8p-34f, -0x1.ae2d5ep-36f, -0x1.06bb74p-37f, -0x1.40ba86p-39f,
        -0x1.818ca8p-41f, -0x1.d39f6ap-43f, -0x1.11a87p-44f, -0x1.4831d8p-46f,
        -0x1.8ddda6p-48f, -0x1.d442d6p-50f, -0x1.1fe0dap-51f, -0x1.5906f2p-53f,
    },
    {  // c1
        -0x1p-1f, 0x1.bea97cp-4f, 0x1.b1c856p-4f, 0x1.b6e3f6p-5f,
        0x1.7507e6p-6f, 0x1.23ac72p-7f, 0x1.aef5b4p-9f, 0x1.345ddep-10f,
        0x1.b2336cp-12f, 0x1.28a15ep-13f, 0x1.8ecb5p-15f, 0x1.051e4ap-16f,
        0x1.5871ecp-18f, 0x1.c03894p-20f, 0x1.20b248p-21f, 0x1.76b07ep-23f,
        0x1.d7fceep-25f, 0x1.2daadap-26f, 0x1.7e1f3cp-28f, 0x1.d96296p-30f,
        0x1.29a088p-31f, 0x1.704d4p-33f, 0x1.cd2496p-35f, 0x1.202df8p-36f,
        0x1.6267cep-38f, 0x1.b73f68p-40f, 0x1.06988cp-41f, 0x1.414f64p-43f,
        0x1.8d09aep-45f, 0x1.dc2edp-47f, 0x1.29ed3cp-48f, 0x1.6b4d1p-50f,
    },
    {  // c2
        0x1.9884a4p-2f, 0x1.3627fap-4f, -0x1.923814p-5f, -0x1.7a8becp-5f,
        -0x1.a8fdbp-6f, -0x1.8d9b82p-7f, -0x1.4fa8a6p-8f, -0x1.0aeadap-9f,
        -0x1.99f4f2p-11f, -0x1.2de5d6p-12f, -0x1.b1618cp-14f, -0x1.2cf66ep-15f,
        -0x1.a2325cp-17f, -0x1.1d50f8p-18f, -0x1.7fe4fep-20f, -0x1.03341p-21f,
        -0x1.530422p-23f, -0x1.c08b36p-25f, -0x1.25706p-26f, -0x1.76f21cp-28f,
        -0x1.e53764p-30f, -0x1.349698p-31f, -0x1.8c7828p-33f, -0x1.fbd3e4p-35f,
        -0x1.3fbe5ep-36f, -0x1.9546f8p-38f, -0x1.ef6658p-40f, -0x1.356fp-41f,
        -0x1.85fc54p-43f, -0x1.dce982p-45f, -0x1.2fd2f8p-46f, -0x1.79250ep-48f,
    },
    {  // c3
        -0x1.01fdf2p-15f, -0x1.b9e7f2p-4f, -0x1.21fe44p-6f, 0x1.d205bcp-7f,
        0x1.ec5d88p-7f, 0x1.30d3e6p-7f, 0x1.343cdep-8f, 0x1.17d2b4p-9f,
        0x1.dcf12cp-11f, 0x1.7f3beap-12f, 0x1.285bdp-13f, 0x1.b798fp-15f,
        0x1.43747ep-16f, 0x1.d0d5b2p-18f, 0x1.47d296p-19f, 0x1.cdfec2p-21f,
        0x1.3a8476p-22f, 0x1.afaa14p-24f, 0x1.24420ep-25f, 0x1.81d6fep-27f,
        0x1.01521ap-28f, 0x1.50e218p-30f, 0x1.bcaa2p-32f, 0x1.2429f2p-33f,
        0x1.79189p-35f, 0x1.e9406ap-37f, 0x1.31f5d2p-38f, 0x1.8682fcp-40f,
        0x1.f6547cp-42f, 0x1.3962c4p-43f, 0x1.96d02cp-45f, 0x1.012aeap-46f,
    },
    {  // c4
        -0x1.0f3fd6p-4f, 0x1.dcc98cp-6f, 0x1.b6980ap-6f, 0x1.73a6a8p-8f,
        -0x1.87a70ap-9f, -0x1.02626p-8f, -0x1.6110c6p-9f, -0x1.822d42p-10f,
        -0x1.782ddap-11f, -0x1.50455p-12f, -0x1.1b73bap-13f, -0x1.c57eacp-15f,
        -0x1.645b12p-16f, -0x1.0f2e44p-17f, -0x1.92c5b8p-19f, -0x1.28ff32p-20f,
        -0x1.a66138p-22f, -0x1.2d80fcp-23f, -0x1.a7cb38p-25f, -0x1.21aab8p-26f,
        -0x1.8ee316p-28f, -0x1.0d26ecp-29f, -0x1.6d32bep-31f, -0x1.ecfdaap-33f,
        -0x1.467be6p-34f, -0x1.b209e6p-36f, -0x1.15f396p-37f, -0x1.6b0984p-39f,
        -0x1.dcf5f4p-41f, -0x1.2fcca2p-42f, -0x1.91d072p-44f, -0x1.030b28p-45f,
    },
    {  // c5
        -0x1.1e7112p-10f, 0x1.68d796p-7f, -0x1.1448fcp-7f, -0x1.ae20d6p-8f,
        -0x1.dee0fap-10f, 0x1.cccdap-12f, 0x1.c43fp-11f, 0x1.5c1226p-11f,
        0x1.9cf2c6p-12f, 0x1.a9a7cap-13f, 0x1.8cc5aep-14f, 0x1.5bd448p-15f,
        0x1.28114cp-16f, 0x1.e0976ep-18f, 0x1.79afacp-19f, 0x1.23f264p-20f,
        0x1.b3a4fp-22f, 0x1.44cb08p-23f, 0x1.dc5618p-25f, 0x1.51dacep-26f,
        0x1.e169b2p-28f, 0x1.4f5ea2p-29f, 0x1.d36d7cp-31f, 0x1.44ac3cp-32f,
        0x1.b9cd72p-34f, 0x1.2d3eaep-35f, 0x1.8b8aecp-37f, 0x1.092a4ap-38f,
        0x1.63fe78p-40f, 0x1.cf39a2p-42f, 0x1.37eb1cp-43f, 0x1.9b33c6p-45f,
    },
    {  // c6
        0x1.92e966p-7f, -0x1.ad2628p-8f, -0x1.3c96a4p-10f, 0x1.b41df2p-10f,
        0x1.472348p-10f, 0x1.49ae6cp-11f, 0x1.389384p-15f, -0x1.f2e2a6p-14f,
        -0x1.087e2cp-13f, -0x1.520b88p-14f, -0x1.bb0002p-15f, -0x1.a927a8p-16f,
        -0x1.65d7e2p-17f, -0x1.3f9468p-18f, -0x1.101094p-19f, -0x1.e20494p-21f,
        -0x1.763232p-22f, -0x1.2270aap-23f, -0x1.a7d4c6p-25f, -0x1.3672fp-26f,
        -0x1.cdcc22p-28f, -0x1.4f1838p-29f, -0x1.f9bdp-31f, -0x1.6846ecp-32f,
        -0x1.f6036p-34f, -0x1.5eafc8p-35f, -0x1.dbaad8p-37f, -0x1.39e7ccp-38f,
        -0x1.b0b484p-40f, -0x1.211d8cp-41f, -0x1.9a2832p-43f, -0x1.09e444p-44f,
    },
    {  // c7
        -0x1.4cd86ap-9f, -0x1.2f7054p-12f, 0x1.286c84p-10f, 0x1.835828p-11f,
        0x1.84c97ap-13f, -0x1.463b96p-11f, -0x1.05d73cp-12f, -0x1.0bb2b8p-13f,
        -0x1.4f5ef8p-15f, -0x1.6414fcp-16f, 0x1.0e331p-15f, 0x1.d58022p-17f,
        0x1.4258d2p-19f, 0x1.c12f7ep-20f, 0x1.07cafcp-20f, 0x1.96b85ep-21f,
        0x1.336ce4p-22f, 0x1.d8defap-24f, 0x1.015924p-25f, 0x1.913df6p-27f,
        0x1.36f87cp-28f, 0x1.edf93cp-30f, 0x1.fcecaep-31f, 0x1.6cb7d4p-32f,
        0x1.031ea4p-33f, 0x1.735622p-35f, 0x1.01a5c8p-36f, 0x1.182918p-38f,
        0x1.945b52p-40f, 0x1.20ff22p-41f, 0x1.e61f34p-43f, 0x1.023eacp-44f,
    },
};
// The interval of a = |x| (<= kGeluNegativeTableMaxArg) in the GELU tables: round(u / width)
// with u = a (a + 1).
template <class V>
Index32 gelu_table_index(V a) {
  return rounded_index(fma(fma(a, a, a), V::set(kGeluNegativeTableInvWidth),
                           V::set(ExpConstants<float>::kRoundMagic)));
}
// gelu for float32 x >= -kGeluNegativeTableMaxArg (or NaN: NaN, from |x| quietened):
// gelu(-a) from kGeluNegativeTable, plus x where x >= 0.
template <class V>
V gelu_float_quadratic_table(V x) {
  // NaN stays NaN (second operand); above the clamp gelu(-a) < 1e-16 vanishes in x + g.
  const V a = min(V::set(kGeluNegativeTableMaxArg), abs(x));
  const V g = table_horner(kGeluNegativeTable, gelu_table_index(a), a);
  // +-0 take the x >= 0 side: +0 + -0 = +0 and -0 + -0 = -0, gelu's signs.
  return select(x >= V::set(0), x + g, g);
}

// gelu'(-a) = Phi(-a) - a phi(a) on kGeluNegativeTable's intervals, degree 7 (gelu'(x) =
// 1 - gelu'(-x) for x > 0). Fitted to relative accuracy except around its zero at
// a = 0.7518 (Phi and a phi cancel): there to a tenth of their magnitudes. Interval 0 is
// expanded about its middle (t = a - b rounds for a < b/2: 0.4 ulp of 1/2 at most). Worst
// 3.89 ulp of that yardstick (interval 0, near the zero), 1.8 ulp elsewhere.
alignas(64) constexpr float kGeluNegativeGradTable[9][32] = {
    {  // b
        0x1.7a20e6p-2f, 0x1.216fbap+0f, 0x1.cd48a4p+0f, 0x1.27a61ap+1f,
        0x1.5df9ccp+1f, 0x1.8e199ap+1f, 0x1.b99592p+1f, 0x1.e1af8p+1f,
        0x1.03715cp+2f, 0x1.150fd6p+2f, 0x1.25892p+2f, 0x1.352b06p+2f,
        0x1.444e0ap+2f, 0x1.52acb8p+2f, 0x1.609dc6p+2f, 0x1.6e0294p+2f,
        0x1.7b11bp+2f, 0x1.87946p+2f, 0x1.93fc76p+2f, 0x1.9fd822p+2f,
        0x1.ab52b6p+2f, 0x1.b68ebap+2f, 0x1.c1ae6p+2f, 0x1.cc6582p+2f,
        0x1.d71706p+2f, 0x1.e16f8ep+2f, 0x1.eb8e98p+2f, 0x1.f561cp+2f,
        0x1.ff1532p+2f, 0x1.04425ep+3f, 0x1.091284p+3f, 0x1.0dc3a4p+3f,
    },
    {  // c0
        0x1.bf326cp-3f, -0x1.be2ce6p-4f, -0x1.b22796p-4f, -0x1.b67582p-5f,
        -0x1.763046p-6f, -0x1.23f626p-7f, -0x1.b0efbp-9f, -0x1.350deep-10f,
        -0x1.afa7d2p-12f, -0x1.24e242p-13f, -0x1.8c39fp-15f, -0x1.0973ap-16f,
        -0x1.5ad22cp-18f, -0x1.c63fcp-20f, -0x1.24771ap-21f, -0x1.77e2cp-23f,
        -0x1.dbc26ap-25f, -0x1.2f7f9cp-26f, -0x1.77fee8p-28f, -0x1.d92c68p-30f,
        -0x1.2abfbap-31f, -0x1.76774p-33f, -0x1.cc3e7p-35f, -0x1.1ed9cap-36f,
        -0x1.5c54e8p-38f, -0x1.abf0b2p-40f, -0x1.06d492p-41f, -0x1.46291ap-43f,
        -0x1.91367ep-45f, -0x1.f26854p-47f, -0x1.278bd8p-48f, -0x1.617ec8p-50f,
    },
    {  // c1
        -0x1.63938cp-1f, -0x1.3731eep-3f, 0x1.91d28p-4f, 0x1.7a5834p-4f,
        0x1.a9fe24p-5f, 0x1.8df0dp-6f, 0x1.51055ap-7f, 0x1.0b75a6p-8f,
        0x1.97bcaep-10f, 0x1.2a54cp-11f, 0x1.aebe92p-13f, 0x1.31b4d6p-14f,
        0x1.a4f48ep-16f, 0x1.20ffd6p-17f, 0x1.84b8ep-19f, 0x1.040058p-20f,
        0x1.55a366p-22f, 0x1.c32f5cp-24f, 0x1.20dcccp-25f, 0x1.76c8bep-27f,
        0x1.e700c2p-29f, 0x1.39a29ap-30f, 0x1.8bb5fcp-32f, 0x1.f9881cp-34f,
        0x1.3a5e76p-35f, 0x1.8b091ap-37f, 0x1.efd4e4p-39f, 0x1.3a067p-40f,
        0x1.8a050ep-42f, 0x1.f2cfbp-44f, 0x1.2d6e92p-45f, 0x1.6f1d4p-47f,
    },
    {  // c2
        0x1.1035f2p-2f, 0x1.4bb672p-2f, 0x1.b5660ep-5f, -0x1.5dd122p-5f,
        -0x1.71a8e2p-5f, -0x1.c988cap-6f, -0x1.cfeb86p-7f, -0x1.a47bc4p-8f,
        -0x1.63f59p-9f, -0x1.1c4df6p-10f, -0x1.ba0324p-12f, -0x1.4e97acp-13f,
        -0x1.e83aep-15f, -0x1.60ec54p-16f, -0x1.f1a946p-18f, -0x1.5b845cp-19f,
        -0x1.db4aaap-21f, -0x1.459722p-22f, -0x1.afc1d8p-24f, -0x1.21428ep-25f,
        -0x1.835f08p-27f, -0x1.00b23cp-28f, -0x1.4cdf92p-30f, -0x1.b44ecp-32f,
        -0x1.162a3ap-33f, -0x1.65d7ccp-35f, -0x1.cb5392p-37f, -0x1.2927c8p-38f,
        -0x1.7c94p-40f, -0x1.eb4c5ep-42f, -0x1.2ebecep-43f, -0x1.77a6ecp-45f,
    },
    {  // c3
        0x1.85b89ap-3f, -0x1.dc4f56p-4f, -0x1.b7b27p-4f, -0x1.71494ap-6f,
        0x1.87e54cp-7f, 0x1.021556p-6f, 0x1.61a34ep-7f, 0x1.82624p-8f,
        0x1.7659b2p-9f, 0x1.4cb6ccp-10f, 0x1.1a2774p-11f, 0x1.cbf788p-13f,
        0x1.663c28p-14f, 0x1.12365ap-15f, 0x1.974044p-17f, 0x1.2a06acp-18f,
        0x1.a99e5ap-20f, 0x1.2f4898p-21f, 0x1.a17d5ap-23f, 0x1.216edap-24f,
        0x1.9029d6p-26f, 0x1.11465ap-27f, 0x1.6cbb68p-29f, 0x1.eb18a8p-31f,
        0x1.415ad8p-32f, 0x1.a7a598p-34f, 0x1.164fc8p-35f, 0x1.70254cp-37f,
        0x1.e1a1ep-39f, 0x1.3d3a8cp-40f, 0x1.8ef16p-42f, 0x1.f8a37ep-44f,
    },
    {  // c4
        -0x1.83bb4cp-4f, -0x1.c4f76cp-5f, 0x1.5ad456p-5f, 0x1.0b2c6ep-5f,
        0x1.27p-7f, -0x1.12ce48p-9f, -0x1.18a314p-8f, -0x1.b198b8p-9f,
        -0x1.002fdcp-9f, -0x1.05d4cep-10f, -0x1.ef0d52p-12f, -0x1.b8a8cap-13f,
        -0x1.7252aep-14f, -0x1.2edc5p-15f, -0x1.dcbebp-17f, -0x1.6f584ap-18f,
        -0x1.12f64cp-19f, -0x1.990afap-21f, -0x1.24cc2ep-22f, -0x1.a56d1p-24f,
        -0x1.2d2352p-25f, -0x1.a8ae1p-27f, -0x1.242ffp-28f, -0x1.94a472p-30f,
        -0x1.10264ap-31f, -0x1.7054c6p-33f, -0x1.eff508p-35f, -0x1.4f621ep-36f,
        -0x1.c0e334p-38f, -0x1.2deceap-39f, -0x1.8379ccp-41f, -0x1.f40a38p-43f,
    },
    {  // c5
        -0x1.1f0232p-5f, 0x1.4c6168p-5f, 0x1.1b7dcp-7f, -0x1.778258p-7f,
        -0x1.236acap-7f, -0x1.9addcep-9f, 0x1.9da49ap-15f, 0x1.f48672p-11f,
        0x1.bbdb0cp-11f, 0x1.17ddeap-11f, 0x1.346a88p-12f, 0x1.32e476p-13f,
        0x1.1afc4cp-14f, 0x1.f6b368p-16f, 0x1.a71cbap-17f, 0x1.59955ap-18f,
        0x1.1055bp-19f, 0x1.a8e912p-21f, 0x1.3c3d2ap-22f, 0x1.db2b72p-24f,
        0x1.5efa3ap-25f, 0x1.0039e6p-26f, 0x1.6c213p-28f, 0x1.03a2dap-29f,
        0x1.67b5dap-31f, 0x1.f5618cp-33f, 0x1.5a7fb8p-34f, 0x1.de8ce2p-36f,
        0x1.489ecp-37f, 0x1.c3e46ep-39f, 0x1.27542p-40f, 0x1.854452p-42f,
    },
    {  // c6
        0x1.3c3b08p-6f, 0x1.44399p-9f, -0x1.599e42p-7f, -0x1.1aa13cp-9f,
        0x1.8c627ep-9f, 0x1.c96332p-10f, 0x1.7892c6p-11f, 0x1.12496ap-12f,
        -0x1.bb01fp-14f, -0x1.c7ca8ep-13f, -0x1.27dbd2p-13f, -0x1.611f4ep-14f,
        -0x1.60047p-15f, -0x1.322f06p-16f, -0x1.12eb7ep-17f, -0x1.e9d24p-19f,
        -0x1.a045d2p-20f, -0x1.516674p-21f, -0x1.1c4494p-22f, -0x1.a7519cp-24f,
        -0x1.5872cap-25f, -0x1.02fa4p-26f, -0x1.7a8a06p-28f, -0x1.19c0b2p-29f,
        -0x1.8f4798p-31f, -0x1.137022p-32f, -0x1.838cep-34f, -0x1.1ffbb4p-35f,
        -0x1.85b5eep-37f, -0x1.129f9ep-38f, -0x1.7d5f8ep-40f, -0x1.ff01cep-42f,
    },
    {  // c7
        0x1.dd31d6p-9f, -0x1.b431fcp-8f, 0x1.4bc572p-10f, 0x1.8a995ap-9f,
        -0x1.38047ap-11f, 0x1.64cc64p-11f, 0x1.a9696ap-14f, -0x1.6d1f4ep-11f,
        -0x1.d8667ep-13f, 0x1.5e0556p-13f, 0x1.4762eap-14f, 0x1.08898p-14f,
        0x1.f510cep-16f, 0x1.380b7ap-18f, 0x1.128cecp-19f, 0x1.3f82f6p-20f,
        0x1.825df4p-21f, 0x1.1e09dcp-22f, 0x1.e2d788p-23f, 0x1.0a3cecp-24f,
        0x1.4052f2p-25f, 0x1.dd0accp-27f, 0x1.640098p-28f, 0x1.2208e8p-29f,
        0x1.8d1c34p-31f, 0x1.c97ffp-33f, 0x1.387bbp-34f, 0x1.38b096p-35f,
        0x1.54c74ap-37f, 0x1.e4bf4ap-39f, 0x1.c93e54p-40f, 0x1.2d717ep-41f,
    },
};
// gelu'(x) for float32 |x| <= kGeluNegativeTableMaxArg (or NaN: NaN); others: garbage.
template <class V>
V gelu_grad_float_quadratic_table(V x) {
  const V a = abs(x);
  const V d = table_horner(kGeluNegativeGradTable, gelu_table_index(a), a);
  return complement_where_nonnegative(x, d);
}

// H(a) = (a - tanh(a)) / a^3 (1/3 at 0) for the float32 tanhshrink, a <= 9.1: smooth and
// far from 0, so a^3 H(a) keeps full relative accuracy where a - tanh(a) cancels. Degree 6
// (degree 5 leaves 1.8 ulp on [4, 5)); worst interval 0.83 ulp.
alignas(64) constexpr float kTanhshrinkHTable[8][32] = {
    {  // b
        0x0p+0f, 0x1.5ff93ep-4f, 0x1.a01e9p-4f, 0x1.e00e74p-4f,
        0x1.1fe6dap-3f, 0x1.5fee32p-3f, 0x1.a00d06p-3f, 0x1.dff268p-3f,
        0x1.1fef5ep-2f, 0x1.600346p-2f, 0x1.9feadp-2f, 0x1.e000fap-2f,
        0x1.1fee36p-1f, 0x1.5fe97cp-1f, 0x1.a01296p-1f, 0x1.e0016p-1f,
        0x1.20108ap+0f, 0x1.60085p+0f, 0x1.9ff60cp+0f, 0x1.e00252p+0f,
        0x1.200c1p+1f, 0x1.5ff3eap+1f, 0x1.a00eap+1f, 0x1.dfe994p+1f,
        0x1.1ffb38p+2f, 0x1.600c06p+2f, 0x1.9fff68p+2f, 0x1.e01d2ep+2f,
        0x1.1185ecp+3f, 0x1.233334p+3f, 0x1.233334p+3f, 0x1.233334p+3f,
    },
    {  // c0
        0x1.555556p-2f, 0x1.545402p-2f, 0x1.53ee18p-2f, 0x1.5377ep-2f,
        0x1.52a816p-2f, 0x1.515966p-2f, 0x1.4fca8cp-2f, 0x1.4dff8p-2f,
        0x1.4adf7ap-2f, 0x1.45ef7p-2f, 0x1.403802p-2f, 0x1.39c86cp-2f,
        0x1.2f0db6p-2f, 0x1.1f2f2cp-2f, 0x1.0e2e8p-2f, 0x1.f99f0ep-3f,
        0x1.c606ap-3f, 0x1.86127cp-3f, 0x1.4df5bp-3f, 0x1.1e1fdep-3f,
        0x1.c94bd8p-4f, 0x1.5a569ap-4f, 0x1.0cc4b2p-4f, 0x1.ab7f4ep-5f,
        0x1.3ab3bp-5f, 0x1.bb0aacp-6f, 0x1.48218cp-6f, 0x1.f8a612p-7f,
        0x1.8c074cp-7f, 0x1.6037a4p-7f, 0x1.6037a4p-7f, 0x1.6037a4p-7f,
    },
    {  // c1
        -0x1.2fd0aap-17f, -0x1.75344ep-6f, -0x1.b82ce4p-6f, -0x1.fa69d8p-6f,
        -0x1.2e3da4p-5f, -0x1.6e93cep-5f, -0x1.ad532ep-5f, -0x1.e9ebc2p-5f,
        -0x1.2060e8p-4f, -0x1.55fc38p-4f, -0x1.85d956p-4f, -0x1.afcb9ap-4f,
        -0x1.e2c66cp-4f, -0x1.089002p-3f, -0x1.1464c8p-3f, -0x1.16a6bp-3f,
        -0x1.0cce0ap-3f, -0x1.e28dbep-4f, -0x1.9fa7f6p-4f, -0x1.5e077ep-4f,
        -0x1.09d266p-4f, -0x1.70142cp-5f, -0x1.030238p-5f, -0x1.75f2f6p-6f,
        -0x1.dfc5f2p-7f, -0x1.1e649ep-7f, -0x1.6f24dp-8f, -0x1.f0c758p-9f,
        -0x1.5a1a3ep-9f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
    {  // c2
        -0x1.0e4de8p-3f, -0x1.0c34ccp-3f, -0x1.0a4b16p-3f, -0x1.081598p-3f,
        -0x1.04385p-3f, -0x1.fc1d06p-4f, -0x1.ed9d7ap-4f, -0x1.dd2f16p-4f,
        -0x1.c1304p-4f, -0x1.969bp-4f, -0x1.67c6ecp-4f, -0x1.362762p-4f,
        -0x1.d4f5eap-5f, -0x1.13d846p-5f, -0x1.ab5e2p-7f, 0x1.cc3ccep-9f,
        0x1.516ddep-6f, 0x1.002924p-5f, 0x1.0f017cp-5f, 0x1.f3da62p-6f,
        0x1.8af334p-6f, 0x1.0a29f2p-6f, 0x1.5f61d4p-7f, 0x1.d5be06p-8f,
        0x1.0b10d6p-8f, 0x1.116a92p-9f, 0x1.310634p-10f, 0x1.6c3ac6p-11f,
        0x1.c36c2p-12f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
    {  // c3
        -0x1.2d5f04p-4f, 0x1.2c15b2p-6f, 0x1.5f3c7p-6f, 0x1.942a66p-6f,
        0x1.dded28p-6f, 0x1.1e2624p-5f, 0x1.4a59fcp-5f, 0x1.735216p-5f,
        0x1.a857b2p-5f, 0x1.e02p-5f, 0x1.02b81p-4f, 0x1.0c7acep-4f,
        0x1.0ba466p-4f, 0x1.e7c76p-5f, 0x1.97b2bep-5f, 0x1.3bae98p-5f,
        0x1.72047ap-6f, 0x1.d4cc3ep-8f, -0x1.564a5p-10f, -0x1.43f8p-8f,
        -0x1.803e2cp-8f, -0x1.250276p-8f, -0x1.8210dap-9f, -0x1.ed710cp-10f,
        -0x1.fdfe3p-11f, -0x1.c6e676p-12f, -0x1.bcfe7cp-13f, -0x1.d6d2aep-14f,
        -0x1.04289ep-14f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
    {  // c4
        0x1.de75fep+0f, 0x1.aa1cc6p-5f, 0x1.a335a6p-5f, 0x1.42866ep-4f,
        0x1.8c0e24p-5f, 0x1.66ceeep-5f, 0x1.54714ap-5f, 0x1.5052c2p-5f,
        0x1.02b8c6p-5f, 0x1.7739dap-6f, 0x1.c6dbc8p-7f, 0x1.58795ep-8f,
        -0x1.81c492p-8f, -0x1.0d32a4p-6f, -0x1.63db14p-6f, -0x1.7366b8p-6f,
        -0x1.39af68p-6f, -0x1.7f368p-7f, -0x1.71f026p-8f, -0x1.059604p-9f,
        0x1.459df2p-12f, 0x1.b7ace2p-11f, 0x1.556fe8p-11f, 0x1.bbf99ap-12f,
        0x1.b2b06cp-13f, 0x1.59c0ep-14f, 0x1.2bb104p-15f, 0x1.1a75ap-16f,
        0x1.17368p-17f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
    {  // c5
        -0x1.4a412ep+4f, -0x1.177566p-1f, 0x1.052dfcp-1f, -0x1.d1912cp-1f,
        -0x1.cf7f18p-5f, 0x1.55aef6p-5f, 0x1.0f9fp-4f, -0x1.13ef24p-3f,
        -0x1.10919cp-5f, -0x1.2f686p-5f, -0x1.00a1e8p-5f, -0x1.27dba4p-5f,
        -0x1.59d912p-6f, -0x1.a707cap-7f, -0x1.130288p-8f, 0x1.1e791p-11f,
        0x1.5e2068p-8f, 0x1.774868p-8f, 0x1.f517c8p-9f, 0x1.0f771ep-9f,
        0x1.42345cp-11f, -0x1.3880eap-17f, -0x1.9d6116p-14f, -0x1.48bcbcp-14f,
        -0x1.4e7a52p-15f, -0x1.ed9c12p-17f, -0x1.7f8f54p-18f, -0x1.448ca4p-19f,
        -0x1.1ee7cp-20f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
    {  // c6
        0x1.600f0cp+6f, -0x1.ec82a6p+1f, -0x1.12e112p+2f, -0x1.247d98p+8f,
        -0x1.76e588p+0f, 0x1.2b23ccp+1f, -0x1.21627cp-2f, -0x1.0133bp+3f,
        -0x1.068cbcp-6f, -0x1.6fe7f4p-4f, -0x1.093892p-5f, 0x1.48f40ap-7f,
        0x1.5d5f04p-7f, 0x1.7d7482p-7f, 0x1.11873ap-7f, 0x1.a88644p-8f,
        0x1.f0d8f8p-10f, -0x1.e10d7cp-11f, -0x1.5d4c8p-10f, -0x1.f1c396p-11f,
        -0x1.a7895ap-12f, -0x1.447fbap-14f, -0x1.f1b2bcp-21f, 0x1.4a4726p-17f,
        0x1.b77edap-18f, 0x1.42de9ep-19f, 0x1.cbb1p-21f, 0x1.62b8f4p-22f,
        0x1.18c1dp-23f, 0x0p+0f, 0x0p+0f, 0x0p+0f,
    },
};
