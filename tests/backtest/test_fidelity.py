"""Fidelity targets: which plants are compared and how the observed CV is computed."""

from __future__ import annotations

import numpy as np
import pytest

from aralnexus.backtest.fidelity import largest_plants, observed_cv
from aralnexus.data.dataset import load_default


def test_largest_plants_leave_out_plants_still_being_built() -> None:
    plants = largest_plants(load_default(), 2019)
    assert "rogun" not in plants  # 2 of 6 units: its published mean is for the full plant
    assert "kambarata1" not in plants  # not built
    assert plants[:2] == ["nurek", "toktogul"]
    assert len(plants) <= 10


def test_observed_cv_is_the_sample_cv_of_the_recorded_water_years() -> None:
    ds = load_default()
    v = ds.observed_inflow.loc[ds.observed_inflow["gauge"] == "17089", "volume_km3"].to_numpy(dtype=float)
    assert observed_cv(ds)["nurek_inflow"] == pytest.approx(np.std(v, ddof=1) / np.mean(v))
    assert observed_cv(ds)["nurek_inflow"] == pytest.approx(0.103, abs=0.002)  # COMPARISON.md
