#include "common/dispatch.hpp"

#include <algorithm>
#include <atomic>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fastact {

// 4 Ki elements: 16 KiB of float32 per stream, a multiple of every vector width and of a
// cache line. Chunk boundaries never change results (no element depends on its neighbours
// or on where a chunk starts), so this only sets the granularity of the static schedule:
// fine enough to balance two threads on odd sizes, coarse enough that the per-chunk call
// is noise.
const std::size_t kChunkElements = 4096;
// One thread below this many elements. Measured with tools/measure_threshold.py on the
// 2-core AMD EPYC (Zen 4) machine, AVX-512, float32, threads=1 vs threads=2 with the cut-off
// disabled: at 16 Ki elements two threads gain nothing (relu 2.17 vs 2.19 us, tanh 9.6 vs
// 9.7 us: the fork/join costs about 1 us); at 32 Ki they gain for every kernel (relu 4.1 ->
// 3.2 us, 1.28x; softsign 1.52x; tanh 1.80x).
const std::size_t kParallelMinElements = 32768;
static std::atomic<std::size_t> g_parallel_min{kParallelMinElements};

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
  if (n < g_parallel_min.load(std::memory_order_relaxed) || threads <= 1) return 1;
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

std::size_t set_parallel_min_elements(std::size_t n) { return g_parallel_min.exchange(n); }

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
