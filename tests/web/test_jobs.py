"""The run queue: bounded (429 when full), cancel, progress stream, runs in worker processes."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from aralnexus.store import Store
from aralnexus.web import WebConfig, create_app
from aralnexus.web.jobs import FINISHED, JobQueue, QueueFullError
from aralnexus.web.worker import JobSpec

starlette_testclient = pytest.importorskip("starlette.testclient")


def _idle_client(config: WebConfig):  # type: ignore[no-untyped-def]
    """A client of a server whose queue has no worker: runs wait until cancelled."""
    return starlette_testclient.TestClient(create_app(dataclasses.replace(config, workers=0)))


def _queue_default(client) -> object:  # type: ignore[no-untyped-def]
    form = {"csrf_token": client.app.state.csrf.value, "source": "default", "start": "2026-01", "end": "2026-03"}
    return client.post("/jobs", data=form, follow_redirects=False)


def test_a_full_queue_answers_429_with_a_message(config: WebConfig) -> None:
    with _idle_client(config) as client:
        accepted = [_queue_default(client) for _ in range(config.max_queue)]
        assert [r.status_code for r in accepted] == [303] * config.max_queue  # type: ignore[attr-defined]
        refused = _queue_default(client)
        assert refused.status_code == 429  # type: ignore[attr-defined]
        assert "the run queue is full (2 runs waiting)" in refused.text  # type: ignore[attr-defined]
        assert refused.headers["retry-after"] == "30"  # type: ignore[attr-defined]
        jobs = client.get("/jobs")
        assert jobs.text.count("queued") >= config.max_queue


def test_a_waiting_run_is_cancelled_and_its_stream_ends(config: WebConfig) -> None:
    with _idle_client(config) as client:
        job_url = _queue_default(client).headers["location"]  # type: ignore[attr-defined]
        assert client.get(job_url).status_code == 200
        assert client.get("/api" + job_url).json()["state"] == "queued"
        cancel = client.post(job_url + "/cancel", data={"csrf_token": client.app.state.csrf.value})
        assert cancel.status_code == 200  # followed to the job page
        snap = client.get("/api" + job_url).json()
        assert snap["state"] == "cancelled"
        events = client.get(job_url + "/events")
        assert events.headers["content-type"].startswith("text/event-stream")
        assert events.text.count("data: ") == 1 and '"state": "cancelled"' in events.text
        assert client.post(job_url + "/cancel", data={}).status_code == 403  # no token


def test_the_queue_refuses_beyond_its_bound_without_starting_work() -> None:
    queue = JobQueue(workers=0, max_queue=1)
    try:
        spec = JobSpec("default", "", None, Path("unused.duckdb"))
        first = queue.submit(spec)
        with pytest.raises(QueueFullError, match="queue is full"):
            queue.submit(spec)
        assert queue.cancel(first.id) and not queue.cancel(first.id)
        queue.submit(spec)  # a cancelled run frees its place
    finally:
        queue.close()


def _wait(queue: JobQueue, job_id: str, until: object, timeout_s: float = 120.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        snap = queue.snapshot(job_id)
        assert snap is not None
        if until(snap):  # type: ignore[operator]
            return snap
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {queue.snapshot(job_id)}")


@pytest.mark.slow
def test_a_worker_reports_bad_input_then_stops_a_running_run_on_cancel(tmp_path: Path) -> None:
    """A worker process gives a bad scenario the CLI's message, and a cancelled run leaves the store empty."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "bad.yaml").write_text("name: bad\nplants:\n  rogun:\n    capacity_mw: lots\n", encoding="utf-8")
    store = tmp_path / "runs.duckdb"
    queue = JobQueue(workers=1, max_queue=2)
    try:
        bad = queue.submit(JobSpec("user", "bad.yaml", folder, store))
        snap = _wait(queue, bad.id, lambda s: s["state"] in FINISHED)
        assert snap["state"] == "failed"
        assert "bad.yaml:4: plants.rogun.capacity_mw: expected a power in MW" in str(snap["error"])
        running = queue.submit(JobSpec("default", "", None, store))  # the full 2025–2035 pathway
        _wait(queue, running.id, lambda s: s["phase"] in ("making inflows", "optimising"))
        assert queue.cancel(running.id)
        snap = _wait(queue, running.id, lambda s: s["state"] in FINISHED, timeout_s=30)
        assert snap["state"] == "cancelled" and snap["run_id"] is None
        assert not store.exists() or Store(store).runs(include_incomplete=True).empty
    finally:
        queue.close()
