"""Calibration knobs: reading and setting a dataset cell or a withdrawal profile scale."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from aralnexus.backtest import run_backtest
from aralnexus.backtest.calibrate import KNOBS, Knob, objective, select_knobs, value_of, with_value
from aralnexus.backtest.fidelity import errors_in_years
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


def test_a_part_of_the_fit_selects_the_named_knobs_in_search_order() -> None:
    names = ["links.uz_tj.capacity_mw", "thermal.dushanbe2_chp.availability"]
    chosen = select_knobs(names)
    assert [k.name for k in chosen] == [k.name for k in KNOBS if k.name in names]
    assert select_knobs([]) == KNOBS


def test_an_unknown_knob_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown knob thermal\.nowhere\.availability; knobs: .*uz_tj"):
        select_knobs(["thermal.nowhere.availability"])


def test_the_calibration_script_exits_2_on_an_unknown_knob() -> None:
    script = Path(__file__).parents[2] / "scripts" / "calibrate_backtest.py"
    done = subprocess.run(
        [sys.executable, str(script), "--only", "plants.nowhere.head_loss_m"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown knob plants.nowhere.head_loss_m" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_objective_is_the_mean_group_error_of_the_dated_figures_without_the_long_run_means() -> None:
    ds = load_default()
    result = run_backtest("default", 2022, 2022)
    groups = errors_in_years(result, (2022, 2022))["mae_pct"].dropna()
    assert objective(result, ds) == pytest.approx(float(groups.mean()))
    plants = ds.plants.assign(mean_generation_twh=ds.plants["mean_generation_twh"] * 2)
    assert objective(result, dataclasses.replace(ds, plants=plants)) == objective(result, ds)
