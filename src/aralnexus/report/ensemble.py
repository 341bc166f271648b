"""What the report shows about an ensemble run: the risk metrics across its members, read once.

An ensemble run (``runs.kind = 'ensemble'``, members in the ``members`` table) stores no run-level
dispatch tables; its results are the members' metrics and storage, summarised by the SQL risk
views of :mod:`aralnexus.ensemble.tables`. :func:`load_ensemble_risk` reads those views through
:mod:`aralnexus.ensemble.risk` into an :class:`EnsembleRisk`, which the report's risk charts
(:mod:`aralnexus.report.risk_charts`) and sentences (:mod:`aralnexus.report.risk_summary`) share.
Probabilities and quantiles count finished (``done``) members only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.store import Store
from aralnexus.store.summary import run_definitions


def is_ensemble(run: dict[str, Any]) -> bool:
    """Whether a ``runs`` row is an ensemble run (kind ``ensemble`` or members recorded)."""
    return run.get("kind") == "ensemble" or int(run.get("n_members") or 0) > 0


@dataclass(frozen=True)
class EnsembleRisk:
    """Risk metrics of one ensemble run across its finished members.

    Parameters
    ----------
    run_id
        The run.
    threshold_twh
        Winter-deficit threshold of ``winter`` and ``winter_any``.
    planned
        Members the run was started with (``runs.n_members``).
    counts
        Stored members by status (``done``, ``infeasible``, ``failed``).
    winter
        Per country and winter year: ``members, threshold_twh, p_exceed, mean, p10, p50, p90`` (TWh).
    winter_any
        Per country: ``p_exceed_any_year`` (some winter of the horizon), ``p50_worst_twh``, ``p90_worst_twh``.
    exports
        Per country, year and metric (``exports_twh``, ``export_revenue_musd``): ``members, mean, p10, p50, p90``.
    exports_total
        The same summed over the horizon per member.
    trade
        ``year, members, target_musd, p_reach, mean, p10, p50, p90`` for the target year (empty
        when the horizon does not include it).
    trade_values
        Each finished member's turnover in the target year (``member, value``, US$ million).
    storage
        Per reservoir and month: ``members, p10_hm3, p50_hm3, p90_hm3``.
    """

    run_id: str
    threshold_twh: float
    planned: int
    counts: dict[str, int]
    winter: pd.DataFrame
    winter_any: pd.DataFrame
    exports: pd.DataFrame
    exports_total: pd.DataFrame
    trade: pd.DataFrame
    trade_values: pd.DataFrame
    storage: pd.DataFrame
    target_musd: float
    target_year: int

    @property
    def members(self) -> int:
        """Finished (``done``) members: the ones every probability and quantile counts."""
        return int(self.counts.get("done", 0))


def load_ensemble_risk(
    store: Store, run_id: str, threshold_twh: float | None = None, definitions: PlannerDefinitions | None = None
) -> EnsembleRisk:
    """Read the risk metrics of an ensemble run (a unique prefix of its id is enough).

    ``threshold_twh`` defaults to the run's ``winter_deficit_threshold_twh``; the trade target is
    the one recorded with the run (``definitions``).

    Also creates the ensemble's views in the store if they are missing (a store written before
    the risk views existed).
    """
    # the ensemble package pulls in the solver stack (~2 s): import it only when a report needs it
    from aralnexus.ensemble import risk
    from aralnexus.ensemble.tables import ensure_ensemble_schema

    run = store.run(run_id)
    full = str(run["run_id"])
    ensure_ensemble_schema(store)
    if definitions is None:
        definitions = run_definitions(store, full)
    if threshold_twh is None:
        threshold_twh = definitions.winter_deficit_threshold_twh
    target_musd, target_year = definitions.trade_target_musd, definitions.trade_target_year
    trade_values = store.query(
        "SELECT member, value FROM ensemble_member_metrics "
        "WHERE run_id = $run AND metric = 'trade_turnover_musd' AND year = $year ORDER BY member",
        {"run": full, "year": target_year},
    )
    return EnsembleRisk(
        run_id=full,
        threshold_twh=float(threshold_twh),
        planned=int(run.get("n_members") or 0),
        counts=risk.member_counts(store, full),
        winter=risk.winter_deficit_risk(store, full, threshold_twh),
        winter_any=risk.winter_deficit_any_risk(store, full, threshold_twh),
        exports=risk.export_quantiles(store, full, per_year=True),
        exports_total=risk.export_quantiles(store, full),
        trade=risk.trade_target_probability(store, full, target_musd, target_year),
        trade_values=trade_values,
        storage=risk.storage_fan(store, full),
        target_musd=target_musd,
        target_year=target_year,
    )
