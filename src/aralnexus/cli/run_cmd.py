"""CLI commands ``run`` (the main job: a 2025–2035 pathway) and ``compare`` (two scenarios).

``aralnexus run [SCENARIO]`` optimises the pathway, prints energy security, exports and revenue,
interstate water, and trade against the US$500 million 2030 target, saves the run to the store and
says how to make the report. ``--json`` prints the summary documented in ``docs/pathways.md``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pandas as pd
import typer
from rich.text import Text

from aralnexus.cli.common import FitTable, console, fail_infeasible, fail_input, literal, plain
from aralnexus.errors import InfeasibleScenarioError, InputError
from aralnexus.i18n import N_, _, format_number, ngettext
from aralnexus.metrics import aggregation_of
from aralnexus.pathways import PathwayResult, pathway_summary, run_pathway
from aralnexus.pathways.water import POINT_METRICS
from aralnexus.system.start_storage import describe_start_storage
from aralnexus.vocab import CASA_CRITERIA, CASA_RULES, CasaCriterion, CasaRule

ScenarioArg = Annotated[str, typer.Argument(help=N_("Scenario YAML file, or 'default' for the built-in scenario."))]
StartOpt = Annotated[str | None, typer.Option("--start", help=N_("First month YYYY-MM (default: the scenario's)."))]
EndOpt = Annotated[str | None, typer.Option("--end", help=N_("Last month YYYY-MM (default: the scenario's)."))]
HydrologyOpt = Annotated[
    str | None,
    typer.Option(
        "--hydrology",
        help=N_("median, mean, dry, wet, dry-sequence, synthetic[:MEMBER] or record:FILE (default: the scenario's)."),
    ),
]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="ARALNEXUS_STORE",
        help=N_("Run store (DuckDB). Default: $ARALNEXUS_STORE or ./aralnexus.duckdb."),
    ),
]
CasaRuleOpt = Annotated[
    str, typer.Option("--casa-rule", help=N_("CASA-1000 attribution: flow (KG→TJ flow) or contract (30/70)."))
]
CasaCheckOpt = Annotated[
    str,
    typer.Option(
        "--casa-check", help=N_("CASA-1000 surplus check: storage (one run), counterfactual (second run), none.")
    ),
]


_Word = TypeVar("_Word", bound=str)


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return format_number(value, digits)


def _security_table(summary: dict[str, Any], country: str) -> FitTable:
    title = _("{country} — energy security (winter Y = Oct Y – Mar Y+1; other columns calendar year)", country=country)
    table = FitTable(title=title, title_justify="left", header_style="bold")
    heads = (
        _("year"),
        _("winter deficit TWh"),
        _("winter share %"),
        _("unserved TWh"),
        _("imports TWh"),
        _("thermal TWh"),
        _("reserve %"),
    )
    for head in (*heads, _("storage Sep hm3"), _("storage Mar hm3")):
        table.add_column(head, justify="right")
    for year in summary["years"]:
        v = summary["countries"][country][str(year)]
        table.add_row(
            str(year),
            _fmt(v["winter_deficit_twh"]),
            _fmt(v["winter_deficit_share_pct"], 1),
            _fmt(v["unserved_twh"]),
            _fmt(v["imports_twh"]),
            _fmt(v["thermal_twh"]),
            _fmt(v["reserve_margin_pct"], 1),
            _fmt(v["storage_end_sep_hm3"], 0),
            _fmt(v["storage_end_mar_hm3"], 0),
        )
    return table


def _exports_table(summary: dict[str, Any]) -> FitTable:
    title = _("Exports (TWh) and export revenue (US$ million), calendar year")
    table = FitTable(title=title, title_justify="left")
    table.add_column(_("year"), justify="right")
    countries = list(summary["countries"])
    for c in countries:
        for head in (_("exports"), _("CASA"), _("revenue")):
            table.add_column(f"{c} {head}", justify="right")
    for year in summary["years"]:
        row = [str(year)]
        for c in countries:
            v = summary["countries"][c][str(year)]
            row += [_fmt(v["exports_twh"]), _fmt(v["exports_casa_twh"]), _fmt(v["export_revenue_musd"], 1)]
        table.add_row(*row)
    return table


def _casa_lines(result: PathwayResult) -> list[str]:
    casa = result.casa
    if casa.empty:
        return [_("CASA-1000: no exports in the horizon.")]
    lines = [
        _(
            "CASA-1000 surplus check ({criterion} criterion, attribution rule '{rule}'):",
            criterion=casa["criterion"].iloc[0],
            rule=result.casa_rule,
        )
    ]
    for row in casa.to_dict(orient="records"):
        at_risk, exported = float(row["at_risk_twh"]), float(row["casa_exports_twh"])
        risk = _(", {twh} TWh at risk", twh=format_number(at_risk)) if at_risk > 0 else ""
        verdict = _verdict(str(row["verdict"]))
        twh = _("{twh} TWh", twh=format_number(exported))
        lines.append(f"  {row['country']} {row['year']}: {twh} → {verdict}{risk}")
    return lines


def _water_table(result: PathwayResult) -> FitTable:
    title = _("Interstate water: vegetation season (Apr–Sep), horizon totals")
    table = FitTable(title=title, title_justify="left")
    for i, head in enumerate(
        (
            _("release point"),
            _("agreement"),
            _("required hm3"),
            _("released hm3"),
            _("shortfall hm3"),
            _("cost US$m"),
            _("months short"),
        )
    ):
        table.add_column(head, justify="left" if i < 2 else "right")
    w = result.water
    if w.empty:
        return table
    registered = {table_name: name for name, table_name in POINT_METRICS.items()}  # horizon totals, as declared
    wide = pd.concat(
        [
            rows.groupby(["point", "agreement"])["value"].agg(aggregation_of(registered[str(m)])).rename(str(m))
            for m, rows in w.groupby("metric")
        ],
        axis=1,
    ).reset_index()
    wide = wide[wide["veg_required_hm3"] > 0]
    for r in wide.itertuples():
        table.add_row(
            str(r.point),
            str(r.agreement),
            _fmt(r.veg_required_hm3, 0),
            _fmt(r.veg_released_hm3, 0),
            _fmt(r.veg_shortfall_hm3, 1),
            _fmt(r.veg_shortfall_cost_musd, 2),
            _fmt(r.veg_months_short, 0),
        )
    return table


def _swap_line(result: PathwayResult) -> str:
    m = result.metrics
    parts = []
    for c in result.countries:
        rows = m[(m["country"] == c) & m["metric"].isin(["swap_energy_twh", "swap_water_hm3", "swap_net_value_musd"])]
        tot = pd.Series({str(k): g["value"].agg(aggregation_of(str(k))) for k, g in rows.groupby("metric")})
        if tot.get("swap_energy_twh", 0.0) > 0:
            parts.append(
                _(
                    "{country} {twh} TWh summer→winter ({hm3} hm3 of summer release, worth US${musd}m)",
                    country=c,
                    twh=format_number(tot["swap_energy_twh"]),
                    hm3=format_number(tot["swap_water_hm3"], 0),
                    musd=format_number(tot["swap_net_value_musd"], 1),
                )
            )
    return _("Water-for-energy swaps with KZ/UZ over the horizon: ") + ("; ".join(parts) if parts else _("none."))


def _trade_table(result: PathwayResult) -> FitTable:
    trade = result.trade
    base = result.outlook.base_year
    levers = {"transit_eaeu", "agri_processing", "border_flights"}
    part = trade["product_group"].map(
        lambda g: "electricity" if g == "electricity" else ("levers" if g in levers else "goods")
    )
    wide = trade.assign(part=part).pivot_table(index="year", columns="part", values="value_musd", aggfunc="sum")
    wide = wide.reindex(columns=["goods", "levers", "electricity"]).fillna(0.0)
    table = FitTable(title=_("KG–TJ trade turnover, US$ million"), title_justify="left", header_style="bold")
    heads = (_("year"), _("goods"), _("levers"), _("electricity"), _("turnover"), _("kind"))
    for i, head in enumerate(heads):
        table.add_column(head, justify="left" if i == len(heads) - 1 else "right")
    for year, row in wide[wide.index >= base].iterrows():
        kind = _("observed") if year == base else _("projected")
        total = float(row.sum())
        target = format_number(result.outlook.target_musd, 0)
        mark = _(" (target {musd})", musd=target) if year == result.outlook.target_year else ""
        table.add_row(
            str(year),
            _fmt(row["goods"], 1),
            _fmt(row["levers"], 1),
            _fmt(row["electricity"], 1),
            _fmt(total, 1),
            kind + mark,
        )
    return table


def print_summary(result: PathwayResult, summary: dict[str, Any]) -> None:
    """Print the rich summary of a pathway run."""
    from aralnexus.report.html import head_mode_words

    conv = summary["convergence"]
    console.print(
        f"[bold]{literal(summary['scenario'])}[/] · "
        + _("hydrology {name}", name=literal(summary["hydrology"]))
        + f" · {literal(summary['start'])} – {literal(summary['end'])} · "
        + head_mode_words(str(conv["mode"]))
        + ", "
        + ngettext("{n} LP solve", "{n} LP solves", int(conv["iterations"]))
        + ", "
        + _("max head change {pct} %", pct=_fmt(conv["max_head_change_pct"], 2))
        + ("" if conv["converged"] else " [red]" + _("(not converged)") + "[/]"),
        highlight=False,
    )
    if summary.get("start_storage", {}).get("summary"):
        start = describe_start_storage(
            result.results.start_storage
        )  # in the current language (the stored line is English)
        console.print(plain(_("Start storage: {where}", where=start)), highlight=False)
    for country in summary["countries"]:
        console.print(_security_table(summary, country))
    horizon = summary["horizon"]
    firm = ", ".join(c + " " + _("{twh} TWh", twh=_fmt(v.get("firm_winter_hydro_p90_twh"))) for c, v in horizon.items())
    console.print(
        _("Firm winter hydro energy (P90 of the run's winters): {firm}", firm=firm), highlight=False, markup=False
    )
    console.print(_exports_table(summary))
    for line in _casa_lines(result):
        console.print(plain(line), highlight=False)
    console.print(_water_table(result))
    console.print(plain(_swap_line(result)), highlight=False)
    console.print(_trade_table(result))
    console.print(_trade_line(result, summary), highlight=False)


def _trade_line(result: PathwayResult, summary: dict[str, Any]) -> Text:
    """Return the closing sentence: electricity in the target year and whether the target is reached.

    A plain text, so that it wraps at the terminal's width (``--json`` keeps the whole statement).
    """
    t = summary["trade"]
    return plain(
        _(
            "Electricity in {year}: US${musd}m ({share} of turnover).",
            year=result.outlook.target_year,
            musd=_fmt(t["electricity_2030_musd"], 1),
            share=_fmt(t["electricity_share_2030_pct"], 1) + " %",
        )
        + f" {t['statement']}"
    )


def _save(result: PathwayResult, store_path: Path | None) -> tuple[str | None, str | None]:
    """Save the run to the store; return (run id, store path)."""
    from aralnexus.store import RunRecord, open_store

    store = open_store(store_path)
    record = RunRecord.from_scenario(result.scenario, kind="run").finished()
    run_id = store.save_run(record, result.results, result.metrics, result.trade, replace=True)
    return run_id, str(store.path)


def _write_out(folder: Path, result: PathwayResult, summary: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    result.metrics.to_csv(folder / "metrics.csv", index=False)
    result.trade.to_csv(folder / "trade.csv", index=False)
    result.water.to_csv(folder / "water.csv", index=False)
    result.casa.to_csv(folder / "casa1000.csv", index=False)
    result.flows.to_csv(folder / "flows.csv", index=False)


def run(
    scenario: ScenarioArg = "default",
    start: StartOpt = None,
    end: EndOpt = None,
    hydrology: HydrologyOpt = None,
    store: StoreOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=N_("Print only where the results are."))] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help=N_("Print the summary as JSON (see docs/pathways.md)."))
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help=N_("Also write summary.json and the metric tables (CSV) to this folder.")),
    ] = None,
    no_save: Annotated[bool, typer.Option("--no-save", help=N_("Do not save the run to the store."))] = False,
    casa_rule: CasaRuleOpt = "flow",
    casa_check: CasaCheckOpt = "storage",
) -> None:
    """Optimise the 2025–2035 pathway of a scenario and summarise energy security, exports, water and trade."""
    t0 = time.perf_counter()
    try:
        result = run_pathway(
            scenario,
            start=start,
            end=end,
            hydrology=hydrology,
            casa_rule=_choice(casa_rule, CASA_RULES, "--casa-rule"),
            casa_criterion=_choice(casa_check, CASA_CRITERIA, "--casa-check"),
        )
        run_id, store_path = (None, None) if no_save else _save(result, store)
    except InputError as error:
        raise fail_input(error) from None
    except InfeasibleScenarioError as error:
        raise fail_infeasible(error) from None
    elapsed = time.perf_counter() - t0
    summary = pathway_summary(result, run_id, store_path, elapsed)
    if out is not None:
        _write_out(out, result, summary)
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    if not quiet:
        print_summary(result, summary)
    tm = result.timings
    seconds = {k: format_number(tm.get(k, 0), 1) for k in ("inflows", "optimise", "metrics")}
    console.print(
        _(
            "Done in {total} s (inflows {inflows} s, optimise {optimise} s, metrics {metrics} s",
            total=format_number(elapsed, 1),
            **seconds,
        )
        + (_(", counterfactual {s} s", s=format_number(tm["counterfactual"], 1)) if "counterfactual" in tm else "")
        + ").",
        highlight=False,
    )
    if run_id:
        line = _("Results: store {store}, run {run}. Report: aralnexus report {run}", store=store_path, run=run_id)
        console.print(plain(line), highlight=False)
    if out is not None:
        console.print(plain(_("Tables written to {folder}/", folder=out)), highlight=False)


def _verdict(code: str) -> str:
    """Return the CASA-1000 verdict for people (the stored code stays English)."""
    words = {
        "surplus": _("surplus"),
        "competes_with_winter": _("competes with winter"),
        "causes_winter_deficit": _("causes winter deficit"),
        "unknown": _("unknown"),
    }
    return words.get(code, code.replace("_", " "))


def _choice(value: str, allowed: tuple[_Word, ...], option: str) -> _Word:
    for word in allowed:
        if value == word:
            return word
    from aralnexus.errors import Problem

    raise InputError([Problem(option, "", f"one of {', '.join(allowed)}", repr(value))])


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``compare`` to the app."""
    from aralnexus.cli import compare_cmd

    app.command("run")(run)
    compare_cmd.register(app)


__all__ = ["CasaCriterion", "CasaRule", "register", "run"]
