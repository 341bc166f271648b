"""The ``aralnexus`` command: a Typer app assembled from one module per command group.

Exit codes: 0 ok, 1 failure, 2 bad input, 3 infeasible scenario.
"""

from __future__ import annotations

import sys

import typer

from aralnexus.cli import common
from aralnexus.i18n import N_

app = typer.Typer(
    name="aralnexus",
    help=N_(
        "Planning model of the Kyrgyzstan–Tajikistan water–energy–trade partnership.\n\n"
        "Exit codes: 0 ok, 1 failure, 2 bad input, 3 infeasible scenario."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_all() -> None:
    # One module per command group; each exposes ``register(app)``.
    from aralnexus.cli import (
        backtest_cmd,
        data_cmd,
        ensemble_cmd,
        export_cmd,
        hydrology_cmd,
        optimise_cmd,
        policy_cmd,
        report_cmd,
        results_cmd,
        run_cmd,
        serve_cmd,
        validate_cmd,
    )

    for module in (
        validate_cmd,
        data_cmd,
        optimise_cmd,
        hydrology_cmd,
        run_cmd,
        results_cmd,
        report_cmd,
        ensemble_cmd,
        backtest_cmd,
        export_cmd,
        policy_cmd,
    ):
        module.register(app)
    serve_cmd.register(app)
    app.callback()(common.lang_option)  # `aralnexus --lang ru COMMAND` too
    common.add_language_option(app)  # --lang on every command, defined once


_register_all()


def main() -> None:
    """Entry point: run the app and map domain errors to exit codes."""
    sys.exit(common.run_app(app))
