"""The report's written findings, generated from the stored numbers (plain sentences, no markup)."""

from __future__ import annotations

import calendar

import pandas as pd

from aralnexus.metrics import OBJECTIVE_MEANING
from aralnexus.report.data import (
    ReportData,
    casa_annual,
    country_name,
    headline_metric,
    seasonal_reservoirs,
    trade_turnover,
    winter_deficit,
)
from aralnexus.report.ensemble import is_ensemble
from aralnexus.report.risk_summary import risk_findings
from aralnexus.units import MWH_PER_TWH

#: Relative change below which a trend is reported as "about the same", in percent.
FLAT_PCT = 2.0


def _trend(label: str, unit: str, first: tuple[str, float], last: tuple[str, float]) -> str:
    (y0, v0), (y1, v1) = first, last
    if y0 == y1:
        return f"{label} is {v0:,.2f} {unit} in {y0}."
    change = 100.0 * (v1 - v0) / abs(v0) if abs(v0) > 1e-9 else (0.0 if abs(v1) < 1e-9 else 100.0)
    if abs(change) < FLAT_PCT:
        return f"{label} stays at about {v1:,.2f} {unit} from {y0} to {y1}."
    verb = "falls" if v1 < v0 else "rises"
    return f"{label} {verb} from {v0:,.2f} {unit} in {y0} to {v1:,.2f} {unit} in {y1} ({change:+.0f} %)."


def hydrology_label(run: dict[str, object]) -> str:
    """Hydrology label with ``DERIVED`` when the inflows are derived rather than observed."""
    label = str(run.get("hydrology") or "")
    return f"{label} (DERIVED inflows, not observed records)" if run.get("hydrology_derived") else label


def headline(data: ReportData) -> str:
    """One sentence: what was run."""
    r = data.run
    if is_ensemble(r):
        what = f"Ensemble run {r['run_id']} ({r['n_members']} members)"
    elif r.get("kind") == "backtest":
        what = f"Backtest {r['run_id']} (observed years replayed)"
    else:
        what = f"Run {r['run_id']}"
    return (
        f"{what} of scenario “{r['scenario_name']}” from {r['horizon_start']} to {r['horizon_end']} "
        f"({r['resolution']}), hydrology {hydrology_label(r)}, seed {r['seed']}; status: {r['status']}."
    )


def winter_sentences(data: ReportData) -> list[str]:
    """How each country's winter deficit develops over the horizon."""
    deficit = winter_deficit(data)
    out = []
    for code, d in deficit.groupby("country", sort=True):
        d = d.sort_values("year")
        years = [f"winter {y}/{(y + 1) % 100:02d}" for y in d["year"].astype(int)]
        first = (years[0], float(d["value"].iloc[0]))
        last = (years[-1], float(d["value"].iloc[-1]))
        out.append(_trend(f"{country_name(str(code))}'s winter deficit", "TWh", first, last))
    return out


def unserved_sentence(data: ReportData) -> str:
    """Unserved energy over the horizon."""
    by = data.countries.groupby("country")["unserved_mwh"].sum() / MWH_PER_TWH
    if (by < 1e-6).all():
        return "All demand is served in every month."
    parts = [f"{country_name(str(c))} {v:,.2f} TWh" for c, v in by.items() if v >= 1e-6]
    return "Demand left unserved over the horizon: " + ", ".join(parts) + "."


def casa_sentence(data: ReportData) -> str:
    """CASA-1000 exports and revenue."""
    casa = casa_annual(data)
    active = casa[casa["exports_twh"] > 1e-9]
    if active.empty:
        return "CASA-1000 carries no exports in this run."
    best = active.iloc[int(active["exports_twh"].to_numpy().argmax())]
    return (
        f"CASA-1000 carries {active['exports_twh'].sum():,.2f} TWh to Afghanistan and Pakistan from "
        f"{int(active['year'].min())}, earning US${active['revenue_musd'].sum():,.0f} million "
        f"(most in {int(best['year'])}: {best['exports_twh']:,.2f} TWh)."
    )


def trade_sentence(data: ReportData) -> str:
    """Trade turnover held against the target recorded with the run."""
    target_musd, target_year = data.definitions.trade_target_musd, data.definitions.trade_target_year
    turnover = trade_turnover(data)
    if turnover.empty:
        return "No trade projection is stored with this run."
    total = turnover.groupby("year")["value_musd"].sum()
    first, last = horizon_years(data.run)
    covered = total[(total.index >= first) & (total.index <= last)]
    if covered.empty:
        return f"No trade projection is stored for the years of this run ({first}–{last})."
    # The target year only when the run covers it, else the run's last year with a turnover.
    year = target_year if target_year in covered.index else int(covered.index.max())
    value = float(covered.loc[year])
    share = 100.0 * value / target_musd
    observed = turnover[turnover["kind"] == "observed"]
    base = (
        f" from US${observed['value_musd'].iloc[-1]:,.0f} million in {int(observed['year'].iloc[-1])}"
        if len(observed)
        else ""
    )
    verdict = "meeting" if value >= target_musd else f"{share:.0f} % of"
    if year != target_year:
        return (
            f"Bilateral trade turnover reaches US${value:,.0f} million in {year}{base}, the run's last year; "
            f"the US${target_musd:,.0f} million {target_year} target lies after the run ends."
            if year < target_year
            else f"Bilateral trade turnover reaches US${value:,.0f} million in {year}{base}; the "
            f"US${target_musd:,.0f} million {target_year} target lies before the run starts."
        )
    return (
        f"Bilateral trade turnover reaches US${value:,.0f} million in {year}{base}, {verdict} the "
        f"US${target_musd:,.0f} million {target_year} target."
    )


def horizon_years(run: dict[str, object]) -> tuple[int, int]:
    """First and last calendar year of a run's horizon (``horizon_start`` / ``horizon_end``, ``YYYY-MM``)."""
    return int(str(run["horizon_start"])[:4]), int(str(run["horizon_end"])[:4])


def reservoir_sentences(data: ReportData) -> list[str]:
    """Storage range, its share of the usable range in force each month, and the month of the highest water value.

    The shares are the stored metrics ``storage_share_min_pct`` / ``storage_share_max_pct`` (against
    the storage bounds in force each month, so a reservoir still filling is not shown below empty).
    """
    out = []
    low, high = headline_metric(data, "storage_low_hm3"), headline_metric(data, "storage_high_hm3")
    share_low, share_high = (
        headline_metric(data, "storage_share_min_pct"),
        headline_metric(data, "storage_share_max_pct"),
    )
    seasonal = seasonal_reservoirs(data.reservoirs)
    for plant, r in data.reservoirs[data.reservoirs["plant"].isin(seasonal)].groupby("plant", sort=True):
        key = str(plant)
        if key not in low.index:
            continue
        by_month = r.groupby("month")["water_value_usd_per_mwh"].mean()
        peak = int(by_month.index[int(by_month.to_numpy().argmax())]) if by_month.notna().any() else 0
        shares = (
            f" ({round(share_low[key])}–{round(share_high[key])} % of its usable volume at the bounds in force)"
            if key in share_low.index and pd.notna(share_low[key])
            else ""
        )
        text = f"{data.plant_name(key)} holds {low[key]:,.0f}–{high[key]:,.0f} hm3{shares}"
        if peak:
            text += (
                f"; its water is worth most in {calendar.month_name[peak]} (US${by_month.max():,.0f}/MWh on average)"
            )
        out.append(text + ".")
    return out


def spill_sentence(data: ReportData) -> str:
    """Water spilled past each river's last plant (counted once per river)."""
    spill = headline_metric(data, "spilled_hm3")
    if spill.empty:
        return ""
    parts = [f"{str(river).replace('_', ' ').title()} {value:,.0f} hm3" for river, value in spill.sort_index().items()]
    return "Water spilled past the last plant of each river: " + ", ".join(parts) + "."


def objective_sentence(data: ReportData) -> str:
    """Say what the objective is worth and what it means."""
    value = data.run.get("objective_musd")
    if value is None or pd.isna(value):
        return ""
    return f"The objective, US${float(value):,.1f} million, is the {OBJECTIVE_MEANING}."


def violation_sentence(data: ReportData) -> str:
    """Say which constraints could not be met."""
    v = data.violations
    if v.empty:
        return "Every constraint is met."
    items = [f"{r.constraint} at {r.element} in {r.period} ({r.amount:,.3g} {r.unit})" for r in v.head(3).itertuples()]
    more = f", and {len(v) - 3} more" if len(v) > 3 else ""
    return f"{len(v)} constraint{'s' if len(v) != 1 else ''} could not be fully met: " + "; ".join(items) + more + "."


def convergence_sentence(run: dict[str, object]) -> str:
    """How the head iteration ended."""
    if run.get("iterations") is None:
        return ""
    if run.get("converged"):
        return (
            f"The head iteration converged in {run['iterations']} solves (largest head change "
            f"{float(run['max_head_change_pct'] or 0):.2f} % ≤ {float(run['tolerance_pct'] or 0):.2f} %)."  # type: ignore[arg-type]
        )
    return (
        f"Caution: the head iteration stopped after {run['iterations']} solves without converging (largest head "
        f"change {float(run['max_head_change_pct'] or 0):.2f} %, tolerance {float(run['tolerance_pct'] or 0):.2f} %)."  # type: ignore[arg-type]
    )


def findings(data: ReportData) -> list[str]:
    """Return the report's findings as short paragraphs, generated from the stored numbers.

    An ensemble run's findings are its risk across members; the sentences about one dispatch
    (unserved energy, CASA-1000, reservoirs, violations) appear only when dispatch results are stored.
    """
    if data.backtest is not None:
        from aralnexus.report.backtest import backtest_sentences

        return [headline(data), " ".join(backtest_sentences(data.backtest))]
    risk = risk_findings(data.risk) if data.risk is not None else []
    if not data.has_dispatch:
        return [headline(data), *(risk or ["No dispatch results are stored with this run."])]
    paragraphs = [
        headline(data),
        *risk,
        " ".join([*winter_sentences(data), unserved_sentence(data)]),
        " ".join([casa_sentence(data), trade_sentence(data)]),
        " ".join([*reservoir_sentences(data), spill_sentence(data)]),
        objective_sentence(data),
        " ".join(s for s in (violation_sentence(data), convergence_sentence(data.run)) if s),
    ]
    return [p for p in paragraphs if p.strip()]


def key_numbers(data: ReportData) -> pd.DataFrame:
    """Return the run's headline numbers (figure, unit, value) for the report table."""
    return data.figures
