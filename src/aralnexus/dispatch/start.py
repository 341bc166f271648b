"""Start storage of a horizon that begins after the dataset's storage date: a median run up to it.

``plants.storage_initial_hm3`` describes 1 January of the ``storage_initial_year`` parameter
(2025 in the default dataset). A horizon that starts later takes each plant's start storage —
unless the scenario states it in ``initial_storage_hm3`` — from the end storage of a run of the
same scenario with median inflows (its climate shift kept) from that date to the month before
the start, as the rule ``rule: median run <date> … <month before start>``. Before, the 2025
storage was clipped into the first month's bounds: a 2033 start set Rogun from 558 to 3,000 hm3
and Kambarata-1 from 0 to 2,530 hm3, water from nothing.

The preceding run is the scenario itself (its plants, schedules and agreements) on median
inflows; its strict constraints are all soft (priced as in a look-ahead), so months before the
horizon never make it infeasible. It is solved once per scenario and start in a process (cached).
"""

from __future__ import annotations

import dataclasses
import logging

import pandas as pd

from aralnexus.dispatch.inputs import plant_inflows_m3s
from aralnexus.dispatch.lookahead import DEFAULT_MONTHS, extend_end, extend_inflows, lookahead_months
from aralnexus.scenario.model import Scenario
from aralnexus.system.start_storage import storage_date
from aralnexus.system.system import System, build_system
from aralnexus.vocab import Resolution

log = logging.getLogger(__name__)

#: (scenario content hash, start, head mode) → (plant → storage hm3, rule name).
_RULES: dict[tuple[str, str, str], tuple[dict[str, float], str]] = {}
_MAX_CACHED = 16


def storage_rule(scenario: Scenario, start: str) -> tuple[dict[str, float], str] | None:
    """Return the start storages of the median run before ``start`` and the rule's name, if a rule is needed.

    ``None`` when the dataset states no storage date, the horizon starts at or before it, or the
    scenario states the start storage of every plant.
    """
    date = storage_date(scenario.dataset)
    stated = {plant for plant, _ in scenario.initial_storage_hm3}
    if date is None or start[:7] <= date or set(scenario.dataset.plants["plant"].astype(str)) <= stated:
        return None
    key = (scenario.content_hash, start[:7], scenario.head_mode)
    if key not in _RULES:
        before = extend_end(start[:7], -1)
        log.info("start storage at %s: median run %s … %s", start, date, before)
        _RULES[key] = (_median_run_end_storage(scenario, date, before), f"rule: median run {date} … {before}")
        if len(_RULES) > _MAX_CACHED:
            _RULES.pop(next(iter(_RULES)))
    return _RULES[key]


def _median_run_end_storage(scenario: Scenario, date: str, before: str) -> dict[str, float]:
    """Return plant → storage (hm3) at the end of ``before`` in a median run of ``scenario`` from ``date``.

    The run looks ahead like a monthly run (at least 12 months, even when the scenario's
    ``lookahead_months`` is lower, so that it does not empty the reservoirs at the start of the
    horizon), and every strict constraint in it is soft (priced as in a look-ahead): the months
    before a horizon are not the horizon, so they can never make it infeasible or be named in
    its infeasibility.
    """
    from aralnexus.dispatch.api import default_inflows, head_options, optimise_system  # the rule is an optimisation

    median = dataclasses.replace(
        scenario,
        hydrology=dataclasses.replace(scenario.hydrology, kind="median"),
        initial_storage_hm3=(),
        start=date,
        end=before,
        resolution="monthly",
    )
    ahead = max(lookahead_months(median.dataset, "monthly"), DEFAULT_MONTHS)  # never drained at the start
    last = extend_end(before, ahead)
    system = build_system(median, date, last, "monthly", horizon_end=extend_end(date, -1))  # all stages soft
    inflows = extend_inflows(median, default_inflows(median, date, before), before, last)
    options = head_options(median, None, None)
    results = optimise_system(system, plant_inflows_m3s(system, inflows), median.head_mode, options)
    plants = results.plants
    at_end = plants[pd.to_datetime(plants["time"]) == pd.Timestamp(f"{before}-01")]
    at_end = at_end[at_end["step"] == at_end["step"].max()]
    return dict(zip(at_end["plant"].astype(str), at_end["storage_hm3"].astype(float), strict=True))


def build_run_system(
    scenario: Scenario, start: str, end: str, resolution: Resolution, *, horizon_end: str | None = None
) -> System:
    """Build the system of a run: :func:`~aralnexus.system.system.build_system` with its start storage rule."""
    return build_system(
        scenario, start, end, resolution, horizon_end=horizon_end, storage_rule=storage_rule(scenario, start)
    )
