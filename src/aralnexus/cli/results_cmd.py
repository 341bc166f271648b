"""CLI commands: ``aralnexus results list | show | compare | query | export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from aralnexus.cli.common import (
    EXIT_CODES_HELP,
    JsonOption,
    QuietOption,
    StoreOption,
    console,
    frame_table,
    handled,
    literal,
    print_json,
    progress,
)
from aralnexus.store import Store, open_store
from aralnexus.store.export import export_run
from aralnexus.store.summary import compare_runs, key_figures
from aralnexus.vocab import ExportFormat

results_app = typer.Typer(
    name="results",
    help="Browse, compare, query and export stored runs.\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

LIST_COLUMNS = [
    "run_id",
    "kind",
    "scenario_name",
    "hydrology",
    "horizon_start",
    "horizon_end",
    "seed",
    "status",
    "objective_musd",
    "finished_at",
]


MEMBERS_SQL = """
SELECT status, count(*) AS members,
       quantile_cont(objective_musd, 0.1) AS objective_p10_musd,
       quantile_cont(objective_musd, 0.9) AS objective_p90_musd,
       quantile_cont(winter_unserved_twh, 0.9) AS winter_unserved_p90_twh,
       quantile_cont(exports_twh, 0.1) AS exports_p10_twh
FROM members WHERE run_id = ? GROUP BY status ORDER BY status
"""


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}"
    return "" if value is None else str(value)


def _open(store: Path | None) -> Store:
    return open_store(store)


@results_app.command("list", epilog="Examples:  aralnexus results list · aralnexus results list --all --json")
def list_runs(
    all_runs: Annotated[bool, typer.Option("--all", help="Include running ensembles.")] = False,
    store: StoreOption = None,
    json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """List the stored runs, oldest first."""
    with handled():
        db = _open(store)
        runs = db.runs(include_incomplete=all_runs)[LIST_COLUMNS]
    if json:
        print_json(runs)
        return
    if runs.empty:
        if not quiet:
            console.print(f"No runs in {literal(db.path)} yet. Run [bold]aralnexus run default[/] to make one.")
        return
    view = pd.DataFrame(
        {
            "run": runs["run_id"],
            "scenario": runs["scenario_name"],
            "hydrology": runs["hydrology"],
            "horizon": runs["horizon_start"] + "…" + runs["horizon_end"],
            "seed": runs["seed"],
            "status": runs["status"],
            "objective US$m": runs["objective_musd"],
            "finished": runs["finished_at"].dt.strftime("%Y-%m-%d %H:%M"),
        }
    )
    console.print(frame_table(view, f"Runs in {db.path}", floats="{:,.1f}"))


@results_app.command(
    "show", epilog="Examples:  aralnexus results show 3fa9c0 · aralnexus results show 3fa9c0 --table metrics --json"
)
def show(
    run: Annotated[str, typer.Argument(help="Run id (a unique prefix is enough).")],
    table: Annotated[str | None, typer.Option("--table", help="Print this table of the run instead.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows of --table to print (0 = all).")] = 50,
    store: StoreOption = None,
    json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Show one run: its record and headline numbers (or one of its tables)."""
    with handled():
        db = _open(store)
        run_id = db.resolve(run)
        if table is not None:
            frame = db.table(table, run_id).drop(columns="run_id")
            shown = frame if limit <= 0 else frame.head(limit)
            if json:
                print_json(shown)
            else:
                console.print(frame_table(shown, f"{table} of {run_id} ({len(frame)} rows)"))
            return
        record = db.run(run_id)
        figures = key_figures(db, run_id)
        members = db.query(MEMBERS_SQL, [run_id])
    if json:
        print_json({"run": record, "figures": figures, "members": members})
        return
    info = pd.DataFrame({"field": list(record), "value": [_cell(v) for v in record.values()]})
    console.print(frame_table(info, f"Run {run_id}"))
    console.print(frame_table(figures, "Headline numbers (totals over the horizon)"))
    if not members.empty:
        console.print(frame_table(members, "Ensemble members"))


@results_app.command("compare", epilog="Example:  aralnexus results compare 3fa9c0 81bd22 --json")
def compare(
    run_a: Annotated[str, typer.Argument(help="First run id (the baseline).")],
    run_b: Annotated[str, typer.Argument(help="Second run id.")],
    store: StoreOption = None,
    json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Compare the headline numbers of two runs (difference = second − first)."""
    with handled():
        db = _open(store)
        a, b = db.resolve(run_a), db.resolve(run_b)
        table = compare_runs(db, a, b)
    if json:
        print_json({"runs": [a, b], "figures": table})
        return
    console.print(frame_table(table, f"{b} compared with {a}"))


@results_app.command(
    "query",
    epilog=(
        'Examples:  aralnexus results query "SELECT run_id, sum(unserved_mwh)/1e6 AS twh FROM countries GROUP BY 1" · '
        "aralnexus results query \"SELECT * FROM metrics WHERE metric = 'winter_deficit_twh'\" --json. "
        "Tables: runs, plants, countries, links, reservoirs, releases, objective, violations, metrics, trade, "
        "sources, overrides, members, member_metrics (see docs/store-and-report.md)."
    ),
)
def query(
    sql: Annotated[
        str,
        typer.Argument(
            help="One read-only DuckDB query (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE); it cannot read or write "
            "files outside the store, change settings or load extensions, and stops after 30 s."
        ),
    ],
    limit: Annotated[int, typer.Option("--limit", help="Rows to print in the table view (0 = all).")] = 200,
    store: StoreOption = None,
    json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run read-only SQL on the store and print the result."""
    with handled():
        frame = _open(store).read_only_query(sql)
    if json:
        print_json(frame)
        return
    shown = frame if limit <= 0 else frame.head(limit)
    title = f"{len(frame)} rows" + (f" (first {limit} shown)" if len(frame) > len(shown) else "")
    console.print(frame_table(shown, title))


@results_app.command("export", epilog="Examples:  aralnexus results export 3fa9c0 --format csv --out exports/")
def export(
    run: Annotated[str, typer.Argument(help="Run id (a unique prefix is enough).")],
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", help="parquet or csv (one file per table), netcdf (the labelled solution)."),
    ] = "parquet",
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write <run_id>/<table>.<format> (or solution.nc) into.")
    ] = Path("exports"),
    store: StoreOption = None,
    json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Export every table of a run to Parquet or CSV files (one per table), or its labelled solution to netCDF."""
    with handled():
        db = _open(store)
        run_id = db.resolve(run)
        with progress(f"exporting {run_id}", quiet=quiet or json):
            files = export_run(db, run_id, out, fmt)
    if json:
        print_json({"run_id": run_id, "format": fmt, "files": [str(f) for f in files]})
        return
    if quiet:
        return
    if fmt == "netcdf":
        console.print(f"Exported the labelled solution of {literal(run_id)} to [bold]{literal(files[0])}[/]")
    else:
        console.print(f"Exported {len(files)} tables of {literal(run_id)} to [bold]{literal(files[0].parent)}[/]")


def register(app: typer.Typer) -> None:
    """Add the ``results`` command group to ``app``."""
    app.add_typer(results_app, name="results")
