#!/usr/bin/env python3
"""Vector operations per result vector in the built float32 kernels of one ISA (AVX-512 by
default, or AVX2): the roofline of a compute-bound activation.

Usage:  python3 tools/kernel_ops.py [--isa avx512|avx2] [--ghz 3.3] [--ports 2] [BUILD_DIR] [NAME ...]

Disassembles that ISA's kernel object (objdump), finds each float32 forward and backward
(from x) element loop (per run-time variant where an op has them, column "variant"), takes
its main loop (an innermost loop storing four vectors per iteration, cpp/kernels/loop-inl.hpp's
unrolled body; several where the compiler split it, none where the body is not inlined or
its branches hide the loop), leaves out the blocks a forward branch skips (the table
kernels' rarely taken fallbacks: the hot path is counted) and counts the
instructions that occupy the vector ALU ports: arithmetic, compares, blends, permutes and
conversions, and register moves under a mask (blends); plain loads, stores, register copies and
broadcasts of constants are left out (they use the load/store ports or none). With P vector
ports at F GHz a loop needing N such operations per L-lane result vector (16 lanes on
AVX-512, 8 on AVX2) cannot exceed L * P * F / N Gelem/s, whatever the scheduling: that is the column "bound".
Measure the port throughput and clock of the machine with a zmm FMA loop (2 ports at about
3.3 GHz on the CI machine kind: 6.5 G vector FMAs per second).
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

FREE = re.compile(r"^v(movap|movup|movdq|broadcast|zeroupper|mov[sd]?\b)")
MASKED = re.compile(r"\{%k[1-7]\}")
LANES = {"avx2": 8, "avx512": 16}  # float32 lanes per vector
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")


def functions(objdump: str) -> dict[str, list[tuple[int, str, str]]]:
    out: dict[str, list[tuple[int, str, str]]] = {}
    name = None
    for line in objdump.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if m:
            name = m.group(1)
            out[name] = []
            continue
        m = INSN.match(line)
        if m and name is not None:
            out[name].append((int(m.group(1), 16), m.group(2), m.group(3)))
    return out


def counts_as_op(mnemonic: str, operands: str) -> bool:
    if not mnemonic.startswith("v"):
        return False
    if FREE.match(mnemonic):
        # a masked register move is a blend; a masked load is a load
        return bool(MASKED.search(operands)) and "(" not in operands
    return True


def is_store(mnemonic: str, operands: str) -> bool:
    return mnemonic.startswith("vmov") and operands.rstrip().endswith(")")


def unrolled_loops(insns: list[tuple[int, str, str]]) -> list[float]:
    """Operations per stored vector of each innermost loop (a backward jump with no other
    inside it) that stores the most vectors per iteration: the unrolled main loop, once per
    version the compiler made of it (a run-time parameter may split it)."""
    index = {addr: i for i, (addr, _, _) in enumerate(insns)}
    loops = []
    for i, (addr, mnem, ops) in enumerate(insns):
        m = re.match(r"([0-9a-f]+)", ops)
        if not mnem.startswith("j") or not m:
            continue
        target = int(m.group(1), 16)
        if target < addr and target in index:
            loops.append((index[target], i))
    innermost = [(a, b) for a, b in loops
                 if not any(a <= c and d <= b and (c, d) != (a, b) for c, d in loops)]
    measured = []
    for a, b in innermost:
        body = insns[a: b + 1]
        if any(mn.startswith("call") for _, mn, _ in body):
            continue  # the body calls out of line: its operations are not all here
        # A conditional jump forward within the body skips a block: the rarely taken
        # fallback of a table kernel (sigmoid, silu: "if no lane is out of range, skip"),
        # laid out inline. The hot path leaves those blocks out.
        cold = set()
        for k, (_, mn, op) in enumerate(body):
            t = re.match(r"([0-9a-f]+)", op)
            if mn.startswith("j") and mn != "jmp" and t:
                target = index.get(int(t.group(1), 16))
                if target is not None and a + k < target <= b:
                    cold.update(range(k + 1, target - a))
        hot = [insn for k, insn in enumerate(body) if k not in cold]
        stores = sum(is_store(mn, op) for _, mn, op in hot)
        ops = sum(counts_as_op(mn, op) for _, mn, op in hot)
        if stores:
            measured.append((stores, ops / stores))
    # The unrolled main loop stores exactly four vectors per iteration; a kernel whose body
    # was not inlined (or branches inside) shows none and is not reported.
    return sorted({round(per, 1) for st, per in measured if st == 4})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("names", nargs="*")
    ap.add_argument("--ghz", type=float, default=3.3)
    ap.add_argument("--ports", type=int, default=2)
    ap.add_argument("--isa", choices=sorted(LANES), default="avx512")
    args = ap.parse_args()
    obj = next(Path(args.build).rglob(f"isa_{args.isa}.cpp.o"))
    dump = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-C", str(obj)],
                          capture_output=True, text=True, check=True).stdout
    funcs = functions(dump)
    # forward_loop<VecF32, Op<VecF32> > / backward_loop<VecF32, Op<VecF32>, false>, or, for
    # ops with run-time variants (loop-inl.hpp), the element loop of each variant K apart:
    # forward_elements<VecF32, Op<VecF32>, K> / backward_elements<..., false, K>.
    pattern = re.compile(
        rf"^void fastact::{args.isa}::\(anonymous namespace\)::(forward|backward)_(?:loop|elements)<"
        rf"fastact::{args.isa}::\(anonymous namespace\)::VecF32, "
        rf"fastact::{args.isa}::\(anonymous namespace\)::(\w+)<[^>]*>(?: >|, false>|, (?:false, )?(\d+)>)")
    rows = []
    for name, insns in funcs.items():
        m = pattern.match(name)
        if not m:
            continue
        act = re.sub(r"(?<!^)([A-Z])", r"_\1", m.group(2)).lower()
        if args.names and act not in args.names:
            continue
        for ops in unrolled_loops(insns):
            rows.append((act, m.group(1), int(m.group(3) or 0), ops))
    print(f"{'activation':12s} {'direction':9s} {'variant':>7s} {'ops/vector':>10s} "
          f"{'bound Gelem/s':>14s}")
    for act, direction, variant, ops in sorted(rows):
        bound = LANES[args.isa] * args.ports * args.ghz / ops if ops else float("inf")
        print(f"{act:12s} {direction:9s} {variant:7d} {ops:10.1f} {bound:14.2f}")


if __name__ == "__main__":
    main()
