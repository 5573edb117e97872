// Portable one-lane "vector" types: the reference definition of the vector interface that
// vec_avx2-inl.hpp and vec_avx512-inl.hpp implement with intrinsics.
//
// Included by kernels/isa_scalar.cpp inside `namespace fastact::scalar { namespace {`, so
// everything here has internal linkage. No include guard: this file is a fragment.
//
// Interface of a vector type V (VecF32 / VecF64):
//   V::T, V::kLanes, V::Mask
//   V::set(t)  V::load(p)  V::load_n(p, n) (lanes >= n read as 0, never touched in memory)
//   v.store(p)  v.store_n(p, n) (lanes >= n are not written)
//   v.store_stream(p) (p aligned to the vector size; non-temporal)  V::stream_fence()
//   + - * /  unary -  fma(a, b, c) = a*b + c (one rounding)  fnma(a, b, c) = c - a*b
//   min(a, b) / max(a, b): if either operand is NaN the SECOND one is returned (x86
//     minps/maxps semantics, reproduced exactly here): kernels put the data operand second so
//     that NaN propagates, e.g. max(zero, x).
//   a < b, <=, >, >=, == : ordered comparisons (false if either is NaN) -> Mask
//   is_nan(a); masks combine with & | and negate with !; any(m): some lane is true
//   canonical_nan(a): every NaN lane (any sign or payload) as the positive quiet NaN of
//     std::numeric_limits<T>::quiet_NaN(), other lanes unchanged
//   select(m, a, b) = m ? a : b, lane by lane; keep_where(m, a) = m ? a : +0 and
//     zero_where(m, a) = m ? +0 : a, the same as a select with +0 but on AVX2 a bit
//     operation, which Zen 3 issues on any of its four vector pipes (a blend takes one of
//     the two FMA pipes)
//   abs(a), sign_bit(a) (= a & -0.0), bit_xor(a, b), bit_or(a, b), bit_and(a, b)
//   sqrt(a) (correctly rounded on every ISA)
//   round_even(a): nearest integer, ties to even
//   frexp_normal(x) -> {m, k}: x = m * 2^k, 1 <= m < 2, for positive normal finite x
//   float32 tables: binade_quarter_index(a, first) -> Index32, the lanes'
//     ((bits(a) >> 21) - first) saturated at 0, modulo 32 (a >= 0: exponent and top two
//     mantissa bits); rounded_index(v) -> Index32, the low 5 bits of v's bit pattern
//     (v = k + 1.5 * 2^23 for an integer k: k modulo 32); binade_half_index(v) ->
//     Index32, bits(v) >> 22 (exponent and top mantissa bit), for lookup8;
//     lookup32(table, i) -> table[i] for a 64-byte aligned float[32];
//     lookup8(table, i) -> table[i mod 8] for a 32-byte aligned float[8] (one operation on
//     every ISA: a short table of per-interval constants);
//     kCheapLookup32: whether lookup32 is one operation (an array index, AVX-512's
//     vpermt2ps) rather than several (AVX2: four permutes and three blends), which decides
//     whether the float32 kernels take their per-interval tables or their computed forms
//   Widened f32 -> f64: widen(VecF32) -> WidePair {lo, hi} (lanes in order), narrow(pair)
//   pow2_integral(k): 2^k for integral k in the normal exponent range
//   ldexp(p, n): p * 2^n rounded once, for integral n with |n| <= 2 * (max exponent - 1)
//     (AVX-512 uses vscalef; the others multiply by 2^(n/2) then 2^(n - n/2), the first
//     product exact, so every ISA gives the same bits, including overflow and subnormals).
//   Horizontal: reduce_max(v), the largest lane (no NaN lanes); reduce_sum_wide(VecF32), the
//     lanes converted to double and added pairwise, lane i + lane i + w for w = kLanes/2 .. 1
//     (a fixed order: the structured kernels' sums depend on it for identical results).
//   transpose(V (&v)[kLanes]): the kLanes x kLanes matrix whose rows are v[0..], transposed
//     in place (lane j of v[i] <-> lane i of v[j]), with in-register shuffles.
//   FASTACT_UNROLL_BLOCK: a pragma (or nothing) before the element loops' loops over the
//     four vectors of an unrolled body.

// The element loops' unrolled bodies as GCC chooses (loop-inl.hpp).
#define FASTACT_UNROLL_BLOCK

template <class T>
struct ScalarMask {
  bool m;
  friend ScalarMask operator&(ScalarMask a, ScalarMask b) { return {a.m && b.m}; }
  friend ScalarMask operator|(ScalarMask a, ScalarMask b) { return {a.m || b.m}; }
  friend ScalarMask operator!(ScalarMask a) { return {!a.m}; }
  friend bool any(ScalarMask a) { return a.m; }
};

// Float <-> same-width unsigned integer views for the sign/bit operations.
template <class T>
struct ScalarBits;
template <>
struct ScalarBits<float> {
  using U = std::uint32_t;
  static constexpr int kMantissaBits = 23;
  static constexpr int kExponentBias = 127;
};
template <>
struct ScalarBits<double> {
  using U = std::uint64_t;
  static constexpr int kMantissaBits = 52;
  static constexpr int kExponentBias = 1023;
};

template <class T_>
struct ScalarVec {
  using T = T_;
  using Mask = ScalarMask<T>;
  using U = typename ScalarBits<T>::U;
  static constexpr std::size_t kLanes = 1;
  T r;

  static ScalarVec set(T t) { return {t}; }
  static ScalarVec load(const T* p) { return {*p}; }
  static ScalarVec load_n(const T* p, std::size_t n) { return {n ? *p : T(0)}; }
  void store(T* p) const { *p = r; }
  void store_n(T* p, std::size_t n) const {
    if (n) *p = r;
  }
  // Non-temporal store of a whole vector to an address aligned to sizeof(vector); ordered
  // with later stores by stream_fence(). Plain stores here.
  void store_stream(T* p) const { *p = r; }
  static void stream_fence() {}

  static U to_bits(T t) {
    U u;
    std::memcpy(&u, &t, sizeof u);
    return u;
  }
  static T from_bits(U u) {
    T t;
    std::memcpy(&t, &u, sizeof t);
    return t;
  }
};
using VecF32 = ScalarVec<float>;
using VecF64 = ScalarVec<double>;

template <class T> ScalarVec<T> operator+(ScalarVec<T> a, ScalarVec<T> b) { return {a.r + b.r}; }
template <class T> ScalarVec<T> operator-(ScalarVec<T> a, ScalarVec<T> b) { return {a.r - b.r}; }
template <class T> ScalarVec<T> operator*(ScalarVec<T> a, ScalarVec<T> b) { return {a.r * b.r}; }
template <class T> ScalarVec<T> operator/(ScalarVec<T> a, ScalarVec<T> b) { return {a.r / b.r}; }
template <class T> ScalarVec<T> operator-(ScalarVec<T> a) { return {-a.r}; }
// std::fma is the exact fused operation (glibc picks a hardware FMA at run time when present).
template <class T> ScalarVec<T> fma(ScalarVec<T> a, ScalarVec<T> b, ScalarVec<T> c) { return {std::fma(a.r, b.r, c.r)}; }
// A NaN a passes unnegated, as the vfnmadd instructions return it (the negation belongs to
// the product, not to the operand): NaN bits then agree with the SIMD ISAs.
template <class T> ScalarVec<T> fnma(ScalarVec<T> a, ScalarVec<T> b, ScalarVec<T> c) {
  return {std::fma(a.r != a.r ? a.r : -a.r, b.r, c.r)};
}
template <class T> ScalarVec<T> min(ScalarVec<T> a, ScalarVec<T> b) { return {a.r < b.r ? a.r : b.r}; }
template <class T> ScalarVec<T> max(ScalarVec<T> a, ScalarVec<T> b) { return {a.r > b.r ? a.r : b.r}; }

template <class T> ScalarMask<T> operator<(ScalarVec<T> a, ScalarVec<T> b) { return {a.r < b.r}; }
template <class T> ScalarMask<T> operator<=(ScalarVec<T> a, ScalarVec<T> b) { return {a.r <= b.r}; }
template <class T> ScalarMask<T> operator>(ScalarVec<T> a, ScalarVec<T> b) { return {a.r > b.r}; }
template <class T> ScalarMask<T> operator>=(ScalarVec<T> a, ScalarVec<T> b) { return {a.r >= b.r}; }
template <class T> ScalarMask<T> operator==(ScalarVec<T> a, ScalarVec<T> b) { return {a.r == b.r}; }
template <class T> ScalarMask<T> is_nan(ScalarVec<T> a) { return {a.r != a.r}; }
template <class T> ScalarVec<T> canonical_nan(ScalarVec<T> a) {
  return {a.r != a.r ? std::numeric_limits<T>::quiet_NaN() : a.r};
}
template <class T> ScalarVec<T> select(ScalarMask<T> m, ScalarVec<T> a, ScalarVec<T> b) { return {m.m ? a.r : b.r}; }
template <class T> ScalarVec<T> keep_where(ScalarMask<T> m, ScalarVec<T> a) { return {m.m ? a.r : T(0)}; }
template <class T> ScalarVec<T> zero_where(ScalarMask<T> m, ScalarVec<T> a) { return {m.m ? T(0) : a.r}; }

template <class T> ScalarVec<T> bit_and(ScalarVec<T> a, ScalarVec<T> b) {
  using V = ScalarVec<T>;
  return {V::from_bits(V::to_bits(a.r) & V::to_bits(b.r))};
}
template <class T> ScalarVec<T> bit_or(ScalarVec<T> a, ScalarVec<T> b) {
  using V = ScalarVec<T>;
  return {V::from_bits(V::to_bits(a.r) | V::to_bits(b.r))};
}
template <class T> ScalarVec<T> bit_xor(ScalarVec<T> a, ScalarVec<T> b) {
  using V = ScalarVec<T>;
  return {V::from_bits(V::to_bits(a.r) ^ V::to_bits(b.r))};
}
template <class T> ScalarVec<T> abs(ScalarVec<T> a) { return {std::fabs(a.r)}; }
template <class T> ScalarVec<T> sqrt(ScalarVec<T> a) { return {std::sqrt(a.r)}; }
template <class T> ScalarVec<T> sign_bit(ScalarVec<T> a) { return bit_and(a, ScalarVec<T>{T(-0.0)}); }
template <class T> ScalarVec<T> round_even(ScalarVec<T> a) { return {std::nearbyint(a.r)}; }

// 2^k for integral k in [1 - bias, bias], built in the exponent field. The integer is read
// from the low mantissa bits of k + 1.5*2^mantissa_bits (exact for |k| < 2^22), which is
// defined for every input (a NaN k gives some finite scale; the caller's NaN payload wins).
template <class T> ScalarVec<T> pow2_integral(ScalarVec<T> k) {
  using V = ScalarVec<T>;
  using U = typename V::U;
  constexpr int kBits = ScalarBits<T>::kMantissaBits;
  const T magic = T(1.5) * T(U(1) << kBits);
  const U biased = V::to_bits(k.r + magic) - V::to_bits(magic) + U(ScalarBits<T>::kExponentBias);
  return {V::from_bits(biased << kBits)};
}
template <class T> T reduce_max(ScalarVec<T> v) { return v.r; }
inline double reduce_sum_wide(ScalarVec<float> v) { return v.r; }
template <class T> void transpose(ScalarVec<T> (&)[1]) {}  // a 1 x 1 matrix is its transpose

template <class T> ScalarVec<T> ldexp(ScalarVec<T> p, ScalarVec<T> n) {
  const ScalarVec<T> n1 = round_even(n * ScalarVec<T>{T(0.5)});
  return (p * pow2_integral(n1)) * pow2_integral(n - n1);
}

constexpr bool kCheapLookup32 = true;  // an array index
struct Index32 {
  std::uint32_t r;
};
inline Index32 binade_quarter_index(ScalarVec<float> a, std::uint32_t first) {
  const std::uint32_t q = ScalarVec<float>::to_bits(a.r) >> 21;
  return {(q > first ? q - first : 0u) & 31u};
}
inline Index32 rounded_index(ScalarVec<float> v) {
  return {ScalarVec<float>::to_bits(v.r) & 31u};
}
inline Index32 binade_half_index(ScalarVec<float> v) {
  return {ScalarVec<float>::to_bits(v.r) >> 22};
}
inline ScalarVec<float> lookup32(const float* table, Index32 i) { return {table[i.r]}; }
inline ScalarVec<float> lookup8(const float* table, Index32 i) { return {table[i.r & 7u]}; }

template <class T>
struct MantExp {
  ScalarVec<T> m, k;
};
template <class T> MantExp<T> frexp_normal(ScalarVec<T> x) {
  using V = ScalarVec<T>;
  using U = typename V::U;
  constexpr int kBits = ScalarBits<T>::kMantissaBits;
  const U bits = V::to_bits(x.r);
  const U mant_mask = (U(1) << kBits) - 1;
  const U one_bits = V::to_bits(T(1));
  const auto biased = static_cast<long long>(bits >> kBits);
  return {{V::from_bits((bits & mant_mask) | one_bits)},
          {T(biased - ScalarBits<T>::kExponentBias)}};
}

// float32 lanes widened to float64: one lane here, so `hi` is unused.
struct WidePair {
  VecF64 lo, hi;
};
inline WidePair widen(VecF32 x) { return {{double(x.r)}, {0.0}}; }
inline VecF32 narrow(WidePair w) { return {float(w.lo.r)}; }
