"""The Russian catalog covers every message in the code, and the compiled catalog is current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# Babel is a dependency (pyproject.toml); a venv built before it was added needs `pip install -e ".[dev]"`.
pytest.importorskip("babel", reason="Babel missing from this venv: pip install -e '.[dev]'")

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from aralnexus.i18n import DOMAIN, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
PO = LOCALE_DIR / "ru" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
#: The extraction setup of `make i18n-extract` (babel.cfg), repeated so the test needs no make: the CLI
#: modules also yield their commands' help (docstrings) through aralnexus.i18n.extract.
METHODS = [
    ("src/aralnexus/cli/**.py", "aralnexus.i18n.extract:extract_python_and_help"),
    ("src/aralnexus/**.py", "python"),
    ("src/aralnexus/web/templates/**.html", "jinja2"),
]
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def _messages_in_code() -> dict[str, tuple[str, ...]]:
    """Every message the code marks for translation: msgid → (msgid, msgid_plural?) and where."""
    found: dict[str, tuple[str, ...]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        ids = message if isinstance(message, tuple) else (message,)
        if ids[0]:
            found[ids[0]] = (*ids, f"{filename}:{lineno}")
    return found


def _catalog() -> dict[str, tuple[str, ...]]:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    out: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        out[key] = tuple(strings)
    return out


def test_every_message_in_the_code_has_a_russian_translation() -> None:
    code, catalog = _messages_in_code(), _catalog()
    assert len(code) > 100  # the extraction really found the marked messages
    untranslated = [
        f"{where[-1]}: {msgid!r}"
        for msgid, where in code.items()
        if msgid not in catalog or not all(s.strip() for s in catalog[msgid])
    ]
    assert not untranslated, "add these to ru/LC_MESSAGES/aralnexus.po (make i18n-update):\n" + "\n".join(untranslated)


def test_russian_plural_messages_have_three_forms() -> None:
    code, catalog = _messages_in_code(), _catalog()
    plural = [msgid for msgid, ids in code.items() if len(ids) == 3]
    assert plural
    for msgid in plural:
        assert len(catalog[msgid]) == 3, msgid


def test_translations_keep_the_placeholders_of_the_english() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, (message.id, text)


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_compiled_catalog_is_current_with_the_po() -> None:
    if not MO.exists():
        pytest.fail(f"{MO} is missing: run `make i18n-compile`")
    with PO.open("rb") as handle:
        source = {_key(m.id): _key(m.string) for m in read_po(handle) if m.id and not m.fuzzy}
    with MO.open("rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source, "the .mo is stale: run `make i18n-compile`"
