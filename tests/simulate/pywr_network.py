"""The System's network built in pywr 1.29, for cross-checking the simulator (tests and benchmark).

Per plant: ``Catchment`` (natural inflow) → ``Storage`` (dead … full storage) → a turbine ``Link``
(slot 0) and a spill ``Link`` (slot 1) → the next plant's storage, or an ``Output`` at the outlet.
Timestep: one calendar month (``Timestepper(delta="M")``), flows in hm3/day, volumes in hm3, so
pywr's ``volume += flow · days`` is the simulator's ``storage += K · H · flow``.

Rules in pywr terms (what both can express exactly):

- plants on a fixed schedule: turbine ``min_flow = max_flow = MonthlyProfileParameter``;
- the others (run-of-river, target full): turbine ``max_flow`` = the turbine limit at rated head,
  ``min_flow`` = the minimum release; spill only above full storage.

Costs make the LP follow the rules: every storage has a cost that falls towards the outlet
(``−100 · (plants from it to the outlet)``), so keeping water upstream always beats moving it
down; turbines get −1 (turbine before spill); spills and outlets 0.

Hydropower: pywr's ``HydropowerRecorder`` on each turbine, with the water elevation from the
System's level curve at the start-of-month volume (:class:`CurveLevelParameter`) and the fixed
tailwater plus the plant's head loss as turbine elevation; fixed-head plants use their rated head less
that loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pywr.core import Model, Timestepper
from pywr.nodes import Catchment, Link, Output, Storage
from pywr.parameters import ArrayIndexedParameter, ConstantParameter, MonthlyProfileParameter, Parameter
from pywr.recorders import HydropowerRecorder, NumpyArrayNodeRecorder, NumpyArrayStorageRecorder

from aralnexus.simulate.heads import stage_curves, turbine_limit_m3s
from aralnexus.simulate.rules import min_release_m3s
from aralnexus.system.system import System
from aralnexus.units import HM3_PER_M3S_DAY

Array = npt.NDArray[np.float64]
#: pywr energy_unit_conversion turning J/day (q in m3/day) into MW.
MW_PER_J_PER_DAY = 1.0 / (86400.0 * 1e6)


class MonthlyTimestepper(Timestepper):  # type: ignore[misc]
    """pywr's Timestepper with monthly periods (``delta="M"``).

    pywr 1.29 turns ``"M"`` into a pandas offset for the step after the last one, which pandas 3
    no longer accepts (``"ME"``); periods still use ``"M"``. Only that offset is overridden.
    """

    @property
    def offset(self) -> pd.DateOffset:
        return pd.offsets.MonthEnd(1)


class CurveLevelParameter(Parameter):  # type: ignore[misc]
    """Pool level (m) of one plant from the System's level curve at the storage node's current volume."""

    def __init__(self, model: Model, node: Storage, system: System, plant: int) -> None:
        super().__init__(model)
        self.node, self.system, self.plant = node, system, plant

    def value(self, ts: Any, scenario_index: Any) -> float:
        volume = self.node.volume[scenario_index.global_id]
        curves = stage_curves(self.system.curves, int(ts.index), 1)
        storage = np.full((1, self.system.n_plants), volume)
        return float(curves.level_m(storage)[0, self.plant])


@dataclass
class PywrNetwork:
    """The pywr model and its recorders, per plant."""

    model: Model
    storage: list[NumpyArrayStorageRecorder]
    turbined: list[NumpyArrayNodeRecorder]
    spilled: list[NumpyArrayNodeRecorder]
    power: list[HydropowerRecorder]

    def arrays(self) -> dict[str, Array]:
        """Return ``(time, plant)`` arrays: storage_hm3, turbined_m3s, spilled_m3s, power_mw (first scenario)."""
        to_m3s = 1.0 / HM3_PER_M3S_DAY
        return {
            "storage_hm3": np.column_stack([np.asarray(r.data)[:, 0] for r in self.storage]),
            "turbined_m3s": np.column_stack([np.asarray(r.data)[:, 0] for r in self.turbined]) * to_m3s,
            "spilled_m3s": np.column_stack([np.asarray(r.data)[:, 0] for r in self.spilled]) * to_m3s,
            "power_mw": np.column_stack([np.asarray(r.data)[:, 0] for r in self.power]),
        }


def _distance_to_outlet(downstream: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    out = np.zeros(len(downstream), dtype=np.int64)
    for p in range(len(downstream)):
        q = p
        while q >= 0:
            out[p] += 1
            q = int(downstream[q])
    return out


def build_pywr(
    system: System,
    inflow_m3s: Array,
    schedule_m3s: Array,
    scheduled: npt.NDArray[np.bool_],
    min_flow_m3s: Array | None = None,
) -> PywrNetwork:
    """Build the pywr model of ``system`` for one member.

    Parameters
    ----------
    system
        A monthly System whose staging is constant over the horizon (pywr gets stage 0's bounds).
    inflow_m3s
        Natural inflow per plant ``(S, P)``.
    schedule_m3s
        Release of the scheduled plants: ``(12, P)`` a monthly profile (``MonthlyProfileParameter``),
        or ``(S, P)`` one value per month of the horizon (``ArrayIndexedParameter``).
    scheduled
        ``(P,)`` plants on the schedule; the others keep full storage and pass flow.
    min_flow_m3s
        ``(S, P)`` minimum turbine flow of the other plants; default their minimum release by month.
    """
    cal, st = system.calendar, system.staging
    first, last = cal.stages["time"].iloc[0], cal.stages["time"].iloc[-1]
    model = Model()
    model.timestepper = MonthlyTimestepper(first, last, delta="M")
    rated_limit = turbine_limit_m3s(system, 0, system.curves.rated_heads(1))[0]
    min_rel = min_release_m3s(system)
    monthly_min = np.zeros((12, system.n_plants))
    monthly_min[cal.stages["month"].to_numpy() - 1] = min_rel
    rank = _distance_to_outlet(system.topology.downstream)
    storages, turbines, spills = [], [], []
    for p, name in enumerate(system.plant_ids):
        res = Storage(
            model,
            name,
            outputs=1,  # pywr's naming: one slot receiving water, two slots releasing it
            inputs=2,
            min_volume=float(st.storage_min_hm3[0, p]),
            max_volume=float(st.storage_max_hm3[0, p]),
            initial_volume=float(system.storage_initial_hm3[p]),
            # a run-of-river plant (no storage) starts at 0 % of nothing, not at 0/0
            initial_volume_pc=float(system.storage_initial_hm3[p] / st.storage_max_hm3[0, p])
            if st.storage_max_hm3[0, p] > 0
            else 0.0,
            cost=-100.0 * float(rank[p]),
        )
        flow = ArrayIndexedParameter(model, inflow_m3s[:, p] * HM3_PER_M3S_DAY)
        catchment = Catchment(model, f"{name}_inflow", flow=flow)
        catchment.connect(res)
        if scheduled[p]:
            values = schedule_m3s[:, p] * HM3_PER_M3S_DAY
            release = (
                MonthlyProfileParameter(model, values) if len(values) == 12 else ArrayIndexedParameter(model, values)
            )
            turbine = Link(model, f"{name}_turbine", min_flow=release, max_flow=release, cost=-1.0)
        else:
            minimum = (
                MonthlyProfileParameter(model, monthly_min[:, p] * HM3_PER_M3S_DAY)
                if min_flow_m3s is None
                else ArrayIndexedParameter(model, min_flow_m3s[:, p] * HM3_PER_M3S_DAY)
            )
            turbine = Link(
                model, f"{name}_turbine", min_flow=minimum, max_flow=float(rated_limit[p]) * HM3_PER_M3S_DAY, cost=-1.0
            )
        spill = Link(model, f"{name}_spill", cost=0.0)
        res.connect(turbine, from_slot=0)
        res.connect(spill, from_slot=1)
        storages.append(res)
        turbines.append(turbine)
        spills.append(spill)
    for p, name in enumerate(system.plant_ids):
        down = int(system.topology.downstream[p])
        target = storages[down] if down >= 0 else Output(model, f"{name}_outlet", cost=0.0)
        turbines[p].connect(target)
        spills[p].connect(target)
    power = []
    curves = system.curves
    for p in range(system.n_plants):
        if curves.has_curve[p]:
            level: Parameter = CurveLevelParameter(model, storages[p], system, p)
            # the hydraulic head loss is a constant drop below the pool: the turbine sits that much higher
            tail = float(curves.tailwater_m[p]) + float(curves.head_loss_m[p])
        else:
            level, tail = ConstantParameter(model, float(curves.rated_head_m[p])), float(curves.head_loss_m[p])
        power.append(
            HydropowerRecorder(
                model,
                turbines[p],
                water_elevation_parameter=level,
                turbine_elevation=tail,
                efficiency=float(system.efficiency[p]),
                flow_unit_conversion=1e6,
                energy_unit_conversion=MW_PER_J_PER_DAY,
            )
        )
    return PywrNetwork(
        model=model,
        storage=[NumpyArrayStorageRecorder(model, s) for s in storages],
        turbined=[NumpyArrayNodeRecorder(model, t) for t in turbines],
        spilled=[NumpyArrayNodeRecorder(model, s) for s in spills],
        power=power,
    )


def feasible_schedule(system: System, natural_m3s: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return a monthly release ``(12, P)`` both models can follow exactly for these inflows ``(S, P)``.

    The driest natural flow of the month reaching the plant, raised to the minimum releases down to
    the next reservoir, and never more than the turbines take at full head.
    """
    month = system.calendar.stages["month"].to_numpy() - 1
    catchment = natural_m3s @ system.topology.below().toarray()  # natural flow reaching each plant
    driest = np.array([catchment[month == m].min(axis=0) for m in range(12)])
    required = np.zeros((12, system.n_plants))
    required[month] = min_release_m3s(system)
    need = required.copy()
    has, down = system.curves.has_curve, system.topology.downstream
    for p in range(system.n_plants):  # requirements of the run-of-river plants down to the next reservoir
        q = int(down[p])
        while q >= 0 and not has[q]:
            need[:, p] = np.maximum(need[:, p], required[:, q])
            q = int(down[q])
    full_head = system.curves.head_m(system.staging.storage_max_hm3[:1])
    limit = turbine_limit_m3s(system, 0, full_head)[0]
    return np.minimum(np.maximum(driest, need), 0.95 * limit)
