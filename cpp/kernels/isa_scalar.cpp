// The scalar kernel table. This translation unit is compiled with exactly the flags of its ISA
// (CMakeLists.txt) and is sealed: everything lives in an anonymous namespace, it uses no
// STL containers, exceptions, OpenMP or Python, and exports only fastact::kernels_scalar().
// The build checks that with nm (cmake/check_isa_symbols.cmake).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "common/kernel_table.hpp"

namespace fastact::scalar {
namespace {
#include "simd/vec_scalar-inl.hpp"
#include "kernels/math-inl.hpp"
#include "kernels/activations-inl.hpp"
#include "kernels/structured-inl.hpp"
#include "kernels/loop-inl.hpp"

constexpr KernelTable kTable = make_table("scalar");
}  // namespace
}  // namespace fastact::scalar

const fastact::KernelTable* fastact::kernels_scalar() { return &fastact::scalar::kTable; }
