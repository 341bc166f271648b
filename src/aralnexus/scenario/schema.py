"""pydantic models of the scenario YAML file (every model forbids unknown keys).

The element patches (``plants``, ``links``, ``countries``, ``thermal``) are generated from the
dataset's column specs (:data:`aralnexus.data.dataset.TABLE_SPECS`), so a column added to the
dataset can be set from a scenario file at once. Numbers are parsed with their units by
:func:`aralnexus.scenario.units_parse.parse_quantity`; validators raise
:class:`pydantic_core.PydanticCustomError` with ``expected`` / ``found`` (and optional ``hint``
and ``subpath``) in the context, which :mod:`aralnexus.scenario.load` turns into problems.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, create_model
from pydantic_core import PydanticCustomError

from aralnexus.data.dataset import TABLE_SPECS, ColumnSpec
from aralnexus.i18n import N_, _, ngettext
from aralnexus.scenario.units_parse import UnitError, describe, parse_quantity
from aralnexus.vocab import HeadMode, HydrologyKind, Resolution

Bound = Literal["nonneg", "signed", "fraction", "share", "pct", "positive", "pct_change", "shift_months"]

#: Largest ``schedule_shift_months`` either way: a century moves any schedule out of any horizon.
MAX_SHIFT_MONTHS = 1200

#: Columns whose values are not simply ≥ 0.
COLUMN_BOUNDS: dict[str, Bound] = {
    "efficiency": "fraction",
    "loss_pct": "pct",
    "share": "share",
    "hours_share": "share",
    "curve_exponent": "positive",
    "demand_growth_pct_per_year": "signed",
    "growth_pct_per_year": "signed",
    "volume_change_pct": "pct_change",
    "glacier_share_change_pct": "pct_change",
    "melt_shift_weeks": "signed",
    "schedule_shift_months": "shift_months",
}

_BOUND_TEXT: dict[Bound, str] = {
    "nonneg": "≥ 0",
    "signed": "",
    "fraction": N_("in (0, 1]"),
    "share": N_("in [0, 1]"),
    "pct": N_("in [0, 100)"),
    "positive": "> 0",
    "pct_change": "≥ -100",
    "shift_months": N_("between -{n} and {n} (a century)"),
}

MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def _error(expected: str, found: str, hint: str = "", subpath: str = "") -> PydanticCustomError:
    return PydanticCustomError(
        "scenario_value",
        "expected {expected}, found {found}",
        {"expected": expected, "found": found, "hint": hint, "subpath": subpath},
    )


def _in_bound(value: float, bound: Bound) -> bool:
    checks: dict[Bound, Callable[[float], bool]] = {
        "nonneg": lambda v: v >= 0,
        "signed": lambda v: True,
        "fraction": lambda v: 0 < v <= 1,
        "share": lambda v: 0 <= v <= 1,
        "pct": lambda v: 0 <= v < 100,
        "positive": lambda v: v > 0,
        "pct_change": lambda v: v >= -100,
        "shift_months": lambda v: abs(v) <= MAX_SHIFT_MONTHS,
    }
    return checks[bound](value)


def quantity(key: str, *, required: bool = False, integer: bool = False) -> Any:
    """Return an annotated float type for ``key``: unit-aware, finite and within the key's bound."""
    bound = COLUMN_BOUNDS.get(key, "nonneg")

    def parse(value: object) -> float | int | None:
        if value is None:
            if required:
                raise _error(_("a number"), _("nothing (an empty value)"))
            return None
        if integer:
            if isinstance(value, bool) or not isinstance(value, int):
                raise _error(_("a whole number"), describe(value))
            number: float = float(value)
        else:
            try:
                number = parse_quantity(key, value)
            except UnitError as exc:
                raise _error(exc.expected, exc.found) from None
        if not math.isfinite(number):
            raise _error(_("a finite number"), describe(value))
        if not _in_bound(number, bound):
            text = _BOUND_TEXT[bound]
            expected = _("a number {bound}", bound=_(text, n=MAX_SHIFT_MONTHS)) if text else _("a number")
            raise _error(expected, describe(value), subpath="")
        return int(number) if integer else number

    base: Any = int if integer else float
    return Annotated[base | None, BeforeValidator(parse)]


def parse_month(value: object) -> str:
    """Return ``value`` as ``YYYY-MM`` (a string ``"2031-01"`` or a YAML date)."""
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        match = _MONTH_RE.match(value.strip())
        if match and 1 <= int(match.group(2)) <= 12:
            return value.strip()
    hint = _('write the month in quotes as "YYYY-MM", e.g. "2031-01"')
    raise _error(_('a month "YYYY-MM"'), describe(value), hint)


def _month_or_none(value: object) -> str | None:
    if value is None or value == "":
        return None
    return parse_month(value)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _error(_("a text"), describe(value))
    return value


def _month_set(value: object) -> str | None:
    """Validate a link's months of availability: ``"5-9"``, ``"1-12"``, ``"11-3"`` or ``"1,2,12"``."""
    if value is None:
        return None
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else None
    tokens = re.split(r"\s*,\s*", text) if text else []
    ok = bool(tokens)
    for token in tokens:
        parts = token.split("-")
        ok = ok and len(parts) in (1, 2) and all(p.strip().isdigit() and 1 <= int(p) <= 12 for p in parts)
    if not ok:
        raise _error(_('months 1..12 as a range or list, e.g. "5-9" or "1-12"'), describe(value))
    return text


Month = Annotated[str, BeforeValidator(parse_month)]
OptionalMonth = Annotated[str | None, BeforeValidator(_month_or_none)]
Text = Annotated[str | None, BeforeValidator(_text)]


def _bool(value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise _error(_("true or false"), describe(value))


Flag = Annotated[bool | None, BeforeValidator(_bool)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _column_type(spec: ColumnSpec) -> Any:
    if spec.kind in {"float", "int"}:
        return quantity(spec.name, required=spec.required, integer=spec.kind == "int")
    if spec.kind == "month":
        return OptionalMonth
    if spec.kind == "bool":
        return Flag
    if spec.name == "months":
        return Annotated[str | None, BeforeValidator(_month_set)]
    return Text


def _patch_model(table: str, name: str, extra: dict[str, Any] | None = None) -> type[BaseModel]:
    keys, specs = TABLE_SPECS[table]
    fields: dict[str, Any] = {s.name: (_column_type(s), None) for s in specs if s.name not in keys}
    fields.update(extra or {})
    model: type[BaseModel] = create_model(name, __base__=_Strict, **fields)
    return model


def _schedule_in_order(rows: list[Any] | None) -> list[Any] | None:
    rows = rows or []
    for i in range(1, len(rows)):
        if rows[i].date <= rows[i - 1].date:
            raise _error(
                f"dates increasing down the schedule (after {rows[i - 1].date})",
                repr(rows[i].date),
                "list the schedule rows in commissioning order",
                subpath=f"{i}.date",
            )
    return rows or None


#: One commissioning step of a plant: from ``date``, the row's values are in force.
ScheduleRow = _patch_model("plant_schedule", "ScheduleRow", {"date": (Month, ...)})


Schedule = Annotated[
    list[ScheduleRow] | None,  # type: ignore[valid-type]
    AfterValidator(_schedule_in_order),
]

PlantPatch = _patch_model(
    "plants",
    "PlantPatch",
    {
        "schedule_shift_months": (quantity("schedule_shift_months", integer=True), None),
        "schedule": (Schedule, None),
    },
)
LinkPatch = _patch_model("links", "LinkPatch")
CountryPatch = _patch_model("countries", "CountryPatch")
ThermalPatch = _patch_model("thermal", "ThermalPatch")


def _month_key(value: object) -> int:
    if isinstance(value, str) and value.strip().lower()[:3] in MONTH_NAMES:
        return MONTH_NAMES.index(value.strip().lower()[:3]) + 1
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12:
        return value
    raise _error(_("a month 1..12 (or jan..dec)"), describe(value))


def _twelve(value: object) -> object:
    """Turn a 12-list into ``{1: …, 12: …}``; leave mappings for the dict validator."""
    if isinstance(value, list):
        if len(value) != 12:
            raise _error(_("12 monthly values (January to December)"), ngettext("{n} value", "{n} values", len(value)))
        return {i + 1: v for i, v in enumerate(value)}
    return value


MonthKey = Annotated[int, BeforeValidator(_month_key)]


class MinReleasePatch(_Strict):
    """Minimum release below a plant: values per month and how strictly they bind."""

    strict: Flag = None
    penalty_usd_per_hm3: quantity("penalty_usd_per_hm3") = None  # type: ignore[valid-type]
    agreement: Text = None
    min_release_m3s: Annotated[
        dict[MonthKey, quantity("min_release_m3s", required=True)] | None,  # type: ignore[valid-type]
        BeforeValidator(_twelve),
    ] = None


def _twelve_list(value: object) -> object:
    if isinstance(value, list) and len(value) != 12:
        raise _error(_("12 monthly values (January to December)"), ngettext("{n} value", "{n} values", len(value)))
    return value


class InflowPatch(_Strict):
    """A site's monthly mean inflow; a new site also names the plant it flows into."""

    plant: Text = None
    kind: Literal["headwater", "lateral"] | None = None
    river: Text = None
    mean_m3s: Annotated[
        list[quantity("mean_m3s", required=True)],  # type: ignore[valid-type]
        BeforeValidator(_twelve_list),
    ]


def _inflow_entry(value: object) -> object:
    if isinstance(value, list):
        return {"mean_m3s": value}
    return value


class ClimatePatch(_Strict):
    """Climate shift applied to every inflow site."""

    volume_change_pct: quantity("volume_change_pct", required=True) = 0.0  # type: ignore[valid-type]
    melt_shift_weeks: quantity("melt_shift_weeks", required=True) = 0.0  # type: ignore[valid-type]
    glacier_share_change_pct: quantity("glacier_share_change_pct", required=True) = 0.0  # type: ignore[valid-type]


class HydrologyPatch(_Strict):
    """Which inflows to run on; a bare word in the file is the ``kind``."""

    kind: HydrologyKind = "median"
    seed: Annotated[int, Field(ge=0)] = 42
    member: Annotated[int, Field(ge=0)] = 0
    record_file: StrictStr = ""
    climate: ClimatePatch | None = None


def _hydrology(value: object) -> object:
    return {"kind": value} if isinstance(value, str) else value


class TradePatch(_Strict):
    """Bilateral goods-trade levers (see :class:`aralnexus.scenario.model.TradeLevers`)."""

    growth_pct_per_year: quantity("growth_pct_per_year") = None  # type: ignore[valid-type]
    transit_eaeu_musd: quantity("transit_eaeu_musd") = None  # type: ignore[valid-type]
    agri_processing_musd: quantity("agri_processing_musd") = None  # type: ignore[valid-type]
    border_flights_musd: quantity("border_flights_musd") = None  # type: ignore[valid-type]
    include_electricity: Flag = None


class HorizonPatch(_Strict):
    """First and last month of the run, inclusive."""

    start: Month | None = None
    end: Month | None = None


def _none_to_empty(value: object) -> object:
    return {} if value is None else value


def _section(value_type: Any) -> Any:
    return Annotated[dict[StrictStr, value_type], BeforeValidator(_none_to_empty)]


class ScenarioFile(_Strict):
    """The whole scenario file: options plus per-table overrides of the default dataset."""

    name: StrictStr | None = None
    description: StrictStr = ""
    horizon: HorizonPatch | None = None
    resolution: Resolution | None = None
    head: HeadMode | None = None
    hydrology: Annotated[HydrologyPatch | None, BeforeValidator(_hydrology)] = None
    plants: _section(PlantPatch) = Field(default_factory=dict)  # type: ignore[valid-type]
    links: _section(LinkPatch) = Field(default_factory=dict)  # type: ignore[valid-type]
    countries: _section(CountryPatch) = Field(default_factory=dict)  # type: ignore[valid-type]
    thermal: _section(ThermalPatch) = Field(default_factory=dict)  # type: ignore[valid-type]
    min_releases: _section(MinReleasePatch) = Field(default_factory=dict)  # type: ignore[valid-type]
    inflows: _section(Annotated[InflowPatch, BeforeValidator(_inflow_entry)]) = Field(default_factory=dict)  # type: ignore[valid-type]
    trade: TradePatch | None = None
    initial_storage_hm3: _section(quantity("storage_initial_hm3", required=True)) = Field(default_factory=dict)  # type: ignore[valid-type]
    parameters: _section(Any) = Field(default_factory=dict)  # type: ignore[valid-type]
