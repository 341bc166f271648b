"""CLI command ``serve``: the scenario explorer in the browser (``aralnexus.web``).

``aralnexus serve [--store FILE] [--port N] [--host 127.0.0.1] [--open] [--scenarios DIR]`` serves
the pages on this computer only, unless another ``--host`` is asked for (with a warning: the pages
have no login).
"""

from __future__ import annotations

import threading
import webbrowser
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from aralnexus.cli.common import EXIT_CODES_HELP, StoreOption, console, err_console, handled, literal
from aralnexus.errors import InputError, Problem
from aralnexus.i18n import N_, _

HELP = N_(
    "Serve the scenario explorer in the browser: scenarios (the examples and your folder), an editor that "
    "validates as you type, runs with progress and cancel, the store's runs with their report, comparisons "
    "and downloads (CSV, Parquet, HTML). It runs on this computer and works offline.\n\n"
    "It listens on 127.0.0.1 (this computer only) unless --host says otherwise."
)
EXAMPLES = (
    N_("Examples:  aralnexus serve --open · aralnexus serve --store runs.duckdb --scenarios my-scenarios --port 8765.")
    + "\n\n"
    + EXIT_CODES_HELP
)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    store: StoreOption = None,
    port: Annotated[int, typer.Option("--port", help=N_("Port to listen on."))] = 8765,
    host: Annotated[
        str, typer.Option("--host", help=N_("Address to listen on; anything but 127.0.0.1 exposes the pages."))
    ] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help=N_("Open the scenarios page in the browser."))] = False,
    scenarios: Annotated[
        Path,
        typer.Option("--scenarios", help=N_("Folder of your scenario files (listed, edited and saved there only).")),
    ] = Path("scenarios"),
    workers: Annotated[int, typer.Option("--workers", help=N_("Runs optimised at the same time."))] = 1,
    max_queue: Annotated[int, typer.Option("--max-queue", help=N_("Runs that may wait; more are refused (429)."))] = 4,
) -> None:
    """Serve the scenario explorer in the browser."""
    import uvicorn

    from aralnexus.store import default_store_path
    from aralnexus.web import WebConfig, create_app
    from aralnexus.web.config import LOOPBACK_HOSTS

    with handled():
        problems = []
        if not 0 < port < 65536:
            problems.append(Problem("<arguments>", "--port", "a port 1..65535", str(port)))
        if workers < 1:
            problems.append(Problem("<arguments>", "--workers", "at least 1", str(workers)))
        if max_queue < 0:
            problems.append(Problem("<arguments>", "--max-queue", "0 or more", str(max_queue)))
        if scenarios.exists() and not scenarios.is_dir():
            problems.append(Problem("<arguments>", "--scenarios", "a folder", f"{scenarios} (a file)"))
        if problems:
            raise InputError(problems)
        hosts = LOOPBACK_HOSTS if host in LOOPBACK else (*LOOPBACK_HOSTS, host)
        config = WebConfig(
            store=store or default_store_path(),
            scenarios=scenarios.resolve(),
            workers=workers,
            max_queue=max_queue,
            allowed_hosts=("*",) if host in ("0.0.0.0", "::") else hosts,
        )
        app = create_app(config)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if host not in LOOPBACK:
        err_console.print(
            "[bold yellow]"
            + _("warning:")
            + "[/] "
            + _(
                "listening on {host}: anyone who can reach this address can see the runs, edit scenarios in the "
                "folder and start runs (there is no login). Use the default 127.0.0.1 unless you mean it.",
                host=escape(host),
            ),
            highlight=False,
        )
    console.print(
        "aralnexus serve: "
        + _(
            "{url}  (store {store}, scenarios {scenarios}); Ctrl+C stops it.",
            url=url,
            store=literal(config.store),
            scenarios=literal(config.scenarios),
        )
    )
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""
    app.command("serve", help=HELP, epilog=EXAMPLES)(serve)
