// The avx512 kernel table. This translation unit is compiled with exactly the flags of its ISA
// (CMakeLists.txt) and is sealed: everything lives in an anonymous namespace, it uses no
// STL containers, exceptions, OpenMP or Python, and exports only fastact::kernels_avx512().
// The build checks that with nm (cmake/check_isa_symbols.cmake).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <immintrin.h>

#include "common/kernel_table.hpp"

namespace fastact::avx512 {
namespace {
#include "simd/vec_avx512-inl.hpp"
#include "kernels/math-inl.hpp"
#include "kernels/activations-inl.hpp"
#include "kernels/structured-inl.hpp"
#include "kernels/loop-inl.hpp"

constexpr KernelTable kTable = make_table("avx512");
}  // namespace
}  // namespace fastact::avx512

const fastact::KernelTable* fastact::kernels_avx512() { return &fastact::avx512::kTable; }
