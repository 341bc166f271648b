"""Named years (dry, median, wet by annual exceedance) and the driest multi-year run.

Each named year is built per component from a synthetic ensemble: its annual volume is the
ensemble's quantile (dry = 90 % exceedance, i.e. the 10th percentile), and its monthly shape is the
mean shape of the synthetic years within ±2.5 percentiles of that quantile, so dry years keep the
seasonal shape that dry years have in the generator. Components are treated separately, so ``dry``
is dry in both basins at once — a joint stress test (with an inter-basin correlation of ~0.55 both
basins fall below their own 10th percentile in only a few % of years).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aralnexus.hydrology.climatology import FloatArray
from aralnexus.hydrology.stats import annual_volumes_km3

#: Annual exceedance probability of each named year.
EXCEEDANCE = {"dry": 0.9, "median": 0.5, "wet": 0.1}
#: Half-width (in probability) of the window of synthetic years that gives a named year its shape.
WINDOW = 0.025


@dataclass(frozen=True)
class NamedYears:
    """Monthly patterns of the named years.

    Parameters
    ----------
    components
        Component ids.
    patterns_m3s
        Name (``dry``, ``median``, ``wet``) → ``(12, component)`` monthly flows.
    annual_km3
        Name → ``(component,)`` annual volume.
    dry_sequence_m3s
        ``(run_years, 12, component)``: the driest run of consecutive synthetic years.
    dry_sequence_index
        Index of the run's first year in the ensemble.
    ensemble_years
        Length of the synthetic ensemble the years come from.
    """

    components: tuple[str, ...]
    patterns_m3s: dict[str, FloatArray]
    annual_km3: dict[str, FloatArray]
    dry_sequence_m3s: FloatArray
    dry_sequence_index: int
    ensemble_years: int


def named_years(flows: FloatArray, components: tuple[str, ...], run_years: int = 3) -> NamedYears:
    """Derive the named years from synthetic flows ``(year, 12, component)``.

    The driest run is the ``run_years`` consecutive years with the lowest sum of the system index
    (each year's volume relative to the component mean, averaged over components with equal weight),
    taken as they were generated so both basins keep their joint behaviour.
    """
    volumes = annual_volumes_km3(flows)
    n_years = volumes.shape[0]
    pct = (np.argsort(np.argsort(volumes, axis=0), axis=0) + 0.5) / n_years
    shape = flows / flows.mean(axis=1, keepdims=True)
    patterns: dict[str, FloatArray] = {}
    annual: dict[str, FloatArray] = {}
    for name, exceed in EXCEEDANCE.items():  # three names
        quantile = np.quantile(volumes, 1 - exceed, axis=0)
        near = np.abs(pct - (1 - exceed)) <= WINDOW
        mean_shape = (shape * near[:, None, :]).sum(axis=0) / near.sum(axis=0)
        patterns[name] = (
            mean_shape / mean_shape.mean(axis=0) * (quantile / volumes.mean(axis=0)) * flows.mean(axis=(0, 1))
        )
        annual[name] = quantile
    index = (volumes / volumes.mean(axis=0)).mean(axis=1)
    run = np.convolve(index, np.ones(run_years), mode="valid")
    start = int(np.argmin(run))
    return NamedYears(
        components=components,
        patterns_m3s=patterns,
        annual_km3=annual,
        dry_sequence_m3s=flows[start : start + run_years].copy(),
        dry_sequence_index=start,
        ensemble_years=n_years,
    )
