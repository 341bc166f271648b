"""Ensembles: fan hydrology members out to local processes or a Dask cluster, stream them into the store.

``run_ensemble(EnsembleSpec(...))`` runs (or resumes) N synthetic members of one or more scenario
variants; :mod:`aralnexus.ensemble.risk` computes risk metrics from the store's risk views, and
``aralnexus report RUN`` (:mod:`aralnexus.report.risk_charts`) draws them. See docs/ensembles.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aralnexus.ensemble.runner import EnsembleOutcome, EnsembleSpec, RunProgress, run_ensemble
    from aralnexus.ensemble.tables import RISK_VIEWS, ensure_ensemble_schema

__all__ = ["RISK_VIEWS", "EnsembleOutcome", "EnsembleSpec", "RunProgress", "ensure_ensemble_schema", "run_ensemble"]

# Imported on first use: a worker process imports ``aralnexus.ensemble.worker`` only, not the
# runner and the hydrology generator behind it.
_HOME = {
    "EnsembleOutcome": "runner",
    "EnsembleSpec": "runner",
    "RunProgress": "runner",
    "run_ensemble": "runner",
    "RISK_VIEWS": "tables",
    "ensure_ensemble_schema": "tables",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"aralnexus.ensemble.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
