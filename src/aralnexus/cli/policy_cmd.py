"""CLI group ``policy``: train an operating policy by SDDP and simulate it out of sample (docs/policy.md).

``aralnexus policy train SCENARIO [--iterations N] [--time-limit S] [--workers K] [--scheduler ADDRESS] [--seed S]
[--resume]`` stores the cuts and convergence log round by round under a run id (Ctrl-C keeps them; ``--resume``
continues). ``aralnexus policy simulate RUN_ID --members N --seed S [--workers K] [--scheduler ADDRESS]`` stores
the simulated members
as an ensemble run, so ``results``, the risk views and ``report`` read them unchanged.
"""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from aralnexus.cli.common import (
    JsonOption,
    QuietOption,
    StoreOption,
    console,
    err_console,
    handled,
    plain,
    print_json,
    progress,
)
from aralnexus.i18n import N_, _, format_number, ngettext

policy_app = typer.Typer(help=N_("Operating policy under uncertainty: SDDP water values, simulated out of sample."))


@policy_app.command("train")
def train_cmd(
    scenario: Annotated[str, typer.Argument(help=N_("Scenario YAML file, or 'default'."))] = "default",
    iterations: Annotated[
        int | None, typer.Option("--iterations", help=N_("Iterations (forward/backward passes) to run now."))
    ] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help=N_("Stop training after S seconds."))] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            help=N_("Workers running passes: local processes (default 1), or Dask actors with --scheduler."),
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help=N_("Run the passes on this Dask scheduler, e.g. tcp://10.0.0.5:8786 (default workers: its threads)."),
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help=N_("Seed of the forward-pass sampling."))] = 0,
    resume: Annotated[bool, typer.Option("--resume", help=N_("Continue the stored policy from its cuts."))] = False,
    store: StoreOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Train the scenario's operating policy (monthly stages) and store its cuts and convergence log."""
    from aralnexus.ensemble.dask_config import check_scheduler_address, connect
    from aralnexus.policy.service import check_train_options, train_policy
    from aralnexus.policy.training import LogRow
    from aralnexus.scenario import load_scenario
    from aralnexus.store import open_store

    with handled(), contextlib.ExitStack() as stack:
        address = None if scheduler is None else check_scheduler_address(scheduler)
        check_train_options(
            iterations, time_limit, 1 if workers is None else workers, [] if address is None else [address]
        )
        sc = load_scenario(scenario)
        db = open_store(store)
        client = None
        if scheduler is not None:
            client = stack.enter_context(connect(scheduler))
            workers = workers or max(1, sum(client.nthreads().values()))
        with progress(_("policy training"), total=None, quiet=quiet or as_json, delay_s=0.5) as bar:

            def on_round(row: LogRow) -> None:
                bar.update(
                    _(
                        "iteration {i}: lower bound {musd} US$m",
                        i=row.iteration,
                        musd=format_number(row.lower_bound, 1),
                    )
                )
                bar.advance()

            out = train_policy(
                sc,
                scenario,
                db,
                iterations=iterations,
                time_limit_s=time_limit,
                workers=workers or 1,
                seed=seed,
                resume=resume,
                on_round=on_round,
                client=client,
            )
    result = out.result
    time_s = result.log[-1].time_s if result.log else 0.0
    if as_json:
        print_json(
            {"run_id": out.run_id, "iterations": result.iterations, "lower_bound": result.lower_bound, "time_s": time_s}
        )
    elif not quiet:
        line = (
            _("policy {run}: ", run=out.run_id)
            + ngettext("{n} iteration", "{n} iterations", int(result.iterations))
            + _(
                ", lower bound {musd} US$ million (cost = − welfare), {s} s of training; stopped by {reason}. "
                "Next: aralnexus policy simulate {run} --members 100 --seed 1",
                musd=format_number(result.lower_bound, 2),
                s=format_number(time_s, 1),
                reason=result.stop_reason,
                run=out.run_id,
            )
        )
        console.print(plain(line), highlight=False, soft_wrap=True)
    if result.stop_reason == "interrupted":
        err_console.print(
            _("interrupted: the cuts of finished iterations are stored; add --resume to continue."), highlight=False
        )
        raise typer.Exit(130)


@policy_app.command("simulate")
def simulate_cmd(
    run_id: Annotated[str, typer.Argument(help=N_("Id (or unique prefix) of a trained policy."))],
    members: Annotated[int, typer.Option("--members", "-n", help=N_("Synthetic members to simulate."))] = 100,
    seed: Annotated[
        int, typer.Option("--seed", help=N_("Seed of the synthetic members (as `aralnexus ensemble`)."))
    ] = 1,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            help=N_("Workers simulating members: local processes (default 1), or Dask tasks with --scheduler."),
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help=N_("Simulate on this Dask scheduler, e.g. tcp://10.0.0.5:8786 (default workers: its threads)."),
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help=N_("Simulate under this scenario (same staging); default the policy's.")),
    ] = None,
    store: StoreOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Simulate a trained policy on synthetic members it never saw and store them like ensemble members."""
    from aralnexus.ensemble.dask_config import check_scheduler_address, connect
    from aralnexus.ensemble.policy_members import check_simulate_options, simulate_policy_members
    from aralnexus.store import open_store

    with handled(), contextlib.ExitStack() as stack:
        address = None if scheduler is None else check_scheduler_address(scheduler)
        check_simulate_options(members, 1 if workers is None else workers, [] if address is None else [address])
        db = open_store(store)
        client = None
        if scheduler is not None:
            client = stack.enter_context(connect(scheduler))
            workers = workers or max(1, sum(client.nthreads().values()))
        with progress(_("policy simulation"), total=members, quiet=quiet or as_json, delay_s=0.5) as bar:
            shown = [0]

            def on_batch(done: int, total: int) -> None:
                bar.update(_("members {done}/{total}", done=done, total=total))
                bar.advance(done - shown[0])
                shown[0] = done

            out = simulate_policy_members(
                db, run_id, members, seed, workers=workers or 1, scenario_ref=scenario, progress=on_batch, client=client
            )
    mean, low, high = out.interval()
    if as_json:
        print_json(
            {"run_id": out.run_id, "members": out.members, "cost_mean_musd": mean, "cost_interval_95_musd": [low, high]}
        )
    elif not quiet:
        query = f"\"SELECT * FROM risk_winter_deficit WHERE run_id = '{out.run_id}'\""
        line = _(
            "policy {policy} simulated on {members} (seed {seed}) → run {run}: cost {mean} US$ million, "
            "{level} interval [{low}, {high}]. Risk views: aralnexus results query {query}",
            policy=out.policy_run_id,
            members=ngettext("{n} member", "{n} members", int(out.members)),
            seed=seed,
            run=out.run_id,
            mean=format_number(mean, 2),
            level="95 %",
            low=format_number(low, 2),
            high=format_number(high, 2),
            query=query,
        )
        console.print(plain(line), highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the ``policy`` group to the app."""
    app.add_typer(policy_app, name="policy")
