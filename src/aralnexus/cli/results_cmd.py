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
from aralnexus.i18n import N_, _, format_number, ngettext
from aralnexus.store import Store, open_store
from aralnexus.store.export import export_run
from aralnexus.store.summary import compare_runs, key_figures
from aralnexus.vocab import ExportFormat

results_app = typer.Typer(
    name="results",
    help=N_("Browse, compare, query and export stored runs.") + "\n\n" + EXIT_CODES_HELP,
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
        return format_number(value, 3, missing="")
    return "" if value is None else str(value)


def figures_for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the key-figure table with figure names and units in the current language (country codes kept)."""
    from aralnexus.report.data import unit_label
    from aralnexus.report.html import figure_words

    words = dict(sorted(figure_words().items(), key=lambda item: -len(item[0])))  # longest label first

    def name(text: str) -> str:
        for english, local in words.items():
            if text == english or text.startswith(english + " "):
                return local + text[len(english) :]
        return text

    out = frame.copy()
    if "figure" in out.columns:
        out["figure"] = out["figure"].astype(str).map(name)
    if "unit" in out.columns:
        out["unit"] = out["unit"].astype(str).map(unit_label)
    return out


def _headers() -> dict[str, str]:
    """Return column headings for people by column name (the names stay English in --json)."""
    return {
        "figure": _("figure"),
        "unit": _("unit"),
        "value": _("value"),
        "field": _("field"),
        "difference": _("difference"),
        "status": _("status"),
        "members": _("members"),
        "objective_p10_musd": _("objective P10 US$m"),
        "objective_p90_musd": _("objective P90 US$m"),
        "winter_unserved_p90_twh": _("winter unserved P90 TWh"),
        "exports_p10_twh": _("exports P10 TWh"),
    }


def _open(store: Path | None) -> Store:
    return open_store(store)


@results_app.command("list", epilog=N_("Examples:  aralnexus results list · aralnexus results list --all --json"))
def list_runs(
    all_runs: Annotated[bool, typer.Option("--all", help=N_("Include running ensembles."))] = False,
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
            console.print(
                _(
                    "No runs in {store} yet. Run [bold]aralnexus run default[/] to make one.",
                    store=literal(db.path),
                )
            )
        return
    view = pd.DataFrame(
        {
            _("run"): runs["run_id"],
            _("scenario"): runs["scenario_name"],
            _("hydrology, seed"): runs["hydrology"].astype(str)
            + runs["seed"].map(lambda seed: "" if pd.isna(seed) else f", {int(seed)}"),
            _("horizon"): runs["horizon_start"] + " – " + runs["horizon_end"],
            _("status"): runs["status"],
            _("objective US$m"): runs["objective_musd"],
            _("finished"): runs["finished_at"].dt.strftime("%Y-%m-%d %H:%M"),
        }
    )
    console.print(frame_table(view, _("Runs in {store}", store=db.path), digits=1))


@results_app.command(
    "show", epilog=N_("Examples:  aralnexus results show 3fa9c0 · aralnexus results show 3fa9c0 --table metrics --json")
)
def show(
    run: Annotated[str, typer.Argument(help=N_("Run id (a unique prefix is enough)."))],
    table: Annotated[str | None, typer.Option("--table", help=N_("Print this table of the run instead."))] = None,
    limit: Annotated[int, typer.Option("--limit", help=N_("Rows of --table to print (0 = all)."))] = 50,
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
                rows = ngettext("{n} row", "{n} rows", len(frame))
                console.print(frame_table(shown, _("{table} of {run} ({rows})", table=table, run=run_id, rows=rows)))
            return
        record = db.run(run_id)
        figures = key_figures(db, run_id)
        members = db.query(MEMBERS_SQL, [run_id])
    if json:
        print_json({"run": record, "figures": figures, "members": members})
        return
    heads = _headers()
    info = pd.DataFrame({"field": list(record), "value": [_cell(v) for v in record.values()]})
    console.print(frame_table(info, _("Run {run}", run=run_id), headers=heads))
    title = _("Headline numbers (totals over the horizon)")
    console.print(frame_table(figures_for_people(figures), title, headers=heads))
    if not members.empty:
        console.print(frame_table(members, _("Ensemble members"), headers=heads))


@results_app.command("compare", epilog=N_("Example:  aralnexus results compare 3fa9c0 81bd22 --json"))
def compare(
    run_a: Annotated[str, typer.Argument(help=N_("First run id (the baseline)."))],
    run_b: Annotated[str, typer.Argument(help=N_("Second run id."))],
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
    title = _("{b} compared with {a}", a=a, b=b)
    console.print(frame_table(figures_for_people(table), title, headers=_headers()))


@results_app.command(
    "query",
    epilog=(
        N_(
            'Examples:  aralnexus results query "SELECT run_id, sum(unserved_mwh)/1e6 AS twh FROM countries '
            'GROUP BY 1" · '
            "aralnexus results query \"SELECT * FROM metrics WHERE metric = 'winter_deficit_twh'\" --json. "
            "Tables: runs, plants, countries, links, reservoirs, releases, objective, violations, metrics, trade, "
            "sources, overrides, members, member_metrics (see docs/store-and-report.md)."
        )
    ),
)
def query(
    sql: Annotated[
        str,
        typer.Argument(
            help=N_(
                "One read-only DuckDB query (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE); it cannot read or write "
                "files outside the store, change settings or load extensions, and stops after 30 s."
            )
        ),
    ],
    limit: Annotated[int, typer.Option("--limit", help=N_("Rows to print in the table view (0 = all)."))] = 200,
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
    title = ngettext("{n} row", "{n} rows", len(frame)) + (
        _(" (first {limit} shown)", limit=limit) if len(frame) > len(shown) else ""
    )
    console.print(frame_table(shown, title))


@results_app.command("export", epilog=N_("Examples:  aralnexus results export 3fa9c0 --format csv --out exports/"))
def export(
    run: Annotated[str, typer.Argument(help=N_("Run id (a unique prefix is enough)."))],
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", help=N_("parquet or csv (one file per table), netcdf (the labelled solution).")),
    ] = "parquet",
    out: Annotated[
        Path, typer.Option("--out", "-o", help=N_("Folder to write <run_id>/<table>.<format> (or solution.nc) into."))
    ] = Path("exports"),
    store: StoreOption = None,
    json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Export every table of a run to Parquet or CSV files (one per table), or its labelled solution to netCDF."""
    with handled():
        db = _open(store)
        run_id = db.resolve(run)
        with progress(_("exporting {run}", run=run_id), quiet=quiet or json):
            files = export_run(db, run_id, out, fmt)
    if json:
        print_json({"run_id": run_id, "format": fmt, "files": [str(f) for f in files]})
        return
    if quiet:
        return
    if fmt == "netcdf":
        console.print(
            _(
                "Exported the labelled solution of {run} to [bold]{file}[/]",
                run=literal(run_id),
                file=literal(files[0]),
            )
        )
    else:
        console.print(
            _(
                "Exported {tables} of {run} to [bold]{folder}[/]",
                tables=ngettext("{n} table", "{n} tables", len(files)),
                run=literal(run_id),
                folder=literal(files[0].parent),
            )
        )


def register(app: typer.Typer) -> None:
    """Add the ``results`` command group to ``app``."""
    app.add_typer(results_app, name="results")
