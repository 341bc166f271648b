"""Apply a validated scenario file to the default dataset: new tables, overrides and sources.

Each function takes the current tables and one section of the file and returns the changed
tables; every changed value is recorded as an :class:`Override` (path, default, value) and the
``sources`` rows of overridden cells are replaced by ``scenario file <path>``.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from aralnexus.data.dataset import REFERENCE_PARAMETERS, TABLE_SPECS, Dataset
from aralnexus.errors import Problem
from aralnexus.i18n import _
from aralnexus.scenario.model import Override
from aralnexus.scenario.schema import InflowPatch, MinReleasePatch, ScenarioFile
from aralnexus.scenario.units_parse import UnitError, parse_quantity

#: Scenario section → (dataset table, singular noun).
ELEMENT_SECTIONS: dict[str, tuple[str, str]] = {
    "plants": ("plants", "plant"),
    "links": ("links", "link"),
    "countries": ("countries", "country"),
    "thermal": ("thermal", "thermal plant"),
}
_PLANT_EXTRAS = ("schedule_shift_months", "schedule")

#: Columns kept as sourced reference values that the model does not read: an override is rejected.
REFERENCE_COLUMNS: dict[tuple[str, str], str] = {
    ("plants", "mean_generation_twh"): "the published mean generation, compared with the model by the backtest",
    ("countries", "peak_demand_mw"): "the published base-year peak; the model's peak comes from demand and load blocks",
}
#: Country columns read for one role only (the other role's value is never used): column → role.
ROLE_COLUMNS: dict[str, str] = {
    "demand_base_twh": "detailed",
    "base_year": "detailed",
    "demand_growth_pct_per_year": "detailed",
    "voll_usd_per_mwh": "detailed",
    "import_price_usd_per_mwh": "partner",
    "export_price_usd_per_mwh": "partner",
    "import_max_twh": "partner",
}
#: Plant columns a commissioning schedule sets stage by stage when its rows give them.
SCHEDULED_COLUMNS = ("storage_full_hm3", "storage_dead_hm3", "level_full_m", "level_dead_m")


def fmt(value: object) -> str:
    """Render a cell value for provenance tables (empty for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, float | np.floating):
        return f"{value:.10g}"
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """Return ``did you mean 'x'?`` for the closest choice (or a prefix match), else empty."""
    choices = [str(c) for c in choices]
    prefixed = [c for c in choices if c.startswith(f"{word}_")]
    close = prefixed or difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return _("did you mean {choice}?", choice=repr(close[0])) if close else ""


def shift_month(month: str, months: int) -> str:
    """Return ``YYYY-MM`` moved by ``months`` (empty stays empty)."""
    if not month:
        return month
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass
class Overlay:
    """Mutable state while applying a scenario: tables, overrides, problems, source changes."""

    tables: dict[str, pd.DataFrame]
    base_sources: pd.DataFrame
    label: str
    overrides: list[Override] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new_sources: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    moved: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def override(self, path: str, default: object, value: object) -> None:
        """Record one changed value."""
        self.overrides.append(Override(path, fmt(default), fmt(value)))

    def problem(self, path: str, expected: str, found: str, hint: str = "") -> None:
        """Record a problem (the file is filled in by the loader)."""
        self.problems.append(Problem("", path, expected, found, hint))

    def source(self, table: str, element: str, attribute: str, value: object, note: str = "") -> None:
        """Point the provenance of one dataset cell at the scenario file (applied by :meth:`sources`)."""
        self.new_sources[(table, element, attribute)] = {"value": fmt(value), "note": note}

    def drop_sources(self, table: str, element_prefix: str) -> None:
        """Remove the provenance rows of replaced time-indexed rows (e.g. ``rogun/`` schedule rows)."""
        self.dropped.append((table, element_prefix))

    def move_source(self, table: str, element: str, new_element: str, note: str) -> None:
        """Keep the provenance of a row whose key (date) moved, noting the move."""
        self.moved[(table, element)] = (new_element, note)

    def sources(self) -> pd.DataFrame:
        """Return the sources table with the scenario's changes applied, in one pass."""
        src = self.base_sources
        keys = list(zip(src["table"], src["element"], src["attribute"], strict=True))
        old: dict[tuple[str, str, str], list[str]] = {}
        for key, source, kind in zip(keys, src["source"], src["kind"], strict=True):
            old.setdefault(key, []).append(f"{source} ({kind})")
        keep = [
            key not in self.new_sources and not any(t == key[0] and str(key[1]).startswith(p) for t, p in self.dropped)
            for key in keys
        ]
        rows = [
            {
                "table": table,
                "element": element,
                "attribute": attribute,
                "value": change["value"],
                "kind": "assumption",
                "source": f"scenario file {self.label}",
                "note": change["note"] or (f"replaces {'; '.join(old[key])}" if key in old else "set by the scenario"),
            }
            for key, change in self.new_sources.items()
            for table, element, attribute in [key]
        ]
        added = pd.DataFrame(rows, columns=list(src.columns) if len(src.columns) else None)
        out = src.loc[keep].reset_index(drop=True)
        if self.moved:
            target = [self.moved.get((t, str(e))) for t, e in zip(out["table"], out["element"], strict=True)]
            hit = [m is not None for m in target]
            moves = [m for m in target if m is not None]
            notes = [str(n) if isinstance(n, str) else "" for n in out.loc[hit, "note"]]
            out.loc[hit, "element"] = [m[0] for m in moves]
            out.loc[hit, "note"] = [f"{n}; {m[1]}" if n else m[1] for n, m in zip(notes, moves, strict=True)]
        return pd.concat([out, added], ignore_index=True)


def _cell_equal(old: object, new: object) -> bool:
    if isinstance(new, float) and isinstance(old, float):
        return (math.isnan(old) and math.isnan(new)) or math.isclose(old, new, rel_tol=1e-12, abs_tol=0.0)
    return fmt(old) == fmt(new)


def _to_cell(table: str, column: str, value: object) -> object:
    kind = next(s.kind for s in TABLE_SPECS[table][1] if s.name == column)
    if value is None:
        return math.nan if kind in {"float", "int"} else (False if kind == "bool" else "")
    return float(value) if kind in {"float", "int"} else value  # type: ignore[arg-type]


def apply_elements(state: Overlay, section: str, patches: dict[str, BaseModel]) -> None:
    """Apply ``plants`` / ``links`` / ``countries`` / ``thermal`` patches (change or add rows)."""
    table, noun = ELEMENT_SECTIONS[section]
    keys, specs = TABLE_SPECS[table]
    key = keys[0]
    frame = state.tables[table].copy()
    for elem, patch in patches.items():
        given = {k: v for k, v in patch.model_dump(exclude_unset=True).items() if k not in _PLANT_EXTRAS}
        hits = frame.index[frame[key] == elem]
        role = given.get("role") or (str(frame.at[hits[0], "role"]) if len(hits) and "role" in frame else "")
        unread = [c for c in given if _unread(state, section, elem, c, role.strip(), given[c])]
        given = {c: v for c, v in given.items() if c not in unread}
        if len(hits):
            idx = hits[0]
            for column, value in given.items():
                cell = _to_cell(table, column, value)
                if not _cell_equal(frame.at[idx, column], cell):
                    state.override(f"{section}.{elem}.{column}", frame.at[idx, column], cell)
                    state.source(table, elem, column, cell)
                    frame.at[idx, column] = cell  # type: ignore[assignment]
            continue
        missing = [s.name for s in specs if s.required and s.name != key and given.get(s.name) is None]
        if missing:
            known = ", ".join(map(str, frame[key]))
            state.problem(
                f"{section}.{elem}",
                f"every required column for a new {noun}: {', '.join(missing)}",
                f"a new {noun} {elem!r} without them",
                did_you_mean(elem, list(frame[key])) or f"existing {section}: {known}",
            )
            continue
        row: dict[str, Any] = {s.name: _to_cell(table, s.name, given.get(s.name)) for s in specs}
        row[key] = elem
        frame = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
        for column in given:
            state.override(f"{section}.{elem}.{column}", "(new)", row[column])
            state.source(table, elem, column, row[column])
    state.tables[table] = frame.astype(state.tables[table].dtypes.to_dict())


def _unread(state: Overlay, section: str, elem: str, column: str, role: str, value: object) -> bool:
    """Record a problem and return True when the model would never read ``column`` of this element."""
    path = f"{section}.{elem}.{column}"
    reference = REFERENCE_COLUMNS.get((section, column))
    if reference is not None:
        state.problem(path, "a value the model reads", f"{column}, {reference}", "remove it from the scenario")
        return True
    wanted = ROLE_COLUMNS.get(column) if section == "countries" else None
    if wanted is not None and role and role != wanted and value is not None:
        state.problem(
            path,
            f"{column} only for a {wanted} country (the model never reads it for a {role} one)",
            f"{column} for {elem}, a {role} country",
            "set it on a detailed country (KG, TJ)" if wanted == "detailed" else "set it on a partner market",
        )
        return True
    return False


def _schedule_text(rows: pd.DataFrame) -> str:
    return "; ".join(f"{d}: {fmt(c)} MW" for d, c in zip(rows["date"], rows["capacity_mw"], strict=True))


def shift_schedule(rows: pd.DataFrame, months: int, start: str) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Move the schedule rows not yet in force at ``start`` by ``months``.

    Rows dated at or before ``start`` are history and stay. A row moved to the horizon start or
    earlier is in force from the start: it is dated ``start`` (the run cannot see earlier), and
    when several land there the latest stage wins; it replaces a history row dated ``start``.
    Dates stay distinct and increasing, and a plant in service before the horizon stays so.

    Returns
    -------
    tuple
        The new rows, old date → new date of the moved rows, and the old dates of dropped rows
        (history rows replaced at the start, and moved rows merged into a later stage).
    """
    ordered = rows.sort_values("date")
    future = ordered["date"] > start
    old_dates = [str(d) for d in ordered.loc[future, "date"]]
    targets = [max(shift_month(d, months), start) for d in old_dates]
    shifted = ordered.loc[future].assign(date=targets)
    merged = shifted["date"].duplicated(keep="last").to_numpy()
    shifted = shifted.loc[~merged]
    moved = {d: t for d, t, m in zip(old_dates, targets, merged, strict=True) if not m}
    dropped = [d for d, m in zip(old_dates, merged, strict=True) if m]
    kept = ordered.loc[~future]
    if len(shifted):
        superseded = kept["date"] >= shifted["date"].min()
        dropped += [str(d) for d in kept.loc[superseded, "date"]]
        kept = kept.loc[~superseded]
    return pd.concat([kept, shifted], ignore_index=True), moved, dropped


def _month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _shift_conflict(
    plant: str, rows: pd.DataFrame, new_rows: pd.DataFrame, months: int, in_service: str, start: str
) -> Problem | None:
    """Return the problem of a shift that moves capacity before an ``in_service`` the file fixes."""
    producing = new_rows.loc[new_rows["capacity_mw"] > 0].sort_values("date")
    if producing.empty or not in_service or str(producing["date"].iloc[0]) >= in_service:
        return None
    first_new = str(producing["date"].iloc[0])
    original = rows.loc[rows["capacity_mw"] > 0].sort_values("date")
    moved_from = str(original["date"].iloc[0]) if len(original) else first_new
    if moved_from > start:
        needed = _month_number(in_service) - _month_number(moved_from)
        hint = (
            f"with in_service {in_service} set in the file, use schedule_shift_months: {needed} or later, "
            "or leave in_service out so that it moves with the schedule"
        )
    else:
        hint = f"capacity from {moved_from} is history at the horizon start {start}; in_service cannot be later"
    expected = f"a shift that keeps the first schedule row with capacity at or after in_service ({in_service})"
    return Problem("", f"plants.{plant}.schedule_shift_months", expected, f"{months} (moves it to {first_new})", hint)


def _new_schedule(state: Overlay, plant: str, rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame | None:
    """Build a plant's replacement schedule; record sources, or problems for missing values."""
    path = f"plants.{plant}.schedule"
    required = [c.name for c in TABLE_SPECS["plant_schedule"][1] if c.required and c.name != "plant"]
    gaps = [(i, c) for i, row in enumerate(rows) for c in required if row.get(c) is None]
    for i, column in gaps:
        state.problem(f"{path}.{i}.{column}", f"a value for {column} in every row", "nothing")
    if gaps:
        return None
    state.drop_sources("plant_schedule", f"{plant}/")
    for row in rows:
        for column, value in row.items():
            if column != "date" and value is not None:
                state.source("plant_schedule", f"{plant}/{row['date']}", column, value)
    records = [{"plant": plant, **{k: (math.nan if v is None else v) for k, v in row.items()}} for row in rows]
    return pd.DataFrame(records, columns=columns)


def _shifted_schedule(
    state: Overlay,
    plant: str,
    rows: pd.DataFrame,
    months: int,
    start: str,
    plants: pd.DataFrame,
    *,
    keep_in_service: bool,
) -> pd.DataFrame:
    """Shift a plant's schedule (and ``in_service``) by ``months``; sources move with the rows."""
    path = f"plants.{plant}"
    new_rows, moved, dropped = shift_schedule(rows, months, start)
    state.override(f"{path}.schedule_shift_months", 0, months)
    note = f"date moved by {months} months (schedule_shift_months in scenario file {state.label})"
    for old, new in moved.items():
        state.move_source("plant_schedule", f"{plant}/{old}", f"{plant}/{new}", note)
    for date in dropped:
        state.drop_sources("plant_schedule", f"{plant}/{date}")
    hit = plants.index[plants["plant"] == plant]
    if len(hit) and not keep_in_service:
        old_month = str(plants.at[hit[0], "in_service"])
        new_month = shift_month(old_month, months) if old_month > start else old_month
        if new_month != old_month:
            state.override(f"{path}.in_service", old_month, new_month)
            state.source("plants", plant, "in_service", new_month, note)
            plants.at[hit[0], "in_service"] = new_month
    return new_rows


def apply_schedules(state: Overlay, patches: dict[str, BaseModel], start: str) -> None:
    """Apply ``schedule`` and ``schedule_shift_months`` of plant patches (horizon from ``start``)."""
    sched = state.tables["plant_schedule"]
    plants = state.tables["plants"]
    for plant, patch in patches.items():
        given = patch.model_dump(exclude_unset=True)
        rows_old = sched.loc[sched["plant"] == plant]
        if "schedule" in given and "schedule_shift_months" in given:
            state.problem(
                f"plants.{plant}.schedule_shift_months",
                "either a new schedule or schedule_shift_months",
                "both",
                "shift the dates of the new schedule yourself",
            )
            continue
        new_rows: pd.DataFrame | None = None
        if given.get("schedule") is not None:
            new_rows = _new_schedule(state, plant, given["schedule"], list(sched.columns))
        elif given.get("schedule_shift_months"):
            months = int(given["schedule_shift_months"])
            keep = "in_service" in given
            if keep:  # in_service stays where the file puts it: the shift must not move capacity before it
                hit = plants.index[plants["plant"] == plant]
                in_service = str(plants.at[hit[0], "in_service"]) if len(hit) else ""
                shifted = shift_schedule(rows_old, months, start)[0]
                conflict = _shift_conflict(plant, rows_old, shifted, months, in_service, start)
                if conflict is not None:
                    state.problems.append(conflict)
                    continue
            new_rows = _shifted_schedule(state, plant, rows_old, months, start, plants, keep_in_service=keep)
        if new_rows is None:
            continue
        state.override(f"plants.{plant}.schedule", _schedule_text(rows_old), _schedule_text(new_rows))
        sched = pd.concat(
            [sched.loc[sched["plant"] != plant], new_rows.astype(sched.dtypes.to_dict())], ignore_index=True
        )
    state.tables["plant_schedule"] = sched
    state.tables["plants"] = plants


def apply_plant_overrides_to_schedules(
    state: Overlay, patches: dict[str, BaseModel], base_plants: pd.DataFrame
) -> None:
    """Make plant overrides reach the stages a commissioning schedule governs, or reject them.

    - ``capacity_mw`` on a plant with a schedule (and no new ``schedule`` in the same patch) scales
      every schedule row's capacity by new / old, so the plant is commissioned on the same dates
      with proportionally smaller or larger steps.
    - ``storage_full_hm3``, ``storage_dead_hm3``, ``level_full_m`` and ``level_dead_m`` that the
      plant's schedule sets on every row (so the plants value is never read) are rejected, with a
      hint to give a new ``schedule``.
    - ``units`` on a plant whose schedule gives no unit counts is rejected: units only scale the
      turbine limit of schedule rows.
    """
    sched = state.tables["plant_schedule"]
    for plant, patch in patches.items():
        given = patch.model_dump(exclude_unset=True)
        mine = sched["plant"] == plant
        rows = sched.loc[mine]
        base = base_plants.loc[base_plants["plant"] == plant]
        if base.empty:
            continue  # a new plant: its own columns and schedule are read as given
        path = f"plants.{plant}"
        for column in SCHEDULED_COLUMNS:
            sets_all = column in rows.columns and len(rows) > 0 and bool(rows[column].notna().all())
            if column in given and sets_all and "schedule" not in given:
                state.problem(
                    f"{path}.{column}",
                    f"{column} of a plant whose commissioning schedule does not set it stage by stage",
                    f"{column} set on every one of {plant}'s {len(rows)} schedule rows "
                    f"({rows['date'].min()} … {rows['date'].max()}), so this value would be ignored",
                    f"give {path}.schedule with the {column} of each row instead",
                )
        if "units" in given and ("units" not in rows.columns or rows.empty or rows["units"].isna().all()):
            state.problem(
                f"{path}.units",
                "units on a plant whose commissioning schedule counts units in service",
                f"{plant} has no schedule unit counts, so units would be ignored",
                f"change {path}.turbine_max_m3s and {path}.capacity_mw instead",
            )
        if "capacity_mw" not in given or given.get("schedule") is not None or rows.empty:
            continue
        old = float(base["capacity_mw"].iloc[0])
        new = float(given["capacity_mw"])
        if _cell_equal(old, new):
            continue
        if not old > 0:
            state.problem(
                f"{path}.capacity_mw",
                "a plant whose schedule can be scaled (capacity_mw > 0 in the dataset)",
                f"{plant} with capacity_mw {fmt(old)}",
                f"give {path}.schedule with the capacity of each row instead",
            )
            continue
        ratio = new / old
        scaled = rows["capacity_mw"] * ratio
        note = f"scaled by {fmt(ratio)} (capacity_mw {fmt(old)} → {fmt(new)} MW in scenario file {state.label})"
        for date, value in zip(rows["date"], scaled, strict=True):
            state.source("plant_schedule", f"{plant}/{date}", "capacity_mw", value, note)
        state.override(f"{path}.schedule", _schedule_text(rows), _schedule_text(rows.assign(capacity_mw=scaled)))
        sched = sched.copy()
        sched.loc[mine, "capacity_mw"] = scaled.to_numpy()
    state.tables["plant_schedule"] = sched


def apply_min_releases(state: Overlay, patches: dict[str, MinReleasePatch]) -> None:
    """Apply ``min_releases``: per-point flags and per-month minimum releases."""
    frame = state.tables["min_releases"].copy()
    for point, patch in patches.items():
        given = patch.model_dump(exclude_unset=True)
        path = f"min_releases.{point}"
        rows = frame["point"] == point
        if not rows.any():
            missing = [k for k in ("strict", "penalty_usd_per_hm3", "min_release_m3s") if given.get(k) is None]
            months = sorted((given.get("min_release_m3s") or {}).keys())
            if not missing and months != list(range(1, 13)):
                missing = ["min_release_m3s for all 12 months"]
            if missing:
                state.problem(
                    path,
                    f"for a new minimum-release point: {', '.join(missing)}",
                    f"a new point {point!r} without them",
                    did_you_mean(point, sorted(set(frame["point"]))),
                )
                continue
            new = pd.DataFrame(
                {
                    "point": point,
                    "month": [float(m) for m in range(1, 13)],
                    "min_release_m3s": [given["min_release_m3s"][m] for m in range(1, 13)],
                    "agreement": given.get("agreement") or "scenario",
                    "strict": bool(given["strict"]),
                    "penalty_usd_per_hm3": given["penalty_usd_per_hm3"],
                }
            )
            frame = pd.concat([frame, new.astype(frame.dtypes.to_dict())], ignore_index=True)
            state.override(f"{path}.min_release_m3s", "(new)", [given["min_release_m3s"][m] for m in range(1, 13)])
            rows = frame["point"] == point
            for month in range(1, 13):
                state.source("min_releases", f"{point}/{month}", "min_release_m3s", given["min_release_m3s"][month])
            continue
        for column in ("strict", "penalty_usd_per_hm3", "agreement"):
            if given.get(column) is None:
                continue
            old = frame.loc[rows, column].iloc[0]
            if not _cell_equal(old, given[column]):
                state.override(f"{path}.{column}", old, given[column])
                frame.loc[rows, column] = given[column]
                for month in frame.loc[rows, "month"]:
                    state.source("min_releases", f"{point}/{int(month)}", column, given[column])
        for month, value in (given.get("min_release_m3s") or {}).items():
            hit = rows & (frame["month"] == month)
            if not hit.any():
                state.problem(f"{path}.min_release_m3s.{month}", "a month the point has a row for", f"month {month}")
                continue
            old = frame.loc[hit, "min_release_m3s"].iloc[0]
            if not _cell_equal(old, float(value)):
                state.override(f"{path}.min_release_m3s.{month}", old, float(value))
                state.source("min_releases", f"{point}/{month}", "min_release_m3s", value)
                frame.loc[hit, "min_release_m3s"] = float(value)
    state.tables["min_releases"] = frame


def apply_inflows(state: Overlay, patches: dict[str, InflowPatch]) -> None:
    """Apply ``inflows``: a site's 12 monthly means become its own series (share 1)."""
    sites = state.tables["inflow_sites"].copy()
    monthly = state.tables["inflow_monthly"].copy()
    plants = state.tables["plants"]
    for site, patch in patches.items():
        given = patch.model_dump(exclude_unset=True)
        series = f"{site}_scenario"
        hit = sites.index[sites["site"] == site]
        values = [float(v) for v in patch.mean_m3s]
        if len(hit):
            idx = hit[0]
            base = monthly.loc[monthly["series"] == sites.at[idx, "base_series"]].sort_values("month")
            old = [float(v) * float(sites.at[idx, "share"]) for v in base["mean_m3s"]]  # type: ignore[arg-type]
            for column in ("plant", "kind", "river"):
                if given.get(column) is not None and given[column] != sites.at[idx, column]:
                    state.override(f"inflows.{site}.{column}", sites.at[idx, column], given[column])
                    sites.at[idx, column] = given[column]
            sites.at[idx, "base_series"] = series
            sites.at[idx, "share"] = 1.0
            state.override(f"inflows.{site}.mean_m3s", old, values)
        else:
            if not given.get("plant"):
                state.problem(
                    f"inflows.{site}.plant",
                    "the plant a new inflow site flows into (plant: <id>)",
                    f"a new site {site!r} without it",
                    did_you_mean(site, list(sites["site"])),
                )
                continue
            river = plants.loc[plants["plant"] == given["plant"], "river"]
            row = {
                "site": site,
                "river": given.get("river") or (str(river.iloc[0]) if len(river) else ""),
                "plant": given["plant"],
                "kind": given.get("kind") or "headwater",
                "base_series": series,
                "share": 1.0,
                "gauge": "",
            }
            sites = pd.concat([sites, pd.DataFrame([row]).astype(sites.dtypes.to_dict())], ignore_index=True)
            state.override(f"inflows.{site}.mean_m3s", "(new)", values)
        new = pd.DataFrame({"series": series, "month": [float(m) for m in range(1, 13)], "mean_m3s": values})
        new = new.reindex(columns=monthly.columns)  # other statistics (sd_m3s …) unknown for a scenario's series
        monthly = pd.concat([monthly, new.astype(monthly.dtypes.to_dict())], ignore_index=True)
        for month, value in enumerate(values, start=1):
            state.source("inflow_monthly", f"{series}/{month}", "mean_m3s", value)
    state.tables["inflow_sites"] = sites
    state.tables["inflow_monthly"] = monthly


#: Parameters that count something: allowed range (inclusive).
WHOLE_NUMBER_PARAMETERS: dict[str, tuple[int, int]] = {
    "lookahead_months": (0, 60),
    "head_max_iterations": (1, 100),
    "storage_initial_year": (1900, 2200),
}


def apply_parameters(state: Overlay, values: dict[str, Any]) -> None:
    """Apply ``parameters``: change the value of existing named parameters (unit-aware)."""
    frame = state.tables["parameters"].copy()
    for name, value in values.items():
        if name in REFERENCE_PARAMETERS:
            state.problem(
                f"parameters.{name}",
                "a parameter the model reads",
                f"{name!r}, a reference value the model does not use",
                "see the parameters section of docs/data.md for what each parameter drives",
            )
            continue
        hit = frame.index[frame["name"] == name]
        if not len(hit):
            state.problem(
                f"parameters.{name}",
                "the name of a parameter of the dataset",
                repr(name),
                did_you_mean(name, list(frame["name"])),
            )
            continue
        try:
            number = parse_quantity(name, value)
        except UnitError as exc:
            unit = str(frame.at[hit[0], "unit"])
            state.problem(f"parameters.{name}", f"{exc.expected} ({unit})" if unit else exc.expected, exc.found)
            continue
        if not math.isfinite(number):
            state.problem(f"parameters.{name}", "a finite number", repr(value))
            continue
        if name in WHOLE_NUMBER_PARAMETERS:
            low, high = WHOLE_NUMBER_PARAMETERS[name]
            if not (number.is_integer() and low <= number <= high):
                state.problem(f"parameters.{name}", f"a whole number from {low} to {high}", repr(value))
                continue
        old = frame.at[hit[0], "value"]
        if not _cell_equal(float(old), number):  # type: ignore[arg-type]
            state.override(f"parameters.{name}", old, number)
            state.source("parameters", name, "value", number)
            frame.at[hit[0], "value"] = number
    state.tables["parameters"] = frame


def apply_scenario(
    base: Dataset, spec: ScenarioFile, label: str, start: str
) -> tuple[Dataset, list[Override], list[Problem]]:
    """Apply every dataset section of ``spec`` to ``base``; ``start`` is the horizon start (YYYY-MM).

    Returns
    -------
    tuple
        The resolved dataset, the overrides in file order and the problems found (file left empty).
    """
    tables = {name: base.table(name) for name in TABLE_SPECS}
    state = Overlay(tables=tables, base_sources=base.sources, label=label)
    for section in ELEMENT_SECTIONS:
        apply_elements(state, section, getattr(spec, section))
    apply_schedules(state, spec.plants, start)
    apply_plant_overrides_to_schedules(state, spec.plants, base.plants)
    apply_min_releases(state, spec.min_releases)
    apply_inflows(state, spec.inflows)
    apply_parameters(state, spec.parameters)
    dataset = replace(base, **state.tables, sources=state.sources())
    return dataset, state.overrides, state.problems
