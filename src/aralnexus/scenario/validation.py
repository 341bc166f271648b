"""Turn pydantic validation errors into :class:`Problem` records with dotted field paths.

Also: the keys allowed at a path (for "did you mean" hints), pruning the invalid values out of
the raw data so that the overlay and the structural checks can still run and report their
problems in the same message, and placing problems at ``<file>:<line>``.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from aralnexus.errors import Problem
from aralnexus.i18n import N_, _
from aralnexus.scenario.overlay import did_you_mean
from aralnexus.scenario.schema import ScenarioFile
from aralnexus.scenario.units_parse import describe

#: What a pydantic error type expected, in English (the catalog's msgids; translated when a problem is made).
_TYPE_EXPECTED = {
    "dict_type": N_("a mapping ('key: value' lines below it)"),
    "model_type": N_("a mapping ('key: value' lines below it)"),
    "model_attributes_type": N_("a mapping ('key: value' lines below it)"),
    "list_type": N_("a list"),
    "string_type": N_("a text"),
    "int_type": N_("a whole number"),
    "int_parsing": N_("a whole number"),
    "int_from_float": N_("a whole number"),
    "float_type": N_("a number"),
    "float_parsing": N_("a number"),
    "bool_type": N_("true or false"),
    "bool_parsing": N_("true or false"),
    "missing": N_("a value for this required key"),
}


@dataclass
class Located:
    """Where a scenario's keys are: the file label and ``dotted.path`` → line."""

    label: str
    lines: dict[str, int] = field(default_factory=dict)

    def where(self, path: str) -> str:
        """Return ``file:line`` of ``path`` (or of its closest enclosing key), else the file."""
        parts = path.split(".") if path else []
        while parts:
            line = self.lines.get(".".join(parts))
            if line is not None:
                return f"{self.label}:{line}"
            parts.pop()
        return self.label

    def problem(self, path: str, expected: str, found: str, hint: str = "") -> Problem:
        """Build a problem placed at ``path``."""
        return Problem(self.where(path), path, expected, found, hint)

    def place(self, problem: Problem) -> Problem:
        """Return ``problem`` with its file set to the scenario file and line."""
        return Problem(self.where(problem.field), problem.field, problem.expected, problem.found, problem.hint)


def _unwrap(annotation: Any) -> tuple[str, Any]:
    """Return (container kind, inner type): ``model`` / ``dict`` / ``list`` / ``other``."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _unwrap(inner[0]) if len(inner) == 1 else ("other", None)
    if origin is dict:
        return "dict", get_args(annotation)[1]
    if origin is list:
        return "list", get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    return "other", None


def allowed_keys(loc: tuple[str | int, ...]) -> list[str]:
    """Return the keys a mapping at ``loc`` accepts (empty when it is not a model)."""
    current: Any = ScenarioFile
    kind = "model"
    for part in loc:
        if kind == "model":
            info = current.model_fields.get(str(part))
            if info is None:
                return []
            kind, current = _unwrap(info.annotation)
        elif kind in {"dict", "list"}:
            kind, current = _unwrap(current)
        else:
            return []
    return list(current.model_fields) if kind == "model" else []


def _dotted(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in loc if p != "[key]")


def _choices(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)


def _one_problem(err: Any, located: Located) -> Problem:
    loc: tuple[str | int, ...] = tuple(err["loc"])
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    value = err.get("input")
    path = _dotted(loc)
    hint = ""
    if kind == "scenario_value":
        expected, found, hint = ctx["expected"], ctx["found"], ctx.get("hint", "")
        if ctx.get("subpath"):
            path = f"{path}.{ctx['subpath']}"
    elif kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = allowed_keys(loc[:-1])
        parent = _dotted(loc[:-1]) or _("the top level")
        expected = _("a key allowed in {parent}", parent=parent)
        found = _("the unknown key {key}", key=repr(key))
        hint = did_you_mean(key, allowed) or (_("allowed: {keys}", keys=", ".join(allowed)) if allowed else "")
    elif kind == "literal_error":
        choices = _choices(str(ctx.get("expected", "")))
        expected = _("one of {choices}", choices=", ".join(choices))
        found = describe(value)
        hint = did_you_mean(str(value), choices)
    elif kind == "missing":
        expected, found = _(_TYPE_EXPECTED[kind]), _("nothing")
    elif kind in {"greater_than_equal", "greater_than"}:
        sign = "≥" if kind == "greater_than_equal" else ">"
        bound = ctx.get("ge", ctx.get("gt"))
        expected, found = _("a number {sign} {bound}", sign=sign, bound=bound), describe(value)
    else:
        expected = _(_TYPE_EXPECTED[kind]) if kind in _TYPE_EXPECTED else str(err.get("msg", kind)).lower()
        found = describe(value)
    return Problem(located.where(path), path, expected, found, hint)


def problems_from_validation(error: ValidationError, located: Located) -> list[Problem]:
    """Convert every pydantic error into a problem with a dotted path and file line."""
    return [_one_problem(err, located) for err in error.errors()]


def _prune_one(data: Any, loc: tuple[str | int, ...]) -> str | None:
    """Delete the value at ``loc`` (or the whole list it is in) from ``data``; return its path."""
    parts = [p for p in loc if p != "[key]"]
    parent: Any = None
    key: Any = None
    node = data
    walked: list[str | int] = []
    for part in parts:
        if isinstance(node, list):
            break
        if not isinstance(node, dict):
            break
        match = next((k for k in node if str(k) == str(part)), None)
        if match is None:
            break
        parent, key, node = node, match, node[match]
        walked.append(part)
    if parent is None:
        return None
    del parent[key]
    return _dotted(tuple(walked))


def prune(data: Any, error: ValidationError) -> list[str]:
    """Remove every invalid value named by ``error`` from ``data``; return the pruned paths."""
    pruned: list[str] = []
    for err in error.errors():
        loc = tuple(err["loc"])
        if err["type"] == "missing":
            loc = loc[:-1]
        path = _prune_one(data, loc)
        if path is not None:
            pruned.append(path)
    return pruned
