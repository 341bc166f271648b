"""The ensemble risk in words and tables: probabilities with the member counts behind them.

Every probability is a share of the finished (``done``) members; sentences say how many members
that is ("67 % (2 of 3 members)") so a reader can judge how much a probability can be trusted.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aralnexus.i18n import _, format_number, get_language, month_names, ngettext
from aralnexus.report.data import country_name
from aralnexus.report.ensemble import EnsembleRisk
from aralnexus.report.risk_charts import fan_reservoirs


def _rows(frame: pd.DataFrame) -> list[Any]:
    """Rows as named tuples (typed loosely: the columns are the risk views')."""
    return list(frame.itertuples(index=False))


def _pct(p: float) -> str:
    return f"{100.0 * p:.0f} %"


def _of(p: float, n: int) -> str:
    """``67 % (2 of 3 members)``."""
    return _pct(p) + " " + ngettext("({k} of {n} member)", "({k} of {n} members)", n, k=round(p * n))


def _winter(year: int) -> str:
    return _("winter {y}/{next}", y=year, next=f"{(year + 1) % 100:02d}")


def _g(value: float) -> str:
    text = f"{value:g}"
    return text if get_language() == "en" else text.replace(".", ",")


def members_sentence(risk: EnsembleRisk) -> str:
    """How many members the probabilities count, and which were left out."""
    done = risk.members
    stored = sum(risk.counts.values())
    planned = max(risk.planned, stored)
    text = ngettext("The risk figures count {n} finished member", "The risk figures count {n} finished members", done)
    text += _(" of the {n} planned", n=planned) if planned != done else ""
    words = {"infeasible": _("{n} infeasible"), "failed": _("{n} failed")}
    left = [words[status].format(n=n) for status in ("infeasible", "failed") if (n := risk.counts.get(status, 0))]
    if planned > stored:
        left.append(_("{n} unfinished", n=planned - stored))
    n_left = planned - done
    if left:
        joined = _(" and ").join(left)
        text += ngettext("; {left} member is not counted", "; {left} members are not counted", n_left, left=joined)
    if risk.counts.get("infeasible", 0):
        text += _(
            " (the system could not serve an infeasible member's hydrology, so the figures may understate the risk)"
        )
    return text + "."


def winter_risk_sentences(risk: EnsembleRisk) -> list[str]:
    """Per country: the probability of a winter deficit above the threshold, in some winter and per winter."""
    if risk.winter_any.empty:
        return [
            _("No complete winter (October–March) lies in the horizon, so no winter-deficit probability can be given.")
        ]
    out = []
    for r in _rows(risk.winter_any):
        name = country_name(str(r.country))
        text = _(
            "The probability that {country}'s winter deficit exceeds {twh} TWh in at least one winter is {p}; in its "
            "worst winter the deficit is {p50} TWh at the median and {p90} TWh at P90",
            country=name,
            twh=_g(risk.threshold_twh),
            p=_of(float(r.p_exceed_any_year), int(r.members)),
            p50=format_number(float(r.p50_worst_twh)),
            p90=format_number(float(r.p90_worst_twh)),
        )
        per = risk.winter[risk.winter["country"] == r.country].sort_values("year")
        p = per["p_exceed"].to_numpy(dtype=float)
        if len(per) > 1 and p.min() == p.max():
            text += _("; in each of its {n} winters it is {p}", n=len(per), p=_pct(float(p[0])))
        elif len(per) > 1:
            lo, hi = per.iloc[int(p.argmin())], per.iloc[int(p.argmax())]
            text += _(
                "; in a single winter it ranges from {low} ({low_winter}) to {high} ({high_winter})",
                low=_pct(float(lo.p_exceed)),
                low_winter=_winter(int(lo.year)),
                high=_pct(float(hi.p_exceed)),
                high_winter=_winter(int(hi.year)),
            )
        elif len(per) == 1:
            text += _(" ({winter}, the horizon's only complete winter)", winter=_winter(int(per["year"].iloc[0])))
        out.append(text + ".")
    return out


def export_risk_sentence(risk: EnsembleRisk) -> str:
    """Return exports and revenue over the horizon per country, P10 / P50 / P90, as a sentence."""
    t = risk.exports_total
    if t.empty:
        return _("No exports are recorded for the members.")
    parts = []
    for country, rows in t.groupby("country", sort=True):
        q = rows.set_index("metric")
        if "exports_twh" not in q.index:
            continue
        e = q.loc["exports_twh"]
        n = format_number
        text = _(
            "{country} {p10} / {p50} / {p90} TWh",
            country=country_name(str(country)),
            p10=n(float(str(e.p10))),
            p50=n(float(str(e.p50))),
            p90=n(float(str(e.p90))),
        )
        if "export_revenue_musd" in q.index:
            m = q.loc["export_revenue_musd"]
            text += _(
                " earning US${p10} / {p50} / {p90} million",
                p10=n(float(str(m.p10)), 0),
                p50=n(float(str(m.p50)), 0),
                p90=n(float(str(m.p90)), 0),
            )
        parts.append(text)
    return _(
        "Exports to partner markets over the horizon (P10 / P50 / P90 across members): {parts}.", parts="; ".join(parts)
    )


def trade_risk_sentence(risk: EnsembleRisk) -> str:
    """Return the probability of reaching the trade target in the target year, as a sentence."""
    target = _("the US${musd} million target in {year}", musd=format_number(risk.target_musd, 0), year=risk.target_year)
    if risk.trade.empty:
        return _(
            "{year} lies outside the horizon, so the probability of reaching {target} is not computed (run the "
            "ensemble over a horizon that includes {year}).",
            year=risk.target_year,
            target=target,
        )
    r = risk.trade.iloc[0]
    return _(
        "The probability that Kyrgyzstan–Tajikistan trade turnover reaches {target} is {p}; turnover in {year} is "
        "US${p10} / {p50} / {p90} million (P10 / P50 / P90).",
        target=target,
        p=_of(float(r.p_reach), int(r.members)),
        year=risk.target_year,
        p10=format_number(float(r.p10), 0),
        p50=format_number(float(r.p50), 0),
        p90=format_number(float(r.p90), 0),
    )


def storage_risk_sentence(risk: EnsembleRisk) -> str:
    """Return the lowest P10 storage of each reservoir in the fan and when it occurs, as a sentence."""
    shown, _empty = fan_reservoirs(risk.storage)
    parts = []
    for plant in shown:
        r = risk.storage[(risk.storage["plant"] == plant) & (risk.storage["p90_hm3"] > 0)]  # once the pool exists
        low = r.iloc[int(r["p10_hm3"].to_numpy().argmin())]
        stamp = pd.Timestamp(low["time"])
        when = f"{month_names('wide')[stamp.month - 1]} {stamp.year}"
        hm3 = format_number(float(low["p10_hm3"]), 0)
        parts.append(_("{plant} {hm3} hm3 ({when})", plant=plant.replace("_", " ").title(), hm3=hm3, when=when))
    if not parts:
        return ""
    return _("Lowest storage in the driest tenth of members (P10): {parts}.", parts=", ".join(parts))


def risk_findings(risk: EnsembleRisk) -> list[str]:
    """Return the risk paragraphs of an ensemble run's findings."""
    paragraphs = [
        members_sentence(risk),
        " ".join(winter_risk_sentences(risk)),
        " ".join(s for s in (export_risk_sentence(risk), trade_risk_sentence(risk)) if s),
        storage_risk_sentence(risk),
    ]
    return [p for p in paragraphs if p.strip()]


def probability_table(risk: EnsembleRisk) -> pd.DataFrame:
    """Return the headline probabilities (``figure, country, probability, members``)."""
    rows = [
        (
            _("P(winter deficit > {twh} TWh in at least one winter)", twh=_g(risk.threshold_twh)),
            country_name(str(r.country)),
            float(r.p_exceed_any_year),
            int(r.members),
        )
        for r in _rows(risk.winter_any)
    ]
    rows += [
        (
            _("P(winter deficit > {twh} TWh in {winter})", twh=_g(risk.threshold_twh), winter=_winter(int(r.year))),
            country_name(str(r.country)),
            float(r.p_exceed),
            int(r.members),
        )
        for r in _rows(risk.winter.sort_values(["country", "year"]))
    ]
    rows += [
        (
            _(
                "P(trade turnover ≥ US${musd} million in {year})",
                musd=format_number(risk.target_musd, 0),
                year=int(r.year),
            ),
            _("Kyrgyzstan–Tajikistan"),
            float(r.p_reach),
            int(r.members),
        )
        for r in _rows(risk.trade)
    ]
    return pd.DataFrame(rows, columns=["figure", "country", "probability", "members"])


def quantile_table(risk: EnsembleRisk) -> pd.DataFrame:
    """Return exports and revenue over the horizon and trade in the target year: P10 / P50 / P90, mean."""
    t = risk.exports_total
    names = {
        "exports_twh": (_("exports over the horizon"), _("TWh")),
        "export_revenue_musd": (_("export revenue over the horizon"), _("US$ million")),
    }
    rows = [
        (names[str(r.metric)][0], country_name(str(r.country)), names[str(r.metric)][1], r.p10, r.p50, r.p90, r.mean)
        for r in _rows(t)
        if str(r.metric) in names
    ]
    rows += [
        (
            _("trade turnover in {year}", year=int(r.year)),
            _("Kyrgyzstan–Tajikistan"),
            _("US$ million"),
            r.p10,
            r.p50,
            r.p90,
            r.mean,
        )
        for r in _rows(risk.trade)
    ]
    return pd.DataFrame(rows, columns=["figure", "country", "unit", "P10", "P50", "P90", "mean"])
