"""CLI command ``ensemble``: N synthetic hydrology members (× scenario variants), locally or on Dask.

``aralnexus ensemble SCENARIO --members N --seed S [--workers K | --scheduler tcp://HOST:PORT]``
streams every member into the store as it finishes, resumes where an interrupted run stopped,
and ends with a risk summary table and where the results are (see docs/ensembles.md).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import pandas as pd
import typer

from aralnexus.cli.common import (
    JsonOption,
    QuietOption,
    StoreOption,
    console,
    err_console,
    finite,
    frame_table,
    handled,
    plain,
    print_json,
    progress,
)
from aralnexus.errors import ExitCode, InputError, Problem
from aralnexus.i18n import N_, _, format_number, format_significant, ngettext

#: Most members and local workers one ``ensemble`` command accepts (more is a typo, not a study).
MAX_MEMBERS = 100_000
MAX_WORKERS = 1024

_YEARS = re.compile(r"^(\d{4})(?:-(\d{2}))?\s*(?:-|\.\.|:|–)\s*(\d{4})(?:-(\d{2}))?$")


def parse_horizon(text: str) -> tuple[str, str]:
    """Parse ``2025-2027`` (whole years) or ``2025-01..2027-06`` into first and last month ``YYYY-MM``."""
    match = _YEARS.match(text.strip())
    if not match:
        raise InputError([Problem("--horizon", "", "YYYY-YYYY or YYYY-MM..YYYY-MM, e.g. 2025-2027", repr(text))])
    y0, m0, y1, m1 = match.groups()
    return f"{y0}-{m0 or '01'}", f"{y1}-{m1 or '12'}"


def _risk_tables(store: Any, run_id: str, threshold_twh: float) -> dict[str, pd.DataFrame]:
    from aralnexus.ensemble import risk

    return {
        "winter_deficit_any": risk.winter_deficit_any_risk(store, run_id, threshold_twh),
        "winter_deficit": risk.winter_deficit_risk(store, run_id, threshold_twh),
        "exports_total": risk.export_quantiles(store, run_id),
        "trade_target": risk.trade_target_probability(store, run_id),
    }


def ensemble(
    scenario: Annotated[str, typer.Argument(help=N_("Scenario YAML file, or 'default'."))] = "default",
    members: Annotated[
        int, typer.Option("--members", "-n", min=1, max=MAX_MEMBERS, help=N_("Number of synthetic hydrology members."))
    ] = 100,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help=N_("Seed of the synthetic ensemble (default: the scenario's)."))
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", "-w", min=1, max=MAX_WORKERS, help=N_("Local worker processes (default: one per core).")
        ),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help=N_("Run on this Dask scheduler, e.g. tcp://10.0.0.5:8786."))
    ] = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            help=N_(
                "Scenario variant grid PATH=V1,V2 (repeatable; cartesian product), e.g. casa1000.start=2027,2029 "
                "or links.casa1000_pk.start=2027-05,2029-05."
            ),
        ),
    ] = None,
    heads: Annotated[
        str, typer.Option("--heads", help=N_("Heads per member: iterate (accurate) or median (one LP solve, faster)."))
    ] = "iterate",
    horizon: Annotated[
        str | None, typer.Option("--horizon", help=N_("Years, e.g. 2025-2027 (or YYYY-MM..YYYY-MM)."))
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help=N_("First month YYYY-MM."))] = None,
    end: Annotated[str | None, typer.Option("--end", help=N_("Last month YYYY-MM."))] = None,
    threshold_twh: Annotated[
        float,
        typer.Option(
            "--threshold-twh",
            min=0.0,
            callback=finite,
            help=N_("Winter-deficit threshold for the exceedance probability, TWh."),
        ),
    ] = 1.0,
    force: Annotated[
        bool, typer.Option("--force", help=N_("Start over: replace stored runs of these variants."))
    ] = False,
    store: StoreOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Run the pathway for N synthetic hydrology members, stream them into the store and summarise risk."""
    from aralnexus.ensemble.runner import EnsembleSpec, run_ensemble
    from aralnexus.store import open_store

    with handled():
        if horizon is not None:
            start, end = parse_horizon(horizon)
        spec = EnsembleSpec(
            scenario=scenario,
            members=members,
            seed=seed,
            start=start,
            end=end,
            vary=tuple(vary or ()),
            workers=workers,
            scheduler=scheduler,
            heads=heads,  # type: ignore[arg-type]
            force=force,
        )
        db = open_store(store)
        try:
            with progress(_("ensemble members"), total=None, quiet=quiet or as_json, delay_s=0.5) as bar:

                def on_member(out: Any, done: int, total: int) -> None:
                    bar.update(
                        _(
                            "member {member} {status} ({done}/{total})",
                            member=out.member,
                            status=out.status,
                            done=done,
                            total=total,
                        )
                    )
                    bar.advance()

                outcome = run_ensemble(spec, db, progress=on_member)
        except KeyboardInterrupt:
            err_console.print(
                _("interrupted: finished members are stored; run the same command again to resume."), highlight=False
            )
            raise typer.Exit(130) from None
        risks = {r.run_id: _risk_tables(db, r.run_id, threshold_twh) for r in outcome.runs}
    if as_json:
        print_json(
            {
                "store": outcome.store,
                "seconds": round(outcome.seconds, 2),
                "backend": outcome.backend,
                "workers": outcome.workers,
                "complete": outcome.complete,
                "runs": [
                    {
                        "run_id": r.run_id,
                        "variant": r.variant,
                        "scenario": r.scenario,
                        "n_members": r.n_members,
                        "already_done": r.already_done,
                        "ran": len(r.ran),
                        "done": r.done,
                        "infeasible": r.infeasible,
                        "failed": r.failed,
                        "missing": r.missing,
                        "status": r.status,
                        "start_storage": r.start_storage,
                        "risk": risks[r.run_id],
                    }
                    for r in outcome.runs
                ],
            }
        )
    else:
        _print(outcome, risks, threshold_twh, quiet)
    if not outcome.complete:
        missing = sum(r.missing for r in outcome.runs)
        err_console.print(
            ngettext(
                "{n} member not finished; run the same command again to resume.",
                "{n} members not finished; run the same command again to resume.",
                missing,
            ),
            highlight=False,
        )
        raise typer.Exit(int(ExitCode.FAILURE))


def _print(outcome: Any, risks: dict[str, dict[str, pd.DataFrame]], threshold_twh: float, quiet: bool) -> None:
    runs = pd.DataFrame(
        [
            {
                _("run"): r.run_id,
                _("variant"): r.variant or _("(base)"),
                _("members"): r.n_members,
                _("stored before"): r.already_done,
                _("ran now"): len(r.ran),
                # one column for the three counts keeps the table within 80 columns
                _("infeasible · failed · missing"): f"{r.infeasible} · {r.failed} · {r.missing}",
                _("status"): r.status,
            }
            for r in outcome.runs
        ]
    )
    if not quiet:
        console.print(frame_table(runs, _("Ensemble runs"), digits=0))
        heads = {"figure": _("figure"), "country": _("country"), "probability": _("probability")}
        for r in outcome.runs:
            tables = risks[r.run_id]
            title = _("Risk · {run} {variant}", run=r.run_id, variant=r.variant or r.scenario)
            console.print(frame_table(_summary(tables, threshold_twh), title, digits=2, headers=heads))
            if r.start_storage:
                console.print(
                    plain(_("Start storage ({run}): {where}", run=r.run_id, where=r.start_storage)), highlight=False
                )
    workers = ngettext("{n} worker", "{n} workers", int(outcome.workers)) + f" ({outcome.backend})"
    console.print(
        plain(
            _(
                "Done in {s} s on {workers}. Results: store {store}, {runs}. "
                'Risk views: aralnexus results query "SELECT * FROM risk_winter_deficit"',
                s=format_number(outcome.seconds, 1),
                workers=workers,
                store=outcome.store,
                runs=ngettext(
                    "run {ids}", "runs {ids}", len(outcome.runs), ids=", ".join(r.run_id for r in outcome.runs)
                ),
            )
        ),
        highlight=False,
        soft_wrap=True,
    )


def _row(figure: str, country: Any, q: tuple[Any, Any, Any] = (None, None, None), p: Any = None) -> dict[str, Any]:
    return {"figure": figure, "country": country, "P10": q[0], "P50": q[1], "P90": q[2], "probability": p}


def _musd(value: Any) -> str:
    return format_number(float(value), 0)


def _summary(tables: dict[str, pd.DataFrame], threshold_twh: float) -> pd.DataFrame:
    rows = [
        _row(
            _("P(winter deficit > {twh} TWh, some winter)", twh=format_significant(threshold_twh, 6)),
            r.country,
            p=r.p_exceed_any_year,
        )
        for r in tables["winter_deficit_any"].itertuples()
    ]
    rows += [
        _row(
            _("exports, horizon TWh") if r.metric == "exports_twh" else _("export revenue, horizon US$m"),
            r.country,
            (r.p10, r.p50, r.p90),
        )
        for r in tables["exports_total"].itertuples()
    ]
    rows += [
        _row(
            _("trade turnover {year} US$m (P ≥ {target})", year=r.year, target=_musd(r.target_musd)),
            "KG-TJ",
            (r.p10, r.p50, r.p90),
            r.p_reach,
        )
        for r in tables["trade_target"].itertuples()
    ]
    if tables["trade_target"].empty:
        rows.append(_row(_("trade target year (2030) outside the horizon"), "KG-TJ"))
    columns = ["figure", "country", "P10", "P50", "P90", "probability"]
    return pd.DataFrame(rows, columns=columns).astype(dict.fromkeys(columns[2:], float))


def register(app: typer.Typer) -> None:
    """Add ``ensemble`` to the app."""
    app.command("ensemble")(ensemble)
