"""``python -m fastact COMMAND``: build information, accuracy measurement, benchmarks.

    python -m fastact info [--json]      version, ISAs, threads, compiler, flags, constants
    python -m fastact accuracy [...]     max ulp error per activation (fastact.accuracy)
    python -m fastact bench [...]        benchmarks (fastact.bench)

``accuracy`` and ``bench`` take their own options (``python -m fastact accuracy --help``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable

import fastact

PROG = "python -m fastact"


def _openmp_version(date: int | None) -> str:
    """_OPENMP (a yyyymm date) -> "4.5 (201511)"; None -> "not built with OpenMP"."""
    if date is None:
        return "not built with OpenMP"
    versions = {
        200505: "2.5", 200805: "3.0", 201107: "3.1", 201307: "4.0",
        201511: "4.5", 201811: "5.0", 202011: "5.1", 202111: "5.2", 202411: "6.0",
    }
    return f"{versions.get(date, '?')} ({date})"


def info_dict() -> dict:
    """Everything ``info`` reports, as plain JSON-able data."""
    build = dict(fastact._core.build_info())
    known = {
        "version", "compiler", "cxx_flags", "isa_flags", "common_isa_flags", "openmp",
        "chunk_elements", "parallel_min_elements", "stream_min_bytes",
    }
    return {
        "version": fastact.__version__,
        "isa": fastact.get_isa(),
        "available_isas": fastact.available_isas(),
        # per ISA: whether its float32 kernels use per-interval tables or computed forms
        "float32_tables": dict(fastact._core.FLOAT32_TABLES),
        "FASTACT_ISA": os.environ.get("FASTACT_ISA"),
        "threads": fastact.get_num_threads(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "cpu_count": os.cpu_count(),
        "compiler": build["compiler"],
        "cxx_flags": build["cxx_flags"],
        "common_isa_flags": build["common_isa_flags"],
        "isa_flags": dict(build["isa_flags"]),
        "openmp": build["openmp"],
        "chunk_elements": build["chunk_elements"],
        "parallel_min_elements": build["parallel_min_elements"],
        "stream_min_bytes": build["stream_min_bytes"],
        # whatever the core reports beyond the keys above (newer builds)
        "other_build_info": {k: v for k, v in build.items() if k not in known},
        "activations": fastact.activations(),
    }


def _info(args: argparse.Namespace) -> int:
    d = info_dict()
    if args.json:
        print(json.dumps(d, indent=2))
        return 0
    available = ", ".join(
        f"{name}{'' if ok else ' (not supported by this CPU)'}"
        for name, ok in d["available_isas"].items()
    )
    chosen = d["isa"] + (f" (FASTACT_ISA={d['FASTACT_ISA']})" if d["FASTACT_ISA"] else "")
    rows = [
        ("fastact", d["version"]),
        ("ISA", chosen),
        ("available ISAs", available),
        ("float32 forms", ", ".join(f"{isa}: {'tables' if on else 'computed'}"
                                    for isa, on in d["float32_tables"].items())),
        ("threads", f"{d['threads']} (CPUs: {d['cpu_count']})"),
        ("OMP_NUM_THREADS", d["OMP_NUM_THREADS"] or "(not set)"),
        ("compiler", d["compiler"]),
        ("C++ flags", d["cxx_flags"]),
        ("ISA flags", d["common_isa_flags"]),
        *((f"  {isa}", flags) for isa, flags in d["isa_flags"].items()),
        ("OpenMP", _openmp_version(d["openmp"])),
        ("chunk", f"{d['chunk_elements']:,} elements (OpenMP static schedule unit)"),
        ("one thread below", f"{d['parallel_min_elements']:,} elements"),
        ("streaming stores", f"from {d['stream_min_bytes']:,} bytes of output"),
        *((key, str(value)) for key, value in d["other_build_info"].items()),
        ("activations", f"{len(d['activations'])}: {', '.join(d['activations'])}"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


def _accuracy(argv: list[str]) -> int:
    from . import accuracy

    return accuracy.main(argv)


def _bench(argv: list[str]) -> int:
    try:
        bench = importlib.import_module(".bench", __package__)
    except ModuleNotFoundError as e:
        if e.name != "fastact.bench":
            raise  # bench exists but one of its own imports is missing
        print(
            f"{PROG} bench: the benchmark module fastact.bench is not available in this "
            "installation (python/fastact/bench.py is missing)",
            file=sys.stderr,
        )
        return 1
    status = bench.main(argv)
    return 0 if status is None else int(status)


# Subcommands that parse their own options: everything after the name is theirs.
_DELEGATED: dict[str, Callable[[list[str]], int]] = {"accuracy": _accuracy, "bench": _bench}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="fastact: SIMD + OpenMP activation functions and their gradients.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    info = sub.add_parser(
        "info",
        help="version, ISA, threads, compiler, flags and constants",
        description="Print the version, the chosen and available ISAs, threads, compiler, "
        "flags, OpenMP version and the threading constants of the compiled core.",
    )
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.set_defaults(run=_info)
    sub.add_parser(
        "accuracy",
        help="measure the max ulp error of every activation (see 'accuracy --help')",
        add_help=False,
    )
    sub.add_parser(
        "bench",
        help="benchmark against NumPy and installed peers (see 'bench --help')",
        add_help=False,
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in _DELEGATED:
        return _DELEGATED[argv[0]](argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
