"""Start storage: stated per plant with where it comes from, never invented.

Each plant's storage at the horizon start comes from one of (first that applies):

- ``scenario``: the scenario's ``initial_storage_hm3.<plant>`` — a storage at the horizon start;
- a rule given by the caller, e.g. ``rule: median run 2025-01 … 2032-12`` (the end storage of a
  median-hydrology run from the dataset's storage date up to the horizon start; see
  :mod:`aralnexus.dispatch.start`);
- ``data``: ``plants.storage_initial_hm3`` (its full storage when empty), which describes
  1 January of the ``storage_initial_year`` parameter. A horizon that starts at that date uses it
  as is; one that starts elsewhere says so in the note.

A storage above what the reservoir can hold at the start (staged full storage of the first
stage) is lowered to it and the lowering reported as ``adjustment_hm3`` (water that cannot be
held, not water created). A storage below the first stage's minimum is kept: the reservoir fills
from its own inflow before it can release below (``dispatch.water.storage_lower_hm3``). Nothing
is ever raised. The table (columns :data:`START_STORAGE_COLUMNS`) travels with the
:class:`~aralnexus.system.system.System`, into ``Results.start_storage`` and the store's
``start_storage`` table.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.data.dataset import Dataset
from aralnexus.errors import Problem
from aralnexus.i18n import _, ngettext

#: Columns of the start-storage table (``Results.start_storage``, the store's ``start_storage``).
START_STORAGE_COLUMNS: tuple[str, ...] = ("plant", "storage_hm3", "source", "stated_hm3", "adjustment_hm3", "note")

#: Parameter naming the year on whose 1 January ``plants.storage_initial_hm3`` holds.
STORAGE_YEAR_PARAMETER = "storage_initial_year"

__all__ = [
    "START_STORAGE_COLUMNS",
    "STORAGE_YEAR_PARAMETER",
    "describe_start_storage",
    "start_storage_table",
    "storage_date",
]


def storage_date(dataset: Dataset) -> str | None:
    """Return the month (``YYYY-01``) the dataset's initial storages describe, or ``None`` if not stated."""
    try:
        year = dataset.parameter(STORAGE_YEAR_PARAMETER)
    except (KeyError, TypeError, ValueError):
        return None
    if not np.isfinite(year):
        return None
    return f"{int(year):04d}-01"


def _data_note(start: str, date: str | None) -> str:
    if date is None or date == start:
        return f"plants.storage_initial_hm3 at {date}" if date else "plants.storage_initial_hm3 (no storage date given)"
    when = "earlier" if start < date else "later"
    return f"plants.storage_initial_hm3 dated {date}, used at the {when} start {start} as it is"


def start_storage_table(
    plants: pd.DataFrame,
    storage_min_hm3: npt.NDArray[np.float64],
    storage_max_hm3: npt.NDArray[np.float64],
    start: str,
    date: str | None,
    stated: Mapping[str, float],
    rule: Mapping[str, float] | None,
    rule_label: str,
    problems: list[Problem],
) -> pd.DataFrame:
    """Return the start storage of every plant with its source, stated value and adjustment.

    Parameters
    ----------
    plants
        The plants table (row order = plant index).
    storage_min_hm3, storage_max_hm3
        Storage bounds of the first stage ``(P,)``.
    start
        First month of the horizon.
    date
        Month the dataset's ``storage_initial_hm3`` describes (:func:`storage_date`).
    stated
        Plant → storage from the scenario (``initial_storage_hm3``); a value above what the
        reservoir can hold at the start is a problem (appended to ``problems``).
    rule, rule_label
        Plant → storage from a rule, and how the rule is named in the ``source`` column.
    problems
        Where problems are collected.
    """
    data = plants["storage_initial_hm3"].to_numpy(dtype=np.float64)
    full = plants["storage_full_hm3"].to_numpy(dtype=np.float64)
    rows = []
    for p, plant in enumerate(plants["plant"].astype(str)):
        if plant in stated:
            value, source, note = float(stated[plant]), "scenario", f"initial_storage_hm3.{plant} at {start}"
        elif rule is not None and plant in rule:
            value, source, note = float(rule[plant]), rule_label, f"storage at the start {start}"
        elif np.isnan(data[p]):
            value, source, note = float(full[p]), "data", "no plants.storage_initial_hm3: full storage"
        else:
            value, source, note = float(data[p]), "data", _data_note(start, date)
        used = value
        if value > storage_max_hm3[p] + 1e-9:
            if source == "scenario":
                problems.append(
                    Problem(
                        "",
                        f"initial_storage_hm3.{plant}",
                        f"a storage the reservoir can hold at {start} (at most {storage_max_hm3[p]:.6g} hm3)",
                        f"{value:.6g} hm3",
                    )
                )
            used = float(storage_max_hm3[p])
            note += f"; lowered to the {used:.6g} hm3 the reservoir can hold at the start (not stored)"
        elif value < storage_min_hm3[p] - 1e-9:
            note += f"; below the {storage_min_hm3[p]:.6g} hm3 minimum at the start: fills from its own inflow"
        rows.append((plant, used, source, value, used - value, note))
    return pd.DataFrame(rows, columns=list(START_STORAGE_COLUMNS)).astype({"storage_hm3": float, "stated_hm3": float})


def describe_start_storage(table: pd.DataFrame) -> str:
    """Return one line, in the current language: where the start storages come from and what was adjusted (hm3).

    The source names (``data``, ``scenario``, the rule's label) are codes and stay as stored.
    """
    parts = [
        ngettext("{source} ({n} plant)", "{source} ({n} plants)", int(n), source=source)
        for source, n in table["source"].value_counts(sort=False).items()
    ]
    moved = table[table["adjustment_hm3"].abs() > 1e-9]
    adjusted = "; ".join(f"{p} {a:+.6g} hm3" for p, a in zip(moved["plant"], moved["adjustment_hm3"], strict=True))
    return _("{sources}; adjusted: {adjusted}", sources=", ".join(parts), adjusted=adjusted or _("none"))
