"""Explain an infeasible scenario in the user's terms.

When the LP with strict constraints is infeasible, it is solved again with the strict minimum
releases relaxed at 1e7 US$/hm3 and artificial water allowed at 1e8 US$/hm3 (a last resort that
shows which reservoir cannot stay within its storage bounds). The non-zero slacks become
:class:`~aralnexus.errors.Shortfall` records: which reservoir, agreement and month, by how much.

Only months of the reported horizon are named: look-ahead constraints are soft in the model
itself (:mod:`aralnexus.dispatch.water`), so an infeasible run is infeasible within its horizon,
and the relaxed re-solve leaves look-ahead slacks free.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.dispatch import names as n
from aralnexus.dispatch.model import LPModel
from aralnexus.dispatch.solve import SolveStatus
from aralnexus.dispatch.water import K
from aralnexus.errors import InfeasibleScenarioError, Shortfall
from aralnexus.system.system import System

Array = npt.NDArray[np.float64]
#: Slacks below this (hm3) are numerical noise.
TOL_HM3 = 1e-6


def shortfalls(system: System, layout: n.Layout, x: Array) -> list[Shortfall]:
    """Return the strict constraints of the horizon a relaxed solution could not meet, largest first."""
    out: list[Shortfall] = []
    rel = system.releases
    times = pd.DatetimeIndex(system.calendar.stages["time"])
    ahead = system.lookahead_stage
    if not rel.empty:
        slack = layout.cols[n.RELEASE_SLACK].take(x)
        strict = rel["strict"].to_numpy(dtype=bool) & ~ahead[rel["stage"].to_numpy(dtype=np.int64)]
        for r in (int(i) for i in np.flatnonzero(strict & (slack > TOL_HM3))):
            s = int(rel["stage"].to_numpy()[r])
            m3s = slack[r] / (K * system.calendar.stage_hours[s])
            out.append(
                Shortfall(
                    f"strict minimum release ({rel['agreement'].iat[r]})",
                    str(rel["point"].iat[r]),
                    times[s].strftime("%Y-%m"),
                    float(m3s),
                    "m3/s",
                )
            )
    deficit = np.where(ahead[:, None], 0.0, layout.cols[n.WATER_DEFICIT].take(x))
    for s, p in zip(*np.nonzero(deficit > TOL_HM3), strict=True):
        out.append(
            Shortfall(
                "storage bounds (water missing to keep the reservoir within its minimum and maximum storage)",
                str(system.plants["plant"].iat[int(p)]),
                times[int(s)].strftime("%Y-%m"),
                float(deficit[s, p]),
                "hm3",
            )
        )
    return sorted(out, key=lambda sh: -sh.amount)


def explain_infeasible(system: System, inflow_m3s: Array, heads_m: Array) -> InfeasibleScenarioError:
    """Re-solve with strict constraints relaxed and return the error listing what could not be met."""
    model = LPModel(system, inflow_m3s, heads_m, relaxed=True)
    sol = model.solve()
    if sol.status is not SolveStatus.OPTIMAL:
        return InfeasibleScenarioError(
            [], summary=f"even with every strict constraint relaxed the model is {sol.status}"
        )
    found = shortfalls(system, model.layout, sol.x)
    elements = sorted({s.element for s in found})
    summary = f"{len(found)} strict constraint(s) could not be met at {', '.join(elements[:5]) or 'no named element'}"
    return InfeasibleScenarioError(found, summary=summary)
