"""Assemble the self-contained HTML report: plotly.js inline (works offline), one section per topic.

Pages are lists of :class:`Section`; :func:`run_sections` builds the standard ones for a run, so
later additions (ensemble risk, comparisons) append sections without touching the page shell.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from aralnexus import __version__
from aralnexus.i18n import _, format_number, get_language, ngettext
from aralnexus.i18n.plotly_locale import plotly_locale_js
from aralnexus.report.charts import Chart, to_plotly
from aralnexus.report.data import ReportData, country_name, unit_label
from aralnexus.report.ensemble import EnsembleRisk, is_ensemble
from aralnexus.report.risk_summary import members_sentence, probability_table, quantile_table
from aralnexus.report.summary import constraint_name, findings, hydrology_label, river_name

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#16324f;color:#fff;padding:1.2rem 2rem}header h1{margin:0 0 .3rem;font-size:1.5rem}
header p{margin:0;opacity:.85}nav{padding:.5rem 2rem;background:#e8eef4;font-size:.9rem}
nav a{margin-right:1rem;color:#16324f}main{max-width:1100px;margin:auto;padding:1rem 2rem}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:1rem 1.4rem;margin:1rem 0}
h2{font-size:1.15rem;margin-top:0;color:#16324f}figure{margin:0 0 1.5rem}figcaption{font-size:.85rem;color:#555}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}th,td{border-bottom:1px solid #eee;padding:.25rem .6rem;
text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}.badge{background:#ffb000;color:#000;
border-radius:3px;padding:0 .35rem;font-size:.8rem;font-weight:600}footer{font-size:.8rem;color:#777;padding:1rem 2rem}
"""


@dataclass(frozen=True)
class Section:
    """A titled part of the page; ``body`` is trusted HTML built by this module's helpers."""

    id: str
    title: str
    body: str


def esc(text: object) -> str:
    """Escape text for HTML."""
    return html.escape("" if text is None else str(text))


def column_label(column: object) -> str:
    """Return a table column's heading in the current language (the column names stay English)."""
    labels = {
        "figure": _("figure"),
        "unit": _("unit"),
        "value": _("value"),
        "values": _("values"),
        "assumption": _("assumption"),
        "field": _("field"),
        "default": _("default"),
        "scenario": _("scenario"),
        "table": _("table"),
        "element": _("element"),
        "attribute": _("attribute"),
        "kind": _("kind"),
        "source": _("source"),
        "note": _("note"),
        "constraint": _("constraint"),
        "period": _("period"),
        "amount": _("amount"),
        "country": _("country"),
        "probability": _("probability"),
        "members": _("members"),
        "mean": _("mean"),
        "policy": _("policy"),
        "perfect_foresight": _("perfect foresight"),
        "difference": _("difference"),
    }
    return labels.get(str(column), str(column))


def table_html(frame: pd.DataFrame, floats: str = "{:,.3f}") -> str:
    """Render a DataFrame as a plain HTML table (numbers right-aligned, in the current language's format).

    ``floats`` is the format of a non-integral number (its number of decimals is used).
    """
    head = "".join(f"<th>{esc(column_label(c))}</th>" for c in frame.columns)
    digits = int(found.group(1)) if (found := re.search(r"\.(\d+)f", floats)) else 3
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, float):
                text = "" if pd.isna(value) else format_number(value, 0 if value.is_integer() else digits)
                cells.append(f'<td class="num">{text}</td>')
            elif isinstance(value, int) and not isinstance(value, bool):
                cells.append(f'<td class="num">{value}</td>')
            else:
                cells.append(f"<td>{esc('' if value is None or value is pd.NA else value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def chart_html(chart: Chart, png: str | None = None) -> str:
    """Render one chart as a plotly div (plotly.js is loaded once by the page) with its caption."""
    fig = to_plotly(chart)
    fig.update_layout(title=None, margin={"t": 30})  # the section heading carries the title
    config: dict[str, object] = {"displaylogo": False, "responsive": True}
    if get_language() != "en":  # the page registers this locale (plotly_locale_js) after plotly.js
        config["locale"] = get_language()
        # whole numbers with the locale's thousands separator («10 000»), not SI suffixes («10k»)
        fig.update_yaxes(exponentformat="none", separatethousands=True)
    div = pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.key}", config=config)
    link = f' <a href="{esc(png)}">PNG</a>' if png else ""
    return f'<figure class="chart-figure">{div}<figcaption>{esc(chart.caption)}{link}</figcaption></figure>'


def page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """Return the complete, self-contained HTML page."""
    nav = "".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in sections)
    body = "".join(f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>{s.body}</section>' for s in sections)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    locale_js = plotly_locale_js()
    return (
        f'<!DOCTYPE html><html lang="{get_language()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        + (f'<script type="text/javascript">{locale_js}</script>' if locale_js else "")
        + "</head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header><nav>{nav}</nav><main>{body}</main>"
        "<footer>"
        + esc(
            _(
                "Generated by aralnexus {version} on {stamp}. Charts are interactive and work offline "
                "(plotly.js is embedded).",
                version=__version__,
                stamp=stamp,
            )
        )
        + "</footer></body></html>"
    )


def _assumptions(data: ReportData) -> str:
    r = data.run
    derived = ' <span class="badge">DERIVED</span>' if r.get("hydrology_derived") else ""
    members = ngettext("{n} synthetic hydrology member", "{n} synthetic hydrology members", int(r["n_members"] or 0))
    facts = pd.DataFrame(
        [
            (_("scenario"), f"{r['scenario_name']} ({r['scenario_file']})"),
            (_("description"), r.get("description") or ""),
            (_("horizon"), f"{r['horizon_start']} – {r['horizon_end']} ({r['resolution']})"),
            (_("seed"), r["seed"]),
            *([(_("members"), members)] if is_ensemble(r) else []),
            (_("head mode"), head_mode_words(str(r.get("head_mode") or ""))),
            (_("scenario content hash"), str(r["scenario_hash"])[:16] + "…"),
            (_("aralnexus version"), r["package_version"]),
        ],
        columns=["assumption", "value"],
    )
    hydrology = _("Hydrology: {label}", label=hydrology_label(r))
    text = f"<p>{esc(hydrology)}{derived}</p>" + table_html(facts)
    if data.overrides.empty:
        unchanged = _("The scenario uses the default dataset unchanged.")
        return text + f"<p>{esc(unchanged)}</p>"
    changed = data.overrides.rename(columns={"path": "field", "default_value": "default", "value": "scenario"})
    heading = _("What the scenario changes")
    return text + f"<h3>{esc(heading)}</h3>" + table_html(changed)


def _sources(data: ReportData) -> str:
    s = data.sources
    if s.empty:
        none = _("No sources table was stored with this run.")
        return f"<p>{esc(none)}</p>"
    kinds = {
        "sourced": _("sourced"),
        "derived": _("derived"),
        "assumption": _("assumption"),
        "calibrated": _("calibrated"),
    }
    counts = s.groupby("kind").size().rename("values").reset_index()
    counts["kind"] = [kinds.get(str(k), str(k)) for k in counts["kind"]]
    cited = s[s["source"].astype(str).str.len() > 0]["source"].astype(str).str.split().str[0].nunique()
    intro = _(
        "{n} input values: each is sourced (with a facts id and URL), derived from sourced values, or an "
        "assumption with a reason. {cited} distinct sources are cited.",
        n=len(s),
        cited=cited,
    )
    full = s.rename(columns={"dataset_table": "table"})
    summary = _("All {n} values and their sources", n=len(s))
    return (
        f"<p>{esc(intro)}</p>"
        + table_html(counts)
        + f"<details><summary>{esc(summary)}</summary>{table_html(full)}</details>"
    )


def head_mode_words(mode: str) -> str:
    """Return a run's head mode (:data:`~aralnexus.vocab.ConvergenceMode`) in words; an unknown code as it is."""
    words = {
        "head": _("heads iterated"),
        "fixed": _("fixed rated heads"),
        "median-heads": _("fixed median heads"),
    }
    return words.get(mode, mode)


def figure_words() -> dict[str, str]:
    """Return the headline figures' stored English labels (``store.summary.KEY_FIGURES_SQL``) → their words."""
    return {
        "objective": _("objective"),
        "demand": _("demand"),
        "hydro generation": _("hydro generation"),
        "thermal generation": _("thermal generation"),
        "unserved": _("unserved"),
        "winter unserved": _("winter unserved"),
        "exports to partners": _("exports to partners"),
        "CASA-1000 exports": _("CASA-1000 exports"),
        "CASA-1000 revenue": _("CASA-1000 revenue"),
        "spilled water": _("spilled water"),
        "violations": _("violations"),
        "trade turnover": _("trade turnover"),
    }


def figure_label(figure: str) -> str:
    """Return a headline figure's label for people (``unserved KG`` → «недоотпуск Кыргызстан» in Russian).

    The label is the figure's words (longest known prefix) and its element: a country code becomes
    the country's name, a river id the river's name, a year stays as it is.
    """
    labels = figure_words()
    for prefix in sorted(labels, key=len, reverse=True):
        if figure == prefix:
            return labels[prefix]
        if figure.startswith(prefix + " "):
            rest = figure[len(prefix) + 1 :]
            element = country_name(rest) if rest.isupper() else (rest if rest.isdigit() else river_name(rest))
            return f"{labels[prefix]} {element}"
    return figure


def figures_for_people(figures: pd.DataFrame) -> pd.DataFrame:
    """Return the headline figures with their labels and units in the current language."""
    out = figures.copy()
    if "figure" in out.columns:
        out["figure"] = [figure_label(str(f)) for f in out["figure"]]
    if "unit" in out.columns:
        out["unit"] = [unit_label(str(u)) for u in out["unit"]]
    return out


def risk_html(risk: EnsembleRisk, charts: Sequence[Chart], pngs: dict[str, str] | None = None) -> str:
    """Return the body of the "Risk across members" section: members, probabilities, quantiles, charts."""
    pngs = pngs or {}
    probabilities = probability_table(risk)
    probabilities["probability"] = [f"{100.0 * p:.0f} %" for p in probabilities["probability"]]
    quantiles = quantile_table(risk)
    sql = f"SELECT * FROM risk_winter_deficit_at({risk.threshold_twh:g}) WHERE run_id = '{risk.run_id}'"
    meaning = _(
        "A probability is the share of those members in which the event occurs; P10 / P50 / P90 are the 10th, "
        "50th (median) and 90th percentiles across them."
    )
    no_probability = _("No probability can be computed for this horizon.")
    no_exports = _("No member recorded exports or trade.")
    query = _("The same numbers can be queried from the store's risk views (docs/ensembles.md), e.g.")
    parts = [
        f"<p>{esc(members_sentence(risk))} {esc(meaning)}</p>",
        "<h3>" + esc(_("Probabilities")) + "</h3>",
        table_html(probabilities) if len(probabilities) else f"<p>{esc(no_probability)}</p>",
        "<h3>" + esc(_("Exports, revenue and trade (P10 / P50 / P90)")) + "</h3>",
        table_html(quantiles, floats="{:,.2f}") if len(quantiles) else f"<p>{esc(no_exports)}</p>",
        *(f'<h3 id="{esc(c.key)}">{esc(c.title)}</h3>{chart_html(c, pngs.get(c.key))}' for c in charts),
        f'<p>{esc(query)} <code>aralnexus results query "{esc(sql)}"</code>.</p>',
    ]
    return "".join(parts)


def run_sections(
    data: ReportData,
    charts: Sequence[Chart],
    pngs: dict[str, str] | None = None,
    risk_charts: Sequence[Chart] = (),
    extra: Sequence[Section] = (),
) -> list[Section]:
    """Return the standard sections of a run's report (with "Risk across members" for an ensemble).

    ``extra`` sections (e.g. the backtest) come after the charts, before the assumptions.
    """
    pngs = pngs or {}
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in findings(data))
    sections = [Section("findings", _("Findings"), paragraphs)]
    if data.has_dispatch:
        sections.append(Section("numbers", _("Headline numbers"), table_html(figures_for_people(data.figures))))
    if data.risk is not None:
        sections.append(Section("risk", _("Risk across members"), risk_html(data.risk, risk_charts, pngs)))
    if data.backtest is not None:
        from aralnexus.report.backtest import SECTION_ID, section_title, stored_backtest_html

        extra = [Section(SECTION_ID, section_title(), stored_backtest_html(data.backtest)), *extra]
    sections += [
        *(Section(c.key, c.title, chart_html(c, pngs.get(c.key))) for c in charts),
        *extra,
        Section("assumptions", _("Assumptions"), _assumptions(data)),
    ]
    if not data.violations.empty:
        violations = data.violations.assign(
            constraint=[constraint_name(str(c)) for c in data.violations["constraint"]],
            unit=[unit_label(str(u)) for u in data.violations["unit"]],
        )
        sections.append(Section("violations", _("What could not be met"), table_html(violations)))
    sections.append(Section("sources", _("Data sources"), _sources(data)))
    return sections


def run_page(
    data: ReportData,
    charts: Sequence[Chart],
    pngs: dict[str, str] | None = None,
    risk_charts: Sequence[Chart] = (),
    extra: Sequence[Section] = (),
) -> str:
    """Return the HTML report of one run (``risk_charts`` go into the ensemble's risk section)."""
    r = data.run
    title = f"aralnexus — {r['scenario_name']} ({data.run_id})"
    subtitle = _(
        "{start} – {end} · hydrology {hydrology} · status {status}",
        start=r["horizon_start"],
        end=r["horizon_end"],
        hydrology=hydrology_label(r),
        status=r["status"],
    )
    if data.risk is not None:
        subtitle += _(" · {done} of {n} members finished", done=data.risk.members, n=r["n_members"])
    return page(title, subtitle, run_sections(data, charts, pngs, risk_charts, extra))
