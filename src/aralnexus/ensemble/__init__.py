"""Ensembles: fan hydrology members out to local processes or a Dask cluster, stream them into the store.

``run_ensemble(EnsembleSpec(...))`` runs (or resumes) N synthetic members of one or more scenario
variants; :mod:`aralnexus.ensemble.risk` computes risk metrics from the store's risk views, and
``aralnexus report RUN`` (:mod:`aralnexus.report.risk_charts`) draws them. See docs/ensembles.md.
"""

from aralnexus.ensemble.runner import EnsembleOutcome, EnsembleSpec, RunProgress, run_ensemble
from aralnexus.ensemble.tables import RISK_VIEWS, ensure_ensemble_schema

__all__ = ["RISK_VIEWS", "EnsembleOutcome", "EnsembleSpec", "RunProgress", "ensure_ensemble_schema", "run_ensemble"]
