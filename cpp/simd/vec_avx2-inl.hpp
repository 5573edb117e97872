// AVX2 + FMA vector types: 8 x float32, 4 x float64. Implements the interface documented in
// vec_scalar-inl.hpp. Included by kernels/isa_avx2.cpp inside
// `namespace fastact::avx2 { namespace {` (internal linkage); no include guard.

// The element loops' four vectors written out (loop-inl.hpp), so that their independent
// operation chains interleave: GCC keeps a large body (the computed GELU) as a loop of four
// otherwise, which Zen 3 then runs at its latency (gelu 0.47 -> 0.51 Gelem/s at 64K).
#define FASTACT_UNROLL_BLOCK _Pragma("GCC unroll 4")

struct MaskF32 {
  __m256 r;  // all-ones lanes = true
  friend MaskF32 operator&(MaskF32 a, MaskF32 b) { return {_mm256_and_ps(a.r, b.r)}; }
  friend MaskF32 operator|(MaskF32 a, MaskF32 b) { return {_mm256_or_ps(a.r, b.r)}; }
  friend MaskF32 operator!(MaskF32 a) {
    return {_mm256_xor_ps(a.r, _mm256_castsi256_ps(_mm256_set1_epi32(-1)))};
  }
  friend bool any(MaskF32 a) { return _mm256_movemask_ps(a.r) != 0; }
};
struct MaskF64 {
  __m256d r;
  friend MaskF64 operator&(MaskF64 a, MaskF64 b) { return {_mm256_and_pd(a.r, b.r)}; }
  friend MaskF64 operator|(MaskF64 a, MaskF64 b) { return {_mm256_or_pd(a.r, b.r)}; }
  friend MaskF64 operator!(MaskF64 a) {
    return {_mm256_xor_pd(a.r, _mm256_castsi256_pd(_mm256_set1_epi64x(-1)))};
  }
  friend bool any(MaskF64 a) { return _mm256_movemask_pd(a.r) != 0; }
};

struct VecF32 {
  using T = float;
  using Mask = MaskF32;
  static constexpr std::size_t kLanes = 8;
  __m256 r;

  // Lane i is active iff i < n (n <= 8): compare the lane index against n.
  static __m256i tail_mask(std::size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static VecF32 set(float t) { return {_mm256_set1_ps(t)}; }
  static VecF32 load(const float* p) { return {_mm256_loadu_ps(p)}; }
  // vmaskmov never faults on masked-off lanes, so no byte past p + n is touched.
  static VecF32 load_n(const float* p, std::size_t n) { return {_mm256_maskload_ps(p, tail_mask(n))}; }
  void store(float* p) const { _mm256_storeu_ps(p, r); }
  void store_n(float* p, std::size_t n) const { _mm256_maskstore_ps(p, tail_mask(n), r); }
  void store_stream(float* p) const { _mm256_stream_ps(p, r); }
  static void stream_fence() { _mm_sfence(); }
};

struct VecF64 {
  using T = double;
  using Mask = MaskF64;
  static constexpr std::size_t kLanes = 4;
  __m256d r;

  static __m256i tail_mask(std::size_t n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(n)),
                              _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static VecF64 set(double t) { return {_mm256_set1_pd(t)}; }
  static VecF64 load(const double* p) { return {_mm256_loadu_pd(p)}; }
  static VecF64 load_n(const double* p, std::size_t n) { return {_mm256_maskload_pd(p, tail_mask(n))}; }
  void store(double* p) const { _mm256_storeu_pd(p, r); }
  void store_n(double* p, std::size_t n) const { _mm256_maskstore_pd(p, tail_mask(n), r); }
  void store_stream(double* p) const { _mm256_stream_pd(p, r); }
  static void stream_fence() { _mm_sfence(); }
};

inline VecF32 operator+(VecF32 a, VecF32 b) { return {_mm256_add_ps(a.r, b.r)}; }
inline VecF32 operator-(VecF32 a, VecF32 b) { return {_mm256_sub_ps(a.r, b.r)}; }
inline VecF32 operator*(VecF32 a, VecF32 b) { return {_mm256_mul_ps(a.r, b.r)}; }
inline VecF32 operator/(VecF32 a, VecF32 b) { return {_mm256_div_ps(a.r, b.r)}; }
inline VecF32 operator-(VecF32 a) { return {_mm256_xor_ps(a.r, _mm256_set1_ps(-0.0f))}; }
inline VecF32 fma(VecF32 a, VecF32 b, VecF32 c) { return {_mm256_fmadd_ps(a.r, b.r, c.r)}; }
inline VecF32 fnma(VecF32 a, VecF32 b, VecF32 c) { return {_mm256_fnmadd_ps(a.r, b.r, c.r)}; }
inline VecF32 min(VecF32 a, VecF32 b) { return {_mm256_min_ps(a.r, b.r)}; }
inline VecF32 max(VecF32 a, VecF32 b) { return {_mm256_max_ps(a.r, b.r)}; }
inline MaskF32 operator<(VecF32 a, VecF32 b) { return {_mm256_cmp_ps(a.r, b.r, _CMP_LT_OQ)}; }
inline MaskF32 operator<=(VecF32 a, VecF32 b) { return {_mm256_cmp_ps(a.r, b.r, _CMP_LE_OQ)}; }
inline MaskF32 operator>(VecF32 a, VecF32 b) { return {_mm256_cmp_ps(a.r, b.r, _CMP_GT_OQ)}; }
inline MaskF32 operator>=(VecF32 a, VecF32 b) { return {_mm256_cmp_ps(a.r, b.r, _CMP_GE_OQ)}; }
inline MaskF32 operator==(VecF32 a, VecF32 b) { return {_mm256_cmp_ps(a.r, b.r, _CMP_EQ_OQ)}; }
inline MaskF32 is_nan(VecF32 a) { return {_mm256_cmp_ps(a.r, a.r, _CMP_UNORD_Q)}; }
inline VecF32 canonical_nan(VecF32 a) {
  return {_mm256_blendv_ps(a.r, _mm256_set1_ps(std::numeric_limits<float>::quiet_NaN()),
                           _mm256_cmp_ps(a.r, a.r, _CMP_UNORD_Q))};
}
inline VecF32 select(MaskF32 m, VecF32 a, VecF32 b) { return {_mm256_blendv_ps(b.r, a.r, m.r)}; }
inline VecF32 keep_where(MaskF32 m, VecF32 a) { return {_mm256_and_ps(m.r, a.r)}; }
inline VecF32 zero_where(MaskF32 m, VecF32 a) { return {_mm256_andnot_ps(m.r, a.r)}; }
inline VecF32 bit_and(VecF32 a, VecF32 b) { return {_mm256_and_ps(a.r, b.r)}; }
inline VecF32 bit_or(VecF32 a, VecF32 b) { return {_mm256_or_ps(a.r, b.r)}; }
inline VecF32 bit_xor(VecF32 a, VecF32 b) { return {_mm256_xor_ps(a.r, b.r)}; }
inline VecF32 abs(VecF32 a) { return {_mm256_andnot_ps(_mm256_set1_ps(-0.0f), a.r)}; }
inline VecF32 sign_bit(VecF32 a) { return {_mm256_and_ps(a.r, _mm256_set1_ps(-0.0f))}; }
inline VecF32 round_even(VecF32 a) {
  return {_mm256_round_ps(a.r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
}
// 2^k for integral k in [-126, 127]: (k + 127) placed in the exponent field.
inline VecF32 pow2_integral(VecF32 k) {
  const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(k.r), _mm256_set1_epi32(127));
  return {_mm256_castsi256_ps(_mm256_slli_epi32(e, 23))};
}
inline VecF32 ldexp(VecF32 p, VecF32 n) {
  const VecF32 n1 = round_even(n * VecF32::set(0.5f));
  return (p * pow2_integral(n1)) * pow2_integral(n - n1);
}

// Horizontal reductions (order: see vec_scalar-inl.hpp).
inline float reduce_max(VecF32 v) {
  const __m128 a = _mm_max_ps(_mm256_castps256_ps128(v.r), _mm256_extractf128_ps(v.r, 1));
  const __m128 b = _mm_max_ps(a, _mm_movehl_ps(a, a));
  return _mm_cvtss_f32(_mm_max_ss(b, _mm_shuffle_ps(b, b, 1)));
}
inline double reduce_sum_wide(VecF32 v) {
  const __m256d a = _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v.r)),
                                  _mm256_cvtps_pd(_mm256_extractf128_ps(v.r, 1)));
  const __m128d b = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
  return _mm_cvtsd_f64(_mm_add_sd(b, _mm_unpackhi_pd(b, b)));
}

inline VecF64 operator+(VecF64 a, VecF64 b) { return {_mm256_add_pd(a.r, b.r)}; }
inline VecF64 operator-(VecF64 a, VecF64 b) { return {_mm256_sub_pd(a.r, b.r)}; }
inline VecF64 operator*(VecF64 a, VecF64 b) { return {_mm256_mul_pd(a.r, b.r)}; }
inline VecF64 operator/(VecF64 a, VecF64 b) { return {_mm256_div_pd(a.r, b.r)}; }
inline VecF64 operator-(VecF64 a) { return {_mm256_xor_pd(a.r, _mm256_set1_pd(-0.0))}; }
inline VecF64 fma(VecF64 a, VecF64 b, VecF64 c) { return {_mm256_fmadd_pd(a.r, b.r, c.r)}; }
inline VecF64 fnma(VecF64 a, VecF64 b, VecF64 c) { return {_mm256_fnmadd_pd(a.r, b.r, c.r)}; }
inline VecF64 min(VecF64 a, VecF64 b) { return {_mm256_min_pd(a.r, b.r)}; }
inline VecF64 max(VecF64 a, VecF64 b) { return {_mm256_max_pd(a.r, b.r)}; }
inline MaskF64 operator<(VecF64 a, VecF64 b) { return {_mm256_cmp_pd(a.r, b.r, _CMP_LT_OQ)}; }
inline MaskF64 operator<=(VecF64 a, VecF64 b) { return {_mm256_cmp_pd(a.r, b.r, _CMP_LE_OQ)}; }
inline MaskF64 operator>(VecF64 a, VecF64 b) { return {_mm256_cmp_pd(a.r, b.r, _CMP_GT_OQ)}; }
inline MaskF64 operator>=(VecF64 a, VecF64 b) { return {_mm256_cmp_pd(a.r, b.r, _CMP_GE_OQ)}; }
inline MaskF64 operator==(VecF64 a, VecF64 b) { return {_mm256_cmp_pd(a.r, b.r, _CMP_EQ_OQ)}; }
inline MaskF64 is_nan(VecF64 a) { return {_mm256_cmp_pd(a.r, a.r, _CMP_UNORD_Q)}; }
inline VecF64 canonical_nan(VecF64 a) {
  return {_mm256_blendv_pd(a.r, _mm256_set1_pd(std::numeric_limits<double>::quiet_NaN()),
                           _mm256_cmp_pd(a.r, a.r, _CMP_UNORD_Q))};
}
inline VecF64 select(MaskF64 m, VecF64 a, VecF64 b) { return {_mm256_blendv_pd(b.r, a.r, m.r)}; }
inline VecF64 keep_where(MaskF64 m, VecF64 a) { return {_mm256_and_pd(m.r, a.r)}; }
inline VecF64 zero_where(MaskF64 m, VecF64 a) { return {_mm256_andnot_pd(m.r, a.r)}; }
inline VecF64 bit_and(VecF64 a, VecF64 b) { return {_mm256_and_pd(a.r, b.r)}; }
inline VecF64 bit_or(VecF64 a, VecF64 b) { return {_mm256_or_pd(a.r, b.r)}; }
inline VecF64 bit_xor(VecF64 a, VecF64 b) { return {_mm256_xor_pd(a.r, b.r)}; }
inline VecF64 abs(VecF64 a) { return {_mm256_andnot_pd(_mm256_set1_pd(-0.0), a.r)}; }
inline VecF64 sqrt(VecF64 a) { return {_mm256_sqrt_pd(a.r)}; }
inline VecF32 sqrt(VecF32 a) { return {_mm256_sqrt_ps(a.r)}; }
inline VecF64 sign_bit(VecF64 a) { return {_mm256_and_pd(a.r, _mm256_set1_pd(-0.0))}; }
inline VecF64 round_even(VecF64 a) {
  return {_mm256_round_pd(a.r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
}
// 2^k for integral k in [-1022, 1023]. AVX2 has no double -> int64 conversion, so the integer
// is taken through int32 and widened.
inline VecF64 pow2_integral(VecF64 k) {
  const __m256i k64 = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k.r));
  const __m256i e = _mm256_add_epi64(k64, _mm256_set1_epi64x(1023));
  return {_mm256_castsi256_pd(_mm256_slli_epi64(e, 52))};
}
inline double reduce_max(VecF64 v) {
  const __m128d a = _mm_max_pd(_mm256_castpd256_pd128(v.r), _mm256_extractf128_pd(v.r, 1));
  return _mm_cvtsd_f64(_mm_max_sd(a, _mm_unpackhi_pd(a, a)));
}

// 8 x 8 float32 transpose: unpacklo/hi_ps pair the rows' elements, shuffle_ps pairs those
// pairs (4 x 4 blocks inside each 128-bit half), permute2f128 swaps the halves (24 shuffles).
inline void transpose(VecF32 (&v)[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(v[i].r, v[i + 1].r);
    t[i + 1] = _mm256_unpackhi_ps(v[i].r, v[i + 1].r);
  }
  for (int i = 0; i < 8; i += 4) {
    for (int h = 0; h < 2; ++h) {
      u[i + 2 * h] = _mm256_shuffle_ps(t[i + h], t[i + 2 + h], _MM_SHUFFLE(1, 0, 1, 0));
      u[i + 2 * h + 1] = _mm256_shuffle_ps(t[i + h], t[i + 2 + h], _MM_SHUFFLE(3, 2, 3, 2));
    }
  }
  for (int j = 0; j < 4; ++j) {
    v[j].r = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
    v[4 + j].r = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
  }
}
// 4 x 4 float64: unpacklo/hi_pd, then permute2f128 (8 shuffles).
inline void transpose(VecF64 (&v)[4]) {
  const __m256d t0 = _mm256_unpacklo_pd(v[0].r, v[1].r), t1 = _mm256_unpackhi_pd(v[0].r, v[1].r);
  const __m256d t2 = _mm256_unpacklo_pd(v[2].r, v[3].r), t3 = _mm256_unpackhi_pd(v[2].r, v[3].r);
  v[0].r = _mm256_permute2f128_pd(t0, t2, 0x20);
  v[1].r = _mm256_permute2f128_pd(t1, t3, 0x20);
  v[2].r = _mm256_permute2f128_pd(t0, t2, 0x31);
  v[3].r = _mm256_permute2f128_pd(t1, t3, 0x31);
}
inline VecF64 ldexp(VecF64 p, VecF64 n) {
  const VecF64 n1 = round_even(n * VecF64::set(0.5));
  return (p * pow2_integral(n1)) * pow2_integral(n - n1);
}

// float32 tables (interface in vec_scalar-inl.hpp). A lookup permutes each of the table's
// four 8-entry quarters by the index's low 3 bits (vpermps) and picks among them by bits 3
// and 4 (blendvps reads the sign bit: the index shifted left by 28 and 27): 7 operations,
// against a gather that costs 20-80 cycles per 8 lanes on AMD cores (gelu 0.21 -> 0.71
// Gelem/s at 64K on Zen 4). Higher index bits are ignored, as by AVX-512's vpermt2ps.
// Seven operations per coefficient still make a degree-5 table polynomial cost ~55
// operations, against ~25 for an exp and a quotient: the float32 kernels take their computed
// forms here (sigmoid on Zen 3 at 64K: 0.31 Gelem/s by table, 1.13 computed).
constexpr bool kCheapLookup32 = false;
struct Index32 {
  __m256i r;
  __m256 bit3, bit4;  // the index bits 3 and 4 in the sign position
};
inline Index32 make_index32(__m256i r) {
  return {r, _mm256_castsi256_ps(_mm256_slli_epi32(r, 28)),
          _mm256_castsi256_ps(_mm256_slli_epi32(r, 27))};
}
// vpsubusw saturates each 16-bit half, and the high half of every lane is 0 - 0.
inline Index32 binade_quarter_index(VecF32 a, std::uint32_t first) {
  const __m256i q = _mm256_srli_epi32(_mm256_castps_si256(a.r), 21);
  return make_index32(_mm256_subs_epu16(q, _mm256_set1_epi32(static_cast<int>(first))));
}
inline Index32 rounded_index(VecF32 v) { return make_index32(_mm256_castps_si256(v.r)); }
inline Index32 binade_half_index(VecF32 v) {
  return make_index32(_mm256_srli_epi32(_mm256_castps_si256(v.r), 22));
}
inline VecF32 lookup32(const float* table, Index32 i) {
  const __m256 q0 = _mm256_permutevar8x32_ps(_mm256_load_ps(table), i.r);
  const __m256 q1 = _mm256_permutevar8x32_ps(_mm256_load_ps(table + 8), i.r);
  const __m256 q2 = _mm256_permutevar8x32_ps(_mm256_load_ps(table + 16), i.r);
  const __m256 q3 = _mm256_permutevar8x32_ps(_mm256_load_ps(table + 24), i.r);
  return {_mm256_blendv_ps(_mm256_blendv_ps(q0, q1, i.bit3), _mm256_blendv_ps(q2, q3, i.bit3),
                           i.bit4)};
}
// One vpermps (the index's low 3 bits); the unused bit3/bit4 shifts are dead code here.
inline VecF32 lookup8(const float* table, Index32 i) {
  return {_mm256_permutevar8x32_ps(_mm256_load_ps(table), i.r)};
}

// x = m * 2^k with 1 <= m < 2 for positive normal finite x, from the bit fields.
struct MantExpF32 {
  VecF32 m, k;
};
inline MantExpF32 frexp_normal(VecF32 x) {
  const __m256i bits = _mm256_castps_si256(x.r);
  const __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
  const __m256i m = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                                    _mm256_set1_epi32(0x3f800000));
  return {{_mm256_castsi256_ps(m)}, {_mm256_cvtepi32_ps(e)}};
}
struct MantExpF64 {
  VecF64 m, k;
};
inline MantExpF64 frexp_normal(VecF64 x) {
  const __m256i bits = _mm256_castpd_si256(x.r);
  // The biased exponent (< 2^11) converted through the 2^52 + 2^51 magic number, since AVX2
  // has no int64 -> double conversion.
  const __m256d magic = _mm256_set1_pd(0x1.8p52);
  const __m256i e = _mm256_add_epi64(_mm256_srli_epi64(bits, 52), _mm256_castpd_si256(magic));
  const __m256d k = _mm256_sub_pd(_mm256_sub_pd(_mm256_castsi256_pd(e), magic),
                                  _mm256_set1_pd(1023.0));
  const __m256i m = _mm256_or_si256(
      _mm256_and_si256(bits, _mm256_set1_epi64x(0x000fffffffffffffLL)),
      _mm256_set1_epi64x(0x3ff0000000000000LL));
  return {{_mm256_castsi256_pd(m)}, {k}};
}

struct WidePair {
  VecF64 lo, hi;
};
inline WidePair widen(VecF32 x) {
  return {{_mm256_cvtps_pd(_mm256_castps256_ps128(x.r))},
          {_mm256_cvtps_pd(_mm256_extractf128_ps(x.r, 1))}};
}
inline VecF32 narrow(WidePair w) {
  return {_mm256_set_m128(_mm256_cvtpd_ps(w.hi.r), _mm256_cvtpd_ps(w.lo.r))};
}
