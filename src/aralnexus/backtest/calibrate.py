"""Calibration, honestly split: fit uncertain parameters on 2019–2022, check them on 2023–2025.

Method (named in every calibrated source row): **coordinate search** over a few candidate values
per parameter (:data:`KNOBS`), in the listed order, repeated ``passes`` times; each candidate is
scored by replaying the *fit years only* (:func:`aralnexus.backtest.run_backtest` over
2019–2022) and taking :func:`objective`. The check years 2023–2025 are never replayed during the
fit; they are replayed once before and once after, and both errors are reported
(:class:`Calibration`). ``scripts/calibrate_backtest.py`` runs it and writes the chosen values into
the default dataset with ``kind = calibrated``.

What the fit years can and cannot tell: national generation, exports, thermal (Dushanbe-2 2020), the
Naryn cascade's output (2021–2022) and Toktogul volumes are dated figures of 2019–2022, and only
they are in the objective. The long-run plant means (``plants.csv``) are not: they are undated
design figures and the plant targets are judged on them, so a fit on them would be in-sample for
those targets (docs/calibration.md, "Plant means"). The terminal water value is not fitted (see
:data:`KNOBS`).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from aralnexus.backtest import BacktestResult, run_backtest
from aralnexus.backtest.fidelity import FIT_YEARS, VALIDATION_YEARS, errors_in_years, plant_means
from aralnexus.data.dataset import TABLE_SPECS, Dataset
from aralnexus.scenario.model import Scenario

METHOD = (
    "coordinate search on the dated figures of the 2019-2022 backtest, long-run plant means left out "
    "(scripts/calibrate_backtest.py)"
)


@dataclass(frozen=True)
class Knob:
    """One uncertain parameter: where it lives, the candidates tried, and why it is uncertain.

    ``table/element/attribute`` name a dataset cell, except for ``withdrawals`` where ``element`` is
    a point and the candidates scale every month of that point's stated profile
    (``base_withdrawal_m3s``). ``prior`` is the stated value before any calibration (the value of the
    cell's non-calibrated source row; 1 for a withdrawal scale): every fit starts from it, so that a
    re-run gives the same values whatever an earlier fit stored.
    """

    table: str
    element: str
    attribute: str
    candidates: tuple[float, ...]
    reason: str
    prior: float

    @property
    def name(self) -> str:
        """``table.element.attribute`` (``withdrawals.golovnaya.scale``)."""
        return f"{self.table}.{self.element}.{self.attribute}"


#: The terminal water value is not a knob: it is what operators credit to water left at the end of
#: the look-ahead, a behavioural weight rather than a physical parameter. It stays at the value an
#: earlier fit stored (5 US$/MWh, ``sources.csv``); at its prior 30 the replay hoards Toktogul water
#: (RMS 7.4 km3 over 2019–2025, docs/calibration.md). The knobs are physical or contractual.
KNOBS: tuple[Knob, ...] = (
    Knob(
        "plants",
        "toktogul",
        "head_loss_m",
        (0.0, 1.5, 3.0, 5.0),
        "hydraulic losses and tailwater rise are not published; the one dated operating point (NAR-065) bounds "
        "them to a few metres at efficiency 0.92-0.93",
        1.5,
    ),
    Knob(
        "plants",
        "kurpsai",
        "head_loss_m",
        (3.0, 5.0, 8.0, 12.0),
        "the 110 m head is taken as gross (113 m dam); losses, pool drawdown and the Tash-Kumyr backwater at its "
        "tail are not published",
        5.0,
    ),
    Knob(
        "thermal",
        "dushanbe2_chp",
        "availability",
        (0.7, 0.8, 0.9, 0.95, 1.0),
        "Dushanbe-2 availability not published; one year of output (ELE-049, 2020); the plant runs in its months "
        "of operation only (thermal.csv months, the heating season)",
        0.9,
    ),
    Knob(
        "thermal",
        "bishkek_chp1",
        "must_run_heating",
        (0.5, 0.7, 0.9),
        "heat-season output of Bishkek CHP-1 is not published per year",
        0.7,
    ),
    Knob(
        "withdrawals",
        "golovnaya",
        "scale",
        (0.75, 1.0, 1.25),
        "Vakhsh canal withdrawals are not published; the profile is derived from plant means",
        1.0,
    ),
    Knob(
        "withdrawals",
        "uch_kurgan",
        "scale",
        (0.75, 1.0, 1.25),
        "Fergana canal withdrawals at Uch-Kurgan are not published; the profile is derived from plant means",
        1.0,
    ),
    Knob(
        "links",
        "tj_af_2021",
        "capacity_mw",
        (300.0, 350.0, 400.0),
        "contracted export level to Afghanistan up to 2021, below the physical rating of the 220 kV ties (from 2022 "
        "the stated contract of up to 400 MW, tj_af_existing)",
        450.0,
    ),
    Knob(
        "links",
        "uz_tj",
        "capacity_mw",
        (0.0, 150.0, 300.0),
        "winter imports of Tajikistan from Uzbekistan are not published (rationing rather than imports, ELE-005)",
        600.0,
    ),
    # Trade part (issue 14, helper trade14): the summer export level to Uzbekistan, fitted on the
    # Uzbek grid's yearly imports from Tajikistan of 2019-2022 (published.csv, NEG-UZ-2023).
    Knob(
        "links",
        "tj_uz",
        "capacity_mw",
        (230.0, 280.0, 330.0, 390.0),
        "contracted summer export level to Uzbekistan; the Uzbek grid's imports from Tajikistan were 1.43, 0.57, 1.14 "
        "and 0.82 TWh in 2019-2022 (NEG-UZ-2023), contract by contract, with no stated capacity",
        390.0,
    ),
)

Objective = Callable[[BacktestResult, Dataset], float]


def select_knobs(names: list[str], knobs: tuple[Knob, ...] = KNOBS) -> tuple[Knob, ...]:
    """Return the knobs named (``table.element.attribute``), in the search order; all of them for no names.

    Fitting a part holds every other knob at the value stored in the dataset.

    Raises
    ------
    ValueError
        If a name is not a knob.
    """
    if not names:
        return knobs
    known = {k.name for k in knobs}
    unknown = [name for name in names if name not in known]
    if unknown:
        msg = f"unknown knob {', '.join(unknown)}; knobs: {', '.join(sorted(known))}"
        raise ValueError(msg)
    return tuple(k for k in knobs if k.name in names)


def objective(result: BacktestResult, dataset: Dataset) -> float:
    """Mean of the group errors (%) of the dated figures on the replayed years.

    Groups: generation, thermal, imports, exports, plants (dated), Toktogul volume (MAE %), each
    once, so that the 30-odd Toktogul dates do not outweigh the national figures. The long-run
    plant means are not a term (module docstring); ``dataset`` is part of the :data:`Objective`
    signature, for scores that need it.
    """
    del dataset
    errors = errors_in_years(result, (result.start, result.end))
    terms = [float(v) for v in errors["mae_pct"] if not math.isnan(float(v))]
    return float(np.mean(terms)) if terms else math.nan


def _base_withdrawal_m3s(frame: pd.DataFrame) -> pd.Series:
    """Return the stated profile of each row (``base_withdrawal_m3s``, or ``withdrawal_m3s`` where not stated)."""
    current = frame["withdrawal_m3s"].astype(float)
    if "base_withdrawal_m3s" not in frame.columns:
        return current
    return frame["base_withdrawal_m3s"].astype(float).fillna(current)


def value_of(dataset: Dataset, knob: Knob) -> float:
    """Return the current value of a knob in the dataset.

    A withdrawal scale is the point's withdrawal over its stated profile (1.0 when none is stated).
    """
    frame = dataset.table(knob.table)
    if knob.table == "withdrawals":
        sel = frame["point"] == knob.element
        base = _base_withdrawal_m3s(frame)[sel]
        total = float(base.sum())
        return float(frame.loc[sel, "withdrawal_m3s"].astype(float).sum()) / total if total > 0 else 1.0
    key = TABLE_SPECS[knob.table][0][0]
    return float(frame.loc[frame[key].astype(str) == knob.element, knob.attribute].iloc[0])


def with_value(dataset: Dataset, knob: Knob, value: float) -> Dataset:
    """Return the dataset with one knob set.

    A withdrawal scale sets the point's withdrawal to ``value`` times its stated profile
    (``base_withdrawal_m3s``), never times the current withdrawal, so setting it twice does not compound.
    """
    frame = dataset.table(knob.table).copy()
    if knob.table == "withdrawals":
        sel = frame["point"] == knob.element
        base = _base_withdrawal_m3s(frame)
        frame["base_withdrawal_m3s"] = base
        frame.loc[sel, "withdrawal_m3s"] = base[sel] * value
    else:
        key = TABLE_SPECS[knob.table][0][0]
        frame.loc[frame[key].astype(str) == knob.element, knob.attribute] = value
    return dataclasses.replace(dataset, **{knob.table: frame})


def at_priors(dataset: Dataset, knobs: tuple[Knob, ...] = KNOBS) -> Dataset:
    """Return the dataset with every knob at its stated prior: where every fit starts."""
    for knob in knobs:
        dataset = with_value(dataset, knob, knob.prior)
    return dataset


@dataclass(frozen=True)
class Calibration:
    """Outcome of a calibration.

    Attributes
    ----------
    values
        Knob name → chosen value.
    priors
        Knob name → value before the fit.
    trials
        Every evaluation: ``pass, knob, value, objective``.
    before, after
        Errors per group and period (``fit`` 2019–2022, ``check`` 2023–2025) with the prior and the
        calibrated values: ``period, group, n, mae_pct, mean_error_pct, rms``.
    plants_before, plants_after
        Long-run plant means against the published ones (:func:`~aralnexus.backtest.fidelity.plant_means`).
    """

    values: dict[str, float]
    priors: dict[str, float]
    trials: pd.DataFrame
    before: pd.DataFrame
    after: pd.DataFrame
    plants_before: pd.DataFrame
    plants_after: pd.DataFrame


def _split_errors(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    full = run_backtest(scenario, FIT_YEARS[0], VALIDATION_YEARS[1])
    parts = []
    for period, years in (("fit", FIT_YEARS), ("check", VALIDATION_YEARS)):
        parts.append(errors_in_years(full, years).assign(period=period))
    errors = pd.concat(parts, ignore_index=True)
    columns = ["period", "group", "n", "mae_pct", "mean_error_pct", "rms"]
    return errors[columns], plant_means(full, scenario.dataset)


def calibrate(
    scenario: Scenario,
    knobs: tuple[Knob, ...] = KNOBS,
    passes: int = 1,
    score: Objective = objective,
    log: Callable[[str], None] | None = None,
) -> Calibration:
    """Fit ``knobs`` on the fit years by coordinate search; report fit and check errors before and after.

    The search starts from every knob's stated prior (:func:`at_priors`), not from the values stored
    in the dataset, so the result depends on the stated base values only: re-running a calibration
    whose values were written gives the same values. "Before" is the replay at the priors.
    """
    say = log or (lambda _text: None)
    start = at_priors(scenario.dataset, knobs)
    priors = {k.name: k.prior for k in knobs}
    before, plants_before = _split_errors(dataclasses.replace(scenario, dataset=start))
    trials: list[dict[str, object]] = []
    best_data = start
    chosen = dict(priors)
    for round_ in range(1, passes + 1):
        for knob in knobs:
            results: list[tuple[float, float]] = []
            for value in knob.candidates:
                trial = with_value(best_data, knob, value)
                sc = dataclasses.replace(scenario, dataset=trial)
                fit = run_backtest(sc, FIT_YEARS[0], FIT_YEARS[1])
                cost = score(fit, trial)
                trials.append({"pass": round_, "knob": knob.name, "value": value, "objective": cost})
                say(f"pass {round_} {knob.name} = {value:g}: objective {cost:.2f}")
                results.append((cost, value))
            cost, value = min(results)
            best_data = with_value(best_data, knob, value)
            chosen[knob.name] = value
            say(f"  → {knob.name} = {value:g} (objective {cost:.2f})")
    after, plants_after = _split_errors(dataclasses.replace(scenario, dataset=best_data))
    return Calibration(chosen, priors, pd.DataFrame(trials), before, after, plants_before, plants_after)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _number(value: float) -> str:
    return f"{value:g}" if abs(value - round(value)) > 1e-9 else str(round(value))


def _origin(row: dict[str, str]) -> str:
    """``kind: note`` of the row before any calibration (earlier calibrations' notes stripped)."""
    text = f"{row['kind']}: {row['note']}".strip()
    while text.startswith("calibrated") and "; was " in text:
        text = text.split("; was ", 1)[1]
    return text


def _describe(knob: Knob, value: float) -> str:
    if knob.table == "withdrawals":
        return f"base_withdrawal_m3s (the derived monthly profile) scaled by {value:g}"
    return f"{value:g} (prior {knob.prior:g}, candidates {', '.join(f'{c:g}' for c in knob.candidates)})"


def _set_cells(knob: Knob, rows: list[dict[str, str]], value: float) -> list[tuple[str, str, str]]:
    """Set the knob in the table rows; return ``(element, attribute, new value)`` of every cell set."""
    out = []
    if knob.table == "withdrawals":
        for row in rows:
            if row["point"] == knob.element:
                base = row.get("base_withdrawal_m3s") or row["withdrawal_m3s"]
                row["base_withdrawal_m3s"] = base
                row["withdrawal_m3s"] = _number(round(float(base) * value, 1))
                out.append((f"{row['point']}/{row['month']}", "withdrawal_m3s", row["withdrawal_m3s"]))
        return out
    key = TABLE_SPECS[knob.table][0][0]
    for row in rows:
        if row[key] == knob.element:
            row[knob.attribute] = _number(value)
            out.append((knob.element, knob.attribute, row[knob.attribute]))
    return out


def write_values(values: dict[str, float], folder: Path, knobs: tuple[Knob, ...] = KNOBS) -> list[str]:
    """Store calibrated ``values`` (knob name → value) in a dataset folder; return what was set.

    Each cell becomes a function of the stated base values and ``values`` only: a withdrawal is
    ``base_withdrawal_m3s`` times its scale, a cell is the value, and the ``sources.csv`` note names the
    method, the value, the prior and the pre-calibration source; writing the same values twice gives
    the same files.
    """
    src_header, sources = _read_csv(folder / "sources.csv")
    by_key = {(r["table"], r["element"], r["attribute"]): r for r in sources}
    changed = []
    for knob in knobs:
        if knob.name not in values:
            continue
        value = values[knob.name]
        header, rows = _read_csv(folder / f"{knob.table}.csv")
        if knob.table == "withdrawals" and "base_withdrawal_m3s" not in header:
            header.insert(header.index("withdrawal_m3s") + 1, "base_withdrawal_m3s")
        cells = _set_cells(knob, rows, value)
        _write_csv(folder / f"{knob.table}.csv", header, rows)
        for element, attribute, new in cells:
            row = by_key[(knob.table, element, attribute)]
            row.update(
                value=new,
                kind="calibrated",
                source="calibrated",
                note=f"calibrated ({METHOD}): {_describe(knob, value)}; reason: {knob.reason}; was {_origin(row)}",
            )
        changed.append(f"{knob.name}: {knob.prior:g} -> {value:g}")
    _write_csv(folder / "sources.csv", src_header, sources)
    return changed
