"""The labelled solution rebuilt from tidy tables (a stored run, or Results built by hand).

:func:`solution_from_tables` is the inverse of :func:`aralnexus.results.solution.results_view` for
everything the tables hold. What they do not hold comes from the dataset when given (plant names
and downstream plants, link losses, tariffs and partner prices, as
:func:`aralnexus.system.network.build_links` sets them) and is otherwise neutral (no loss, no
price). Artificial water (``water_deficit_hm3``) is not stored: it is zero here, and a stored run's
violations are read from its ``violations`` table. ``aralnexus results export --format netcdf``
writes this Dataset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.data.dataset import Dataset
from aralnexus.results.solution import VARIABLE_DIMS, convergence_attrs
from aralnexus.results.tables import Results


def _grid(table: pd.DataFrame, index: str, column: str, value: str, rows: pd.Index, cols: pd.Index) -> np.ndarray:
    if table.empty or value not in table.columns:
        return np.full((len(rows), len(cols)), np.nan)
    wide = table.pivot_table(index=index, columns=column, values=value, aggfunc="first")
    return wide.reindex(index=rows, columns=cols).to_numpy(dtype=np.float64)


def _link_attributes(links: pd.DataFrame, dataset: Dataset | None) -> dict[str, np.ndarray]:
    ids = links["link"].astype(str).to_numpy()
    n_l = len(ids)
    if dataset is None:
        nan = np.full(n_l, np.nan)
        return {"efficiency": np.ones(n_l), "tariff": nan, "export": nan, "import": nan}
    table = dataset.links.set_index("link").reindex(ids)
    prices = dataset.countries.set_index("country")
    detailed = set(dataset.countries.loc[dataset.countries["role"] == "detailed", "country"].astype(str))
    src, dst = links["from_country"].astype(str).to_numpy(), links["to_country"].astype(str).to_numpy()
    partner = np.where(np.isin(src, list(detailed)), dst, src)
    has_partner = ~(np.isin(src, list(detailed)) & np.isin(dst, list(detailed)))
    tariff = pd.to_numeric(table["tariff_usd_per_mwh"], errors="coerce").to_numpy(dtype=np.float64)
    sells = prices["export_price_usd_per_mwh"].reindex(partner).to_numpy(dtype=np.float64)
    buys = prices["import_price_usd_per_mwh"].reindex(partner).to_numpy(dtype=np.float64)
    return {
        "efficiency": 1.0 - pd.to_numeric(table["loss_pct"], errors="coerce").fillna(0.0).to_numpy() / 100.0,
        "tariff": tariff,
        "export": np.where(has_partner, np.where(np.isnan(tariff), sells, tariff), np.nan),
        "import": np.where(has_partner, buys, np.nan),
    }


def _thermal_in_service_mw(steps: pd.DataFrame, countries: pd.Index, dataset: Dataset | None) -> np.ndarray:
    """Nameplate thermal capacity in service per step and country (NaN without a dataset)."""
    if dataset is None:
        return np.full((len(steps), len(countries)), np.nan)
    thermal = dataset.thermal
    month = pd.to_datetime(steps["time"]).dt.strftime("%Y-%m").to_numpy()
    start = thermal["in_service"].fillna("").astype(str).to_numpy()
    active = (start[None, :] == "") | (start[None, :] <= month[:, None])  # (T, G)
    mw = active * pd.to_numeric(thermal["capacity_mw"], errors="coerce").fillna(0.0).to_numpy()[None, :]
    owner = thermal["country"].astype(str).to_numpy()
    return np.stack([mw[:, owner == c].sum(axis=1) for c in countries], axis=1) if len(countries) else mw[:, :0]


def solution_from_tables(results: Results, dataset: Dataset | None = None) -> xr.Dataset:
    """Return the labelled solution of tidy result tables (see the module notes)."""
    c, p, lk, r, rel = results.countries, results.plants, results.links, results.reservoirs, results.releases
    time_source = c if not c.empty else p
    steps = time_source.drop_duplicates("step").sort_values("step")
    step_index = pd.Index(steps["step"].astype(np.int64))
    stage_times = pd.Index(sorted(pd.to_datetime(steps["time"]).unique()))
    step_stage = stage_times.get_indexer(pd.DatetimeIndex(pd.to_datetime(steps["time"])))
    durations = steps["duration_h"].to_numpy(dtype=np.float64)
    plants = pd.Index(pd.unique(p["plant"].astype(str))) if not p.empty else pd.Index([], dtype=object)
    first = p.drop_duplicates("plant").set_index("plant") if not p.empty else pd.DataFrame()
    info = dataset.plants.set_index("plant") if dataset is not None else pd.DataFrame()
    names = [str(info["name"].get(x, x)) if "name" in info else x for x in plants]
    rated = (
        pd.to_numeric(info["rated_head_m"], errors="coerce").reindex(plants).to_numpy(dtype=np.float64)
        if "rated_head_m" in info
        else np.full(len(plants), np.nan)
    )
    down = [str(info["downstream"].get(x, "") or "") if "downstream" in info else "" for x in plants]
    countries = pd.Index(pd.unique(c["country"].astype(str))) if not c.empty else pd.Index([], dtype=object)
    link_rows = (
        lk.drop_duplicates("link") if not lk.empty else pd.DataFrame(columns=["link", "from_country", "to_country"])
    )
    link_ids = pd.Index(link_rows["link"].astype(str))
    attributes = _link_attributes(link_rows, dataset)
    stage_of = {t: i for i, t in enumerate(stage_times)}
    p_stage = p.assign(stage=pd.to_datetime(p["time"]).map(stage_of)) if not p.empty else p
    res_stage = r.assign(stage=pd.to_datetime(r["time"]).map(stage_of)) if not r.empty else r
    stages = pd.Index(range(len(stage_times)))
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for name, dims in VARIABLE_DIMS.items():
        if dims == ("step", "plant"):
            data[name] = (dims, _grid(p, "step", "plant", name, step_index, plants))
        elif dims == ("stage", "plant") and name in ("inflow_m3s", "spilled_m3s", "head_m"):
            data[name] = (dims, _grid(p_stage, "stage", "plant", name, stages, plants))
        elif dims == ("stage", "plant") and name == "water_deficit_hm3":
            data[name] = (dims, np.zeros((len(stages), len(plants))))
        elif dims == ("stage", "plant"):  # the reservoirs table where it has the value, else the plants table
            grid = _grid(res_stage, "stage", "plant", name, stages, plants)
            if name in p.columns:
                grid = np.where(np.isnan(grid), _grid(p_stage, "stage", "plant", name, stages, plants), grid)
            data[name] = (dims, grid)
        elif dims == ("step", "country"):
            data[name] = (dims, _grid(c, "step", "country", name, step_index, countries))
    signed = _grid(lk, "step", "link", "flow_mw", step_index, link_ids)
    data["flow_fwd_mw"] = (("step", "link"), np.clip(np.nan_to_num(signed), 0.0, None))
    data["flow_bwd_mw"] = (("step", "link"), np.clip(-np.nan_to_num(signed), 0.0, None))
    data["link_capacity_mw"] = (("step", "link"), _grid(lk, "step", "link", "capacity_mw", step_index, link_ids))
    data["link_revenue_usd"] = (("step", "link"), _grid(lk, "step", "link", "revenue_usd", step_index, link_ids))
    data["market_value_usd"] = (("step", "link"), _grid(lk, "step", "link", "market_value_usd", step_index, link_ids))
    for name in ("required_m3s", "released_m3s", "shortfall_m3s", "shortfall_cost_usd"):
        data[name] = (("release",), rel[name].to_numpy(dtype=np.float64) if not rel.empty else np.zeros(0))
    data["objective_musd"] = (("term",), results.objective["value_musd"].to_numpy(dtype=np.float64))
    stage_steps = pd.DataFrame({"stage": step_stage, "h": durations}).groupby("stage")["h"].sum()
    is_res = np.isin(plants.to_numpy(), r["plant"].astype(str).unique()) if not r.empty else np.zeros(len(plants), bool)
    coords = {
        "step": step_index.to_numpy(),
        "time": ("step", pd.to_datetime(steps["time"]).to_numpy(dtype="datetime64[ns]")),
        "year": ("step", steps["year"].to_numpy(dtype=np.int64)),
        "month": ("step", steps["month"].to_numpy(dtype=np.int64)),
        "block": ("step", steps["block"].astype(str).to_numpy(dtype=object)),
        "duration_h": ("step", durations),
        "step_stage": ("step", step_stage.astype(np.int64)),
        "stage": stages.to_numpy(),
        "stage_time": ("stage", stage_times.to_numpy(dtype="datetime64[ns]")),
        "stage_year": ("stage", stage_times.year.to_numpy(dtype=np.int64)),
        "stage_month": ("stage", stage_times.month.to_numpy(dtype=np.int64)),
        "stage_hours": ("stage", stage_steps.reindex(stages, fill_value=0.0).to_numpy(dtype=np.float64)),
        "plant": plants.to_numpy(dtype=object),
        "plant_name": ("plant", np.array(names, dtype=object)),
        "plant_country": ("plant", first["country"].reindex(plants).astype(str).to_numpy(dtype=object)),
        "river": ("plant", first["river"].reindex(plants).astype(str).to_numpy(dtype=object)),
        "downstream": ("plant", np.array(down, dtype=object)),
        "is_reservoir": ("plant", np.asarray(is_res, dtype=bool)),
        "rated_head_m": ("plant", rated),
        "country": countries.to_numpy(dtype=object),
        "thermal_capacity_mw": (("step", "country"), _thermal_in_service_mw(steps, countries, dataset)),
        "link": link_ids.to_numpy(dtype=object),
        "from_country": ("link", link_rows["from_country"].astype(str).to_numpy(dtype=object)),
        "to_country": ("link", link_rows["to_country"].astype(str).to_numpy(dtype=object)),
        "efficiency": ("link", attributes["efficiency"]),
        "tariff_usd_per_mwh": ("link", attributes["tariff"]),
        "export_price_usd_per_mwh": ("link", attributes["export"]),
        "import_price_usd_per_mwh": ("link", attributes["import"]),
        "release": np.arange(len(rel), dtype=np.int64),
        "point": ("release", rel["point"].astype(str).to_numpy(dtype=object) if len(rel) else np.zeros(0, object)),
        "agreement": (
            "release",
            rel["agreement"].astype(str).to_numpy(dtype=object) if len(rel) else np.zeros(0, object),
        ),
        "release_stage": (
            "release",
            pd.to_datetime(rel["time"]).map(stage_of).to_numpy(dtype=np.int64) if len(rel) else np.zeros(0, np.int64),
        ),
        "term": results.objective["term"].astype(str).to_numpy(dtype=object),
    }
    attrs = convergence_attrs(results.convergence, results.solve_seconds, dict(results.metadata))
    return xr.Dataset(data, coords=coords, attrs=attrs)
