"""Water-value curves of a stored policy: the marginal value of stored water against storage, by month.

At the end of stage ``t`` the policy values the outgoing state by its cut approximation of the
expected future cost. Varying one reservoir's storage between its bounds, with every other state
at the policy's own reference state (its states along median inflows), the negated slope of that
approximation is the reservoir's water value: what one more unit of water kept now is worth in
later months (US$ per 1000 m3; ``1 US$ million per hm3 = 1000 US$ per 1000 m3``). The curves are
piecewise constant (the cuts are planes) and fall with storage (more water, less value per unit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from aralnexus.policy.cuts import Cuts

#: The four main reservoirs of the two cascades.
MAIN_RESERVOIRS: tuple[str, ...] = ("toktogul", "kambarata1", "nurek", "rogun")
#: US$ per 1000 m3 for one US$ million per hm3.
USD_PER_1000M3_PER_MUSD_PER_HM3 = 1000.0


def water_value_curves(
    cuts: Cuts,
    info: Mapping[str, object],
    plants: Sequence[str] = MAIN_RESERVOIRS,
    year: int | None = None,
    points: int = 21,
) -> pd.DataFrame:
    """Return ``plant, month, time, storage_hm3, water_value_usd_per_1000m3`` for the months of ``year``.

    Parameters
    ----------
    cuts
        The policy's cuts.
    info
        The policy's stored settings (``policy_info``: state names, reference states, storage
        bounds, stage months, cut type, cost-to-go weights and lower bound).
    plants
        Reservoirs to draw (those that are states).
    year
        Calendar year of the curves (default: the first year whose months are all stages with a
        cost-to-go, else the first year).
    points
        Storage points per curve.
    """
    weights_by_stage = info.get("cost_to_go_weights")
    if info.get("cut_type") != "single" and weights_by_stage is None:
        raise ValueError("water-value curves of a multi-cut policy need its stored cost-to-go weights")
    names = list(info["state_names"])  # type: ignore[call-overload]
    reference = np.asarray(info["reference_states"], dtype=np.float64)
    lower = np.asarray(info["storage_lower_hm3"], dtype=np.float64)
    upper = np.asarray(info["storage_upper_hm3"], dtype=np.float64)
    all_plants = list(info["plants"])  # type: ignore[call-overload]
    months = pd.PeriodIndex(list(info["stage_months"]), freq="M")  # type: ignore[call-overload]
    floor = float(info["cost_to_go_lower_bound"])  # type: ignore[arg-type]
    stages = np.arange(len(months) - 1)  # the last stage has no cost-to-go
    years = months.year.to_numpy()[stages]
    if year is None:
        full = [y for y in np.unique(years) if (years == y).sum() == 12]
        year = int(full[0]) if full else int(years[0])
    rows = []
    for plant in plants:
        key = f"storage_hm3[{plant}]"
        if key not in names:
            continue
        i, p = names.index(key), all_plants.index(plant)
        for t in stages[years == year]:  # 12 months × a handful of reservoirs
            grid = np.linspace(lower[t, p], upper[t, p], points)
            states = np.repeat(reference[t][None, :], points, axis=0)
            states[:, i] = grid
            weights = np.ones(1) if weights_by_stage is None else np.asarray(weights_by_stage[t], dtype=np.float64)  # type: ignore[index]
            _, slope = cuts.cost_to_go(int(t), states, weights, floor)
            value = -slope[:, i] * USD_PER_1000M3_PER_MUSD_PER_HM3
            rows.append(
                pd.DataFrame(
                    {
                        "plant": plant,
                        "month": int(months[t].month),
                        "time": months[t].to_timestamp(),
                        "storage_hm3": grid,
                        "water_value_usd_per_1000m3": value,
                    }
                )
            )
    columns = ["plant", "month", "time", "storage_hm3", "water_value_usd_per_1000m3"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
