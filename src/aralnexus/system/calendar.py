"""The calendar: water stages and power steps with their durations.

Monthly resolution: one water stage per month, one power step per load block in it (peak,
shoulder, offpeak) lasting ``hours_share · hours in the month``. Hourly resolution: one stage
and one step per hour, with an hourly load shape built from the load blocks (peak hours 07–10
and 17–20, off-peak the night hours, shoulder the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.errors import InputError, Problem
from aralnexus.units import HOURS_PER_DAY
from aralnexus.vocab import RESOLUTIONS, Resolution

#: Hours of the day (start hour) counted as peak in hourly runs: 07–10 and 17–20.
PEAK_HOURS: tuple[int, ...] = (7, 8, 9, 17, 18, 19)
#: Night hours filled first with off-peak, in order of preference.
NIGHT_HOURS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 23, 22, 6, 21, 14, 15)


@dataclass(frozen=True)
class Calendar:
    """Water stages and power steps of one run.

    Parameters
    ----------
    resolution
        ``monthly`` or ``hourly``.
    steps
        One row per power step: ``step, stage, time, year, month, block, duration_h``.
    stages
        One row per water stage: ``stage, time, year, month, duration_h``.
    load_factor
        Per step: demand in the step divided by the month's mean demand.
    """

    resolution: Resolution
    steps: pd.DataFrame
    stages: pd.DataFrame
    load_factor: npt.NDArray[np.float64]

    @property
    def n_steps(self) -> int:
        """Number of power steps."""
        return len(self.steps)

    @property
    def n_stages(self) -> int:
        """Number of water stages."""
        return len(self.stages)

    @property
    def step_stage(self) -> npt.NDArray[np.int64]:
        """Stage index of every step (a fresh copy: callers may change it)."""
        return self._step_stage.copy()

    @property
    def duration_h(self) -> npt.NDArray[np.float64]:
        """Duration of every step in hours (a fresh copy)."""
        return self._duration_h.copy()

    @property
    def stage_hours(self) -> npt.NDArray[np.float64]:
        """Duration of every stage in hours (a fresh copy)."""
        return self._stage_hours.copy()

    # The columns as arrays, read once: a pandas column lookup costs ≈ 0.3 ms, and the head
    # iteration asks for them a dozen times per LP solve.
    @cached_property
    def _step_stage(self) -> npt.NDArray[np.int64]:
        return self.steps["stage"].to_numpy(dtype=np.int64)

    @cached_property
    def _duration_h(self) -> npt.NDArray[np.float64]:
        return self.steps["duration_h"].to_numpy(dtype=np.float64)

    @cached_property
    def _stage_hours(self) -> npt.NDArray[np.float64]:
        return self.stages["duration_h"].to_numpy(dtype=np.float64)

    @property
    def stage_month_start(self) -> pd.DatetimeIndex:
        """Month start of every stage (the time key of monthly inflows)."""
        times = pd.DatetimeIndex(self.stages["time"])
        return times.to_period("M").to_timestamp()


def parse_month(text: str, field: str) -> pd.Timestamp:
    """Parse ``YYYY-MM`` into the month's first day; raise InputError otherwise."""
    try:
        stamp = pd.Timestamp(f"{str(text).strip()[:7]}-01")
    except ValueError:
        raise InputError([Problem("<arguments>", field, "a month YYYY-MM", repr(text))]) from None
    return stamp


def month_range(start: str, end: str) -> pd.DatetimeIndex:
    """Return month starts from ``start`` to ``end`` inclusive (``YYYY-MM``)."""
    first, last = parse_month(start, "start"), parse_month(end, "end")
    if last < first:
        raise InputError([Problem("<arguments>", "end", f"a month not before start {start}", repr(end))])
    return pd.date_range(first, last, freq="MS")


def _block_table(load_blocks: pd.DataFrame) -> pd.DataFrame:
    blocks = load_blocks[["block", "hours_share", "load_factor"]].copy()
    total = float(blocks["hours_share"].sum())
    problems = []
    if not np.isclose(total, 1.0, atol=1e-3):
        problems.append(Problem("load_blocks.csv", "hours_share", "shares summing to 1", f"{total:.4f}"))
    mean_lf = float((blocks["hours_share"] * blocks["load_factor"]).sum())
    if not np.isclose(mean_lf, 1.0, atol=1e-2):
        problems.append(Problem("load_blocks.csv", "load_factor", "Σ hours_share·load_factor = 1", f"{mean_lf:.4f}"))
    if problems:
        raise InputError(problems)
    # Normalise exactly so that energy in blocks equals the month's energy.
    blocks["hours_share"] = blocks["hours_share"] / total
    blocks["load_factor"] = blocks["load_factor"] / mean_lf * 1.0
    return blocks.reset_index(drop=True)


def _monthly(months: pd.DatetimeIndex, blocks: pd.DataFrame) -> Calendar:
    hours = months.days_in_month.to_numpy(dtype=np.float64) * HOURS_PER_DAY
    n_m, n_b = len(months), len(blocks)
    stage = np.repeat(np.arange(n_m), n_b)
    share = np.tile(blocks["hours_share"].to_numpy(dtype=np.float64), n_m)
    steps = pd.DataFrame(
        {
            "step": np.arange(n_m * n_b),
            "stage": stage,
            "time": months[stage],
            "year": months.year.to_numpy()[stage],
            "month": months.month.to_numpy()[stage],
            "block": np.tile(blocks["block"].to_numpy(dtype=object), n_m),
            "duration_h": share * hours[stage],
        }
    )
    stages = pd.DataFrame(
        {"stage": np.arange(n_m), "time": months, "year": months.year, "month": months.month, "duration_h": hours}
    )
    load_factor = np.tile(blocks["load_factor"].to_numpy(dtype=np.float64), n_m)
    return Calendar("monthly", steps, stages, load_factor)


def hourly_shape(blocks: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Return the 24 hourly load factors (mean 1) built from the load blocks."""
    lf = dict(zip(blocks["block"], blocks["load_factor"], strict=True))
    share = dict(zip(blocks["block"], blocks["hours_share"], strict=True))
    shape = np.full(24, lf.get("shoulder", 1.0))
    if "peak" in lf:
        shape[list(PEAK_HOURS)] = lf["peak"]
    if "offpeak" in lf:
        n_off = round(HOURS_PER_DAY * float(share["offpeak"]))
        free = [h for h in NIGHT_HOURS if h not in PEAK_HOURS][:n_off]
        shape[free] = lf["offpeak"]
    out: npt.NDArray[np.float64] = shape / shape.mean()
    return out


def _hourly(months: pd.DatetimeIndex, blocks: pd.DataFrame) -> Calendar:
    end = months[-1] + pd.offsets.MonthBegin(1)
    hours = pd.date_range(months[0], end, freq="h", inclusive="left")
    n = len(hours)
    steps = pd.DataFrame(
        {
            "step": np.arange(n),
            "stage": np.arange(n),
            "time": hours,
            "year": hours.year,
            "month": hours.month,
            "block": "hour",
            "duration_h": np.ones(n),
        }
    )
    stages = steps[["stage", "time", "year", "month", "duration_h"]].copy()
    load_factor = hourly_shape(blocks)[hours.hour.to_numpy()]
    return Calendar("hourly", steps, stages, load_factor)


def build_calendar(load_blocks: pd.DataFrame, start: str, end: str, resolution: Resolution) -> Calendar:
    """Build the calendar of a run.

    Parameters
    ----------
    load_blocks
        The dataset's ``load_blocks`` table.
    start, end
        First and last month, inclusive (``YYYY-MM``).
    resolution
        ``monthly`` (stages = months, steps = load blocks) or ``hourly`` (stage = step = hour).
    """
    if resolution not in RESOLUTIONS:
        raise InputError([Problem("<arguments>", "resolution", " or ".join(RESOLUTIONS), repr(resolution))])
    months = month_range(start, end)
    blocks = _block_table(load_blocks)
    return _monthly(months, blocks) if resolution == "monthly" else _hourly(months, blocks)
