#include "common/dispatch.hpp"

#include <algorithm>
#include <atomic>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fastact {

// 16 Ki elements: 64 KiB of float32 per stream, a multiple of every vector width, large
// enough that the per-chunk call costs nothing, small enough to balance two threads.
const std::size_t kChunkElements = 16384;
// One thread below this many elements. Measured on the 2-core AMD EPYC (Zen 4) CI machine
// with benchmarks/threshold.py: relu (the cheapest kernel, 0.03 ns/element in L1) breaks
// even with 2 threads at about 48 Ki float32 elements, where the OpenMP fork/join (~3 us)
// equals the time saved; sigmoid/tanh already gain from 8 Ki. 64 Ki keeps every kernel from
// slowing down and lets the expensive ones gain from two threads well inside L2.
const std::size_t kParallelMinElements = 65536;

// Streaming (non-temporal) stores from this many bytes of output: with the input that is
// 32 MiB, the size of the last-level cache of the CI machine (AMD EPYC, 32 MiB L3), beyond
// which a cached store costs an extra read of the destination line from DRAM.
const std::size_t kStreamMinBytes = std::size_t(16) << 20;

namespace {

std::atomic<const KernelTable*> g_table{nullptr};
std::atomic<int> g_isa{static_cast<int>(Isa::scalar)};

int initial_threads() {
#ifdef _OPENMP
  return std::max(1, omp_get_max_threads());  // honours OMP_NUM_THREADS
#else
  return 1;
#endif
}
std::atomic<int> g_threads{initial_threads()};

int effective_threads(std::size_t n, int threads) {
  if (n < kParallelMinElements || threads <= 1) return 1;
  const std::size_t chunks = (n + kChunkElements - 1) / kChunkElements;
  return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), chunks));
}

}  // namespace

const KernelTable* kernel_table(Isa isa) {
  switch (isa) {
    case Isa::scalar: return kernels_scalar();
    case Isa::avx2: return kernels_avx2();
    case Isa::avx512: return kernels_avx512();
  }
  return kernels_scalar();
}

const KernelTable* active_table() {
  const KernelTable* t = g_table.load(std::memory_order_acquire);
  return t ? t : kernels_scalar();
}
Isa active_isa() { return static_cast<Isa>(g_isa.load()); }
void activate_isa(Isa isa) {
  g_isa.store(static_cast<int>(isa));
  g_table.store(kernel_table(isa), std::memory_order_release);
}

int get_num_threads() { return g_threads.load(); }
int set_num_threads(int n) { return g_threads.exchange(n); }

template <class T>
Store store_mode(std::size_t n) {
  return n * sizeof(T) >= kStreamMinBytes ? Store::streaming : Store::cached;
}

template <class T>
void run_forward(ForwardFn<T> fn, const T* x, T* y, std::size_t n, const Params& p, int threads) {
  const int t = effective_threads(n, threads);
  const Store store = store_mode<T>(n);
  if (t == 1) {
    fn(x, y, n, p, store);
    return;
  }
  const std::ptrdiff_t chunks = static_cast<std::ptrdiff_t>((n + kChunkElements - 1) / kChunkElements);
#pragma omp parallel for schedule(static) num_threads(t)
  for (std::ptrdiff_t c = 0; c < chunks; ++c) {
    const std::size_t begin = static_cast<std::size_t>(c) * kChunkElements;
    fn(x + begin, y + begin, std::min(kChunkElements, n - begin), p, store);
  }
}

template <class T>
void run_backward(BackwardFn<T> fn, const T* dy, const T* xy, T* dx, std::size_t n,
                  const Params& p, int threads) {
  const int t = effective_threads(n, threads);
  const Store store = store_mode<T>(n);
  if (t == 1) {
    fn(dy, xy, dx, n, p, store);
    return;
  }
  const std::ptrdiff_t chunks = static_cast<std::ptrdiff_t>((n + kChunkElements - 1) / kChunkElements);
#pragma omp parallel for schedule(static) num_threads(t)
  for (std::ptrdiff_t c = 0; c < chunks; ++c) {
    const std::size_t begin = static_cast<std::size_t>(c) * kChunkElements;
    fn(dy + begin, xy + begin, dx + begin, std::min(kChunkElements, n - begin), p, store);
  }
}

template void run_forward<float>(ForwardFn<float>, const float*, float*, std::size_t,
                                 const Params&, int);
template void run_forward<double>(ForwardFn<double>, const double*, double*, std::size_t,
                                  const Params&, int);
template void run_backward<float>(BackwardFn<float>, const float*, const float*, float*,
                                  std::size_t, const Params&, int);
template void run_backward<double>(BackwardFn<double>, const double*, const double*, double*,
                                   std::size_t, const Params&, int);

}  // namespace fastact
