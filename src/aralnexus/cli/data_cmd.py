"""CLI commands: ``aralnexus data`` — show the default dataset and where every number comes from."""

from __future__ import annotations

import json
from typing import Annotated, get_args

import pandas as pd
import typer

from aralnexus.cli.common import FitTable, console, err_console
from aralnexus.data.dataset import TABLE_NAMES, TABLE_SPECS, SourceKind, load_default
from aralnexus.errors import ExitCode
from aralnexus.i18n import N_, _, ngettext

data_app = typer.Typer(help=N_("Show the default dataset and the source of every value."), no_args_is_help=True)

SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)


def _unknown(what: str, value: str, valid: tuple[str, ...]) -> typer.Exit:
    message = _("error: unknown {what} {value}; valid: {valid}", what=what, value=repr(value), valid=", ".join(valid))
    err_console.print(message, highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(int(ExitCode.BAD_INPUT))


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Return JSON-ready records (NaN → None)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _rich_table(frame: pd.DataFrame, title: str) -> FitTable:
    table = FitTable(title=title, show_lines=False, header_style="bold")
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    return table


@data_app.command("sources")
def sources_cmd(
    table: Annotated[str | None, typer.Option("--table", "-t", help=N_("Only this table."))] = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help=N_("Only this kind of source."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print a JSON list of records."))] = False,
) -> None:
    """List every value of the default dataset with its kind, source and note."""
    if table is not None and table not in TABLE_NAMES:
        raise _unknown(_("table"), table, TABLE_NAMES)
    if kind is not None and kind not in SOURCE_KINDS:
        raise _unknown(_("kind"), kind, SOURCE_KINDS)
    frame = load_default().sources
    if table is not None:
        frame = frame[frame["table"] == table]
    if kind is not None:
        frame = frame[frame["kind"] == kind]
    if as_json:
        console.print_json(json.dumps(_records(frame)))
        return
    title = _("Sources ({values})", values=ngettext("{n} value", "{n} values", len(frame)))
    console.print(_rich_table(frame, title))


@data_app.command("show")
def show_cmd(
    table: Annotated[str | None, typer.Argument(help=N_("Table name; omit to list the tables."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print JSON."))] = False,
) -> None:
    """Print a table of the default dataset (the table names when none is given)."""
    if table is None:
        dataset = load_default()
        names = [
            {"table": name, "rows": len(dataset.table(name)), "key": "/".join(TABLE_SPECS[name][0])}
            for name in TABLE_NAMES
        ]
        if as_json:
            console.print_json(json.dumps(names))
            return
        console.print(_rich_table(pd.DataFrame(names), _("Default dataset tables")))
        return
    if table not in TABLE_NAMES:
        raise _unknown(_("table"), table, TABLE_NAMES)
    frame = load_default().table(table)
    if as_json:
        console.print_json(json.dumps(_records(frame)))
        return
    console.print(_rich_table(frame, table))


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group to ``app``."""
    app.add_typer(data_app, name="data")
