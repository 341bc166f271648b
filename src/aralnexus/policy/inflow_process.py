"""The hydrology generator in a form linear in the state: a periodic AR(1) per river with discrete residuals.

SDDP needs noise that is stagewise independent, entering linearly; the hydrology generator
(:mod:`aralnexus.hydrology.par`) is a lognormal transform of a two-speed Gaussian process. The
policy therefore trains on this approximation, fitted to a long sample of the generator itself
(climate shift included):

- **River flow** ``Q[t, r]`` (m3/s) = the sum of the river's site flows. Each plant's natural
  inflow is ``share[m, p] · Q[t, river(p)]`` with ``share`` the sample's mean ratio in calendar
  month ``m`` (exact for the default dataset, whose sites are fixed shares of one series per river).
  A river whose flow is always the same multiple of a larger river's (:func:`proportional_rivers`:
  the default dataset's four small Kyrgyz rivers, shares of the Toktogul inflow like the Naryn's
  sites) is merged into it: its plants are shares of that river's flow, and it adds no state.
- **PAR(1)**: ``Q[t, r] = a[m, r] + b[m, r] · Q[t−1, r] + ε[t, r]`` fitted by least squares per
  calendar month and river; the lag ``Q[t−1, r]`` is a state of the stage LP.
- **Residuals**: per calendar month the joint residual vectors (all rivers, so the rivers'
  correlation is kept) are clustered into ``n_outcomes`` points (k-means); a point's probability is
  its cluster's share; deviations are scaled so each river's residual variance matches the sample's.

What is lost, measured by :func:`approximation_error`: the generator's slow, multi-year component
(one month of memory remains; with the recalibrated generator, whose annual lag-1 correlation is
0.055 Naryn and 0.035 Vakhsh, the PAR(1) gives 0.127 and 0.029 — docs/policy.md), the lognormal
skew of the residuals beyond ``n_outcomes`` points, and positivity (a linear model can produce
negative flows; the stage LP absorbs them as a penalised water deficit). Simulation uses the
generator's exact flows: the residuals of a given path are backed out of the same equations
(:meth:`LinearInflowProcess.noise_of`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.vq import kmeans2

from aralnexus.hydrology import sample_ensemble
from aralnexus.policy.problem import Array, IntArray
from aralnexus.scenario.model import Scenario
from aralnexus.system.system import System

#: Seed of the generator sample the process is fitted to (simulations must use other seeds to be out of sample).
FIT_SEED = 20_240


@dataclass(frozen=True)
class LinearInflowProcess:
    """A periodic AR(1) per river with discrete joint residuals per calendar month.

    Parameters
    ----------
    rivers
        River ids (state order).
    plant_river
        River index of each plant (−1: no natural inflow).
    share
        Plant inflow per unit of its river's flow, by calendar month, shape ``(12, P)``.
    intercept_m3s, slope
        ``a[m, r]`` (m3/s) and ``b[m, r]``, shape ``(12, R)``.
    outcomes_m3s
        Residual points ``(12, K, R)`` in m3/s.
    probabilities
        Their probabilities ``(12, K)``.
    dry_m3s
        5 % quantile of each river's flow by calendar month ``(12, R)`` (storage filling bounds).
    sample_years
        Years of the generator sample the fit used.
    """

    rivers: tuple[str, ...]
    plant_river: np.ndarray
    share: Array
    intercept_m3s: Array
    slope: Array
    outcomes_m3s: Array
    probabilities: Array
    dry_m3s: Array
    sample_years: int

    @property
    def n_outcomes(self) -> int:
        """Residual points per month."""
        return int(self.outcomes_m3s.shape[1])

    def noise_of(self, river_m3s: Array, first_month: int, lag_m3s: Array) -> Array:
        """Residuals ``(…, T, R)`` that reproduce given river flows ``(…, T, R)`` exactly.

        ``first_month`` is the calendar month (1–12) of the first step; ``lag_m3s`` ``(…, R)`` the
        flow of the month before it.
        """
        months = (first_month - 1 + np.arange(river_m3s.shape[-2])) % 12
        lag = np.broadcast_to(lag_m3s, (*river_m3s.shape[:-2], river_m3s.shape[-1]))
        previous = np.concatenate([lag[..., None, :], river_m3s[..., :-1, :]], axis=-2)
        out: Array = river_m3s - self.intercept_m3s[months] - self.slope[months] * previous
        return out

    def simulate(self, first_month: int, lag_m3s: Array, n_months: int, members: int, seed: int) -> Array:
        """Draw river flows ``(members, n_months, R)`` from the discrete model."""
        rng = np.random.default_rng(seed)
        out = np.empty((members, n_months, len(self.rivers)))
        q = np.broadcast_to(lag_m3s, (members, len(self.rivers))).astype(np.float64)
        for t in range(n_months):  # a recursion in time; vectorised over members and rivers
            m = (first_month - 1 + t) % 12
            k = rng.choice(self.n_outcomes, size=members, p=self.probabilities[m])
            q = self.intercept_m3s[m] + self.slope[m] * q + self.outcomes_m3s[m, k]
            out[:, t] = q
        return out


def river_flows(
    system: System, site_flows: Array, sites: tuple[str, ...], process: LinearInflowProcess | None = None
) -> tuple[Array, Array, tuple[str, ...]]:
    """Return (river flows ``(…, R)``, plant flows ``(…, P)``, river ids) from site flows ``(…, site)``.

    The rivers are the process's (its :attr:`~LinearInflowProcess.plant_river` grouping) when
    ``process`` is given, else the plants' own rivers.
    """
    if process is None:
        river_of_plant = _plant_rivers(system)
        rivers = tuple(sorted({r for r in river_of_plant if r}))
        plant_river = np.array([rivers.index(r) if r else -1 for r in river_of_plant], dtype=np.int64)
    else:
        rivers, plant_river = process.rivers, process.plant_river
    to_plant = np.zeros((len(sites), system.n_plants))
    to_plant[np.arange(len(sites)), [system.site_plant[s] for s in sites]] = 1.0
    plant = site_flows @ to_plant
    to_river = np.zeros((system.n_plants, len(rivers)))
    on_river = plant_river >= 0
    to_river[np.flatnonzero(on_river), plant_river[on_river]] = 1.0
    return plant @ to_river, plant, rivers


def proportional_rivers(river_flows_m3s: Array, rivers: tuple[str, ...], rtol: float = 1e-9) -> IntArray:
    """Return, per river, the river it is merged into (itself when none): rivers whose flows are a constant multiple.

    A river whose flow is, in every month of the sample, the same multiple of a larger river's
    (a series the generator scales from the same base series, e.g. the default dataset's four
    small Kyrgyz rivers, all shares of the Toktogul inflow like the Naryn) carries no information
    of its own: as a separate PAR(1) it would only add a lagged-flow state that is always the
    same multiple of the other's. It is merged into the largest such river.
    """
    flows = river_flows_m3s.reshape(-1, len(rivers))
    order = np.argsort(-flows.mean(axis=0), kind="stable")
    into = np.arange(len(rivers), dtype=np.int64)
    for k, r in enumerate(order):
        for leader in order[:k]:
            if into[leader] != leader or not (flows[:, leader] > 0).all():
                continue
            ratio = flows[:, r] / flows[:, leader]
            if np.ptp(ratio) <= rtol * abs(ratio.mean()):
                into[r] = leader
                break
    return into


def _plant_rivers(system: System) -> list[str]:
    """River of each plant (``""`` when the table has none)."""
    column = system.plants["river"] if "river" in system.plants.columns else pd.Series([""] * system.n_plants)
    return [str(r) if isinstance(r, str) else "" for r in column]


def fit_inflow_process(
    scenario: Scenario, system: System, n_outcomes: int = 5, years: int = 1000, seed: int = FIT_SEED
) -> LinearInflowProcess:
    """Fit the linear process to ``years`` years of the scenario's generator (seeded, not the simulation seed)."""
    sample = sample_ensemble(scenario, years, seed)
    sites = tuple(str(s) for s in sample["site"].values)
    flows = np.asarray(sample.transpose("time", "site").values, dtype=np.float64)
    river, plant, rivers = river_flows(system, flows, sites)
    into = proportional_rivers(river, rivers)
    leaders = np.flatnonzero(into == np.arange(len(rivers)))
    position = np.full(len(rivers), -1, dtype=np.int64)
    position[leaders] = np.arange(leaders.size)
    own = np.array([rivers.index(r) if r else -1 for r in _plant_rivers(system)], dtype=np.int64)
    pr = np.where(own >= 0, position[into[np.maximum(own, 0)]], -1)
    rivers = tuple(rivers[i] for i in leaders)
    to_group = np.zeros((system.n_plants, len(rivers)))
    to_group[np.flatnonzero(pr >= 0), pr[pr >= 0]] = 1.0
    river = plant @ to_group
    n_r = len(rivers)
    by_month = river.reshape(years, 12, n_r)
    plant_by_month = plant.reshape(years, 12, -1)
    denominator = by_month[:, :, np.maximum(pr, 0)].sum(axis=0)
    share = np.where(pr[None, :] >= 0, plant_by_month.sum(axis=0) / np.maximum(denominator, 1e-12), 0.0)
    previous = np.roll(river, 1, axis=0).reshape(years, 12, n_r)
    intercept, slope = np.zeros((12, n_r)), np.zeros((12, n_r))
    residual = np.zeros((years - 1, 12, n_r))
    for m in range(12):  # twelve small regressions per river
        first = 1 if m == 0 else 0  # January's lag is the previous December (none before the first year)
        y, x = by_month[first:, m], previous[first:, m]
        x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
        slope[m] = ((x - x_mean) * (y - y_mean)).sum(axis=0) / ((x - x_mean) ** 2).sum(axis=0)
        intercept[m] = y_mean - slope[m] * x_mean
        residual[:, m] = (y - intercept[m] - slope[m] * x)[-(years - 1) :]
    outcomes, probabilities = _discretise(residual, n_outcomes, seed)
    dry = np.quantile(by_month, 0.05, axis=0)
    return LinearInflowProcess(rivers, pr, share, intercept, slope, outcomes, probabilities, dry, years)


def _discretise(residual: Array, n_outcomes: int, seed: int) -> tuple[Array, Array]:
    """Cluster each month's joint residuals into ``n_outcomes`` points; match each river's variance."""
    _, _, n_r = residual.shape
    outcomes = np.zeros((12, n_outcomes, n_r))
    probabilities = np.zeros((12, n_outcomes))
    for m in range(12):
        data = residual[:, m]
        scale = data.std(axis=0)
        scale[scale == 0] = 1.0
        centroids, label = kmeans2(data / scale, n_outcomes, seed=seed + m, minit="++")
        counts = np.bincount(label, minlength=n_outcomes).astype(np.float64)
        p = counts / counts.sum()
        points = centroids * scale
        points -= p @ points  # exact zero mean
        spread = np.sqrt(p @ points**2)
        factor = np.divide(data.std(axis=0), spread, out=np.ones(n_r), where=spread > 0)
        outcomes[m] = points * factor
        probabilities[m] = p
    return outcomes, probabilities


def approximation_error(
    process: LinearInflowProcess, scenario: Scenario, system: System, years: int = 2000, seed: int = 7
) -> pd.DataFrame:
    """Compare the linear process with the generator on fresh samples of ``years`` years.

    Returns one row per (river, statistic) with the generator's value, the linear process's and
    the relative error: monthly mean and standard deviation (mean over months of the absolute
    relative error), month-to-month lag-1 correlation (mean absolute difference), annual-volume CV,
    annual lag-1 correlation, share of negative monthly flows, and the one-step-ahead R² of the
    linear predictor on the generator's flows.
    """
    sample = sample_ensemble(scenario, years, seed)
    sites = tuple(str(s) for s in sample["site"].values)
    gen, _, _ = river_flows(system, np.asarray(sample.transpose("time", "site").values, np.float64), sites, process)
    lin = process.simulate(1, gen[-1], years * 12, 1, seed)[0]
    rows = []
    for r, river in enumerate(process.rivers):
        g, ln = _statistics(gen[:, r], years), _statistics(lin[:, r], years)
        pred = (
            process.intercept_m3s[np.arange(1, years * 12) % 12, r]
            + process.slope[np.arange(1, years * 12) % 12, r] * (gen[:-1, r])
        )
        resid = gen[1:, r] - pred
        r2 = 1.0 - float(resid.var() / gen[1:, r].var())
        for name in g:
            rel = abs(ln[name] - g[name]) / abs(g[name]) if g[name] else abs(ln[name] - g[name])
            rows.append({"river": river, "statistic": name, "generator": g[name], "linear": ln[name], "error": rel})
        rows.append({"river": river, "statistic": "one-step R²", "generator": np.nan, "linear": r2, "error": np.nan})
    return pd.DataFrame(rows)


def _statistics(q: Array, years: int) -> dict[str, float]:
    """Summary statistics of a monthly series starting in January."""
    by = q[: years * 12].reshape(years, 12)
    annual = by.sum(axis=1)
    lag1 = [np.corrcoef(q[m : years * 12 - 1 : 12], q[m + 1 : years * 12 : 12])[0, 1] for m in range(12)]
    return {
        "mean monthly flow m3/s": float(by.mean()),
        "mean monthly sd m3/s": float(by.std(axis=0).mean()),
        "mean month-to-month lag-1 corr": float(np.mean(lag1)),
        "annual volume CV": float(annual.std() / annual.mean()),
        "annual lag-1 corr": float(np.corrcoef(annual[:-1], annual[1:])[0, 1]),
        "share of negative months": float((q < 0).mean()),
    }
