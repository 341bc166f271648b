"""CLI command ``compare``: two scenarios side by side in the pathway metrics (A, B, B − A).

``aralnexus compare A.yaml B.yaml`` runs both pathways and prints horizon totals per metric and
country (``--detail`` adds every year); ``--json`` prints ``{"a": …, "b": …, "totals": […],
"per_year": […]}``. Runs are not saved to the store.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import pandas as pd
import typer
from rich.text import Text

from aralnexus.cli.common import FitTable, console, fail_infeasible, fail_input, plain
from aralnexus.errors import InfeasibleScenarioError, InputError
from aralnexus.i18n import N_, _, format_number
from aralnexus.pathways import compare_pathways, horizon_totals, run_pathway
from aralnexus.pathways.runner import prepare_scenario
from aralnexus.pathways.summary import clean


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _signed(value: float) -> str:
    """Return a difference with its sign (+ or -) in the current language."""
    return ("+" if value >= 0 else "") + format_number(value, 3)


def _table(frame: pd.DataFrame, title: str, a: str, b: str) -> FitTable:
    # The scenarios are named under the title, so the columns are A, B and B − A however long the names.
    table = FitTable(title=plain(f"{title}\nA: {a} · B: {b}"), title_justify="left", header_style="bold")
    heads = {"metric": _("metric"), "country": _("country"), "year": _("year"), "aggregate": _("aggregate")}
    keys = [c for c in heads if c in frame.columns]
    for key in keys:
        table.add_column(heads[key], justify="right" if key == "year" else "left")
    for head in ("A", "B", "B − A"):
        table.add_column(head, justify="right")
    for row in frame.to_dict(orient="records"):
        diff = row["diff"]
        style = "" if pd.isna(diff) or abs(diff) < 1e-6 else ("green" if diff > 0 else "red")
        cells = [plain(row[k]) for k in keys]
        diff_text = "" if pd.isna(diff) else _signed(float(diff))
        cells += [plain(format_number(row["a"], 3)), plain(format_number(row["b"], 3)), Text(diff_text, style=style)]
        table.add_row(*cells)
    return table


def compare(
    scenario_a: Annotated[str, typer.Argument(help=N_("Scenario A (YAML file or 'default')."))],
    scenario_b: Annotated[str, typer.Argument(help=N_("Scenario B (YAML file or 'default')."))],
    start: Annotated[str | None, typer.Option("--start", help=N_("First month YYYY-MM for both runs."))] = None,
    end: Annotated[str | None, typer.Option("--end", help=N_("Last month YYYY-MM for both runs."))] = None,
    hydrology: Annotated[
        str | None, typer.Option("--hydrology", help=N_("Hydrology for both runs (default: each scenario's)."))
    ] = None,
    detail: Annotated[bool, typer.Option("--detail", help=N_("Show every year, not only horizon totals."))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print the comparison as JSON."))] = False,
) -> None:
    """Run two scenarios and show the difference in winter deficits, exports, revenue, water and trade."""
    t0 = time.perf_counter()
    try:
        # Both scenarios (and the options) are checked before either is optimised.
        first, second = (prepare_scenario(s, start, end, hydrology) for s in (scenario_a, scenario_b))
        a = run_pathway(first, start=start, end=end, hydrology=hydrology)
        b = run_pathway(second, start=start, end=end, hydrology=hydrology)
    except InputError as error:
        raise fail_input(error) from None
    except InfeasibleScenarioError as error:
        raise fail_infeasible(error) from None
    per_year = compare_pathways(a, b)
    totals = horizon_totals(per_year)
    elapsed = time.perf_counter() - t0
    if as_json:
        payload = {
            "a": {"scenario": a.scenario.name, "file": scenario_a, "hydrology": a.scenario.hydrology.label},
            "b": {"scenario": b.scenario.name, "file": scenario_b, "hydrology": b.scenario.hydrology.label},
            "years": sorted(set(a.years) & set(b.years)),
            "totals": _records(totals),
            "per_year": _records(per_year),
            "trade_2030_musd": {
                "a": clean(a.outlook.turnover_target_year_musd),
                "b": clean(b.outlook.turnover_target_year_musd),
            },
            "elapsed_s": round(elapsed, 3),
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    totals_title = _("Horizon totals (sum of flows, mean of %/MW/hm3 levels)")
    console.print(_table(totals, totals_title, a.scenario.name, b.scenario.name))
    if detail:
        per_year_title = _("Per year (winter metrics: winter Y = Oct Y – Mar Y+1)")
        console.print(_table(per_year, per_year_title, a.scenario.name, b.scenario.name))
    console.print(_("Compared in {s} s.", s=format_number(elapsed, 1)), highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``compare`` to the app (``run_cmd.register`` calls it, so ``run`` and ``compare`` stay together)."""
    app.command("compare")(compare)
