"""Plotly figures of an ensemble run's risk metrics (for ``aralnexus report``).

:func:`risk_figures` returns ``{key: figure}`` in display order; each figure carries its title in
``layout.title``. The report can render each as a section, e.g.
``Section(key, fig.layout.title.text, pio.to_html(fig, full_html=False, include_plotlyjs=False))``.
Empty inputs (e.g. no complete winter in a one-year horizon) give no figure.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from aralnexus.ensemble import risk
from aralnexus.ensemble.tables import DEFAULT_THRESHOLD_TWH, TRADE_TARGET_MUSD, TRADE_TARGET_YEAR
from aralnexus.store import Store

_COLORS = {"KG": "#1f77b4", "TJ": "#d62728", "KG-TJ": "#2ca02c"}
_BAND = "rgba(31,119,180,0.2)"


def _fan_traces(fig: go.Figure, x: object, low: object, mid: object, high: object, name: str, **where: int) -> None:
    fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"), **where)
    fig.add_trace(
        go.Scatter(
            x=x, y=low, mode="lines", line={"width": 0}, fill="tonexty", fillcolor=_BAND, name=f"{name} P10–P90"
        ),
        **where,
    )
    fig.add_trace(go.Scatter(x=x, y=mid, mode="lines", line={"color": "#1f77b4"}, name=f"{name} P50"), **where)


def storage_fan_figure(store: Store, run_id: str) -> go.Figure | None:
    """Plot storage P10/P50/P90 per reservoir and month across members (one panel per reservoir)."""
    fan = risk.storage_fan(store, run_id)
    if fan.empty:
        return None
    plants = list(dict.fromkeys(fan["plant"]))
    fig = make_subplots(rows=len(plants), cols=1, shared_xaxes=True, subplot_titles=plants, vertical_spacing=0.05)
    for i, plant in enumerate(plants, start=1):
        rows = fan[fan["plant"] == plant]
        _fan_traces(fig, rows["time"], rows["p10_hm3"], rows["p50_hm3"], rows["p90_hm3"], plant, row=i, col=1)
        fig.update_yaxes(title_text="hm3", row=i, col=1)
    fig.update_layout(title="Reservoir storage across members (P10–P90 band, P50 line)", height=220 * len(plants))
    return fig


def winter_deficit_figure(store: Store, run_id: str, threshold_twh: float = DEFAULT_THRESHOLD_TWH) -> go.Figure | None:
    """Plot the probability that each country's winter deficit exceeds the threshold, per winter."""
    table = risk.winter_deficit_risk(store, run_id, threshold_twh)
    if table.empty:
        return None
    fig = go.Figure()
    for country, rows in table.groupby("country", sort=True):
        fig.add_trace(
            go.Bar(x=rows["year"], y=rows["p_exceed"], name=str(country), marker_color=_COLORS.get(str(country)))
        )
    fig.update_layout(
        title=f"P(winter deficit > {threshold_twh:g} TWh) — winter Y = Oct Y – Mar Y+1",
        yaxis={"title": "probability", "range": [0, 1]},
        xaxis={"title": "winter", "dtick": 1},
        barmode="group",
    )
    return fig


def exports_figure(store: Store, run_id: str) -> go.Figure | None:
    """Plot exports (TWh) and export revenue (US$ million) per country and year: P10–P90 band and P50."""
    table = risk.export_quantiles(store, run_id, per_year=True)
    if table.empty:
        return None
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, subplot_titles=["exports, TWh", "export revenue, US$ million"]
    )
    for row, metric in enumerate(("exports_twh", "export_revenue_musd"), start=1):
        for country, rows in table[table["metric"] == metric].groupby("country", sort=True):
            color = _COLORS.get(str(country), "#555")
            error = {"type": "data", "symmetric": False, "array": rows["p90"] - rows["p50"]}
            error["arrayminus"] = rows["p50"] - rows["p10"]
            fig.add_trace(
                go.Scatter(
                    x=rows["year"],
                    y=rows["p50"],
                    error_y=error,
                    mode="lines+markers",
                    name=f"{country} P50 (bars P10–P90)",
                    line={"color": color},
                    showlegend=row == 1,
                ),
                row=row,
                col=1,
            )
    fig.update_layout(title="Exports and revenue across members")
    return fig


def trade_figure(store: Store, run_id: str) -> go.Figure | None:
    """Plot the distribution of KG–TJ trade turnover in the target year across members, with the target."""
    run = store.resolve(run_id)
    values = store.query(
        "SELECT value FROM ensemble_member_metrics WHERE run_id = ? AND metric = 'trade_turnover_musd' AND year = ?",
        [run, TRADE_TARGET_YEAR],
    )
    if values.empty:
        return None
    p = float((values["value"] >= TRADE_TARGET_MUSD).mean())
    fig = go.Figure(go.Histogram(x=values["value"], marker_color=_COLORS["KG-TJ"], name="members"))
    fig.add_vline(x=TRADE_TARGET_MUSD, line_dash="dash", annotation_text=f"target US${TRADE_TARGET_MUSD:,.0f}m")
    fig.update_layout(
        title=f"KG–TJ trade turnover in {TRADE_TARGET_YEAR}: P(≥ target) = {p:.0%}",
        xaxis={"title": "US$ million"},
        yaxis={"title": "members"},
    )
    return fig


def risk_figures(store: Store, run_id: str, threshold_twh: float = DEFAULT_THRESHOLD_TWH) -> dict[str, go.Figure]:
    """Return the risk figures of an ensemble run, keyed ``risk-…``, in display order."""
    made = {
        "risk-winter-deficit": winter_deficit_figure(store, run_id, threshold_twh),
        "risk-exports": exports_figure(store, run_id),
        "risk-trade-target": trade_figure(store, run_id),
        "risk-storage-fan": storage_fan_figure(store, run_id),
    }
    return {key: fig for key, fig in made.items() if fig is not None}
