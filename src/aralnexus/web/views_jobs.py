"""Starting runs and following them: the run form, the queue, a job's streamed progress, cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from aralnexus.errors import InputError, Problem
from aralnexus.web.catalog import Catalog
from aralnexus.web.form import HYDROLOGY_CHOICES
from aralnexus.web.i18n import _
from aralnexus.web.inputs import read_form, run_options, text
from aralnexus.web.jobs import FINISHED, JobQueue
from aralnexus.web.render import page
from aralnexus.web.worker import JobSpec

#: How often the progress stream looks for news, and after how long without any it sends a keep-alive.
POLL_S = 0.25
KEEPALIVE_S = 10.0


def _queue(request: Request) -> JobQueue:
    queue: JobQueue = request.app.state.queue
    return queue


def _spec(request: Request, source: str, file: str, start: str, end: str, hydrology: str) -> JobSpec:
    """Build a job for a scenario the catalog knows (``default``, or a file in a scenarios folder)."""
    catalog: Catalog = request.app.state.catalog
    overrides = run_options(start.strip(), end.strip(), hydrology.strip())
    store = request.app.state.config.store
    if source == "default":
        return JobSpec("default", "", None, store, *overrides)
    path = catalog.path(source, file)  # checks the name and that the file exists inside its folder
    return JobSpec(source, path.name, path.parent, store, *overrides)


async def run_form(request: Request) -> Response:
    """Show the run page: what to run and the optional horizon and hydrology overrides."""
    source = request.query_params.get("source", "default")
    file = request.query_params.get("file", "")
    if source != "default":
        catalog: Catalog = request.app.state.catalog
        await run_in_threadpool(catalog.path, source, file)
    return page(
        request, "run_form.html", source=source, file=file, hydrology_choices=HYDROLOGY_CHOICES, queue=_queue(request)
    )


async def start(request: Request) -> Response:
    """Queue a run (303 to its progress page); 429 when the queue is full."""
    form = await read_form(request)
    source = text(form, "source", "default")
    if source not in ("default", "examples", "user"):
        raise InputError([Problem("<run form>", "source", "default, examples or user", repr(source[:40]))])
    spec = await run_in_threadpool(
        _spec,
        request,
        source,
        text(form, "file"),
        text(form, "start"),
        text(form, "end"),
        text(form, "hydrology"),
    )
    job = _queue(request).submit(spec)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


async def jobs(request: Request) -> Response:
    """List this server's runs: waiting, running and finished."""
    queue = _queue(request)
    return page(request, "jobs.html", jobs=[j.snapshot() for j in queue.jobs()], queue=queue)


def _snapshot(request: Request) -> dict[str, object]:
    snap = _queue(request).snapshot(request.path_params["job_id"])
    if snap is None:
        raise HTTPException(404, _("no such run in this server's queue (the queue is emptied when it restarts)"))
    return snap


async def job(request: Request) -> Response:
    """Show a job: state, progress lines, cancel; the browser follows the progress stream."""
    return page(request, "job.html", job=_snapshot(request), finished=FINISHED)


async def job_json(request: Request) -> Response:
    """Return a job's state as JSON."""
    return JSONResponse(_snapshot(request))


async def events(request: Request) -> Response:
    """Server-sent events: the job's state each time it changes, until it is finished."""
    queue, job_id = _queue(request), str(_snapshot(request)["id"])

    async def stream() -> AsyncIterator[str]:
        version, idle_s = -1, 0.0
        while (snap := queue.snapshot(job_id)) is not None:
            if snap["version"] != version:
                version, idle_s = int(str(snap["version"])), 0.0
                yield f"data: {json.dumps(snap)}\n\n"
                if snap["state"] in FINISHED:
                    return
            elif idle_s >= KEEPALIVE_S:
                idle_s = 0.0
                yield ": still working\n\n"
            await asyncio.sleep(POLL_S)
            idle_s += POLL_S

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


async def cancel(request: Request) -> Response:
    """Cancel a waiting run, or stop a running one."""
    await read_form(request)
    snap = _snapshot(request)
    _queue(request).cancel(str(snap["id"]))
    return RedirectResponse(f"/jobs/{snap['id']}", status_code=303)


ROUTES = [
    Route("/run", run_form, name="run_form"),
    Route("/jobs", jobs, name="jobs"),
    Route("/jobs", start, methods=["POST"], name="start_job"),
    Route("/jobs/{job_id}", job, name="job"),
    Route("/jobs/{job_id}/events", events, name="job_events"),
    Route("/jobs/{job_id}/cancel", cancel, methods=["POST"], name="cancel_job"),
    Route("/api/jobs/{job_id}", job_json, name="job_json"),
]
