"""The web pages speak the browser's language (Accept-Language) or the one chosen with ?lang=."""

from __future__ import annotations

import pytest

from aralnexus.web.i18n import COOKIE, accepted_language, request_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en-GB,en;q=0.9,ru;q=0.8", "en"),
        ("de-DE,de;q=0.9,ru;q=0.5", "ru"),
        ("ru;q=0,en;q=0.1", "en"),
        ("de, fr", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_picks_the_preferred_supported_language(header: str | None, expected: str | None) -> None:
    assert accepted_language(header) == expected


def test_the_switch_beats_the_cookie_which_beats_the_browser() -> None:
    assert request_language("lang=ru", f"{COOKIE}=en", "en") == "ru"
    assert request_language("", f"{COOKIE}=ru", "en") == "ru"
    assert request_language("lang=xx", None, "ru") == "ru"
    assert request_language("", None, None) == "en"


def test_pages_are_in_russian_for_a_russian_browser(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/scenarios", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert page.status_code == 200
    assert '<html lang="ru">' in page.text
    assert "Сценарии" in page.text and "Расчёты" in page.text
    assert ">Scenarios<" not in page.text


def test_the_switch_sets_a_cookie_and_english_stays_the_default(client) -> None:  # type: ignore[no-untyped-def]
    assert '<html lang="en">' in client.get("/scenarios").text
    switched = client.get("/runs?lang=ru")
    assert "Сохранённые расчёты" in switched.text or "Расчёты" in switched.text
    assert f"{COOKIE}=ru" in switched.headers.get("set-cookie", "")
    assert '<html lang="ru">' in client.get("/scenarios").text  # the cookie remembers the choice


def test_json_keys_stay_english_in_russian(client) -> None:  # type: ignore[no-untyped-def]
    headers = {"Accept": "application/json"}
    english = client.get("/api/jobs/nope", headers=headers)
    russian = client.get("/api/jobs/nope", headers={**headers, "Accept-Language": "ru"})
    assert english.status_code == russian.status_code == 404
    assert set(english.json()) == set(russian.json())
    assert russian.json()["error"] == "Не найдено" and english.json()["error"] == "Not found"


def test_a_run_page_in_russian_loads_plotlys_russian_locale_and_is_not_the_english_page(client, two_runs) -> None:  # type: ignore[no-untyped-def]
    _store, a, _b = two_runs
    english = client.get(f"/runs/{a}")
    russian = client.get(f"/runs/{a}", headers={"Accept-Language": "ru"})
    assert english.status_code == russian.status_code == 200
    assert "/static/plotly-locale-ru.js" not in english.text and '"locale": "ru"' not in english.text
    assert '<script src="/static/plotly-locale-ru.js"></script>' in russian.text
    assert '"locale": "ru"' in russian.text  # each chart's config names the locale
    assert "Объём и уровень водохранилищ" in russian.text  # a chart title from the catalog
    assert "Таблицы CSV (zip)" in russian.text and "CSV tables (zip)" in english.text  # download labels
    assert "Reservoir storage and level" in client.get(f"/runs/{a}").text  # the cached English page stays English


def test_plotlys_russian_locale_is_served_offline_with_stand_alone_month_names(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/static/plotly-locale-ru.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    text = response.text
    assert text.startswith("Plotly.register(") and 'Plotly.setPlotConfig({locale: "ru"})' in text
    assert '"март"' in text and '"марта"' not in text  # stand-alone (nominative), not the genitive of a date
    assert '"decimal": ","' in text
    assert client.get("/static/plotly-locale-xx.js").status_code == 404
