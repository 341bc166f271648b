"""Fidelity targets: how close the model comes to what happened, one figure per target.

- ``generation`` / ``imports`` / ``exports``: mean absolute error (%) of the published national
  figures (totals and per partner) on the validation years (2023–2025), target ≤ 10 %;
- ``plant-<id>``: mean generation of each of the ten largest plants (by capacity) that have a
  published long-run mean and are fully built through the replay, over the replayed years,
  against that mean; target within ±10 % each. ``in_sample`` names the plant's input cells derived
  from that same mean (``no`` if none): for those plants the figure is not an independent check.
  The means are not in the calibration objective (:mod:`aralnexus.backtest.calibrate`);
- ``toktogul-rms``: RMS difference (km3) between modelled and observed Toktogul volumes at every
  observation date of the replay; target ≤ 1.5 km3;
- ``cv-<series>``: coefficient of variation of the synthetic annual volumes (2,000 years) against
  the observed water-year volumes of the dataset's record; target within ±20 % of the observed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from aralnexus.backtest import BacktestResult
from aralnexus.backtest.compare import group_errors
from aralnexus.data.dataset import Dataset
from aralnexus.hydrology.stats import annual_volumes_km3

#: Calendar years the uncertain parameters are fitted on, and the years they are checked on.
FIT_YEARS: tuple[int, int] = (2019, 2022)
VALIDATION_YEARS: tuple[int, int] = (2023, 2025)
NATIONAL_TARGET_PCT = 10.0
PLANT_TARGET_PCT = 10.0
TOKTOGUL_TARGET_KM3 = 1.5
CV_TARGET_PCT = 20.0
SYNTHETIC_YEARS = 2_000
N_PLANTS = 10


def errors_in_years(result: BacktestResult, years: tuple[int, int]) -> pd.DataFrame:
    """Return the errors per group (:func:`~aralnexus.backtest.compare.group_errors`) of the rows in ``years``."""
    table = result.table
    return group_errors(table[(table["year"] >= years[0]) & (table["year"] <= years[1])])


#: Share of its full capacity a plant must have in service for its published long-run mean to apply
#: (excludes plants being built, e.g. Rogun with 2 of 6 units; keeps rehabilitations such as Nurek).
BUILT_SHARE = 0.75


def largest_plants(dataset: Dataset, first_year: int, n: int = N_PLANTS) -> list[str]:
    """Return the ``n`` largest plants (capacity) with a published mean, essentially built by ``first_year``.

    "Essentially built": in service with at least :data:`BUILT_SHARE` of the full capacity.
    """
    plants = dataset.plants.dropna(subset=["mean_generation_twh"])
    plants = plants[plants["in_service"].astype(str).str[:4].replace("", "9999").astype(int) <= first_year]
    sched = dataset.plant_schedule
    full: list[str] = []
    for row in plants.sort_values("capacity_mw", ascending=False).to_dict(orient="records"):
        rows = sched[(sched["plant"] == row["plant"]) & (sched["date"].astype(str) <= f"{first_year}-01")]
        built = rows.empty or float(rows.sort_values("date")["capacity_mw"].iloc[-1]) >= BUILT_SHARE * float(
            row["capacity_mw"]
        )
        if built:
            full.append(str(row["plant"]))
    return full[:n]


def _fact_ids(source: str) -> set[str]:
    """Return the fact ids of a ``sources.csv`` source cell (``"NAR-026 https://…; HN-001 https://…"``)."""
    return {part.split()[0] for part in source.split(";") if part.strip()}


def mean_derived_cells(dataset: Dataset, plant: str) -> list[str]:
    """Return the plant's input cells derived from its own published long-run mean.

    A cell counts when its ``sources.csv`` row cites the fact of the plant's ``mean_generation_twh``
    and it acts on the plant: a cell of the plant's ``plants.csv`` row, or a withdrawal at its
    headpond. Such a plant's long-run mean is **in-sample**: a head derived as E/(g·η·Q) from the
    mean gives the mean back at that flow. Names are ``table.attribute`` (``plants.rated_head_m``).
    """
    src = dataset.sources
    mean_row = src[(src["table"] == "plants") & (src["element"] == plant) & (src["attribute"] == "mean_generation_twh")]
    if mean_row.empty:
        return []
    ids = _fact_ids(str(mean_row["source"].iloc[0]))
    point = src["element"].str.split("/").str[0]
    acting = ((src["table"] == "plants") & (src["element"] == plant) & (src["attribute"] != "mean_generation_twh")) | (
        (src["table"] == "withdrawals") & (point == plant)
    )
    cells = {
        f"{row['table']}.{row['attribute']}"
        for row in src[acting].to_dict(orient="records")
        if ids & _fact_ids(str(row["source"]))
    }
    return sorted(cells)


def plant_means(result: BacktestResult, dataset: Dataset) -> pd.DataFrame:
    """Return the mean annual generation (TWh) of the largest plants over the replay against the published mean.

    ``in_sample`` lists the plant's cells derived from that mean (:func:`mean_derived_cells`), empty if none.
    """
    m = result.replay.metrics
    generation = m[m["metric"] == "plant_generation_twh"]  # the registered metric, per plant and year
    years = result.end - result.start + 1
    published = dataset.plants.set_index("plant")["mean_generation_twh"]
    rows = []
    for plant in largest_plants(dataset, result.start):
        model = float(generation.loc[generation["country"] == plant, "value"].sum()) / years
        pub = float(published[plant])
        rows.append(
            {
                "plant": plant,
                "published_twh": pub,
                "model_twh": model,
                "error_pct": (model / pub - 1) * 100,
                "in_sample": ",".join(mean_derived_cells(dataset, plant)),
            }
        )
    return pd.DataFrame(rows, columns=["plant", "published_twh", "model_twh", "error_pct", "in_sample"])


def synthetic_cv(dataset: Dataset, seed: int = 42, years: int = SYNTHETIC_YEARS) -> dict[str, float]:
    """Return the CV of the synthetic annual volumes per base series (component) of the dataset's generator."""
    from aralnexus.hydrology import build_inflow_model
    from aralnexus.hydrology.inflows import synthetic_components

    model = build_inflow_model(dataset)
    flows = synthetic_components(model, years, seed, [0])[0]
    volumes = annual_volumes_km3(flows)
    cv = volumes.std(axis=0, ddof=1) / volumes.mean(axis=0)
    return {str(c): float(cv[i]) for i, c in enumerate(model.layout.components)}


def observed_cv(dataset: Dataset) -> dict[str, float]:
    """Return the CV of the observed water-year volumes per series (``observed_inflow``)."""
    obs = dataset.observed_inflow
    obs = obs[obs["series"].astype(str) != ""]
    out: dict[str, float] = {}
    for series, group in obs.groupby("series"):
        v = group["volume_km3"].astype(float)
        out[str(series)] = float(v.std(ddof=1) / v.mean())
    return out


def fidelity_cases(result: BacktestResult, dataset: Dataset) -> list[dict[str, Any]]:
    """One case per target figure: ``case, value, target, ok`` plus context keys."""
    cases: list[dict[str, Any]] = []
    check = {str(r["group"]): r for r in errors_in_years(result, VALIDATION_YEARS).to_dict(orient="records")}
    fit = {str(r["group"]): r for r in errors_in_years(result, FIT_YEARS).to_dict(orient="records")}
    for group in ("generation", "imports", "exports"):
        value = float(check[group]["mae_pct"]) if group in check else math.nan
        fitted = float(fit[group]["mae_pct"]) if group in fit else math.nan
        cases.append(
            {
                "case": f"fidelity-{group}",
                "value": value,
                "unit": "MAE%",
                "target": f"<={NATIONAL_TARGET_PCT:g}",
                "ok": bool(value <= NATIONAL_TARGET_PCT),
                "years": f"{VALIDATION_YEARS[0]}-{VALIDATION_YEARS[1]}",
                "n": int(check[group]["n"]) if group in check else 0,
                "fit_years_value": fitted,
            }
        )
    for row in plant_means(result, dataset).to_dict(orient="records"):
        err = float(row["error_pct"])
        cases.append(
            {
                "case": f"fidelity-plant-{row['plant']}",
                "value": err,
                "unit": "error%",
                "target": f"+-{PLANT_TARGET_PCT:g}",
                "ok": bool(abs(err) <= PLANT_TARGET_PCT),
                "model_twh": float(row["model_twh"]),
                "published_twh": float(row["published_twh"]),
                "in_sample": str(row["in_sample"]) or "no",
            }
        )
    tok = result.table[result.table["group"] == "toktogul"].dropna(subset=["model"])
    rms = float(np.sqrt(((tok["model"] - tok["published"]) ** 2).mean())) if not tok.empty else math.nan
    cases.append(
        {
            "case": "fidelity-toktogul-rms",
            "value": rms,
            "unit": "km3",
            "target": f"<={TOKTOGUL_TARGET_KM3:g}",
            "ok": bool(rms <= TOKTOGUL_TARGET_KM3),
            "n": len(tok),
        }
    )
    synthetic, observed = synthetic_cv(dataset), observed_cv(dataset)
    for series in sorted(set(synthetic) & set(observed)):
        off = (synthetic[series] / observed[series] - 1) * 100
        cases.append(
            {
                "case": f"fidelity-cv-{series}",
                "value": synthetic[series],
                "unit": "CV",
                "target": f"{observed[series]:.3f}+-{CV_TARGET_PCT:g}%",
                "ok": bool(abs(off) <= CV_TARGET_PCT),
                "observed": observed[series],
                "off_pct": off,
            }
        )
    return cases
