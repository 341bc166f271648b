"""Control variates of the aralnexus policy: each river's inflow volume per calendar year.

The stage noise of the adapter sets, per river, the right-hand side ``a[m] + ε`` of the inflow row
``Q[t] − b[m]·Q[t−1] = a[m] + ε[t]`` (:mod:`aralnexus.policy.aral`). A river's flow is therefore
linear in the noise path, ``Q[t] = Σ_{s ≤ t} (Π_{s < u ≤ t} b[u]) · rhs[s]`` plus a constant
from the initial lag, and so is its volume over a calendar year. These volumes (and their squares)
are the controls of the gap rule's estimate (:mod:`aralnexus.policy.estimate`), with the products
of one river's volumes in consecutive years (storage carries a dry year into the next) and of the
two rivers' volumes in the same year: a dry year's high cost is explained by how dry it was, and
the expectation of each control is known exactly from the stages' noise distributions.
"""

from __future__ import annotations

import numpy as np

from aralnexus.policy.aral import PolicyModel
from aralnexus.policy.estimate import NoiseControls


def inflow_volume_controls(
    model: PolicyModel, squares: bool = True, products: bool = True, first_month: int = 1
) -> NoiseControls:
    """Return one control per river and year: the river's flow summed over the year's months (m3/s·month).

    Years start in calendar month ``first_month`` (1: calendar years; the months before the first
    such start form a year of their own). The constant from the initial lagged flow is left out
    (it does not vary; controls are centred at their exact expectations anyway). ``squares`` adds
    each volume's square, ``products`` the products of a river's volumes in consecutive years and
    of the rivers' volumes in the same year.
    """
    months = model.system.calendar.stage_month_start
    shifted = months.year.to_numpy() * 12 + months.month.to_numpy() - first_month
    years = shifted // 12 - shifted[0] // 12
    names = [f"{months[int(np.flatnonzero(years == y)[0])].strftime('%Y-%m')}" for y in range(int(years.max()) + 1)]
    controls = period_volume_controls(model, years, names, squares)
    if not products:
        return controls
    n_r, n_y = len(model.process.rivers), len(names)
    pairs = [(y * n_r + r, (y + 1) * n_r + r) for y in range(n_y - 1) for r in range(n_r)]
    pairs += [(y * n_r + r, y * n_r + k) for y in range(n_y) for r in range(n_r) for k in range(r + 1, n_r)]
    return NoiseControls(controls.weights, controls.names, squares, tuple(pairs))


def period_volume_controls(
    model: PolicyModel, period: np.ndarray, period_names: list[str], squares: bool = True
) -> NoiseControls:
    """Return one control per river and period (``period[t]``: stage ``t``'s period, 0, 1, …): its summed flow."""
    problem, process = model.problem, model.process
    n_r, n_t = len(process.rivers), problem.n_stages
    months = model.system.calendar.stage_month_start
    slope = process.slope[months.month.to_numpy() - 1]  # (T, R): b of each stage's month
    # response[s, t, r]: ∂Q[t, r] / ∂rhs[s, r] = Π_{s < u ≤ t} b[u, r] for t ≥ s, else 0
    response = np.zeros((n_t, n_t, n_r))
    for s in range(n_t):
        response[s, s] = 1.0
        for t in range(s + 1, n_t):
            response[s, t] = response[s, t - 1] * slope[t]
    n_y = int(period.max()) + 1
    in_period = np.zeros((n_t, n_y))
    in_period[np.arange(n_t), period] = 1.0
    volume = np.einsum("str,ty->syr", response, in_period)  # (T, Y, R): ∂volume[y, r] / ∂rhs[s, r]
    weights = []
    for s, stage in enumerate(problem.stages):
        w = np.zeros((stage.noise.n_terms, n_y * n_r))
        for r in range(n_r):  # the first R noise terms are the rivers' inflow rows
            w[r, r::n_r] = volume[s, :, r]
        weights.append(w)
    names = tuple(f"inflow volume from {period_names[y]} {river}" for y in range(n_y) for river in process.rivers)
    return NoiseControls(tuple(weights), names, squares)
