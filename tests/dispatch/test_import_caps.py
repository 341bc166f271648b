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


def _link_capacity_mw(growth_pct: float, link: str) -> pd.Series:
    """Capacity of one link in January of each year 2024–2027 with the caps growing at ``growth_pct``."""
    ds = default_scenario().dataset
    params = ds.parameters.copy()
    params.loc[params["name"] == "import_cap_growth_pct_per_year", "value"] = growth_pct
    system, _ = system_and_inflows(dataclasses.replace(ds, parameters=params), "2024-01", "2027-12")
    steps = system.calendar.steps
    column = system.links.capacity_mw[:, system.links.ids.index(link)]
    january = (steps["month"] == 1).to_numpy()
    return pd.Series(column[january], index=steps["year"].to_numpy()[january]).groupby(level=0).max()


def test_partner_import_rates_grow_with_the_annual_caps_after_the_base_year() -> None:
    stated = float(default_scenario().dataset.links.set_index("link").at["tm_kg", "capacity_mw"])
    grown = _link_capacity_mw(3.0, "tm_kg")
    assert grown.to_numpy() == pytest.approx(stated * 1.03 ** np.array([0, 0, 1, 2]))
    assert _link_capacity_mw(0.0, "tm_kg").to_numpy() == pytest.approx([stated] * 4)


def test_links_between_the_grids_do_not_grow_with_the_partners_caps() -> None:
    assert _link_capacity_mw(3.0, "kg_uz").to_numpy() == pytest.approx(_link_capacity_mw(0.0, "kg_uz").to_numpy())


def test_a_partners_contracted_rate_over_the_import_season_delivers_its_annual_cap() -> None:
    ds = default_scenario().dataset
    links = ds.links.set_index("link")
    caps = ds.countries.set_index("country")["import_max_twh"]
    season_h = 24 * (31 + 30 + 31 + 31 + 28 + 31 + 30)  # October–April, the months of the import links
    for link, partner in (("tm_kg", "TM"), ("kz_kg", "KZ"), ("ru_kg", "RU"), ("uz_kg", "UZ")):
        assert links.at[link, "months"] == "10-4"
        assert float(links.at[link, "capacity_mw"]) * season_h / 1e6 == pytest.approx(float(caps[partner]), rel=0.01)
