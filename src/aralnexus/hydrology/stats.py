"""Statistics of monthly flow series: the generator's targets and what a sample achieves.

Flows are arrays ``(year, month, component)`` of monthly mean flow in m3/s (calendar months,
January first). Annual volumes use 12 months of equal weight (365 days), the convention of the
derived monthly table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aralnexus.hydrology.climatology import KM3_PER_M3S_YEAR, FloatArray
from aralnexus.hydrology.variability import AssumedVariability


@dataclass(frozen=True)
class FlowStatistics:
    """Per-component, per-month statistics of monthly flows.

    Parameters
    ----------
    components, rivers
        Component ids and their rivers.
    mean_m3s, sd_m3s, skew
        ``(12, component)``: mean, standard deviation and skewness of each calendar month's flow.
    lag1
        ``(12, component)``: correlation of each month with the previous one (January: with December).
    annual_cv, annual_lag1
        ``(component,)``: CV of annual volumes and their lag-1 (year-to-year) correlation.
    corr
        ``(component, component)``: same-month correlation of normal scores, pooled over months.
    """

    components: tuple[str, ...]
    rivers: tuple[str, ...]
    mean_m3s: FloatArray
    sd_m3s: FloatArray
    skew: FloatArray
    lag1: FloatArray
    annual_cv: FloatArray
    annual_lag1: FloatArray
    corr: FloatArray

    @property
    def annual_mean_km3(self) -> FloatArray:
        """Mean annual volume per component in km3."""
        out: FloatArray = self.mean_m3s.mean(axis=0) * KM3_PER_M3S_YEAR
        return out


def normal_scores(flows: FloatArray) -> FloatArray:
    """Rank-based normal scores of each (month, component) column over years."""
    from scipy import special, stats  # here, not at import (scipy.stats costs ~0.5 s to import)

    ranks = stats.rankdata(flows, axis=0)
    out: FloatArray = special.ndtri(ranks / (flows.shape[0] + 1))
    return out


def _corr_columns(a: FloatArray, b: FloatArray) -> FloatArray:
    """Pearson correlation of matching columns of a and b along axis 0."""
    da = a - a.mean(axis=0)
    db = b - b.mean(axis=0)
    den = np.sqrt((da * da).sum(axis=0) * (db * db).sum(axis=0))
    out: FloatArray = np.divide((da * db).sum(axis=0), den, out=np.zeros_like(den), where=den > 0)
    return out


def annual_volumes_km3(flows: FloatArray) -> FloatArray:
    """Annual volumes ``(year, component)`` in km3 of flows ``(year, month, component)``."""
    out: FloatArray = flows.mean(axis=1) * KM3_PER_M3S_YEAR
    return out


def compute_statistics(flows: FloatArray, components: tuple[str, ...], rivers: tuple[str, ...]) -> FlowStatistics:
    """Compute the statistics of flows ``(year, month, component)`` (at least 3 years)."""
    n_years, _, n_comp = flows.shape
    mean = flows.mean(axis=0)
    sd = flows.std(axis=0, ddof=1)
    from scipy import stats  # here, not at import (scipy.stats costs ~0.5 s to import)

    skew = np.nan_to_num(stats.skew(flows, axis=0, bias=False))
    flat = flows.reshape(n_years * 12, n_comp)
    lag1 = np.empty((12, n_comp))
    for m in range(12):  # 12 months, each vectorised over years and components
        now = flat[m::12][1:] if m == 0 else flat[m::12]
        before = flat[11::12][:-1] if m == 0 else flat[m - 1 :: 12]
        lag1[m] = _corr_columns(now, before)
    volumes = annual_volumes_km3(flows)
    annual_cv = volumes.std(axis=0, ddof=1) / volumes.mean(axis=0)
    annual_lag1 = _corr_columns(volumes[1:], volumes[:-1])
    scores = normal_scores(flows).reshape(n_years * 12, n_comp)
    corr = np.corrcoef(scores, rowvar=False).reshape(n_comp, n_comp) if n_comp > 1 else np.ones((1, 1))
    return FlowStatistics(components, rivers, mean, sd, skew, lag1, annual_cv, annual_lag1, corr)


def annual_corr(flows: FloatArray) -> FloatArray:
    """Correlation matrix of annual volumes between components."""
    volumes = annual_volumes_km3(flows)
    if volumes.shape[1] == 1:
        return np.ones((1, 1))
    out: FloatArray = np.asarray(np.corrcoef(volumes, rowvar=False), dtype=np.float64)
    return out


def assumed_targets(
    mean_m3s: FloatArray, components: tuple[str, ...], rivers: tuple[str, ...], assumed: AssumedVariability
) -> FlowStatistics:
    """Targets from derived monthly means ``(12, component)`` plus the assumed variability.

    Each month is two-parameter lognormal (skew = 3·CV + CV³); components on different rivers
    correlate at ``assumed.inter_basin_corr``, components on the same river at 0.9 (assumption:
    sites of one basin share the snowpack; the default has one component per river anyway).
    """
    cv = np.array([assumed.river_monthly_cv(r) for r in rivers]).T
    sd = cv * mean_m3s
    skew = 3 * cv + cv**3
    lag1 = np.repeat(np.array(assumed.lag1_corr)[:, None], len(components), axis=1)
    annual_cv = np.array([assumed.river_annual_cv(r) for r in rivers])
    annual_lag1 = np.full(len(components), assumed.annual_persistence)
    same = np.equal.outer(np.array(rivers), np.array(rivers))
    corr = np.where(same, 0.9, assumed.inter_basin_corr)
    np.fill_diagonal(corr, 1.0)
    return FlowStatistics(components, rivers, mean_m3s.copy(), sd, skew, lag1, annual_cv, annual_lag1, corr)
