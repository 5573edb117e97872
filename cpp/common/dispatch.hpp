// The kernel table in use (ISA choice) and the OpenMP driver that runs kernels over arrays.
// Compiled with baseline flags; the only place that knows about threads.
#pragma once

#include <cstddef>

#include "common/cpu_features.hpp"
#include "common/kernel_table.hpp"

namespace fastact {

const KernelTable* kernel_table(Isa isa);
const KernelTable* active_table();
Isa active_isa();
void activate_isa(Isa isa);  // the caller has checked cpu_supports(isa)

int get_num_threads();
int set_num_threads(int n);  // returns the previous setting

// Contiguous arrays in, contiguous arrays out; `threads` >= 1. Splits the work into fixed
// chunks handed out statically; arrays too small to gain from threads run on the caller's
// thread. Results do not depend on the split (see loop-inl.hpp).
template <class T>
void run_forward(ForwardFn<T> fn, const T* x, T* y, std::size_t n, const Params& p, int threads);
template <class T>
void run_backward(BackwardFn<T> fn, const T* dy, const T* xy, T* dx, std::size_t n,
                  const Params& p, int threads);

// Elements per chunk and the size below which one thread runs (see dispatch.cpp).
extern const std::size_t kChunkElements;
extern const std::size_t kParallelMinElements;
extern const std::size_t kStreamMinBytes;
// For tools/measure_threshold.py only: moves the one-thread cut-off; returns the old one.
std::size_t set_parallel_min_elements(std::size_t n);

}  // namespace fastact
