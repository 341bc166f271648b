"""Report section "How the model compares with what happened" (the 2019–2025 backtest).

The section is about the model and its default dataset, not about one run: it replays the years
as they happened (:func:`aralnexus.backtest.run_backtest`) and shows observed and modelled Toktogul
storage on one chart, the errors per group on the fit years (2019–2022) and the check years
(2023–2025), and every comparison row with its source id.
"""

from __future__ import annotations

import pandas as pd

from aralnexus.backtest import BacktestResult
from aralnexus.backtest.compare import group_errors
from aralnexus.backtest.fidelity import FIT_YEARS, VALIDATION_YEARS
from aralnexus.backtest.store_io import StoredBacktest, storage_series
from aralnexus.i18n import _, format_number
from aralnexus.report.charts import Chart, Trace
from aralnexus.units import HM3_PER_KM3

SECTION_ID = "backtest"
SECTION_TITLE = "How the model compares with what happened"
CA_DISCHARGE = (
    "Observed inflow record: CA-discharge, Marti et al. (2023), Scientific Data 10:579, "
    "doi:10.1038/s41597-023-02474-8, data doi:10.5281/zenodo.8147591, licensed CC BY 4.0."
)


def section_title() -> str:
    """Return :data:`SECTION_TITLE` in the current language."""
    return _("How the model compares with what happened")


def group_name(group: str) -> str:
    """Return a comparison group's name for people (the stored code stays English)."""
    names = {
        "generation": _("generation"),
        "thermal": _("thermal"),
        "imports": _("imports"),
        "exports": _("exports"),
        "plants": _("plants"),
        "toktogul": _("Toktogul"),
    }
    return names.get(group, group)


def _for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """Comparison or error rows with group names and column heads in the current language."""
    out = frame.copy()
    if "group" in out.columns:
        out["group"] = [group_name(str(g)) for g in out["group"]]
    heads = {
        "group": _("group"),
        "quantity": _("quantity"),
        "element": _("element"),
        "period": _("period"),
        "year": _("year"),
        "unit": _("unit"),
        "published": _("published"),
        "source": _("source"),
        "model": _("model"),
        "error_pct": _("error %"),
        "n": _("compared"),
        "not_modelled": _("not modelled"),
        "mae_pct": _("MAE %"),
        "mean_error_pct": _("mean error %"),
        "rms": _("RMS km3"),
        "years": _("years"),
    }
    return out.rename(columns=heads)


def toktogul_chart(result: BacktestResult) -> Chart:
    """Observed (dated) and modelled (end of month) Toktogul storage, km3, on one chart."""
    return storage_chart(result.table, storage_series(result), result.start, result.end)


def storage_chart(table: pd.DataFrame, storage: pd.DataFrame, start: int, end: int, plant: str = "toktogul") -> Chart:
    """Observed (the comparison rows of group ``toktogul``) and modelled storage of ``plant``, km3.

    ``storage`` is :func:`aralnexus.backtest.store_io.storage_series` (``plant, time, storage_hm3``).
    """
    tok = storage[storage["plant"] == plant].sort_values("time")
    obs = table[table["group"] == "toktogul"]
    return Chart(
        key="backtest_toktogul",
        title=_("Toktogul storage {start}–{end}: observed and modelled", start=start, end=end),
        y_title=_("km3"),
        traces=[
            Trace(
                "line",
                pd.to_datetime(tok["time"]).tolist(),
                (tok["storage_hm3"] / HM3_PER_KM3).tolist(),
                _("modelled (end of month)"),
                color="#1f77b4",
            ),
            Trace(
                "points",
                pd.to_datetime(obs["period"]).tolist(),
                obs["published"].tolist(),
                _("observed"),
                color="#d62728",
            ),
        ],
        caption=_(
            "Modelled: the replay (one year at a time, each from the previous year's end). "
            "Observed: dated volumes reported by the operator and ICWC (source ids in the table below)."
        ),
    )


def errors_table(result: BacktestResult | StoredBacktest) -> pd.DataFrame:
    """Errors per group on the fit and the check years (``years, group, n, mae_pct, mean_error_pct, rms``).

    Periods with no comparison row are left out; :func:`_for_people` gives the columns their headings.
    """
    table = result.table
    parts = []
    periods = (
        (_("fit {first}–{last}", first=FIT_YEARS[0], last=FIT_YEARS[1]), FIT_YEARS),
        (_("check {first}–{last}", first=VALIDATION_YEARS[0], last=VALIDATION_YEARS[1]), VALIDATION_YEARS),
    )
    for period, years in periods:
        part = group_errors(table[(table["year"] >= years[0]) & (table["year"] <= years[1])])
        parts.append(part.assign(years=period))
    frame = pd.concat(parts, ignore_index=True)
    return frame[["years", "group", "n", "mae_pct", "mean_error_pct", "rms"]]


def backtest_html(result: BacktestResult, chart: Chart, png: str | None = None) -> str:
    """Return the body of the section: what was replayed, the chart, errors per group, every row."""
    from aralnexus.report.html import chart_html, esc, table_html

    inflow = sorted({s for y in result.inputs for s in y.inflow_source.values()})
    demand = sorted({s for y in result.inputs for s in y.demand_source.values()})
    intro = _(
        "The default model replayed {start}–{end} one year at a time: Toktogul started from the dated volume of "
        "{km3} km3, each year's inflows were {inflow} and its demand {demand}. Each published figure is compared "
        "with the replay; the uncertain parameters were fitted on 2019–2022 only (docs/calibration.md), so the "
        "2023–2025 errors are a check, not a fit. Reproduce with",
        start=result.start,
        end=result.end,
        km3=format_number(result.replay.start_storage_hm3.get("toktogul", float("nan")) / HM3_PER_KM3, 2),
        inflow=", ".join(inflow),
        demand=", ".join(demand),
    )
    mae = _("Mean absolute error per group")
    every = _("All {n} comparisons", n=len(result.table))
    return (
        f"<p>{esc(intro)} <code>aralnexus backtest</code>.</p>"
        + chart_html(chart, png)
        + f"<h3>{esc(mae)}</h3>"
        + table_html(_for_people(errors_table(result)), floats="{:,.2f}")
        + f"<details><summary>{esc(every)}</summary>{table_html(_for_people(result.table))}</details>"
        + f"<p>{esc(CA_DISCHARGE)}</p>"
    )


def stored_backtest_html(view: StoredBacktest) -> str:
    """Return the body of a stored backtest's section: what was replayed, the errors, every comparison.

    The Toktogul chart (:func:`storage_chart`) is one of the run's charts, shown before this section.
    """
    from aralnexus.report.html import esc, table_html

    inflow = sorted({str(s) for y in view.inputs for s in dict(y.get("inflow_source", {})).values()})
    demand = sorted({str(s) for y in view.inputs for s in dict(y.get("demand_source", {})).values()})
    given = (
        " "
        + _(
            "Each year's inflows were {inflow} and its demand {demand}.",
            inflow=", ".join(inflow),
            demand=", ".join(demand),
        )
        if inflow or demand
        else ""
    )
    intro = _(
        "The model replayed {start}–{end} one year at a time, each year from the previous year's end storage "
        "(inflow record: {record}).{given} Each published figure is compared with the replay. Reproduce with",
        start=view.start,
        end=view.end,
        record=view.record or "dataset",
        given=given,
    )
    command = f"aralnexus backtest --start {view.start} --end {view.end}"
    mae = _("Mean absolute error per group")
    fit = _("Fit and check years")
    every = _("All {n} comparisons", n=len(view.table))
    return (
        f"<p>{esc(intro)} <code>{esc(command)}</code>.</p>"
        + f"<h3>{esc(mae)}</h3>"
        + table_html(_for_people(view.errors), floats="{:,.2f}")
        + f"<h3>{esc(fit)}</h3>"
        + table_html(_for_people(errors_table(view)), floats="{:,.2f}")
        + f"<h3>{esc(every)}</h3>"
        + table_html(_for_people(view.table))
        + f"<p>{esc(CA_DISCHARGE)}</p>"
    )


def backtest_sentences(view: StoredBacktest) -> list[str]:
    """Return the findings of a stored backtest: how many figures were compared and the error of each group."""
    errors = view.errors
    compared = int(errors["n"].sum()) if not errors.empty else 0
    parts = [
        f"{group_name(str(row['group']))} {format_number(float(row['mae_pct']), 1)} %"
        for row in errors.to_dict(orient="records")
        if row["n"] and pd.notna(row["mae_pct"])
    ]
    out = [
        _(
            "The replay of {start}–{end} is compared with {n} published figures, {compared} of which the model has.",
            start=view.start,
            end=view.end,
            n=len(view.table),
            compared=compared,
        )
    ]
    if parts:
        out.append(_("Mean absolute error per group: {parts}.", parts=", ".join(parts)))
    tok = errors[errors["group"] == "toktogul"]
    if not tok.empty and pd.notna(tok["rms"].iloc[0]):
        rms = format_number(float(tok["rms"].iloc[0]), 2)
        out.append(_("Toktogul storage is off by {rms} km3 (RMS) at the observation dates.", rms=rms))
    return out
