// The contract between the per-ISA kernel objects and the baseline code that calls them.
// Only plain types and function pointers cross this boundary: no STL, no exceptions.
#pragma once

#include <cstddef>

#include "common/structured_table.hpp"

namespace fastact {

// Activation parameters in declaration order (e.g. hardtanh: min_val, max_val). The kernels
// convert them to the element type once per call.
struct Params {
  static constexpr int kMax = 4;
  double v[kMax];
};

// How results are written: through the cache, or with non-temporal (streaming) stores that
// skip the read-for-ownership of the destination, for arrays larger than the last-level
// cache. The values written are the same either way.
enum class Store : bool { cached = false, streaming = true };

// y[i] = f(x[i]) for i < n. x == y (in place) is allowed; any other overlap is not.
template <class T>
using ForwardFn = void (*)(const T* x, T* y, std::size_t n, const Params& p, Store store);
// dx[i] = dy[i] * f'(x[i]) (from the input) or dy[i] * g(y[i]) (from the output, where the
// derivative is a function of y). dx may alias dy or xy exactly.
template <class T>
using BackwardFn = void (*)(const T* dy, const T* xy, T* dx, std::size_t n, const Params& p,
                            Store store);

template <class T>
struct KernelSet {
  ForwardFn<T> forward;
  BackwardFn<T> backward_from_x;
  BackwardFn<T> backward_from_y;  // nullptr where the derivative is not a function of y
};

struct ActivationKernels {
  KernelSet<float> f32;
  KernelSet<double> f64;
};

enum class Act : int {
#define FASTACT_ACTIVATION(name, Op) name,
#include "common/activations.def"
#undef FASTACT_ACTIVATION
  count
};
constexpr int kNumActivations = static_cast<int>(Act::count);

struct KernelTable {
  const char* isa;
  // Whether the float32 kernels use per-interval tables (kFloat32Tables in
  // kernels/math-inl.hpp) or computed forms: both meet the documented bounds, but the bits of
  // the activations that have tables differ between the two (fastact.info: float32_tables).
  bool float32_tables;
  ActivationKernels act[kNumActivations];
  // Plain copies through the same load/store path, for the benchmark's bandwidth bound and
  // for the non-temporal store decision.
  ForwardFn<float> copy_f32;
  ForwardFn<double> copy_f64;
  // softmax, log_softmax, softmin, glu, maxout, prelu (structured_table.hpp).
  StructuredKernels structured;
};

// One getter per ISA object (cpp/kernels/isa_*.cpp); each is the only symbol its object exports.
const KernelTable* kernels_scalar();
const KernelTable* kernels_avx2();
const KernelTable* kernels_avx512();

}  // namespace fastact
