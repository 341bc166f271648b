"""What a worker process does for one queued run: the same steps as ``aralnexus run``.

A worker process (:func:`serve_jobs`) receives one :class:`JobSpec` at a time over a pipe. The
scenario is loaded (and checked like the editor does), the pathway optimised by
:func:`aralnexus.pathways.run_pathway` and saved to the store as ``aralnexus run`` saves it.
Progress goes back as ``(kind, text)`` messages: ``phase`` (a step starts), ``log`` (a line the
model logs, such as each head iteration), then one ``done`` (the run id) or ``error`` (the
message the CLI would print).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aralnexus.errors import InfeasibleScenarioError, InputError

Send = Callable[[str, str], None]


@dataclass(frozen=True)
class JobSpec:
    """One run to do.

    Parameters
    ----------
    source
        ``default``, ``examples`` or ``user``.
    file
        File name in the source's folder (empty for ``default``).
    folder
        The source's folder (``None`` for ``default``).
    store
        The run store.
    start, end, hydrology
        Optional overrides, as ``aralnexus run --start/--end/--hydrology`` take them.
    """

    source: str
    file: str
    folder: Path | None
    store: Path
    start: str | None = None
    end: str | None = None
    hydrology: str | None = None

    @property
    def label(self) -> str:
        """What the job runs, for people: ``default`` or ``user/my.yaml``."""
        return "default" if self.source == "default" else f"{self.source}/{self.file}"


class _PipeHandler(logging.Handler):
    def __init__(self, send: Send) -> None:
        super().__init__(logging.INFO)
        self.send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.send("log", record.getMessage())
        except Exception:  # a closed pipe must not break the run
            self.handleError(record)


def _announced(send: Send, phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        send("phase", phase)
        return fn(*args, **kwargs)

    return call


def execute(spec: JobSpec, send: Send) -> str:
    """Run ``spec`` and return the stored run id, reporting progress with ``send``.

    Raises
    ------
    InputError, InfeasibleScenarioError
        As ``aralnexus run`` would report them.
    """
    from aralnexus.dispatch import optimise
    from aralnexus.hydrology import make_inflows
    from aralnexus.pathways import run_pathway
    from aralnexus.scenario import load_scenario
    from aralnexus.scenario.yaml_read import read_scenario_text
    from aralnexus.store import RunRecord, open_store
    from aralnexus.web.catalog import check_file_name, load_checked

    send("phase", "loading the scenario")
    if spec.source == "default" or spec.folder is None:
        scenario = load_scenario("default")
    else:
        text = read_scenario_text(spec.folder / check_file_name(spec.file), spec.label)
        scenario = load_checked(text, spec.file, spec.folder)
    result = run_pathway(
        scenario,
        start=spec.start,
        end=spec.end,
        hydrology=spec.hydrology,
        optimiser=_announced(send, "optimising", optimise),
        inflow_maker=_announced(send, "making inflows", make_inflows),
    )
    send("phase", "saving to the store")
    store = open_store(spec.store)
    record = RunRecord.from_scenario(result.scenario, kind="run").finished()
    return store.save_run(record, result.results, result.metrics, result.trade, replace=True)


def serve_jobs(conn: Connection) -> None:
    """Entry point of a worker process: run each :class:`JobSpec` received on ``conn`` in turn.

    The process imports the model once and then serves runs one at a time, answering each with
    progress messages and one ``done`` or ``error``; ``None`` or a closed pipe ends it.
    """

    def send(kind: str, text: str) -> None:
        conn.send((kind, text))

    logger = logging.getLogger("aralnexus")
    logger.setLevel(logging.INFO)
    logger.addHandler(_PipeHandler(send))
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        if spec is None:
            return
        try:
            send("done", execute(spec, send))
        except (InputError, InfeasibleScenarioError) as error:
            send("error", str(error))
        except Exception as error:  # the page shows what went wrong; the worker keeps serving
            send("error", f"{type(error).__name__}: {error}")
