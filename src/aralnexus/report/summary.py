"""The report's written findings, generated from the stored numbers (plain sentences, no markup)."""

from __future__ import annotations

import pandas as pd

from aralnexus.i18n import _, format_number, get_language, month_names, ngettext
from aralnexus.metrics import OBJECTIVE_MEANING
from aralnexus.report.data import (
    ReportData,
    casa_annual,
    country_name,
    headline_metric,
    seasonal_reservoirs,
    trade_turnover,
    unit_label,
    winter_deficit,
)
from aralnexus.report.ensemble import is_ensemble
from aralnexus.report.risk_summary import risk_findings

#: Relative change below which a trend is reported as "about the same", in percent.
FLAT_PCT = 2.0


def _n(value: float, digits: int = 2) -> str:
    return format_number(value, digits)


def _trend(label: str, first: tuple[str, float], last: tuple[str, float]) -> str:
    """Return a trend in TWh: ``label`` names the quantity (e.g. «Kyrgyzstan's winter deficit»)."""
    (y0, v0), (y1, v1) = first, last
    if y0 == y1:
        return _("{label} is {v} TWh in {year}.", label=label, v=_n(v0), year=y0)
    change = 100.0 * (v1 - v0) / abs(v0) if abs(v0) > 1e-9 else (0.0 if abs(v1) < 1e-9 else 100.0)
    if abs(change) < FLAT_PCT:
        return _("{label} stays at about {v} TWh from {y0} to {y1}.", label=label, v=_n(v1), y0=y0, y1=y1)
    values = {"label": label, "v0": _n(v0), "y0": y0, "v1": _n(v1), "y1": y1, "change": f"{change:+.0f}"}
    if v1 < v0:
        return _("{label} falls from {v0} TWh in {y0} to {v1} TWh in {y1} ({change} %).", **values)
    return _("{label} rises from {v0} TWh in {y0} to {v1} TWh in {y1} ({change} %).", **values)


def hydrology_label(run: dict[str, object]) -> str:
    """Hydrology label with ``DERIVED`` when the inflows are derived rather than observed."""
    label = str(run.get("hydrology") or "")
    return _("{label} (DERIVED inflows, not observed records)", label=label) if run.get("hydrology_derived") else label


def headline(data: ReportData) -> str:
    """One sentence: what was run."""
    r = data.run
    if is_ensemble(r):
        what = _("Ensemble run {run} ({n} members)", run=r["run_id"], n=r["n_members"])
    elif r.get("kind") == "backtest":
        what = _("Backtest {run} (observed years replayed)", run=r["run_id"])
    else:
        what = _("Run {run}", run=r["run_id"])
    return _(
        "{what} of scenario “{name}” from {start} to {end} ({resolution}), hydrology {hydrology}, seed {seed}; "
        "status: {status}.",
        what=what,
        name=r["scenario_name"],
        start=r["horizon_start"],
        end=r["horizon_end"],
        resolution=r["resolution"],
        hydrology=hydrology_label(r),
        seed=r["seed"],
        status=r["status"],
    )


def winter_sentences(data: ReportData) -> list[str]:
    """How each country's winter deficit develops over the horizon."""
    deficit = winter_deficit(data)
    out = []
    for code, d in deficit.groupby("country", sort=True):
        d = d.sort_values("year")
        years = [_("winter {y}/{next}", y=y, next=f"{(y + 1) % 100:02d}") for y in d["year"].astype(int)]
        first = (years[0], float(d["value"].iloc[0]))
        last = (years[-1], float(d["value"].iloc[-1]))
        out.append(_trend(_("{country}'s winter deficit", country=country_name(str(code))), first, last))
    return out


def unserved_sentence(data: ReportData) -> str:
    """Unserved energy over the horizon: the stored metric ``unserved_total_twh`` (not recomputed here)."""
    by = headline_metric(data, "unserved_total_twh")
    if by.empty:
        return _("Unserved energy is not stored with this run.")
    if (by < 1e-6).all():
        return _("All demand is served in every month.")
    parts = [_("{country} {twh} TWh", country=country_name(str(c)), twh=_n(v)) for c, v in by.items() if v >= 1e-6]
    return _("Demand left unserved over the horizon: {parts}.", parts=", ".join(parts))


def casa_sentence(data: ReportData) -> str:
    """CASA-1000 exports and revenue."""
    casa = casa_annual(data)
    active = casa[casa["exports_twh"] > 1e-9]
    if active.empty:
        return _("CASA-1000 carries no exports in this run.")
    best = active.iloc[int(active["exports_twh"].to_numpy().argmax())]
    return _(
        "CASA-1000 carries {twh} TWh to Afghanistan and Pakistan from {first}, earning US${musd} million "
        "(most in {best}: {best_twh} TWh).",
        twh=_n(active["exports_twh"].sum()),
        first=int(active["year"].min()),
        musd=_n(active["revenue_musd"].sum(), 0),
        best=int(best["year"]),
        best_twh=_n(best["exports_twh"]),
    )


def trade_sentence(data: ReportData) -> str:
    """Trade turnover held against the target recorded with the run."""
    target_musd, target_year = data.definitions.trade_target_musd, data.definitions.trade_target_year
    turnover = trade_turnover(data)
    if turnover.empty:
        return _("No trade projection is stored with this run.")
    total = turnover.groupby("year")["value_musd"].sum()
    first, last = horizon_years(data.run)
    covered = total[(total.index >= first) & (total.index <= last)]
    if covered.empty:
        return _("No trade projection is stored for the years of this run ({first}–{last}).", first=first, last=last)
    # The target year only when the run covers it, else the run's last year with a turnover.
    year = target_year if target_year in covered.index else int(covered.index.max())
    value = float(covered.loc[year])
    share = 100.0 * value / target_musd
    observed = turnover[turnover["kind"] == "observed"]
    base = (
        _(
            " from US${musd} million in {year}",
            musd=_n(observed["value_musd"].iloc[-1], 0),
            year=int(observed["year"].iloc[-1]),
        )
        if len(observed)
        else ""
    )
    values = {
        "musd": _n(value, 0),
        "year": year,
        "base": base,
        "target": _n(target_musd, 0),
        "target_year": target_year,
    }
    if year < target_year:
        return _(
            "Bilateral trade turnover reaches US${musd} million in {year}{base}, the run's last year; "
            "the US${target} million {target_year} target lies after the run ends.",
            **values,
        )
    if year > target_year:
        return _(
            "Bilateral trade turnover reaches US${musd} million in {year}{base}; the US${target} million "
            "{target_year} target lies before the run starts.",
            **values,
        )
    if value >= target_musd:
        return _(
            "Bilateral trade turnover reaches US${musd} million in {year}{base}, meeting the US${target} million "
            "{target_year} target.",
            **values,
        )
    return _(
        "Bilateral trade turnover reaches US${musd} million in {year}{base}, {share} of the US${target} million "
        "{target_year} target.",
        share=f"{share:.0f} %",
        **values,
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
    months = month_names("wide")
    seasonal = seasonal_reservoirs(data.reservoirs)
    for plant, r in data.reservoirs[data.reservoirs["plant"].isin(seasonal)].groupby("plant", sort=True):
        key = str(plant)
        if key not in low.index:
            continue
        by_month = r.groupby("month")["water_value_usd_per_mwh"].mean()
        peak = int(by_month.index[int(by_month.to_numpy().argmax())]) if by_month.notna().any() else 0
        shares = (
            _(
                " ({low}–{high} of its usable volume at the bounds in force)",
                low=round(share_low[key]),
                high=f"{round(share_high[key])} %",
            )
            if key in share_low.index and pd.notna(share_low[key])
            else ""
        )
        name = data.plant_name(key)
        text = _(
            "{plant} holds {low}–{high} hm3{shares}",
            plant=name,
            low=_n(low[key], 0),
            high=_n(high[key], 0),
            shares=shares,
        )
        if peak:
            text += _(
                "; its water is worth most in {month} (US${usd}/MWh on average)",
                month=months[peak - 1],
                usd=_n(by_month.max(), 0),
            )
        out.append(text + ".")
    return out


def spill_sentence(data: ReportData) -> str:
    """Water spilled past each river's last plant (counted once per river)."""
    spill = headline_metric(data, "spilled_hm3")
    if spill.empty:
        return ""
    hm3 = _("hm3")
    parts = [f"{river_name(str(river))} {_n(value, 0)} {hm3}" for river, value in spill.sort_index().items()]
    return _("Water spilled past the last plant of each river: {parts}.", parts=", ".join(parts))


def river_name(river: str) -> str:
    """Return a river's name for people (``naryn`` → Naryn, «Нарын» in Russian)."""
    names = {"naryn": _("Naryn"), "vakhsh": _("Vakhsh"), "syr_darya": _("Syr Darya"), "amu_darya": _("Amu Darya")}
    return names.get(river, river.replace("_", " ").title())


def objective_meaning() -> str:
    """Return what the objective is (:data:`aralnexus.metrics.OBJECTIVE_MEANING`) in the current language."""
    english = (
        "welfare the optimiser maximises, as a present value at the discount rate: value of demand served + export "
        "sales − import purchases − thermal fuel cost − value of lost load (more per MWh beyond the first deficit "
        "segment) − release penalties + value of water left in storage at the end"
    )
    if english != OBJECTIVE_MEANING:  # the definition changed: say it as defined rather than translate stale text
        return OBJECTIVE_MEANING
    return _(
        "welfare the optimiser maximises, as a present value at the discount rate: value of demand served + export "
        "sales − import purchases − thermal fuel cost − value of lost load (more per MWh beyond the first deficit "
        "segment) − release penalties + value of water left in storage at the end"
    )


def objective_sentence(data: ReportData) -> str:
    """Say what the objective is worth and what it means."""
    value = data.run.get("objective_musd")
    if value is None or pd.isna(value):
        return ""
    return _(
        "The objective, US${musd} million, is the {meaning}.", musd=_n(float(value), 1), meaning=objective_meaning()
    )


def violation_sentence(data: ReportData) -> str:
    """Say which constraints could not be met."""
    v = data.violations
    if v.empty:
        return _("Every constraint is met.")
    items = [
        _(
            "{constraint} at {element} in {period} ({amount} {unit})",
            constraint=constraint_name(str(r.constraint)),
            element=r.element,
            period=r.period,
            amount=f"{r.amount:,.3g}" if get_language() == "en" else format_number(float(str(r.amount)), 1),
            unit=unit_label(str(r.unit)),
        )
        for r in v.head(3).itertuples()
    ]
    more = _(", and {n} more", n=len(v) - 3) if len(v) > 3 else ""
    head = ngettext("{n} constraint could not be fully met: ", "{n} constraints could not be fully met: ", len(v))
    return head + "; ".join(items) + more + "."


def constraint_name(constraint: str) -> str:
    """Return a violated constraint's name for people (the stored code stays English)."""
    names = {
        "minimum release": _("minimum release"),
        "unserved demand": _("unserved demand"),
        "water balance within storage bounds": _("water balance within storage bounds"),
    }
    return names.get(constraint, constraint)


def convergence_sentence(run: dict[str, object]) -> str:
    """How the head iteration ended."""
    if run.get("iterations") is None:
        return ""
    values = {
        "n": run["iterations"],
        "change": format_number(float(run["max_head_change_pct"] or 0), 2),  # type: ignore[arg-type]
        "tolerance": format_number(float(run["tolerance_pct"] or 0), 2),  # type: ignore[arg-type]
    }
    if run.get("converged"):
        return _(
            "The head iteration converged in {n} solves (largest head change {change} % ≤ {tolerance} %).", **values
        )
    return _(
        "Caution: the head iteration stopped after {n} solves without converging (largest head change {change} %, "
        "tolerance {tolerance} %).",
        **values,
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
        return [headline(data), *(risk or [_("No dispatch results are stored with this run.")])]
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
