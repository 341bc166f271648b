"""Fidelity benchmark: the model against what happened (``python benchmarks/run.py fidelity``).

One line per target figure (see :mod:`aralnexus.backtest.fidelity`): national generation, imports
and exports on the validation years 2023–2025 (mean absolute error ≤ 10 %), long-run mean generation
of the ten largest plants (±10 % each), Toktogul observed volumes (≤ 1.5 km3 RMS), and the synthetic
annual-volume CV of both rivers (±20 % of the observed). ``ours_s`` is the time of the 2019–2025
replay; there is no anchor (the published figures are the reference).
"""

from __future__ import annotations

import time

from aralnexus.backtest import run_backtest
from aralnexus.backtest.fidelity import fidelity_cases
from aralnexus.data.dataset import load_default


def run() -> list[dict[str, object]]:
    start = time.perf_counter()
    result = run_backtest("default")
    seconds = time.perf_counter() - start
    cases = fidelity_cases(result, load_default())
    return [{"case": c.pop("case"), "ours_s": seconds, **c} for c in cases]
