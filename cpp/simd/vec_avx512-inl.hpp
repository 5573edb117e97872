// AVX-512 (F, BW, DQ, VL) vector types: 16 x float32, 8 x float64, with opmask registers.
// Implements the interface documented in vec_scalar-inl.hpp. Included by
// kernels/isa_avx512.cpp inside `namespace fastact::avx512 { namespace {`; no include guard.

// The element loops' unrolled bodies as GCC chooses (loop-inl.hpp).
#define FASTACT_UNROLL_BLOCK

struct MaskF32 {
  __mmask16 r;
  friend MaskF32 operator&(MaskF32 a, MaskF32 b) { return {_kand_mask16(a.r, b.r)}; }
  friend MaskF32 operator|(MaskF32 a, MaskF32 b) { return {_kor_mask16(a.r, b.r)}; }
  friend MaskF32 operator!(MaskF32 a) { return {_knot_mask16(a.r)}; }
  friend bool any(MaskF32 a) { return a.r != 0; }
};
struct MaskF64 {
  __mmask8 r;
  friend MaskF64 operator&(MaskF64 a, MaskF64 b) { return {_kand_mask8(a.r, b.r)}; }
  friend MaskF64 operator|(MaskF64 a, MaskF64 b) { return {_kor_mask8(a.r, b.r)}; }
  friend MaskF64 operator!(MaskF64 a) { return {_knot_mask8(a.r)}; }
  friend bool any(MaskF64 a) { return a.r != 0; }
};

struct VecF32 {
  using T = float;
  using Mask = MaskF32;
  static constexpr std::size_t kLanes = 16;
  __m512 r;

  static __mmask16 tail_mask(std::size_t n) {
    return _cvtu32_mask16(static_cast<unsigned>((1u << n) - 1u));
  }
  static VecF32 set(float t) { return {_mm512_set1_ps(t)}; }
  static VecF32 load(const float* p) { return {_mm512_loadu_ps(p)}; }
  // Masked-off lanes are neither read nor faulted on.
  static VecF32 load_n(const float* p, std::size_t n) { return {_mm512_maskz_loadu_ps(tail_mask(n), p)}; }
  void store(float* p) const { _mm512_storeu_ps(p, r); }
  void store_n(float* p, std::size_t n) const { _mm512_mask_storeu_ps(p, tail_mask(n), r); }
  void store_stream(float* p) const { _mm512_stream_ps(p, r); }
  static void stream_fence() { _mm_sfence(); }
};

struct VecF64 {
  using T = double;
  using Mask = MaskF64;
  static constexpr std::size_t kLanes = 8;
  __m512d r;

  static __mmask8 tail_mask(std::size_t n) {
    return _cvtu32_mask8(static_cast<unsigned>((1u << n) - 1u));
  }
  static VecF64 set(double t) { return {_mm512_set1_pd(t)}; }
  static VecF64 load(const double* p) { return {_mm512_loadu_pd(p)}; }
  static VecF64 load_n(const double* p, std::size_t n) { return {_mm512_maskz_loadu_pd(tail_mask(n), p)}; }
  void store(double* p) const { _mm512_storeu_pd(p, r); }
  void store_n(double* p, std::size_t n) const { _mm512_mask_storeu_pd(p, tail_mask(n), r); }
  void store_stream(double* p) const { _mm512_stream_pd(p, r); }
  static void stream_fence() { _mm_sfence(); }
};

inline VecF32 operator+(VecF32 a, VecF32 b) { return {_mm512_add_ps(a.r, b.r)}; }
inline VecF32 operator-(VecF32 a, VecF32 b) { return {_mm512_sub_ps(a.r, b.r)}; }
inline VecF32 operator*(VecF32 a, VecF32 b) { return {_mm512_mul_ps(a.r, b.r)}; }
inline VecF32 operator/(VecF32 a, VecF32 b) { return {_mm512_div_ps(a.r, b.r)}; }
inline VecF32 operator-(VecF32 a) { return {_mm512_xor_ps(a.r, _mm512_set1_ps(-0.0f))}; }
inline VecF32 fma(VecF32 a, VecF32 b, VecF32 c) { return {_mm512_fmadd_ps(a.r, b.r, c.r)}; }
inline VecF32 fnma(VecF32 a, VecF32 b, VecF32 c) { return {_mm512_fnmadd_ps(a.r, b.r, c.r)}; }
inline VecF32 min(VecF32 a, VecF32 b) { return {_mm512_min_ps(a.r, b.r)}; }
inline VecF32 max(VecF32 a, VecF32 b) { return {_mm512_max_ps(a.r, b.r)}; }
inline MaskF32 operator<(VecF32 a, VecF32 b) { return {_mm512_cmp_ps_mask(a.r, b.r, _CMP_LT_OQ)}; }
inline MaskF32 operator<=(VecF32 a, VecF32 b) { return {_mm512_cmp_ps_mask(a.r, b.r, _CMP_LE_OQ)}; }
inline MaskF32 operator>(VecF32 a, VecF32 b) { return {_mm512_cmp_ps_mask(a.r, b.r, _CMP_GT_OQ)}; }
inline MaskF32 operator>=(VecF32 a, VecF32 b) { return {_mm512_cmp_ps_mask(a.r, b.r, _CMP_GE_OQ)}; }
inline MaskF32 operator==(VecF32 a, VecF32 b) { return {_mm512_cmp_ps_mask(a.r, b.r, _CMP_EQ_OQ)}; }
inline MaskF32 is_nan(VecF32 a) { return {_mm512_cmp_ps_mask(a.r, a.r, _CMP_UNORD_Q)}; }
// One vfixupimm where a compare and a blend take two (the compare shares the FMA pipe on
// Zen 4): the table keeps the first operand (the canonical NaN) for the QNaN and SNaN classes
// (response 0 in tokens 0 and 1) and returns the input itself (response 1) for the six others.
constexpr int kKeepNonNaN = 0x11111100;
inline VecF32 canonical_nan(VecF32 a) {
  return {_mm512_fixupimm_ps(_mm512_set1_ps(std::numeric_limits<float>::quiet_NaN()), a.r,
                             _mm512_set1_epi32(kKeepNonNaN), 0)};
}
inline VecF32 select(MaskF32 m, VecF32 a, VecF32 b) { return {_mm512_mask_blend_ps(m.r, b.r, a.r)}; }
inline VecF32 keep_where(MaskF32 m, VecF32 a) { return {_mm512_maskz_mov_ps(m.r, a.r)}; }
inline VecF32 zero_where(MaskF32 m, VecF32 a) { return {_mm512_maskz_mov_ps(_knot_mask16(m.r), a.r)}; }
inline VecF32 bit_and(VecF32 a, VecF32 b) { return {_mm512_and_ps(a.r, b.r)}; }
inline VecF32 bit_or(VecF32 a, VecF32 b) { return {_mm512_or_ps(a.r, b.r)}; }
inline VecF32 bit_xor(VecF32 a, VecF32 b) { return {_mm512_xor_ps(a.r, b.r)}; }
inline VecF32 abs(VecF32 a) { return {_mm512_andnot_ps(_mm512_set1_ps(-0.0f), a.r)}; }
inline VecF32 sign_bit(VecF32 a) { return {_mm512_and_ps(a.r, _mm512_set1_ps(-0.0f))}; }
inline VecF32 round_even(VecF32 a) {
  return {_mm512_roundscale_ps(a.r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
}
// vscalef computes p * 2^floor(n) with a single rounding, as the two-step product of the
// other ISAs does, so the results agree bit for bit.
inline VecF32 ldexp(VecF32 p, VecF32 n) { return {_mm512_scalef_ps(p.r, n.r)}; }
inline VecF32 pow2_integral(VecF32 k) { return {_mm512_scalef_ps(_mm512_set1_ps(1.0f), k.r)}; }

// Horizontal reductions (order: see vec_scalar-inl.hpp).
inline float reduce_max(VecF32 v) {
  const __m256 h = _mm256_max_ps(_mm512_castps512_ps256(v.r),
                                 _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v.r), 1)));
  const __m128 a = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  const __m128 b = _mm_max_ps(a, _mm_movehl_ps(a, a));
  return _mm_cvtss_f32(_mm_max_ss(b, _mm_shuffle_ps(b, b, 1)));
}
inline double reduce_sum_wide(VecF32 v) {
  const __m512d w = _mm512_add_pd(
      _mm512_cvtps_pd(_mm512_castps512_ps256(v.r)),
      _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v.r), 1))));
  const __m256d a = _mm256_add_pd(_mm512_castpd512_pd256(w), _mm512_extractf64x4_pd(w, 1));
  const __m128d b = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
  return _mm_cvtsd_f64(_mm_add_sd(b, _mm_unpackhi_pd(b, b)));
}

inline VecF64 operator+(VecF64 a, VecF64 b) { return {_mm512_add_pd(a.r, b.r)}; }
inline VecF64 operator-(VecF64 a, VecF64 b) { return {_mm512_sub_pd(a.r, b.r)}; }
inline VecF64 operator*(VecF64 a, VecF64 b) { return {_mm512_mul_pd(a.r, b.r)}; }
inline VecF64 operator/(VecF64 a, VecF64 b) { return {_mm512_div_pd(a.r, b.r)}; }
inline VecF64 operator-(VecF64 a) { return {_mm512_xor_pd(a.r, _mm512_set1_pd(-0.0))}; }
inline VecF64 fma(VecF64 a, VecF64 b, VecF64 c) { return {_mm512_fmadd_pd(a.r, b.r, c.r)}; }
inline VecF64 fnma(VecF64 a, VecF64 b, VecF64 c) { return {_mm512_fnmadd_pd(a.r, b.r, c.r)}; }
inline VecF64 min(VecF64 a, VecF64 b) { return {_mm512_min_pd(a.r, b.r)}; }
inline VecF64 max(VecF64 a, VecF64 b) { return {_mm512_max_pd(a.r, b.r)}; }
inline MaskF64 operator<(VecF64 a, VecF64 b) { return {_mm512_cmp_pd_mask(a.r, b.r, _CMP_LT_OQ)}; }
inline MaskF64 operator<=(VecF64 a, VecF64 b) { return {_mm512_cmp_pd_mask(a.r, b.r, _CMP_LE_OQ)}; }
inline MaskF64 operator>(VecF64 a, VecF64 b) { return {_mm512_cmp_pd_mask(a.r, b.r, _CMP_GT_OQ)}; }
inline MaskF64 operator>=(VecF64 a, VecF64 b) { return {_mm512_cmp_pd_mask(a.r, b.r, _CMP_GE_OQ)}; }
inline MaskF64 operator==(VecF64 a, VecF64 b) { return {_mm512_cmp_pd_mask(a.r, b.r, _CMP_EQ_OQ)}; }
inline MaskF64 is_nan(VecF64 a) { return {_mm512_cmp_pd_mask(a.r, a.r, _CMP_UNORD_Q)}; }
inline VecF64 canonical_nan(VecF64 a) {
  return {_mm512_fixupimm_pd(_mm512_set1_pd(std::numeric_limits<double>::quiet_NaN()), a.r,
                             _mm512_set1_epi64(kKeepNonNaN), 0)};
}
inline VecF64 select(MaskF64 m, VecF64 a, VecF64 b) { return {_mm512_mask_blend_pd(m.r, b.r, a.r)}; }
inline VecF64 keep_where(MaskF64 m, VecF64 a) { return {_mm512_maskz_mov_pd(m.r, a.r)}; }
inline VecF64 zero_where(MaskF64 m, VecF64 a) { return {_mm512_maskz_mov_pd(_knot_mask8(m.r), a.r)}; }
inline VecF64 bit_and(VecF64 a, VecF64 b) { return {_mm512_and_pd(a.r, b.r)}; }
inline VecF64 bit_or(VecF64 a, VecF64 b) { return {_mm512_or_pd(a.r, b.r)}; }
inline VecF64 bit_xor(VecF64 a, VecF64 b) { return {_mm512_xor_pd(a.r, b.r)}; }
inline VecF64 abs(VecF64 a) { return {_mm512_andnot_pd(_mm512_set1_pd(-0.0), a.r)}; }
inline VecF64 sqrt(VecF64 a) { return {_mm512_sqrt_pd(a.r)}; }
inline VecF32 sqrt(VecF32 a) { return {_mm512_sqrt_ps(a.r)}; }
inline VecF64 sign_bit(VecF64 a) { return {_mm512_and_pd(a.r, _mm512_set1_pd(-0.0))}; }
inline VecF64 round_even(VecF64 a) {
  return {_mm512_roundscale_pd(a.r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
}
inline double reduce_max(VecF64 v) {
  const __m256d h = _mm256_max_pd(_mm512_castpd512_pd256(v.r), _mm512_extractf64x4_pd(v.r, 1));
  const __m128d a = _mm_max_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
  return _mm_cvtsd_f64(_mm_max_sd(a, _mm_unpackhi_pd(a, a)));
}
inline VecF64 ldexp(VecF64 p, VecF64 n) { return {_mm512_scalef_pd(p.r, n.r)}; }
inline VecF64 pow2_integral(VecF64 k) { return {_mm512_scalef_pd(_mm512_set1_pd(1.0), k.r)}; }

// 16 x 16 float32 transpose in three shuffle stages (64 shuffles): unpacklo/hi_ps pair the
// rows' elements, unpacklo/hi_pd pair those pairs (4 x 4 blocks inside each 128-bit lane),
// and two rounds of 128-bit lane shuffles (0x88: lanes 0 and 2 of each source, 0xdd: 1 and
// 3) move the blocks into place.
inline void transpose(VecF32 (&v)[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(v[i].r, v[i + 1].r);
    t[i + 1] = _mm512_unpackhi_ps(v[i].r, v[i + 1].r);
  }
  for (int i = 0; i < 16; i += 4) {
    for (int h = 0; h < 2; ++h) {
      const __m512d a = _mm512_castps_pd(t[i + h]), b = _mm512_castps_pd(t[i + 2 + h]);
      u[i + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      u[i + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    }
  }
  for (int i = 0; i < 16; i += 8) {
    for (int j = 0; j < 4; ++j) {
      t[i + j] = _mm512_shuffle_f32x4(u[i + j], u[i + 4 + j], 0x88);
      t[i + 4 + j] = _mm512_shuffle_f32x4(u[i + j], u[i + 4 + j], 0xdd);
    }
  }
  for (int j = 0; j < 8; ++j) {
    v[j].r = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
    v[8 + j].r = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xdd);
  }
}
// 8 x 8 float64: unpacklo/hi_pd, then two rounds of 128-bit lane shuffles (24 shuffles).
inline void transpose(VecF64 (&v)[8]) {
  __m512d t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm512_unpacklo_pd(v[i].r, v[i + 1].r);
    t[i + 1] = _mm512_unpackhi_pd(v[i].r, v[i + 1].r);
  }
  for (int i = 0; i < 8; i += 4) {
    for (int h = 0; h < 2; ++h) {
      u[i + h] = _mm512_shuffle_f64x2(t[i + h], t[i + 2 + h], 0x88);
      u[i + 2 + h] = _mm512_shuffle_f64x2(t[i + h], t[i + 2 + h], 0xdd);
    }
  }
  for (int j = 0; j < 4; ++j) {
    v[j].r = _mm512_shuffle_f64x2(u[j], u[4 + j], 0x88);
    v[4 + j].r = _mm512_shuffle_f64x2(u[j], u[4 + j], 0xdd);
  }
}

// float32 tables (interface in vec_scalar-inl.hpp): vpermt2ps reads only the low 5 bits of
// each index, so no masking; vpsubusw saturates each 16-bit half (the high one is 0 - 0).
constexpr bool kCheapLookup32 = true;  // one vpermt2ps
struct Index32 {
  __m512i r;
};
inline Index32 binade_quarter_index(VecF32 a, std::uint32_t first) {
  const __m512i q = _mm512_srli_epi32(_mm512_castps_si512(a.r), 21);
  return {_mm512_subs_epu16(q, _mm512_set1_epi32(static_cast<int>(first)))};
}
inline Index32 rounded_index(VecF32 v) { return {_mm512_castps_si512(v.r)}; }
inline Index32 binade_half_index(VecF32 v) {
  return {_mm512_srli_epi32(_mm512_castps_si512(v.r), 22)};
}
inline VecF32 lookup32(const float* table, Index32 i) {
  return {_mm512_permutex2var_ps(_mm512_load_ps(table), i.r, _mm512_load_ps(table + 16))};
}
// vpermps reads the low 4 bits: the 8 entries twice.
inline VecF32 lookup8(const float* table, Index32 i) {
  return {_mm512_permutexvar_ps(i.r, _mm512_broadcast_f32x8(_mm256_load_ps(table)))};
}

// x = m * 2^k with 1 <= m < 2 for positive normal finite x (vgetmant / vgetexp).
struct MantExpF32 {
  VecF32 m, k;
};
inline MantExpF32 frexp_normal(VecF32 x) {
  return {{_mm512_getmant_ps(x.r, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero)},
          {_mm512_getexp_ps(x.r)}};
}
struct MantExpF64 {
  VecF64 m, k;
};
inline MantExpF64 frexp_normal(VecF64 x) {
  return {{_mm512_getmant_pd(x.r, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero)},
          {_mm512_getexp_pd(x.r)}};
}

struct WidePair {
  VecF64 lo, hi;
};
inline WidePair widen(VecF32 x) {
  return {{_mm512_cvtps_pd(_mm512_castps512_ps256(x.r))},
          {_mm512_cvtps_pd(_mm512_extractf32x8_ps(x.r, 1))}};
}
inline VecF32 narrow(WidePair w) {
  return {_mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(w.lo.r)),
                             _mm512_cvtpd_ps(w.hi.r), 1)};
}
