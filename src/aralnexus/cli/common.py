"""Shared CLI helpers: the rich console, error rendering and exit codes."""

from __future__ import annotations

import json
import math
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from aralnexus.errors import ExitCode, InfeasibleScenarioError, InputError

console = Console()
err_console = Console(stderr=True)


def fail_input(error: InputError) -> typer.Exit:
    """Print an input error (every problem on its own line) and return exit code 2."""
    err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    return typer.Exit(int(ExitCode.BAD_INPUT))


def fail_infeasible(error: InfeasibleScenarioError) -> typer.Exit:
    """Print what could not be met and return exit code 3."""
    err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    return typer.Exit(int(ExitCode.INFEASIBLE))


def run_app(app: typer.Typer) -> int:
    """Run the Typer app; domain errors escaping a command become clean messages and exit codes."""
    try:
        code = app(standalone_mode=False)  # without standalone mode, click returns Exit codes
    except InputError as error:
        err_console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.BAD_INPUT)
    except InfeasibleScenarioError as error:
        err_console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.INFEASIBLE)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        return int(ExitCode.FAILURE)
    except Exception as error:
        import click

        if isinstance(error, click.exceptions.UsageError):
            error.show()
            return int(ExitCode.BAD_INPUT)
        if isinstance(error, click.exceptions.ClickException):
            error.show()
            return int(ExitCode.FAILURE)
        err_console.print(f"error: {type(error).__name__}: {error}", highlight=False, markup=False)
        return int(ExitCode.FAILURE)
    return int(code) if isinstance(code, int) else int(ExitCode.OK)


# -- shared options and output helpers --------------------------------------------------------

EXIT_CODES_HELP = "Exit codes: 0 ok · 1 failure · 2 bad input (unknown run, bad SQL…) · 3 infeasible scenario."

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="ARALNEXUS_STORE",
        help="Run store (DuckDB file). Default: $ARALNEXUS_STORE, else ./aralnexus.duckdb.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or chatter; results only.")]


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return [{str(k): _jsonable(v) for k, v in row.items()} for row in value.to_dict(orient="records")]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def to_json(data: Any) -> str:
    """Serialise dicts, lists and DataFrames (as lists of records) to JSON; NaN/NaT become null."""
    return json.dumps(_jsonable(data), indent=2, ensure_ascii=False)


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (plain text, no rich markup or wrapping)."""
    sys.stdout.write(to_json(data) + "\n")
    sys.stdout.flush()


def frame_table(frame: pd.DataFrame, title: str = "", *, floats: str = "{:,.3f}") -> Table:
    """Return a rich Table showing ``frame`` (floats formatted with ``floats``)."""
    table = Table(title=title or None, title_justify="left", header_style="bold")
    for i, column in enumerate(frame.columns):
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left", no_wrap=i == 0)
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append("" if math.isnan(value) else floats.format(value))
            elif value is None or (not isinstance(value, str) and pd.isna(value)):
                cells.append("")
            else:
                cells.append(str(value))
        table.add_row(*cells)
    return table


class _Steps:
    """Handle yielded by :func:`progress`: advance the bar or change its text."""

    def __init__(self, bar: Progress | None, task: TaskID | None) -> None:
        self._bar, self._task = bar, task

    def advance(self, steps: float = 1.0) -> None:
        """Move the bar forward."""
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, steps)

    def update(self, description: str) -> None:
        """Change the text next to the bar."""
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=description)


@contextmanager
def progress(
    description: str, total: float | None = None, *, quiet: bool = False, delay_s: float = 1.0
) -> Iterator[_Steps]:
    """Show a rich progress bar on stderr for work that takes longer than ``delay_s``.

    Nothing is shown when ``quiet`` or when stderr is not a terminal; the bar appears only after
    ``delay_s`` so quick commands stay silent.
    """
    if quiet or not err_console.is_terminal:
        yield _Steps(None, None)
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    task = bar.add_task(description, total=total)
    timer = threading.Timer(delay_s, bar.start)
    timer.daemon = True
    timer.start()
    try:
        yield _Steps(bar, task)
    finally:
        timer.cancel()
        bar.stop()


@contextmanager
def handled() -> Iterator[None]:
    """Turn domain errors raised inside a command into clean messages and exit codes (2, 3)."""
    try:
        yield
    except InputError as error:
        raise fail_input(error) from None
    except InfeasibleScenarioError as error:
        raise fail_infeasible(error) from None
