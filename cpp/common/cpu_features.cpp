// CPUID + XGETBV detection, compiled with baseline flags. The features checked for each ISA
// are exactly the -m flags its kernel object is compiled with (CMakeLists.txt).
#include "common/cpu_features.hpp"

#include <cpuid.h>

#include <cstdint>

namespace fastact {
namespace {

// CPUID leaf 1, ECX.
constexpr std::uint32_t kLeaf1EcxFma = 1u << 12;
constexpr std::uint32_t kLeaf1EcxOsxsave = 1u << 27;  // the OS enabled XGETBV / XSAVE
constexpr std::uint32_t kLeaf1EcxAvx = 1u << 28;
// CPUID leaf 7 subleaf 0, EBX.
constexpr std::uint32_t kLeaf7EbxAvx2 = 1u << 5;
constexpr std::uint32_t kLeaf7EbxAvx512F = 1u << 16;
constexpr std::uint32_t kLeaf7EbxAvx512Dq = 1u << 17;
constexpr std::uint32_t kLeaf7EbxAvx512Bw = 1u << 30;
constexpr std::uint32_t kLeaf7EbxAvx512Vl = 1u << 31;
// XCR0: register state the OS saves on context switches.
constexpr std::uint64_t kXcr0SseYmm = 0x6;         // XMM (bit 1) and upper YMM (bit 2)
constexpr std::uint64_t kXcr0OpmaskZmm = 0xE0;     // opmask (5), ZMM_Hi256 (6), Hi16_ZMM (7)

struct Features {
  bool avx2_fma = false;
  bool avx512 = false;
};

std::uint64_t read_xcr0() {
  std::uint32_t eax, edx;
  // xgetbv with ECX = 0; spelled as bytes-free inline asm so no -mxsave flag is needed.
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

Features detect() {
  Features f;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool fma = (ecx & kLeaf1EcxFma) != 0;
  const bool avx = (ecx & kLeaf1EcxAvx) != 0;
  if (!(ecx & kLeaf1EcxOsxsave) || !avx) return f;
  const std::uint64_t xcr0 = read_xcr0();
  if ((xcr0 & kXcr0SseYmm) != kXcr0SseYmm) return f;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
  f.avx2_fma = fma && (ebx & kLeaf7EbxAvx2);
  const std::uint32_t avx512_bits =
      kLeaf7EbxAvx512F | kLeaf7EbxAvx512Dq | kLeaf7EbxAvx512Bw | kLeaf7EbxAvx512Vl;
  f.avx512 = f.avx2_fma && (ebx & avx512_bits) == avx512_bits &&
             (xcr0 & kXcr0OpmaskZmm) == kXcr0OpmaskZmm;
  return f;
}

const Features& features() {
  static const Features f = detect();
  return f;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "unknown";
}

bool cpu_supports(Isa isa) {
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return features().avx2_fma;
    case Isa::avx512: return features().avx512;
  }
  return false;
}

}  // namespace fastact
