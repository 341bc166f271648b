"""The parent writes finished members in batches whose interval grows with the run's length."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aralnexus.ensemble import runner
from aralnexus.ensemble.outputs import MemberOutput
from aralnexus.ensemble.runner import RunProgress, _Writer
from aralnexus.store import open_store


def _writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: list[float]) -> tuple[_Writer, list[int]]:
    """A writer on a real store whose batches are counted (members only, no solver) and whose clock we set."""
    monkeypatch.setattr(runner.time, "monotonic", lambda: clock[0])
    sizes: list[int] = []

    def count(db: Any, batch: dict[str, list[Any]]) -> None:
        sizes.append(sum(len(items) for items in batch.values()))

    monkeypatch.setattr(runner, "save_members", count)
    runs = {"base": RunProgress("r1", "base", "default", 10_000, 0)}
    return _Writer(open_store(tmp_path / "w.duckdb"), runs, 10_000, None), sizes


def test_write_interval_starts_at_one_second_and_grows_to_a_tenth_of_the_run_capped_at_ten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [100.0]
    writer, _ = _writer(tmp_path, monkeypatch, clock)
    assert writer.interval() == 1.0
    writer.add(MemberOutput("base", 0, "done"), runner.datetime.now())
    writer.flush()  # first write at t = 100 s
    assert writer.interval(105.0) == 1.0
    assert writer.interval(130.0) == pytest.approx(3.0)
    assert writer.interval(1_000.0) == 10.0


def test_members_arriving_every_half_second_for_ten_minutes_are_written_in_few_batches_and_none_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [0.0]
    writer, sizes = _writer(tmp_path, monkeypatch, clock)
    for member in range(1_200):
        clock[0] = 0.5 * member
        writer.add(MemberOutput("base", member, "done"), runner.datetime.now())
        if writer.due():
            writer.flush()
    writer.flush()
    assert sum(sizes) == 1_200 == writer.finished
    # one batch per second would be 600; the growing interval needs about 10 + 10·ln(10) + 50 ≈ 85
    assert writer.batches == len(sizes) < 100
    # and the last batches hold at most 10 s of members
    assert max(sizes) <= 21
