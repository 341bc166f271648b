"""The language of the command line: chosen before the app runs, so help and errors follow it too.

``--lang`` is an option of every command (and of ``aralnexus`` itself), but Click prints ``--help``
and usage errors while it parses, before a command body runs. So :func:`choose_language` reads
``--lang`` from the arguments (the last one wins, as Click does), else ``ARALNEXUS_LANG``, else the
locale, and the app runs in that language. :func:`localise_help` then translates the help texts of
the built Click command tree — command help (the docstrings), option and argument help, epilogs —
through the catalog, and :func:`typer_panel_titles` the few headings Typer draws ("Options",
"Arguments", "Commands"). Help texts are written in English in the code, marked with
:func:`aralnexus.i18n.N_` (docstrings are extracted by :mod:`aralnexus.i18n.extract`).

Click's own messages (usage errors such as "No such option", the word "Usage:") stay English.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import typer

from aralnexus import i18n
from aralnexus.i18n import N_, Language

#: Typer's rich-help headings (module constants of ``typer.rich_utils``) and their English text.
PANEL_TITLES: Mapping[str, str] = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
}
#: The help of Click's ``--help`` option.
HELP_OPTION_HELP = N_("Show this message and exit.")


def lang_argument(args: Sequence[str]) -> str | None:
    """Return the value of the last ``--lang`` in ``args`` (``--lang ru`` or ``--lang=ru``), else None.

    Arguments after ``--`` are not options and are not read.
    """
    found: str | None = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--lang="):
            found = arg.removeprefix("--lang=")
    return found


def choose_language(args: Sequence[str], environ: Mapping[str, str] | None = None) -> Language:
    """Return the language of a command line: its ``--lang``, else ``ARALNEXUS_LANG``, else the locale, else English.

    Raises
    ------
    aralnexus.i18n.LanguageError
        When ``--lang`` or ``ARALNEXUS_LANG`` is not ``en`` / ``ru``.
    """
    return i18n.resolve_language(lang_argument(args), environ)


def _translated(text: str | None) -> str | None:
    """Return a help text in the current language: as a whole, else paragraph by paragraph.

    A help assembled from marked pieces (a command's text, a blank line, the exit codes) is found
    paragraph by paragraph.
    """
    if not text:
        return text
    whole = i18n.gettext(text)
    if whole != text or "\n\n" not in text:
        return whole
    return "\n\n".join(i18n.gettext(part) for part in text.split("\n\n"))


def localise_help(command: Any) -> None:
    """Translate, in place, the help texts of a built Click command and of its sub-commands.

    The texts are the catalog's msgids (the English of the code); one without a translation stays
    English (the catalog test keeps that from happening).
    """
    command.help = _translated(command.help)
    command.short_help = _translated(command.short_help)
    command.epilog = _translated(command.epilog)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = _translated(param.help)
    with typer.Context(command) as ctx:
        option = command.get_help_option(ctx)
        if option is not None:
            option.help = _translated(HELP_OPTION_HELP)
    for sub in getattr(command, "commands", {}).values():
        localise_help(sub)


@contextmanager
def typer_panel_titles() -> Iterator[None]:
    """Within the block, Typer's help headings are in the current language (restored after)."""
    from typer import rich_utils

    saved = {name: getattr(rich_utils, name) for name in PANEL_TITLES}
    try:
        for name, english in PANEL_TITLES.items():
            setattr(rich_utils, name, i18n.gettext(english))
        yield
    finally:
        for name, value in saved.items():
            setattr(rich_utils, name, value)
