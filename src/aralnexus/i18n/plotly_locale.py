"""plotly.js in the page's language: a locale module built from CLDR (Babel) and the message catalog.

plotly.js formats date axes and numbers with a *locale* (month and day names, decimal and
thousands separators) and translates its own interface (the mode bar) with the locale's
*dictionary*. The installed plotly package ships no locale files, so the Russian one is built here,
offline: month and day names are CLDR's **stand-alone** forms through Babel («март» on an axis,
not the genitive «марта» of a date), the separators are those of :func:`aralnexus.i18n.format_number`
(decimal comma, narrow no-break space), and the interface strings come from the gettext catalog.

:func:`plotly_locale_js` is the script a page loads after ``plotly.min.js``: it registers the locale
and makes it the default of every chart on the page (each chart's ``config.locale`` names it too).
"""

from __future__ import annotations

import json
from typing import Any

from aralnexus.i18n import THIN_SPACE, Language, _, get_language, month_names


def _interface() -> dict[str, str]:
    """Mode-bar and interaction texts of plotly.js, English → the current language."""
    return {
        "Autoscale": _("Autoscale"),
        "Box Select": _("Box Select"),
        "Compare data on hover": _("Compare data on hover"),
        "Double-click to zoom back out": _("Double-click to zoom back out"),
        "Download plot": _("Download plot"),
        "Download plot as a png": _("Download plot as a png"),
        "Lasso Select": _("Lasso Select"),
        "Pan": _("Pan"),
        "Reset axes": _("Reset axes"),
        "Reset view": _("Reset view"),
        "Show closest data on hover": _("Show closest data on hover"),
        "Toggle Spike Lines": _("Toggle Spike Lines"),
        "Toggle show closest data on hover": _("Toggle show closest data on hover"),
        "Zoom": _("Zoom"),
        "Zoom in": _("Zoom in"),
        "Zoom out": _("Zoom out"),
    }


def plotly_locale(language: Language | None = None) -> dict[str, Any] | None:
    """Return the plotly.js locale module of ``language`` (default: the current one); ``None`` for English.

    English is plotly's built-in locale, so it needs none.
    """
    chosen = language or get_language()
    if chosen == "en":
        return None
    from babel.dates import get_day_names

    wide = get_day_names("wide", context="stand-alone", locale=chosen)
    short = get_day_names("abbreviated", context="stand-alone", locale=chosen)
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Babel counts from Monday (0), plotly from Sunday
    return {
        "moduleType": "locale",
        "name": chosen,
        "dictionary": _interface(),
        "format": {
            "days": [str(wide[d]) for d in sunday_first],
            "shortDays": [str(short[d]) for d in sunday_first],
            "months": month_names("wide", chosen),
            "shortMonths": month_names("abbreviated", chosen),
            "date": "%d.%m.%Y",
            "decimal": ",",
            "thousands": THIN_SPACE,
        },
    }


def plotly_locale_js(language: Language | None = None) -> str:
    """Return the script that registers the locale with plotly.js and makes it the default (empty for English)."""
    locale = plotly_locale(language)
    if locale is None:
        return ""
    # json.dumps escapes nothing HTML-special here (names and separators only), but "</" is escaped
    # anyway so the text is safe inside an inline <script>.
    body = json.dumps(locale, ensure_ascii=False).replace("</", "<\\/")
    name = json.dumps(locale["name"])
    return f"Plotly.register({body});Plotly.setPlotConfig({{locale: {name}}});"
