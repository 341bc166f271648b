"""The stage of every LP element (aralnexus.dispatch.stages): one map for discounting and the policy's stage cuts."""

from __future__ import annotations

import numpy as np
import pytest
from dispatch_support import system_and_inflows, with_economics

from aralnexus.dispatch import names as n
from aralnexus.dispatch.build import build_lp
from aralnexus.dispatch.head import initial_heads_m
from aralnexus.dispatch.names import Block
from aralnexus.dispatch.stages import NO_STAGE, column_stages, element_stages, row_stages
from aralnexus.testing.examples import random_dataset


def test_every_column_and_row_family_declares_its_first_axis() -> None:
    assert set(n.LEADING_AXIS) == set(n.COLUMN_FAMILIES) | set(n.ROW_FAMILIES)


def test_elements_take_the_stage_of_their_step_stage_or_release_row_and_annual_rows_none() -> None:
    dataset = with_economics(random_dataset(5, 3, 2), depth_pct=10.0, factor=2.0)
    system, inflow = system_and_inflows(dataset, "2026-01", "2027-12", "monthly")
    lp = build_lp(system, inflow, initial_heads_m(system, "fixed"))
    cols, rows = column_stages(system, lp.layout), row_stages(system, lp.layout)
    step_stage = system.calendar.step_stage
    for family, expected in ((n.TURBINE, step_stage), (n.STORAGE, np.arange(system.calendar.n_stages))):
        block = lp.layout.cols[family]
        np.testing.assert_array_equal(cols[block.index], np.broadcast_to(expected[:, None], block.shape))
    assert (cols != NO_STAGE).all()
    assert (cols < system.calendar.n_stages).all()
    np.testing.assert_array_equal(rows[lp.layout.rows[n.IMPORT_LIMIT].index.ravel()], NO_STAGE)
    power = lp.layout.rows[n.POWER_BALANCE]
    np.testing.assert_array_equal(rows[power.index], np.broadcast_to(step_stage[:, None], power.shape))
    releases = lp.layout.rows[n.MIN_RELEASE]
    np.testing.assert_array_equal(rows[releases.index], system.releases["stage"].to_numpy())


def test_a_family_without_a_declared_axis_is_refused() -> None:
    dataset = random_dataset(5, 3, 2)
    system, _ = system_and_inflows(dataset, "2026-01", "2026-03")
    with pytest.raises(KeyError, match="mystery"):
        element_stages(system, {"mystery": Block("mystery", 0, (3,))}, 3)
