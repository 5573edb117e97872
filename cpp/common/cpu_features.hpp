// Which instruction sets this CPU and operating system can run (CPUID + XGETBV).
#pragma once

namespace fastact {

enum class Isa : int { scalar = 0, avx2 = 1, avx512 = 2 };
constexpr int kNumIsas = 3;

const char* isa_name(Isa isa);
// True when the CPU has every feature the ISA's objects are compiled for and the OS saves
// the register state they use.
bool cpu_supports(Isa isa);

}  // namespace fastact
