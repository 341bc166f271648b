"""Calibration knobs: reading and setting a dataset cell or a withdrawal profile scale."""

from __future__ import annotations

import pytest

from aralnexus.backtest.calibrate import KNOBS, Knob, value_of, with_value
from aralnexus.data.dataset import load_default


def test_a_cell_knob_sets_exactly_its_cell() -> None:
    ds = load_default()
    knob = Knob("links", "uz_tj", "capacity_mw", (0.0, 100.0), "test", 150.0)
    changed = with_value(ds, knob, 123.0)
    assert value_of(changed, knob) == 123.0
    others = changed.links[changed.links["link"] != "uz_tj"]
    assert others.equals(ds.links[ds.links["link"] != "uz_tj"])


def test_a_withdrawal_knob_scales_every_month_of_its_points_stated_profile_only() -> None:
    ds = load_default()
    knob = Knob("withdrawals", "golovnaya", "scale", (0.5, 1.0), "test", 1.0)
    changed = with_value(ds, knob, 2.0)
    before, after = ds.withdrawals, changed.withdrawals
    gol = before["point"] == "golovnaya"
    assert (after.loc[gol, "withdrawal_m3s"] == 2.0 * before.loc[gol, "base_withdrawal_m3s"]).all()
    assert after.loc[~gol].equals(before.loc[~gol])
    assert with_value(changed, knob, 2.0).withdrawals.equals(after)


def test_every_knob_names_a_calibrated_source_row() -> None:
    src = load_default().sources
    for knob in KNOBS:
        table = src[src["table"] == knob.table]
        if knob.table == "withdrawals":
            rows = table[table["element"].str.startswith(f"{knob.element}/") & (table["attribute"] == "withdrawal_m3s")]
        else:
            rows = table[(table["element"] == knob.element) & (table["attribute"] == knob.attribute)]
        assert not rows.empty, knob.name
        assert set(rows["kind"]) == {"calibrated"}, knob.name
        assert rows["note"].str.contains("coordinate search").all()


@pytest.mark.parametrize("knob", KNOBS, ids=lambda k: k.name)
def test_every_knob_has_candidates_and_a_reason(knob: Knob) -> None:
    assert len(knob.candidates) >= 2
    assert knob.reason
