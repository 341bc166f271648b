"""Intermediate results shared by several metrics, computed once per solution.

Several registered metrics read one intermediate (the peak step of each year, the swap flows):
:func:`once_per_solution` keeps it while the solution object lives, keyed by what it depends on.
A solution is not changed in place once metrics were computed on it (copy it first, as
:func:`aralnexus.metrics.exports.flows_of` assumes too).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar, cast

import xarray as xr

_CACHE: dict[int, dict[Hashable, object]] = {}
_T = TypeVar("_T")


def once_per_solution(solution: xr.Dataset, key: Hashable, make: Callable[[], _T]) -> _T:
    """Return ``make()`` for ``(solution, key)``, computed on the first call only."""
    per = _CACHE.get(id(solution))
    if per is None:
        per = {}
        _CACHE[id(solution)] = per
        weakref.finalize(solution, _CACHE.pop, id(solution), None)
    if key not in per:
        per[key] = make()
    return cast(_T, per[key])
