"""The HTML report in headless Chromium (tests/browser_support.py): every chart draws, offline, no console error."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aralnexus.i18n import use_language
from aralnexus.report import ReportFiles, write_report
from browser_support import severe_console_entries, wait_for_charts


@pytest.mark.browser
@pytest.mark.parametrize(("files", "n_charts"), [("report_files", 6), ("ensemble_report_files", 5)])
def test_every_chart_renders_offline_without_console_errors(
    files: str, n_charts: int, request: pytest.FixtureRequest, chromium: Callable[..., Any]
) -> None:
    """A single run's report (6 charts) and an ensemble's (5 risk charts) draw every chart in headless Chromium."""
    report_files: ReportFiles = request.getfixturevalue(files)
    driver = chromium(1280, 1600)
    driver.get(report_files.html.resolve().as_uri())
    assert wait_for_charts(driver) == len(report_files.pngs) == n_charts
    assert severe_console_entries(driver) == []


#: A Latin-only sentence: three or more Latin words and no Cyrillic letter.
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
#: English month abbreviations that must not label a Russian date axis.
ENGLISH_MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}


def latin_only_sentences(texts: list[str], names: set[str]) -> list[str]:
    """Return the pieces of ``texts`` (split into lines, cells and sentences) written in Latin letters only.

    ``names`` (the scenario's name, file and description, the sources' names) are removed first:
    they are the user's and the sources' words, not the program's.
    """
    found = []
    for text in texts:
        for piece in re.split(r"[\n\t]+|(?<=[.;:!?])\s+", text):
            rest = piece
            for name in sorted(names, key=len, reverse=True):
                rest = rest.replace(name, " ")
            if len(LATIN_WORD.findall(rest)) >= 3 and not CYRILLIC.search(rest):
                found.append(piece.strip())
    return found


def test_latin_only_sentences_are_found_and_names_are_not() -> None:
    texts = ["Зимний дефицит растёт.\tWinter deficit by year", "Источник: NAR-001 https://example.org/toktogul"]
    assert latin_only_sentences(texts, {"NAR-001 https://example.org/toktogul"}) == ["Winter deficit by year"]
    assert latin_only_sentences(["Toktogul", "Kambarata-1 · 2030"], set()) == []


@pytest.mark.browser
@pytest.mark.parametrize(
    ("stored_run", "n_charts", "month_ticks"), [("stored", 6, True), ("ensemble_stored", 5, False)]
)
def test_the_russian_report_renders_with_no_console_error_and_no_latin_only_sentence(
    stored_run: str,
    n_charts: int,
    month_ticks: bool,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    chromium: Callable[..., Any],
) -> None:
    """A run's and an ensemble's report in Russian, drawn with plotly's Russian locale: no console error, and
    the page's and the charts' text is Russian (names of the scenario and the sources, and code, aside)."""
    from selenium.webdriver.common.by import By

    store, run_id = request.getfixturevalue(stored_run)
    with use_language("ru"):
        russian_report = write_report(store, run_id, tmp_path, png=False)
    driver = chromium(1280, 1600)
    driver.get(russian_report.html.resolve().as_uri())
    assert wait_for_charts(driver) == n_charts
    assert severe_console_entries(driver) == []
    assert driver.execute_script("return document.documentElement.lang") == "ru"
    assert driver.execute_script("return document.querySelector('.js-plotly-plot')._context.locale") == "ru"
    run = store.run(run_id)
    sources = store.table("sources", run_id)
    names = {
        str(run["scenario_name"]),
        str(run["scenario_file"]),
        str(run["description"]),
        "aralnexus",
        str(run["scenario_hash"])[:16],  # a hexadecimal hash (shown shortened) is an identifier, not a sentence
        *(str(s) for s in sources["source"]),
        # commands and queries to type (<code>) are code, not sentences
        *(
            str(c)
            for c in driver.execute_script("return Array.from(document.querySelectorAll('code')).map(c => c.innerText)")
        ),
    }
    page_text = str(driver.execute_script("return document.body.innerText"))
    chart_text = [
        str(t)
        for t in driver.execute_script(
            "return Array.from(document.querySelectorAll('svg text')).map(t => t.textContent)"
        )
    ]
    assert latin_only_sentences([page_text, *chart_text], names) == []
    # dates on the axes: Russian stand-alone month names (plotly's Russian locale), never English ones
    ticks = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "g.xtick text")]
    words = {w for tick in ticks for w in re.findall(r"[^\W\d_]+", tick)}
    russian_months = {"янв", "февр", "март", "апр", "май", "июнь", "июль", "авг", "сент", "окт", "нояб", "дек"}
    assert bool(words & russian_months) == month_ticks  # the ensemble's axes are labelled by year only
    assert not words & ENGLISH_MONTHS
    values = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "g.ytick text")]
    assert values and not [v for v in values if re.fullmatch(r"[-\d.,\s\u202f]+[kMGB]", v)]  # no «10k»
    # numbers in the text have the decimal comma
    assert re.search(r"\d,\d+\s?ТВт·ч", page_text)
    assert "ТВт·ч" in " ".join(chart_text) or "млн" in " ".join(chart_text)  # units on the axes, in Russian
