"""CLI command ``optimise``: run the operations optimiser on a scenario and print a summary.

``aralnexus optimise SCENARIO [--start 2026-01] [--end 2026-12] [--resolution monthly|hourly]
[--head fixed|iterate] [--json] [--quiet]`` prints the objective by term, generation by plant and
country, unserved energy, exports and the head-iteration convergence line. Exit codes: 2 bad
input, 3 infeasible scenario (with what could not be met).
"""

from __future__ import annotations

from typing import Annotated, Any, cast

import pandas as pd
import typer
from rich.markup import escape

from aralnexus.cli.common import JsonOption, QuietOption, console, frame_table, handled, print_json, progress
from aralnexus.results.tables import Results
from aralnexus.units import MWH_PER_TWH, USD_PER_MUSD
from aralnexus.vocab import HEAD_MODES, RESOLUTIONS, HeadMode, Resolution


def summary(results: Results) -> dict[str, Any]:
    """Return the summary tables of a run: objective, generation, countries, exports, convergence."""
    gen = results.plants.groupby(["country", "plant"], as_index=False)["energy_mwh"].sum()
    gen["energy_twh"] = gen["energy_mwh"] / MWH_PER_TWH
    c = results.countries.groupby("country", as_index=False)[
        ["demand_mwh", "hydro_mwh", "thermal_mwh", "imports_mwh", "exports_mwh", "unserved_mwh"]
    ].sum()
    countries = c.assign(
        **{col.replace("_mwh", "_twh"): c[col] / MWH_PER_TWH for col in c.columns if col.endswith("_mwh")}
    )
    countries = countries[["country", *[col for col in countries.columns if col.endswith("_twh")]]]
    links = results.links.groupby(["link", "from_country", "to_country"], as_index=False)[
        ["energy_mwh", "revenue_usd"]
    ].sum()
    links["energy_twh"] = links["energy_mwh"] / MWH_PER_TWH
    links["revenue_musd"] = links["revenue_usd"] / USD_PER_MUSD
    conv = results.convergence
    return {
        "metadata": results.metadata,
        "objective_musd": results.objective_musd,
        "objective": results.objective,
        "generation": gen[["country", "plant", "energy_twh"]],
        "countries": countries,
        "links": links[["link", "from_country", "to_country", "energy_twh", "revenue_musd"]],
        "violations": results.violations,
        "convergence": {
            "mode": conv.mode,
            "iterations": conv.iterations,
            "max_head_change_pct": conv.max_head_change_pct,
            "tolerance_pct": conv.tolerance_pct,
            "converged": conv.converged,
        },
        "solve_seconds": results.solve_seconds,
        "start_storage": results.start_storage[["plant", "storage_hm3", "source", "adjustment_hm3"]],
    }


def _print_summary(data: dict[str, Any]) -> None:
    meta = data["metadata"]
    console.print(
        f"[bold]{escape(meta.get('scenario', ''))}[/] {meta.get('start')}…{meta.get('end')} "
        f"{meta.get('resolution')}, head {meta.get('head_mode')}: objective "
        f"[bold]{data['objective_musd']:,.1f}[/] US$ million",
        highlight=False,
    )
    console.print(frame_table(data["objective"], "Objective by term (US$ million)", floats="{:,.1f}"))
    console.print(frame_table(data["generation"], "Generation by plant (TWh)", floats="{:,.3f}"))
    console.print(frame_table(data["countries"], "Countries (TWh)", floats="{:,.3f}"))
    if not data["links"].empty:
        console.print(frame_table(data["links"], "Links (TWh sent, tariff revenue US$ million)", floats="{:,.3f}"))
    violations: pd.DataFrame = data["violations"]
    if violations.empty:
        console.print("No unserved demand and no relaxed agreements.")
    else:
        top = violations.sort_values("amount", ascending=False).head(15)
        console.print(frame_table(top, f"Not met ({len(violations)} rows, largest first)", floats="{:,.2f}"))
    if meta.get("start_storage"):
        console.print(f"Start storage: {escape(meta['start_storage'])}", highlight=False)
    conv = data["convergence"]
    state = "[green]converged[/]" if conv["converged"] else "[yellow]not converged[/]"
    console.print(
        f"Convergence: {conv['mode']}, {conv['iterations']} LP solve(s), max head change "
        f"{conv['max_head_change_pct']:.3f} % (tolerance {conv['tolerance_pct']} %) {state}; "
        f"{data['solve_seconds']:.2f} s",
        highlight=False,
    )


def optimise_command(
    scenario: Annotated[str, typer.Argument(help="Scenario YAML file, or 'default'.")],
    start: Annotated[str | None, typer.Option(help="First month YYYY-MM (default: the scenario's).")] = None,
    end: Annotated[str | None, typer.Option(help="Last month YYYY-MM (default: the scenario's).")] = None,
    resolution: Annotated[
        str | None, typer.Option(help="monthly (load blocks) or hourly (default: the scenario's).")
    ] = None,
    head: Annotated[str | None, typer.Option("--head", help="iterate (head effects) or fixed (rated heads).")] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Optimise reservoirs, power trade and irrigation releases; print the objective and balances."""
    from aralnexus.dispatch import optimise
    from aralnexus.errors import InputError, Problem
    from aralnexus.scenario import load_scenario
    from aralnexus.scenario.horizon import check_option_months, check_run_horizon

    with handled():
        problems = []
        if resolution is not None and resolution not in RESOLUTIONS:
            problems.append(Problem("<arguments>", "--resolution", " or ".join(RESOLUTIONS), repr(resolution)))
        if head is not None and head not in HEAD_MODES:
            problems.append(Problem("<arguments>", "--head", " or ".join(HEAD_MODES), repr(head)))
        if problems:
            raise InputError(problems)
        check_option_months(start, end)
        res = cast("Resolution | None", resolution)
        mode = cast("HeadMode | None", head)
        with progress("optimising", quiet=quiet or as_json):
            sc = load_scenario(scenario)
            check_run_horizon(start or sc.start, end or sc.end, start_given=bool(start), end_given=bool(end))
            results = optimise(sc, start=start, end=end, resolution=res, head_mode=mode)
    data = summary(results)
    if as_json:
        print_json(data)
    else:
        _print_summary(data)


def register(app: typer.Typer) -> None:
    """Add this group's commands to app."""
    app.command("optimise")(optimise_command)
