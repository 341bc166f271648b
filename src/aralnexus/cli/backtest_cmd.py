"""CLI command ``aralnexus backtest``: replay 2019–2025 and compare with published figures.

Prints one row per comparison (quantity, year, published value with its source id, model value,
error %) and then the mean absolute error per group. ``--json`` prints ``start``, ``end``,
``record``, ``rows`` (the comparison table), ``groups`` (errors per group), ``inputs`` (what
each replayed year was given), ``run_id`` and ``store`` (where the backtest was saved; ``null``
with ``--no-save``).

The backtest is saved to the store as a run of kind ``backtest`` (its comparison rows and the
modelled storage; :mod:`aralnexus.backtest.store_io`), so ``aralnexus serve`` shows it, unless
``--no-save``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from aralnexus.backtest import DEFAULT_END, DEFAULT_START, BacktestResult, run_backtest
from aralnexus.cli.common import FitTable, JsonOption, StoreOption, console, fail_input, plain, print_json, progress
from aralnexus.errors import InputError
from aralnexus.i18n import N_, _, format_number


def _num(value: float, digits: int = 3) -> str:
    return format_number(value, digits)


def _quantities() -> dict[str, str]:
    """Return the published quantities (codes of ``published.csv``) in words."""
    return {
        "generation_twh": _("generation TWh"),
        "plant_generation_twh": _("plant generation TWh"),
        "consumption_twh": _("consumption TWh"),
        "thermal_twh": _("thermal TWh"),
        "imports_twh": _("imports TWh"),
        "exports_twh": _("exports TWh"),
        "storage_km3": _("storage km3"),
    }


def quantity_words(code: str) -> str:
    """Return a published quantity or group for people (an unknown code with spaces for underscores).

    The comparison groups' names are the report's (:func:`aralnexus.report.backtest.group_name`).
    """
    from aralnexus.report.backtest import group_name

    named = _quantities().get(code)
    if named is not None:
        return named
    group = group_name(code)
    return group if group != code else code.replace("_", " ")


def comparison_rich(result: BacktestResult) -> FitTable:
    """Return the comparison rows as a rich table (headings in the current language; codes as stored)."""
    table = FitTable(
        title=_("Backtest {start}–{end}: published figures and the replayed model", start=result.start, end=result.end),
        title_justify="left",
        header_style="bold",
    )
    heads = (
        (_("quantity"), "left"),
        (_("element"), "left"),
        (_("year / date"), "left"),
        (_("published"), "right"),
        (_("source"), "left"),
        (_("model"), "right"),
        (_("error %"), "right"),
    )
    for head, justify in heads:
        table.add_column(head, justify=justify)  # type: ignore[arg-type]
    for row in result.table.to_dict(orient="records"):
        table.add_row(
            quantity_words(str(row["quantity"])),
            str(row["element"]),
            str(row["period"]),
            _num(float(row["published"])),
            str(row["source"]),
            _num(float(row["model"])) if not math.isnan(float(row["model"])) else _("not modelled"),
            _num(float(row["error_pct"]), 1),
        )
    return table


def errors_rich(result: BacktestResult) -> FitTable:
    """Return the mean absolute error per group as a rich table."""
    table = FitTable(title=_("Mean absolute error per group"), title_justify="left", header_style="bold")
    heads = (_("group"), _("compared"), _("not modelled"), _("MAE %"), _("mean error %"), _("RMS (km3)"))
    for i, head in enumerate(heads):
        table.add_column(head, justify="left" if i == 0 else "right")
    for row in result.errors.to_dict(orient="records"):
        table.add_row(
            quantity_words(str(row["group"])),
            str(row["n"]),
            str(row["not_modelled"]),
            _num(float(row["mae_pct"]), 1),
            _num(float(row["mean_error_pct"]), 1),
            _num(float(row["rms"]), 2),
        )
    return table


def backtest_json(result: BacktestResult, run_id: str | None = None, store: str | None = None) -> dict[str, Any]:
    """Return the ``--json`` document (``run_id`` and ``store``: where it was saved, if it was)."""
    return {
        "start": result.start,
        "end": result.end,
        "record": result.record,
        "rows": result.table,
        "groups": result.errors,
        "inputs": [
            {
                "year": y.year,
                "inflow_source": y.inflow_source,
                "inflow_factor": {k: v[0] for k, v in y.inflow_factor.items()},
                "demand_twh": y.demand_twh,
                "demand_source": y.demand_source,
            }
            for y in result.inputs
        ],
        "start_storage_hm3": result.replay.start_storage_hm3,
        "run_id": run_id,
        "store": store,
    }


def backtest(
    start: Annotated[int, typer.Option("--start", help=N_("First calendar year replayed."))] = DEFAULT_START,
    end: Annotated[int, typer.Option("--end", help=N_("Last calendar year replayed."))] = DEFAULT_END,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record",
            help=N_(
                "CSV series,water_year,volume_km3 of observed annual inflows (must cover the years). "
                "Default: the shipped CA-discharge record where it covers a year, else the climatology."
            ),
        ),
    ] = None,
    scenario: Annotated[str, typer.Option("--scenario", help=N_("default or a scenario YAML file"))] = "default",
    as_json: JsonOption = False,
    store: StoreOption = None,
    no_save: Annotated[bool, typer.Option("--no-save", help=N_("Do not save the backtest to the store."))] = False,
) -> None:
    """Replay the years as they happened and compare the model with published figures."""
    from aralnexus.backtest.store_io import save_backtest
    from aralnexus.scenario import load_scenario
    from aralnexus.store import open_store

    run_id, store_path = None, None
    try:
        with progress(_("replaying {start}–{end}", start=start, end=end), quiet=as_json):
            loaded = load_scenario(scenario)
            result = run_backtest(loaded, start, end, record)
        if not no_save:
            db = open_store(store)
            run_id, store_path = save_backtest(db, loaded, result), str(db.path)
    except InputError as error:
        raise fail_input(error) from None
    if as_json:
        print_json(backtest_json(result, run_id, store_path))
        return
    console.print(comparison_rich(result))
    console.print(errors_rich(result))
    sources = sorted({s for y in result.inputs for s in y.inflow_source.values()})
    storage = ", ".join(f"{k} {format_number(v, 0)}" for k, v in result.replay.start_storage_hm3.items())
    line = _(
        "inflows: {sources} · record: {record} · start storage (hm3): {storage}",
        sources=", ".join(sources),
        record=result.record,
        storage=storage,
    )
    console.print(plain(line), highlight=False)
    if run_id:
        saved = _("Saved: store {store}, run {run} (aralnexus serve shows it).", store=store_path, run=run_id)
        console.print(plain(saved), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` command to the app."""
    app.command("backtest")(backtest)
