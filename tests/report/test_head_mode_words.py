"""Every head mode a run can record is shown in words, in English and Russian, never as its code."""

from __future__ import annotations

import pytest

from aralnexus import i18n
from aralnexus.report.html import head_mode_words
from aralnexus.vocab import CONVERGENCE_MODES


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_convergence_mode_has_words_of_its_own(language: str) -> None:
    with i18n.use_language(language):  # type: ignore[arg-type]
        words = [head_mode_words(mode) for mode in CONVERGENCE_MODES]
    assert len(set(words)) == len(CONVERGENCE_MODES)
    assert not set(words) & set(CONVERGENCE_MODES)


def test_russian_head_mode_words_are_cyrillic() -> None:
    with i18n.use_language("ru"):
        assert head_mode_words("head") == "напоры итерируются"


def test_an_unknown_head_mode_is_shown_as_stored() -> None:
    assert head_mode_words("legacy") == "legacy"
