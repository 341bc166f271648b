"""Seasons used by the planner metrics: winter Y/Y+1 and the vegetation season.

Winter is October–March. October–December of year Y and January–March of Y+1 form
"winter Y/Y+1", labelled by the year in which it starts (Y). The vegetation (irrigation) season is
April–September of one calendar year.
"""

from __future__ import annotations

import pandas as pd

#: Calendar months of winter (October–March).
WINTER_MONTHS: tuple[int, ...] = (10, 11, 12, 1, 2, 3)
#: Calendar months of the vegetation season (April–September).
VEGETATION_MONTHS: tuple[int, ...] = (4, 5, 6, 7, 8, 9)
#: Calendar months of summer used for swap accounting (same as the vegetation season).
SUMMER_MONTHS: tuple[int, ...] = VEGETATION_MONTHS


def winter_year(year: pd.Series, month: pd.Series) -> pd.Series:
    """Return the winter label (start year) of each row, ``<NA>`` outside October–March.

    Parameters
    ----------
    year, month
        Calendar year and month (1–12) of each row.

    Returns
    -------
    pandas.Series
        Nullable integer: ``year`` for October–December, ``year − 1`` for January–March.
    """
    y = pd.to_numeric(year).astype("Int64")
    m = pd.to_numeric(month).astype("Int64")
    out = pd.Series(pd.NA, index=year.index, dtype="Int64")
    out = out.mask(m >= 10, y)
    return out.mask(m <= 3, y - 1)


def complete_winters(year: pd.Series, month: pd.Series) -> list[int]:
    """Return the winters (start years) whose six months all appear in the given rows."""
    frame = pd.DataFrame({"winter": winter_year(year, month), "month": pd.to_numeric(month)})
    counts = frame.dropna(subset=["winter"]).groupby("winter")["month"].nunique()
    return sorted(int(w) for w in counts.index[counts == len(WINTER_MONTHS)])


def hours_in_month(time: pd.Series) -> pd.Series:
    """Return the number of hours in the calendar month of each timestamp."""
    return pd.to_datetime(time).dt.days_in_month.astype("float64") * 24.0
