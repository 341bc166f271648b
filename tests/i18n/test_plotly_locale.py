"""plotly.js's Russian locale, built from CLDR (Babel) and the catalog."""

from __future__ import annotations

import json

from aralnexus.i18n import THIN_SPACE, use_language
from aralnexus.i18n.plotly_locale import plotly_locale, plotly_locale_js


def test_english_needs_no_locale() -> None:
    assert plotly_locale("en") is None
    assert plotly_locale_js("en") == ""


def test_the_russian_locale_has_stand_alone_months_sunday_first_days_and_russian_separators() -> None:
    locale = plotly_locale("ru")
    assert locale is not None and locale["name"] == "ru"
    fmt = locale["format"]
    assert fmt["months"][2] == "март" and fmt["months"][4] == "май"  # nominative, not «марта», «мая»
    assert fmt["shortMonths"][0] == "янв." and len(fmt["shortMonths"]) == 12
    assert fmt["days"][0] == "воскресенье" and len(fmt["shortDays"]) == 7  # plotly counts from Sunday
    assert (fmt["decimal"], fmt["thousands"]) == (",", THIN_SPACE)


def test_the_mode_bar_is_translated_from_the_catalog_in_the_locales_language() -> None:
    with use_language("ru"):
        russian = plotly_locale("ru")
    assert russian is not None
    assert russian["dictionary"]["Download plot as a png"] != "Download plot as a png"
    assert all(v.strip() for v in russian["dictionary"].values())


def test_the_script_registers_the_locale_and_makes_it_the_default() -> None:
    with use_language("ru"):
        script = plotly_locale_js()
    body = script[len("Plotly.register(") : script.index(");Plotly.setPlotConfig")]
    assert json.loads(body)["format"]["months"][0] == "январь"
    assert script.endswith('Plotly.setPlotConfig({locale: "ru"});')
    assert "</" not in script
