"""Numbers with units in scenario files: ``"1.86 GW"`` → 1860 for a ``_mw`` key.

A key's suffix names its unit (``capacity_mw`` → MW, ``storage_full_hm3`` → hm3). A bare number
is taken in that unit; a string ``"<number> <unit>"`` is converted to it when the unit measures
the same quantity, and rejected otherwise. Factors come from :mod:`aralnexus.units`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from aralnexus import units
from aralnexus.i18n import N_, _


@dataclass(frozen=True)
class Dimension:
    """A physical quantity and the units a scenario file may write it in.

    Parameters
    ----------
    name
        What it measures, in words (``power``).
    factors
        Unit spelling (lower case, spaces collapsed) → size in the dimension's base unit.
    spellings
        Units shown to the user in messages, preferred first.
    """

    name: str
    factors: dict[str, float]
    spellings: tuple[str, ...]


def _dim(name: str, table: dict[str, float], *shown: str) -> Dimension:
    return Dimension(name, {_norm(k): v for k, v in table.items()}, shown)


def _norm(unit: str) -> str:
    return " ".join(unit.replace("³", "3").replace("¢", "c").split()).lower()


_POWER = _dim("power", {"MW": 1.0, "GW": units.MW_PER_GW, "kW": units.MW_PER_KW}, "MW", "GW", "kW")
_FLOW = _dim("flow", {"m3/s": 1.0, "cumecs": 1.0}, "m3/s")
_VOLUME = _dim(
    "volume",
    {"hm3": 1.0, "km3": units.HM3_PER_KM3, "Mm3": 1.0, "million m3": 1.0, "mcm": 1.0, "m3": units.HM3_PER_M3},
    "hm3",
    "km3",
    "Mm3",
    "million m3",
)
_LENGTH = _dim("length", {"m": 1.0, "m a.s.l.": 1.0, "masl": 1.0}, "m")
_PERCENT = _dim("percentage", {"%": 1.0, "pct": 1.0, "percent": 1.0}, "%")
_PERCENT_YEAR = _dim("percentage per year", {"%": 1.0, "%/yr": 1.0, "%/year": 1.0, "% per year": 1.0}, "%/yr")
_PRICE = _dim(
    "price of energy",
    {
        "US$/MWh": 1.0,
        "USD/MWh": 1.0,
        "$/MWh": 1.0,
        "c/kWh": units.USD_PER_MWH_PER_CENT_PER_KWH,
        "US c/kWh": units.USD_PER_MWH_PER_CENT_PER_KWH,
        "cents/kWh": units.USD_PER_MWH_PER_CENT_PER_KWH,
        "US cents/kWh": units.USD_PER_MWH_PER_CENT_PER_KWH,
    },
    "US$/MWh",
    "c/kWh",
)
_WATER_PRICE = _dim(
    "price of water",
    {"US$/hm3": 1.0, "USD/hm3": 1.0, "US$/m3": units.M3_PER_HM3, "USD/m3": units.M3_PER_HM3},
    "US$/hm3",
)
_ENERGY = _dim(
    "energy",
    {
        "MWh": 1.0,
        "GWh": units.MWH_PER_GWH,
        "TWh": units.MWH_PER_TWH,
        "GWh/yr": units.MWH_PER_GWH,
        "TWh/yr": units.MWH_PER_TWH,
        "TWh/year": units.MWH_PER_TWH,
    },
    "TWh",
    "GWh",
    "MWh",
)
_MONEY = _dim(
    "amount of money",
    {
        "US$": 1.0,
        "USD": 1.0,
        "US$ million": units.USD_PER_MUSD,
        "USD million": units.USD_PER_MUSD,
        "musd": units.USD_PER_MUSD,
        "million US$": units.USD_PER_MUSD,
        "US$ billion": units.USD_PER_BUSD,
        "USD billion": units.USD_PER_BUSD,
    },
    "US$ million",
    "musd",
    "US$",
)

#: Key suffix → (dimension, size of the key's unit in the dimension's base unit). Longest first.
SUFFIX_UNITS: tuple[tuple[str, Dimension, float], ...] = (
    ("_pct_per_year", _PERCENT_YEAR, 1.0),
    ("_usd_per_mwh", _PRICE, 1.0),
    ("_usd_per_hm3", _WATER_PRICE, 1.0),
    ("_musd", _MONEY, units.USD_PER_MUSD),
    ("_usd", _MONEY, 1.0),
    ("_twh", _ENERGY, units.MWH_PER_TWH),
    ("_gwh", _ENERGY, units.MWH_PER_GWH),
    ("_mwh", _ENERGY, 1.0),
    ("_m3s", _FLOW, 1.0),
    ("_hm3", _VOLUME, 1.0),
    ("_km3", _VOLUME, units.HM3_PER_KM3),
    ("_pct", _PERCENT, 1.0),
    ("_mw", _POWER, 1.0),
    ("_m", _LENGTH, 1.0),
)

_DIMENSIONS = (_POWER, _FLOW, _VOLUME, _LENGTH, _PERCENT, _PRICE, _WATER_PRICE, _ENERGY, _MONEY)
_NUMBER = re.compile(r"^\s*([-+]?(?:\d[\d,_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


class UnitError(ValueError):
    """A value whose unit is missing, unknown or of the wrong kind; ``expected`` / ``found`` in words."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(f"expected {expected}, found {found}")
        self.expected = expected
        self.found = found


def unit_of_key(key: str) -> tuple[Dimension, float] | None:
    """Return the dimension and unit size a key's suffix names, or ``None`` for a plain number."""
    for suffix, dim, size in SUFFIX_UNITS:
        if key.endswith(suffix):
            return dim, size
    return None


def unit_label(key: str) -> str:
    """Return the unit a key's suffix names, e.g. ``MW`` for ``capacity_mw`` (empty for none)."""
    found = unit_of_key(key)
    if found is None:
        return ""
    dim, size = found
    for spelling in dim.spellings:
        if math.isclose(dim.factors[_norm(spelling)], size):
            return spelling
    return dim.spellings[0]


def expected_text(key: str) -> str:
    """Describe what a value of ``key`` should look like, e.g. ``a power in MW (or "1.8 GW")``."""
    found = unit_of_key(key)
    if found is None:
        return _("a number")
    dim, _size = found
    label = unit_label(key)
    others = [s for s in dim.spellings if s != label]
    alt = _(" (or a string with a unit: {units})", units=", ".join(others)) if others else ""
    return _("{quantity} in {unit}", quantity=_(_article(dim.name)), unit=label) + alt


def parse_quantity(key: str, value: object) -> float:
    """Return ``value`` as a float in the unit named by ``key``'s suffix.

    Parameters
    ----------
    key
        Field name whose suffix names the unit (``capacity_mw``).
    value
        A number, or a string ``"<number> <unit>"`` (``"1.86 GW"``, ``"5.15 c/kWh"``, ``"14 km3"``).

    Raises
    ------
    UnitError
        If the value is not a number, has an unknown unit or a unit of another kind.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UnitError(expected_text(key), f"{_kind(value)} {value!r}")
    if not isinstance(value, str):
        return float(value)
    match = _NUMBER.match(value)
    if match is None:
        word = value.strip().lower()
        if word in {"nan", ".nan", "inf", ".inf", "-inf", "-.inf", "infinity"}:
            return float(word.lstrip(".").replace("-.", "-"))
        raise UnitError(expected_text(key), f"the text {value!r}")
    number = float(match.group(1).replace(",", "").replace("_", ""))
    unit = match.group(2)
    if not unit:
        return number
    target = unit_of_key(key)
    if target is None:
        raise UnitError("a plain number (this key has no unit)", f"{value!r}")
    dim, size = target
    factor = dim.factors.get(_norm(unit))
    if factor is None:
        other = next((d for d in _DIMENSIONS if _norm(unit) in d.factors), None)
        what = f"{_(_article(other.name))} ({unit})" if other else _("an unknown unit {unit}", unit=repr(unit))
        raise UnitError(expected_text(key), f"{value!r}, {what}")
    return number * factor / size


#: The dimensions with their English article (the catalog's msgids of :func:`_article`'s results).
_DIMENSION_WORDS = (
    N_("a power"),
    N_("a flow"),
    N_("a volume"),
    N_("a length"),
    N_("a percentage"),
    N_("a price of energy"),
    N_("a price of water"),
    N_("an energy"),
    N_("an amount of money"),
)


def _article(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return _("a true/false value")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    if value is None:
        return _("nothing")
    return f"a {type(value).__name__}"


def describe(value: object) -> str:
    """Describe a found value in words for messages (``a list [1, 2]``, ``nothing``)."""
    if value is None:
        return _("nothing (an empty value)")
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, float) and not math.isfinite(value):
        return {True: ".nan"}.get(math.isnan(value), ".inf" if value > 0 else "-.inf")
    if isinstance(value, int | float):
        return f"{value!r}"
    text = repr(value)
    return f"{_kind(value)} {text if len(text) <= 60 else text[:57] + '...'}"
