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
from rich.table import Table

from aralnexus.backtest import DEFAULT_END, DEFAULT_START, BacktestResult, run_backtest
from aralnexus.cli.common import JsonOption, StoreOption, console, fail_input, plain, print_json, progress
from aralnexus.errors import InputError


def _num(value: float, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def comparison_rich(result: BacktestResult) -> Table:
    """Return the comparison rows as a rich table."""
    table = Table(
        title=f"Backtest {result.start}–{result.end}: published figures and the replayed model",
        title_justify="left",
        header_style="bold",
    )
    for head in ("quantity", "element", "year / date", "published", "source", "model", "error %"):
        table.add_column(head, justify="right" if head in {"published", "model", "error %"} else "left")
    for row in result.table.to_dict(orient="records"):
        table.add_row(
            str(row["quantity"]),
            str(row["element"]),
            str(row["period"]),
            _num(float(row["published"])),
            str(row["source"]),
            _num(float(row["model"])) if not math.isnan(float(row["model"])) else "not modelled",
            _num(float(row["error_pct"]), 1),
        )
    return table


def errors_rich(result: BacktestResult) -> Table:
    """Return the mean absolute error per group as a rich table."""
    table = Table(title="Mean absolute error per group", title_justify="left", header_style="bold")
    for head in ("group", "compared", "not modelled", "MAE %", "mean error %", "RMS (km3)"):
        table.add_column(head, justify="left" if head == "group" else "right")
    for row in result.errors.to_dict(orient="records"):
        table.add_row(
            str(row["group"]),
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
    start: Annotated[int, typer.Option("--start", help="First calendar year replayed.")] = DEFAULT_START,
    end: Annotated[int, typer.Option("--end", help="Last calendar year replayed.")] = DEFAULT_END,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record",
            help="CSV series,water_year,volume_km3 of observed annual inflows (must cover the years). "
            "Default: the shipped CA-discharge record where it covers a year, else the climatology.",
        ),
    ] = None,
    scenario: Annotated[str, typer.Option("--scenario", help="default or a scenario YAML file")] = "default",
    as_json: JsonOption = False,
    store: StoreOption = None,
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not save the backtest to the store.")] = False,
) -> None:
    """Replay the years as they happened and compare the model with published figures."""
    from aralnexus.backtest.store_io import save_backtest
    from aralnexus.scenario import load_scenario
    from aralnexus.store import open_store

    run_id, store_path = None, None
    try:
        with progress(f"replaying {start}–{end}", quiet=as_json):
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
    console.print(
        f"inflows: {', '.join(sources)} · record: {result.record} · start storage (hm3): "
        + ", ".join(f"{k} {v:,.0f}" for k, v in result.replay.start_storage_hm3.items())
    )
    if run_id:
        console.print(plain(f"Saved: store {store_path}, run {run_id} (aralnexus serve shows it)."), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` command to the app."""
    app.command("backtest")(backtest)
