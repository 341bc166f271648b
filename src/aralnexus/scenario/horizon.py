"""Check a horizon (first and last month ``YYYY-MM``) from a scenario file or the command line.

One definition of a valid horizon: months written ``YYYY-MM`` with a month 1–12, years within
:data:`FIRST_YEAR`–:data:`LAST_YEAR`, the end not before the start, and at most
:data:`MAX_HORIZON_MONTHS` months. Problems name the field or option the value came from
(``horizon.start`` in a file, ``--start`` on the command line).
"""

from __future__ import annotations

import re

from aralnexus.errors import InputError, Problem
from aralnexus.i18n import _

#: Calendar years a horizon may use (the dataset describes plants commissioned from the 1960s on).
FIRST_YEAR, LAST_YEAR = 1900, 2200
#: Longest horizon, months (a century of monthly stages).
MAX_HORIZON_MONTHS = 1200

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_index(month: str) -> int | None:
    """Return ``year * 12 + month - 1`` of a ``YYYY-MM`` string, or None if it is not one."""
    match = _MONTH.match(month.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_problem(month: str | None, file: str, field: str) -> Problem | None:
    """Return the problem with one month (format, year range), or None when it is fine or absent."""
    if month is None:
        return None
    index = month_index(str(month))
    if index is None:
        return Problem(file, field, _('a month "YYYY-MM" (month 01–12)'), repr(month))
    if not FIRST_YEAR <= index // 12 <= LAST_YEAR:
        return Problem(
            file, field, _("a month in the years {first}–{last}", first=FIRST_YEAR, last=LAST_YEAR), repr(month)
        )
    return None


def horizon_problems(start: str, end: str, *, file: str, start_field: str, end_field: str) -> list[Problem]:
    """Return every problem with the horizon ``start``–``end`` (empty when it is valid)."""
    problems = [
        p for p in (month_problem(start, file, start_field), month_problem(end, file, end_field)) if p is not None
    ]
    if problems:
        return problems
    first, last = month_index(start), month_index(end)
    assert first is not None and last is not None
    if last < first:
        problems.append(Problem(file, end_field, _("a month not before the start ({start})", start=start), repr(end)))
    elif last - first + 1 > MAX_HORIZON_MONTHS:
        expected = _(
            "a horizon of at most {months} months ({years} years)",
            months=MAX_HORIZON_MONTHS,
            years=MAX_HORIZON_MONTHS // 12,
        )
        found = _("{months} months from {start} to {end}", months=last - first + 1, start=start, end=end)
        problems.append(Problem(file, end_field, expected, found))
    return problems


def check_option_months(start: str | None, end: str | None) -> None:
    """Check ``--start`` and ``--end`` as given on the command line (before loading a scenario).

    Raises
    ------
    InputError
        Naming ``--start`` and/or ``--end``.
    """
    problems = [
        p for p in (month_problem(start, "<arguments>", "--start"), month_problem(end, "<arguments>", "--end")) if p
    ]
    if problems:
        raise InputError(problems)


def check_run_horizon(start: str, end: str, *, start_given: bool, end_given: bool) -> None:
    """Check the horizon a run will use, naming the option that set each end (or the scenario's horizon).

    Raises
    ------
    InputError
        If the horizon is not valid.
    """
    problems = horizon_problems(
        start,
        end,
        file="<arguments>",
        start_field="--start" if start_given else _("horizon.start (of the scenario)"),
        end_field="--end" if end_given else _("horizon.end (of the scenario)"),
    )
    if problems:
        raise InputError(problems)
