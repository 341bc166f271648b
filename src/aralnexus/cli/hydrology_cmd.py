"""CLI commands: ``aralnexus hydrology sample | stats | plot | import``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.text import Text

from aralnexus.cli.common import FitTable, console, plain, progress
from aralnexus.errors import InputError, Problem
from aralnexus.i18n import N_, _, format_number, format_significant, month_names, ngettext
from aralnexus.scenario.model import Scenario

hydrology_app = typer.Typer(
    help=N_("Inflows: sample synthetic years, compare statistics, plot, import records."), no_args_is_help=True
)

ScenarioOpt = Annotated[str, typer.Option("--scenario", help=N_("default or a scenario YAML file"))]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help=N_("seed of the synthetic generator"))]
#: Most synthetic years one command samples (10 million site-months per site; more is a typo).
MAX_YEARS = 1_000_000
#: Calendar years a synthetic series may span (numpy/pandas dates, four-digit years).
FIRST_YEAR, LAST_YEAR = 1, 9999


def load_cli_scenario(name: str) -> Scenario:
    """Load a scenario by name (``default``) or YAML file."""
    from aralnexus.scenario import load_scenario

    return load_scenario(name)


@hydrology_app.command("sample")
def sample_cmd(
    out: Annotated[Path, typer.Option("--out", help=N_("Parquet file to write (time, site, inflow_m3s)"))],
    years: Annotated[
        int, typer.Option("--years", min=1, max=MAX_YEARS, help=N_("number of consecutive synthetic years"))
    ] = 1000,
    seed: SeedOpt = 42,
    scenario: ScenarioOpt = "default",
    start_year: Annotated[
        int,
        typer.Option(
            "--start-year", min=FIRST_YEAR, max=LAST_YEAR, help=N_("calendar year of the first synthetic year")
        ),
    ] = 2000,
) -> None:
    """Generate YEARS consecutive synthetic years for every site and write them to Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from aralnexus.hydrology import sample_ensemble

    if start_year + years - 1 > LAST_YEAR:
        last = start_year + years - 1
        problem = Problem("--start-year", "", f"a series ending by {LAST_YEAR} (--start-year + --years − 1)", str(last))
        raise InputError([problem])
    scen = load_cli_scenario(scenario)
    with progress(ngettext("sampling {n} year", "sampling {n} years", years)):
        da = sample_ensemble(scen, years, seed, start_year)
        frame = da.to_dataframe().reset_index()[["time", "site", "inflow_m3s"]]
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta.update({f"aralnexus.{k}".encode(): str(v).encode() for k, v in da.attrs.items()})
        pq.write_table(table.replace_schema_metadata(meta), out)
    written = _(
        "wrote {years} × {sites} to {file}",
        years=ngettext("{n} year", "{n} years", years),
        sites=ngettext("{n} site", "{n} sites", int(da.sizes["site"])),
        file=out,
    )
    console.print(plain(written) + Text(f"  ({provenance_words(str(da.attrs['label']))})", style="dim"))


def _stats_rows(flows_site: np.ndarray, scen: Scenario, by_month: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Target vs sample statistics per site (and month), and the inter-basin correlation."""
    from aralnexus.hydrology import scenario_model
    from aralnexus.hydrology.stats import annual_volumes_km3, compute_statistics

    model = scenario_model(scen)
    layout, targets = model.layout, model.targets
    comp_of_site = layout.split.argmax(axis=1)
    share = layout.split.max(axis=1)
    got = compute_statistics(flows_site, layout.sites, layout.site_rivers)
    rows: list[dict[str, Any]] = []
    for i, site in enumerate(layout.sites):
        k = int(comp_of_site[i])
        if by_month:
            rows.extend(
                {
                    "site": site,
                    "month": m + 1,
                    "mean_m3s": [float(targets.mean_m3s[m, k] * share[i]), float(got.mean_m3s[m, i])],
                    "sd_m3s": [float(targets.sd_m3s[m, k] * share[i]), float(got.sd_m3s[m, i])],
                    "skew": [float(targets.skew[m, k]), float(got.skew[m, i])],
                    "lag1": [float(targets.lag1[m, k]), float(got.lag1[m, i])],
                }
                for m in range(12)
            )
        else:
            rows.append(
                {
                    "site": site,
                    "annual_km3": [float(targets.annual_mean_km3[k] * share[i]), float(got.annual_mean_km3[i])],
                    "annual_cv": [float(targets.annual_cv[k]), float(got.annual_cv[i])],
                    "annual_lag1": [float(targets.annual_lag1[k]), float(got.annual_lag1[i])],
                    "mean_lag1": [float(targets.lag1[:, k].mean()), float(got.lag1[:, i].mean())],
                    "mean_skew": [float(targets.skew[:, k].mean()), float(got.skew[:, i].mean())],
                }
            )
    rivers = sorted(set(layout.site_rivers))
    basin: dict[str, Any] = {}
    if len(rivers) == 2:
        volumes = annual_volumes_km3(flows_site)
        per_river = [volumes[:, [r == river for r in layout.site_rivers]].sum(axis=1) for river in rivers]
        comps = [layout.component_rivers.index(r) if r in layout.component_rivers else 0 for r in rivers]
        basin = {
            "rivers": rivers,
            "annual_corr": float(np.corrcoef(per_river)[0, 1]),
            "target_corr": float(targets.corr[comps[0], comps[1]]),
        }
    return rows, basin


def read_sample(path: Path, sites: tuple[str, ...] | list[str]) -> np.ndarray:
    """Read a sample written by ``hydrology sample``: flows ``(time, site)`` of ``sites``, m3/s.

    Raises
    ------
    InputError
        Naming the file when it is not such a sample: not Parquet, other columns, missing sites,
        duplicate or missing months, non-finite or negative flows, fewer than 3 whole years.
    """
    from aralnexus.hydrology.record import read_parquet_file

    label = str(path)
    expected = "a Parquet sample from `aralnexus hydrology sample` (time, site, inflow_m3s)"
    frame = read_parquet_file(path, expected=expected, columns=["time", "site", "inflow_m3s"])
    problems: list[Problem] = []
    missing = sorted(set(sites) - set(frame["site"].astype(str)))
    if missing:
        problems.append(Problem(label, "site", f"every site of the scenario ({', '.join(sites)})", f"no {missing}"))
    values = pd.to_numeric(frame["inflow_m3s"], errors="coerce")
    if not np.isfinite(values.to_numpy(dtype="float64")).all() or (values < 0).any():
        problems.append(Problem(label, "inflow_m3s", "finite flows ≥ 0 m3/s", "NaN, infinite or negative values"))
    if frame.duplicated(["time", "site"]).any():
        problems.append(Problem(label, "time", "one row per site and month", "duplicate rows"))
    if problems:
        raise InputError(problems)
    wide = frame.pivot(index="time", columns="site", values="inflow_m3s")[list(sites)]
    if wide.isna().any().any() or len(wide) < 36:
        found = f"{len(wide)} months" + (" with gaps" if wide.isna().any().any() else "")
        raise InputError([Problem(label, "time", "at least 3 whole years of months for every site", found)])
    return wide.to_numpy(dtype="float64")


@hydrology_app.command("stats")
def stats_cmd(
    file: Annotated[
        Path | None, typer.Argument(help=N_("Parquet from `hydrology sample` (default: sample now)"))
    ] = None,
    years: Annotated[
        int, typer.Option("--years", min=3, max=MAX_YEARS, help=N_("synthetic years when no FILE is given"))
    ] = 10_000,
    seed: SeedOpt = 42,
    scenario: ScenarioOpt = "default",
    by_month: Annotated[bool, typer.Option("--by-month", help=N_("one row per site and month"))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON instead of a table"))] = False,
) -> None:
    """Compare target statistics with those of synthetic flows (per site, summarised or by month)."""
    from aralnexus.hydrology import sample_ensemble, scenario_model

    scen = load_cli_scenario(scenario)
    model = scenario_model(scen)
    if file is None:
        with progress(ngettext("sampling {n} year", "sampling {n} years", years)):
            da = sample_ensemble(scen, years, seed)
        flows = da.transpose("time", "site").to_numpy()
        source = ngettext("{n} synthetic year (seed {seed})", "{n} synthetic years (seed {seed})", years, seed=seed)
    else:
        flows = read_sample(file, model.layout.sites)
        source = str(file)
    n_years = flows.shape[0] // 12
    rows, basin = _stats_rows(flows[: n_years * 12].reshape(n_years, 12, -1), scen, by_month)
    label = _("targets: {targets}; sample: {sample}", targets=provenance_words(model.variability_label), sample=source)
    provenance = model.provenance
    if as_json:
        doc = {"label": label, "columns": "[target, sample]", "rows": rows, "basins": basin, "provenance": provenance}
        console.print_json(json.dumps(doc))
        return
    table = FitTable(
        title=Text(_("Hydrology statistics — target (upper line) and sample (lower line)"), style="bold")
        + Text("\n" + label, style="dim"),
        title_justify="left",
    )
    keys = [k for k in rows[0] if k not in {"site", "month"}]
    heads = _stat_headers()
    table.add_column(_("site"))
    if by_month:
        table.add_column(_("month"), justify="right")
    for key in keys:
        table.add_column(heads.get(key, key), justify="right")
    for row in rows:
        cells = [row["site"]] + ([str(row["month"])] if by_month else [])
        cells += [f"{format_significant(row[k][0])}\n{format_significant(row[k][1])}" for k in keys]
        table.add_row(*(plain(c) for c in cells))
    console.print(table)
    if basin:
        line = _(
            "inter-basin correlation ({rivers}): target {target} (monthly normal scores), "
            "sample annual volumes {sample}",
            rivers=" – ".join(basin["rivers"]),
            target=format_number(basin["target_corr"], 2),
            sample=format_number(basin["annual_corr"], 2),
        )
        console.print(plain(line), highlight=False)
    if provenance:
        console.print(_provenance_table(provenance))


#: What the hydrology layer writes about its targets (English: it is also in --json and the sample's metadata)
#: → the catalog's msgids, shown in the language of the command.
_PROVENANCE_WORDS: tuple[str, ...] = (
    N_("monthly mean"),
    N_("monthly sd"),
    N_("skew"),
    N_("month-to-month lag-1"),
    N_("annual CV"),
    N_("annual lag-1"),
    N_("inter-basin correlation"),
    N_("record: observed monthly shape at the long-term norm (sources.csv)"),
    N_("DERIVED (not observed)"),
    N_("record: inter-annual sd of each month (inflow_monthly.sd_m3s)"),
    N_("assumed"),
    N_("assumed: two-parameter lognormal (3·CV + CV³)"),
    N_("assumed shape, scaled to the annual CV"),
    N_("DERIVED monthly shapes (not observed)"),
    N_("DERIVED + assumed variability (not observed)"),
    N_("DERIVED + assumed variability (not observed) and recorded statistics"),
)
_PROVENANCE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"record: CA-discharge gauge (?P<gauge>\S+), water years (?P<first>\d+)–(?P<last>\d+) \(n = (?P<n>\d+)\)"
        ),
        N_("record: CA-discharge gauge {gauge}, water years {first}–{last} (n = {n})"),
    ),
    (
        re.compile(
            r"derived: assumed profile × (?P<factor>[\d.]+), "
            r"so that the observed monthly sds give the observed annual CV"
        ),
        N_("derived: assumed profile × {factor}, so that the observed monthly sds give the observed annual CV"),
    ),
    (
        re.compile(r"record (?P<name>.+) \((?P<first>\d+)–(?P<last>\d+), observed\)"),
        N_("record {name} ({first}–{last}, observed)"),
    ),
)


def provenance_words(text: str) -> str:
    """Return a statistic's name or what it rests on in the current language (unknown text as it is)."""
    if text in _PROVENANCE_WORDS:
        return _(text)
    for pattern, message in _PROVENANCE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            values = match.groupdict()
            if "factor" in values:
                values["factor"] = format_number(float(values["factor"]), 2)
            return _(message, **values)
    return text


def _stat_headers() -> dict[str, str]:
    """Return column headings for people by statistic key (the keys stay English in --json)."""
    return {
        "annual_km3": _("annual km3"),
        "annual_cv": _("annual CV"),
        "annual_lag1": _("annual lag-1"),
        "mean_lag1": _("mean monthly lag-1"),
        "mean_skew": _("mean monthly skew"),
        "mean_m3s": _("mean m3/s"),
        "sd_m3s": _("sd m3/s"),
        "skew": _("skew"),
        "lag1": _("lag-1"),
    }


def _provenance_table(provenance: dict[str, dict[str, str]]) -> FitTable:
    """Which target statistics come from a record and which remain derived or assumed."""
    from aralnexus.hydrology.observed import STATISTICS

    title = _("Where the targets come from (record / derived / assumed)")
    table = FitTable(title=title, title_justify="left")
    table.add_column(_("statistic"))
    for series in provenance:
        table.add_column(plain(series))
    for stat in STATISTICS:
        table.add_row(
            plain(provenance_words(stat)), *(plain(provenance_words(provenance[s].get(stat, ""))) for s in provenance)
        )
    return table


@hydrology_app.command("plot")
def plot_cmd(
    out: Annotated[Path, typer.Option("--out", help=N_("PNG file"))] = Path("hydrology_fan.png"),
    years: Annotated[
        int, typer.Option("--years", min=10, max=MAX_YEARS, help=N_("synthetic years behind the fan"))
    ] = 2000,
    seed: SeedOpt = 42,
    scenario: ScenarioOpt = "default",
) -> None:
    """Fan chart of monthly flows per site (5–95 % and 25–75 % bands, median, climatology)."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    from aralnexus.hydrology import sample_ensemble, scenario_model

    scen = load_cli_scenario(scenario)
    model = scenario_model(scen)
    with progress(ngettext("sampling {n} year", "sampling {n} years", years)):
        da = sample_ensemble(scen, years, seed)
    flows = da.to_numpy().reshape(years, 12, -1)
    quant = np.quantile(flows, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    climatology = model.layout.to_sites(model.climatology_m3s)
    sites = list(da["site"].values)
    cols = min(3, len(sites))
    rows = -(-len(sites) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False, sharex=True)
    months = np.arange(1, 13)
    initials = [name[0].upper() for name in month_names()]  # stand-alone month names: J F M … / Я Ф М …
    for i, site in enumerate(sites):
        ax = axes[i // cols][i % cols]
        ax.fill_between(months, quant[0, :, i], quant[4, :, i], color="tab:blue", alpha=0.2, label="5–95 %")
        ax.fill_between(months, quant[1, :, i], quant[3, :, i], color="tab:blue", alpha=0.4, label="25–75 %")
        ax.plot(months, quant[2, :, i], color="tab:blue", label=_("median"))
        ax.plot(months, climatology[:, i], color="black", ls="--", lw=1, label=_("climatology"))
        ax.set_title(site, fontsize=9)
        ax.set_xticks(months, initials)
        ax.set_ylabel(_("m3/s"))
    for j in range(len(sites), rows * cols):
        axes[j // cols][j % cols].axis("off")
    axes[0][0].legend(fontsize=7)
    label = provenance_words(str(da.attrs["label"]))
    fig.suptitle(
        _(
            "Monthly inflows, {years} — {label}",
            years=ngettext("{n} synthetic year", "{n} synthetic years", years),
            label=label,
        ),
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    console.print(
        plain(_("wrote {file}", file=out)) + Text(f"  ({provenance_words(str(da.attrs['label']))})", style="dim")
    )


def _import_target(file: Path, out: Path | None, force: bool) -> Path:
    """Where ``hydrology import`` writes: never the input, an existing file only with ``--force``."""
    target = out if out is not None else file.with_suffix(".parquet")
    option = "--out" if out is not None else "--out (default: FILE with .parquet)"
    same = target.resolve() == file.resolve() or (target.exists() and file.exists() and target.samefile(file))
    if same:
        hint = "choose another --out; the input is never overwritten"
        raise InputError([Problem(str(target), option, "an output file other than the input", "the input file", hint)])
    if target.exists() and not target.is_file():
        raise InputError([Problem(str(target), option, "a file path", "an existing directory or special file")])
    if target.exists() and not force:
        hint = "pass --force to replace it, or choose another --out"
        raise InputError([Problem(str(target), option, "a file that does not exist yet", "an existing file", hint)])
    if not target.parent.is_dir():
        raise InputError([Problem(str(target), option, "a file in an existing folder", "no such folder")])
    return target


@hydrology_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help=N_("long CSV: site, date, discharge_m3s"))],
    out: Annotated[Path | None, typer.Option("--out", help=N_("validated Parquet (default: next to FILE)"))] = None,
    force: Annotated[bool, typer.Option("--force", help=N_("replace an existing --out file"))] = False,
    scenario: ScenarioOpt = "default",
) -> None:
    """Validate an observed monthly record and write it as the scenario's record (Parquet).

    The input is never overwritten, and an existing output file only with ``--force``; the
    Parquet file is written next to its final name and renamed, so nothing is half-written.
    """
    from aralnexus.hydrology.record import read_record_table, record_years, validate_record, write_record

    target = _import_target(file, out, force)
    raw = read_record_table(file)  # the file is checked before the scenario is loaded
    scen = load_cli_scenario(scenario)
    table = validate_record(raw, scen.dataset, str(file))
    columns, flows, first = record_years(table, str(file))
    partial = target.with_name(f".{target.name}.partial")
    try:
        write_record(table, partial, str(file))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    validated = _(
        "validated {values} for {series}; {years} from {first}",
        values=ngettext("{n} monthly value", "{n} monthly values", len(table)),
        series=", ".join(columns),
        years=ngettext("{n} complete year", "{n} complete years", int(flows.shape[0])),
        first=first,
    )
    console.print(plain(validated), highlight=False)
    console.print(plain(_("wrote {file}", file=target)), soft_wrap=True)
    console.print(_("use it in a scenario with:"))
    console.print(
        f"  hydrology: {{kind: record, record_file: {target}}}", highlight=False, markup=False, soft_wrap=True
    )


def register(app: typer.Typer) -> None:
    """Add the ``hydrology`` command group to app."""
    app.add_typer(hydrology_app, name="hydrology")
