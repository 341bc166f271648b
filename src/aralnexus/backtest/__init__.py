"""Backtest: replay observed years and compare the model with published figures.

``run_backtest(start, end)`` replays calendar years ``start``..``end`` (default 2019–2025) with
:func:`aralnexus.backtest.replay.replay` and returns the comparison table
(:data:`aralnexus.backtest.compare.COMPARISON_COLUMNS`) and the mean absolute error per group.
The published figures are the dataset's ``published`` table (each row with a reference fact id).

Layer: after ``ensemble``, before ``report`` (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aralnexus.backtest.compare import COMPARISON_COLUMNS, GROUPS, comparison_table, group_errors
from aralnexus.backtest.replay import Replay, YearInputs, read_record_file, replay
from aralnexus.errors import InputError, Problem
from aralnexus.scenario.model import Scenario

DEFAULT_START = 2019
DEFAULT_END = 2025


@dataclass(frozen=True)
class BacktestResult:
    """A backtest: the replay, the comparison table and the errors per group.

    Attributes
    ----------
    start, end
        Replayed calendar years (inclusive).
    replay
        The replayed model results and the inputs of each year.
    table
        One row per published figure (:data:`COMPARISON_COLUMNS`).
    errors
        Per group: ``n``, ``not_modelled``, ``mae_pct``, ``mean_error_pct``, ``rms`` (Toktogul, km3).
    record
        ``dataset`` (the shipped CA-discharge water-year volumes) or the user's record file.
    """

    start: int
    end: int
    replay: Replay
    table: pd.DataFrame
    errors: pd.DataFrame
    record: str

    @property
    def inputs(self) -> tuple[YearInputs, ...]:
        """What each replayed year was given."""
        return self.replay.inputs

    def mae(self, group: str) -> float:
        """Mean absolute error (%) of one group (NaN when it has no compared figure)."""
        rows = self.errors[self.errors["group"] == group]
        return float(rows["mae_pct"].iloc[0]) if not rows.empty else float("nan")


def data_years(scenario: Scenario) -> tuple[int, int]:
    """First and last calendar year with a published figure and a start volume."""
    pub = scenario.dataset.published
    years = pub["period"].astype(str).str[:4].astype(int)
    starts = scenario.dataset.backtest_start["date"].astype(str).str[:4].astype(int)
    return max(int(years.min()), int(starts.min())), int(years.max())


def check_years(scenario: Scenario, start: int, end: int) -> None:
    """Raise :class:`InputError` if ``start``..``end`` is empty or leaves the data's years."""
    first, last = data_years(scenario)
    problems = []
    if start > end:
        problems.append(Problem("--start/--end", "years", "start ≤ end", f"{start} > {end}"))
    for name, year in (("--start", start), ("--end", end)):
        if not first <= year <= last:
            problems.append(
                Problem(
                    name,
                    "year",
                    f"a year from {first} to {last} (published figures and start volumes)",
                    str(year),
                    "years outside the data cannot be compared",
                )
            )
    if problems:
        raise InputError(problems)


def run_backtest(
    scenario: Scenario | str = "default",
    start: int = DEFAULT_START,
    end: int = DEFAULT_END,
    record_file: Path | None = None,
) -> BacktestResult:
    """Replay ``start``..``end`` and compare with the published figures.

    Parameters
    ----------
    scenario
        Scenario (or ``"default"`` / a YAML path) whose dataset is replayed.
    start, end
        Inclusive calendar years (default 2019–2025).
    record_file
        CSV ``series, water_year, volume_km3`` of observed annual inflow volumes; it must cover
        water years ``start``..``end`` for every series. Default: the dataset's observed record,
        where it covers a year, else the climatology.

    Raises
    ------
    InputError
        Years outside the data, or a record file that is unreadable or does not cover them.
    """
    if not isinstance(scenario, Scenario):
        from aralnexus.scenario import load_scenario

        scenario = load_scenario(str(scenario))
    check_years(scenario, start, end)
    record = None if record_file is None else read_record_file(record_file, scenario.dataset, start, end)
    result = replay(scenario, start, end, record)
    table = comparison_table(result, scenario.dataset, start, end)
    return BacktestResult(
        start, end, result, table, group_errors(table), "dataset" if record_file is None else str(record_file)
    )


__all__ = [
    "COMPARISON_COLUMNS",
    "DEFAULT_END",
    "DEFAULT_START",
    "GROUPS",
    "BacktestResult",
    "check_years",
    "run_backtest",
]
