"""Shared CLI helpers: the rich console, error rendering and exit codes."""

from __future__ import annotations

import typer
from rich.console import Console

from aralnexus.errors import ExitCode, InfeasibleScenarioError, InputError

console = Console()
err_console = Console(stderr=True)


def fail_input(error: InputError) -> typer.Exit:
    """Print an input error (every problem on its own line) and return exit code 2."""
    err_console.print(f"[bold red]error:[/] {error}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(int(ExitCode.BAD_INPUT))


def fail_infeasible(error: InfeasibleScenarioError) -> typer.Exit:
    """Print what could not be met and return exit code 3."""
    err_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    return typer.Exit(int(ExitCode.INFEASIBLE))


def run_app(app: typer.Typer) -> int:
    """Run the Typer app; domain errors escaping a command become clean messages and exit codes."""
    try:
        app(standalone_mode=False)
    except InputError as error:
        err_console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.BAD_INPUT)
    except InfeasibleScenarioError as error:
        err_console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.INFEASIBLE)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        return int(ExitCode.FAILURE)
    except Exception as error:  # noqa: BLE001 - the CLI boundary: no traceback for users
        import click  # noqa: PLC0415

        if isinstance(error, click.exceptions.UsageError):
            error.show()
            return int(ExitCode.BAD_INPUT)
        if isinstance(error, click.exceptions.ClickException):
            error.show()
            return int(ExitCode.FAILURE)
        err_console.print(f"error: {type(error).__name__}: {error}", highlight=False, markup=False)
        return int(ExitCode.FAILURE)
    return int(ExitCode.OK)
