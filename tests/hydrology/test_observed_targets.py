"""Generator targets from the dataset's observed statistics, and their provenance."""

from __future__ import annotations

import numpy as np
import pytest
from hydro_fixture import fixture_dataset

from aralnexus.backtest.fidelity import observed_cv, synthetic_cv
from aralnexus.data.dataset import load_default
from aralnexus.hydrology import build_inflow_model
from aralnexus.hydrology.observed import record_annual


def test_recorded_annual_cv_and_monthly_spreads_replace_the_assumptions() -> None:
    model = build_inflow_model(load_default())
    vakhsh = model.provenance["nurek_inflow"]
    assert vakhsh["annual CV"].startswith("record: CA-discharge gauge 17089")
    assert vakhsh["monthly sd"].startswith("record")
    assert vakhsh["month-to-month lag-1"].startswith("derived")
    assert model.provenance["toktogul_inflow"]["monthly sd"].startswith("assumed")
    k = model.layout.components.index("nurek_inflow")
    cv, _, _ = record_annual(load_default(), "nurek_inflow")
    assert model.targets.annual_cv[k] == pytest.approx(cv)


def test_synthetic_annual_cv_is_within_20_percent_of_the_record_for_both_rivers() -> None:
    ds = load_default()
    synthetic, observed = synthetic_cv(ds), observed_cv(ds)
    for series in ("toktogul_inflow", "nurek_inflow"):
        assert abs(synthetic[series] / observed[series] - 1) <= 0.2, series


def test_without_a_record_every_statistic_stays_assumed() -> None:
    model = build_inflow_model(fixture_dataset())
    for stats in model.provenance.values():
        assert not any(v.startswith("record") for v in stats.values())
    assert np.isfinite(model.targets.annual_cv).all()
