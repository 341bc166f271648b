"""The labelled solution: named dimensions, time coordinates, and the tidy tables as its view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from metrics_support import short_results, short_solution

from aralnexus.results import energy_balance_error
from aralnexus.results.solution import VARIABLE_DIMS, results_view, truncate_solution, violations_view
from aralnexus.system.network import end_countries, partner_end, partner_index


def test_solution_has_named_dimensions_and_time_coordinates() -> None:
    ds = short_solution()
    assert {"step", "stage", "plant", "country", "link", "release", "term"} <= set(ds.dims)
    for name, dims in VARIABLE_DIMS.items():
        assert ds[name].dims == dims, name
    assert ds["stage_time"].values[0] == np.datetime64("2027-04-01")
    assert ds.sizes["stage"] == 24 and ds.sizes["step"] == 3 * 24
    assert "Kambarata-1" in list(ds["plant_name"].values)


def test_tables_are_a_view_of_the_solution() -> None:
    results = short_results()
    ds = short_solution()
    total_hydro = float(ds["energy_mwh"].sum())
    assert np.isclose(results.plants["energy_mwh"].sum(), total_hydro)
    assert np.isclose(results.countries["hydro_mwh"].sum(), total_hydro)
    assert np.isclose(results.objective_musd, float(ds["objective_musd"].sum()))
    assert energy_balance_error(results) < 1e-9
    again = results_view(ds)
    pd.testing.assert_frame_equal(again.countries, results.countries)
    pd.testing.assert_frame_equal(again.links, results.links)


def test_link_ends_are_decoded_in_one_place() -> None:
    ds = short_solution()
    frame = pd.DataFrame({"link": ds["link"].values, "to": ds["to_country"].values}).set_index("link")
    assert frame.loc["casa1000_pk", "to"] == "PK"
    assert int(partner_index(partner_end(3))) == 3


def test_end_countries_maps_partner_codes_back_to_names() -> None:
    class Countries:
        detailed = ("KG", "TJ")
        partners = ("UZ", "KZ", "AF")

    ends = np.array([0, 1, -1, -2, -3])
    assert list(end_countries(ends, Countries())) == ["KG", "TJ", "UZ", "KZ", "AF"]  # type: ignore[arg-type]


def test_truncating_the_solution_cuts_steps_stages_and_releases_together() -> None:
    ds = short_solution()
    cut = truncate_solution(ds, pd.Timestamp("2027-12-01"))
    assert cut.sizes["stage"] == 9 and cut.sizes["step"] == 27
    assert (cut["release_stage"].values < 9).all()
    assert cut.sizes["release"] < ds.sizes["release"]


def test_violations_are_named_from_the_slacks_of_the_solution() -> None:
    ds = short_solution().copy(deep=True)
    ds["unserved_mwh"][0, 0] = 5000.0
    ds["unserved_mwh"][1, 0] = 1000.0
    table = violations_view(ds)
    row = table[table["constraint"] == "unserved demand"].iloc[0]
    assert row["element"] == ds["country"].values[0] and row["period"] == "2027-04"
    assert row["amount"] == 6.0 and row["unit"] == "GWh"


def test_solution_round_trips_through_netcdf(tmp_path) -> None:
    ds = short_solution()
    path = tmp_path / "solution.nc"
    ds.to_netcdf(path)
    back = xr.load_dataset(path)
    np.testing.assert_allclose(back["storage_hm3"].values, ds["storage_hm3"].values)
    assert back.attrs["head_mode"] == ds.attrs["head_mode"]


def test_violation_count_is_the_number_of_violation_records() -> None:
    from aralnexus.results.solution import violation_count

    ds = short_solution().copy(deep=True)
    ds["unserved_mwh"][0, 0] = 5000.0
    ds["unserved_mwh"][1, 0] = 1000.0
    ds["shortfall_m3s"][0] = 3.0
    ds["water_deficit_hm3"][2, 1] = 1.0
    assert violation_count(ds) == len(violations_view(ds)) == 3
    assert set(violations_view(ds)["unit"]) == {"m3/s", "GWh", "hm3"}


def test_a_single_partner_end_decodes_to_a_plain_int_so_writes_through_it_land() -> None:
    totals = np.zeros((2, 3))
    end = np.array([0, -3])[1]  # a numpy scalar, as when looping over a link array
    assert isinstance(partner_index(end), int)
    np.add.at(totals[:, partner_index(end)], [0, 1], 5.0)  # a column view: a 0-d index array would write a copy
    assert totals[:, 2].tolist() == [5.0, 5.0]
    np.testing.assert_array_equal(partner_index(np.array([-1, -2])), [0, 1])
