"""The editor's form for the common scenario fields, and writing its values into the YAML.

Each :class:`FormField` names the scenario paths it sets (``links.casa1000_pk.start`` …); the form
reads them from the YAML and writes them back, so the YAML stays the one truth and validation is
always that of ``aralnexus validate``. Values the validator would convert (``"5.15 c/kWh"``) are
written as typed; an empty field removes the key, so the default applies again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

import yaml

from aralnexus.data.dataset import load_default
from aralnexus.errors import InputError
from aralnexus.scenario.model import HydrologySpec, TradeLevers
from aralnexus.scenario.yaml_read import read_yaml

FieldKind = Literal["month", "int", "number", "choice"]
HYDROLOGY_CHOICES: tuple[str, ...] = ("median", "mean", "dry", "wet", "dry-sequence", "synthetic")


@dataclass(frozen=True)
class FormField:
    """One field of the form: its HTML name, label, unit and the scenario paths it sets."""

    key: str
    label: str
    paths: tuple[str, ...]
    kind: FieldKind
    unit: str = ""
    choices: tuple[str, ...] = ()


#: The common fields, in the order the form shows them.
FIELDS: tuple[FormField, ...] = (
    FormField("casa_start", "CASA-1000 start", ("links.casa1000_pk.start", "links.casa1000_af.start"), "month"),
    FormField("rogun_shift", "Rogun schedule shift", ("plants.rogun.schedule_shift_months",), "int", "months"),
    FormField(
        "kambarata1_shift", "Kambarata-1 schedule shift", ("plants.kambarata1.schedule_shift_months",), "int", "months"
    ),
    FormField("hydrology", "Hydrology", ("hydrology.kind",), "choice", choices=HYDROLOGY_CHOICES),
    FormField(
        "kg_demand_growth",
        "Kyrgyzstan demand growth",
        ("countries.KG.demand_growth_pct_per_year",),
        "number",
        "% per year",
    ),
    FormField(
        "tj_demand_growth",
        "Tajikistan demand growth",
        ("countries.TJ.demand_growth_pct_per_year",),
        "number",
        "% per year",
    ),
    FormField(
        "casa_tariff",
        "CASA-1000 tariff",
        ("links.casa1000_pk.tariff_usd_per_mwh", "links.casa1000_af.tariff_usd_per_mwh"),
        "number",
        "US$/MWh",
    ),
    FormField(
        "partner_export_price",
        "Export price to Uzbekistan and Kazakhstan",
        ("countries.UZ.export_price_usd_per_mwh", "countries.KZ.export_price_usd_per_mwh"),
        "number",
        "US$/MWh",
    ),
    FormField("trade_growth", "Goods trade growth", ("trade.growth_pct_per_year",), "number", "% per year"),
)

_HYDROLOGY = "hydrology"
_MONTH = re.compile(r"\d{4}-\d{2}")


class _Dumper(yaml.SafeDumper):
    """Writes months as ``"2030-05"`` (quoted, as the scenario docs ask) and everything else plainly."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _MONTH.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


@cache
def defaults() -> dict[str, str]:
    """Return each field's default (shown as its placeholder), read from the default dataset."""
    ds = load_default()
    links = ds.table("links").set_index("link")
    countries = ds.table("countries").set_index("country")

    def number(table: Any, row: str, column: str) -> str:
        return f"{float(str(table.loc[row, column])):g}"

    return {
        "casa_start": str(links.loc["casa1000_pk", "start"]),
        "rogun_shift": "0",
        "kambarata1_shift": "0",
        "hydrology": HydrologySpec().kind,
        "kg_demand_growth": number(countries, "KG", "demand_growth_pct_per_year"),
        "tj_demand_growth": number(countries, "TJ", "demand_growth_pct_per_year"),
        "casa_tariff": number(links, "casa1000_pk", "tariff_usd_per_mwh"),
        "partner_export_price": number(countries, "UZ", "export_price_usd_per_mwh"),
        "trade_growth": f"{TradeLevers().growth_pct_per_year:g}",
    }


def _get(data: Any, path: str) -> Any:
    node = data
    parts = path.split(".")
    for i, key in enumerate(parts):
        if parts[:i] == [_HYDROLOGY] and key == "kind" and isinstance(node, str):
            return node  # ``hydrology: dry`` is short for ``hydrology: {kind: dry}``
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    if parts == [_HYDROLOGY, "kind"] and not isinstance(data.get(_HYDROLOGY), dict):
        data[_HYDROLOGY] = value
        return
    node = data
    for key in parts[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[parts[-1]] = value


def _remove(data: dict[str, Any], path: str) -> None:
    parts = path.split(".")
    if parts == [_HYDROLOGY, "kind"] and isinstance(data.get(_HYDROLOGY), str):
        del data[_HYDROLOGY]
        return
    chain: list[dict[str, Any]] = [data]
    for key in parts[:-1]:
        child = chain[-1].get(key)
        if not isinstance(child, dict):
            return
        chain.append(child)
    chain[-1].pop(parts[-1], None)
    for depth in range(len(chain) - 1, 0, -1):  # drop mappings left empty
        if not chain[depth]:
            chain[depth - 1].pop(parts[depth - 1], None)


def _typed(field: FormField, text: str) -> Any:
    """Return the YAML value of a typed entry: a number when it is one, else the text as typed."""
    if field.kind == "int":
        try:
            return int(text)
        except ValueError:
            return text
    if field.kind == "number":
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text else number
    return text


def values(text: str) -> dict[str, str]:
    """Return the form's values read from a scenario text (empty where unset or unreadable)."""
    return dict(_values(text))


@lru_cache(maxsize=256)
def _values(text: str) -> tuple[tuple[str, str], ...]:
    try:
        data, _lines = read_yaml(text, "form")  # the guarded reader: size, depth and alias limits
    except InputError:
        data = None
    out: dict[str, str] = {}
    for field in FIELDS:
        found = _get(data, field.paths[0]) if isinstance(data, dict) else None
        out[field.key] = "" if found is None or isinstance(found, dict | list) else str(found)
    return tuple(out.items())


def apply(text: str, entries: Mapping[str, str], label: str) -> str:
    """Return ``text`` with the form's entries written into it (``entries`` keys are field keys).

    Fields missing from ``entries`` are left alone; an empty entry removes the key.

    Raises
    ------
    aralnexus.errors.InputError
        If ``text`` is not valid YAML (the problem of ``aralnexus validate``).
    """
    raw, _lines = read_yaml(text, label)
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    for field in FIELDS:
        if field.key not in entries:
            continue
        entry = entries[field.key].strip()
        for path in field.paths:
            if entry:
                _set(data, path, _typed(field, entry))
            else:
                _remove(data, path)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
