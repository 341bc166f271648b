"""Write a run's report: ``report.html`` (interactive, offline) and one PNG per chart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aralnexus.backtest import BacktestResult
from aralnexus.input_files import safe_component
from aralnexus.report.backtest import SECTION_ID, backtest_html, section_title, toktogul_chart
from aralnexus.report.charts import to_matplotlib
from aralnexus.report.data import load_report_data
from aralnexus.report.figures import standard_charts
from aralnexus.report.html import Section, run_page
from aralnexus.report.policy import (
    load_policy_view,
    load_training_log,
    policy_charts,
    policy_section,
    training_chart,
    training_section,
)
from aralnexus.report.risk_charts import risk_charts
from aralnexus.store import Store


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_report` wrote."""

    run_id: str
    html: Path
    pngs: dict[str, Path]


def write_report(
    store: Store,
    run_id: str,
    out_dir: Path | None = None,
    *,
    png: bool = True,
    dpi: int = 110,
    threshold_twh: float | None = None,
    on_step: Callable[[str], None] | None = None,
    backtest: BacktestResult | None = None,
) -> ReportFiles:
    """Write the report of ``run_id`` into ``out_dir`` (default ``reports/<run_id>``).

    For an ensemble run the page has a "Risk across members" section (probabilities, P10/P50/P90
    and risk charts, each with a PNG too).

    Parameters
    ----------
    store
        The run store.
    run_id
        Run id or a unique prefix of it.
    out_dir
        Folder for ``report.html`` and the PNG figures (created if missing).
    png
        Whether to write the matplotlib PNGs too.
    dpi
        Resolution of the PNGs.
    threshold_twh
        Winter-deficit threshold of an ensemble's exceedance probabilities (default 1 TWh).
    on_step
        Called with a short description before each step (for progress bars).
    backtest
        A backtest (:func:`aralnexus.backtest.run_backtest`) to add as the section "How the model
        compares with what happened" (Toktogul chart with its PNG); ``None``: no such section.

    Raises
    ------
    aralnexus.store.UnknownRunError
        If no stored run matches ``run_id``.
    """
    step = on_step or (lambda _text: None)
    # The run id comes from the store (untrusted): it must be a plain folder name.
    run_folder = safe_component(store.resolve(run_id), file=str(store.path), field="runs.run_id")
    step("reading the run")
    data = load_report_data(store, run_id, threshold_twh=threshold_twh)
    folder = Path(out_dir) if out_dir is not None else Path("reports") / run_folder
    folder.mkdir(parents=True, exist_ok=True)
    charts = standard_charts(data)
    risk = risk_charts(data.risk) if data.risk is not None else []
    policy = load_policy_view(store, data.run_id, threshold_twh or data.definitions.winter_deficit_threshold_twh)
    policy_figures = policy_charts(policy) if policy is not None else []
    log = load_training_log(store, data.run)
    if log is not None and not log.empty:
        policy_figures.append(training_chart(log))
    pngs: dict[str, Path] = {}
    if png:
        for chart in [*risk, *(c for c in policy_figures if not c.empty), *charts]:
            step(f"drawing {chart.key}.png")
            path = folder / f"{safe_component(chart.key, file='<report>', field='chart key')}.png"
            to_matplotlib(chart).savefig(path, dpi=dpi)
            pngs[chart.key] = path
    extra: list[Section] = []
    if policy is not None:
        extra.append(policy_section(policy, policy_figures, {k: p.name for k, p in pngs.items()}))
    if log is not None:
        chart = training_chart(log)
        extra.append(training_section(data.run_id, log, chart, pngs[chart.key].name if chart.key in pngs else None))
    if backtest is not None:
        chart = toktogul_chart(backtest)
        if png:
            step(f"drawing {chart.key}.png")
            pngs[chart.key] = folder / f"{chart.key}.png"
            to_matplotlib(chart).savefig(pngs[chart.key], dpi=dpi)
        body = backtest_html(backtest, chart, pngs[chart.key].name if chart.key in pngs else None)
        extra.append(Section(SECTION_ID, section_title(), body))
    step("writing report.html")
    html_path = folder / "report.html"
    page = run_page(data, charts, {k: p.name for k, p in pngs.items()}, risk, extra)
    html_path.write_text(page, encoding="utf-8")
    return ReportFiles(data.run_id, html_path, pngs)
