// The element loops shared by every activation: a body unrolled over two full vectors, one
// more full vector if it fits, then at most one masked partial vector. There is no scalar
// epilogue and no access past n, so an element's result depends only on its value and the
// ISA: never on the array length, its offset, the chunking or the thread count.
// Fragment: included by isa_*.cpp inside the ISA's anonymous namespace.

template <class V, class Op>
void forward_loop(const typename V::T* x, typename V::T* y, std::size_t n, const Params& p) {
  constexpr std::size_t L = V::kLanes;
  const Op op(p);
  std::size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const V a = V::load(x + i);
    const V b = V::load(x + i + L);
    op.forward(a).store(y + i);
    op.forward(b).store(y + i + L);
  }
  if (i + L <= n) {
    op.forward(V::load(x + i)).store(y + i);
    i += L;
  }
  if (i < n) op.forward(V::load_n(x + i, n - i)).store_n(y + i, n - i);
}

// dx = dy * f'(.) where `xy` is the forward input (FromY = false) or output (FromY = true).
template <class V, class Op, bool FromY>
void backward_loop(const typename V::T* dy, const typename V::T* xy, typename V::T* dx,
                   std::size_t n, const Params& p) {
  constexpr std::size_t L = V::kLanes;
  const Op op(p);
  const auto grad = [&op](V g, V v) {
    if constexpr (FromY) {
      return op.backward_from_y(v, g);
    } else {
      return op.backward_from_x(v, g);
    }
  };
  std::size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const V g0 = V::load(dy + i), v0 = V::load(xy + i);
    const V g1 = V::load(dy + i + L), v1 = V::load(xy + i + L);
    grad(g0, v0).store(dx + i);
    grad(g1, v1).store(dx + i + L);
  }
  if (i + L <= n) {
    grad(V::load(dy + i), V::load(xy + i)).store(dx + i);
    i += L;
  }
  if (i < n) {
    const std::size_t m = n - i;
    grad(V::load_n(dy + i, m), V::load_n(xy + i, m)).store_n(dx + i, m);
  }
}

// The identity through the same loads and stores: the bandwidth yardstick.
template <class V>
void copy_loop(const typename V::T* x, typename V::T* y, std::size_t n, const Params&) {
  constexpr std::size_t L = V::kLanes;
  std::size_t i = 0;
  for (; i + L <= n; i += L) V::load(x + i).store(y + i);
  if (i < n) V::load_n(x + i, n - i).store_n(y + i, n - i);
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
      {
#define FASTACT_ACTIVATION(name, Op) {kernel_set<VecF32, Op>(), kernel_set<VecF64, Op>()},
#include "common/activations.def"
#undef FASTACT_ACTIVATION
      },
      &copy_loop<VecF32>,
      &copy_loop<VecF64>,
  };
}
