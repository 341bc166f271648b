"""Figures that are not a function of one solution, declared here so that they too have one unit and aggregation.

``casa_winter_risk_twh`` needs the CASA-1000 check (and, with the ``counterfactual`` criterion, a
second run without CASA-1000); ``trade_turnover_musd`` is the bilateral trade projection (goods,
levers and electricity). Their values are filled by the code named in ``computed_by``; comparisons
and views aggregate them with the aggregation declared here.
"""

from __future__ import annotations

from aralnexus.metrics.registry import declare

declare(
    "casa_winter_risk_twh",
    "TWh",
    "sum",
    "year",
    "CASA-1000 exports of the summer that compete with (storage check) or cause (counterfactual) a winter deficit.",
    "aralnexus.pathways.casa.casa_check",
)
declare(
    "trade_turnover_musd",
    "US$ million",
    "sum",
    "year",
    "Bilateral KG–TJ trade turnover of the year: goods, trade levers and electricity sales.",
    "aralnexus.pathways.compare.with_trade (aralnexus.pathways.trade.turnover_by_year)",
)
