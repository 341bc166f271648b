"""Operating rules (default curve, derived curves, validation) and the result views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aralnexus.data.dataset import load_default
from aralnexus.data.definitions import planner_definitions
from aralnexus.errors import InputError
from aralnexus.results.tables import PLANT_COLUMNS
from aralnexus.simulate import (
    DEFAULT_TARGET_FRACTION,
    OperatingRules,
    default_rules,
    rules_from_reservoirs,
    rules_from_storage,
    simulate,
)


def test_default_curve_fills_april_to_september_and_draws_down_october_to_march():
    curve = np.asarray(DEFAULT_TARGET_FRACTION)
    change = np.diff(np.r_[curve[-1], curve])  # change during each month, January first
    months = np.arange(1, 13)
    assert (change[(months >= 4) & (months <= 9)] > 0).all()
    assert (change[(months >= 10) | (months <= 3)] < 0).all()


def test_run_of_river_plants_keep_full_storage_by_default(system):
    rules = default_rules(system)
    ror = ~system.curves.has_curve
    assert (rules.target_fraction[:, ror] == 1.0).all()
    assert np.isnan(rules.release_m3s).all()


def test_rules_derived_from_a_trajectory_reproduce_it(system, members):
    first = simulate(system, members.isel(member=[0]))
    derived = rules_from_storage(system, first.storage_hm3[0])
    has = system.curves.has_curve
    # the horizon has three years; the derived curve is their monthly mean
    # only plants with a level curve have a storage range (run-of-river plants: 0 to 0)
    lo, hi = system.staging.storage_min_hm3[:, has], system.staging.storage_max_hm3[:, has]
    frac = (first.storage_hm3[0][:, has] - lo) / (hi - lo)
    month = system.calendar.stages["month"].to_numpy()
    expected = np.array([frac[month == m].mean(axis=0) for m in range(1, 13)])
    np.testing.assert_allclose(derived.target_fraction[:, has], expected, rtol=1e-12)


def test_rules_from_a_results_reservoirs_table(system):
    table = pd.DataFrame(
        {
            "month": [1, 1, 7],
            "plant": ["toktogul", "toktogul", "toktogul"],
            "storage_hm3": [6000.0, 7000.0, 19500.0],
            "storage_min_hm3": [5500.0] * 3,
            "storage_max_hm3": [19500.0] * 3,
        }
    )
    rules = rules_from_reservoirs(system, table)
    p = system.plant_ids.index("toktogul")
    assert rules.target_fraction[0, p] == pytest.approx((500 + 1500) / 2 / 14000)
    assert rules.target_fraction[6, p] == 1.0
    assert rules.target_fraction[3, p] == 1.0  # months without data keep full


def test_bad_rules_are_reported_together():
    with pytest.raises(InputError) as info:
        OperatingRules(np.full((12, 2), 1.5), np.full((12, 3), -1.0), "bad")
    assert len(info.value.problems) >= 2


def test_plants_table_has_the_results_columns_and_the_same_energy(system, members):
    result = simulate(system, members.isel(member=[0, 1]))
    table = result.plants_table(member=1)
    assert tuple(table.columns) == PLANT_COLUMNS
    assert len(table) == system.calendar.n_steps * system.n_plants
    by_plant = table.groupby("plant")["energy_mwh"].sum()
    expected = result.energy_mwh[1].sum(axis=0)
    np.testing.assert_allclose(by_plant.reindex(list(system.plant_ids)).to_numpy(), expected, rtol=1e-9)


def test_dataset_and_country_energy_add_up(system, members):
    result = simulate(system, members)
    ds = result.to_dataset()
    assert ds["energy_mwh"].dims == ("member", "time", "plant")
    assert ds["country_energy_mwh"].dims == ("member", "time", "country")
    np.testing.assert_allclose(ds["country_energy_mwh"].sum("country"), ds["energy_mwh"].sum("plant"), rtol=1e-12)


def test_winter_energy_sums_october_to_march_of_complete_winters(system, members):
    result = simulate(system, members)
    winter = result.winter_energy_mwh(planner_definitions(load_default()))
    assert list(winter["winter"].values) == [2034, 2035]  # 2034-01..2036-12: two complete winters
    times = result.time
    pick = ((times.year == 2034) & (times.month >= 10)) | ((times.year == 2035) & (times.month <= 3))
    expected = result.country_energy_mwh[:, pick].sum(axis=1)
    np.testing.assert_allclose(winter.sel(winter=2034).values, expected, rtol=1e-12)
