"""Choosing the language (--lang, ARALNEXUS_LANG, the locale) and formatting for it."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import pytest
import typer

from aralnexus import i18n
from aralnexus.cli import common
from aralnexus.cli.app import app


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        ("ru", {"ARALNEXUS_LANG": "en"}, "ru"),
        (None, {"ARALNEXUS_LANG": "ru", "LANG": "en_US.UTF-8"}, "ru"),
        (None, {"ARALNEXUS_LANG": " RU "}, "ru"),
        (None, {"LANGUAGE": "ru:en", "LANG": "en_US.UTF-8"}, "ru"),
        (None, {"LC_ALL": "ru_RU.UTF-8"}, "ru"),
        (None, {"LANG": "ru_KG.UTF-8"}, "ru"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, {"LANG": "C.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_language_comes_from_option_then_variable_then_locale(
    explicit: str | None, env: dict[str, str], expected: str
) -> None:
    assert i18n.resolve_language(explicit, env) == expected


@pytest.mark.parametrize(
    ("explicit", "env", "source"), [("fr", {}, "--lang"), (None, {"ARALNEXUS_LANG": "xx"}, "ARALNEXUS_LANG")]
)
def test_a_bad_language_names_where_it_came_from(explicit: str | None, env: dict[str, str], source: str) -> None:
    with pytest.raises(i18n.LanguageError, match=source):
        i18n.resolve_language(explicit, env)


def _run(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["aralnexus", *args])
    return common.run_app(app)


def test_bad_lang_option_exits_2_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(monkeypatch, "validate", "default", "--lang", "klingon") == 2
    err = capsys.readouterr().err
    assert "--lang" in err and "klingon" in err and "Traceback" not in err


def test_bad_aralnexus_lang_exits_2_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ARALNEXUS_LANG", "fr")
    assert _run(monkeypatch, "validate", "default") == 2
    err = capsys.readouterr().err
    assert "ARALNEXUS_LANG" in err and "'fr'" in err


def _commands(command: Any, path: str = "") -> list[tuple[str, Any]]:
    # typer vendors click, so the group class is not click.Group: recognise a group by its commands
    if hasattr(command, "commands"):
        return [pair for name, sub in command.commands.items() for pair in _commands(sub, f"{path} {name}".strip())]
    return [(path, command)]


def test_every_command_has_the_lang_option() -> None:
    commands = _commands(typer.main.get_command(app))
    assert len(commands) > 10
    missing = [path for path, command in commands if not any("--lang" in p.opts for p in command.params)]
    assert not missing


def test_the_language_applies_inside_the_command_only() -> None:
    wrapped = common._with_language(lambda: i18n.get_language())
    assert wrapped(lang="ru") == "ru"
    assert i18n.get_language() == "en"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 решение ЛП"),
        (3, "3 решения ЛП"),
        (5, "5 решений ЛП"),
        (11, "11 решений ЛП"),
        (21, "21 решение ЛП"),
        (22, "22 решения ЛП"),
    ],
)
def test_russian_plural_forms_follow_the_number(n: int, expected: str) -> None:
    with i18n.use_language("ru"):
        assert i18n.ngettext("{n} LP solve", "{n} LP solves", n) == expected


def test_english_plural_forms() -> None:
    assert i18n.ngettext("{n} LP solve", "{n} LP solves", 1) == "1 LP solve"
    assert i18n.ngettext("{n} LP solve", "{n} LP solves", 2) == "2 LP solves"


def test_numbers_follow_the_language() -> None:
    assert i18n.format_number(1234567.891) == "1,234,567.89"
    with i18n.use_language("ru"):
        assert i18n.format_number(1234567.891) == "1\u202f234\u202f567,89"
        assert i18n.format_number(-0.5, 1) == "-0,5"
        assert i18n.format_number(15851.2, 0) == "15\u202f851"
        assert i18n.format_number(float("nan")) == "–"


def test_dates_and_stand_alone_month_names_follow_the_language() -> None:
    assert i18n.format_date(date(2030, 3, 4)) == "4 March 2030"
    assert (
        i18n.format_date(date(2030, 3, 4), "ru") == "4 марта 2030\u202fг."
    )  # CLDR: a narrow no-break space before «г.»
    assert i18n.month_names(language="ru")[2] == "март"  # stand-alone (on an axis), not «марта»
    assert i18n.month_names("abbreviated", language="ru")[8] == "сент."
    assert i18n.month_names(language="en")[0] == "January"


def test_messages_are_translated_and_filled() -> None:
    with i18n.use_language("ru"):
        assert i18n._("Tables written to {folder}/", folder="out") == "Таблицы записаны в out/"
    assert i18n._("Tables written to {folder}/", folder="out") == "Tables written to out/"


def test_report_page_headings_follow_the_language() -> None:
    from aralnexus.report.html import Section, page

    with i18n.use_language("ru"):
        html = page("Отчёт", "", [Section("findings", i18n._("Findings"), "<p>…</p>")])
    assert '<html lang="ru">' in html and "<h2>Выводы</h2>" in html and "Подготовлено aralnexus" in html
    english = page("Report", "", [Section("findings", i18n._("Findings"), "<p>…</p>")])
    assert '<html lang="en">' in english and "<h2>Findings</h2>" in english
