"""The default dataset: it loads, every number has a source, and its shares and chains are consistent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from aralnexus.cli.app import app
from aralnexus.data.dataset import REFERENCE_PARAMETERS, TABLE_NAMES, TABLE_SPECS, Dataset, load_default

START = "2025-01"
DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return load_default()


def _element(row: pd.Series, keys: tuple[str, ...]) -> str:
    parts = []
    for key in keys:
        value = row[key]
        if isinstance(value, float) and value == int(value):
            value = int(value)
        parts.append(str(value))
    return "/".join(parts)


def _numeric_cells(ds: Dataset) -> set[tuple[str, str, str]]:
    cells = set()
    for name in TABLE_NAMES:
        keys, specs = TABLE_SPECS[name]
        frame = ds.table(name)
        numeric = [s.name for s in specs if s.kind in {"float", "int"} and s.name not in keys]
        for _, row in frame.iterrows():
            element = _element(row, keys)
            for column in numeric:
                if pd.notna(row[column]):
                    cells.add((name, element, column))
    return cells


def test_default_dataset_loads_every_table(ds: Dataset) -> None:
    for name in TABLE_NAMES:
        assert not ds.table(name).empty, name


def test_every_numeric_cell_has_exactly_one_source_row(ds: Dataset) -> None:
    src = ds.sources
    keys = list(zip(src["table"], src["element"], src["attribute"], strict=True))
    assert len(keys) == len(set(keys)), "duplicate source rows"
    assert set(keys) == _numeric_cells(ds)


def test_source_rows_match_the_table_values(ds: Dataset) -> None:
    for name in TABLE_NAMES:
        keys, _ = TABLE_SPECS[name]
        frame = ds.table(name)
        index = {_element(row, keys): row for _, row in frame.iterrows()}
        for rec in ds.sources[ds.sources["table"] == name].itertuples():
            assert float(index[rec.element][rec.attribute]) == pytest.approx(float(rec.value)), (name, rec.element)


def test_every_source_row_has_a_kind_and_a_traceable_source(ds: Dataset) -> None:
    src = ds.sources
    assert set(src["kind"]) <= {"sourced", "derived", "assumption", "calibrated"}
    for rec in src.itertuples():
        if rec.kind in {"assumption", "calibrated"}:
            assert rec.source == rec.kind
            assert rec.note.strip(), (rec.table, rec.element, rec.attribute)
        else:
            assert "http" in rec.source or "-" in rec.source, (rec.table, rec.element, rec.attribute)
        if rec.kind == "derived":
            assert rec.note.strip(), (rec.table, rec.element, rec.attribute)


def test_monthly_demand_shares_sum_to_one(ds: Dataset) -> None:
    sums = ds.demand_monthly.groupby("country")["share"].sum()
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-6)
    assert set(sums.index) == set(ds.countries.loc[ds.countries["role"] == "detailed", "country"])
    assert (ds.demand_monthly.groupby("country")["month"].nunique() == 12).all()


def test_trade_composition_shares_sum_to_one(ds: Dataset) -> None:
    sums = ds.trade_composition.groupby("direction")["share"].sum()
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-9)


def test_load_blocks_average_to_the_mean_load(ds: Dataset) -> None:
    blocks = ds.load_blocks
    assert blocks["hours_share"].sum() == pytest.approx(1.0)
    assert (blocks["hours_share"] * blocks["load_factor"]).sum() == pytest.approx(1.0, abs=1e-5)


def test_each_river_is_one_chain_without_cycles(ds: Dataset) -> None:
    plants = ds.plants.set_index("plant")
    ids = set(plants.index)
    for river, group in plants.groupby("river"):
        downs = [d for d in group["downstream"] if d]
        assert all(d in ids for d in downs), river
        assert all(plants.loc[d, "river"] == river for d in downs)
        heads = set(group.index) - set(downs)
        assert len(heads) == 1, (river, heads)
        seen, node = [], heads.pop()
        while node:
            assert node not in seen, f"cycle at {node}"
            seen.append(node)
            node = plants.loc[node, "downstream"]
        assert sorted(seen) == sorted(group.index), river


def test_storage_bounds_hold_at_the_default_start(ds: Dataset) -> None:
    plants = ds.plants.set_index("plant")
    sched = ds.plant_schedule
    assert (plants["storage_dead_hm3"] <= plants["storage_full_hm3"]).all()
    for plant, row in plants.iterrows():
        dead, full = row["storage_dead_hm3"], row["storage_full_hm3"]
        stage = sched[(sched["plant"] == plant) & (sched["date"] <= START)].sort_values("date")
        if stage.empty and row["in_service"] > START:
            assert row["storage_initial_hm3"] == 0.0, f"{plant} is not built at the start: storage 0"
            continue
        if not stage.empty and pd.notna(stage["storage_full_hm3"].iloc[-1]):
            dead, full = stage["storage_dead_hm3"].iloc[-1], stage["storage_full_hm3"].iloc[-1]
        assert dead <= row["storage_initial_hm3"] <= full, plant
    staged = sched.dropna(subset=["storage_full_hm3"])
    assert (staged["storage_dead_hm3"] <= staged["storage_full_hm3"]).all()
    assert (staged["level_dead_m"] < staged["level_full_m"]).all()


def test_level_curves_are_complete_where_given(ds: Dataset) -> None:
    curve = ["level_dead_m", "level_full_m", "curve_exponent", "tailwater_m"]
    plants = ds.plants
    given = plants[curve[:3]].notna()
    assert (given.all(axis=1) | ~given.any(axis=1)).all()
    with_curve = plants[given.all(axis=1)]
    assert set(with_curve["plant"]) == {"rogun", "nurek", "kambarata1", "toktogul"}
    assert with_curve["tailwater_m"].notna().all()
    assert (with_curve["tailwater_m"] < with_curve["level_dead_m"]).all()


def test_schedules_start_at_in_service_and_end_at_the_full_build(ds: Dataset) -> None:
    plants = ds.plants.set_index("plant")
    for plant, group in ds.plant_schedule.groupby("plant"):
        group = group.sort_values("date")
        generating = group[group["capacity_mw"] > 0]
        assert generating["date"].iloc[0] == plants.loc[plant, "in_service"], plant
        assert group["date"].iloc[0] <= plants.loc[plant, "in_service"], plant
        assert group["capacity_mw"].iloc[-1] == plants.loc[plant, "capacity_mw"], plant
        assert group["capacity_mw"].is_monotonic_increasing, plant


def test_derived_inflow_shapes_reproduce_their_annual_anchors(ds: Dataset) -> None:
    anchors_km3 = {"toktogul_inflow": 12.3, "nurek_inflow": 20.0}
    for series, anchor in anchors_km3.items():
        flows = ds.inflow_monthly[ds.inflow_monthly["series"] == series].sort_values("month")["mean_m3s"]
        volume_km3 = float((flows.to_numpy() * DAYS).sum() * 86400 / 1e9)
        assert volume_km3 == pytest.approx(anchor, rel=0.01), series


def test_inflow_sites_enter_existing_plants(ds: Dataset) -> None:
    sites = ds.inflow_sites
    assert set(sites["plant"]) <= set(ds.plants["plant"])
    assert set(sites["base_series"]) <= set(ds.inflow_monthly["series"])


def test_min_releases_have_twelve_months_per_point(ds: Dataset) -> None:
    mr = ds.min_releases
    assert set(mr["point"]) <= set(ds.plants["plant"])
    assert (mr.groupby("point")["month"].apply(lambda m: sorted(m) == list(range(1, 13)))).all()
    assert (mr.loc[~mr["strict"], "penalty_usd_per_hm3"] > 0).all()


def test_links_join_known_countries(ds: Dataset) -> None:
    countries = set(ds.countries["country"])
    assert set(ds.links["from_country"]) <= countries
    assert set(ds.links["to_country"]) <= countries


def test_voll_exceeds_every_price(ds: Dataset) -> None:
    c = ds.countries
    voll = c["voll_usd_per_mwh"].dropna().min()
    prices = pd.concat([c["import_price_usd_per_mwh"], c["export_price_usd_per_mwh"], ds.thermal["cost_usd_per_mwh"]])
    assert voll > prices.max()


runner = CliRunner()


def test_data_sources_cli_lists_values_as_json() -> None:
    result = runner.invoke(app, ["data", "sources", "--table", "plants", "--kind", "sourced", "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert records and all(r["table"] == "plants" and r["kind"] == "sourced" for r in records)


def test_data_sources_cli_prints_a_table() -> None:
    result = runner.invoke(app, ["data", "sources", "--table", "links"])
    assert result.exit_code == 0, result.output
    numeric_cells = int(load_default().links[["capacity_mw", "loss_pct", "tariff_usd_per_mwh"]].notna().sum().sum())
    assert f"Sources ({numeric_cells} values)" in result.output


def test_data_show_cli_prints_tables() -> None:
    listing = runner.invoke(app, ["data", "show"])
    assert listing.exit_code == 0 and "plant_schedule" in listing.output
    shown = runner.invoke(app, ["data", "show", "plants", "--json"])
    assert shown.exit_code == 0, shown.output
    assert {r["plant"] for r in json.loads(shown.output)} >= {"rogun", "toktogul"}


def test_data_show_unknown_table_exits_2() -> None:
    result = runner.invoke(app, ["data", "show", "nosuch"])
    assert result.exit_code == 2
    assert "plants" in result.output


def test_data_sources_unknown_kind_exits_2() -> None:
    assert runner.invoke(app, ["data", "sources", "--kind", "guess"]).exit_code == 2


def test_toktogul_level_curve_reproduces_the_observed_level_volume_pair(ds: Dataset) -> None:
    t = ds.plants.set_index("plant").loc["toktogul"]
    frac = (17005.0 - t["storage_dead_hm3"]) / (t["storage_full_hm3"] - t["storage_dead_hm3"])
    level = t["level_dead_m"] + (t["level_full_m"] - t["level_dead_m"]) * frac ** (1 / t["curve_exponent"])
    assert level == pytest.approx(891.09, abs=0.5)  # HL-001: 891.09 m at 17.005 km3 (2 Sep 2016)


def test_rogun_pool_only_grows_while_the_dam_is_raised(ds: Dataset) -> None:
    rogun = ds.plant_schedule[ds.plant_schedule["plant"] == "rogun"].sort_values("date")
    for column in ("storage_full_hm3", "level_full_m", "storage_dead_hm3", "level_dead_m", "units"):
        assert rogun[column].is_monotonic_increasing, column


def test_every_parameter_is_read_by_the_model_or_marked_as_reference(ds: Dataset) -> None:
    """A parameter the code never reads must be a declared reference value, else overrides do nothing."""
    package = Path(__file__).resolve().parents[2] / "src" / "aralnexus"
    code = "\n".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py") if p.name != "dataset.py")
    unread = [n for n in ds.parameters["name"] if n not in REFERENCE_PARAMETERS and f'"{n}"' not in code]
    assert not unread
    assert set(ds.parameters["name"]) >= REFERENCE_PARAMETERS


def test_kyrgyz_imports_come_from_four_partners_each_with_its_own_price_and_cap(ds: Dataset) -> None:
    partners = ds.countries.set_index("country")
    sellers = set(ds.links.loc[ds.links["to_country"] == "KG", "from_country"]) - {"TJ"}
    assert sellers == {"UZ", "KZ", "TM", "RU"}
    for code in sellers:
        assert partners.at[code, "import_price_usd_per_mwh"] > 0 and partners.at[code, "import_max_twh"] > 0
    caps = partners.loc[sorted(sellers), "import_max_twh"].astype(float)
    # the caps add up to the largest published annual imports (4.5 TWh, 2025)
    assert caps.sum() == pytest.approx(4.5, abs=0.01)


def test_the_toktogul_inflow_is_split_among_the_naryn_sites_above_toktogul_without_adding_water(ds: Dataset) -> None:
    # Kulanak (from 2027) takes the upper Naryn and passes it on to Kambarata-1: the water above
    # Toktogul stays the Toktogul inflow, whatever the plants in service
    sites = ds.inflow_sites[ds.inflow_sites["base_series"] == "toktogul_inflow"]
    above = sites[sites["plant"].isin(["kulanak", "kambarata1", "toktogul"])]
    assert set(above["river"]) == {"naryn"}
    assert float(above["share"].sum()) == pytest.approx(1.0)
    plants = ds.plants.set_index("plant")
    assert plants.loc["kulanak", "downstream"] == "kambarata1"
