"""Times two builds of fastact against each other in one process, interleaved.

On a shared VM the same kernel's speed drifts by 20-30% between runs (and between
processes), more than most changes it is meant to judge. Loading both builds at once and
alternating short timed bursts puts the drift on both alike, so their ratio is steady to a
few percent.

The current build is the installed ``fastact``. The other is a snapshot of a build: the
package's Python files and its ``_core`` extension copied into a folder, imported here as
``fastact_old`` (its imports are relative, and an extension module may be loaded twice
from two paths):

    python tools/ab_builds.py --snapshot /tmp/ab            # before the change: save it
    ... edit, rebuild ...
    python tools/ab_builds.py --against /tmp/ab sigmoid silu_bwd softmax softmax_bwd_y glu

Names: an elementwise activation (forward, 64K float32 logits N(0, 3^2)), NAME_bwd (its
backward from x), the softmax family on rows of 1000 (NAME, NAME_bwd_y, NAME_bwd_x), glu
and glu_bwd on rows of 1000. One thread; the ratio is old time / new time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

import fastact

ROWS = (65, 1000)
SOFTMAX = ("softmax", "log_softmax", "softmin")


def snapshot(folder: Path) -> None:
    """Copies the installed build (its Python files and extension) to folder/fastact_old.
    The extension is wherever the import found it (an editable install keeps it in the
    build folder)."""
    src = Path(fastact.__file__).parent
    dest = folder / "fastact_old"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for f in src.glob("*.py"):
        shutil.copy2(f, dest / f.name)
    core = Path(fastact._core.__file__)
    shutil.copy2(core, dest / core.name)
    print(f"saved {src} and {core} as {dest}")


def call(module, name: str):
    """A no-argument call of module's kernel `name` and the number of elements it processes."""
    rng = np.random.default_rng(0)
    x = rng.normal(0, 3, 65536).astype(np.float32)
    out, g = np.empty_like(x), np.ones_like(x)
    rows = rng.normal(0, 3, ROWS).astype(np.float32)
    rows_out, rows_g = np.empty_like(rows), rng.normal(size=ROWS).astype(np.float32)
    base, _, form = name.partition("_bwd")
    if base in SOFTMAX:
        f = getattr(module, base)
        if not _:
            return lambda: f(rows, out=rows_out, threads=1), rows.size
        b = getattr(module, base + "_backward")
        if form == "_y":
            y = f(rows)
            return lambda: b(rows_g, y=y, out=rows_out, threads=1), rows.size
        return lambda: b(rows_g, rows, out=rows_out, threads=1), rows.size
    if base == "glu":
        if not _:
            return lambda: module.glu(rows, threads=1), rows.size
        half = np.ascontiguousarray(rows_g[:, : ROWS[1] // 2])
        return lambda: module.glu_backward(half, rows, threads=1), rows.size
    if _:
        b = getattr(module, base + "_backward")
        return lambda: b(g, x, out=out, threads=1), x.size
    f = getattr(module, base)
    return lambda: f(x, out=out, threads=1), x.size


def compare(names: list[str], rounds: int, reps: int) -> None:
    import fastact_old  # noqa: PLC0415 (found through sys.path, set by main)

    print(f"new: {Path(fastact.__file__).parent}\nold: {Path(fastact_old.__file__).parent}")
    for name in names:
        runs = {"new": call(fastact, name), "old": call(fastact_old, name)}
        for f, _ in runs.values():  # warm-up: page faults, caches, clocks
            for _ in range(reps):
                f()
        best = dict.fromkeys(runs, float("inf"))
        for _ in range(rounds):
            for key, (f, n) in runs.items():
                t = time.perf_counter()
                for _ in range(reps):
                    f()
                best[key] = min(best[key], (time.perf_counter() - t) / reps / n)
        print(f"{name:18s} new {1e-9 / best['new']:6.2f}  old {1e-9 / best['old']:6.2f} Gelem/s"
              f"  ratio {best['old'] / best['new']:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--snapshot", type=Path, help="save the installed build in this folder")
    group.add_argument("--against", type=Path, help="a folder saved with --snapshot")
    ap.add_argument("names", nargs="*", default=["relu", "sigmoid"])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    if args.snapshot:
        snapshot(args.snapshot)
        return
    sys.path.insert(0, str(args.against))
    compare(args.names, args.rounds, args.reps)


if __name__ == "__main__":
    main()
