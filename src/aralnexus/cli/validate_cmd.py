"""CLI command ``validate``: check a scenario file and list what it changes.

``aralnexus validate FILE|default [--json]`` prints ``✓ FILE is valid: N overrides`` and the
overrides, or every problem found; exit code 2 on problems. Nothing is written.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape

from aralnexus.cli.common import console, err_console, literal
from aralnexus.errors import ExitCode, InputError
from aralnexus.i18n import N_, _, ngettext
from aralnexus.scenario import Scenario, load_scenario


def _print_valid(scenario: Scenario, source: str) -> None:
    n = len(scenario.overrides)
    overrides = ngettext("{n} override", "{n} overrides", n)
    console.print(
        "[green]✓[/] " + _("{file} is valid: {overrides}", file=literal(source), overrides=overrides), highlight=False
    )
    for item in scenario.overrides:
        line = f"  {escape(item.path)}: {escape(item.default or '—')} [dim]→[/] {escape(item.value or '—')}"
        console.print(line, highlight=False, soft_wrap=True)


def _print_problems(error: InputError, source: str) -> None:
    n = len(error.problems)
    err_console.print(f"[bold red]✗ {literal(source)}: " + escape(ngettext("{n} problem", "{n} problems", n)) + "[/]")
    for problem in error.problems:
        err_console.print(f"  - {escape(str(problem))}", soft_wrap=True, highlight=False)


def validate(
    source: Annotated[str, typer.Argument(help=N_("Scenario YAML file, or 'default' for the built-in scenario."))],
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print a JSON object instead of text."))] = False,
) -> None:
    """Check a scenario file: every problem is listed at once (exit 2), or the overrides it makes."""
    try:
        scenario = load_scenario(source)
    except InputError as error:
        if as_json:
            problems = [asdict(p) for p in error.problems]
            typer.echo(json.dumps({"file": source, "valid": False, "problems": problems}, indent=2, ensure_ascii=False))
        else:
            _print_problems(error, source)
        # SystemExit (not typer.Exit) so that the code survives ``app(standalone_mode=False)``.
        raise SystemExit(int(ExitCode.BAD_INPUT)) from None
    if as_json:
        payload = {
            "file": source,
            "valid": True,
            "name": scenario.name,
            "content_hash": scenario.content_hash,
            "overrides": [asdict(o) for o in scenario.overrides],
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    _print_valid(scenario, source)


def register(app: typer.Typer) -> None:
    """Add this group's commands to app."""
    app.command("validate")(validate)
