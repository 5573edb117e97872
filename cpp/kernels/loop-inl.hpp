// The element loops shared by every activation: a masked head that aligns the destination,
// a body unrolled over four full vectors (3-10% over two at 64K elements in cache, measured
// with relu to softsign), single full vectors, then at most one masked partial vector.
// There is no scalar epilogue and no access past n, so an element's result depends only on
// its value and the ISA: never on the array length, its offset, the chunking, the store mode
// or the thread count.
// Fragment: included by isa_*.cpp inside the ISA's anonymous namespace.

// Each forward's NaN policy (Op::kNaN, see NaNPolicy in activations-inl.hpp; canonical when
// absent; an array of one per variant for ops with run-time variants, below). Backward
// results are always canonical: a NaN gradient and a NaN input can meet.
template <class Op, int K, class = void>
struct NaNPolicyOf {
  static constexpr NaNPolicy value = NaNPolicy::canonical;
};
template <class Op, int K>
struct NaNPolicyOf<Op, K, std::void_t<decltype(Op::kNaN)>> {
  static constexpr NaNPolicy value = [] {
    if constexpr (std::is_array_v<decltype(Op::kNaN)>) {
      return Op::kNaN[K];
    } else {
      return Op::kNaN;
    }
  }();
};

// Canonical NaNs: canonical_nan(v), an operation of the vector layer (vec_*-inl.hpp).

// FASTACT_UNROLL_BLOCK (vector layer): whether the four vectors of an unrolled body are
// written out even where GCC would keep a large body as a loop of four.

// Runs body(i, lanes) over [0, n) in vector steps and hands each result vector to the store
// policy. `compute(i, m)` returns the result vector for elements [i, i + m) (m <= kLanes),
// `block(i, r)` the four full vectors of the unrolled body, [i, i + 4 kLanes), into r;
// `dest` is the output array.
template <class V, class Compute, class Block>
void element_loop(typename V::T* dest, std::size_t n, Store store, const Compute& compute,
                  const Block& block) {
  constexpr std::size_t L = V::kLanes;
  std::size_t i = 0;
  // A masked head aligns the destination to the vector size: streaming stores need it, and
  // cached ones are faster without split cache lines (relu at 64K in L2: 8.3 -> 10.8
  // Gelem/s; NumPy's buffers are only 16-byte aligned). The source usually shares the
  // destination's offset and becomes aligned with it.
  const auto misalign = reinterpret_cast<std::uintptr_t>(dest) % sizeof(V);
  if (misalign % sizeof(typename V::T) == 0 && misalign != 0) {
    const std::size_t to_boundary = (sizeof(V) - misalign) / sizeof(typename V::T);
    const std::size_t head = n < to_boundary ? n : to_boundary;
    compute(i, head).store_n(dest, head);
    i = head;
  }
  // Streaming stores take the same unrolled body as cached ones, with its fast paths (two
  // single vectors per step ran sigmoid at 1.18 Gelem/s against 1.54 cached, tanh 0.71
  // against 0.94: 4M float32, one thread, AVX2 on Zen 3); the rest below is cached.
  if (store == Store::streaming && reinterpret_cast<std::uintptr_t>(dest + i) % sizeof(V) == 0) {
    for (; i + 4 * L <= n; i += 4 * L) {
      V r[4];
      block(i, r);
      for (std::size_t k = 0; k < 4; ++k) r[k].store_stream(dest + i + k * L);
    }
    V::stream_fence();
  }
  for (; i + 4 * L <= n; i += 4 * L) {
    V r[4];
    block(i, r);
    for (std::size_t k = 0; k < 4; ++k) r[k].store(dest + i + k * L);
  }
  for (; i + L <= n; i += L) compute(i, L).store(dest + i);
  if (i < n) compute(i, n - i).store_n(dest + i, n - i);
}
template <class V, class Compute>
void element_loop(typename V::T* dest, std::size_t n, Store store, const Compute& compute) {
  element_loop<V>(dest, n, store, compute, [&](std::size_t i, V (&r)[4]) {
    FASTACT_UNROLL_BLOCK
    for (std::size_t k = 0; k < 4; ++k) r[k] = compute(i + k * V::kLanes, V::kLanes);
  });
}

// Fast paths. A float32 table kernel whose inputs beyond the table's range (a few in ten
// thousand for typical activations) take another formula tests every vector for them, and on
// Zen 4 that compare costs about 5% of the kernel (it issues on the FMA pipes). Such an op
// may declare
//   template <int K> static constexpr FastBounds fast_bounds(): for variant K, the |x| up to
//     which forward_fast<K>(x) / backward_fast<K>(x, dy) give forward's / backward's bits
//     (0: no fast path),
// and the unrolled body then tests its four vectors at once (within_fast_bound: three max,
// one compare), taking the fast path when all are inside and the full one otherwise. An
// element's result stays a function of its value alone.
template <class Op, int K, class = void>
struct FastBoundsOf {
  static constexpr FastBounds value{0, 0};
};
template <class Op, int K>
struct FastBoundsOf<Op, K, std::void_t<decltype(Op::template fast_bounds<K>())>> {
  static constexpr FastBounds value = Op::template fast_bounds<K>();
};
// within_fast_bound: activations-inl.hpp.

// Loads lanes [i, i + m) of p: a full vector when m == kLanes, else a masked one.
template <class V>
V load_lanes(const typename V::T* p, std::size_t m) {
  return m == V::kLanes ? V::load(p) : V::load_n(p, m);
}

// The element loops are flattened: every function an activation calls is inlined into its
// loop. Left to its own limits GCC keeps the larger bodies (expm1, the sigmoid pieces, gelu)
// out of line, and a call per vector then spills every live zmm register around it.
#define FASTACT_FLATTEN __attribute__((flatten))

// Run-time variants. An op whose formulas branch on a parameter (swish's beta = 1, gelu's
// form) declares kVariants, variant() in [0, kVariants) and the member templates
// forward_as<K> / backward_from_x_as<K>; the loops are instantiated once per variant and the
// call picks one, so no element loop carries the branch (or both bodies' registers). Ops
// without kVariants are one variant, forward / backward_from_x.
template <class Op, class = void>
struct VariantCount {
  static constexpr int value = 1;
};
template <class Op>
struct VariantCount<Op, std::void_t<decltype(Op::kVariants)>> {
  static constexpr int value = Op::kVariants;
};
template <int K, class Op, class V>
V forward_variant(const Op& op, V x) {
  if constexpr (VariantCount<Op>::value > 1) {
    return op.template forward_as<K>(x);
  } else {
    return op.forward(x);
  }
}
template <int K, class Op, class V>
V backward_from_x_variant(const Op& op, V x, V dy) {
  if constexpr (VariantCount<Op>::value > 1) {
    return op.template backward_from_x_as<K>(x, dy);
  } else {
    return op.backward_from_x(x, dy);
  }
}
// Calls run(std::integral_constant<int, op.variant()>).
template <class Op, class Run, int K = 0>
void with_variant(const Op& op, const Run& run) {
  if constexpr (K + 1 < VariantCount<Op>::value) {
    if (op.variant() != K) return with_variant<Op, Run, K + 1>(op, run);
  }
  run(std::integral_constant<int, K>{});
}

template <class V, class Op, int K>
FASTACT_FLATTEN void forward_elements(const Op& op, const typename V::T* x, typename V::T* y,
                                      std::size_t n, Store store) {
  const auto finish = [](V r) {
    if constexpr (NaNPolicyOf<Op, K>::value != NaNPolicy::canonical) {
      return r;
    } else {
      return canonical_nan(r);
    }
  };
  const auto compute = [&](std::size_t i, std::size_t m) {
    return finish(forward_variant<K>(op, load_lanes<V>(x + i, m)));
  };
  constexpr double bound = FastBoundsOf<Op, K>::value.forward;
  if constexpr (bound > 0) {
    element_loop<V>(y, n, store, compute, [&](std::size_t i, V (&r)[4]) {
      V v[4];
      for (std::size_t k = 0; k < 4; ++k) v[k] = V::load(x + i + k * V::kLanes);
      if (within_fast_bound(v, bound)) {
        FASTACT_UNROLL_BLOCK
        for (std::size_t k = 0; k < 4; ++k) r[k] = finish(op.template forward_fast<K>(v[k]));
      } else {
        for (std::size_t k = 0; k < 4; ++k) r[k] = finish(forward_variant<K>(op, v[k]));
      }
    });
  } else {
    element_loop<V>(y, n, store, compute);
  }
}
template <class V, class Op>
void forward_loop(const typename V::T* x, typename V::T* y, std::size_t n, const Params& p,
                  Store store) {
  const Op op(p);
  with_variant(op,
               [&](auto k) { forward_elements<V, Op, decltype(k)::value>(op, x, y, n, store); });
}

// dx = dy * f'(.) where `xy` is the forward input (FromY = false) or output (FromY = true).
template <class V, class Op, bool FromY, int K>
FASTACT_FLATTEN void backward_elements(const Op& op, const typename V::T* dy,
                                       const typename V::T* xy, typename V::T* dx,
                                       std::size_t n, Store store) {
  // A NaN gradient and a NaN input can meet: always canonical.
  const auto compute = [&](std::size_t i, std::size_t m) {
    const V g = load_lanes<V>(dy + i, m);
    const V v = load_lanes<V>(xy + i, m);
    if constexpr (FromY) {
      return canonical_nan(op.backward_from_y(v, g));
    } else {
      return canonical_nan(backward_from_x_variant<K>(op, v, g));
    }
  };
  constexpr double bound = FromY ? 0 : FastBoundsOf<Op, K>::value.backward;
  if constexpr (bound > 0) {
    element_loop<V>(dx, n, store, compute, [&](std::size_t i, V (&r)[4]) {
      V v[4], g[4];
      for (std::size_t k = 0; k < 4; ++k) {
        v[k] = V::load(xy + i + k * V::kLanes);
        g[k] = V::load(dy + i + k * V::kLanes);
      }
      if (within_fast_bound(v, bound)) {
        FASTACT_UNROLL_BLOCK
        for (std::size_t k = 0; k < 4; ++k)
          r[k] = canonical_nan(op.template backward_fast<K>(v[k], g[k]));
      } else {
        for (std::size_t k = 0; k < 4; ++k)
          r[k] = canonical_nan(backward_from_x_variant<K>(op, v[k], g[k]));
      }
    });
  } else {
    element_loop<V>(dx, n, store, compute);
  }
}
template <class V, class Op, bool FromY>
void backward_loop(const typename V::T* dy, const typename V::T* xy, typename V::T* dx,
                   std::size_t n, const Params& p, Store store) {
  const Op op(p);
  if constexpr (FromY) {
    backward_elements<V, Op, true, 0>(op, dy, xy, dx, n, store);
  } else {
    with_variant(op, [&](auto k) {
      backward_elements<V, Op, false, decltype(k)::value>(op, dy, xy, dx, n, store);
    });
  }
}

// The identity through the same loop: the bandwidth yardstick.
template <class V>
void copy_loop(const typename V::T* x, typename V::T* y, std::size_t n, const Params&,
               Store store) {
  element_loop<V>(y, n, store, [&](std::size_t i, std::size_t m) { return load_lanes<V>(x + i, m); });
}

template <class V, template <class> class Op>
constexpr KernelSet<typename V::T> kernel_set() {
  using O = Op<V>;
  BackwardFn<typename V::T> from_y = nullptr;
  if constexpr (O::kBackwardFromY) from_y = &backward_loop<V, O, true>;
  return {&forward_loop<V, O>, &backward_loop<V, O, false>, from_y};
}

// The ISA's table, expanded from the one activation list.
constexpr KernelTable make_table(const char* isa) {
  return KernelTable{
      isa,
      kFloat32Tables<VecF32>,
      {
#define FASTACT_ACTIVATION(name, Op) {kernel_set<VecF32, Op>(), kernel_set<VecF64, Op>()},
#include "common/activations.def"
#undef FASTACT_ACTIVATION
      },
      &copy_loop<VecF32>,
      &copy_loop<VecF64>,
      structured_kernels(),
  };
}
