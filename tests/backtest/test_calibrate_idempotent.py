"""Re-running the calibration must not compound: written values depend on the stated base values only."""

from __future__ import annotations

import shutil
from pathlib import Path

from aralnexus.backtest.calibrate import KNOBS, at_priors, value_of, with_value, write_values
from aralnexus.data.dataset import default_dir, load_dataset, load_default


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}


def test_writing_the_same_calibration_twice_gives_the_same_files(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(default_dir(), folder)
    values = {k.name: k.candidates[0] for k in KNOBS}
    write_values(values, folder)
    once = _snapshot(folder)
    write_values(values, folder)
    assert _snapshot(folder) == once


def test_a_written_withdrawal_scale_multiplies_the_stated_profile_not_the_stored_one(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(default_dir(), folder)
    knob = next(k for k in KNOBS if k.name == "withdrawals.golovnaya.scale")
    write_values({knob.name: 0.5}, folder)
    write_values({knob.name: 0.5}, folder)
    frame = load_dataset(folder).withdrawals
    gol = frame[frame["point"] == "golovnaya"]
    assert ((gol["withdrawal_m3s"] - 0.5 * gol["base_withdrawal_m3s"]).abs() <= 0.05).all()
    assert abs(value_of(load_dataset(folder), knob) - 0.5) < 1e-3


def test_the_calibration_notes_do_not_grow_on_a_rewrite(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(default_dir(), folder)
    values = {k.name: k.candidates[-1] for k in KNOBS}
    write_values(values, folder)
    notes = load_dataset(folder).sources["note"]
    assert not notes.str.contains("was calibrated").any()


def test_the_fit_starts_from_the_priors_whatever_was_stored() -> None:
    ds = load_default()
    scaled = ds
    for knob in KNOBS:
        scaled = with_value(scaled, knob, knob.candidates[0])
        scaled = with_value(scaled, knob, knob.candidates[0])
    start_a, start_b = at_priors(ds), at_priors(scaled)
    for knob in KNOBS:
        assert value_of(start_a, knob) == value_of(start_b, knob) == knob.prior, knob.name
    assert start_a.withdrawals["withdrawal_m3s"].equals(start_b.withdrawals["withdrawal_m3s"])
