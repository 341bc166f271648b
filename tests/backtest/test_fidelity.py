"""Fidelity targets: which plants are compared, which are in-sample, and how the observed CV is computed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from aralnexus.backtest.fidelity import largest_plants, mean_derived_cells, observed_cv
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


def test_a_plant_whose_head_is_derived_from_its_own_mean_is_in_sample() -> None:
    ds = load_default()
    assert "plants.rated_head_m" in mean_derived_cells(ds, "tash_kumyr")  # 51.5 m = E/(g*eta*Q) from NAR-076
    assert "withdrawals.base_withdrawal_m3s" in mean_derived_cells(ds, "golovnaya")
    assert mean_derived_cells(ds, "kurpsai") == []  # head sourced (NAR-073), mean NAR-071
    assert mean_derived_cells(ds, "sangtuda2") == []  # a withdrawal below it citing its mean does not act on it


def test_citing_the_plants_mean_fact_in_one_of_its_cells_makes_it_in_sample() -> None:
    ds = load_default()
    src = ds.sources.copy()
    row = (src["table"] == "plants") & (src["element"] == "kurpsai") & (src["attribute"] == "rated_head_m")
    src.loc[row, "source"] = "NAR-071 https://de.wiki.li/Kurpsai-Talsperre; HN-001 http://uzbekistan.be/Aral/04.html"
    assert mean_derived_cells(dataclasses.replace(ds, sources=src), "kurpsai") == ["plants.rated_head_m"]
