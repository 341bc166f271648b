"""Shared CLI helpers: the rich console, error rendering and exit codes."""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from aralnexus import i18n
from aralnexus.errors import ExitCode, InfeasibleScenarioError, InputError, Problem

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


#: Click exception classes (by name: typer vendors click as ``typer._click``, so the classes of the
#: ``click`` package never match) that mean bad command-line input → exit code 2.
_BAD_INPUT_CLICK_ERRORS = frozenset({"UsageError", "FileError"})


def _is_click_error(error: BaseException, names: frozenset[str] | set[str]) -> bool:
    """Whether ``error`` is one of the click exception classes ``names`` (vendored by typer or not)."""
    return any(cls.__name__ in names for cls in type(error).__mro__)


def _show_usage_error(error: BaseException) -> None:
    """Print a click usage error: usage line, help hint, and the message naming the option."""
    if _is_click_error(error, {"NoArgsIsHelpError"}):
        return  # the help text has been printed already
    show = getattr(error, "show", None)
    if callable(show):
        show()
    else:  # pragma: no cover - every click error has show()
        err_console.print(f"error: {error}", highlight=False, markup=False)


def run_app(app: typer.Typer, args: list[str] | None = None) -> int:
    """Run the Typer app; errors escaping a command become clean messages and exit codes.

    Parameters
    ----------
    app
        The Typer application.
    args
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 ok; 2 bad input (an :class:`InputError`, or a command-line mistake: unknown option or
        command, missing argument, a value of the wrong type or out of range); 3 infeasible; 1 any
        other failure. Never a traceback.
    """
    try:
        # Without standalone mode click returns exit codes and raises its exceptions to us.
        code = app(args=args, prog_name="aralnexus", standalone_mode=False)
    except InputError as error:
        err_console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.BAD_INPUT)
    except InfeasibleScenarioError as error:
        err_console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.INFEASIBLE)
    except typer.Exit as done:
        return int(done.exit_code)
    except SystemExit as done:  # raised by commands that must exit with a code from inside a handler
        return done.code if isinstance(done.code, int) else int(ExitCode.FAILURE if done.code else ExitCode.OK)
    except typer.Abort:
        err_console.print("aborted")
        return int(ExitCode.FAILURE)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except Exception as error:
        if _is_click_error(error, _BAD_INPUT_CLICK_ERRORS):
            _show_usage_error(error)
            return int(ExitCode.BAD_INPUT)
        if _is_click_error(error, {"ClickException"}):
            _show_usage_error(error)
            return int(getattr(error, "exit_code", ExitCode.FAILURE))
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


def finite(value: float | None) -> float | None:
    """Typer callback: refuse ``nan`` and ``inf`` for a float option (exit 2 naming the option)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"expected a finite number, found {value}")
    return value


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


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: object) -> str:
    """Return ``text`` with control characters (terminal escapes, bells) written out as hex, ESC as backslash-x1b."""
    return _CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def literal(text: object) -> str:
    """Return user text (a scenario name, a path, a run id) to embed in a rich markup string.

    Markup such as ``[/bold]`` is escaped and control characters are made visible, so the text
    prints exactly as written and can neither break nor restyle the output.
    """
    return escape(visible(text))


def plain(text: object) -> Text:
    """Return user text as a rich :class:`~rich.text.Text` (no markup), control characters visible."""
    return Text(visible(text))


def frame_table(frame: pd.DataFrame, title: str = "", *, floats: str = "{:,.3f}") -> Table:
    """Return a rich Table showing ``frame`` (floats formatted with ``floats``).

    Every cell, column name and the title are printed literally (no rich markup), since they may
    hold user text from a scenario or a store.
    """
    table = Table(title=plain(title) if title else None, title_justify="left", header_style="bold")
    for i, column in enumerate(frame.columns):
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
        table.add_column(plain(column), justify="right" if numeric else "left", no_wrap=i == 0)
    for row in frame.itertuples(index=False):
        cells: list[Text] = []
        for value in row:
            if isinstance(value, float):
                cells.append(plain("" if math.isnan(value) else floats.format(value)))
            elif value is None or (not isinstance(value, str) and pd.isna(value)):
                cells.append(plain(""))
            else:
                cells.append(plain(value))
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


# -- the language of text for people (--lang on every command) -------------------------------------

LANG_HELP = "Language of text for people: en or ru (default: $ARALNEXUS_LANG, else the locale, else en)."


def _with_language(func: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``func`` with a ``--lang`` option added; the command body runs in the chosen language.

    The signature (read by Typer) gains ``lang``; the wrapper resolves it (``--lang``, then
    ``ARALNEXUS_LANG``, then the locale, then English), sets it for the command and calls ``func``
    without it. A bad value of ``--lang`` or ``ARALNEXUS_LANG`` is an :class:`InputError` (exit 2).
    """
    signature = inspect.signature(func, eval_str=True)
    if "lang" in signature.parameters:
        return func
    hints = get_type_hints(func, include_extras=True)
    lang_type = Annotated[str | None, typer.Option("--lang", help=LANG_HELP, show_default=False)]
    parameters = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
    parameters.append(inspect.Parameter("lang", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=lang_type))

    @functools.wraps(func)
    def command(*args: Any, lang: str | None = None, **kwargs: Any) -> Any:
        try:
            language = i18n.resolve_language(lang)
        except i18n.LanguageError as error:
            raise InputError(
                [Problem(error.source, "", f"one of {', '.join(i18n.LANGUAGES)}", repr(error.value))]
            ) from None
        with i18n.use_language(language):
            return func(*args, **kwargs)

    command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {**hints, "lang": lang_type}
    return command


def add_language_option(app: typer.Typer) -> None:
    """Give every command of ``app`` (and of its sub-groups) the ``--lang`` option, in one place."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = _with_language(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            add_language_option(group.typer_instance)
