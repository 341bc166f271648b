"""The reservoirs table carries level bounds: the storage bounds in force read off the level–volume curve."""

from __future__ import annotations

import numpy as np
import pytest
from dispatch_support import default_scenario, system_and_inflows

from aralnexus.dispatch import optimise_system
from aralnexus.dispatch.water import storage_lower_hm3
from aralnexus.results.tables import RESERVOIR_COLUMNS


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    system, inflow = system_and_inflows(default_scenario().dataset, "2029-01", "2031-12")
    return system, optimise_system(system, inflow, "fixed")


def test_levels_stay_within_their_bounds(run) -> None:  # type: ignore[no-untyped-def]
    _, results = run
    res = results.reservoirs
    assert list(res.columns) == list(RESERVOIR_COLUMNS)
    curved = res.dropna(subset=["level_min_m", "level_max_m"])
    assert set(curved["plant"]) >= {"nurek", "toktogul", "rogun"}
    assert (curved["level_min_m"] <= curved["level_max_m"]).all()
    assert (curved["level_m"] >= curved["level_min_m"] - 1e-6).all()
    assert (curved["level_m"] <= curved["level_max_m"] + 1e-6).all()


def test_level_bounds_are_the_curve_at_the_storage_bounds_in_force(run) -> None:  # type: ignore[no-untyped-def]
    system, results = run
    _, inflow = system_and_inflows(default_scenario().dataset, "2029-01", "2031-12")
    res = results.reservoirs
    p = list(system.plants["plant"]).index("rogun")
    rogun = res[res["plant"] == "rogun"].sort_values("time")
    # the lower bound is dead storage, or less while Rogun is first filled (what its inflow can fill)
    lower = storage_lower_hm3(system, inflow)
    np.testing.assert_allclose(rogun["storage_min_hm3"], lower[:, p])
    assert (lower[:, p] <= system.staging.storage_min_hm3[:, p]).all()
    expected_low = system.curves.level_m(lower)[:, p]
    expected_high = system.curves.level_m(system.staging.storage_max_hm3)[:, p]
    np.testing.assert_allclose(rogun["level_min_m"], expected_low)
    np.testing.assert_allclose(rogun["level_max_m"], expected_high)
    # Rogun's dam rises over 2029–2031 (plant_schedule): its full supply level follows the schedule
    assert rogun["level_max_m"].iloc[0] == pytest.approx(1185.0)
    assert rogun["level_max_m"].iloc[-1] == pytest.approx(1240.0)
    # where the storage sits on a bound, the level sits on the matching level bound
    full = rogun[np.isclose(rogun["storage_hm3"], rogun["storage_max_hm3"])]
    assert len(full) > 0
    np.testing.assert_allclose(full["level_m"], full["level_max_m"])


def test_plants_without_a_curve_or_not_yet_built_have_no_level_bounds(run) -> None:  # type: ignore[no-untyped-def]
    system, results = run
    res = results.reservoirs
    fixed_head = set(system.plants.loc[~system.curves.has_curve, "plant"])
    assert res[res["plant"].isin(fixed_head)][["level_min_m", "level_max_m"]].isna().all().all()
    kambarata = res[(res["plant"] == "kambarata1") & (res["time"] < "2030-05-01")]
    assert len(kambarata) > 0
    assert kambarata[["level_min_m", "level_max_m"]].isna().all().all()
