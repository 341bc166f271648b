"""System arrays: calendar, staging, topology and curves."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from aralnexus.data.dataset import load_default
from aralnexus.errors import InputError
from aralnexus.system import build_system_from_dataset
from aralnexus.system.calendar import build_calendar, hourly_shape
from aralnexus.system.topology import build_topology
from aralnexus.testing.examples import make_dataset, plant_row, random_dataset


def test_monthly_steps_cover_every_hour_of_every_month() -> None:
    cal = build_calendar(load_default().load_blocks, "2024-01", "2025-12", "monthly")
    assert cal.duration_h.sum() == pytest.approx((366 + 365) * 24)
    assert np.allclose(np.bincount(cal.step_stage, weights=cal.duration_h), cal.stage_hours)


def test_hourly_load_shape_keeps_the_months_energy_and_peaks_morning_and_evening() -> None:
    blocks = load_default().load_blocks
    shape = hourly_shape(blocks)
    assert shape.mean() == pytest.approx(1.0)
    assert shape[8] == shape.max() and shape[18] == shape.max()
    assert shape[3] == shape.min()


def test_demand_energy_is_the_same_monthly_and_hourly() -> None:
    ds = load_default()
    monthly = build_system_from_dataset(ds, "2026-01", "2026-12", "monthly")
    hourly = build_system_from_dataset(ds, "2026-01", "2026-12", "hourly")
    e_month = (monthly.countries.demand_mw * monthly.calendar.duration_h[:, None]).sum(axis=0)
    e_hour = (hourly.countries.demand_mw * hourly.calendar.duration_h[:, None]).sum(axis=0)
    assert e_hour == pytest.approx(e_month, rel=1e-9)


def test_rogun_capacity_and_storage_follow_the_schedule() -> None:
    system = build_system_from_dataset(load_default(), "2025-01", "2035-12", "monthly")
    r = system.plant_ids.index("rogun")
    cap = system.staging.capacity_mw[:, r]
    stor = system.staging.storage_max_hm3[:, r]
    assert np.all(np.diff(cap) >= 0) and np.all(np.diff(stor) >= 0)
    assert cap[0] < cap[-1] == pytest.approx(3780.0)
    assert stor[-1] == pytest.approx(13300.0)
    times = pd.DatetimeIndex(system.calendar.stages["time"])
    k1 = system.plant_ids.index("kambarata1")
    assert (system.staging.capacity_mw[times < "2031-01-01", k1] == 0).all()


def test_turbine_discharge_follows_the_units_in_service_not_the_capacity() -> None:
    """Rogun's two early units (240 of 3780 MW, low-head runners) pass 2/6 of the design discharge."""
    system = build_system_from_dataset(load_default(), "2025-01", "2035-12", "monthly")
    r = system.plant_ids.index("rogun")
    times = pd.DatetimeIndex(system.calendar.stages["time"])
    turbine = system.staging.turbine_max_m3s[:, r]
    assert turbine[times == "2025-01-01"][0] == pytest.approx(1451.0 * 2 / 6)
    assert turbine[times == "2030-09-01"][0] == pytest.approx(1451.0)
    k1 = system.plant_ids.index("kambarata1")
    assert (system.staging.turbine_max_m3s[times < "2031-01-01", k1] == 0).all()


def test_initial_storage_lies_within_the_first_stage_bounds() -> None:
    system = build_system_from_dataset(load_default(), "2025-01", "2025-12", "monthly")
    assert (system.storage_initial_hm3 >= system.staging.storage_min_hm3[0] - 1e-9).all()
    assert (system.storage_initial_hm3 <= system.staging.storage_max_hm3[0] + 1e-9).all()


def test_a_cascade_with_a_cycle_is_rejected() -> None:
    plants = make_dataset(plants=[plant_row("a", downstream="b"), plant_row("b", downstream="a")]).plants
    with pytest.raises(InputError, match="cycle"):
        build_topology(plants)


def test_unknown_downstream_plant_is_named() -> None:
    plants = make_dataset(plants=[plant_row("a", downstream="nowhere")]).plants
    with pytest.raises(InputError, match="nowhere"):
        build_topology(plants)


def test_heads_grow_with_storage() -> None:
    system = build_system_from_dataset(load_default(), "2026-01", "2026-01", "monthly")
    lo = system.curves.head_m(system.staging.storage_min_hm3)
    hi = system.curves.head_m(system.staging.storage_max_hm3)
    own = system.curves.has_curve & ~system.curves.tail_is_pool()[0] & system.staging.in_service[0]
    assert own.sum() >= 2
    assert (hi[0, own] > lo[0, own]).all()


@pytest.mark.parametrize("seed", range(5))
def test_random_systems_build(seed: int) -> None:
    system = build_system_from_dataset(random_dataset(seed, 4, 3), "2026-01", "2026-12", "monthly")
    assert system.countries.demand_mw.shape == (system.calendar.n_steps, 3)


def _golovnaya_in(month: int) -> tuple[float, pd.Series, float]:
    """Golovnaya's required release in ``month`` of 2025 (m3/s), its stated row and the withdrawal there (m3/s)."""
    ds = load_default()
    system = build_system_from_dataset(ds, "2025-01", "2025-12", "monthly")
    rel = system.releases
    stage = system.calendar.stages.index[system.calendar.stages["month"] == month][0]
    plant = system.plant_ids.index("golovnaya")
    row = rel[(rel["stage"] == stage) & (rel["point"] == "golovnaya")]
    stated = ds.min_releases[(ds.min_releases["point"] == "golovnaya") & (ds.min_releases["month"] == month)]
    assert system.withdrawal_m3s is not None
    return float(row["required_m3s"].iloc[0]), stated.iloc[0], float(system.withdrawal_m3s[stage, plant])


def test_an_irrigation_requirement_excludes_the_canals_withdrawn_at_its_point() -> None:
    required, stated, withdrawal = _golovnaya_in(7)
    assert not bool(stated["strict"])
    assert withdrawal > 0
    assert required == pytest.approx(float(stated["min_release_m3s"]) - withdrawal)


def test_a_strict_river_minimum_applies_to_what_passes_as_written() -> None:
    required, stated, withdrawal = _golovnaya_in(1)
    assert bool(stated["strict"])
    assert withdrawal > 0
    assert required == pytest.approx(float(stated["min_release_m3s"]))


def test_a_link_carries_its_level_from_start_to_end_only() -> None:
    ds = load_default()
    system = build_system_from_dataset(ds, "2021-01", "2022-12", "monthly")
    ids = system.links.ids
    steps = system.calendar.steps
    july = (steps["month"] == 7).to_numpy()
    y2021, y2022 = july & (steps["year"] == 2021).to_numpy(), july & (steps["year"] == 2022).to_numpy()
    old, new = ids.index("tj_af_2021"), ids.index("tj_af_existing")
    links = ds.links.set_index("link")
    # the contract level to 2021 ends in December 2021; the stated 2022 contract starts in January 2022
    assert system.links.capacity_mw[y2021, old] == pytest.approx(float(links.at["tj_af_2021", "capacity_mw"]))
    assert system.links.capacity_mw[y2022, old] == pytest.approx(0.0)
    assert system.links.capacity_mw[y2021, new] == pytest.approx(0.0)
    assert system.links.capacity_mw[y2022, new] == pytest.approx(float(links.at["tj_af_existing", "capacity_mw"]))


def _assert_link_cell_refused(link: str, column: str, value: str, year: int) -> None:
    """Building a year with ``links.<link>.<column>`` set to ``value`` raises an input error naming that cell."""
    ds = load_default()
    links = ds.links.copy()
    links.loc[links["link"] == link, column] = value
    with pytest.raises(InputError, match=rf"links\.{link}\.{column}"):
        build_system_from_dataset(dataclasses.replace(ds, links=links), f"{year}-01", f"{year}-12", "monthly")


def test_a_link_ending_before_it_starts_is_refused() -> None:
    _assert_link_cell_refused("tj_af_2021", "end", "2010-12", 2021)


def test_a_link_with_months_it_cannot_read_is_refused_with_the_field() -> None:
    _assert_link_cell_refused("tj_uz", "months", "May-Aug", 2025)
