"""``System``: the frozen bundle of everything the optimiser needs, built from a scenario.

``build_system(scenario, start, end, resolution)`` turns the scenario's dataset into arrays over
the calendar: plants with staged capacity and storage bounds, topology, level curves, countries,
thermal, links and minimum releases. Lookups only, no behaviour.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.data.dataset import Dataset
from aralnexus.data.definitions import planner_definitions
from aralnexus.errors import InputError, Problem
from aralnexus.scenario.checks import check_economics, check_link_periods, check_partner_links
from aralnexus.scenario.model import Scenario
from aralnexus.system.calendar import Calendar, build_calendar
from aralnexus.system.curves import LevelCurves, build_curves
from aralnexus.system.network import (
    Countries,
    Links,
    Thermal,
    build_countries,
    build_links,
    build_releases,
    build_thermal,
    build_withdrawals,
    releases_net_of_withdrawals,
)
from aralnexus.system.staging import Staging, build_staging
from aralnexus.system.start_storage import start_storage_table, storage_date
from aralnexus.system.topology import Topology, build_topology
from aralnexus.vocab import Resolution

#: Parameter names read from ``parameters.csv`` (first found wins) and the defaults used otherwise.
TERMINAL_VALUE_NAMES = ("terminal_water_value_usd_per_mwh", "water_value_usd_per_mwh")
SERVED_VALUE_NAMES = ("served_demand_value_usd_per_mwh", "domestic_tariff_usd_per_mwh", "tariff_usd_per_mwh")


@dataclass(frozen=True)
class Economics:
    """Economic parameters of the objective.

    Parameters
    ----------
    terminal_value_usd_per_mwh
        Value of a MWh of water left in storage at the horizon end (through the cascade below).
    terminal_value_source
        Where it came from (the parameter name, or the assumption used).
    served_value_usd_per_mwh
        Value of a served MWh of domestic demand (0 when not given: the term is then zero).
    import_cap_growth_pct_per_year, import_cap_base_year
        The partners' annual import caps grow by this rate for every year after the base year
        (parameters ``import_cap_growth_pct_per_year`` and ``import_cap_base_year``; 0 without them).
    discount_rate_pct_per_year
        Real discount rate of the objective (parameter ``discount_rate_pct_per_year``; 0 without it):
        a cost or value in a stage starting ``y`` years after :attr:`discount_origin` counts
        ``(1 + r)^−y`` (:func:`aralnexus.dispatch.objective.stage_weights`).
    discount_origin
        When present values are counted from: the first stage of the system as built (a system
        cut from it, e.g. one policy month, keeps it). ``None``: its own first stage.
    deficit_segment_depth_pct, deficit_deep_cost_factor
        Deficit segments: shedding up to ``depth`` % of a step's demand costs the shedding cost
        ``π``; shedding beyond it costs ``factor · π`` (parameters ``deficit_segment_depth_pct``
        and ``deficit_deep_cost_factor``; one segment, a linear cost, without them).
    """

    terminal_value_usd_per_mwh: float
    terminal_value_source: str
    served_value_usd_per_mwh: float
    import_cap_growth_pct_per_year: float = 0.0
    import_cap_base_year: int = 0
    discount_rate_pct_per_year: float = 0.0
    discount_origin: pd.Timestamp | None = None
    deficit_segment_depth_pct: float = 100.0
    deficit_deep_cost_factor: float = 1.0

    @property
    def deep_segments(self) -> int:
        """Number of deficit segments beyond the first (0 or 1)."""
        return int(self.deficit_segment_depth_pct < 100.0 and self.deficit_deep_cost_factor > 1.0)

    def import_cap_factor(self, years: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Return the factor on the partners' annual import caps for each calendar year (1 up to the base year)."""
        after = np.maximum(np.asarray(years, dtype=np.float64) - self.import_cap_base_year, 0.0)
        factor: npt.NDArray[np.float64] = (1.0 + self.import_cap_growth_pct_per_year / 100.0) ** after
        return factor


@dataclass(frozen=True)
class System:
    """Everything the optimiser needs, as arrays over the calendar.

    Parameters
    ----------
    calendar
        Stages and steps.
    plants
        The plants table (row order = plant index).
    country_index
        Index into ``countries.detailed`` of each plant's grid.
    efficiency
        Plant efficiency.
    storage_initial_hm3
        Storage at the horizon start (``start_storage.storage_hm3``).
    topology, staging, curves, countries, thermal, links
        See their classes.
    releases
        Minimum releases, one row per (stage, point, agreement).
    site_plant
        Inflow site id → plant index.
    economics
        Objective parameters.
    end_storage_hm3
        Storage every reservoir must end the horizon at (``None``: free). Used when a horizon is
        solved in pieces under a plan (e.g. hourly months under a monthly plan).
    start_storage
        Where each plant's start storage comes from (:mod:`aralnexus.system.start_storage`).
    horizon_stages
        Number of leading stages that form the reported horizon; later stages are a look-ahead
        whose strict constraints are soft (priced, see :mod:`aralnexus.dispatch.lookahead`).
        ``None``: every stage is in the horizon.
    withdrawal_m3s
        Irrigation withdrawals ``(S, P)`` in m3/s taken from each plant's reservoir before its
        turbines (``withdrawals.csv``); ``None``: none. The optimiser works with natural inflow net
        of them (:func:`aralnexus.dispatch.inputs.plant_inflows_m3s`).
    """

    calendar: Calendar
    plants: pd.DataFrame
    country_index: npt.NDArray[np.int64]
    efficiency: npt.NDArray[np.float64]
    storage_initial_hm3: npt.NDArray[np.float64]
    topology: Topology
    staging: Staging
    curves: LevelCurves
    countries: Countries
    thermal: Thermal
    links: Links
    releases: pd.DataFrame
    site_plant: dict[str, int]
    economics: Economics
    end_storage_hm3: npt.NDArray[np.float64] | None = None
    horizon_stages: int | None = None
    start_storage: pd.DataFrame | None = None
    withdrawal_m3s: npt.NDArray[np.float64] | None = None

    @property
    def lookahead_stage(self) -> npt.NDArray[np.bool_]:
        """Boolean ``(S,)``: the stage lies in the look-ahead beyond the reported horizon."""
        n_s = self.calendar.n_stages
        first = n_s if self.horizon_stages is None else self.horizon_stages
        return np.arange(n_s) >= first

    @property
    def plant_ids(self) -> tuple[str, ...]:
        """Plant ids in index order."""
        return tuple(self.plants["plant"])

    @property
    def n_plants(self) -> int:
        """Number of plants."""
        return len(self.plants)


def _first_parameter(dataset: Dataset, names: tuple[str, ...]) -> tuple[float, str] | None:
    table = dataset.parameters
    for name in names:
        rows = table.loc[table["name"] == name, "value"]
        if not rows.empty and not pd.isna(rows.iloc[0]):
            return float(rows.iloc[0]), name
    return None


def bilateral_price_usd_per_mwh(dataset: Dataset) -> float:
    """Return the price of energy traded between two detailed grids (``bilateral_electricity_price_usd_per_mwh``).

    The same value the trade turnover uses (:class:`aralnexus.data.definitions.PlannerDefinitions`);
    a link's own ``tariff_usd_per_mwh`` takes precedence.
    """
    return float(planner_definitions(dataset).bilateral_price_usd_per_mwh)


def _economics(dataset: Dataset, countries: Countries) -> Economics:
    found = _first_parameter(dataset, TERMINAL_VALUE_NAMES)
    if found is not None:
        terminal, source = found
    else:
        prices = countries.export_price_usd_per_mwh[~np.isnan(countries.export_price_usd_per_mwh)]
        terminal = float(prices.mean()) if prices.size else 30.0
        source = "assumption: mean partner export price (no terminal_water_value_usd_per_mwh parameter)"
    served = _first_parameter(dataset, SERVED_VALUE_NAMES)
    growth = _first_parameter(dataset, ("import_cap_growth_pct_per_year",))
    base = _first_parameter(dataset, ("import_cap_base_year",))
    found_rate = _first_parameter(dataset, ("discount_rate_pct_per_year",))
    found_depth = _first_parameter(dataset, ("deficit_segment_depth_pct",))
    found_factor = _first_parameter(dataset, ("deficit_deep_cost_factor",))
    return Economics(
        terminal,
        source,
        served[0] if served else 0.0,
        growth[0] if growth else 0.0,
        int(base[0]) if base else 0,
        found_rate[0] if found_rate else 0.0,
        None,
        found_depth[0] if found_depth else 100.0,
        found_factor[0] if found_factor else 1.0,
    )


def grow_partner_imports(links: Links, cal: Calendar, economics: Economics) -> Links:
    """Return the links with each partner's import links grown like the partner's annual cap.

    A link whose sending end (``from_country``) is a partner market carries a contracted supply rate
    (its ``capacity_mw``: the partner's annual volume over the import season), so when the annual
    caps grow after ``import_cap_base_year`` (:meth:`Economics.import_cap_factor`) the rate grows
    with them, step by step. Other links keep their capacity.
    """
    factor = economics.import_cap_factor(cal.steps["year"].to_numpy(dtype=np.int64))
    scale = np.where((links.from_end < 0)[None, :], factor[:, None], 1.0)
    return dataclasses.replace(links, capacity_mw=links.capacity_mw * scale)


def _plant_problems(plants: pd.DataFrame, detailed: tuple[str, ...]) -> list[Problem]:
    problems = []
    for _, row in plants.iterrows():
        if row["country"] not in detailed:
            problems.append(
                Problem("plants.csv", f"plants.{row['plant']}.country", "a detailed country", repr(row["country"]))
            )
        for col in ("capacity_mw", "turbine_max_m3s", "efficiency", "rated_head_m", "storage_full_hm3"):
            value = row[col]
            if pd.isna(value) or value < 0:
                problems.append(Problem("plants.csv", f"plants.{row['plant']}.{col}", "a number ≥ 0", repr(value)))
        if not pd.isna(row["storage_dead_hm3"]) and row["storage_dead_hm3"] > row["storage_full_hm3"]:
            problems.append(
                Problem(
                    "plants.csv",
                    f"plants.{row['plant']}.storage_dead_hm3",
                    "dead ≤ full storage",
                    f"{row['storage_dead_hm3']}",
                )
            )
    return problems


def build_system_from_dataset(
    dataset: Dataset,
    start: str,
    end: str,
    resolution: Resolution,
    *,
    horizon_end: str | None = None,
    initial_storage_hm3: Mapping[str, float] | None = None,
    storage_rule: tuple[Mapping[str, float], str] | None = None,
) -> System:
    """Build a :class:`System` from a dataset (see :func:`build_system`)."""
    cal = build_calendar(dataset.load_blocks, start, end, resolution)
    plants = dataset.plants.reset_index(drop=True).copy()
    plants["storage_dead_hm3"] = plants["storage_dead_hm3"].fillna(0.0)
    problems: list[Problem] = []
    countries = build_countries(dataset.countries, dataset.demand_monthly, cal, problems)
    problems += _plant_problems(plants, countries.detailed)
    problems += check_partner_links(dataset)
    problems += check_link_periods(dataset)
    problems += check_economics(dataset)  # before _economics reads them
    topology = build_topology(plants)
    staging = build_staging(plants, dataset.plant_schedule, pd.DatetimeIndex(cal.stages["time"]))
    curves = build_curves(plants, staging, topology.downstream)
    thermal = build_thermal(dataset.thermal, countries, cal, problems)
    economics = dataclasses.replace(
        _economics(dataset, countries), discount_origin=pd.Timestamp(cal.stages["time"].iloc[0])
    )
    links = grow_partner_imports(
        build_links(dataset.links, countries, cal, problems, bilateral_price_usd_per_mwh(dataset)), cal, economics
    )
    withdrawals = build_withdrawals(dataset.withdrawals, tuple(plants["plant"]), cal, problems)
    releases = releases_net_of_withdrawals(
        build_releases(dataset.min_releases, tuple(plants["plant"]), cal, problems), withdrawals
    )
    index = {p: i for i, p in enumerate(plants["plant"])}
    site_plant = {}
    for site, plant in zip(dataset.inflow_sites["site"], dataset.inflow_sites["plant"], strict=True):
        if plant not in index:
            problems.append(Problem("inflow_sites.csv", f"inflow_sites.{site}.plant", "a plant id", repr(plant)))
        else:
            site_plant[str(site)] = index[plant]
    rule, label = storage_rule if storage_rule is not None else (None, "")
    start_table = start_storage_table(
        plants,
        staging.storage_min_hm3[0],
        staging.storage_max_hm3[0],
        start[:7],
        storage_date(dataset),
        initial_storage_hm3 or {},
        rule,
        label,
        problems,
    )
    if problems:
        raise InputError(problems)
    initial = start_table["storage_hm3"].to_numpy(dtype=np.float64)
    detailed_index = {c: i for i, c in enumerate(countries.detailed)}
    return System(
        calendar=cal,
        plants=plants,
        country_index=np.array([detailed_index[c] for c in plants["country"]], dtype=np.int64),
        efficiency=plants["efficiency"].to_numpy(dtype=np.float64),
        storage_initial_hm3=initial,
        topology=topology,
        staging=staging,
        curves=curves,
        countries=countries,
        thermal=thermal,
        links=links,
        releases=releases,
        site_plant=site_plant,
        economics=economics,
        horizon_stages=None if horizon_end is None else horizon_stage_count(cal, horizon_end),
        start_storage=start_table,
        withdrawal_m3s=withdrawals,
    )


def horizon_stage_count(cal: Calendar, horizon_end: str) -> int:
    """Return how many stages of ``cal`` lie on or before the month ``horizon_end`` (``YYYY-MM``)."""
    last = pd.Period(horizon_end, freq="M").end_time
    return int((pd.DatetimeIndex(cal.stages["time"]) <= last).sum())


def build_system(
    scenario: Scenario,
    start: str | None = None,
    end: str | None = None,
    resolution: Resolution | None = None,
    *,
    horizon_end: str | None = None,
    storage_rule: tuple[Mapping[str, float], str] | None = None,
) -> System:
    """Build the :class:`System` of a scenario over a horizon.

    Parameters
    ----------
    scenario
        The validated scenario.
    start, end
        First and last month (``YYYY-MM``); default the scenario's horizon.
    resolution
        ``monthly`` or ``hourly``; default the scenario's.
    horizon_end
        Last month of the reported horizon when ``end`` includes a look-ahead beyond it.
    storage_rule
        Plant → start storage from a rule and the rule's name, for plants the scenario's
        ``initial_storage_hm3`` does not state (see :mod:`aralnexus.system.start_storage`).
    """
    return build_system_from_dataset(
        scenario.dataset,
        start or scenario.start,
        end or scenario.end,
        resolution or scenario.resolution,
        horizon_end=horizon_end,
        initial_storage_hm3=dict(scenario.initial_storage_hm3),
        storage_rule=storage_rule,
    )
