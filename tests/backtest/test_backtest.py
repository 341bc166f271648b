"""``aralnexus backtest``: the replay, the comparison with published figures and bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from aralnexus.backtest import BacktestResult, run_backtest
from aralnexus.backtest.compare import COMPARISON_COLUMNS, group_errors, model_value, storage_at
from aralnexus.backtest.replay import climatology_volume_km3, year_demand, year_factors
from aralnexus.cli.app import app
from aralnexus.data.dataset import load_default
from aralnexus.units import MWH_PER_TWH


@pytest.fixture(scope="module")
def result() -> BacktestResult:
    return run_backtest("default", 2024, 2025)


def test_every_published_figure_of_the_years_gets_one_row_with_its_source(result: BacktestResult) -> None:
    ds = load_default()
    pub = ds.published[ds.published["quantity"] != "consumption_twh"]
    pub = pub[pub["period"].str[:4].astype(int).between(2024, 2025)]
    table = result.table
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    assert len(table) == len(pub)
    got = set(zip(table["quantity"], table["element"], table["period"], table["source"], strict=True))
    assert got == set(zip(pub["quantity"], pub["element"], pub["period"], pub["source"], strict=True))


def test_error_is_model_minus_published_over_published(result: BacktestResult) -> None:
    t = result.table.dropna(subset=["model"])
    expected = (t["model"] - t["published"]) / t["published"] * 100
    assert np.allclose(t["error_pct"], expected)


def test_national_generation_is_the_replayed_hydro_plus_thermal(result: BacktestResult) -> None:
    c = result.replay.countries
    kg = c[(c["country"] == "KG") & (c["year"] == 2025)]
    row = result.table[(result.table["quantity"] == "generation_twh") & (result.table["element"] == "KG")]
    assert float(row["model"].iloc[0]) == pytest.approx((kg["hydro_mwh"] + kg["thermal_mwh"]).sum() / MWH_PER_TWH)


def test_first_year_starts_toktogul_from_the_dated_volume(result: BacktestResult) -> None:
    assert result.replay.start_storage_hm3 == {"toktogul": 10536.0}
    first = result.replay.reservoirs
    first = first[(first["plant"] == "toktogul")].sort_values("time")
    # the January end volume is reachable from the start volume within one month's turbine flow
    assert abs(float(first["storage_hm3"].iloc[0]) - 10536.0) < 1118 * 0.0036 * 24 * 31 + 1


def test_each_year_starts_where_the_previous_one_ended(result: BacktestResult) -> None:
    res = result.replay.reservoirs
    tok = res[res["plant"] == "toktogul"].set_index("time")["storage_hm3"]
    dec = float(tok[pd.Timestamp("2024-12-01")])
    jan = float(tok[pd.Timestamp("2025-01-01")])
    assert abs(jan - dec) < 1118 * 0.0036 * 24 * 31 + 1


def test_storage_at_interpolates_between_end_of_month_volumes() -> None:
    res = pd.DataFrame(
        {"plant": "p", "time": pd.to_datetime(["2024-01-01", "2024-02-01"]), "storage_hm3": [100.0, 160.0]}
    )
    assert storage_at(res, "p", 40.0, pd.Timestamp("2024-01-01")) == pytest.approx(40.0)
    assert storage_at(res, "p", 40.0, pd.Timestamp("2024-02-01")) == pytest.approx(100.0)
    mid = pd.Timestamp("2024-02-01") + (pd.Timestamp("2024-03-01") - pd.Timestamp("2024-02-01")) / 2
    assert storage_at(res, "p", 40.0, mid) == pytest.approx(130.0)
    assert math.isnan(storage_at(res, "p", 40.0, pd.Timestamp("2024-04-01")))


def test_group_errors_average_absolute_errors_and_give_toktogul_rms() -> None:
    table = pd.DataFrame(
        {
            "group": ["imports", "imports", "imports", "toktogul", "toktogul"],
            "published": [2.0, 4.0, 1.0, 10.0, 8.0],
            "model": [2.2, 3.0, np.nan, 11.0, 5.0],
        }
    )
    table["error_pct"] = (table["model"] - table["published"]) / table["published"] * 100
    errors = group_errors(table).set_index("group")
    assert errors.loc["imports", "mae_pct"] == pytest.approx((10 + 25) / 2)
    assert errors.loc["imports", "not_modelled"] == 1
    assert errors.loc["toktogul", "rms"] == pytest.approx(math.sqrt((1 + 9) / 2))


def test_a_recorded_water_year_scales_the_climatology_to_its_volume() -> None:
    ds = load_default()
    clim = climatology_volume_km3(ds, "toktogul_inflow")
    record = pd.DataFrame(
        {"series": ["toktogul_inflow", "toktogul_inflow"], "water_year": [2010, 2011], "volume_km3": [19.88, 13.86]}
    )
    factors, labels = year_factors(ds, record, 2010)
    assert factors["toktogul_inflow"][0] == pytest.approx(19.88 / clim)
    assert factors["toktogul_inflow"][11] == pytest.approx(13.86 / clim)
    assert labels["nurek_inflow"] == "climatology"
    assert factors["nurek_inflow"] == [1.0] * 12


def test_published_consumption_is_the_years_demand() -> None:
    demand, labels = year_demand(load_default(), 2022)
    assert demand["KG"] == pytest.approx(16.0)
    assert labels["KG"] == "published ELE-070"
    assert labels["TJ"] == "projection"


def test_a_year_between_two_published_consumptions_takes_the_straight_line() -> None:
    demand, labels = year_demand(load_default(), 2024)
    assert demand["KG"] == pytest.approx(16.0 + (19.0 - 16.0) * 2 / 3)  # 2022: 16.0, 2025: 19.0
    assert labels["KG"] == "interpolated ELE-070/ELE-061"


def test_cli_json_has_rows_groups_and_inputs() -> None:
    out = CliRunner().invoke(app, ["backtest", "--start", "2025", "--end", "2025", "--json", "--no-save"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert {"start", "end", "record", "rows", "groups", "inputs"} <= set(doc)
    assert doc["start"] == 2025
    assert {r["group"] for r in doc["groups"]} >= {"generation", "imports", "toktogul"}
    assert all(r["source"] for r in doc["rows"])


@pytest.mark.parametrize("args", [["--start", "2015"], ["--end", "2031"], ["--start", "2024", "--end", "2022"]])
def test_years_outside_the_data_exit_2_with_one_message(args: list[str]) -> None:
    out = CliRunner().invoke(app, ["backtest", *args])
    assert out.exit_code == 2
    assert "Traceback" not in out.output
    assert "expected" in out.output


def test_a_record_file_not_covering_the_years_exits_2(tmp_path: Path) -> None:
    rec = tmp_path / "record.csv"
    rec.write_text("series,water_year,volume_km3\ntoktogul_inflow,2024,12.0\nnurek_inflow,2024,20.0\n")
    out = CliRunner().invoke(app, ["backtest", "--start", "2024", "--end", "2025", "--record", str(rec)])
    assert out.exit_code == 2
    assert "missing 2025" in out.output


def test_a_cascades_published_output_is_compared_with_the_sum_of_its_plants() -> None:
    res = run_backtest("default", 2022, 2022)
    row = res.table[(res.table["quantity"] == "plant_generation_twh") & (res.table["element"] == "naryn")]
    naryn = load_default().plants.query("river == 'naryn'")["plant"]
    plants = res.replay.plants
    expected = plants.loc[plants["plant"].isin(set(naryn)), "energy_mwh"].sum() / MWH_PER_TWH
    assert float(row["model"].iloc[0]) == pytest.approx(expected)


def test_model_values_are_the_registered_metrics_of_the_replayed_years(result: BacktestResult) -> None:
    m = result.replay.metrics
    table = result.table

    def metric(name: str, element: str, year: int) -> float:
        rows = m[(m["metric"] == name) & (m["country"] == element) & (m["year"] == year)]
        return float(rows["value"].sum())

    def model(quantity: str, element: str, year: int) -> float:
        rows = table[(table["quantity"] == quantity) & (table["element"] == element) & (table["year"] == year)]
        return float(rows["model"].iloc[0])

    assert model("generation_twh", "KG", 2025) == pytest.approx(metric("national_generation_twh", "KG", 2025))
    ds = load_default()
    for element in ("TJ-UZ", "UZ-KG"):
        row = {"quantity": "exports_twh", "element": element, "period": "2025"}
        assert model_value(row, result.replay, ds) == pytest.approx(metric("exports_between_twh", element, 2025))
    assert metric("exports_between_twh", "UZ-KG", 2025) > 0
    assert math.isnan(model_value({"quantity": "exports_twh", "element": "TJ-KZ", "period": "2025"}, result.replay, ds))
    plant = table[table["quantity"] == "plant_generation_twh"].dropna(subset=["model"]).iloc[0]
    if plant["element"] in set(result.replay.plants["plant"]):
        assert plant["model"] == pytest.approx(metric("plant_generation_twh", plant["element"], plant["year"]))
    tok = result.replay.storage[result.replay.storage["plant"] == "toktogul"]
    res = result.replay.reservoirs[result.replay.reservoirs["plant"] == "toktogul"]
    np.testing.assert_allclose(tok["storage_hm3"].to_numpy(), res["storage_hm3"].to_numpy(), rtol=1e-12)


#: Kyrgyz plants outside the Naryn cascade (small HPPs, At-Bashy, Bala-Saruu), in service in 2024.
OUTSIDE_NARYN = ("kg_small_hydro", "at_bashy", "bala_saruu")


def test_kyrgyz_plants_outside_the_naryn_cascade_count_in_national_generation_not_in_the_cascade(
    result: BacktestResult,
) -> None:
    plants = result.replay.plants
    kg_2024 = plants[(plants["country"] == "KG") & (plants["year"] == 2024)]
    by_plant = kg_2024.groupby("plant")["energy_mwh"].sum() / MWH_PER_TWH
    # each runs of river at the energy its inflow share was derived for (sources.csv, inflow_sites)
    assert by_plant[list(OUTSIDE_NARYN)].to_numpy() == pytest.approx([0.323, 0.147, 0.092], abs=0.002)
    # the country's hydro energy in the power balance is the sum of all its plants, these included
    countries = result.replay.countries
    kg = countries[(countries["country"] == "KG") & (countries["year"] == 2024)]
    assert kg["hydro_mwh"].sum() / MWH_PER_TWH == pytest.approx(by_plant.sum())
    # the published Naryn cascade (Jalal-Abad region) output is compared with the Naryn plants only
    ds = load_default()
    naryn = set(ds.plants.query("river == 'naryn'")["plant"])
    assert not naryn & set(OUTSIDE_NARYN)
    row = {"quantity": "plant_generation_twh", "element": "naryn", "period": "2024"}
    assert model_value(row, result.replay, ds) == pytest.approx(by_plant[sorted(naryn & set(by_plant.index))].sum())
    national = kg["hydro_mwh"].sum() + kg["thermal_mwh"].sum()
    assert national / MWH_PER_TWH - model_value(row, result.replay, ds) >= by_plant[list(OUTSIDE_NARYN)].sum()


def test_a_plant_is_generating_only_from_its_first_month_in_service(result: BacktestResult) -> None:
    plants = result.replay.plants
    kara_kul = plants[plants["plant"] == "kara_kul"].groupby("year")["energy_mwh"].sum()
    assert kara_kul[2024] == 0.0  # in service from 2025-01 (NAR-090)
    assert kara_kul[2025] / MWH_PER_TWH == pytest.approx(0.066, abs=0.002)
    kulanak = plants[plants["plant"] == "kulanak"]
    assert (kulanak["energy_mwh"] == 0.0).all()  # from 2027-01 (NAR-087)
