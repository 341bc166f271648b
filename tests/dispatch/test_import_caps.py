"""The partners' annual import caps hold for the base year and grow with the set rate after it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from dispatch_support import default_scenario, system_and_inflows

from aralnexus.dispatch import names as n
from aralnexus.dispatch.build import build_base_lp


def _caps_twh(growth_pct: float) -> np.ndarray:
    ds = default_scenario().dataset
    params = ds.parameters.copy()
    params.loc[params["name"] == "import_cap_growth_pct_per_year", "value"] = growth_pct
    system, inflow = system_and_inflows(dataclasses.replace(ds, parameters=params), "2024-01", "2027-12")
    lp = build_base_lp(system, inflow)
    rows = lp.layout.rows[n.IMPORT_LIMIT].index  # (partner, year)
    caps: np.ndarray = lp.row_upper[rows] / 1e6
    return caps


def test_caps_are_the_datasets_up_to_the_base_year_and_grow_after_it() -> None:
    ds = default_scenario().dataset
    tm = list(ds.countries.loc[ds.countries["role"] == "partner", "country"]).index("TM")
    caps = _caps_twh(3.0)[tm]
    flat = _caps_twh(0.0)[tm]
    hours = pd.Series(pd.date_range("2024-01-01", "2027-12-31", freq="D")).dt.year.value_counts().sort_index()
    assert flat == pytest.approx(1.92 * hours.to_numpy() * 24 / 8760)  # 2024 is a leap year
    assert caps[:2] == pytest.approx(flat[:2])  # 2024, 2025: the published level
    assert caps[2:] == pytest.approx(flat[2:] * 1.03 ** np.array([1, 2]))
