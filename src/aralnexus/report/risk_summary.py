"""The ensemble risk in words and tables: probabilities with the member counts behind them.

Every probability is a share of the finished (``done``) members; sentences say how many members
that is ("67 % (2 of 3 members)") so a reader can judge how much a probability can be trusted.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

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
    return f"{_pct(p)} ({round(p * n)} of {n} member{'s' if n != 1 else ''})"


def _winter(year: int) -> str:
    return f"winter {year}/{(year + 1) % 100:02d}"


def members_sentence(risk: EnsembleRisk) -> str:
    """How many members the probabilities count, and which were left out."""
    done = risk.members
    stored = sum(risk.counts.values())
    planned = max(risk.planned, stored)
    text = f"The risk figures count {done} finished member{'s' if done != 1 else ''}"
    text += f" of the {planned} planned" if planned != done else ""
    left = [f"{n} {status}" for status in ("infeasible", "failed") if (n := risk.counts.get(status, 0))]
    if planned > stored:
        left.append(f"{planned - stored} unfinished")
    n_left = planned - done
    if left:
        text += f"; {' and '.join(left)} member{'s are' if n_left != 1 else ' is'} not counted"
    if risk.counts.get("infeasible", 0):
        text += " (the system could not serve an infeasible member's hydrology, so the figures may understate the risk)"
    return text + "."


def winter_risk_sentences(risk: EnsembleRisk) -> list[str]:
    """Per country: the probability of a winter deficit above the threshold, in some winter and per winter."""
    if risk.winter_any.empty:
        return [
            "No complete winter (October–March) lies in the horizon, so no winter-deficit probability can be given."
        ]
    out = []
    for r in _rows(risk.winter_any):
        name = country_name(str(r.country))
        text = (
            f"The probability that {name}'s winter deficit exceeds {risk.threshold_twh:g} TWh in at least one winter "
            f"is {_of(float(r.p_exceed_any_year), int(r.members))}; in its worst winter the deficit is "
            f"{float(r.p50_worst_twh):,.2f} TWh at the median and {float(r.p90_worst_twh):,.2f} TWh at P90"
        )
        per = risk.winter[risk.winter["country"] == r.country].sort_values("year")
        p = per["p_exceed"].to_numpy(dtype=float)
        if len(per) > 1 and p.min() == p.max():
            text += f"; in each of its {len(per)} winters it is {_pct(float(p[0]))}"
        elif len(per) > 1:
            lo, hi = per.iloc[int(p.argmin())], per.iloc[int(p.argmax())]
            text += (
                f"; in a single winter it ranges from {_pct(float(lo.p_exceed))} ({_winter(int(lo.year))}) to "
                f"{_pct(float(hi.p_exceed))} ({_winter(int(hi.year))})"
            )
        elif len(per) == 1:
            text += f" ({_winter(int(per['year'].iloc[0]))}, the horizon's only complete winter)"
        out.append(text + ".")
    return out


def export_risk_sentence(risk: EnsembleRisk) -> str:
    """Return exports and revenue over the horizon per country, P10 / P50 / P90, as a sentence."""
    t = risk.exports_total
    if t.empty:
        return "No exports are recorded for the members."
    parts = []
    for country, rows in t.groupby("country", sort=True):
        q = rows.set_index("metric")
        if "exports_twh" not in q.index:
            continue
        e = q.loc["exports_twh"]
        text = f"{country_name(str(country))} {e.p10:,.2f} / {e.p50:,.2f} / {e.p90:,.2f} TWh"
        if "export_revenue_musd" in q.index:
            m = q.loc["export_revenue_musd"]
            text += f" earning US${m.p10:,.0f} / {m.p50:,.0f} / {m.p90:,.0f} million"
        parts.append(text)
    return "Exports to partner markets over the horizon (P10 / P50 / P90 across members): " + "; ".join(parts) + "."


def trade_risk_sentence(risk: EnsembleRisk) -> str:
    """Return the probability of reaching the trade target in the target year, as a sentence."""
    target = f"the US${risk.target_musd:,.0f} million target in {risk.target_year}"
    if risk.trade.empty:
        return (
            f"{risk.target_year} lies outside the horizon, so the probability of reaching {target} is not computed "
            f"(run the ensemble over a horizon that includes {risk.target_year})."
        )
    r = risk.trade.iloc[0]
    return (
        f"The probability that Kyrgyzstan–Tajikistan trade turnover reaches {target} is "
        f"{_of(float(r.p_reach), int(r.members))}; turnover in {risk.target_year} is US${r.p10:,.0f} / "
        f"{r.p50:,.0f} / {r.p90:,.0f} million (P10 / P50 / P90)."
    )


def storage_risk_sentence(risk: EnsembleRisk) -> str:
    """Return the lowest P10 storage of each reservoir in the fan and when it occurs, as a sentence."""
    shown, _ = fan_reservoirs(risk.storage)
    parts = []
    for plant in shown:
        r = risk.storage[(risk.storage["plant"] == plant) & (risk.storage["p90_hm3"] > 0)]  # once the pool exists
        low = r.iloc[int(r["p10_hm3"].to_numpy().argmin())]
        when = pd.Timestamp(low["time"]).strftime("%B %Y")
        parts.append(f"{plant.replace('_', ' ').title()} {float(low['p10_hm3']):,.0f} hm3 ({when})")
    if not parts:
        return ""
    return "Lowest storage in the driest tenth of members (P10): " + ", ".join(parts) + "."


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
            f"P(winter deficit > {risk.threshold_twh:g} TWh in at least one winter)",
            country_name(str(r.country)),
            float(r.p_exceed_any_year),
            int(r.members),
        )
        for r in _rows(risk.winter_any)
    ]
    rows += [
        (
            f"P(winter deficit > {risk.threshold_twh:g} TWh in {_winter(int(r.year))})",
            country_name(str(r.country)),
            float(r.p_exceed),
            int(r.members),
        )
        for r in _rows(risk.winter.sort_values(["country", "year"]))
    ]
    rows += [
        (
            f"P(trade turnover ≥ US${risk.target_musd:,.0f} million in {int(r.year)})",
            "Kyrgyzstan–Tajikistan",
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
        "exports_twh": ("exports over the horizon", "TWh"),
        "export_revenue_musd": ("export revenue over the horizon", "US$ million"),
    }
    rows = [
        (names[str(r.metric)][0], country_name(str(r.country)), names[str(r.metric)][1], r.p10, r.p50, r.p90, r.mean)
        for r in _rows(t)
        if str(r.metric) in names
    ]
    rows += [
        (f"trade turnover in {int(r.year)}", "Kyrgyzstan–Tajikistan", "US$ million", r.p10, r.p50, r.p90, r.mean)
        for r in _rows(risk.trade)
    ]
    return pd.DataFrame(rows, columns=["figure", "country", "unit", "P10", "P50", "P90", "mean"])
