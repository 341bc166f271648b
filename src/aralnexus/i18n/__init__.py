"""Text for people in English or Russian: message catalogs, plural forms, numbers and dates.

Only text meant for people is translated; JSON keys, CSV/Parquet column names and store contents
stay English (they are an interface).

Messages live in gettext catalogs managed with Babel (``make i18n-extract`` / ``make i18n-update`` /
``make i18n-compile``; sources in ``locale/<lang>/LC_MESSAGES/aralnexus.po``). The language of the
current command or web request is held in a context variable: :func:`use_language` sets it for a
block, :func:`gettext` / :func:`ngettext` read it. English is the source language, so English needs
no catalog and never imports Babel.

Numbers and dates in Russian follow the CLDR ``ru`` locale through Babel: decimal comma,
non-breaking (narrow) space between thousands, «4 марта 2030 г.», stand-alone month names
(«март» on an axis, «марта» inside a date).
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

Language = Literal["en", "ru"]

#: Languages with text for people; the first is the source language of the messages.
LANGUAGES: Final[tuple[Language, ...]] = ("en", "ru")
DOMAIN: Final = "aralnexus"
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
#: The environment variable that chooses the language when ``--lang`` is not given.
ENV_VAR: Final = "ARALNEXUS_LANG"
#: The POSIX locale variables consulted after ``ARALNEXUS_LANG``, in gettext's order of precedence.
LOCALE_VARS: Final = ("LANGUAGE", "LC_ALL", "LANG")

#: U+202F NARROW NO-BREAK SPACE: the thousands separator of Russian numbers.
THIN_SPACE: Final = "\u202f"

_current: ContextVar[Language] = ContextVar("aralnexus_language", default="en")


class LanguageError(ValueError):
    """A language name that is not one of :data:`LANGUAGES` (from ``--lang`` or ``ARALNEXUS_LANG``).

    Attributes
    ----------
    source
        Where the value came from: ``"--lang"`` or ``"ARALNEXUS_LANG"``.
    value
        The value as found.
    """

    def __init__(self, source: str, value: str) -> None:
        self.source, self.value = source, value
        super().__init__(f"{source}: expected one of {', '.join(LANGUAGES)}, found {value!r}")


def parse_language(value: str, source: str = "--lang") -> Language:
    """Return ``value`` as a supported language (case and surrounding spaces ignored).

    Raises
    ------
    LanguageError
        When ``value`` is not ``en`` or ``ru``.
    """
    name = value.strip().lower()
    if name not in LANGUAGES:
        raise LanguageError(source, value)
    return name


def _from_locale_variable(value: str) -> Language | None:
    """Return the supported language named by a POSIX locale value (``ru_RU.UTF-8``, ``ru:en``), else None.

    ``LANGUAGE`` may list several languages separated by colons; the first supported one wins.
    ``C`` and ``POSIX`` mean English.
    """
    for item in value.split(":"):
        code = item.split(".")[0].split("@")[0].split("_")[0].split("-")[0].strip().lower()
        if code in {"c", "posix"}:
            return "en"
        if code in LANGUAGES:
            return code
    return None


def resolve_language(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Language:
    """Choose the language: ``explicit`` (``--lang``), else ``ARALNEXUS_LANG``, else the locale, else English.

    Parameters
    ----------
    explicit
        The value of ``--lang`` (None when not given).
    environ
        The environment (default: ``os.environ``).

    Raises
    ------
    LanguageError
        When ``explicit`` or ``ARALNEXUS_LANG`` is set to something other than ``en`` / ``ru``. The
        locale variables are not an error when they name another language: they fall back to English.
    """
    env = os.environ if environ is None else environ
    if explicit is not None:
        return parse_language(explicit, "--lang")
    chosen = env.get(ENV_VAR, "")
    if chosen.strip():
        return parse_language(chosen, ENV_VAR)
    for name in LOCALE_VARS:
        value = env.get(name, "")
        if value.strip():
            found = _from_locale_variable(value)
            return found if found is not None else "en"
    return "en"


def get_language() -> Language:
    """Return the language of the current command or web request (default English)."""
    return _current.get()


def set_language(language: Language) -> None:
    """Make ``language`` the language of the current context (a command, a thread, a request)."""
    _current.set(parse_language(language))


@contextmanager
def use_language(language: Language) -> Iterator[None]:
    """Within the block, text for people is in ``language``; the previous language is restored after."""
    token = _current.set(parse_language(language))
    try:
        yield
    finally:
        _current.reset(token)


@cache
def translations(language: Language) -> _gettext.NullTranslations:
    """Return the compiled catalog of ``language`` (English: the messages as written).

    Raises
    ------
    FileNotFoundError
        When the compiled catalog (``.mo``) is missing: ``make i18n-compile`` builds it (the install
        targets run it; the test suite checks it is present and current with the ``.po``).
    """
    if language == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language])


def gettext(message: str, /, **values: Any) -> str:
    """Return ``message`` in the current language, with ``{name}`` placeholders filled from ``values``."""
    text = translations(get_language()).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """Return the form of a counted message for ``n`` in the current language (Russian has three).

    ``{n}`` in the message is filled with ``n`` (formatted for the language), and other ``{name}``
    placeholders from ``values``: ``ngettext("{n} member", "{n} members", 3)`` → «3 члена».
    """
    text = translations(get_language()).ngettext(singular, plural, n)
    return text.format(n=format_number(n, 0), **values)


_ = gettext


def N_(message: str, /) -> str:
    """Mark ``message`` for the catalog without translating it now; return it unchanged.

    For text defined when a module is imported but shown later in the language of the command (the
    help of options and arguments): the CLI translates it with :func:`gettext` when help is shown.
    """
    return message


def format_number(value: float | None, digits: int = 2, *, missing: str = "–") -> str:
    """Format a number with ``digits`` decimals and grouped thousands in the current language.

    English: ``1,234.50``. Russian (CLDR via Babel): ``1 234,50`` with a narrow no-break space
    (:data:`THIN_SPACE`) between thousands and a decimal comma. None and NaN give ``missing``.
    """
    if value is None or value != value:
        return missing
    language = get_language()
    if language == "en":
        return f"{value:,.{digits}f}"
    from babel.numbers import format_decimal, get_group_symbol

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    text = str(format_decimal(value, format=pattern, locale=language))
    # CLDR gives Russian a no-break space between thousands; typographic practice (and the issue) asks for
    # the narrow no-break (thin) space, which also keeps a number on one line.
    return text.replace(str(get_group_symbol(language)), THIN_SPACE)


def format_significant(value: float | None, digits: int = 3, *, missing: str = "–") -> str:
    """Format a number to ``digits`` significant digits (like ``{:.3g}``) with the language's decimal sign.

    English ``0.166``, ``1.4e+04``; Russian ``0,166``, ``1,4e+04``. None and NaN give ``missing``.
    """
    if value is None or value != value:
        return missing
    text = f"{value:.{digits}g}"
    return text if get_language() == "en" else text.replace(".", ",")


_ENGLISH_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(day: date, language: Language | None = None) -> str:
    """Format a date in full for text: «4 марта 2030 г.» in Russian, "4 March 2030" in English."""
    chosen = language or get_language()
    if chosen == "en":
        return f"{day.day} {_ENGLISH_MONTHS[day.month - 1]} {day.year}"
    from babel.dates import format_date as babel_format_date

    return str(babel_format_date(day, format="long", locale=chosen))


def month_names(width: Literal["wide", "abbreviated"] = "wide", language: Language | None = None) -> list[str]:
    """Return the twelve stand-alone month names (January first), as used on chart axes and in table heads.

    Russian stand-alone names are in the nominative («март»), unlike the genitive inside a date («4 марта»).
    """
    chosen = language or get_language()
    if chosen == "en":
        return [name if width == "wide" else name[:3] for name in _ENGLISH_MONTHS]
    from babel.dates import get_month_names

    names = get_month_names(width, context="stand-alone", locale=chosen)
    return [str(names[m]) for m in range(1, 13)]


__all__ = [
    "DOMAIN",
    "ENV_VAR",
    "LANGUAGES",
    "LOCALE_DIR",
    "LOCALE_VARS",
    "N_",
    "THIN_SPACE",
    "Language",
    "LanguageError",
    "_",
    "format_date",
    "format_number",
    "format_significant",
    "get_language",
    "gettext",
    "month_names",
    "ngettext",
    "parse_language",
    "resolve_language",
    "set_language",
    "translations",
    "use_language",
]
