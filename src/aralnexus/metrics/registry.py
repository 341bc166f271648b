"""The metric registry: each planner metric is one function on the labelled solution, declared once.

In the spirit of PyPSA's ``n.statistics``: a metric has a name, a unit, an aggregation (how its
values combine over years, e.g. in a comparison's horizon totals) and a description, and a function
``f(solution, definitions) -> xarray.DataArray``. The result's dimensions are ``country`` (or none,
for pair- and system-wide metrics), then ``year`` (calendar year, or winter start year for winter
metrics) or nothing for horizon-wide figures; a leading ``member`` dimension of the solution is
kept. :func:`compute` evaluates metrics and :func:`metric_rows` turns them into the long
``country, year, metric, value, unit`` rows the store keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions

#: How values of one metric combine over years: flows add up, levels and shares are averaged.
Aggregation = Literal["sum", "mean", "min", "max"]
#: What one value describes: a calendar year, a winter (labelled by its start year), the horizon, or a
#: calendar month (dimension ``time`` = the month's start; monthly series are read, not stored as rows).
Period = Literal["year", "winter", "horizon", "month"]
MetricFunction = Callable[[xr.Dataset, PlannerDefinitions], xr.DataArray]

METRIC_COLUMNS: tuple[str, ...] = ("country", "year", "metric", "value", "unit")


@dataclass(frozen=True)
class Metric:
    """One planner metric: its declaration and the function that computes it.

    A metric computed from something other than one solution (the trade projection, a second run)
    is *declared* here with ``function = None`` and ``computed_by`` naming the code that fills it,
    so that every figure a comparison or a view aggregates has one declared unit and aggregation.
    """

    name: str
    unit: str
    aggregation: Aggregation
    period: Period
    description: str
    function: MetricFunction | None
    computed_by: str = ""


REGISTRY: dict[str, Metric] = {}


def metric(
    name: str, unit: str, aggregation: Aggregation, period: Period, description: str
) -> Callable[[MetricFunction], MetricFunction]:
    """Register ``function`` as metric ``name`` (a decorator); a name can be registered once."""

    def register(function: MetricFunction) -> MetricFunction:
        if name in REGISTRY:
            msg = f"metric {name!r} is already defined in {REGISTRY[name].function.__module__}"
            raise ValueError(msg)
        REGISTRY[name] = Metric(name, unit, aggregation, period, description, function)
        return function

    return register


def declare(name: str, unit: str, aggregation: Aggregation, period: Period, description: str, computed_by: str) -> None:
    """Declare a metric that is not a function of one solution; ``computed_by`` names the code that fills it."""
    if name in REGISTRY:
        msg = f"metric {name!r} is already defined"
        raise ValueError(msg)
    REGISTRY[name] = Metric(name, unit, aggregation, period, description, None, computed_by)


def compute(
    solution: xr.Dataset, definitions: PlannerDefinitions, names: Iterable[str] | None = None
) -> dict[str, xr.DataArray]:
    """Evaluate the named metrics (default: every metric computed from a solution) on a solution."""
    wanted = [n for n, m in REGISTRY.items() if m.function is not None] if names is None else list(names)
    unknown = [n for n in wanted if n not in REGISTRY]
    if unknown:
        msg = f"unknown metric(s) {', '.join(unknown)}; defined: {', '.join(sorted(REGISTRY))}"
        raise KeyError(msg)
    out = {}
    for name in wanted:
        function = REGISTRY[name].function
        if function is None:
            msg = f"metric {name!r} is not computed from a solution: it is filled by {REGISTRY[name].computed_by}"
            raise KeyError(msg)
        out[name] = function(solution, definitions)
    return out


def aggregation_of(name: str) -> Aggregation:
    """Return how a metric's values combine over years (its declared aggregation).

    Raises
    ------
    KeyError
        If the metric is neither registered nor declared.
    """
    if name not in REGISTRY:
        msg = f"metric {name!r} is not declared in aralnexus.metrics (no aggregation to combine it with)"
        raise KeyError(msg)
    return REGISTRY[name].aggregation


def metric_arrays(values: dict[str, xr.DataArray], pair_label: str = "") -> dict[str, np.ndarray]:
    """Return the columns of :func:`metric_rows` as arrays: ``member, country, year, metric, value, unit``.

    ``year`` is float (NaN for horizon metrics), ``member`` 0 when the metrics have no member
    dimension. The cheap form for callers that build Arrow tables directly (ensemble workers).
    """
    columns: dict[str, list[np.ndarray]] = {c: [] for c in ("member", *METRIC_COLUMNS)}
    for name, array in values.items():
        dims = [d for d in ("member", "country", "year") if d in array.dims]
        extra = [d for d in array.dims if d not in dims]
        if extra:
            msg = f"metric {name!r} has dimensions {extra} besides member, country and year"
            raise ValueError(msg)
        data = np.asarray(array.variable.transpose(*dims).values, dtype=np.float64)
        grids = np.meshgrid(*[np.asarray(array[d].values) for d in dims], indexing="ij") if dims else []
        flat = dict(zip(dims, (g.ravel() for g in grids), strict=True))
        n = data.size
        columns["member"].append(flat.get("member", np.zeros(n, dtype=np.int64)))
        columns["country"].append(flat["country"].astype(str) if "country" in flat else np.full(n, pair_label))
        columns["year"].append(flat["year"].astype(np.float64) if "year" in flat else np.full(n, np.nan))
        columns["metric"].append(np.full(n, name, dtype=object))
        columns["value"].append(data.ravel())
        columns["unit"].append(np.full(n, REGISTRY[name].unit, dtype=object))
    return {c: np.concatenate(v) if v else np.zeros(0) for c, v in columns.items()}


def metric_rows(values: dict[str, xr.DataArray], pair_label: str = "") -> pd.DataFrame:
    """Return long rows ``[member,] country, year, metric, value, unit`` of computed metrics.

    A metric's element dimension (``country``, or a reservoir or river renamed to it) fills the
    ``country`` column; metrics without one are filed under ``pair_label`` (e.g. ``KG-TJ``), the
    bilateral pseudo-country. Horizon metrics have ``year = <NA>``.
    """
    if not values:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in METRIC_COLUMNS})
    has_member = any("member" in a.dims for a in values.values())
    out = pd.DataFrame(metric_arrays(values, pair_label))
    out["country"] = out["country"].astype(str)
    out["year"] = out["year"].astype("Int64")
    out["value"] = out["value"].astype("float64")
    return out if has_member else out.drop(columns="member")


def describe() -> pd.DataFrame:
    """Return the registry as a table: ``metric, unit, aggregation, period, description``."""
    return pd.DataFrame(
        [(m.name, m.unit, m.aggregation, m.period, m.description) for m in REGISTRY.values()],
        columns=["metric", "unit", "aggregation", "period", "description"],
    )
