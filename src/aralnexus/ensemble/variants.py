"""Scenario variants for an ensemble grid: ``--vary PATH=V1,V2`` (repeatable, cartesian product).

``PATH`` is a dotted scenario-file path (``links.casa1000_pk.start``,
``plants.rogun.schedule_shift_months``, ``countries.KG.demand_growth_pct_per_year``,
``trade.growth_pct_per_year`` …) or one of the friendly :data:`ALIASES`:

=========================  ==========================================================================
alias                      sets
=========================  ==========================================================================
``casa1000.start``         ``links.casa1000_pk.start`` and ``links.casa1000_af.start``; a bare year
                           ``2029`` means the export season start ``2029-05``
``<plant>.delay_months``   ``plants.<plant>.schedule_shift_months`` (e.g. ``rogun.delay_months=0,36``)
``trade.growth``           ``trade.growth_pct_per_year``
=========================  ==========================================================================

Each variant is the base scenario file with the values merged in, loaded and validated by
:func:`aralnexus.scenario.load_scenario` (so every check and unit rule applies, and the content
hash — hence the run id — reflects the variant).
"""

from __future__ import annotations

import copy
import itertools
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from aralnexus.errors import InputError, Problem
from aralnexus.scenario import Scenario, load_scenario

_YEAR = re.compile(r"^\d{4}$")


def _casa_start(value: Any) -> Any:
    text = str(value)
    return f"{text}-05" if _YEAR.match(text) else text


#: alias → (paths it sets, value transform)
ALIASES: dict[str, tuple[tuple[str, ...], Any]] = {
    "casa1000.start": (("links.casa1000_pk.start", "links.casa1000_af.start"), _casa_start),
    "trade.growth": (("trade.growth_pct_per_year",), None),
}
_DELAY = re.compile(r"^(?P<plant>[a-z0-9_]+)\.delay_months$")


@dataclass(frozen=True)
class Variant:
    """One point of the variant grid.

    Parameters
    ----------
    label
        ``path=value`` pairs as the user wrote them (empty for the base scenario).
    settings
        Dotted scenario-file path → value.
    scenario
        The loaded variant.
    """

    label: str
    settings: dict[str, Any]
    scenario: Scenario


def _parse_value(text: str) -> Any:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, str, bool)) else text


def parse_vary(option: str) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    """Parse ``PATH=V1,V2`` into the path and, per value, ``(label, {dotted path: value})``.

    Raises
    ------
    InputError
        If the option has no ``=`` or no values.
    """
    path, sep, values = option.partition("=")
    path = path.strip()
    items = [v.strip() for v in values.split(",") if v.strip()]
    if not sep or not path or not items:
        raise InputError(
            [Problem("--vary", "", "PATH=V1,V2,… e.g. casa1000.start=2027,2029", repr(option), _alias_hint())]
        )
    targets, transform = _resolve(path)
    out = []
    for item in items:
        value = _parse_value(item)
        value = transform(value) if transform else value
        out.append((f"{path}={item}", dict.fromkeys(targets, value)))
    return path, out


def _resolve(path: str) -> tuple[tuple[str, ...], Any]:
    if path in ALIASES:
        return ALIASES[path]
    delay = _DELAY.match(path)
    if delay:
        return (f"plants.{delay['plant']}.schedule_shift_months",), None
    if path.count(".") < 1:
        raise InputError([Problem("--vary", path, "a dotted scenario path or an alias", repr(path), _alias_hint())])
    return (path,), None


def _alias_hint() -> str:
    return "aliases: " + ", ".join([*ALIASES, "<plant>.delay_months"]) + "; or a path like links.casa1000_pk.start"


def _set(tree: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = tree
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


def _base_tree(base: Scenario) -> tuple[dict[str, Any], Path]:
    if base.file in ("default", ""):
        return {}, Path(tempfile.gettempdir())
    path = Path(base.file)
    tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tree if isinstance(tree, dict) else {}, path.resolve().parent


def load_variant(base: Scenario, label: str, settings: dict[str, Any]) -> Scenario:
    """Load ``base``'s file with ``settings`` merged in (validated like any scenario file)."""
    tree, folder = _base_tree(base)
    tree = copy.deepcopy(tree)
    for dotted, value in settings.items():
        _set(tree, dotted, value)
    tree.setdefault("name", base.name)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=folder, prefix=".vary-", delete=False) as handle:
        yaml.safe_dump(tree, handle, sort_keys=False)
        temp = Path(handle.name)
    try:
        scenario = load_scenario(temp)
    except InputError as error:
        problems = [replace(p, file=f"--vary {label}") for p in error.problems]
        raise InputError(problems) from None
    finally:
        temp.unlink(missing_ok=True)
    return replace(
        scenario,
        name=f"{base.name} [{label}]",
        file=base.file,
        start=base.start,
        end=base.end,
        hydrology=base.hydrology,
    )


def expand_variants(base: Scenario, vary: list[str] | tuple[str, ...]) -> list[Variant]:
    """Return the grid of variants (cartesian product of every ``--vary``), or the base alone."""
    if not vary:
        return [Variant("", {}, base)]
    axes = [parse_vary(option)[1] for option in vary]
    variants = []
    for combo in itertools.product(*axes):
        label = ", ".join(lab for lab, _ in combo)
        settings: dict[str, Any] = {}
        for _, s in combo:
            settings.update(s)
        variants.append(Variant(label, settings, load_variant(base, label, settings)))
    return variants
