"""Generator targets from the dataset's observed statistics, and where each statistic comes from.

Without an imported monthly record, the generator used to rest entirely on the DERIVED monthly
means and the ASSUMED variability (:mod:`aralnexus.hydrology.variability`). The dataset now carries
some observed statistics, and each replaces its assumption where present:

- ``inflow_monthly.sd_m3s`` — inter-annual sd of a month's mean flow (the Vakhsh inflow to Nurek,
  1995–2017, COMPARISON.md); the monthly CV and the lognormal skew then follow the record;
- ``observed_inflow`` — water-year volumes of a series' gauge (CA-discharge): the annual CV
  (at least :data:`MIN_YEARS` years) and the year-to-year lag-1 correlation (at least
  :data:`MIN_PAIRS` consecutive pairs);
- month-to-month persistence is not published for either river; where the monthly spreads are
  observed, the assumed lag-1 profile is scaled (one factor) so that the generator reproduces the
  observed annual CV with them — a derived statistic, labelled so. Where the spreads are assumed,
  they are scaled instead (the assumed-variability rule, :func:`aralnexus.hydrology.par.scale_to_annual_cv`).
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from scipy import optimize

from aralnexus.data.dataset import Dataset
from aralnexus.hydrology import par
from aralnexus.hydrology.climatology import FloatArray
from aralnexus.hydrology.stats import FlowStatistics, assumed_targets
from aralnexus.hydrology.variability import AssumedVariability

MIN_YEARS = 10
MIN_PAIRS = 8

#: Statistic keys of :func:`observed_targets`' provenance, in display order.
STATISTICS: tuple[str, ...] = (
    "monthly mean",
    "monthly sd",
    "skew",
    "month-to-month lag-1",
    "annual CV",
    "annual lag-1",
    "inter-basin correlation",
)


def record_annual(dataset: Dataset, series: str) -> tuple[float | None, float | None, str]:
    """Annual CV and lag-1 of a series' observed water-year volumes, and a label (None: too few years)."""
    obs = dataset.observed_inflow
    rows = obs[obs["series"].astype(str) == series]
    if len(rows) < MIN_YEARS:
        return None, None, ""
    years = rows["water_year"].astype(int).to_numpy()
    volumes = rows["volume_km3"].astype(float).to_numpy()
    order = np.argsort(years)
    years, volumes = years[order], volumes[order]
    cv = float(volumes.std(ddof=1) / volumes.mean())
    pairs = np.flatnonzero(np.diff(years) == 1)
    lag1 = float(np.corrcoef(volumes[pairs], volumes[pairs + 1])[0, 1]) if len(pairs) >= MIN_PAIRS else None
    gauge = str(rows["gauge"].iloc[0])
    label = f"record: CA-discharge gauge {gauge}, water years {years[0]}–{years[-1]} (n = {len(years)})"
    return cv, lag1, label


def _observed_sd(dataset: Dataset, components: tuple[str, ...]) -> FloatArray:
    """``(12, component)`` observed monthly sds (NaN where the dataset has none)."""
    table = dataset.inflow_monthly
    out = np.full((12, len(components)), np.nan)
    if "sd_m3s" not in table.columns:
        return out
    for k, series in enumerate(components):
        rows = table[table["series"].astype(str) == series].sort_values("month")
        values = rows["sd_m3s"].astype(float).to_numpy()
        if len(values) == 12 and np.isfinite(values).all():
            out[:, k] = values
    return out


def _annual_cv(targets: FlowStatistics, k: int) -> float:
    """Annual CV of component ``k`` implied by its monthly targets (the slow part at ``w = 0.4, phi = 0.9``).

    The same approximation :func:`aralnexus.hydrology.par.scale_to_annual_cv` uses: the annual CV is
    nearly fixed by the monthly spreads and month-to-month correlations, whatever the slow part.
    """
    tau, mu, sigma = par.lognormal3(targets.mean_m3s[:, k], targets.sd_m3s[:, k], targets.skew[:, k])
    r1 = np.clip(par.gaussian_corr(targets.lag1[:, k], sigma, np.roll(sigma, 1)), -0.99, 0.995)
    return par.annual_moments(0.4, 0.9, r1, tau, mu, sigma)[0]


def _persistence_for_cv(targets: FlowStatistics, k: int) -> tuple[FlowStatistics, float]:
    """Scale component ``k``'s lag-1 profile so the fitted generator's annual CV meets the target.

    Solved on the approximation of :func:`_annual_cv`, then once more with the target corrected by
    the ratio the fitted generator actually reaches (one extra fit).
    """
    first, _ = _solve_persistence(targets, k, float(targets.annual_cv[k]))
    level = par.log.level
    par.log.setLevel(logging.ERROR)  # the first fit misses the CV by design: no warning for it
    try:
        fitted = par.fit(first)
    finally:
        par.log.setLevel(level)
    reached = _fitted_cv(fitted, first, k)
    wanted = float(targets.annual_cv[k])
    return _solve_persistence(targets, k, wanted * wanted / reached)


def _fitted_cv(model: par.ParModel, targets: FlowStatistics, k: int) -> float:
    tau, mu, sigma = model.tau[:, k], model.mu[:, k], model.sigma[:, k]
    r1 = np.clip(par.gaussian_corr(targets.lag1[:, k], sigma, np.roll(sigma, 1)), -0.99, 0.995)
    return par.annual_moments(float(model.weight_slow[k]), float(model.phi_slow[k]), r1, tau, mu, sigma)[0]


def _solve_persistence(targets: FlowStatistics, k: int, target_cv: float) -> tuple[FlowStatistics, float]:
    shape = targets.lag1[:, k].copy()

    def with_factor(c: float) -> FlowStatistics:
        lag1 = targets.lag1.copy()
        lag1[:, k] = np.clip(c * shape, -0.2, 0.97)
        return replace(targets, lag1=lag1)

    def gap(c: float) -> float:
        return _annual_cv(with_factor(c), k) - target_cv

    low, high = 0.05, 1.15
    if gap(low) > 0:  # even weakly persistent months give too much annual variability
        return with_factor(low), low
    if gap(high) < 0:
        return with_factor(high), high
    factor = float(optimize.brentq(gap, low, high, xtol=1e-4))
    return with_factor(factor), factor


def observed_targets(
    dataset: Dataset,
    climatology_m3s: FloatArray,
    components: tuple[str, ...],
    rivers: tuple[str, ...],
    assumed: AssumedVariability,
) -> tuple[FlowStatistics, dict[str, dict[str, str]]]:
    """Return generator targets: observed statistics where the dataset has them, else the assumptions.

    Returns the targets and, per component, statistic (:data:`STATISTICS`) → what it rests on.
    """
    targets = assumed_targets(climatology_m3s, components, rivers, assumed)
    provenance: dict[str, dict[str, str]] = {}
    sd_obs = _observed_sd(dataset, components)
    annual_cv = targets.annual_cv.copy()
    annual_lag1 = targets.annual_lag1.copy()
    for k, series in enumerate(components):
        cv, lag1, label = record_annual(dataset, series)
        has_sd = bool(np.isfinite(sd_obs[:, k]).all())
        provenance[series] = {
            "monthly mean": "record: observed monthly shape at the long-term norm (sources.csv)"
            if has_sd
            else "DERIVED (not observed)",
            "monthly sd": "record: inter-annual sd of each month (inflow_monthly.sd_m3s)" if has_sd else "assumed",
            "skew": "assumed: two-parameter lognormal (3·CV + CV³)",
            "month-to-month lag-1": "assumed",
            "annual CV": label if cv is not None else "assumed",
            "annual lag-1": label if lag1 is not None else "assumed",
            "inter-basin correlation": "assumed",
        }
        if cv is not None:
            annual_cv[k] = cv
        if lag1 is not None:  # the generator has no negative year-to-year persistence: ~0 is taken as 0
            annual_lag1[k] = max(lag1, 0.0)
    targets = replace(targets, annual_cv=annual_cv, annual_lag1=annual_lag1)
    observed: npt.NDArray[np.bool_] = np.asarray(np.isfinite(sd_obs).all(axis=0), dtype=bool)
    if (~observed).any():  # assumed spreads: scale them to the annual CV (the assumed-variability rule)
        scaled = par.scale_to_annual_cv(targets)
        sd = np.where(observed[None, :], targets.sd_m3s, scaled.sd_m3s)
        targets = replace(targets, sd_m3s=sd)
        for j in np.flatnonzero(~observed):
            provenance[components[int(j)]]["monthly sd"] = "assumed shape, scaled to the annual CV"
    if observed.any():
        sd = np.where(observed[None, :], sd_obs, targets.sd_m3s)
        targets = replace(targets, sd_m3s=sd)
    cv_month = targets.sd_m3s / targets.mean_m3s
    targets = replace(targets, skew=3 * cv_month + cv_month**3)
    for j in np.flatnonzero(observed):
        targets, factor = _persistence_for_cv(targets, int(j))
        provenance[components[int(j)]]["month-to-month lag-1"] = (
            f"derived: assumed profile × {factor:.2f}, so that the observed monthly sds give the observed annual CV"
        )
    return targets, provenance
