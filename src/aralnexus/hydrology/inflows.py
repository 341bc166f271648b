"""Inflows for a scenario: ``make_inflows`` (one run) and ``sample_members`` (ensembles).

The :class:`InflowModel` of a scenario holds the site layout, the target statistics, the fitted
generator and the climatology. It is fitted from the imported record when the scenario names one
(``hydrology.record_file``), otherwise from the DERIVED monthly shapes plus the ASSUMED variability
(:mod:`aralnexus.hydrology.variability`). Models and named years are cached per content.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.data.dataset import Dataset
from aralnexus.errors import InputError, Problem
from aralnexus.hydrology import par
from aralnexus.hydrology.climate import apply_climate
from aralnexus.hydrology.climatology import (
    DERIVED_ASSUMED_LABEL,
    DERIVED_LABEL,
    FloatArray,
    SiteLayout,
    base_layout,
    inflow_sites,
    series_climatology_m3s,
)
from aralnexus.hydrology.named import NamedYears, named_years
from aralnexus.hydrology.observed import observed_targets
from aralnexus.hydrology.record import load_record, record_years
from aralnexus.hydrology.stats import FlowStatistics, compute_statistics
from aralnexus.hydrology.variability import ASSUMED
from aralnexus.scenario.model import HydrologySpec, Scenario

#: Synthetic years behind the named years.
NAMED_YEARS_ENSEMBLE = 10_000
_CACHE: dict[str, InflowModel] = {}
_NAMED_CACHE: dict[tuple[str, int], NamedYears] = {}
_CACHE_SIZE = 16


@dataclass(frozen=True)
class InflowModel:
    """Everything needed to produce inflows for one dataset (and record).

    Parameters
    ----------
    layout
        Sites, components and the split matrix.
    targets
        Target statistics of the components.
    model
        Fitted generator.
    climatology_m3s
        ``(12, component)`` mean monthly flows (derived or the record's means).
    label
        ``DERIVED …`` or ``record …``: what the climatology rests on.
    variability_label
        ``DERIVED + assumed variability …`` or ``record …``: what synthetic output rests on.
    record_m3s
        ``(year, 12, component)`` observed complete years, if a record is used.
    record_first_year
        First calendar year of ``record_m3s``.
    key
        Content hash (cache key).
    provenance
        Per component: statistic → what it rests on (record, derived or assumed); see
        :func:`aralnexus.hydrology.observed.observed_targets`. Empty for an imported monthly record
        (every statistic is the record's).
    """

    layout: SiteLayout
    targets: FlowStatistics
    model: par.ParModel
    climatology_m3s: FloatArray
    label: str
    variability_label: str
    record_m3s: FloatArray | None
    record_first_year: int
    key: str
    provenance: dict[str, dict[str, str]] = field(default_factory=dict)


def _dataset_key(dataset: Dataset, record_file: str) -> str:
    digest = hashlib.sha256()
    digest.update(dataset.inflow_sites.to_csv(index=False).encode())
    digest.update(dataset.inflow_monthly.to_csv(index=False).encode())
    digest.update(dataset.observed_inflow.to_csv(index=False).encode())
    if record_file:
        path = Path(record_file)
        digest.update(str(path.resolve()).encode())
        digest.update(str(path.stat().st_mtime_ns if path.exists() else 0).encode())
    return digest.hexdigest()[:16]


def _record_layout(dataset: Dataset, columns: tuple[str, ...], file: str) -> SiteLayout:
    sites = inflow_sites(dataset)
    split = np.zeros((len(sites), len(columns)))
    problems: list[Problem] = []
    shares = sites["share"].to_numpy(dtype="float64")
    for i, (site, base) in enumerate(zip(sites["site"].astype(str), sites["base_series"].astype(str), strict=True)):
        if site in columns:
            split[i, columns.index(site)] = 1.0
        elif base in columns:
            split[i, columns.index(base)] = shares[i]
        else:
            problems.append(
                Problem(
                    file,
                    "site",
                    f"a series for site {site!r} or its base series {base!r}",
                    "neither in the record",
                )
            )
    if problems:
        raise InputError(problems)
    rivers = []
    for c in columns:
        match = sites[(sites["site"] == c) | (sites["base_series"] == c)]
        rivers.append(str(match["river"].iloc[0]))
    return SiteLayout(
        tuple(sites["site"].astype(str)), tuple(sites["river"].astype(str)), columns, tuple(rivers), split
    )


def build_inflow_model(dataset: Dataset, record_file: str = "") -> InflowModel:
    """Fit the inflow model of a dataset, from ``record_file`` when given (cached by content)."""
    key = _dataset_key(dataset, record_file)
    if key in _CACHE:
        return _CACHE[key]
    if record_file:
        columns, flows, first = record_years(load_record(record_file, dataset))
        layout = _record_layout(dataset, columns, record_file)
        targets = compute_statistics(flows, layout.components, layout.component_rivers)
        climatology = flows.mean(axis=0)
        name = Path(record_file).name
        label = f"record {name} ({first}–{first + flows.shape[0] - 1}, observed)"
        result = InflowModel(layout, targets, par.fit(targets), climatology, label, label, flows, first, key)
    else:
        layout = base_layout(dataset)
        climatology = series_climatology_m3s(dataset, layout.components)
        targets, provenance = observed_targets(
            dataset, climatology, layout.components, layout.component_rivers, ASSUMED
        )
        observed = any(v.startswith("record") for p in provenance.values() for v in p.values())
        variability = DERIVED_ASSUMED_LABEL + (" and recorded statistics" if observed else "")
        result = InflowModel(
            layout, targets, par.fit(targets), climatology, DERIVED_LABEL, variability, None, 0, key, provenance
        )
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = result
    return result


def scenario_model(source: Scenario | Dataset) -> InflowModel:
    """Inflow model of a scenario (using its record file, if any) or of a bare dataset."""
    if isinstance(source, Scenario):
        return build_inflow_model(source.dataset, source.hydrology.record_file)
    return build_inflow_model(source)


def synthetic_components(model: InflowModel, n_years: int, seed: int, members: range | list[int]) -> FloatArray:
    """Synthetic component flows ``(member, year, 12, component)``; member m depends on (seed, m) only."""
    normals = par.draw_normals(par.member_rngs(seed, members), n_years, model.model.n_components)
    return par.simulate(model.model, normals)


def model_named_years(model: InflowModel, seed: int) -> NamedYears:
    """Named years of a model from a 10,000-year synthetic ensemble (cached)."""
    key = (model.key, seed)
    if key not in _NAMED_CACHE:
        flows = synthetic_components(model, NAMED_YEARS_ENSEMBLE, seed, [0])[0]
        _NAMED_CACHE[key] = named_years(flows, model.layout.components)
    return _NAMED_CACHE[key]


def _months(start: str, end: str) -> pd.DatetimeIndex:
    try:
        first, last = pd.Timestamp(f"{start}-01"), pd.Timestamp(f"{end}-01")
    except ValueError as error:
        raise InputError([Problem("<scenario>", "horizon", "months YYYY-MM", f"{start!r} to {end!r}")]) from error
    if last < first:
        raise InputError([Problem("<scenario>", "horizon", "an end month not before the start", f"{start} to {end}")])
    return pd.date_range(first, last, freq="MS")


def _component_years(model: InflowModel, spec: HydrologySpec, n_years: int, first_year: int) -> tuple[FloatArray, str]:
    """Component flows ``(year, 12, component)`` for whole calendar years, and their label."""
    if spec.kind in {"median", "mean"}:
        return np.broadcast_to(model.climatology_m3s, (n_years, 12, model.climatology_m3s.shape[1])).copy(), model.label
    if spec.kind == "record":
        if model.record_m3s is None:
            raise InputError(
                [
                    Problem(
                        "<scenario>",
                        "hydrology.record_file",
                        "a record file for kind 'record'",
                        "none given",
                        "run `aralnexus hydrology import FILE.csv`",
                    )
                ]
            )
        index = np.arange(n_years) % model.record_m3s.shape[0]
        return model.record_m3s[index], model.label
    if spec.kind == "synthetic":
        return synthetic_components(model, n_years, spec.seed, [spec.member])[0], model.variability_label
    named = model_named_years(model, spec.seed)
    if spec.kind in {"dry", "wet"}:
        pattern = named.patterns_m3s[spec.kind]
        return np.broadcast_to(pattern, (n_years, *pattern.shape)).copy(), model.variability_label
    # dry-sequence: the driest run first, then the climatology
    flows = np.broadcast_to(model.climatology_m3s, (n_years, 12, model.climatology_m3s.shape[1])).copy()
    run = named.dry_sequence_m3s[:n_years]
    flows[: run.shape[0]] = run
    return flows, model.variability_label


def month_starts(first_year: int, n_months: int) -> np.ndarray:
    """Month-start timestamps (``datetime64[s]``) from January ``first_year`` (vectorised, any year)."""
    months = np.datetime64(f"{first_year:04d}-01", "M") + np.arange(n_months)
    return months.astype("datetime64[D]").astype("datetime64[s]")


def _to_dataarray(
    site_flows: FloatArray, times: pd.DatetimeIndex, sites: tuple[str, ...], attrs: dict[str, str]
) -> xr.DataArray:
    dims = ("time", "site") if site_flows.ndim == 2 else ("member", "time", "site")
    coords: dict[str, object] = {"time": times, "site": list(sites)}
    if site_flows.ndim == 3:
        coords["member"] = np.arange(site_flows.shape[0])
    return xr.DataArray(site_flows, dims=dims, coords=coords, name="inflow_m3s", attrs=attrs)


def make_inflows(scenario: Scenario, start: str, end: str) -> xr.DataArray:
    """Monthly inflows ``(time, site)`` in m3/s for months ``start``..``end`` (``YYYY-MM``, inclusive).

    ``median``/``mean``: the climatology every year; ``dry``/``wet``: the named year (90 % / 10 %
    exceedance) every year — a stress test; ``dry-sequence``: the driest 3-year run of 10,000
    synthetic years from the first calendar year, then the climatology; ``synthetic``: member
    ``member`` of the seeded ensemble; ``record``: the observed years in order, repeated. The climate
    shift is applied last.
    """
    spec = scenario.hydrology
    model = scenario_model(scenario)
    months = _months(start, end)
    first_year = int(months[0].year)
    n_years = int(months[-1].year) - first_year + 1
    flows, label = _component_years(model, spec, n_years, first_year)
    site_flows = apply_climate(model.layout.to_sites(flows), spec.climate, scenario.file)
    full = pd.date_range(f"{first_year}-01-01", periods=n_years * 12, freq="MS")
    keep = full.isin(months)
    data = site_flows.reshape(n_years * 12, -1)[keep]
    return _to_dataarray(data, months, model.layout.sites, {"units": "m3/s", "label": label, "hydrology": spec.label})


def sample_members(scenario: Scenario, n_members: int, start: str, end: str, seed: int | None = None) -> xr.DataArray:
    """Ensemble inflows ``(member, time, site)``: members 0..n−1 of the seeded synthetic ensemble.

    Member ``m`` is the same series as ``make_inflows`` gives for ``kind: synthetic, member: m`` with
    the same seed (default: the scenario's), and the same whatever ``n_members`` is.
    """
    spec = scenario.hydrology
    seed = spec.seed if seed is None else seed
    model = scenario_model(scenario)
    months = _months(start, end)
    first_year = int(months[0].year)
    n_years = int(months[-1].year) - first_year + 1
    flows = synthetic_components(model, n_years, seed, range(n_members))
    site_flows = apply_climate(model.layout.to_sites(flows), spec.climate, scenario.file)
    full = pd.date_range(f"{first_year}-01-01", periods=n_years * 12, freq="MS")
    data = site_flows.reshape(n_members, n_years * 12, -1)[:, full.isin(months)]
    label = f"synthetic (seed {seed})" + (" + climate shift" if spec.label.endswith("climate shift") else "")
    return _to_dataarray(
        data, months, model.layout.sites, {"units": "m3/s", "label": model.variability_label, "hydrology": label}
    )


def sample_ensemble(source: Scenario | Dataset, years: int, seed: int, start_year: int = 2000) -> xr.DataArray:
    """One long synthetic series ``(time, site)`` of ``years`` consecutive years from January ``start_year``.

    Long series (10,000 years) use second-resolution timestamps, so years beyond 2262 are fine.
    The scenario's climate shift is applied when a Scenario is given.
    """
    model = scenario_model(source)
    flows = synthetic_components(model, years, seed, [0])[0]
    site_flows = model.layout.to_sites(flows)
    hydrology = f"synthetic {years} years (seed {seed})"
    if isinstance(source, Scenario):
        site_flows = apply_climate(site_flows, source.hydrology.climate, source.file)
        if source.hydrology.label.endswith("climate shift"):
            hydrology += " + climate shift"
    times = pd.DatetimeIndex(month_starts(start_year, years * 12))
    return _to_dataarray(
        site_flows.reshape(years * 12, -1),
        times,
        model.layout.sites,
        {"units": "m3/s", "label": model.variability_label, "hydrology": hydrology},
    )
