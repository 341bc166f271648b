"""The fixed-head problem as a PyPSA network: the independent cross-check of the LP, and the user export.

Mapping (water in hm3, water flows in hm3/h, snapshot weightings = step hours; the ``objective``
weighting is step hours × the step's present-value weight, :func:`aralnexus.dispatch.objective.step_weights`):

- a Bus per plant's water (``w:plant``) and per detailed country (``e:country``), a ``sea`` bus;
- a Store per reservoir (storage bounds at the last step of each stage, free in between; the
  terminal water value as a negative ``marginal_cost_storage`` in the last snapshot);
- a Generator per plant fixed at its natural inflow net of irrigation withdrawals (negative: it takes water);
- a multi-port Link per turbine: bus0 water, bus1 electricity (efficiency = MWh per hm3 at the
  fixed head), bus2 the downstream water (efficiency2 = 1), then one release meter per agreement
  at the plant (efficiency = 1); a Link per spill (bus1 downstream, then the meters; marginal cost
  :data:`~aralnexus.dispatch.water.SPILL_TIE_BREAK_USD_PER_HM3` per hm3, the LP's tie-break);
- minimum releases: per (plant, agreement) a meter bus ``r:plant:agreement`` whose Store
  ``meter:…`` counts the water released in the current stage (``standing_loss`` = 1 at the first
  step of each stage empties it; ``e_min_pu`` at the stage's last step = the required volume) and a
  slack Generator ``release-slack:…`` priced at the agreement's penalty (none for strict ones);
- Links per interconnector direction (efficiency = 1 − loss); imports come from a partner bus
  ``m_in:partner`` fed by one Generator per calendar year whose ``e_sum_max`` is the partner's
  annual import limit (pro rata for part years), the import price is the Link's marginal cost;
  exports go to a per-link bus with a negative Generator (cost = −price);
- Generators for thermal plants and for unserved energy (cost = shedding cost ``π`` + served value;
  with deficit segments one ``unserved:`` Generator up to the first segment's depth and one
  ``unserved-deep:`` beyond it at ``factor · π`` + served value), Loads.

Every constraint is a native PyPSA attribute, so the network written with ``export_to_netcdf`` and
read back by ``pypsa.Network(path)`` solves with a plain ``n.optimize()`` to the objective of
aralnexus's LP at the same heads (minus the LP's constant term). Needs the optional ``pypsa``
dependency (``pip install 'aralnexus[pypsa]'``).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.dispatch.head import initial_heads_m
from aralnexus.dispatch.inputs import plant_inflows_m3s
from aralnexus.dispatch.links import bilateral_hurdle_usd_per_mwh
from aralnexus.dispatch.objective import (
    power_coefficients,
    shedding_cost_usd_per_mwh,
    step_weights,
    terminal_value_usd_per_hm3,
    tie_break_usd_per_mwh,
)
from aralnexus.dispatch.power import turbine_upper_m3s
from aralnexus.dispatch.water import SPILL_TIE_BREAK_USD_PER_HM3, K, storage_bounds_hm3
from aralnexus.errors import InputError, MissingDependencyError, Problem
from aralnexus.scenario.model import Scenario
from aralnexus.system.network import partner_index
from aralnexus.system.system import System, build_system
from aralnexus.units import HOURS_PER_YEAR, MWH_PER_TWH

Array = npt.NDArray[np.float64]
#: Capacity of spill links and partner market generators: large enough never to bind (hm3/h, MW).
BIG_HM3_PER_H = 1e3
BIG_MW = 1e6
#: Bound on a Store's level between stage ends, where the LP has none (hm3).
FREE_STORAGE_HM3 = 1e5


def require_pypsa() -> Any:
    """Return the ``pypsa`` module, or raise :class:`MissingDependencyError` saying how to install it."""
    try:
        import pypsa
    except ImportError as error:
        raise MissingDependencyError(
            "pypsa", "the PyPSA network (export and cross-check)", "aralnexus[pypsa]"
        ) from error
    pypsa.options.api.legacy_string_dtype = True  # PyPSA 1.x: keep object dtype, no FutureWarning on import
    return pypsa


def _pu(series: Array) -> tuple[float, Array]:
    # |max|: a plant's inflow net of irrigation withdrawals can be negative (the generator then takes water)
    nom = float(np.max(np.abs(series))) if series.size else 0.0
    if nom <= 0:
        return 1.0, np.zeros_like(series)
    return nom, series / nom


def _meters(system: System) -> dict[int, list[str]]:
    """Return the release meter buses of each plant index: one per agreement with a minimum release there."""
    rel = system.releases
    out: dict[int, list[str]] = {}
    if rel.empty:
        return out
    ids = system.plant_ids
    for plant, agreement in rel[["plant", "agreement"]].drop_duplicates().itertuples(index=False):
        out.setdefault(int(plant), []).append(f"r:{ids[int(plant)]}:{agreement}")
    return out


def build_pypsa_network(system: System, inflow_m3s: Array, heads_m: Array | None = None) -> Any:
    """Return a ``pypsa.Network`` of the system at fixed heads (default: rated heads).

    Parameters
    ----------
    system
        The built system (calendar, plants, countries, links, releases).
    inflow_m3s
        Natural inflow per (stage, plant) in m3/s.
    heads_m
        Net head per (stage, plant) in m; default the rated heads.
    """
    pypsa = require_pypsa()
    cal = system.calendar
    heads = system.curves.rated_heads(cal.n_stages) if heads_m is None else heads_m
    coef_stage = power_coefficients(system, heads)
    st = cal.step_stage
    snaps = pd.RangeIndex(cal.n_steps, name="snapshot")
    n = pypsa.Network()
    n.set_snapshots(list(snaps))
    weighted_h = cal.duration_h * step_weights(system)
    n.snapshot_weightings = pd.DataFrame(
        {"objective": weighted_h, "stores": cal.duration_h, "generators": cal.duration_h}, index=snaps, dtype=np.float64
    )
    ids = system.plant_ids
    n.add("Bus", "sea", carrier="water")
    n.add("Generator", "sea-sink", bus="sea", p_nom=BIG_MW, p_min_pu=-1.0, p_max_pu=0.0)
    for c in system.countries.detailed:
        n.add("Bus", f"e:{c}", carrier="AC")
    last_step = np.r_[st[1:] != st[:-1], True]
    lower, upper = storage_bounds_hm3(system, inflow_m3s)
    tv = terminal_value_usd_per_hm3(system, coef_stage)
    upper_turb = turbine_upper_m3s(system, coef_stage[st])
    down = system.topology.downstream
    meters = _meters(system)
    n.add("Bus", [f"w:{name}" for name in ids], carrier="water")  # every bus before the links that join them
    n.add("Bus", [bus for buses in meters.values() for bus in buses], carrier="release-meter")
    for p, name in enumerate(ids):
        e_nom = max(float(system.staging.storage_max_hm3[:, p].max()), 1.0)
        e_min = np.full(cal.n_steps, -FREE_STORAGE_HM3 / e_nom)
        e_max = np.full(cal.n_steps, FREE_STORAGE_HM3 / e_nom)
        e_min[last_step] = lower[st[last_step], p] / e_nom
        e_max[last_step] = upper[st[last_step], p] / e_nom
        mcs = np.zeros(cal.n_steps)
        mcs[-1] = -tv[p] / weighted_h[-1]
        n.add(
            "Store",
            f"store:{name}",
            bus=f"w:{name}",
            e_nom=e_nom,
            e_min_pu=pd.Series(e_min, snaps),
            e_max_pu=pd.Series(e_max, snaps),
            e_initial=float(system.storage_initial_hm3[p]),
            marginal_cost_storage=pd.Series(mcs, snaps),
        )
        nom, pu = _pu(K * inflow_m3s[st, p])
        n.add(
            "Generator",
            f"inflow:{name}",
            bus=f"w:{name}",
            p_nom=nom,
            p_min_pu=pd.Series(pu, snaps),
            p_max_pu=pd.Series(pu, snaps),
        )
        below = f"w:{ids[down[p]]}" if down[p] >= 0 else "sea"
        country = system.countries.detailed[system.country_index[p]]
        mwh_per_hm3 = float(coef_stage[0, p] / K)
        nom, pu = _pu(K * upper_turb[:, p])
        ports = meters.get(p, [])
        turbine_meters: dict[str, str | float] = {f"bus{3 + i}": bus for i, bus in enumerate(ports)}
        turbine_meters |= {f"efficiency{3 + i}": 1.0 for i in range(len(ports))}
        n.add(
            "Link",
            f"turbine:{name}",
            bus0=f"w:{name}",
            bus1=f"e:{country}",
            bus2=below,
            efficiency=mwh_per_hm3,
            efficiency2=1.0,
            p_nom=nom,
            p_max_pu=pd.Series(pu, snaps),
            **turbine_meters,
        )
        spill_meters: dict[str, str | float] = {f"bus{2 + i}": bus for i, bus in enumerate(ports)}
        spill_meters |= {f"efficiency{2 + i}": 1.0 for i in range(len(ports))}
        n.add(
            "Link",
            f"spill:{name}",
            bus0=f"w:{name}",
            bus1=below,
            p_nom=BIG_HM3_PER_H,
            marginal_cost=SPILL_TIE_BREAK_USD_PER_HM3,  # per hm3 (hm3/h × weighted hours), as the LP's spill
            **spill_meters,
        )
    _add_release_meters(n, system, snaps, meters)
    _add_power(n, system, snaps)
    return n


def _add_release_meters(n: Any, system: System, snaps: pd.RangeIndex, meters: dict[int, list[str]]) -> None:
    """Minimum releases: a meter Store per (plant, agreement) emptied at each stage start, plus a slack."""
    rel = system.releases
    if rel.empty:
        return
    cal = system.calendar
    st = cal.step_stage
    first_step = np.r_[True, st[1:] != st[:-1]]
    last_step = np.r_[st[1:] != st[:-1], True]
    ids = system.plant_ids
    for p, buses in meters.items():
        for bus in buses:
            agreement = bus.split(":", 2)[2]
            rows = rel[(rel["plant"] == p) & (rel["agreement"] == agreement)]
            need_hm3 = np.zeros(cal.n_stages)
            penalty = np.zeros(cal.n_stages)
            slack_allowed = np.zeros(cal.n_stages)
            stage = rows["stage"].to_numpy(dtype=np.int64)
            need_hm3[stage] = K * cal.stage_hours[stage] * rows["required_m3s"].to_numpy(dtype=np.float64)
            penalty[stage] = rows["penalty_usd_per_hm3"].to_numpy(dtype=np.float64)
            slack_allowed[stage] = ~rows["strict"].to_numpy(dtype=bool)
            e_nom = max(float(need_hm3.max()), 1.0)
            e_min = np.where(last_step, need_hm3[st] / e_nom, 0.0)
            n.add(
                "Store",
                f"meter:{ids[p]}:{agreement}",
                bus=bus,
                e_nom=e_nom,
                e_min_pu=pd.Series(e_min, snaps),
                e_max_pu=np.inf,
                standing_loss=pd.Series(first_step.astype(np.float64), snaps),
            )
            n.add(
                "Generator",
                f"release-slack:{ids[p]}:{agreement}",
                bus=bus,
                p_nom=BIG_HM3_PER_H,
                p_max_pu=pd.Series(slack_allowed[st], snaps),
                marginal_cost=pd.Series(penalty[st], snaps),
            )


def _add_power(n: Any, system: System, snaps: pd.RangeIndex) -> None:
    cou, eco = system.countries, system.economics
    depth = eco.deficit_segment_depth_pct / 100.0 if eco.deep_segments else 1.0
    segments = (("unserved", 0.0, depth, 1.0), ("unserved-deep", depth, 1.0, eco.deficit_deep_cost_factor))
    for c_idx, c in enumerate(cou.detailed):
        demand = cou.demand_mw[:, c_idx]
        n.add("Load", f"load:{c}", bus=f"e:{c}", p_set=pd.Series(demand, snaps))
        for name, low, high, factor in segments:
            if high <= low:
                continue
            nom, pu = _pu((high - low) * demand)
            cost = factor * shedding_cost_usd_per_mwh(system) + eco.served_value_usd_per_mwh
            n.add(
                "Generator", f"{name}:{c}", bus=f"e:{c}", p_nom=nom, p_max_pu=pd.Series(pu, snaps), marginal_cost=cost
            )
    th = system.thermal
    for g, name in enumerate(th.ids):
        nom, pu = _pu(th.capacity_mw[:, g])
        n.add(
            "Generator",
            f"thermal:{name}",
            bus=f"e:{cou.detailed[th.country[g]]}",
            p_nom=nom,
            p_max_pu=pd.Series(pu, snaps),
            p_min_pu=pd.Series(th.must_run_mw[:, g] / nom, snaps),
            marginal_cost=float(th.cost_usd_per_mwh[g]),
        )
    _add_partner_imports(n, system, snaps)
    lk = system.links
    tie_break = tie_break_usd_per_mwh(system)
    hurdle = bilateral_hurdle_usd_per_mwh(system)  # price between two grids, per MWh sent
    for i, name in enumerate(lk.ids):
        cap = lk.capacity_mw[:, i]
        for direction, send, recv, allowed in (
            ("fwd", lk.from_end[i], lk.to_end[i], True),
            ("bwd", lk.to_end[i], lk.from_end[i], bool(lk.bidirectional[i])),
        ):
            if not allowed:
                continue
            cost = float(tie_break[0 if direction == "fwd" else 1][i]) + float(hurdle[i])
            if send < 0:
                bus0 = f"m_in:{cou.partners[partner_index(send)]}"
                cost += float(np.nan_to_num(lk.import_price_usd_per_mwh[i]))  # per MWh sent by the partner
            else:
                bus0 = f"e:{cou.detailed[send]}"
            if recv < 0:
                bus1 = f"m_out:{name}:{direction}"
                n.add("Bus", bus1)
                price = float(np.nan_to_num(lk.export_price_usd_per_mwh[i]))
                n.add(
                    "Generator",
                    f"export:{name}:{direction}",
                    bus=bus1,
                    p_nom=BIG_MW,
                    p_min_pu=-1.0,
                    p_max_pu=0.0,
                    marginal_cost=price,
                )
            else:
                bus1 = f"e:{cou.detailed[recv]}"
            nom, pu = _pu(cap)
            if send < 0 and np.isnan(lk.import_price_usd_per_mwh[i]):
                pu = np.zeros_like(pu)  # an unpriced import direction carries nothing, as in the LP
            n.add(
                "Link",
                f"link:{name}:{direction}",
                bus0=bus0,
                bus1=bus1,
                efficiency=float(lk.efficiency[i]),
                p_nom=nom,
                p_max_pu=pd.Series(pu, snaps),
                marginal_cost=cost,
            )


def _add_partner_imports(n: Any, system: System, snaps: pd.RangeIndex) -> None:
    """Add a market bus per selling partner, fed by one Generator per calendar year (annual import limit)."""
    cou, lk, cal = system.countries, system.links, system.calendar
    ends = np.r_[lk.from_end, lk.to_end[lk.bidirectional.astype(bool)]]
    sellers = {int(j) for j in partner_index(ends[ends < 0])}
    year = cal.steps["year"].to_numpy()
    for j in sorted(sellers):
        partner = cou.partners[j]
        n.add("Bus", f"m_in:{partner}")
        limited = not np.isnan(cou.import_max_twh[j])
        for y in np.unique(year) if limited else [None]:
            active = np.ones(cal.n_steps) if y is None else (year == y).astype(np.float64)
            cap_mwh = np.inf
            if y is not None:
                cap_mwh = cou.import_max_twh[j] * MWH_PER_TWH * cal.duration_h[year == y].sum() / HOURS_PER_YEAR
                cap_mwh *= float(system.economics.import_cap_factor(np.array([y]))[0])
            n.add(
                "Generator",
                f"import:{partner}" + ("" if y is None else f":{y}"),
                bus=f"m_in:{partner}",
                p_nom=BIG_MW,
                p_max_pu=pd.Series(active, snaps),
                e_sum_max=float(cap_mwh),
            )


def solve_pypsa(system: System, inflow_m3s: Array, heads_m: Array | None = None) -> tuple[float, Any]:
    """Build the network and solve it with HiGHS; return (objective in US$, network)."""
    n = build_pypsa_network(system, inflow_m3s, heads_m)
    return solve_network(n), n


def solve_network(n: Any) -> float:
    """Solve a network built here (or read back from its netCDF file) with HiGHS; return the objective in US$."""
    status, condition = n.optimize(solver_name="highs", log_to_console=False, include_objective_constant=False)
    if status != "ok":
        msg = f"PyPSA solve failed: {status} / {condition}"
        raise RuntimeError(msg)
    return float(n.objective)


def scenario_network(scenario: Scenario, start: str | None = None, end: str | None = None) -> Any:
    """Return the fixed-head network of a scenario (rated heads, the scenario's hydrology and resolution).

    The horizon is ``start``..``end`` (default: the scenario's), without the look-ahead months
    ``optimise`` adds, so the network is exactly the LP that :func:`solve_pypsa` cross-checks.
    """
    from aralnexus.dispatch.api import default_inflows

    require_pypsa()  # fail before the work, with the install hint
    start, end = start or scenario.start, end or scenario.end
    system = build_system(scenario, start, end, scenario.resolution)
    inflow = plant_inflows_m3s(system, default_inflows(scenario, start, end))
    n = build_pypsa_network(system, inflow, initial_heads_m(system, "fixed"))
    n.name = f"aralnexus {scenario.name} {start}..{end} ({scenario.resolution}, rated heads)"
    return n


def write_network(n: Any, path: Path, *, force: bool = False) -> Path:
    """Write the network as a PyPSA netCDF file (``pypsa.Network(path)`` reads it back); return the path.

    An existing file is replaced only with ``force``; the file appears complete or not at all.
    """
    path = Path(path)
    if path.exists() and not force:
        hint = "choose another --out, or pass --force to replace it"
        raise InputError([Problem(str(path), "--out", "a file that does not exist yet", "an existing file", hint)])
    if not path.parent.is_dir():
        raise InputError([Problem(str(path), "--out", "a file in an existing folder", "no such folder")])
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with warnings.catch_warnings():
            # PyPSA 1.4 writes through pandas' deprecated ``future.infer_string`` option: its noise, not the user's
            warnings.filterwarnings("ignore", "The 'future.infer_string' option is deprecated", DeprecationWarning)
            n.export_to_netcdf(str(tmp))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
