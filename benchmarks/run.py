"""Benchmark runner: ``python benchmarks/run.py GROUP`` (any ``bench_<group>.py`` here, or all).

Each group lives in ``benchmarks/bench_<group>.py`` (found by name) and exposes ``run() -> list[dict]``; every
case is printed as one line ``case=NAME ours_s=X anchor=A anchor_s=Y ratio=X/Y [key=value …]``,
with the anchor measured in the same run.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GROUPS = tuple(sorted(path.stem.removeprefix("bench_") for path in HERE.glob("bench_*.py")))


def format_case(case: dict[str, object]) -> str:
    """Render one case as ``key=value`` pairs, the fixed keys first."""
    first = ["case", "ours_s", "anchor", "anchor_s", "ratio"]
    keys = [k for k in first if k in case] + [k for k in case if k not in first]
    parts = []
    for key in keys:
        value = case[key]
        parts.append(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}")
    return " ".join(parts)


def main(argv: list[str]) -> int:
    """Run the named benchmark groups and print one line per case."""
    sys.path.insert(0, str(HERE))
    wanted = argv[1:] or ["all"]
    groups = GROUPS if "all" in wanted else tuple(wanted)
    for group in groups:
        if group not in GROUPS:
            print(f"unknown group {group!r}; choose from {', '.join(GROUPS)} or all", file=sys.stderr)
            return 2
        module = importlib.import_module(f"bench_{group}")
        for case in module.run():
            print(format_case(case), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
