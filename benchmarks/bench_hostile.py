"""Hostile-input benchmark: how fast the CLI refuses hostile files, in-process (``aralnexus.cli.common.run_app``).

Each case runs ``aralnexus validate FILE`` (or ``hydrology import``/``results list``) on a hostile
file and reports the seconds to the exit-2 refusal; the anchor is ``validate`` of a small valid
scenario in the same run (so ``ratio`` < 1 means refused faster than a valid file is accepted).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from aralnexus.cli import common
from aralnexus.cli.app import app


def _time(args: list[str]) -> tuple[float, int]:
    sink = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = common.run_app(app, args)
    return time.perf_counter() - t0, code


def _bomb(folder: Path) -> Path:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = folder / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.yaml"
    os.mkfifo(path)
    return path


def _huge_line(folder: Path) -> Path:
    path = folder / "huge.yaml"
    path.write_text("name: '" + "x" * 5_000_000 + "'\n", encoding="utf-8")
    return path


def _deep(folder: Path) -> Path:
    path = folder / "deep.yaml"
    path.write_text("name: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    return path


def _huge_record(folder: Path) -> Path:
    path = folder / "record.csv"
    with path.open("wb") as handle:
        handle.truncate(65 * 1024 * 1024)
    return path


def _garbage_store(folder: Path) -> Path:
    path = folder / "store.duckdb"
    path.write_bytes(os.urandom(50_000))
    return path


CASES: list[tuple[str, Callable[[Path], Path], list[str]]] = [
    ("alias-bomb-9x9", _bomb, ["validate", "{}"]),
    ("fifo-scenario", _fifo, ["validate", "{}"]),
    ("5mb-single-line", _huge_line, ["validate", "{}"]),
    ("nesting-5000", _deep, ["validate", "{}"]),
    ("65mb-record", _huge_record, ["hydrology", "import", "{}", "--out", "{}.parquet"]),
    ("garbage-store", _garbage_store, ["results", "list", "--store", "{}"]),
]


def run() -> list[dict[str, object]]:
    """Time each refusal against validating a small valid scenario."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        valid = folder / "valid.yaml"
        valid.write_text("name: valid\nplants: {rogun: {capacity_mw: 3600}}\n", encoding="utf-8")
        _time(["validate", str(valid)])  # warm-up: imports and the default dataset's first read
        anchor_s = min(_time(["validate", str(valid)])[0] for _ in range(3))
        cases: list[dict[str, object]] = []
        for name, make, args in CASES:
            path = make(folder)
            times, codes = zip(*(_time([a.format(path) for a in args]) for _ in range(3)), strict=True)
            ours = min(times)
            cases.append(
                {
                    "case": name,
                    "ours_s": ours,
                    "anchor": "validate-valid-scenario",
                    "anchor_s": anchor_s,
                    "ratio": ours / anchor_s,
                    "exit_code": codes[0],
                }
            )
    return cases
