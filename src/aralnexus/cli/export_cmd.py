"""``aralnexus export``: write a scenario's model for other tools (``export pypsa``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from aralnexus.cli.common import JsonOption, QuietOption, console, handled, literal, print_json, progress
from aralnexus.i18n import N_, _, ngettext

export_app = typer.Typer(help=N_("Write a scenario's model for other tools."), no_args_is_help=True)


@export_app.command(
    "pypsa", epilog=N_('Examples:  aralnexus export pypsa default --out kg_tj.nc  ·  python -c "import pypsa; ..."')
)
def export_pypsa(
    scenario: Annotated[str, typer.Argument(help=N_("Scenario YAML file, or 'default'."))],
    out: Annotated[Path, typer.Option("--out", "-o", help=N_("netCDF file to write (PyPSA format)."))],
    start: Annotated[str | None, typer.Option(help=N_("First month YYYY-MM (default: the scenario's)."))] = None,
    end: Annotated[str | None, typer.Option(help=N_("Last month YYYY-MM (default: the scenario's)."))] = None,
    force: Annotated[bool, typer.Option("--force", help=N_("Replace --out if it exists."))] = False,
    json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write the scenario's fixed-head network (rated heads) as a PyPSA netCDF file.

    ``pypsa.Network(FILE).optimize()`` solves it to the objective of ``aralnexus optimise --head fixed``
    over the same months (without the look-ahead months ``optimise`` adds).
    """
    from aralnexus.dispatch.pypsa_network import require_pypsa, scenario_network, write_network
    from aralnexus.errors import InputError, Problem
    from aralnexus.scenario import load_scenario

    logging.getLogger("pypsa").setLevel(logging.WARNING)  # PyPSA logs every export at INFO
    with handled():
        if out.exists() and not force:
            hint = "choose another --out, or pass --force to replace it"
            raise InputError([Problem(str(out), "--out", "a file that does not exist yet", "an existing file", hint)])
        require_pypsa()
        with progress("building the PyPSA network", quiet=quiet or json):
            sc = load_scenario(scenario)
            n = scenario_network(sc, start, end)
            path = write_network(n, out, force=force)
    counts = {c: len(n.components[c].static) for c in ("Bus", "Generator", "Link", "Store", "Load")}
    if json:
        print_json({"scenario": sc.name, "file": str(path), "snapshots": len(n.snapshots), "components": counts})
        return
    if not quiet:
        # PyPSA's component names stay English (PyPSA's terms)
        parts = ", ".join(f"{v} {k.lower()}{'es' if k == 'Bus' else 's'}" for k, v in counts.items())
        console.print(
            _(
                "Wrote the PyPSA network of {scenario} ({snapshots}; {parts}) to [bold]{file}[/]",
                scenario=literal(sc.name),
                snapshots=ngettext("{n} snapshot", "{n} snapshots", len(n.snapshots)),
                parts=parts,
                file=literal(path),
            )
        )


def register(app: typer.Typer) -> None:
    """Add the ``export`` command group to ``app``."""
    app.add_typer(export_app, name="export")
