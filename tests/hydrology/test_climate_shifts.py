"""Climate shifts: volume, melt-peak timing and glacier share, consistent across sites."""

from __future__ import annotations

import numpy as np
import pytest
from hydrology_support import make_scenario

from aralnexus.data.dataset import Dataset
from aralnexus.errors import InputError
from aralnexus.hydrology import apply_climate, make_inflows
from aralnexus.hydrology.climate import shift_months
from aralnexus.scenario.model import ClimateShift


def _year(dataset: Dataset, climate: ClimateShift, kind: str = "median") -> np.ndarray:
    return make_inflows(make_scenario(dataset, kind=kind, climate=climate), "2025-01", "2025-12").to_numpy()


def test_volume_change_scales_every_site_and_month(dataset: Dataset) -> None:
    base = _year(dataset, ClimateShift())
    np.testing.assert_allclose(_year(dataset, ClimateShift(volume_change_pct=-10)), 0.9 * base)


def test_melt_shift_conserves_the_year_and_moves_the_peak_earlier(dataset: Dataset) -> None:
    base = _year(dataset, ClimateShift())
    shifted = _year(dataset, ClimateShift(melt_shift_weeks=4))
    np.testing.assert_allclose(shifted.sum(axis=0), base.sum(axis=0))
    # phase of the annual harmonic (the timing of the seasonal peak), in weeks
    harmonic = np.exp(2j * np.pi * np.arange(12) / 12)[:, None]
    phase = lambda q: np.angle((q * harmonic).sum(axis=0)) * 52.1775 / (2 * np.pi)  # noqa: E731
    np.testing.assert_allclose(phase(base) - phase(shifted), 4, atol=0.2)


def test_shifting_by_whole_months_is_a_roll() -> None:
    pattern = np.arange(12.0)[:, None]
    np.testing.assert_allclose(shift_months(pattern, 2.0), np.roll(pattern, -2, axis=0))
    np.testing.assert_allclose(shift_months(pattern, 0.5)[0, 0], 0.5)


def test_glacier_share_scales_summer_and_keeps_the_annual_total(dataset: Dataset) -> None:
    base = _year(dataset, ClimateShift())
    more = _year(dataset, ClimateShift(glacier_share_change_pct=20))
    np.testing.assert_allclose(more[6:9], 1.2 * base[6:9])
    np.testing.assert_allclose(more.sum(axis=0), base.sum(axis=0))
    assert np.all(more[:6] < base[:6])


def test_climate_shift_keeps_sites_of_one_series_in_proportion(dataset: Dataset) -> None:
    climate = ClimateShift(volume_change_pct=-15, melt_shift_weeks=3, glacier_share_change_pct=-30)
    shifted = _year(dataset, climate, kind="synthetic")
    np.testing.assert_allclose(shifted[:, 1] / shifted[:, 0], 0.22 / 0.78)
    assert (
        make_inflows(make_scenario(dataset, climate=climate), "2025-01", "2025-12")
        .attrs["hydrology"]
        .endswith("climate shift")
    )


def test_an_impossible_glacier_change_is_an_input_error() -> None:
    flows = np.ones((12, 1))
    flows[6:9] = 10.0
    with pytest.raises(InputError, match="glacier_share_change_pct"):
        apply_climate(flows, ClimateShift(glacier_share_change_pct=50))
