"""Run a multi-year pathway: scenario → inflows → optimise → planner metrics.

The store and the report come later in the data flow (``aralnexus.store``, ``aralnexus.report``);
the CLI saves a :class:`PathwayResult` there.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from aralnexus.errors import InputError, Problem
from aralnexus.metrics import compute, metric_rows
from aralnexus.metrics.exports import flows_of
from aralnexus.metrics.flows import flow_table
from aralnexus.metrics.registry import METRIC_COLUMNS
from aralnexus.pathways.casa import casa_check, without_casa
from aralnexus.pathways.exports import (
    EXPORT_METRICS,
    CasaRule,
    definitions_for,
    detailed_countries,
    partner_market_exports,
    solution_of,
)
from aralnexus.pathways.metrics import energy_security
from aralnexus.pathways.trade import TradeOutlook, electricity_trade, project_trade, trade_outlook
from aralnexus.pathways.water import release_compliance, water_metrics
from aralnexus.results.tables import Results
from aralnexus.scenario.model import HydrologySpec, Scenario
from aralnexus.vocab import CASA_CHANNEL, HYDROLOGY_KINDS, CasaCriterion

logger = logging.getLogger(__name__)


class Optimiser(Protocol):
    """What :func:`run_pathway` needs from the optimiser (``aralnexus.dispatch.optimise``)."""

    def __call__(
        self, scenario: Scenario, inflows: Any = None, start: str | None = None, end: str | None = None
    ) -> Results:
        """Optimise the scenario over ``start``–``end`` and return its results."""
        ...


InflowMaker = Callable[[Scenario, str, str], Any]


@dataclass(frozen=True)
class PathwayResult:
    """Everything one pathway run produced.

    Attributes
    ----------
    scenario
        The scenario as run (horizon and hydrology overrides applied).
    results
        The optimiser's results.
    flows
        Link flows by sender and receiver with channel, price and revenue
        (:data:`aralnexus.pathways.exports.FLOW_COLUMNS`).
    metrics
        Tidy ``country, year, metric, value, unit`` rows (energy security, exports, water, swaps).
    water
        Release compliance per release point (:data:`aralnexus.pathways.water.WATER_COLUMNS`).
    trade
        Bilateral trade ``year, direction, product_group, value_musd, kind``.
    outlook
        Trade held against the US$500 million 2030 target.
    casa
        CASA-1000 surplus check (:data:`aralnexus.pathways.casa.CASA_COLUMNS`).
    """

    scenario: Scenario
    results: Results
    flows: pd.DataFrame
    metrics: pd.DataFrame
    water: pd.DataFrame
    trade: pd.DataFrame
    outlook: TradeOutlook
    casa: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    casa_rule: str = "flow"

    @property
    def years(self) -> list[int]:
        """Calendar years of the run."""
        return sorted(int(y) for y in pd.unique(self.results.countries["year"]))

    @property
    def countries(self) -> list[str]:
        """The detailed countries."""
        return detailed_countries(self.scenario.dataset)

    def metric(self, country: str, metric: str) -> pd.Series:
        """Return one metric of one country as a Series indexed by year."""
        m = self.metrics
        rows = m[(m["country"] == country) & (m["metric"] == metric)]
        return rows.set_index("year")["value"]


def parse_hydrology(text: str, base: HydrologySpec | None = None) -> HydrologySpec:
    """Parse ``median``, ``dry``, ``wet``, ``dry-sequence``, ``synthetic[:MEMBER]``, ``record:FILE``.

    The scenario's seed and climate shift are kept.

    Raises
    ------
    InputError
        If the kind is unknown or a member is not an integer.
    """
    base = base or HydrologySpec()
    kind, _, arg = text.strip().partition(":")
    if kind not in HYDROLOGY_KINDS:
        hint = "e.g. --hydrology dry or --hydrology synthetic:3"
        raise InputError([Problem("--hydrology", "kind", f"one of {', '.join(HYDROLOGY_KINDS)}", repr(text), hint)])
    if kind == "synthetic":
        if arg and not arg.isdigit():
            raise InputError([Problem("--hydrology", "member", "a member number after 'synthetic:'", repr(arg))])
        return replace(base, kind="synthetic", member=int(arg) if arg else base.member)
    if kind == "record":
        if not arg:
            raise InputError([Problem("--hydrology", "record_file", "a file after 'record:'", "nothing")])
        return replace(base, kind="record", record_file=arg)
    return replace(base, kind=kind)


def prepare_scenario(
    scenario: Scenario | str | Path,
    start: str | None = None,
    end: str | None = None,
    hydrology: HydrologySpec | str | None = None,
) -> Scenario:
    """Load the scenario (name, path or object) and apply horizon and hydrology overrides."""
    from aralnexus.scenario.horizon import check_option_months, check_run_horizon

    check_option_months(start, end)  # before loading: a mistyped option is refused at once
    if not isinstance(scenario, Scenario):
        from aralnexus.scenario import load_scenario

        scenario = load_scenario(str(scenario))
    assert isinstance(scenario, Scenario)
    if isinstance(hydrology, str):
        hydrology = parse_hydrology(hydrology, scenario.hydrology)
    first, last = start or scenario.start, end or scenario.end
    check_run_horizon(first, last, start_given=bool(start), end_given=bool(end))
    return replace(scenario, start=first, end=last, hydrology=hydrology or scenario.hydrology)


def _default_optimiser() -> Optimiser:
    from aralnexus.dispatch import optimise

    fn: Optimiser = optimise
    return fn


def _default_inflows() -> InflowMaker:
    from aralnexus.hydrology import make_inflows

    fn: InflowMaker = make_inflows
    return fn


def evaluate(
    scenario: Scenario, results: Results, casa_rule: CasaRule = "flow"
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, TradeOutlook]:
    """Compute flows, metrics, release compliance, trade and the trade outlook from results.

    Every metric is a registered one (:mod:`aralnexus.metrics`) evaluated on the labelled solution.
    """
    dataset = scenario.dataset
    countries = detailed_countries(dataset)
    definitions = definitions_for(dataset, casa_rule)
    solution = solution_of(results, dataset)
    flows = flow_table(flows_of(solution, definitions))
    water = release_compliance(solution, definitions)
    parts = [
        energy_security(solution, definitions),
        metric_rows(compute(solution, definitions, EXPORT_METRICS), definitions.pair_label),
        partner_market_exports(solution, definitions),
        water_metrics(solution, definitions),
    ]
    metrics = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    metrics = metrics[metrics["country"].isin(countries)].reset_index(drop=True)
    metrics["year"] = metrics["year"].astype("Int64")
    years = sorted(int(y) for y in pd.unique(results.countries["year"]))
    target_musd, target_year = definitions.trade_target_musd, definitions.trade_target_year
    electricity = electricity_trade(metrics, definitions.pair)
    trade = project_trade(dataset, scenario.trade, years, electricity, target_year)
    outlook = trade_outlook(trade, scenario.trade, target_musd, target_year)
    return flows, metrics[list(METRIC_COLUMNS)], water, trade, outlook


def with_definitions(scenario: Scenario, results: Results, casa_rule: CasaRule = "flow") -> Results:
    """Return ``results`` with the run's planner definitions and plant names in its metadata.

    The store records them with the run and computes the run's headline figures with them
    (:func:`aralnexus.metrics.headline_rows`).
    """
    definitions = definitions_for(scenario.dataset, casa_rule)
    plants = scenario.dataset.plants
    names = dict(zip(plants["plant"].astype(str), plants["name"].astype(str), strict=True))
    meta = {**results.metadata, "definitions": definitions.to_record(), "plant_names": json.dumps(names)}
    return replace(results, metadata=meta)


def run_pathway(
    scenario: Scenario | str | Path = "default",
    *,
    start: str | None = None,
    end: str | None = None,
    hydrology: HydrologySpec | str | None = None,
    inflows: Any = None,
    casa_rule: CasaRule = "flow",
    casa_criterion: CasaCriterion = "storage",
    optimiser: Optimiser | None = None,
    inflow_maker: InflowMaker | None = None,
) -> PathwayResult:
    """Optimise a multi-year pathway and compute the planner metrics.

    Parameters
    ----------
    scenario
        A :class:`~aralnexus.scenario.model.Scenario`, a YAML path or ``"default"``.
    start, end
        Horizon override, ``YYYY-MM`` (default: the scenario's).
    hydrology
        Hydrology override: a spec or text such as ``dry`` or ``synthetic:3``.
    inflows
        Inflows to use instead of generating them (``inflow_m3s[time, site]``).
    casa_rule
        CASA-1000 attribution: ``flow`` (KG→TJ flow up to the CASA flow) or ``contract`` (30/70).
    casa_criterion
        ``storage`` (one run), ``counterfactual`` (a second run without CASA-1000) or ``none``.
    optimiser, inflow_maker
        Replacements for ``aralnexus.dispatch.optimise`` and ``aralnexus.hydrology.make_inflows``.

    Returns
    -------
    PathwayResult
    """
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    sc = prepare_scenario(scenario, start, end, hydrology)
    optimise = optimiser or _default_optimiser()
    tick = time.perf_counter()
    if inflows is None:
        inflows = (inflow_maker or _default_inflows())(sc, sc.start, sc.end)
    timings["inflows"] = time.perf_counter() - tick
    tick = time.perf_counter()
    results = optimise(sc, inflows=inflows, start=sc.start, end=sc.end)
    timings["optimise"] = time.perf_counter() - tick
    logger.info("optimised %s %s–%s in %.1f s", sc.name, sc.start, sc.end, timings["optimise"])
    tick = time.perf_counter()
    flows, metrics, water, trade, outlook = evaluate(sc, results, casa_rule)
    timings["metrics"] = time.perf_counter() - tick
    baseline = None
    casa_ids = list(definitions_for(sc.dataset, casa_rule).casa_links)
    if casa_criterion == "counterfactual" and casa_ids and (flows["channel"] == CASA_CHANNEL).any():
        tick = time.perf_counter()
        alt = without_casa(sc, casa_ids)
        alt_results = optimise(alt, inflows=inflows, start=sc.start, end=sc.end)
        baseline = evaluate(alt, alt_results, casa_rule)[1]
        timings["counterfactual"] = time.perf_counter() - tick
    full_pct = definitions_for(sc.dataset, casa_rule).casa_surplus_full_pct
    casa = casa_check(metrics, casa_criterion, baseline, full_pct)
    if not casa.empty:
        risk = casa[["country", "year", "at_risk_twh"]].rename(columns={"at_risk_twh": "value"})
        risk = risk.assign(metric="casa_winter_risk_twh", unit="TWh")[list(METRIC_COLUMNS)]
        metrics = pd.concat([metrics, risk], ignore_index=True)
    results = with_definitions(sc, results, casa_rule)
    timings["total"] = time.perf_counter() - t0
    return PathwayResult(sc, results, flows, metrics, water, trade, outlook, casa, timings, casa_rule)
