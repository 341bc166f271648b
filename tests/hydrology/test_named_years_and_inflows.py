"""make_inflows for every hydrology kind; named years; sample_members and sample_ensemble."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hydrology_support import make_scenario

from aralnexus.data.dataset import Dataset
from aralnexus.errors import InputError
from aralnexus.hydrology import make_inflows, model_named_years, sample_ensemble, sample_members
from aralnexus.hydrology.climatology import KM3_PER_M3S_YEAR
from aralnexus.hydrology.inflows import InflowModel, synthetic_components
from aralnexus.hydrology.stats import annual_volumes_km3

NARYN = ["kambarata1_headwater", "toktogul_lateral"]  # together = toktogul_inflow


def _annual_toktogul_km3(inflows) -> np.ndarray:
    monthly = inflows.sel(site=NARYN).sum("site").to_numpy()
    return monthly.reshape(-1, 12).mean(axis=1) * KM3_PER_M3S_YEAR


def test_inflows_have_the_contract_dims_coords_name_and_attrs(dataset: Dataset) -> None:
    inflows = make_inflows(make_scenario(dataset), "2025-03", "2026-02")
    assert inflows.dims == ("time", "site")
    assert inflows.name == "inflow_m3s"
    assert list(inflows["time"].to_index()) == list(pd.date_range("2025-03-01", "2026-02-01", freq="MS"))
    assert list(inflows["site"].values) == [
        "kambarata1_headwater",
        "toktogul_lateral",
        "naryn_lower_lateral",
        "rogun_headwater",
        "nurek_lateral",
    ]
    assert inflows.attrs == {"units": "m3/s", "label": "DERIVED monthly shapes (not observed)", "hydrology": "median"}


def test_median_inflows_are_the_derived_climatology_split_by_site_shares(dataset: Dataset) -> None:
    inflows = make_inflows(make_scenario(dataset, kind="median"), "2025-01", "2025-12")
    np.testing.assert_allclose(
        inflows.sel(site="kambarata1_headwater"),
        0.78 * np.array([160, 150, 180, 330, 650, 850, 760, 560, 380, 250, 210, 180]),
    )
    np.testing.assert_allclose(inflows.sel(site="nurek_lateral") / inflows.sel(site="rogun_headwater"), 0.02)
    assert abs(_annual_toktogul_km3(inflows)[0] - 12.3) < 0.1


def test_dry_median_wet_named_years_are_ordered_and_at_their_exceedance(model: InflowModel) -> None:
    named = model_named_years(model, 42)
    assert np.all(named.annual_km3["dry"] < named.annual_km3["median"])
    assert np.all(named.annual_km3["median"] < named.annual_km3["wet"])
    volumes = annual_volumes_km3(synthetic_components(model, 10_000, 42, [0])[0])
    np.testing.assert_allclose(named.annual_km3["dry"], np.quantile(volumes, 0.1, axis=0))
    np.testing.assert_allclose(named.patterns_m3s["dry"].mean(axis=0) * KM3_PER_M3S_YEAR, named.annual_km3["dry"])


def test_dry_scenario_repeats_the_dry_year_and_wet_the_wet_year(dataset: Dataset, model: InflowModel) -> None:
    named = model_named_years(model, 42)
    dry = _annual_toktogul_km3(make_inflows(make_scenario(dataset, kind="dry"), "2025-01", "2027-12"))
    wet = _annual_toktogul_km3(make_inflows(make_scenario(dataset, kind="wet"), "2025-01", "2027-12"))
    k = model.layout.components.index("toktogul_inflow")
    np.testing.assert_allclose(dry, named.annual_km3["dry"][k])
    np.testing.assert_allclose(wet, named.annual_km3["wet"][k])
    assert (
        make_inflows(make_scenario(dataset, kind="dry"), "2025-01", "2025-12")
        .attrs["label"]
        .startswith("DERIVED + assumed")
    )


def test_dry_sequence_starts_with_the_driest_three_year_run_then_the_climatology(
    dataset: Dataset, model: InflowModel
) -> None:
    annual = _annual_toktogul_km3(make_inflows(make_scenario(dataset, kind="dry-sequence"), "2025-01", "2030-12"))
    clim = model.climatology_m3s[:, model.layout.components.index("toktogul_inflow")].mean() * KM3_PER_M3S_YEAR
    assert np.all(annual[:3] < 0.8 * clim)
    np.testing.assert_allclose(annual[3:], clim)
    named = model_named_years(model, 42)
    index = (named.dry_sequence_m3s.mean(axis=1) * KM3_PER_M3S_YEAR).sum()
    volumes = annual_volumes_km3(synthetic_components(model, 10_000, 42, [0])[0])
    rel = (volumes / volumes.mean(axis=0)).mean(axis=1)
    runs = np.convolve(rel, np.ones(3), mode="valid")
    assert named.dry_sequence_index == int(np.argmin(runs))
    assert index > 0


def test_synthetic_scenario_is_the_same_member_as_in_sample_members(dataset: Dataset) -> None:
    one = make_inflows(make_scenario(dataset, kind="synthetic", member=2, seed=5), "2025-01", "2027-12")
    many = sample_members(make_scenario(dataset, seed=5), 4, "2025-01", "2027-12")
    assert many.dims == ("member", "time", "site")
    np.testing.assert_array_equal(one.to_numpy(), many.sel(member=2).to_numpy())
    assert one.attrs["label"] == "DERIVED + assumed variability (not observed)"
    assert one.attrs["hydrology"] == "synthetic #2 (seed 5)"


def test_sites_of_one_base_series_stay_in_proportion_in_synthetic_years(dataset: Dataset) -> None:
    members = sample_members(make_scenario(dataset), 3, "2025-01", "2029-12")
    ratio = members.sel(site="toktogul_lateral") / members.sel(site="kambarata1_headwater")
    np.testing.assert_allclose(ratio, 0.22 / 0.78)


def test_sample_ensemble_spans_ten_thousand_years(dataset: Dataset) -> None:
    series = sample_ensemble(dataset, 10_000, 1, start_year=2000)
    assert series.sizes == {"time": 120_000, "site": 5}
    assert str(series["time"].values[-1])[:8] == "11999-12"
    assert float(series.min()) >= 0


def test_bad_horizon_and_missing_record_are_input_errors(dataset: Dataset) -> None:
    with pytest.raises(InputError, match="horizon"):
        make_inflows(make_scenario(dataset), "2026-01", "2025-01")
    with pytest.raises(InputError, match="record"):
        make_inflows(make_scenario(dataset, kind="record"), "2025-01", "2025-12")
