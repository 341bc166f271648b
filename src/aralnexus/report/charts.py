"""A small chart description rendered twice: interactive plotly (HTML) and matplotlib (PNG).

Figure builders (:mod:`aralnexus.report.figures`) describe *what* to draw as a :class:`Chart`;
:func:`to_plotly` and :func:`to_matplotlib` decide *how*. New charts (e.g. ensemble risk fans)
only need a builder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, ScalarFormatter
from plotly.subplots import make_subplots

TraceKind = Literal["line", "bar", "area", "band", "hline", "points"]
Values = Sequence[Any] | pd.Series | npt.NDArray[Any]

#: Qualitative colours (matplotlib tab10 followed by the light tab20 shades); grey is kept for thermal.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5",
)  # fmt: skip


@dataclass(frozen=True)
class Trace:
    """One series: ``line``, ``bar``, stacked ``area``, ``band`` (between ``y_low`` and ``y``), ``hline`` or ``points``.

    A band is filled with a translucent shade of ``color`` (grey when not given); a ``dashed`` band
    is drawn as dotted edge lines over a fainter fill (for a band that lies over another one).
    """

    kind: TraceKind
    x: Values
    y: Values
    name: str
    panel: int = 0
    secondary: bool = False
    dashed: bool = False
    color: str | None = None
    y_low: Values | None = None


@dataclass(frozen=True)
class Chart:
    """A chart: title, axis titles, optional panels (stacked vertically), and its traces."""

    key: str
    title: str
    y_title: str
    traces: list[Trace]
    caption: str = ""
    panels: tuple[str, ...] = ("",)
    y2_title: str = ""
    x_title: str = ""
    stacked: bool = False
    y2_from_zero: bool = True
    y_range: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Whether the chart has nothing to draw."""
        return not any(len(t.y) for t in self.traces if t.kind != "hline")


def band_fill(color: str | None, alpha: float = 0.18) -> str:
    """Return the CSS ``rgba`` fill of a band drawn in ``color`` (``#rrggbb``; grey when ``None``)."""
    if not color or not color.startswith("#") or len(color) not in (4, 7):
        return f"rgba(127,127,127,{alpha})"
    hex6 = color[1:] if len(color) == 7 else "".join(c * 2 for c in color[1:])
    r, g, b = (int(hex6[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _colors(chart: Chart) -> dict[str, str]:
    names = list(dict.fromkeys(t.name for t in chart.traces if t.color is None))
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}


def to_plotly(chart: Chart) -> go.Figure:
    """Render ``chart`` as an interactive plotly figure."""
    rows = len(chart.panels)
    secondary = any(t.secondary for t in chart.traces)
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        subplot_titles=list(chart.panels) if rows > 1 else None,
        specs=[[{"secondary_y": secondary}] for _ in range(rows)],
        vertical_spacing=0.08 if rows > 1 else 0.0,
    )
    colors = _colors(chart)
    shown: set[str] = set()
    for t in chart.traces:
        color = t.color or colors[t.name]
        common: dict[str, Any] = {"name": t.name, "legendgroup": t.name, "showlegend": t.name not in shown}
        shown.add(t.name)
        where = (
            {"row": t.panel + 1, "col": 1, "secondary_y": t.secondary} if secondary else {"row": t.panel + 1, "col": 1}
        )
        line = {"color": color, "dash": "dash" if t.dashed else "solid"}
        if t.kind == "band" and t.y_low is not None:
            edge = {"width": 1.2, "dash": "dot", "color": color} if t.dashed else {"width": 0}
            fig.add_trace(
                go.Scatter(
                    x=list(t.x),
                    y=list(t.y_low),
                    mode="lines",
                    line=edge,
                    showlegend=False,
                    hoverinfo="skip" if not t.dashed else None,
                    legendgroup=t.name,
                    name=t.name,
                ),
                **where,
            )
            fig.add_trace(
                go.Scatter(
                    x=list(t.x),
                    y=list(t.y),
                    mode="lines",
                    fill="tonexty",
                    line=edge,
                    fillcolor=band_fill(t.color, 0.08 if t.dashed else 0.18),
                    **common,
                ),
                **where,
            )
        elif t.kind == "bar":
            fig.add_trace(go.Bar(x=list(t.x), y=list(t.y), marker_color=color, **common), **where)
        elif t.kind == "area":
            fig.add_trace(
                go.Scatter(
                    x=list(t.x),
                    y=list(t.y),
                    mode="lines",
                    stackgroup=f"p{t.panel}",
                    line={"color": color, "width": 0.5},
                    **common,
                ),
                **where,
            )
        elif t.kind == "hline":
            fig.add_trace(go.Scatter(x=list(t.x), y=list(t.y), mode="lines+markers", line=line, **common), **where)
        elif t.kind == "points":
            marker = {"color": color, "size": 7, "symbol": "diamond"}
            fig.add_trace(go.Scatter(x=list(t.x), y=list(t.y), mode="markers", marker=marker, **common), **where)
        else:
            fig.add_trace(
                go.Scatter(
                    x=list(t.x), y=list(t.y), mode="lines+markers" if len(t.x) < 20 else "lines", line=line, **common
                ),
                **where,
            )
    fig.update_layout(
        title={"text": chart.title, "x": 0.0, "xanchor": "left"},
        template="plotly_white",
        height=300 + 220 * (rows - 1),
        margin={"l": 60, "r": 30, "t": 60, "b": 40},
        barmode="stack" if chart.stacked else "group",
        legend={"orientation": "h", "y": -0.12},
    )
    for r in range(1, rows + 1):
        kw = {"secondary_y": False} if secondary else {}
        fig.update_yaxes(title_text=chart.y_title, row=r, col=1, **kw)
        if secondary:
            fig.update_yaxes(title_text=chart.y2_title, row=r, col=1, secondary_y=True, showgrid=False)
    if chart.x_title:
        fig.update_xaxes(title_text=chart.x_title, row=rows, col=1)
    if _integer_x(chart):
        fig.update_xaxes(tickformat="d", dtick=1 if _x_span(chart) <= 15 else None)
    if secondary and chart.y2_from_zero:
        fig.update_yaxes(rangemode="tozero", secondary_y=True)
    if chart.y_range is not None:
        fig.update_yaxes(range=list(chart.y_range), **({"secondary_y": False} if secondary else {}))
    return fig


def _integer_x(chart: Chart) -> bool:
    return all(isinstance(v, (int, np.integer)) for t in chart.traces for v in list(t.x))


def _x_span(chart: Chart) -> float:
    xs = [float(v) for t in chart.traces for v in list(t.x)]
    return max(xs) - min(xs) if xs else 0.0


def to_matplotlib(chart: Chart) -> Figure:
    """Render ``chart`` as a static matplotlib figure (no pyplot state; save with ``savefig``)."""
    rows = len(chart.panels)
    fig = Figure(figsize=(9, 3.2 + 2.2 * (rows - 1)), layout="constrained")
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    twins: dict[int, Any] = {}
    colors = _colors(chart)
    stacks: dict[int, Any] = {}
    bars = [t for t in chart.traces if t.kind == "bar"]
    bar_names = list(dict.fromkeys(t.name for t in bars))
    for t in chart.traces:
        ax = axes[t.panel]
        if t.secondary:
            if t.panel not in twins:  # one right axis per panel, however many traces use it
                twins[t.panel] = axes[t.panel].twinx()
            ax = twins[t.panel]
            ax.set_ylabel(chart.y2_title)
        color = t.color or colors[t.name]
        x = list(t.x)
        if t.kind == "band" and t.y_low is not None:
            fill = t.color or "0.5"
            if t.dashed:
                ax.fill_between(x, list(t.y_low), list(t.y), color=fill, alpha=0.08, linewidth=0)
                ax.plot(x, list(t.y_low), color=fill, linestyle=":", linewidth=1.2)
                ax.plot(x, list(t.y), color=fill, linestyle=":", linewidth=1.2, label=t.name)
            else:
                ax.fill_between(x, list(t.y_low), list(t.y), color=fill, alpha=0.2, linewidth=0, label=t.name)
        elif t.kind == "bar":
            n, i = len(bar_names), bar_names.index(t.name)
            width = 0.8 / (1 if chart.stacked else n)
            offset = 0.0 if chart.stacked else (i - (n - 1) / 2) * width
            xs = [float(v) + offset for v in x]
            bottom = stacks.get(t.panel) if chart.stacked else None
            ax.bar(xs, list(t.y), width=width, color=color, label=t.name, bottom=bottom)
            if chart.stacked:
                stacks[t.panel] = [b + v for b, v in zip(bottom or [0.0] * len(x), t.y, strict=True)]
        elif t.kind == "points":
            ax.plot(x, list(t.y), color=color, linestyle="none", marker="D", markersize=4, label=t.name)
        elif t.kind == "area":
            base = stacks.get(t.panel, [0.0] * len(x))
            top = [b + v for b, v in zip(base, t.y, strict=True)]
            ax.fill_between(x, base, top, color=color, alpha=0.85, linewidth=0, label=t.name)
            stacks[t.panel] = top
        else:
            ax.plot(
                x,
                list(t.y),
                color=color,
                linestyle="--" if t.dashed or t.kind == "hline" else "-",
                marker="o" if len(x) < 20 else None,
                markersize=3,
                label=t.name,
            )
    integer_x = _integer_x(chart)
    if chart.y2_from_zero:
        for twin in twins.values():
            twin.set_ylim(bottom=min(0.0, twin.get_ylim()[0]))
    for i, ax in enumerate(axes):
        if chart.y_range is not None:
            ax.set_ylim(*chart.y_range)
        if integer_x:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if isinstance(ax.xaxis.get_major_formatter(), ScalarFormatter):
                ax.xaxis.get_major_formatter().set_useOffset(False)  # years, not "+2.03e3"
        ax.set_ylabel(chart.y_title)
        if rows > 1:
            ax.set_title(chart.panels[i], fontsize=9, loc="left")
        handles, labels = ax.get_legend_handles_labels()
        if i in twins:
            h2, l2 = twins[i].get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        if handles:
            ax.legend(handles, labels, fontsize=7, loc="best", ncols=min(4, len(handles)))
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel(chart.x_title)
    fig.suptitle(chart.title, x=0.01, ha="left", fontsize=11)
    return fig
