"""Small synthetic but realistic results, for tests, documentation and demos of the store and report.

The numbers are shaped like a KG–TJ monthly run (seasonal storage, winter deficits, CASA-1000
summer exports) but are **synthetic**: they come from no dataset and no model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aralnexus.data.dataset import load_default
from aralnexus.data.definitions import PlannerDefinitions, planner_definitions
from aralnexus.metrics import compute, headline_rows, member_summary, metric_rows
from aralnexus.metrics.tables import solution_from_tables
from aralnexus.results import Convergence, Results
from aralnexus.results import tables as rt
from aralnexus.store.records import RunRecord
from aralnexus.units import (
    HM3_PER_M3S_HOUR,
    HOURS_PER_DAY,
    HOURS_PER_YEAR,
    MWH_PER_TWH,
    RHO_G_MW_PER_M3S_M,
    THOUSAND_M3_PER_HM3,
    USD_PER_MUSD,
)

#: plant → (country, river, capacity_mw, storage_min_hm3, storage_max_hm3, level_min_m, level_max_m, head_m)
_PLANTS: dict[str, tuple[str, str, float, float, float, float, float, float]] = {
    "toktogul": ("KG", "naryn", 1200.0, 5500.0, 19500.0, 830.0, 900.0, 160.0),
    "kambarata_2": ("KG", "naryn", 120.0, 0.0, 0.0, 0.0, 0.0, 60.0),
    "nurek": ("TJ", "vakhsh", 3000.0, 4500.0, 10500.0, 857.0, 910.0, 250.0),
    "rogun": ("TJ", "vakhsh", 1200.0, 500.0, 3500.0, 1060.0, 1100.0, 180.0),
}
_BLOCKS = (("peak", 0.25, 1.25), ("shoulder", 0.45, 1.0), ("offpeak", 0.30, 0.83))
_LINKS = (  # link, from, to, capacity_mw, months, tariff_usd_per_mwh
    ("kg_tj", "KG", "TJ", 500.0, range(1, 13), 0.0),
    ("casa1000_pk", "TJ", "PK", 1000.0, range(5, 10), 52.0),
    ("kg_kz", "KG", "KZ", 700.0, range(1, 13), 35.0),
)
_DEMAND_TWH = {"KG": 16.5, "TJ": 22.0}


def _calendar(start_year: int, years: int) -> pd.DataFrame:
    months = pd.date_range(f"{start_year}-01-01", periods=12 * years, freq="MS")
    stage = np.repeat(np.arange(len(months)), len(_BLOCKS))
    block = np.tile([b for b, _, _ in _BLOCKS], len(months))
    share = np.tile([s for _, s, _ in _BLOCKS], len(months))
    hours = months.days_in_month.to_numpy()[stage] * HOURS_PER_DAY * share
    time = months[stage]
    return pd.DataFrame(
        {
            "step": np.arange(len(stage)),
            "time": time,
            "year": time.year,
            "month": time.month,
            "block": block,
            "duration_h": hours,
            "load_factor": np.tile([f for _, _, f in _BLOCKS], len(months)),
            "stage": stage,
        }
    )


def _seasonal(month: np.ndarray, phase: float) -> np.ndarray:
    return np.sin(2 * np.pi * (month - phase) / 12.0)


def sample_results(start_year: int = 2025, years: int = 2, seed: int = 0) -> Results:
    """Return a synthetic :class:`Results`: KG and TJ, four plants, three links, monthly load blocks."""
    rng = np.random.default_rng(seed)
    cal = _calendar(start_year, years)
    month = cal["month"].to_numpy()
    trend = (cal["year"].to_numpy() - start_year) / max(years - 1, 1)
    time_cols = cal[list(rt.TIME_COLUMNS)]
    plant_rows, res_rows = [], []
    for plant, (country, river, cap, smin, smax, lmin, lmax, head) in _PLANTS.items():
        base_m3s = 350.0 if river == "naryn" else 600.0
        flow = base_m3s * (1.0 + 0.8 * _seasonal(month, 3.0)) + rng.normal(0, 10, len(cal))
        turbined = np.clip(flow * (1.0 - 0.3 * _seasonal(month, 3.0)), 50.0, None)
        spilled = np.where(month == 7, 40.0, 0.0)
        fill = 0.55 + 0.35 * _seasonal(month, 5.0)
        storage = smin + (smax - smin) * fill
        level = lmin + (lmax - lmin) * fill if smax > 0 else np.zeros(len(cal))
        power = np.minimum(RHO_G_MW_PER_M3S_M * 0.9 * turbined * head, cap * 0.95) * cal["load_factor"].to_numpy()
        plant_rows.append(
            time_cols.assign(
                plant=plant,
                country=country,
                river=river,
                turbined_m3s=turbined,
                spilled_m3s=spilled,
                inflow_m3s=flow,
                storage_hm3=storage,
                level_m=level,
                head_m=head,
                power_mw=power,
                energy_mwh=power * cal["duration_h"].to_numpy(),
                capacity_mw=cap,
            )
        )
        if smax > 0:
            stages = cal.drop_duplicates("stage")
            m = stages["month"].to_numpy()
            f = 0.55 + 0.35 * _seasonal(m, 5.0)
            value_mwh = 25.0 + 15.0 * _seasonal(m, 0.0) ** 2 + 10.0 * (m <= 3)
            res_rows.append(
                pd.DataFrame(
                    {
                        "time": stages["time"].to_numpy(),
                        "year": stages["year"].to_numpy(),
                        "month": m,
                        "plant": plant,
                        "storage_hm3": smin + (smax - smin) * f,
                        "storage_min_hm3": smin,
                        "storage_max_hm3": smax,
                        "level_m": lmin + (lmax - lmin) * f,
                        "level_min_m": lmin,
                        "level_max_m": lmax,
                        "water_value_usd_per_mwh": value_mwh,
                        "water_value_usd_per_1000m3": value_mwh
                        * RHO_G_MW_PER_M3S_M
                        * 0.9
                        * head
                        / (THOUSAND_M3_PER_HM3 * HM3_PER_M3S_HOUR),
                    }
                )
            )
    plants = pd.concat(plant_rows, ignore_index=True)[list(rt.PLANT_COLUMNS)]
    reservoirs = pd.concat(res_rows, ignore_index=True)[list(rt.RESERVOIR_COLUMNS)]

    hydro = plants.groupby(["step", "country"])["energy_mwh"].sum().unstack()
    country_rows, link_rows = [], []
    winter = np.isin(month, (10, 11, 12, 1, 2, 3))
    for country, annual in _DEMAND_TWH.items():
        demand = annual * MWH_PER_TWH / HOURS_PER_YEAR * cal["duration_h"].to_numpy() * cal["load_factor"].to_numpy()
        demand = demand * (1.0 + 0.25 * winter)
        h = hydro[country].to_numpy()
        thermal = np.where(winter, 0.08 * (1.0 + 2.0 * trend) * demand, 0.02 * demand)  # new winter capacity
        gap = demand - h - thermal
        unserved = np.clip(gap, 0.0, None) * 0.3 * (1.0 - 0.6 * trend)
        imports = np.clip(gap, 0.0, None) - unserved
        exports = np.clip(-gap, 0.0, None)
        country_rows.append(
            time_cols.assign(
                country=country,
                demand_mwh=demand,
                served_mwh=demand - unserved,
                unserved_mwh=unserved,
                hydro_mwh=h,
                thermal_mwh=thermal,
                imports_mwh=imports,
                exports_mwh=exports,
                price_usd_per_mwh=np.where(winter, 60.0, 25.0) + rng.normal(0, 1, len(cal)),
            )
        )
    for link, src, dst, cap, months, tariff in _LINKS:
        open_ = np.isin(month, list(months)) & ((link != "casa1000_pk") | (cal["time"] >= f"{start_year}-05-01"))
        flow = np.where(open_, cap * (0.7 + 0.2 * _seasonal(month, 4.0)), 0.0)
        if link == "kg_tj":
            flow = flow * np.where(winter, -0.3, 0.4)
        energy = flow * cal["duration_h"].to_numpy()
        link_rows.append(
            time_cols.assign(
                link=link,
                from_country=src,
                to_country=dst,
                flow_mw=flow,
                energy_mwh=energy,
                capacity_mw=np.where(open_, cap, 0.0),
                revenue_usd=np.clip(energy, 0.0, None) * tariff,
            )
        )
    countries = pd.concat(country_rows, ignore_index=True)[list(rt.COUNTRY_COLUMNS)]
    links = pd.concat(link_rows, ignore_index=True)[list(rt.LINK_COLUMNS)]

    stages = cal.drop_duplicates("stage")
    required = np.where(np.isin(stages["month"].to_numpy(), (4, 5, 6, 7, 8, 9)), 500.0, 250.0)
    releases = pd.DataFrame(
        {
            "time": stages["time"].to_numpy(),
            "year": stages["year"].to_numpy(),
            "month": stages["month"].to_numpy(),
            "point": "toktogul",
            "agreement": "irrigation",
            "required_m3s": required,
            "released_m3s": required + 20.0,
            "shortfall_m3s": 0.0,
            "shortfall_cost_usd": 0.0,
        }
    )
    objective = pd.DataFrame(
        {"term": ["export_revenue", "thermal_cost", "unserved_penalty", "terminal_water_value"]}
    ).assign(value_musd=[float(links["revenue_usd"].sum() / USD_PER_MUSD), -180.0, -95.0, 310.0])
    violations = pd.DataFrame(
        [("minimum release", "toktogul", f"{start_year}-08", 12.5 * HM3_PER_M3S_HOUR * 744, "hm3")],
        columns=list(rt.VIOLATION_COLUMNS),
    )
    return Results(
        plants=plants,
        countries=countries,
        links=links,
        reservoirs=reservoirs,
        releases=releases,
        objective=objective,
        violations=violations,
        convergence=Convergence("head", 4, 0.3, 0.5, True),
        solve_seconds=1.25,
        metadata={"solver": "synthetic", "note": "sample data, not a model run"},
    )


def sample_definitions() -> PlannerDefinitions:
    """Return the planner definitions the sample uses (the default dataset's)."""
    return planner_definitions(load_default())


def sample_summary(results: Results) -> dict[str, float | int | None]:
    """Return an ensemble member's ``members`` summary of ``results`` (the metric layer on its tables)."""
    return member_summary(solution_from_tables(results, load_default()), sample_definitions())


def sample_metrics(results: Results) -> pd.DataFrame:
    """Return pathway-style metrics (country, year, metric, value, unit) from ``results``, headline rows included.

    The winter deficit, unserved, exports and revenue rows are simple stand-ins; the CASA-1000 rows and
    the horizon rows (``year`` NA) are the metric layer's, on the tables (:mod:`aralnexus.metrics`).
    """
    c = results.countries.assign(winter=results.countries["month"].isin((10, 11, 12, 1, 2, 3)))
    c = c.assign(winter_gap_mwh=(c["imports_mwh"] + c["unserved_mwh"]) * c["winter"])
    by = c.groupby(["country", "year"], as_index=False).agg(
        winter_deficit_twh=("winter_gap_mwh", "sum"),
        unserved_twh=("unserved_mwh", "sum"),
        exports_twh=("exports_mwh", "sum"),
    )
    for col in ("winter_deficit_twh", "unserved_twh", "exports_twh"):
        by[col] = by[col] / MWH_PER_TWH
    rev = results.links[results.links["link"] == "casa1000_pk"].groupby("year")["revenue_usd"].sum() / USD_PER_MUSD
    by["export_revenue_musd"] = np.where(by["country"] == "TJ", by["year"].map(rev).fillna(0.0), 0.0)
    long = by.melt(id_vars=["country", "year"], var_name="metric", value_name="value")
    long["unit"] = long["metric"].map(
        {"winter_deficit_twh": "TWh", "unserved_twh": "TWh", "exports_twh": "TWh", "export_revenue_musd": "US$ million"}
    )
    solution = solution_from_tables(results, load_default())
    casa = metric_rows(compute(solution, sample_definitions(), ["exports_casa_twh", "export_revenue_casa_musd"]))
    headline = headline_rows(solution, sample_definitions())
    return pd.concat([long, casa, headline], ignore_index=True)


def sample_trade(start_year: int = 2025, end_year: int = 2030) -> pd.DataFrame:
    """Return bilateral trade like ``aralnexus.pathways.trade``: observed to 2024, then projected.

    Columns ``year, direction, product_group, value_musd, kind``; a year's turnover is the sum
    of its rows.
    """
    observed = pd.DataFrame({"year": range(2019, 2025), "total": [8.0, 6.5, 9.0, 10.2, 11.4, 12.2]})
    years = np.arange(start_year, end_year + 1)
    projected = pd.DataFrame({"year": years, "total": 12.2 * 1.15 ** (years - 2024) + 40.0 * (years - 2024)})
    total = pd.concat([observed.assign(kind="observed"), projected.assign(kind="projected")], ignore_index=True)
    parts = [
        total.assign(direction="KG_to_TJ", product_group="food", value_musd=total["total"] * 0.35),
        total.assign(direction="TJ_to_KG", product_group="minerals", value_musd=total["total"] * 0.55),
        total.assign(direction="KG_to_TJ", product_group="electricity", value_musd=total["total"] * 0.10),
    ]
    out = pd.concat(parts, ignore_index=True)[["year", "direction", "product_group", "value_musd", "kind"]]
    return out.sort_values(["year", "direction", "product_group"]).reset_index(drop=True)


def sample_record(name: str = "sample", seed: int = 42, **changes: object) -> RunRecord:
    """Return a :class:`RunRecord` for the sample results (``changes`` override fields)."""
    sources = pd.DataFrame(
        [
            ("plants", "toktogul", "capacity_mw", "1200", "sourced", "NAR-001 https://example.org/toktogul", ""),
            ("links", "casa1000", "capacity_mw", "1300", "sourced", "XB-001 en.wikipedia.org/wiki/CASA-1000", ""),
            ("inflow_monthly", "toktogul_inflow/7", "mean_m3s", "1100", "derived", "HYD-003", "scaled"),
            ("countries", "KG", "voll_usd_per_mwh", "500", "assumption", "", "planning value"),
        ],
        columns=["table", "element", "attribute", "value", "kind", "source", "note"],
    )
    fields: dict[str, object] = {
        "scenario_name": name,
        "scenario_hash": "f" * 64 if name == "sample" else name.encode().hex().ljust(64, "0")[:64],
        "scenario_file": f"{name}.yaml",
        "seed": seed,
        "hydrology": "median",
        "start": "2025-01",
        "end": "2026-12",
        "description": "Synthetic sample run for tests and demos.",
        "overrides": (("links.casa1000.start", "2027-05", "2025-05"),),
        "sources": sources,
    }
    fields.update(changes)
    return RunRecord(**fields)  # type: ignore[arg-type]
