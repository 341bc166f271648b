"""The run queue: runs wait in a bounded queue; each worker does one at a time in its own process.

Each worker thread keeps one worker process (:func:`aralnexus.web.worker.serve_jobs`, started
with the first run and reused, so the model is imported once), sends it one run at a time, reads
its progress messages and ends the process on cancel. A process keeps the server responsive
while HiGHS solves, and can be stopped mid-solve; the store's writes are atomic, so a cancelled
run leaves nothing behind (the next run starts a fresh process).
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from aralnexus.web.worker import JobSpec, serve_jobs

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"done", "failed", "cancelled"})
#: Progress lines kept per job (the oldest are dropped).
MAX_LINES = 200
#: Jobs remembered by the server (the oldest finished ones are forgotten).
MAX_JOBS = 200


class QueueFullError(RuntimeError):
    """Every queue place is taken (HTTP 429)."""


@dataclass
class Job:
    """One queued, running or finished run, as the pages show it."""

    id: str
    spec: JobSpec
    state: JobState = "queued"
    phase: str = "waiting for a worker"
    lines: list[str] = field(default_factory=list)
    run_id: str | None = None
    error: str | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    version: int = 0
    cancel_requested: bool = False

    def snapshot(self) -> dict[str, object]:
        """Return the job as JSON-able data (the progress stream's events)."""
        elapsed = (self.finished or time.time()) - self.started if self.started else 0.0
        return {
            "id": self.id,
            "scenario": self.spec.label,
            "state": self.state,
            "phase": self.phase,
            "lines": list(self.lines),
            "run_id": self.run_id,
            "error": self.error,
            "elapsed_s": round(elapsed, 1),
            "version": self.version,
        }


class JobQueue:
    """A bounded run queue served by ``workers`` worker threads, each driving one process at a time."""

    def __init__(self, workers: int = 1, max_queue: int = 4, poll_s: float = 0.2) -> None:
        self.max_queue = max_queue
        self.poll_s = poll_s
        self._jobs: dict[str, Job] = {}
        self._waiting: deque[str] = deque()
        self._changed = threading.Condition()
        self._stopping = False
        self._counter = itertools.count(1)
        self._context = multiprocessing.get_context("spawn")
        self._threads = [
            threading.Thread(target=self._serve, name=f"aralnexus-web-worker-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def workers(self) -> int:
        """Number of worker threads (each runs one optimisation at a time)."""
        return len(self._threads)

    # -- what the pages call -------------------------------------------------------------
    def submit(self, spec: JobSpec) -> Job:
        """Queue a run and return its job.

        Raises
        ------
        QueueFullError
            If ``max_queue`` runs are already waiting.
        """
        with self._changed:
            if len(self._waiting) >= self.max_queue:
                msg = f"the run queue is full ({self.max_queue} runs waiting); try again when one has started"
                raise QueueFullError(msg)
            job = Job(id=f"{next(self._counter)}-{secrets.token_hex(3)}", spec=spec)
            self._jobs[job.id] = job
            self._waiting.append(job.id)
            finished = [j for j in self._jobs.values() if j.state in FINISHED]
            for old in sorted(finished, key=lambda j: j.submitted)[: max(0, len(self._jobs) - MAX_JOBS)]:
                del self._jobs[old.id]
            self._changed.notify_all()
            return job

    def get(self, job_id: str) -> Job | None:
        """Return a job by id (``None`` when unknown)."""
        with self._changed:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        """Return every job of this server, newest first."""
        with self._changed:
            return sorted(self._jobs.values(), key=lambda j: j.submitted, reverse=True)

    def snapshot(self, job_id: str) -> dict[str, object] | None:
        """Return a consistent copy of a job's state (``None`` when unknown)."""
        with self._changed:
            job = self._jobs.get(job_id)
            return job.snapshot() if job else None

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued job at once, or stop a running one; return whether the job was unfinished."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None or job.state in FINISHED:
                return False
            if job.state == "queued":
                self._waiting.remove(job_id)
                self._finish(job, "cancelled", "cancelled before it started")
            else:
                job.cancel_requested = True
                self._update(job, phase="cancelling")
            return True

    def close(self, timeout_s: float = 10.0) -> None:
        """Cancel every unfinished job and stop the workers."""
        with self._changed:
            self._stopping = True
            for job_id in list(self._waiting):
                self._finish(self._jobs[job_id], "cancelled", "server stopped")
            self._waiting.clear()
            for job in self._jobs.values():
                if job.state == "running":
                    job.cancel_requested = True
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(timeout_s)

    # -- the workers ---------------------------------------------------------------------
    def _update(self, job: Job, **changes: object) -> None:
        """Apply ``changes`` to ``job`` and wake the progress streams (caller holds the lock)."""
        for name, value in changes.items():
            setattr(job, name, value)
        job.version += 1
        self._changed.notify_all()

    def _finish(self, job: Job, state: JobState, phase: str, **changes: object) -> None:
        self._update(job, state=state, phase=phase, finished=time.time(), **changes)

    def _next(self) -> Job | None:
        with self._changed:
            self._changed.wait_for(lambda: bool(self._waiting) or self._stopping)
            if self._stopping:
                return None
            job = self._jobs[self._waiting.popleft()]
            self._update(job, state="running", phase="sent to a worker", started=time.time())
            return job

    def _serve(self) -> None:
        worker: _Worker | None = None
        while (job := self._next()) is not None:
            if worker is None or not worker.alive():
                with self._changed:
                    self._update(job, phase="starting a worker process")
                worker = _Worker(self._context)
            try:
                keep = self._drive(job, worker)
            except Exception as error:  # keep the thread alive whatever one run does
                log.exception("run %s failed in the web worker", job.id)
                keep = False
                with self._changed:
                    self._finish(job, "failed", "failed", error=f"{type(error).__name__}: {error}")
            if not keep:
                worker.stop()
                worker = None
        if worker is not None:
            worker.stop()

    def _drive(self, job: Job, worker: _Worker) -> bool:
        """Run ``job`` on ``worker``; return whether the worker process can serve the next job."""
        worker.conn.send(job.spec)
        outcome: tuple[str, str] | None = None
        while outcome is None and not job.cancel_requested:
            if worker.conn.poll(self.poll_s):
                try:
                    kind, text = worker.conn.recv()
                except (EOFError, OSError):
                    break
                outcome = self._message(job, kind, text)
            elif not worker.alive():
                break
        with self._changed:
            if outcome is not None and outcome[0] == "done":
                self._finish(job, "done", "finished", run_id=outcome[1])
            elif outcome is not None:
                self._finish(job, "failed", "failed", error=outcome[1])
            elif job.cancel_requested:
                self._finish(job, "cancelled", "cancelled while running")
            else:
                code = worker.process.exitcode
                self._finish(job, "failed", "failed", error=f"the worker process ended unexpectedly (exit {code})")
        return outcome is not None

    def _message(self, job: Job, kind: str, text: str) -> tuple[str, str] | None:
        """Record one progress message; return ``(kind, text)`` when it ends the run."""
        if kind in ("done", "error"):
            return kind, text
        with self._changed:
            lines = [*job.lines, text][-MAX_LINES:]
            self._update(job, lines=lines, **({"phase": text} if kind == "phase" else {}))
        return None


class _Worker:
    """One worker process serving runs one at a time (:func:`aralnexus.web.worker.serve_jobs`)."""

    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=serve_jobs, args=(child,), daemon=True, name="aralnexus-web-run")
        self.process.start()
        child.close()

    def alive(self) -> bool:
        """Whether the process is running."""
        return bool(self.process.is_alive())

    def stop(self) -> None:
        """End the process (mid-run if need be: the store's writes are atomic)."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
