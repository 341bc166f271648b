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

from aralnexus.cli.common import JsonOption, QuietOption, console, frame_table, handled, plain, print_json, progress
from aralnexus.i18n import N_, _, format_number, ngettext
from aralnexus.results.tables import Results
from aralnexus.system.start_storage import describe_start_storage
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


def _headers() -> dict[str, str]:
    """Return column headings for people, by column name of the summary tables (the names stay English in --json)."""
    return {
        "term": _("term"),
        "value_musd": _("US$ million"),
        "country": _("country"),
        "plant": _("plant"),
        "energy_twh": _("TWh"),
        "demand_twh": _("demand TWh"),
        "hydro_twh": _("hydro TWh"),
        "thermal_twh": _("thermal TWh"),
        "imports_twh": _("imports TWh"),
        "exports_twh": _("exports TWh"),
        "unserved_twh": _("unserved TWh"),
        "link": _("link"),
        "from_country": _("from"),
        "to_country": _("to"),
        "revenue_musd": _("revenue US$m"),
        "constraint": _("constraint"),
        "element": _("element"),
        "period": _("period"),
        "amount": _("amount"),
        "unit": _("unit"),
    }


def _term_words() -> dict[str, str]:
    """Return the objective terms (``dispatch.objective.TERMS``, codes in the results) in words."""
    return {
        "served_demand": _("served demand"),
        "exports": _("exports"),
        "imports": _("imports"),
        "bilateral_trade": _("bilateral trade"),
        "thermal": _("thermal generation"),
        "lost_load": _("lost load"),
        "shedding_priority": _("shedding priority"),
        "deep_shedding": _("deep shedding"),
        "release_penalties": _("release penalties"),
        "strict_relaxation_penalties": _("relaxed strict limits"),
        "lookahead_shortfall_penalties": _("look-ahead shortfalls"),
        "spill_tie_break": _("spill tie-break"),
        "terminal_water_value": _("water left at the end"),
    }


def _print_summary(data: dict[str, Any]) -> None:
    meta = data["metadata"]
    heads = _headers()
    console.print(
        f"[bold]{escape(meta.get('scenario', ''))}[/] {meta.get('start')}…{meta.get('end')} "
        + _(
            "{resolution}, head {head}: objective [bold]{musd}[/] US$ million",
            resolution=meta.get("resolution"),
            head=meta.get("head_mode"),
            musd=format_number(data["objective_musd"], 1),
        ),
        highlight=False,
    )
    terms, words = data["objective"].copy(), _term_words()
    terms["term"] = terms["term"].astype(str).map(lambda t: words.get(t, t))
    objective = frame_table(terms, _("Objective by term (US$ million)"), digits=1, headers=heads)
    console.print(objective)
    console.print(frame_table(data["generation"], _("Generation by plant (TWh)"), digits=3, headers=heads))
    console.print(frame_table(data["countries"], _("Countries (TWh)"), digits=3, headers=heads))
    if not data["links"].empty:
        title = _("Links (TWh sent, tariff revenue US$ million)")
        console.print(frame_table(data["links"], title, digits=3, headers=heads))
    violations: pd.DataFrame = data["violations"]
    if violations.empty:
        console.print(_("No unserved demand and no relaxed agreements."))
    else:
        top = violations.sort_values("amount", ascending=False).head(15)
        title = ngettext("Not met ({n} row, largest first)", "Not met ({n} rows, largest first)", len(violations))
        console.print(frame_table(top, title, digits=2, headers=heads))
    if meta.get("start_storage") and isinstance(data.get("start_storage"), pd.DataFrame):
        where = describe_start_storage(data["start_storage"])
        console.print(plain(_("Start storage: {where}", where=where)), highlight=False)
    conv = data["convergence"]
    state = "[green]" + _("converged") + "[/]" if conv["converged"] else "[yellow]" + _("not converged") + "[/]"
    console.print(
        _("Convergence: {mode}, ", mode=conv["mode"])
        + ngettext("{n} LP solve", "{n} LP solves", int(conv["iterations"]))
        + _(
            ", max head change {pct} % (tolerance {tol} %) {state}; {s} s",
            pct=format_number(conv["max_head_change_pct"], 3),
            tol=format_number(conv["tolerance_pct"], 2),
            state=state,
            s=format_number(data["solve_seconds"], 2),
        ),
        highlight=False,
    )


def optimise_command(
    scenario: Annotated[str, typer.Argument(help=N_("Scenario YAML file, or 'default'."))],
    start: Annotated[str | None, typer.Option(help=N_("First month YYYY-MM (default: the scenario's)."))] = None,
    end: Annotated[str | None, typer.Option(help=N_("Last month YYYY-MM (default: the scenario's)."))] = None,
    resolution: Annotated[
        str | None, typer.Option(help=N_("monthly (load blocks) or hourly (default: the scenario's)."))
    ] = None,
    head: Annotated[
        str | None, typer.Option("--head", help=N_("iterate (head effects) or fixed (rated heads)."))
    ] = None,
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
        with progress(_("optimising"), quiet=quiet or as_json):
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
