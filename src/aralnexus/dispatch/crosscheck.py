"""The fixed-head problem built in PyPSA, for cross-checks and benchmarks (needs ``pypsa``).

Mapping (water in hm3, water flows in hm3/h, snapshot weightings = step hours):

- a Bus per plant's water (``w:plant``) and per detailed country (``e:country``), a ``sea`` bus;
- a Store per reservoir (storage bounds at the last step of each stage, free in between; the
  terminal water value as a negative ``marginal_cost_storage`` in the last snapshot);
- a Generator per plant fixed at its natural inflow net of irrigation withdrawals (negative: it takes water);
- a three-port Link per turbine: bus0 water, bus1 electricity (efficiency = MWh per hm3 at the
  rated head), bus2 the downstream water (efficiency2 = 1); a Link per spill;
- Links per interconnector direction (efficiency = 1 − loss); partner markets as buses with an
  import Generator (cost = import price) or an export Generator (negative output, cost = price);
- Generators for thermal plants and for unserved energy (cost = VoLL + served value), Loads;
- minimum releases and annual import limits as extra constraints through linopy.

The objective equals aralnexus's LP objective (minus its constant) when heads are fixed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.dispatch.objective import (
    power_coefficients,
    shedding_cost_usd_per_mwh,
    terminal_value_usd_per_hm3,
    tie_break_usd_per_mwh,
)
from aralnexus.dispatch.power import turbine_upper_m3s
from aralnexus.dispatch.water import K, steps_of_stage, storage_bounds_hm3
from aralnexus.system.network import partner_end
from aralnexus.system.system import System
from aralnexus.units import HOURS_PER_YEAR, MWH_PER_TWH

Array = npt.NDArray[np.float64]
BIG_HM3_PER_H = 1e3


def _pu(series: Array) -> tuple[float, Array]:
    # |max|: a plant's inflow net of irrigation withdrawals can be negative (the generator then takes water)
    nom = float(np.max(np.abs(series))) if series.size else 0.0
    if nom <= 0:
        return 1.0, np.zeros_like(series)
    return nom, series / nom


def build_pypsa_network(system: System, inflow_m3s: Array, heads_m: Array | None = None) -> Any:
    """Return a ``pypsa.Network`` of the system at fixed heads (default: rated heads)."""
    import pypsa

    pypsa.options.api.legacy_string_dtype = True

    cal = system.calendar
    heads = system.curves.rated_heads(cal.n_stages) if heads_m is None else heads_m
    coef_stage = power_coefficients(system, heads)
    st = cal.step_stage
    snaps = pd.RangeIndex(cal.n_steps, name="snapshot")
    n = pypsa.Network()
    n.set_snapshots(list(snaps))
    n.snapshot_weightings = pd.DataFrame(
        dict.fromkeys(("objective", "stores", "generators"), cal.duration_h), index=snaps, dtype=np.float64
    )
    ids = system.plant_ids
    n.add("Bus", "sea", carrier="water")
    n.add("Generator", "sea-sink", bus="sea", p_nom=1e6, p_min_pu=-1.0, p_max_pu=0.0)
    for c in system.countries.detailed:
        n.add("Bus", f"e:{c}", carrier="AC")
    last_step = np.r_[st[1:] != st[:-1], True]
    lower, upper = storage_bounds_hm3(system, inflow_m3s)
    tv = terminal_value_usd_per_hm3(system, coef_stage)
    upper_turb = turbine_upper_m3s(system, coef_stage[st])
    down = system.topology.downstream
    for p, name in enumerate(ids):
        n.add("Bus", f"w:{name}", carrier="water")
        e_nom = max(float(system.staging.storage_max_hm3[:, p].max()), 1.0)
        e_min = np.full(cal.n_steps, -1e5 / e_nom)
        e_max = np.full(cal.n_steps, 1e5 / e_nom)
        e_min[last_step] = lower[st[last_step], p] / e_nom
        e_max[last_step] = upper[st[last_step], p] / e_nom
        mcs = np.zeros(cal.n_steps)
        mcs[-1] = -tv[p] / cal.duration_h[-1]
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
        )
        n.add("Link", f"spill:{name}", bus0=f"w:{name}", bus1=below, p_nom=BIG_HM3_PER_H)
    _add_power(n, system, snaps)
    return n


def _add_power(n: Any, system: System, snaps: pd.RangeIndex) -> None:
    cou = system.countries
    for c_idx, c in enumerate(cou.detailed):
        demand = cou.demand_mw[:, c_idx]
        n.add("Load", f"load:{c}", bus=f"e:{c}", p_set=pd.Series(demand, snaps))
        nom, pu = _pu(demand)
        cost = shedding_cost_usd_per_mwh(system) + system.economics.served_value_usd_per_mwh
        n.add("Generator", f"unserved:{c}", bus=f"e:{c}", p_nom=nom, p_max_pu=pd.Series(pu, snaps), marginal_cost=cost)
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
    lk = system.links
    tie_break = tie_break_usd_per_mwh(system)
    for i, name in enumerate(lk.ids):
        cap = lk.capacity_mw[:, i]
        for direction, send, recv, allowed in (
            ("fwd", lk.from_end[i], lk.to_end[i], True),
            ("bwd", lk.to_end[i], lk.from_end[i], bool(lk.bidirectional[i])),
        ):
            if not allowed:
                continue
            if send < 0:
                bus0 = f"m_in:{name}:{direction}"
                n.add("Bus", bus0)
                price = float(np.nan_to_num(lk.import_price_usd_per_mwh[i]))
                n.add("Generator", f"import:{name}:{direction}", bus=bus0, p_nom=1e6, marginal_cost=price)
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
                    p_nom=1e6,
                    p_min_pu=-1.0,
                    p_max_pu=0.0,
                    marginal_cost=price,
                )
            else:
                bus1 = f"e:{cou.detailed[recv]}"
            nom, pu = _pu(cap)
            n.add(
                "Link",
                f"link:{name}:{direction}",
                bus0=bus0,
                bus1=bus1,
                efficiency=float(lk.efficiency[i]),
                p_nom=nom,
                p_max_pu=pd.Series(pu, snaps),
                marginal_cost=float(tie_break[0 if direction == "fwd" else 1][i]),
            )


def _extra_constraints(system: System) -> Any:
    def extra(n: Any, snapshots: Any) -> None:
        import xarray as xr

        m = n.model
        link_p = m["Link-p"]
        rel = system.releases
        cal = system.calendar
        dur = xr.DataArray(cal.duration_h, coords={"snapshot": n.snapshots})
        if not rel.empty:
            ids = system.plant_ids
            steps = steps_of_stage(system)
            strict = rel["strict"].to_numpy(dtype=bool)
            slack = m.add_variables(
                lower=0.0,
                upper=pd.Series(np.where(strict, 0.0, np.inf)),
                coords=[pd.RangeIndex(len(rel), name="release")],
                name="release-slack",
            )
            stage = rel["stage"].to_numpy(dtype=np.int64)
            plant_idx = rel["plant"].to_numpy(dtype=np.int64)
            required = rel["required_m3s"].to_numpy(dtype=np.float64)
            step = steps[stage]  # (R, k): the steps of each row's stage
            release_dim = slack.indexes["release"]
            snap = xr.DataArray(np.asarray(n.snapshots)[step], dims=("release", "k"), coords={"release": release_dim})
            weight = xr.DataArray(cal.duration_h[step], dims=("release", "k"), coords={"release": release_dim})
            lhs = slack * 1.0
            for kind in ("turbine", "spill"):
                names = xr.DataArray(
                    [f"{kind}:{ids[p]}" for p in plant_idx], dims="release", coords={"release": release_dim}
                )
                lhs = lhs + (link_p.sel(name=names, snapshot=snap) * weight).sum("k")
            need = xr.DataArray(K * cal.stage_hours[stage] * required, dims="release", coords={"release": release_dim})
            m.add_constraints(lhs >= need, name="min-release")
            penalty = xr.DataArray(
                rel["penalty_usd_per_hm3"].to_numpy(dtype=np.float64), coords={"release": slack.indexes["release"]}
            )
            m.add_objective(m.objective.expression + (slack * penalty).sum(), overwrite=True)
        cou, lk = system.countries, system.links
        year = cal.steps["year"].to_numpy()
        gen_p = m["Generator-p"]
        for j, partner in enumerate(cou.partners):
            if np.isnan(cou.import_max_twh[j]):
                continue
            import_names = [
                f"import:{name}:{d}"
                for i, name in enumerate(lk.ids)
                for d, send, ok in (("fwd", lk.from_end[i], True), ("bwd", lk.to_end[i], lk.bidirectional[i]))
                if ok and send == partner_end(j)
            ]
            if not import_names:
                continue
            for y in np.unique(year):
                sel = n.snapshots[year == y]
                cap = cou.import_max_twh[j] * MWH_PER_TWH * cal.duration_h[year == y].sum() / HOURS_PER_YEAR
                expr = (gen_p.sel(name=import_names, snapshot=sel) * dur.sel(snapshot=sel)).sum()
                m.add_constraints(expr <= cap, name=f"import-limit-{partner}-{y}")

    return extra


def solve_pypsa(system: System, inflow_m3s: Array, heads_m: Array | None = None) -> tuple[float, Any]:
    """Build and solve the PyPSA network with HiGHS; return (objective in US$, network)."""
    n = build_pypsa_network(system, inflow_m3s, heads_m)
    status, condition = n.optimize(
        solver_name="highs",
        extra_functionality=_extra_constraints(system),
        log_to_console=False,
        include_objective_constant=False,
    )
    if status != "ok":
        msg = f"PyPSA solve failed: {status} / {condition}"
        raise RuntimeError(msg)
    return float(n.objective), n
