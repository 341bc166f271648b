"""CLI command: ``aralnexus report RUN`` — the HTML report (offline, interactive) and PNG figures."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from aralnexus.backtest import BacktestResult
from aralnexus.cli.common import (
    EXIT_CODES_HELP,
    JsonOption,
    QuietOption,
    StoreOption,
    console,
    finite,
    handled,
    literal,
    plain,
    print_json,
    progress,
)
from aralnexus.i18n import N_, _, ngettext
from aralnexus.store import open_store

HELP = N_(
    "Write a run's report: a self-contained HTML page with interactive charts and PNG figures.\n\n"
    "The page has the findings in words, headline numbers, reservoir storage and levels with their bounds, "
    "generation by plant and country, winter deficit by year, CASA-1000 exports and revenue, trade turnover "
    "against the 2030 target, water values, the scenario's assumptions and its data sources. For an ensemble "
    "run it has a 'Risk across members' section instead: storage fan charts, the probability that each "
    "country's winter deficit exceeds --threshold-twh, P10/P50/P90 exports and revenue, and the probability "
    "that trade reaches US$500 million in 2030, with the member count. It works offline (plotly.js is embedded)."
)
EXAMPLES = (
    N_(
        "Examples:  aralnexus report 3fa9c0 · aralnexus report 3fa9c0 --out reports/baseline --json · "
        "aralnexus report d905e3 --threshold-twh 2 (an ensemble run) · "
        "ARALNEXUS_STORE=runs.duckdb aralnexus report 3fa9c0 --no-png."
    )
    + "\n\n"
    + EXIT_CODES_HELP
)


def report(
    run: Annotated[str, typer.Argument(help=N_("Run id (a unique prefix is enough); see `aralnexus results list`."))],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help=N_("Folder for report.html and the PNGs (default: reports/<run id>).")),
    ] = None,
    png: Annotated[bool, typer.Option("--png/--no-png", help=N_("Also write a PNG per chart (matplotlib)."))] = True,
    threshold_twh: Annotated[
        float,
        typer.Option(
            "--threshold-twh",
            min=0.0,
            callback=finite,
            help=N_("Ensemble runs: winter-deficit threshold of the exceedance probability, TWh."),
        ),
    ] = 1.0,
    store: StoreOption = None,
    json: JsonOption = False,
    quiet: QuietOption = False,
    backtest: Annotated[
        bool,
        typer.Option(
            "--backtest/--no-backtest",
            help=N_("Add the section 'How the model compares with what happened' (the 2019–2025 backtest, ~10 s)."),
        ),
    ] = True,
) -> None:
    """Write a run's report: a self-contained HTML page with interactive charts and PNG figures."""
    with handled():
        db = open_store(store)
        run_id = db.resolve(run)
        from aralnexus.report import write_report

        steps = 9 + (6 if db.run(run_id).get("kind") == "ensemble" else 0) + (2 if backtest else 0)
        with progress(_("report {run}", run=run_id), total=steps, quiet=quiet or json) as bar:

            def step(text: str) -> None:
                bar.update(_("report {run}: {step}", run=run_id, step=text))
                bar.advance()

            replay = None
            if backtest:
                step(_("replaying 2019–2025 (backtest)"))
                replay = default_backtest()
            files = write_report(db, run_id, out, png=png, threshold_twh=threshold_twh, on_step=step, backtest=replay)
    if json:
        print_json({"run_id": files.run_id, "html": files.html, "pngs": {k: str(p) for k, p in files.pngs.items()}})
        return
    if not quiet:
        pngs = ngettext("{n} PNG figure alongside", "{n} PNG figures alongside", len(files.pngs))
        console.print(
            _(
                "Report of {run}: [bold]{file}[/] ({pngs})",
                run=literal(files.run_id),
                file=literal(files.html),
                pngs=pngs,
            )
        )
    else:
        console.print(plain(files.html))


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report", help=HELP, epilog=EXAMPLES)(report)


@functools.lru_cache(maxsize=1)
def default_backtest() -> BacktestResult:
    """Return the default model's 2019–2025 backtest (computed once per process)."""
    from aralnexus.backtest import run_backtest

    return run_backtest("default")
