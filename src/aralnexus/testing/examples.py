"""Small synthetic datasets: hand-solvable cascades and random networks for tests and docs.

They have the same tables and columns as the default dataset (see
:data:`aralnexus.data.dataset.TABLE_SPECS`), so they go through the same code path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from aralnexus.data.dataset import TABLE_NAMES, TABLE_SPECS, Dataset


def _table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    _, specs = TABLE_SPECS[name]
    frame = pd.DataFrame(rows)
    for spec in specs:
        if spec.name not in frame.columns:
            frame[spec.name] = np.nan if spec.kind in {"float", "int"} else ("" if spec.kind != "bool" else False)
        elif spec.kind in {"float", "int"}:
            frame[spec.name] = pd.to_numeric(frame[spec.name]).astype("float64")
        elif spec.kind == "bool":
            frame[spec.name] = frame[spec.name].astype(bool)
        else:
            frame[spec.name] = frame[spec.name].fillna("").astype(str)
    return frame[[s.name for s in specs]].reset_index(drop=True)


def make_dataset(**tables: list[dict[str, Any]]) -> Dataset:
    """Return a :class:`Dataset` from rows per table; missing tables are empty, missing columns NaN.

    ``load_blocks`` defaults to a single flat block and ``demand_monthly`` to equal shares.
    """
    tables.setdefault("load_blocks", [{"block": "flat", "hours_share": 1.0, "load_factor": 1.0}])
    if "demand_monthly" not in tables:
        codes = [r["country"] for r in tables.get("countries", []) if r.get("role") == "detailed"]
        tables["demand_monthly"] = [{"country": c, "month": m, "share": 1 / 12} for c in codes for m in range(1, 13)]
    frames = {name: _table(name, tables.get(name, [])) for name in TABLE_NAMES}
    return Dataset(
        **frames, sources=pd.DataFrame(columns=["table", "element", "attribute", "value", "kind", "source", "note"])
    )


def plant_row(plant: str, **values: Any) -> dict[str, Any]:
    """Return a plants-table row with neutral defaults (fixed head 100 m, η = 0.9, in service 2000-01)."""
    row: dict[str, Any] = {
        "plant": plant,
        "name": plant,
        "country": "A",
        "river": "r",
        "downstream": "",
        "capacity_mw": 100.0,
        "units": 1,
        "turbine_max_m3s": 100.0,
        "efficiency": 0.9,
        "storage_dead_hm3": 0.0,
        "storage_full_hm3": 100.0,
        "storage_initial_hm3": 50.0,
        "rated_head_m": 100.0,
        "in_service": "2000-01",
    }
    row.update(values)
    return row


def random_dataset(seed: int, n_plants: int = 3, n_countries: int = 2, with_partner: bool = True) -> Dataset:
    """Return a random small network: a cascade (or tree) of plants, countries, thermal and links.

    Parameters
    ----------
    seed
        Seed of the generator.
    n_plants
        Number of hydro plants (a random tree draining to one or more outlets).
    n_countries
        Number of detailed countries (``A``, ``B``, …).
    with_partner
        Add a partner market ``M`` linked to the first country (with a tariff in May–September).
    """
    rng = np.random.default_rng(seed)
    codes = [chr(ord("A") + i) for i in range(n_countries)]
    plants = []
    for i in range(n_plants):
        down = f"p{int(rng.integers(i + 1, n_plants))}" if i < n_plants - 1 and rng.random() < 0.8 else ""
        full = float(rng.uniform(0, 2000))
        curve = rng.random() < 0.5
        plants.append(
            plant_row(
                f"p{i}",
                country=codes[int(rng.integers(n_countries))],
                downstream=down,
                capacity_mw=float(rng.uniform(20, 500)),
                turbine_max_m3s=float(rng.uniform(50, 400)),
                efficiency=float(rng.uniform(0.8, 0.93)),
                storage_dead_hm3=0.2 * full,
                storage_full_hm3=full,
                storage_initial_hm3=float(rng.uniform(0.2, 1.0)) * full,
                rated_head_m=float(rng.uniform(20, 200)),
                level_dead_m=100.0 if curve else np.nan,
                level_full_m=150.0 if curve else np.nan,
                curve_exponent=2.0 if curve else np.nan,
                tailwater_m=float(rng.uniform(10, 60)) if curve else np.nan,
                in_service="2000-01" if rng.random() < 0.8 else "2026-06",
            )
        )
    countries = [
        {
            "country": c,
            "name": c,
            "role": "detailed",
            "demand_base_twh": float(rng.uniform(0.5, 3.0)),
            "base_year": 2026,
            "demand_growth_pct_per_year": 2.0,
            "voll_usd_per_mwh": 1000.0,
        }
        for c in codes
    ]
    links = [
        {
            "link": f"l{i}",
            "name": f"l{i}",
            "from_country": codes[i],
            "to_country": codes[i + 1],
            "capacity_mw": float(rng.uniform(50, 300)),
            "loss_pct": float(rng.uniform(0, 5)),
            "months": "1-12",
            "start": "2000-01",
            "bidirectional": bool(rng.random() < 0.7),
        }
        for i in range(n_countries - 1)
    ]
    if with_partner:
        countries.append(
            {
                "country": "M",
                "name": "market",
                "role": "partner",
                "import_price_usd_per_mwh": 80.0,
                "export_price_usd_per_mwh": 30.0,
                "import_max_twh": 0.5,
            }
        )
        links.append(
            {
                "link": "casa",
                "name": "casa",
                "from_country": codes[0],
                "to_country": "M",
                "capacity_mw": 200.0,
                "loss_pct": 3.0,
                "months": "5-9",
                "start": "2026-03",
                "bidirectional": False,
                "tariff_usd_per_mwh": 50.0,
            }
        )
        links.append(
            {
                "link": "imp",
                "name": "imp",
                "from_country": "M",
                "to_country": codes[-1],
                "capacity_mw": 100.0,
                "loss_pct": 2.0,
                "months": "10-3",
                "start": "2000-01",
                "bidirectional": True,
            }
        )
    thermal = [
        {
            "plant": f"t{c}",
            "name": f"t{c}",
            "country": c,
            "capacity_mw": float(rng.uniform(0, 300)),
            "cost_usd_per_mwh": float(rng.uniform(20, 120)),
        }
        for c in codes
    ]
    sites = [
        {
            "site": f"s{i}",
            "river": "r",
            "plant": p["plant"],
            "kind": "lateral",
            "base_series": "base",
            "share": float(rng.uniform(0.1, 1.0)),
        }
        for i, p in enumerate(plants)
    ]
    shape = 1.0 + 0.8 * np.sin(np.arange(12) / 12 * 2 * np.pi - 1.5)
    inflow = [{"series": "base", "month": m + 1, "mean_m3s": float(100 * shape[m])} for m in range(12)]
    releases = [
        {
            "point": plants[-1]["plant"],
            "month": m,
            "min_release_m3s": float(rng.uniform(0, 50)),
            "agreement": "irrigation",
            "strict": False,
            "penalty_usd_per_hm3": 5000.0,
        }
        for m in (5, 6, 7, 8)
    ]
    shares, factors = (0.25, 0.45, 0.30), (1.3, 1.0, 0.75)
    total = sum(s * f for s, f in zip(shares, factors, strict=True))
    blocks: list[dict[str, Any]] = [
        {"block": b, "hours_share": s, "load_factor": f / total}
        for b, s, f in zip(("peak", "shoulder", "offpeak"), shares, factors, strict=True)
    ]
    return make_dataset(
        plants=plants,
        countries=countries,
        links=links,
        thermal=thermal,
        inflow_sites=sites,
        inflow_monthly=inflow,
        min_releases=releases,
        load_blocks=blocks,
        parameters=[
            {"name": "terminal_water_value_usd_per_mwh", "value": 25.0, "unit": "US$/MWh", "description": "test"}
        ],
    )
