"""Pages of stored runs: the list with filters, a run (the report's sections), downloads, compare."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from aralnexus.i18n import get_language
from aralnexus.report.charts import Chart
from aralnexus.report.data import load_report_data
from aralnexus.report.figures import standard_charts
from aralnexus.report.html import Section, chart_html, run_sections
from aralnexus.report.policy import (
    load_policy_view,
    load_training_log,
    policy_charts,
    policy_section,
    training_chart,
    training_section,
)
from aralnexus.report.risk_charts import risk_charts
from aralnexus.report.summary import hydrology_label
from aralnexus.store import Store
from aralnexus.web.cache import StoreCache
from aralnexus.web.compare import Comparison, compare_stored
from aralnexus.web.i18n import _
from aralnexus.web.inputs import run_id
from aralnexus.web.render import html

#: Filters of the runs list: query parameter → ``runs`` column (exact match, except ``scenario``).
FILTERS: tuple[str, ...] = ("scenario", "kind", "status", "hydrology")
DOWNLOADS: dict[str, str] = {"csv": "CSV tables (zip)", "parquet": "Parquet tables (zip)", "html": "HTML report"}


def download_labels() -> dict[str, str]:
    """Return :data:`DOWNLOADS` with the labels in the page's language."""
    labels = {"csv": _("CSV tables (zip)"), "parquet": _("Parquet tables (zip)"), "html": _("HTML report")}
    return {what: labels.get(what, label) for what, label in DOWNLOADS.items()}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _cache(request: Request) -> StoreCache:
    cache: StoreCache = request.app.state.cache
    return cache


def _all_runs(store: Store) -> list[dict[str, Any]]:
    runs = store.runs(include_incomplete=True).sort_values("saved_at", ascending=False, kind="stable")
    records = runs.to_dict(orient="records")
    return [{str(k): (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in r.items()} for r in records]


def _runs(request: Request) -> list[dict[str, Any]]:
    """Return every stored run (newest first), from the page cache while the store is unchanged."""
    store = _store(request)
    runs: list[dict[str, Any]] = _cache(request).get("runs", lambda: _all_runs(store))
    return runs


def _resolve(request: Request, wanted: str, field: str = "run") -> str:
    """Return the full id of the run ``wanted`` names (an id or a unique prefix).

    Looked up in the cached run list first (opening the store costs far more than a page); a
    miss goes to :meth:`Store.resolve`, which finds a run saved since or raises the CLI's message.
    """
    prefix = run_id(wanted, field)
    found = [str(r["run_id"]) for r in _runs(request) if str(r["run_id"]).startswith(prefix)]
    if len(found) == 1:
        return found[0]
    return _store(request).resolve(prefix)


async def _resolved(request: Request, wanted: str, field: str = "run") -> str:
    """:func:`_resolve` without leaving the event loop when the run list is cached (the common case)."""
    prefix = run_id(wanted, field)
    runs = _cache(request).peek("runs")
    if runs is not None:
        found = [str(r["run_id"]) for r in runs if str(r["run_id"]).startswith(prefix)]
        if len(found) == 1:
            return found[0]
    return await run_in_threadpool(_resolve, request, prefix, field)


async def _cached_page(request: Request, key: tuple[str, ...], render: Callable[[], str]) -> HTMLResponse:
    """Serve a page from the cache (on the event loop), or render it once in a worker thread.

    The page's language is part of the key: the same run in Russian is another page.
    """
    cache = _cache(request)
    key = (*key, get_language())
    found = cache.peek(key)
    if found is None:
        found = await run_in_threadpool(cache.get, key, render)
    return HTMLResponse(found)


def _filtered(runs: list[dict[str, Any]], chosen: dict[str, str]) -> list[dict[str, Any]]:
    out = runs
    if chosen["scenario"]:
        needle = chosen["scenario"].lower()
        out = [r for r in out if needle in str(r["scenario_name"] or "").lower()]
    for key in ("kind", "status", "hydrology"):
        if chosen[key]:
            out = [r for r in out if str(r[key] or "") == chosen[key]]
    return out


async def runs(request: Request) -> Response:
    """List the store's runs, newest first, with filters by scenario name, kind, status and hydrology."""
    chosen = {key: request.query_params.get(key, "")[:100] for key in FILTERS}

    def render() -> str:
        everything = _runs(request)
        options = {key: sorted({str(r[key]) for r in everything if r[key]}) for key in ("kind", "status", "hydrology")}
        shown = _filtered(everything, chosen)
        return html(request, "runs.html", runs=shown, total=len(everything), chosen=chosen, options=options)

    return await _cached_page(request, ("runs-page", *chosen.values()), render)


def _run_view(store: Store, run: str) -> dict[str, Any]:
    """Return the report's sections of a run (with "Operating policy" for a policy simulation)."""
    data = load_report_data(store, run)
    charts = standard_charts(data)
    risk = risk_charts(data.risk) if data.risk is not None else []
    policy = load_policy_view(store, data.run_id, data.definitions.winter_deficit_threshold_twh)
    extra = [policy_section(policy, policy_charts(policy))] if policy is not None else []
    log = load_training_log(store, data.run)
    if log is not None:
        extra.append(training_section(data.run_id, log, training_chart(log)))
    sections: list[Section] = run_sections(data, charts, None, risk, extra)
    r = data.run
    subtitle = f"{r['horizon_start']} – {r['horizon_end']} · {_('hydrology')} {hydrology_label(r)} · {r['status']}"
    return {"run": r, "run_id": data.run_id, "subtitle": subtitle, "sections": sections}


async def run_page(request: Request) -> Response:
    """Show one run: findings, headline numbers, charts, risk for an ensemble, the policy, a backtest, sources."""
    store = _store(request)
    full = await _resolved(request, request.path_params["run_id"])

    def render() -> str:
        return html(request, "run.html", downloads=download_labels(), others=_runs(request), **_run_view(store, full))

    return await _cached_page(request, ("run-page", full), render)


def _export_zip(store: Store, run: str, fmt: str) -> bytes:
    from aralnexus.store.export import export_run

    with tempfile.TemporaryDirectory(prefix="aralnexus-web-") as tmp:
        files = export_run(store, run, Path(tmp), fmt)  # type: ignore[arg-type]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, f"{run}/{path.name}")
    return buffer.getvalue()


def _report_html(store: Store, run: str) -> bytes:
    from aralnexus.report import write_report

    with tempfile.TemporaryDirectory(prefix="aralnexus-web-") as tmp:
        files = write_report(store, run, Path(tmp), png=False)
        return files.html.read_bytes()


async def download(request: Request) -> Response:
    """Send a run's tables as CSV or Parquet files in a zip, or its self-contained HTML report."""
    store = _store(request)
    what = request.path_params["what"]
    if what not in DOWNLOADS:
        raise HTTPException(404, _("downloads are: {kinds}", kinds=", ".join(DOWNLOADS)))
    full = await _resolved(request, request.path_params["run_id"])
    if what == "html":
        body = await run_in_threadpool(_report_html, store, full)
        name, media = f"aralnexus-{full}.html", "text/html; charset=utf-8"
    else:
        body = await run_in_threadpool(_export_zip, store, full, what)
        name, media = f"aralnexus-{full}-{what}.zip", "application/zip"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media, headers=headers)


def _compare_view(store: Store, a: str, b: str) -> dict[str, Any]:
    c: Comparison = compare_stored(store, a, b)
    charts: list[Chart] = c.charts
    return {
        "run_a": c.run_a,
        "run_b": c.run_b,
        "totals": c.totals.to_dict(orient="records"),
        "per_year": c.per_year.to_dict(orient="records"),
        "figures": c.figures.to_dict(orient="records"),
        "figure_columns": list(c.figures.columns),
        "charts": [(chart, chart_html(chart)) for chart in charts],
    }


async def compare(request: Request) -> Response:
    """Show two runs side by side (``?a=RUN&b=RUN``): the ``aralnexus compare`` table and overlaid charts."""
    store = _store(request)
    a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
    if a and b:
        a, b = await _resolved(request, a, "a"), await _resolved(request, b, "b")

    def render() -> str:
        view = _compare_view(store, a, b) if a and b else None
        return html(request, "compare.html", runs=_runs(request), a=a, b=b, view=view)

    return await _cached_page(request, ("compare-page", a, b), render)


ROUTES = [
    Route("/runs", runs, name="runs"),
    Route("/runs/{run_id}", run_page, name="run"),
    Route("/runs/{run_id}/download/{what}", download, name="download"),
    Route("/compare", compare, name="compare"),
]
