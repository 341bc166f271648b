"""Fan ensemble members out to workers and stream each finished member into the store.

``run_ensemble`` runs N synthetic hydrology members of one or more scenario variants in local
processes (``concurrent.futures.ProcessPoolExecutor``, default one per core) or on an existing
Dask cluster (``scheduler="tcp://host:8786"``). The parent process alone writes to DuckDB; workers
return compact :class:`~aralnexus.ensemble.outputs.MemberOutput` tables, at most a few per worker
are in flight, and inflows are generated in small batches — so memory stays flat as N grows.

Resumable: every variant is one run (``kind='ensemble'``, id from the variant content, seed,
hydrology and horizon); members already ``done``/``infeasible`` in the store are skipped.
Finished members are written in small batches, each in one transaction that replaces any earlier
rows of its members (:class:`_Writer`), so an interruption at any point — Ctrl-C, a killed
worker, a killed parent — loses at most the members in flight or waiting to be written (one
write interval's worth: 1 s at first, a tenth of the time run so far later, at most 10 s) and
never stores one twice. Run the same command again to finish.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import xarray as xr

from aralnexus.dispatch.start import build_run_system
from aralnexus.ensemble.dask_config import check_scheduler_address
from aralnexus.ensemble.inflows import iter_member_chunks
from aralnexus.ensemble.outputs import MemberOutput
from aralnexus.ensemble.solver import SolverOptions, median_hydrology
from aralnexus.ensemble.tables import delete_member_storage, ensure_ensemble_schema, save_members
from aralnexus.ensemble.variants import Variant, expand_variants
from aralnexus.ensemble.worker import (
    VariantPayload,
    build_solver,
    dask_task,
    init_local_worker,
    local_task,
    preload,
)
from aralnexus.errors import InputError, Problem
from aralnexus.pathways.runner import prepare_scenario
from aralnexus.scenario.model import Scenario
from aralnexus.store import RunRecord, Store, open_store
from aralnexus.store.records import MemberRecord
from aralnexus.system.start_storage import describe_start_storage
from aralnexus.vocab import HEAD_STRATEGIES, HeadStrategy, RunStatus

log = logging.getLogger(__name__)

#: Called after each stored member: (output, members finished so far, members to run).
ProgressCallback = Callable[[MemberOutput, int, int], None]
#: Finished members are written in batches: at most one batch per this many seconds at first ...
WRITE_INTERVAL_S = 1.0
#: ... growing to this share of the time since the first write (a batch costs ~75 ms of the
#: parent's CPU, mostly opening and closing DuckDB), ...
WRITE_INTERVAL_SHARE = 0.1
#: ... and never longer than this ...
WRITE_INTERVAL_MAX_S = 10.0
#: ... unless this many members are waiting.
WRITE_BATCH_MEMBERS = 200
#: Tasks per worker the chunk size aims for, and the most members in one task.
TASKS_PER_WORKER = 8
MAX_CHUNK_MEMBERS = 8


@dataclass(frozen=True)
class EnsembleSpec:
    """What to run.

    Parameters
    ----------
    scenario
        Base scenario (object, YAML path or ``default``).
    members
        Number of synthetic hydrology members (0..N−1).
    seed
        Seed of the synthetic ensemble (default: the scenario's hydrology seed).
    start, end
        Horizon ``YYYY-MM`` (default: the scenario's).
    vary
        ``PATH=V1,V2`` grid options (see :mod:`aralnexus.ensemble.variants`).
    workers
        Local worker processes (default: one per core). Ignored with ``scheduler``.
    scheduler
        Address of a Dask scheduler (``tcp://host:8786``): run there instead of locally.
    heads
        Head strategy per member: ``iterate`` or ``median`` (see :mod:`aralnexus.ensemble.solver`).
    retries
        Times a broken local pool (a worker died) is restarted within one call; Dask retries
        lost tasks itself.
    force
        Replace stored runs of the same variants instead of resuming them.
    """

    scenario: Scenario | str | Path = "default"
    members: int = 100
    seed: int | None = None
    start: str | None = None
    end: str | None = None
    vary: tuple[str, ...] = ()
    workers: int | None = None
    scheduler: str | None = None
    heads: HeadStrategy = "iterate"
    retries: int = 2
    force: bool = False


@dataclass
class RunProgress:
    """Outcome of one variant's run."""

    run_id: str
    variant: str
    scenario: str
    n_members: int
    already_done: int
    ran: list[int] = field(default_factory=list)
    done: int = 0
    infeasible: int = 0
    failed: int = 0
    missing: int = 0
    status: RunStatus = "running"
    #: Where the members' start storages come from and what was adjusted (one line, as ``run`` prints it).
    start_storage: str = ""


@dataclass
class EnsembleOutcome:
    """What ``run_ensemble`` did: one :class:`RunProgress` per variant, where, and how long."""

    runs: list[RunProgress]
    store: str
    seconds: float
    backend: str
    workers: int
    peak_rss_mb: float | None = None

    @property
    def complete(self) -> bool:
        """Whether every member of every run is finished (``done`` or ``infeasible``)."""
        return all(r.status == "ok" for r in self.runs)


def ensemble_record(scenario: Scenario, seed: int, members: int, heads: HeadStrategy) -> RunRecord:
    """Return the run record of one variant's ensemble (its id ignores N, so N can grow on resume)."""
    record = RunRecord.from_scenario(scenario, kind="ensemble", seed=seed, status="running", n_members=members)
    return replace(record, hydrology=f"synthetic ensemble (seed {seed}, heads {heads})")


def _check(spec: EnsembleSpec) -> None:
    problems = []
    if spec.members < 1:
        problems.append(Problem("--members", "", "a positive number of members", str(spec.members)))
    if spec.workers is not None and spec.workers < 1:
        problems.append(Problem("--workers", "", "at least 1 worker", str(spec.workers)))
    if spec.heads not in HEAD_STRATEGIES:
        problems.append(Problem("--heads", "", " or ".join(HEAD_STRATEGIES), repr(spec.heads)))
    if spec.scheduler is not None and (problem := check_scheduler_address(spec.scheduler)) is not None:
        problems.append(problem)
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class _Task:
    key: str
    members: tuple[int, ...]
    inflows: xr.DataArray


def chunk_size(members: int, workers: int) -> int:
    """Largest members per task: enough tasks for every worker to stay busy (about 8 each), at most 8 members."""
    return max(1, min(MAX_CHUNK_MEMBERS, members // max(1, workers * TASKS_PER_WORKER)))


def guided_chunks(members: Sequence[int], workers: int, largest: int) -> list[tuple[int, ...]]:
    """Split members into tasks that shrink toward the end (guided self-scheduling).

    A task holds ``ceil(remaining / (2 · workers))`` members, at most ``largest`` and at least 1,
    so the last tasks are single members and no worker idles long while another finishes a big
    chunk (with 0.5 s members a chunk of 8 would leave up to 4 s of idle tail).
    """
    out: list[tuple[int, ...]] = []
    i, n = 0, len(members)
    while i < n:
        size = max(1, min(largest, -(-(n - i) // (2 * max(1, workers)))))
        out.append(tuple(members[i : i + size]))
        i += size
    return out


def _hook_env() -> dict[str, str]:
    """Test-hook variables to hand to workers (a fork server may predate them)."""
    return {k: v for k, v in os.environ.items() if k.startswith("ARALNEXUS_TEST_")}


class _Backend:
    """A pool of workers: submit member tasks, restart after a crash, shut down."""

    name = "processes"

    def __init__(self, variants: dict[str, VariantPayload], options: SolverOptions, workers: int) -> None:
        self.variants, self.options, self.workers = variants, options, workers
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["aralnexus.ensemble.worker"])
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=init_local_worker,
            initargs=(self.variants, self.options, os.getpid(), _hook_env()),
        )

    @property
    def window(self) -> int:
        return 2 * self.workers

    def submit(self, task: _Task) -> Any:
        return self._pool.submit(local_task, task.key, task.members, task.inflows)

    def wait(self, futures: list[Any], timeout_s: float | None = None) -> set[Any]:
        """Return the finished futures (none if ``timeout_s`` passed first)."""
        done, _ = wait(futures, timeout=timeout_s, return_when=FIRST_COMPLETED)
        return set(done)

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self, *, cancel: bool = False) -> None:
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _DaskBackend(_Backend):
    """The same on a Dask cluster; scenarios are scattered to every worker once.

    Connecting sends every worker a no-op task whose function lives in the worker module, so all
    workers import the solver stack at once, while the parent prepares the runs (otherwise each
    worker would import it in turn, when the broadcast scatter reaches it).
    """

    name = "dask"

    def __init__(self, address: str | None, client: Any = None) -> None:
        from distributed import Client

        self._own = client is None
        self.client = client if client is not None else Client(address, timeout="30s")  # type: ignore[no-untyped-call]
        self.workers = max(1, sum(self.client.nthreads().values()))
        self._warm = [
            self.client.submit(preload, workers=[worker], allow_other_workers=False, pure=False)
            for worker in self.client.nthreads()
        ]

    def start(self, variants: dict[str, VariantPayload], options: SolverOptions) -> None:
        """Scatter the variants to every worker and have each worker build their solvers.

        Called before the parent records the runs in the store, so that the workers' LP builds
        (and median runs) overlap that bookkeeping instead of following it.
        """
        self.variants, self.options = variants, options
        self._scattered = {k: self.client.scatter(sc, broadcast=True, hash=False) for k, sc in variants.items()}
        self.workers = max(1, sum(self.client.nthreads().values()))
        self._warm += [
            self.client.submit(build_solver, key, data, options, workers=[w], allow_other_workers=False, pure=False)
            for w in self.client.nthreads()
            for key, data in self._scattered.items()
        ]

    def submit(self, task: _Task) -> Any:
        return self.client.submit(
            dask_task,
            task.key,
            self._scattered[task.key],
            self.options,
            task.members,
            task.inflows,
            pure=False,
            retries=1,
        )

    def wait(self, futures: list[Any], timeout_s: float | None = None) -> set[Any]:
        from distributed import wait as dask_wait

        try:
            done, _ = dask_wait(futures, timeout=timeout_s, return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call]
        except TimeoutError:
            return set()
        return set(done)

    def restart(self) -> None:  # the scheduler reschedules lost tasks itself
        return None

    def close(self, *, cancel: bool = False) -> None:
        if self._own:
            self.client.close()


def _tasks(
    variants: list[Variant], pending: dict[str, list[int]], seed: int, chunk: int, workers: int
) -> Iterator[_Task]:
    for v in variants:
        sc = v.scenario
        chunks = guided_chunks(pending[v.label], workers, chunk)
        for members, inflows in iter_member_chunks(sc, chunks, sc.start, sc.end, seed):
            yield _Task(v.label, members, inflows)


class _Writer:
    """Buffer finished members and store them in batches, one transaction per batch.

    Writes are rate-limited: a member that arrives at least :meth:`interval` after the last
    write is written at once; otherwise it waits until then (or until ``max_members`` are
    waiting). The interval is ``interval_s`` at first and grows to ``share`` of the time since
    the first write, at most ``max_interval_s``, so a long run spends about 1 % of the parent's
    time in DuckDB instead of one open–commit–close per second. The run's end or an interruption
    writes what is left (:meth:`flush` in a ``finally``). Each batch is all-or-nothing
    (:func:`~aralnexus.ensemble.tables.save_members`), so a member is either stored in full or
    absent; a killed parent loses at most the members in flight and those waiting (at most one
    interval's worth: a tenth of the time run so far, at most ``max_interval_s``).
    """

    def __init__(
        self,
        db: Store,
        runs: dict[str, RunProgress],
        total: int,
        progress: ProgressCallback | None,
        interval_s: float = WRITE_INTERVAL_S,
        max_members: int = WRITE_BATCH_MEMBERS,
        share: float = WRITE_INTERVAL_SHARE,
        max_interval_s: float = WRITE_INTERVAL_MAX_S,
    ) -> None:
        self.db, self.runs, self.total, self.progress = db, runs, total, progress
        self.interval_s, self.max_members = interval_s, max_members
        self.share, self.max_interval_s = share, max_interval_s
        self.finished = 0
        self.batches = 0
        self._buffer: list[tuple[MemberOutput, datetime, datetime]] = []
        self._first: float | None = None
        self._last = -float("inf")

    def add(self, out: MemberOutput, started: datetime) -> None:
        self._buffer.append((out, started, datetime.now().replace(microsecond=0)))

    def interval(self, now: float | None = None) -> float:
        """Seconds between batches now: ``interval_s`` growing to ``share`` of the time since the first write."""
        if self._first is None:
            return self.interval_s
        since = (time.monotonic() if now is None else now) - self._first
        return min(self.max_interval_s, max(self.interval_s, self.share * since))

    def wait_s(self) -> float | None:
        """Seconds until the waiting members are due (``None`` when none wait)."""
        if not self._buffer:
            return None
        now = time.monotonic()
        return max(0.0, self._last + self.interval(now) - now)

    def due(self) -> bool:
        return len(self._buffer) >= self.max_members or self.wait_s() == 0.0

    def flush(self) -> None:
        """Store the waiting members (one transaction), then count them and report progress."""
        if not self._buffer:
            return
        batch: dict[str, list[tuple[MemberRecord, pa.Table | None]]] = {}
        for out, started, finished in self._buffer:
            record = MemberRecord(
                out.member,
                out.summary,
                out.metrics,
                out.status,  # type: ignore[arg-type]
                started,
                finished,
                out.error[-2000:],
            )
            batch.setdefault(self.runs[out.variant].run_id, []).append((record, out.storage))
        save_members(self.db, batch)
        self._last = time.monotonic()
        self.batches += 1
        if self._first is None:
            self._first = self._last
        stored, self._buffer = self._buffer, []
        for out, _, _ in stored:
            run = self.runs[out.variant]
            run.ran.append(out.member)
            setattr(run, out.status, getattr(run, out.status) + 1)
            self.finished += 1
            if self.progress is not None:
                self.progress(out, self.finished, self.total)


def run_ensemble(
    spec: EnsembleSpec,
    store: Store | str | Path | None = None,
    *,
    progress: ProgressCallback | None = None,
    client: Any = None,
) -> EnsembleOutcome:
    """Run (or resume) the ensemble of every variant and stream members into the store.

    Parameters
    ----------
    spec
        What to run.
    store
        A :class:`~aralnexus.store.Store` or its path (default: ``$ARALNEXUS_STORE`` or
        ``./aralnexus.duckdb``).
    progress
        Called after each stored member.
    client
        An existing ``distributed.Client`` to use instead of ``spec.scheduler``.

    Returns
    -------
    EnsembleOutcome
        Per run: id, members already stored, members run now and their statuses.
    """
    t0 = time.perf_counter()
    _check(spec)
    dask = _DaskBackend(spec.scheduler, client) if (spec.scheduler or client is not None) else None
    try:
        db, runs, n_workers = _run(spec, store, dask, progress)
    except BaseException:
        if dask is not None:
            dask.close(cancel=True)
        raise
    if dask is not None:
        dask.close()
    for run in runs.values():
        finished = run.already_done + run.done + run.infeasible
        run.missing = run.n_members - finished
        if run.missing == 0:
            run.status = "ok"
        elif run.failed:
            run.status = "failed"
        if run.status != "running":
            db.finish_run(run.run_id, run.status)
    backend_name = "dask" if dask is not None else "processes"
    return EnsembleOutcome(list(runs.values()), str(db.path), time.perf_counter() - t0, backend_name, n_workers)


def _record_start_storage(db: Store, run_id: str, scenario: Scenario) -> str:
    """Store where the members' start storages come from (the rule every member applies); return its line."""
    table = build_run_system(scenario, scenario.start, scenario.end, scenario.resolution).start_storage
    if table is None:
        return ""
    db.save_start_storage(run_id, table)
    return describe_start_storage(table)


def _payloads(variants: list[Variant]) -> dict[str, VariantPayload]:
    """Return what workers need to build each variant's solver: its scenario and median hydrology."""
    return {v.label: VariantPayload(v.scenario, median_hydrology(v.scenario)) for v in variants}


def _run(
    spec: EnsembleSpec, store: Store | str | Path | None, dask: _DaskBackend | None, progress: ProgressCallback | None
) -> tuple[Store, dict[str, RunProgress], int]:
    """Record the runs, then solve and store every pending member.

    Returns the store, each variant's progress and the number of workers used (0: nothing to run).
    """
    base = prepare_scenario(spec.scenario, spec.start, spec.end)
    seed = base.hydrology.seed if spec.seed is None else int(spec.seed)
    variants = expand_variants(base, spec.vary)
    options = SolverOptions(heads=spec.heads)
    if dask is not None:  # workers build their LPs while the parent records the runs
        dask.start(_payloads(variants), options)
    db = store if isinstance(store, Store) else open_store(store)
    ensure_ensemble_schema(db)
    runs: dict[str, RunProgress] = {}
    pending: dict[str, list[int]] = {}
    for v in variants:
        record = ensemble_record(v.scenario, seed, spec.members, spec.heads)
        run_id = db.start_run(record, replace=spec.force)
        if spec.force:
            delete_member_storage(db, run_id)
        todo = db.pending_members(run_id, spec.members)
        pending[v.label] = todo
        runs[v.label] = RunProgress(run_id, v.label, v.scenario.name, spec.members, spec.members - len(todo))
        runs[v.label].start_storage = _record_start_storage(db, run_id, v.scenario)
    total = sum(len(p) for p in pending.values())
    if not total:
        return db, runs, 0
    backend: _Backend
    if dask is not None:
        backend = dask
    else:
        unfinished = [v for v in variants if pending[v.label]]
        backend = _Backend(_payloads(unfinished), options, spec.workers or os.cpu_count() or 1)
    chunk = chunk_size(total, backend.workers)
    log.info(
        "ensemble: %d members of %d run(s) on %d %s worker(s), %d per task",
        total,
        len(variants),
        backend.workers,
        backend.name,
        chunk,
    )
    try:
        tasks = _tasks(variants, pending, seed, chunk, backend.workers)
        _drive(db, backend, tasks, runs, total, spec.retries, progress)
    except BaseException:
        if dask is None:
            backend.close(cancel=True)
        raise
    if dask is None:
        backend.close()
    return db, runs, backend.workers


def _drive(
    db: Store,
    backend: _Backend,
    tasks: Iterator[_Task],
    runs: dict[str, RunProgress],
    total: int,
    retries: int,
    progress: ProgressCallback | None,
) -> None:
    """Keep ``backend.window`` tasks in flight; store finished members in batches as they arrive."""
    writer = _Writer(db, runs, total, progress)
    try:
        gave_up = _loop(backend, tasks, writer, retries)
    finally:
        writer.flush()
    if gave_up:
        log.warning("a worker died; %d member(s) left for the next run", total - writer.finished)


def _loop(backend: _Backend, tasks: Iterator[_Task], writer: _Writer, retries: int) -> bool:
    """Run the tasks; return ``True`` if it stopped early because workers kept dying."""
    in_flight: dict[Any, tuple[_Task, datetime]] = {}
    retry: list[_Task] = []
    restarts = 0
    exhausted = False
    while True:
        while len(in_flight) < backend.window and (retry or not exhausted):
            if retry:
                task = retry.pop()
            else:
                task_or_none = next(tasks, None)
                if task_or_none is None:
                    exhausted = True
                    continue
                task = task_or_none
            try:
                in_flight[backend.submit(task)] = (task, datetime.now().replace(microsecond=0))
            except BrokenProcessPool:
                retry.append(task)
                break
        if not in_flight:
            return False
        done = backend.wait(list(in_flight), writer.wait_s())
        broken = False
        for future in done:
            task, started = in_flight.pop(future)
            try:
                outs: list[MemberOutput] = future.result()
            except BrokenProcessPool:
                broken = True
                retry.append(task)
                continue
            except Exception as error:
                message = f"{type(error).__name__}: {error}"
                outs = [MemberOutput(task.key, m, "failed", error=message) for m in task.members]
            for out in outs:
                writer.add(out, started)
        if writer.due():
            writer.flush()
        if broken:
            retry.extend(task for task, _ in in_flight.values())
            in_flight.clear()
            if restarts >= retries:
                return True
            restarts += 1
            log.warning("a worker died; restarting the pool (%d/%d)", restarts, retries)
            backend.restart()
