"""Domain errors and the CLI exit codes they map to.

Every problem in user input is collected as a :class:`Problem` and raised once as
:class:`InputError`; an optimisation that cannot meet a hard constraint raises
:class:`InfeasibleScenarioError` with an explanation in the user's terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from aralnexus.i18n import _, format_significant, ngettext


class ExitCode(IntEnum):
    """Process exit codes of the ``aralnexus`` CLI."""

    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    INFEASIBLE = 3


@dataclass(frozen=True)
class Problem:
    """One problem found in user input.

    Parameters
    ----------
    file
        The file the problem is in (``"<default>"`` for the built-in scenario).
    field
        Dotted field path, e.g. ``plants.rogun.capacity_mw`` (empty for the whole file).
    expected
        What was expected, in words.
    found
        What was found, in words (repr of the value where useful).
    hint
        Optional hint, e.g. ``did you mean 'capacity_mw'?``.
    """

    file: str
    field: str
    expected: str
    found: str
    hint: str = ""

    def __str__(self) -> str:
        """Render as one line in the current language: ``file: field: expected X, found Y (hint)``.

        The frame is translated; ``expected``, ``found`` and ``hint`` are as given (the code that
        finds a problem words them, in the language of the command that is running).
        """
        where = f"{self.file}: {self.field}" if self.field else self.file
        text = _("{where}: expected {expected}, found {found}", where=where, expected=self.expected, found=self.found)
        if self.hint:
            text += f" ({self.hint})"
        return text


@dataclass
class InputError(Exception):
    """Bad user input: one or more :class:`Problem` records, reported together."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Initialise the exception message from the problems."""
        super().__init__(str(self))

    def __str__(self) -> str:
        """Render every problem on its own line."""
        head = ngettext("{n} problem in the input:", "{n} problems in the input:", len(self.problems))
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class MissingDependencyError(InputError):
    """An optional dependency a feature needs is not installed (exit code 2, like other bad input)."""

    def __init__(self, package: str, feature: str, install: str) -> None:
        problem = Problem(
            "<environment>",
            package,
            _(
                "the optional package {package} installed (needed for {feature})",
                package=repr(package),
                feature=feature,
            ),
            _("it is not installed"),
            hint=_("install it with: pip install '{install}'", install=install),
        )
        super().__init__([problem])


@dataclass(frozen=True)
class Shortfall:
    """A named constraint that could not be met, with the amount missed.

    Parameters
    ----------
    constraint
        What could not be met, in the user's terms (e.g. ``minimum release below Toktogul``).
    element
        The reservoir, agreement, country or link concerned.
    period
        The period, e.g. ``2026-03``.
    amount
        How much was missed.
    unit
        Unit of ``amount``.
    """

    constraint: str
    element: str
    period: str
    amount: float
    unit: str

    def __str__(self) -> str:
        """Render as one readable line."""
        return _(
            "{constraint} — {element}, {period}: short by {amount} {unit}",
            constraint=self.constraint,
            element=self.element,
            period=self.period,
            amount=format_significant(self.amount),
            unit=self.unit,
        )


@dataclass
class InfeasibleScenarioError(Exception):
    """The scenario's hard constraints cannot all be met; lists what could not be met."""

    shortfalls: list[Shortfall] = field(default_factory=list)
    summary: str = "the scenario's hard constraints cannot all be met"

    def __post_init__(self) -> None:
        """Initialise the exception message."""
        super().__init__(str(self))

    def __str__(self) -> str:
        """Render the summary and each shortfall."""
        lines = [_("Infeasible scenario: {summary}.", summary=self.summary)]
        lines += [f"  - {s}" for s in self.shortfalls[:20]]
        if len(self.shortfalls) > 20:
            lines.append("  " + _("… and {n} more", n=len(self.shortfalls) - 20))
        return "\n".join(lines)
