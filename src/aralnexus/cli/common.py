"""Shared CLI helpers: the rich console, error rendering and exit codes."""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import numpy as np
import pandas as pd
import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from rich.text import Text

from aralnexus import i18n
from aralnexus.cli.language import choose_language, localise_help, typer_panel_titles
from aralnexus.errors import ExitCode, InfeasibleScenarioError, InputError, Problem
from aralnexus.i18n import N_

console = Console()
err_console = Console(stderr=True)


def fail_input(error: InputError) -> typer.Exit:
    """Print an input error (every problem on its own line) and return exit code 2."""
    err_console.print(
        "[bold red]" + i18n.gettext("error:") + f"[/] {escape(str(error))}", highlight=False, soft_wrap=True
    )
    return typer.Exit(int(ExitCode.BAD_INPUT))


def fail_infeasible(error: InfeasibleScenarioError) -> typer.Exit:
    """Print what could not be met and return exit code 3."""
    err_console.print(
        "[bold red]" + i18n.gettext("error:") + f"[/] {escape(str(error))}", highlight=False, soft_wrap=True
    )
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
    argv = list(sys.argv[1:] if args is None else args)
    try:
        # The language is chosen before Click parses anything, so --help and errors follow it too.
        language = choose_language(argv)
    except i18n.LanguageError as error:
        err_console.print(f"error: {language_error(error)}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.BAD_INPUT)
    token = _chosen.set(language)
    try:
        with i18n.use_language(language), typer_panel_titles():
            return _run_localised(app, argv)
    finally:
        _chosen.reset(token)


def _run_localised(app: typer.Typer, argv: list[str]) -> int:
    """Build the Click command of ``app`` with help in the current language, run it and map errors to codes."""
    try:
        command = typer.main.get_command(app)
        localise_help(command)
        # Without standalone mode click returns exit codes and raises its exceptions to us.
        code = command(args=argv, prog_name="aralnexus", standalone_mode=False)
    except InputError as error:
        err_console.print(i18n.gettext("error:") + f" {error}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.BAD_INPUT)
    except InfeasibleScenarioError as error:
        err_console.print(i18n.gettext("error:") + f" {error}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.INFEASIBLE)
    except typer.Exit as done:
        return int(done.exit_code)
    except SystemExit as done:  # raised by commands that must exit with a code from inside a handler
        return done.code if isinstance(done.code, int) else int(ExitCode.FAILURE if done.code else ExitCode.OK)
    except typer.Abort:
        err_console.print(i18n.gettext("aborted"))
        return int(ExitCode.FAILURE)
    except KeyboardInterrupt:
        err_console.print(i18n.gettext("interrupted"))
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

EXIT_CODES_HELP = N_("Exit codes: 0 ok · 1 failure · 2 bad input (unknown run, bad SQL…) · 3 infeasible scenario.")

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="ARALNEXUS_STORE",
        help=N_("Run store (DuckDB file). Default: $ARALNEXUS_STORE, else ./aralnexus.duckdb."),
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help=N_("Print machine-readable JSON on stdout."))]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help=N_("No progress bars or chatter; results only."))]


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


class FitTable(Table):
    """A rich Table that fits the terminal without cutting a word (issue 17, item 5).

    Nothing is ever cut to an ellipsis. When the table is wider than the terminal, the columns are
    given widths here rather than by rich (whose squeeze may go below the longest word of a column):
    every column gets at least its longest word (a number column its widest number, so numbers never
    break — Russian ones contain a narrow no-break space, where rich would otherwise wrap), and the
    room left is shared in proportion to what each column would need to print on one line. When
    even the longest words do not fit next to each other in the boxed layout, the table is drawn in a
    narrower one: no vertical rules or outer border, two spaces between columns, then one. Number
    headings wrap at spaces over their numbers. A word longer than a whole column folds onto the
    next line.
    """

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Render the table, fitting its columns to the width of the terminal first."""
        for column in self.columns:
            column.overflow = "fold"
            if column.justify == "right":
                column.min_width = max(column.min_width or 0, _widest_cell(console, column))
        if not self._fits(console, options):
            for column in self.columns:
                if column.justify == "right":  # a number column as narrow as its numbers; the heading wraps
                    words = _plain(console, column.header).split()
                    column.max_width = max([column.min_width or 1, *(cell_len(w) for w in words)])
            for layout in _NARROWER_LAYOUTS:
                if self._share_width(console, options):
                    break
                self.box, self.show_edge, self.pad_edge = box.SIMPLE_HEAD, False, False
                self.collapse_padding, self.padding = layout["collapse_padding"], layout["padding"]
            else:
                self._share_width(console, options)
        yield from super().__rich_console__(console, options)

    def _ranges(self, console: Console, options: ConsoleOptions) -> list[Measurement]:
        wide = options.update_width(_UNLIMITED)
        return [self._measure_column(console, wide, column) for column in self.columns]

    def _fits(self, console: Console, options: ConsoleOptions) -> bool:
        """Whether every column fits on one line per cell as it is."""
        return sum(r.maximum for r in self._ranges(console, options)) + self._extra_width <= options.max_width

    def _share_width(self, console: Console, options: ConsoleOptions) -> bool:
        """Fix the column widths to fit ``options.max_width``; False (nothing fixed) when the words do not fit."""
        ranges = self._ranges(console, options)
        available = options.max_width - self._extra_width
        lows = [r.minimum for r in ranges]
        if sum(lows) > available:
            return False
        wants = [r.maximum - r.minimum for r in ranges]
        spare, wanted = available - sum(lows), sum(wants)
        extra = [want * spare // wanted if wanted else 0 for want in wants]
        left = spare - sum(extra)
        for i in sorted(range(len(wants)), key=lambda i: wants[i] - extra[i], reverse=True):
            if left <= 0:
                break
            if extra[i] < wants[i]:
                extra[i] += 1
                left -= 1
        for column, low, more in zip(self.columns, lows, extra, strict=True):
            column.width = max(1, low + more - self._get_padding_width(column._index))
        return True


#: The narrower layouts tried in turn when a table's words do not fit its boxed layout: no vertical rules
#: or outer border, two spaces between columns; then one space.
_NARROWER_LAYOUTS: tuple[dict[str, Any], ...] = (
    {"collapse_padding": True, "padding": (0, 1)},
    {"collapse_padding": False, "padding": (0, 0)},
)

#: A width no terminal has: measuring a table at it gives its natural (uncollapsed) widths.
_UNLIMITED = 10_000


def _plain(console: Console, cell: RenderableType) -> str:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        return console.render_str(cell).plain
    return ""


def _widest_cell(console: Console, column: Column) -> int:
    """Return the width of the widest line of the data cells of ``column`` (0 when empty)."""
    return max(
        (cell_len(line) for cell in column.cells for line in _plain(console, cell).splitlines()),
        default=0,
    )


def frame_table(
    frame: pd.DataFrame, title: str = "", *, digits: int = 3, headers: Mapping[str, str] | None = None
) -> Table:
    """Return a rich Table showing ``frame`` (floats with ``digits`` decimals, in the current language).

    Every cell, column name and the title are printed literally (no rich markup), since they may
    hold user text from a scenario or a store. ``headers`` gives column headings for people (in
    the current language) by column name; other columns are headed by their name.
    """
    names = headers or {}
    table = FitTable(title=plain(title) if title else None, title_justify="left", header_style="bold")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
        table.add_column(plain(names.get(str(column), column)), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        cells: list[Text] = []
        for value in row:
            if isinstance(value, float):
                cells.append(plain("" if math.isnan(value) else i18n.format_number(value, digits)))
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

#: The language :func:`run_app` chose from the whole command line (``aralnexus --lang ru run`` included).
_chosen: ContextVar[i18n.Language | None] = ContextVar("aralnexus_cli_language", default=None)


def language_error(error: i18n.LanguageError) -> InputError:
    """Return the input error for a bad ``--lang`` or ``ARALNEXUS_LANG`` (exit code 2)."""
    expected = i18n.gettext("one of {languages}", languages=", ".join(i18n.LANGUAGES))
    return InputError([Problem(error.source, "", expected, repr(error.value))])


LANG_HELP = N_("Language of text for people: en or ru (default: $ARALNEXUS_LANG, else the locale, else en).")


def lang_option(
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP, show_default=False)] = None,
) -> None:
    """Check the ``--lang`` given before the command name (``aralnexus --lang ru run``); run_app has applied it."""
    if lang is not None:
        try:
            i18n.parse_language(lang)
        except i18n.LanguageError as error:
            raise language_error(error) from None


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
        chosen = _chosen.get()
        try:
            language = i18n.resolve_language(lang) if lang is not None or chosen is None else chosen
        except i18n.LanguageError as error:
            raise language_error(error) from None
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
