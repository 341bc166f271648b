"""The vectorised simulator: one numpy loop over months, every member and plant at once.

Per month ``s`` (``K·H_s`` = hm3 per m3/s over the month) and cascade level (plants with the same
number of plants above them; upstream levels first, so releases reach downstream plants in the
same month), for all members × plants of the level::

    arrive    = routing · outflow                                   (m3/s from the plants above)
    available = storage[s−1] + K·H_s · (inflow + arrive)            (hm3)
    release   = rule (see :mod:`aralnexus.simulate.rules`), limited by
                turbine_limit = min(turbine_max, capacity / (9.81e-3 · η · H_start))
    storage[s] = min(available − K·H_s · release, storage_max)      spill = the rest
    turbined  = min(release, min(turbine_max, capacity / (9.81e-3 · η · H)))   rest spilled
    power     = 9.81e-3 · η · turbined · H                          (units.hydro_power_mw)

``H`` is the optimiser's head: level at the mean of start and end storage minus tailwater
(``system.curves.head_m``: fixed tailwater, downstream pool level, or rated head for plants
without a curve). ``head_at="start"`` uses the start-of-month storage instead (what pywr's
``HydropowerRecorder`` sees). The only Python loops are over months and cascade levels.
"""

from __future__ import annotations

import logging
import time
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from aralnexus.errors import InputError, Problem
from aralnexus.simulate.heads import stage_curves, turbine_limit_m3s
from aralnexus.simulate.results import SimulationResult
from aralnexus.simulate.rules import (
    OperatingRules,
    default_rules,
    min_release_m3s,
    release_m3s,
    upheld_min_release_m3s,
    wanted_release_m3s,
)
from aralnexus.system.system import System
from aralnexus.units import HM3_PER_M3S_HOUR, hydro_power_mw

log = logging.getLogger(__name__)
Array = npt.NDArray[np.float64]
HeadAt = Literal["mean", "start"]


def cascade_levels(downstream: npt.NDArray[np.int64]) -> list[npt.NDArray[np.int64]]:
    """Group plants by depth (longest chain of plants above): level ``d`` only receives from levels ``< d``."""
    n = len(downstream)
    depth = np.zeros(n, dtype=np.int64)
    has = np.flatnonzero(downstream >= 0)
    for _ in range(n):  # static structure: at most n relaxations, not time steps
        new = depth.copy()
        np.maximum.at(new, downstream[has], depth[has] + 1)
        if np.array_equal(new, depth):
            break
        depth = new
    return [np.flatnonzero(depth == d) for d in range(int(depth.max(initial=0)) + 1) if (depth == d).any()]


def member_plant_inflows_m3s(system: System, inflows: xr.DataArray) -> tuple[Array, npt.NDArray[np.int64]]:
    """Sum site inflows into each plant per stage: ``(M, S, P)`` in m3/s, and the member labels.

    Raises
    ------
    InputError
        On missing months, unknown sites, unexpected dimensions, or negative / missing flows.
    """
    da = inflows if "member" in inflows.dims else inflows.expand_dims(member=[0])
    problems = []
    extra = set(da.dims) - {"member", "time", "site"}
    if extra:
        raise InputError([Problem("<inflows>", "dims", "(member?, time, site)", f"{da.dims}")])
    times = pd.DatetimeIndex(da["time"].values).to_period("M").to_timestamp()
    need = system.calendar.stage_month_start
    pos = times.get_indexer(need)
    if (pos < 0).any():
        missing = sorted({t.strftime("%Y-%m") for t in need[pos < 0]})
        problems.append(Problem("<inflows>", "time", "a flow for every month of the horizon", ", ".join(missing[:6])))
    sites = [str(s) for s in da["site"].values]
    unknown = [s for s in sites if s not in system.site_plant]
    if unknown:
        problems.append(Problem("<inflows>", "site", "sites listed in inflow_sites.csv", ", ".join(unknown[:6])))
    if problems:
        raise InputError(problems)
    values = np.asarray(da.transpose("member", "time", "site").values, dtype=np.float64)[:, pos]
    if np.isnan(values).any() or (values < 0).any():
        raise InputError([Problem("<inflows>", "inflow_m3s", "flows ≥ 0 without gaps", "negative or NaN flows")])
    assign = np.zeros((len(sites), system.n_plants))
    assign[np.arange(len(sites)), [system.site_plant[s] for s in sites]] = 1.0
    members = np.asarray(da["member"].values) if "member" in da.coords else np.arange(da.sizes["member"])
    net: Array = values @ assign
    if system.withdrawal_m3s is not None:
        net = net - system.withdrawal_m3s[None, :, :]  # irrigation withdrawals before the turbines
    return net, members


def _check(system: System, rules: OperatingRules) -> None:
    problems = []
    if system.calendar.resolution != "monthly":
        problems.append(
            Problem(
                "<arguments>",
                "resolution",
                "a monthly System (the simulator screens monthly stages)",
                repr(system.calendar.resolution),
                "build_system(..., resolution='monthly'); use the optimiser for hourly runs",
            )
        )
    if rules.n_plants != system.n_plants:
        problems.append(Problem("<rules>", "plants", f"{system.n_plants} plants", f"{rules.n_plants}"))
    if problems:
        raise InputError(problems)


def simulate(
    system: System, inflows: xr.DataArray, rules: OperatingRules | None = None, head_at: HeadAt = "mean"
) -> SimulationResult:
    """Simulate every member of ``inflows`` under operating ``rules`` on a monthly ``system``.

    Parameters
    ----------
    system
        A monthly :class:`~aralnexus.system.System` (hourly raises :class:`InputError`).
    inflows
        ``inflow_m3s`` with dims ``(member?, time, site)``, monthly, covering the horizon.
    rules
        Operating rules; default :func:`~aralnexus.simulate.rules.default_rules`.
    head_at
        ``mean`` (of start and end storage, as the optimiser) or ``start`` of the month.

    Returns
    -------
    SimulationResult
        Arrays over ``(member, time, plant)`` and per-country energy.
    """
    rules = rules or default_rules(system)
    _check(system, rules)
    t0 = time.perf_counter()
    nat, members = member_plant_inflows_m3s(system, inflows)
    withdrawn = np.zeros(nat.shape[1:]) if system.withdrawal_m3s is None else system.withdrawal_m3s
    n_m, n_s, n_p = nat.shape
    st, cal = system.staging, system.calendar
    kh_all = HM3_PER_M3S_HOUR * cal.stage_hours
    month = cal.stages["month"].to_numpy(dtype=np.int64) - 1
    min_rel = upheld_min_release_m3s(system)
    levels = [(idx, system.topology.routing[idx].toarray()) for idx in cascade_levels(system.topology.downstream)]

    shape = (n_m, n_s, n_p)
    out = {k: np.empty(shape) for k in ("storage", "upstream", "turbined", "spilled", "head")}
    s0 = np.broadcast_to(system.storage_initial_hm3, (n_m, n_p)).copy()
    for s in range(n_s):
        kh = float(kh_all[s])
        cur = stage_curves(system.curves, s, n_m)
        head_start = cur.head_m(s0)
        limit = turbine_limit_m3s(system, s, head_start)
        outflow = np.zeros((n_m, n_p))
        controlled = np.zeros((n_m, n_p))
        s1 = np.empty((n_m, n_p))
        arrive_all = np.zeros((n_m, n_p))
        smin, smax = st.storage_min_hm3[s], st.storage_max_hm3[s]
        for idx, rows in levels:
            arrive = outflow @ rows.T
            avail = s0[:, idx] + kh * (nat[:, s, idx] + arrive)
            # a withdrawal takes only what is there above the minimum storage
            avail = np.maximum(avail, np.minimum(avail + kh * withdrawn[s, idx], smin[idx]))
            wanted = wanted_release_m3s(
                rules.target_fraction[month[s], idx], rules.release_m3s[month[s], idx], avail, smin[idx], smax[idx], kh
            )
            rel = release_m3s(wanted, limit[:, idx], min_rel[s, idx][None, :], avail - smin[idx][None, :], kh)
            after = avail - kh * rel
            end = np.minimum(after, smax[idx][None, :])
            s1[:, idx] = end
            controlled[:, idx] = rel
            outflow[:, idx] = rel + (after - end) / kh
            arrive_all[:, idx] = arrive
        head = cur.head_m(0.5 * (s0 + s1)) if head_at == "mean" else head_start
        turbined = np.minimum(controlled, turbine_limit_m3s(system, s, head))
        out["storage"][:, s] = s1
        out["upstream"][:, s] = arrive_all
        out["turbined"][:, s] = turbined
        out["spilled"][:, s] = outflow - turbined
        out["head"][:, s] = head
        s0 = s1
    power = hydro_power_mw(system.efficiency[None, None, :], out["turbined"], out["head"])
    seconds = time.perf_counter() - t0
    log.info("simulated %d members × %d months × %d plants in %.3f s", n_m, n_s, n_p, seconds)
    return SimulationResult(
        system=system,
        members=members,
        inflow_m3s=nat,
        upstream_m3s=out["upstream"],
        storage_hm3=out["storage"],
        turbined_m3s=out["turbined"],
        spilled_m3s=out["spilled"],
        head_m=out["head"],
        power_mw=power,
        min_release_m3s=min_release_m3s(system),
        rules=rules,
        head_at=head_at,
        seconds=seconds,
    )
