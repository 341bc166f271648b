"""Russian help (``--help``) and messages of the command line (issue 17, items 1, 2 and the language switch)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import typer
from typer import rich_utils

from aralnexus import i18n
from aralnexus.cli import common, language
from aralnexus.cli.app import app
from aralnexus.errors import InputError, Problem
from aralnexus.i18n.extract import command_docstrings


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = common.run_app(app, list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--lang", "ru", "run", "--help"), {}),
        (("run", "--help", "--lang=ru"), {}),
        (("run", "--help"), {"ARALNEXUS_LANG": "ru"}),
        (("run", "--help"), {"LANG": "ru_RU.UTF-8"}),
    ],
)
def test_run_help_is_in_russian(
    args: tuple[str, ...], env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ARALNEXUS_LANG", "LANGUAGE", "LC_ALL", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, _ = _run(capsys, *args)
    assert code == 0
    assert "Оптимизировать траекторию сценария" in out  # the command's docstring
    assert "Первый месяц ГГГГ-ММ" in out  # an option's help
    assert "Параметры" in out and "Показать эту справку и выйти." in out  # Typer's heading, Click's --help
    assert "Optimise the 2025" not in out and "Show this message" not in out


def test_help_stays_english_by_default_and_after_a_russian_help(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ARALNEXUS_LANG", "LANGUAGE", "LC_ALL", "LANG"):
        monkeypatch.delenv(name, raising=False)
    _run(capsys, "--lang", "ru", "--help")
    code, out, _ = _run(capsys, "results", "show", "--help")
    assert code == 0
    assert "Show one run: its record and headline numbers" in out and "Show this message and exit." in out
    assert rich_utils.OPTIONS_PANEL_TITLE == "Options"  # the headings were put back


def test_top_level_help_lists_the_commands_in_russian(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--lang", "ru", "--help")
    assert code == 0
    assert "Команды" in out and "Run two scenarios" not in out
    assert "Проверить файл сценария" in out  # validate's one-line help in the command list


def test_a_bad_language_before_the_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--lang", "klingon", "run", "--help")
    assert code == 2
    assert "--lang" in err and "'klingon'" in err and "Traceback" not in err


def _help_texts(command: Any) -> list[str]:
    texts = [t for t in (command.help, command.epilog) if t]
    texts += [p.help for p in command.params if getattr(p, "help", None)]
    for sub in getattr(command, "commands", {}).values():
        texts += _help_texts(sub)
    return texts


def test_every_help_text_of_the_cli_has_a_russian_translation() -> None:
    texts = _help_texts(typer.main.get_command(app))
    assert len(texts) > 100
    with i18n.use_language("ru"):
        untranslated = [t for t in texts if language._translated(t) == t]
    assert not untranslated, "\n".join(untranslated)


def test_the_extractor_finds_the_docstrings_of_registered_commands() -> None:
    source = textwrap.dedent(
        '''
        @group.command("a")
        def a():
            """Help of a."""

        def b():
            """Help of b."""

        def helper():
            """Not a command."""

        @other.callback()
        def c():
            """Help of c."""

        def register(app):
            app.command("b")(b)
        '''
    )
    assert sorted(doc for _, doc in command_docstrings(source)) == ["Help of a.", "Help of b.", "Help of c."]


def test_input_problems_are_worded_in_russian() -> None:
    error = InputError([Problem("s.yaml", "plants.rogun.capacity_mw", "a number", "'lots'")] * 3)
    with i18n.use_language("ru"):
        text = str(error)
    assert text.startswith("3 ошибки во входных данных:")
    assert "s.yaml: plants.rogun.capacity_mw: ожидалось — a number; найдено — 'lots'" in text
    assert str(error).startswith("3 problems in the input:")


def test_validate_words_the_problems_in_russian(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = _run(capsys, "validate", "default", "--lang", "ru")
    assert code == 0 and "корректен" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon:\n  start: 2025-13\nplants:\n  rogun:\n    capacity_mww: 3\n", encoding="utf-8")
    code, _, err = _run(capsys, "validate", str(bad), "--lang", "ru")
    err = " ".join(err.split())  # the long path wraps the first line
    assert code == 2
    assert "2 ошибки" in err
    assert "ожидалось — ключ, допустимый в plants.rogun; найдено — неизвестный ключ 'capacity_mww'" in err
    assert "(может быть, 'capacity_mw'?)" in err
    assert 'ожидалось — месяц "ГГГГ-ММ"' in err
    code, _, err = _run(capsys, "validate", str(bad))  # and English without --lang
    err = " ".join(err.split())
    assert "2 problems" in err and "expected a key allowed in plants.rogun, found the unknown key" in err


def test_a_bad_option_value_is_worded_in_russian(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--lang", "ru", "optimise", "default", "--start", "2025-13")
    err = " ".join(err.split())
    assert code == 2
    assert "1 ошибка во входных данных" in err and "--start: ожидалось — месяц" in err


@pytest.mark.parametrize(("n", "word"), [(1, "1 член"), (3, "3 члена"), (5, "5 членов"), (21, "21 член")])
def test_member_counts_take_the_russian_plural(n: int, word: str) -> None:
    with i18n.use_language("ru"):
        assert i18n.ngettext("{n} member", "{n} members", n) == word
