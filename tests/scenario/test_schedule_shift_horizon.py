"""``schedule_shift_months`` with a horizon that starts at or after a plant's ``in_service``.

Kambarata-1 of the default dataset: impounding 2030-05, then 465 MW 2031-01, 930 MW 2031-07,
1395 MW 2032-01, 1860 MW 2032-07; in service 2031-01.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from aralnexus.data.dataset import Dataset, load_default
from aralnexus.errors import InputError
from aralnexus.scenario import load_scenario
from aralnexus.system import build_system


@pytest.fixture(scope="module")
def default() -> Dataset:
    return load_default()


def _load(tmp_path: Path, default: Dataset, start: str, patch: str) -> tuple[list[tuple[str, float]], str]:
    path = tmp_path / "shift.yaml"
    path.write_text(textwrap.dedent(f'horizon: {{start: "{start}", end: "2033-12"}}\nplants:\n  kambarata1: {patch}\n'))
    ds = load_scenario(path, base=default).dataset
    rows = ds.plant_schedule.loc[ds.plant_schedule["plant"] == "kambarata1"].sort_values("date")
    in_service = str(ds.plants.set_index("plant").at["kambarata1", "in_service"])
    return list(zip(rows["date"], rows["capacity_mw"], strict=True)), in_service


def test_an_earlier_schedule_after_in_service_puts_the_moved_stage_in_force_at_the_start(
    tmp_path: Path, default: Dataset
) -> None:
    rows, in_service = _load(tmp_path, default, "2032-01", "{schedule_shift_months: -24}")
    # history up to the start stays; 1860 MW (2032-07 − 24 months) is in force from the start
    assert rows == [("2030-05", 0.0), ("2031-01", 465.0), ("2031-07", 930.0), ("2032-01", 1860.0)]
    assert in_service == "2031-01"


def test_an_earlier_schedule_starting_between_stages_keeps_history_and_moves_the_rest(
    tmp_path: Path, default: Dataset
) -> None:
    rows, in_service = _load(tmp_path, default, "2031-03", "{schedule_shift_months: -6}")
    assert rows == [("2030-05", 0.0), ("2031-01", 465.0), ("2031-03", 930.0), ("2031-07", 1395.0), ("2032-01", 1860.0)]
    assert in_service == "2031-01"


def test_a_later_schedule_after_in_service_moves_only_the_stages_to_come(tmp_path: Path, default: Dataset) -> None:
    rows, in_service = _load(tmp_path, default, "2032-01", "{schedule_shift_months: 12}")
    assert rows == [("2030-05", 0.0), ("2031-01", 465.0), ("2031-07", 930.0), ("2032-01", 1395.0), ("2033-07", 1860.0)]
    assert in_service == "2031-01"


def test_a_horizon_starting_on_in_service_keeps_it(tmp_path: Path, default: Dataset) -> None:
    rows, in_service = _load(tmp_path, default, "2031-01", "{schedule_shift_months: -3}")
    assert rows[:2] == [("2030-05", 0.0), ("2031-01", 465.0)]
    assert ("2031-04", 930.0) in rows and in_service == "2031-01"


def test_the_system_has_the_moved_capacity_from_the_first_month(tmp_path: Path, default: Dataset) -> None:
    path = tmp_path / "shift.yaml"
    path.write_text(
        'horizon: {start: "2032-01", end: "2032-03"}\nplants:\n  kambarata1: {schedule_shift_months: -24}\n'
    )
    system = build_system(load_scenario(path, base=default))
    k = system.plant_ids.index("kambarata1")
    assert system.staging.capacity_mw[:, k].tolist() == [1860.0, 1860.0, 1860.0]


def test_a_shift_against_a_fixed_in_service_is_refused_with_the_shift_that_works(
    tmp_path: Path, default: Dataset
) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, default, "2025-01", "{in_service: 2033-01, schedule_shift_months: -12}")
    (problem,) = caught.value.problems  # one problem, naming the option used, not a second on in_service
    assert problem.field == "plants.kambarata1.schedule_shift_months"
    assert "schedule_shift_months: 24 or later" in problem.hint
    rows, in_service = _load(tmp_path, default, "2025-01", "{in_service: 2033-01, schedule_shift_months: 24}")
    assert in_service == "2033-01" and rows[1] == ("2033-01", 465.0)


def test_in_service_after_capacity_already_in_force_is_refused_naming_the_shift(
    tmp_path: Path, default: Dataset
) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, default, "2032-01", "{in_service: 2032-03, schedule_shift_months: 3}")
    (problem,) = caught.value.problems
    assert problem.field == "plants.kambarata1.schedule_shift_months"
    assert "history at the horizon start 2032-01" in problem.hint
