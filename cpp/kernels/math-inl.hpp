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

// (nh + nl) / (dh + dl) with nearly a single rounding, for |nl| << |nh| and |dl| << |dh|.
// One division: q0 = nh * (1/dh) is within a couple of ulps; its exact residual
// nh - q0*dh (one FMA, exact because q0 is that close) plus the low parts gives the
// correction, applied with a final FMA. Error: 0.5 ulp + O(2^-2p).
template <class V>
V divide_double_word(V nh, V nl, V dh, V dl) {
  const V rcp = V::set(1) / dh;
  const V q0 = nh * rcp;
  V r = fnma(q0, dh, nh);  // exact
  r = fnma(q0, dl, r + nl);
  return fma(r, rcp, q0);
}
// The same for a numerator that is a single number.
template <class V>
V divide_by_double_word(V n, V dh, V dl) {
  const V rcp = V::set(1) / dh;
  const V q0 = n * rcp;
  const V r = fnma(q0, dl, fnma(q0, dh, n));
  return fma(r, rcp, q0);
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
// Accuracy (relative, before any use): about 0.6 ulp in float32 and float64.
template <class T>
struct ExpConstants;
template <>
struct ExpConstants<float> {
  static constexpr float kLog2e = 0x1.715476p+0f;
  static constexpr float kLn2Hi = 0x1.62ep-1f;
  static constexpr float kLn2Lo = 0x1.0bfbe8p-15f;
  static constexpr float kRoundMagic = 0x1.8p23f;  // x + kRoundMagic rounds x to an integer
  static constexpr float kMinArg = -104.0f;        // exp(-104) < 2^-150: rounds to +0
  static constexpr float kMaxArg = 89.0f;          // exp(89) > FLT_MAX: overflows to inf
};
template <>
struct ExpConstants<double> {
  static constexpr double kLog2e = 0x1.71547652b82fep+0;
  static constexpr double kLn2Hi = 0x1.62e42fefa38p-1;
  static constexpr double kLn2Lo = 0x1.ef35793c7673p-45;
  static constexpr double kRoundMagic = 0x1.8p52;
  static constexpr double kMinArg = -746.0;
  static constexpr double kMaxArg = 710.0;
};

// exp(r) for |r| <= ln2/2 (plus rounding slack), Horner's rule down to a final
// fma(r, q, 1): that last step rounds once and q's own error is scaled by |r| < 0.35.
inline VecF32 exp_reduced(VecF32 r) {
  // Taylor coefficients 1/k!, k = 1..7 (truncation error < 2^-27 on the interval).
  const VecF32 q = horner(r, 1.0f, 0x1p-1f, 0x1.555556p-3f, 0x1.555556p-5f, 0x1.111112p-7f,
                          0x1.6c16c2p-10f, 0x1.a01a02p-13f);
  return fma(q, r, VecF32::set(1.0f));
}
inline VecF64 exp_reduced(VecF64 r) {
  const VecF64 q = horner(r, 1.0, 0x1p-1, 0x1.5555555555555p-3, 0x1.5555555555555p-5,
                          0x1.1111111111111p-7, 0x1.6c16c16c16c17p-10, 0x1.a01a01a01a01ap-13,
                          0x1.a01a01a01a01ap-16, 0x1.71de3a556c734p-19, 0x1.27e4fb7789f5cp-22,
                          0x1.ae64567f544e4p-26, 0x1.1eed8eff8d898p-29, 0x1.6124613a86d09p-33);
  return fma(q, r, VecF64::set(1.0));
}

// exp of a clamped argument (kMinArg <= z <= kMaxArg, or NaN).
template <class V>
V exp_clamped(V z) {
  using C = ExpConstants<typename V::T>;
  const V magic = V::set(C::kRoundMagic);
  const V n = fma(z, V::set(C::kLog2e), magic) - magic;  // round(z/ln2), one rounding
  V r = fnma(n, V::set(C::kLn2Hi), z);                      // exact
  r = fnma(n, V::set(C::kLn2Lo), r);
  return ldexp(exp_reduced(r), n);
}

template <class V>
V exp(V z) {
  using C = ExpConstants<typename V::T>;
  // Operand order keeps NaN: min/max return their second operand when it is NaN.
  return exp_clamped(min(V::set(C::kMaxArg), max(V::set(C::kMinArg), z)));
}

// exp(z) for z <= 0 (or NaN): one clamp fewer.
template <class V>
V exp_nonpositive(V z) {
  return exp_clamped(max(V::set(ExpConstants<typename V::T>::kMinArg), z));
}

// -|x|, one bit operation.
template <class V>
V negative_abs(V x) {
  return bit_or(x, V::set(typename V::T(-0.0)));
}

// ---------------------------------------------------------------------------------------
// tanh(a) for 0 <= a <= kTanhSmall (= atanh(1/2)): odd polynomial a + a^3 * P(a^2).
template <class T>
struct TanhConstants;
template <>
struct TanhConstants<float> {
  static constexpr float kSmall = 0x1.193ea8p-1f;  // atanh(1/2) = 0.5493...
};
template <>
struct TanhConstants<double> {
  static constexpr double kSmall = 0x1.193ea7aad030bp-1;
};

inline VecF32 tanh_small(VecF32 a) {
  const VecF32 a2 = a * a;
  // Taylor series of (tanh(a) - a) / a^3 in a^2 (provisional; tools/fit_polynomials.py).
  const VecF32 q = horner(a2, -0x1.555556p-2f, 0x1.111112p-3f, -0x1.ba1ba2p-5f, 0x1.664f48p-6f,
                          -0x1.226e36p-7f, 0x1.d6d3d0p-9f, -0x1.7da364p-10f, 0x1.355824p-11f,
                          -0x1.f57d78p-13f);
  return fma(a * a2, q, a);
}
inline VecF64 tanh_small(VecF64 a) {
  const VecF64 a2 = a * a;
  const VecF64 q = horner(
      a2, -0x1.5555555555555p-2, 0x1.1111111111111p-3, -0x1.ba1ba1ba1ba1cp-5,
      0x1.664f4882c10fap-6, -0x1.226e355e6c23dp-7, 0x1.d6d3d0e157de0p-9, -0x1.7da36452b75e3p-10,
      0x1.3558248036744p-11, -0x1.f57d7734d1664p-13, 0x1.967e18afcafadp-14,
      -0x1.497d8eea25259p-15, 0x1.0b132d39a6050p-16, -0x1.b0f72d3ee24e9p-18,
      0x1.5ef2da474e5b7p-19, -0x1.1c77df95c1c0dp-20, 0x1.cd299de4ae6bbp-22,
      -0x1.75cde6563fed9p-23, 0x1.2efe8db3aff1fp-24, -0x1.eb3229047434cp-26);
  return fma(a * a2, q, a);
}
