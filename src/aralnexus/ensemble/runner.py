"""Fan ensemble members out to workers and stream each finished member into the store.

``run_ensemble`` runs N synthetic hydrology members of one or more scenario variants in local
processes (``concurrent.futures.ProcessPoolExecutor``, default one per core) or on an existing
Dask cluster (``scheduler="tcp://host:8786"``). The parent process alone writes to DuckDB; workers
return compact :class:`~aralnexus.ensemble.outputs.MemberOutput` tables, at most a few per worker
are in flight, and inflows are generated in small batches — so memory stays flat as N grows.

Resumable: every variant is one run (``kind='ensemble'``, id from the variant content, seed,
hydrology and horizon); members already ``done``/``infeasible`` in the store are skipped, and a
member is written in one transaction (``Store.save_member`` replaces it), so an interruption at
any point — Ctrl-C, a killed worker, a killed parent — loses at most the members in flight and
never stores one twice. Run the same command again to finish.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import xarray as xr

from aralnexus.ensemble.inflows import iter_member_inflows
from aralnexus.ensemble.outputs import MemberOutput
from aralnexus.ensemble.solver import HeadStrategy, SolverOptions
from aralnexus.ensemble.tables import delete_member_storage, ensure_ensemble_schema, save_member_storage
from aralnexus.ensemble.variants import Variant, expand_variants
from aralnexus.ensemble.worker import dask_task, init_local_worker, local_task
from aralnexus.errors import InputError, Problem
from aralnexus.pathways.runner import prepare_scenario
from aralnexus.scenario.model import Scenario
from aralnexus.store import RunRecord, Store, open_store

log = logging.getLogger(__name__)

#: Called after each stored member: (output, members finished so far, members to run).
ProgressCallback = Callable[[MemberOutput, int, int], None]


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
    status: str = "running"


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
    if spec.heads not in ("iterate", "median"):
        problems.append(Problem("--heads", "", "iterate or median", repr(spec.heads)))
    if spec.scheduler is not None and not spec.scheduler.strip():
        problems.append(Problem("--scheduler", "", "a Dask scheduler address tcp://HOST:PORT", "''"))
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class _Task:
    key: str
    member: int
    inflows: xr.DataArray


def _hook_env() -> dict[str, str]:
    """Test-hook variables to hand to workers (a fork server may predate them)."""
    return {k: v for k, v in os.environ.items() if k.startswith("ARALNEXUS_TEST_")}


class _Backend:
    """A pool of workers: submit member tasks, restart after a crash, shut down."""

    name = "processes"

    def __init__(self, variants: dict[str, Scenario], options: SolverOptions, workers: int) -> None:
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
        return self._pool.submit(local_task, task.key, task.member, task.inflows)

    def wait(self, futures: list[Any]) -> set[Any]:
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return set(done)

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self, *, cancel: bool = False) -> None:
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _DaskBackend(_Backend):
    """The same on a Dask cluster; scenarios are scattered to every worker once."""

    name = "dask"

    def __init__(
        self, variants: dict[str, Scenario], options: SolverOptions, address: str | None, client: Any = None
    ) -> None:
        from distributed import Client

        self._own = client is None
        self.client = client if client is not None else Client(address, timeout="30s")  # type: ignore[no-untyped-call]
        self.variants, self.options = variants, options
        self._scattered = {k: self.client.scatter(sc, broadcast=True, hash=False) for k, sc in variants.items()}
        self.workers = max(1, sum(self.client.nthreads().values()))

    def submit(self, task: _Task) -> Any:
        return self.client.submit(
            dask_task,
            task.key,
            self._scattered[task.key],
            self.options,
            task.member,
            task.inflows,
            pure=False,
            retries=1,
        )

    def wait(self, futures: list[Any]) -> set[Any]:
        from distributed import wait as dask_wait

        done, _ = dask_wait(futures, return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call]
        return set(done)

    def restart(self) -> None:  # the scheduler reschedules lost tasks itself
        return None

    def close(self, *, cancel: bool = False) -> None:
        if self._own:
            self.client.close()


def _tasks(variants: list[Variant], pending: dict[str, list[int]], spec: EnsembleSpec, seed: int) -> Iterator[_Task]:
    for v in variants:
        sc = v.scenario
        for member, inflows in iter_member_inflows(sc, pending[v.label], sc.start, sc.end, seed):
            yield _Task(v.label, member, inflows)


def _store_member(store: Store, run_id: str, out: MemberOutput, started: datetime) -> None:
    """Write one member: its storage series, then its ``members`` row (the commit marker)."""
    save_member_storage(store, run_id, out.member, out.storage)
    store.save_member(
        run_id,
        out.member,
        out.summary,
        metrics=out.metrics,
        status=out.status,  # type: ignore[arg-type]
        started_at=started,
        error=out.error[-2000:],
    )


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
    base = prepare_scenario(spec.scenario, spec.start, spec.end)
    seed = base.hydrology.seed if spec.seed is None else int(spec.seed)
    variants = expand_variants(base, spec.vary)
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
    total = sum(len(p) for p in pending.values())
    options = SolverOptions(heads=spec.heads)
    scenarios = {v.label: v.scenario for v in variants if pending[v.label]}
    backend_name, n_workers = ("dask" if (spec.scheduler or client is not None) else "processes"), 0
    if total:
        backend: _Backend = (
            _DaskBackend(scenarios, options, spec.scheduler, client)
            if backend_name == "dask"
            else _Backend(scenarios, options, spec.workers or os.cpu_count() or 1)
        )
        n_workers = backend.workers
        log.info("ensemble: %d members of %d run(s) on %d %s worker(s)", total, len(variants), n_workers, backend_name)
        try:
            _drive(db, backend, _tasks(variants, pending, spec, seed), runs, total, spec.retries, progress)
        except BaseException:
            backend.close(cancel=True)
            raise
        backend.close()
    for run in runs.values():
        finished = run.already_done + run.done + run.infeasible
        run.missing = run.n_members - finished
        if run.missing == 0:
            run.status = "ok"
        elif run.failed:
            run.status = "failed"
        if run.status != "running":
            db.finish_run(run.run_id, run.status)  # type: ignore[arg-type]
    return EnsembleOutcome(list(runs.values()), str(db.path), time.perf_counter() - t0, backend_name, n_workers)


def _drive(
    db: Store,
    backend: _Backend,
    tasks: Iterator[_Task],
    runs: dict[str, RunProgress],
    total: int,
    retries: int,
    progress: ProgressCallback | None,
) -> None:
    """Keep ``backend.window`` tasks in flight; store each result as it arrives."""
    in_flight: dict[Any, tuple[_Task, datetime]] = {}
    retry: list[_Task] = []
    restarts = 0
    finished = 0
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
            return
        done = backend.wait(list(in_flight))
        broken = False
        for future in done:
            task, started = in_flight.pop(future)
            run = runs[task.key]
            try:
                out = future.result()
            except BrokenProcessPool:
                broken = True
                retry.append(task)
                continue
            except Exception as error:
                out = MemberOutput(task.key, task.member, "failed", error=f"{type(error).__name__}: {error}")
            _store_member(db, run.run_id, out, started)
            run.ran.append(out.member)
            setattr(run, out.status, getattr(run, out.status) + 1)
            finished += 1
            if progress is not None:
                progress(out, finished, total)
        if broken:
            retry.extend(task for task, _ in in_flight.values())
            in_flight.clear()
            if restarts >= retries:
                log.warning("a worker died; %d member(s) left for the next run", total - finished)
                return
            restarts += 1
            log.warning("a worker died; restarting the pool (%d/%d)", restarts, retries)
            backend.restart()
