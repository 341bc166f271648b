"""Passes in parallel: synchronous rounds on workers that share their cuts — local processes or a Dask cluster.

Every worker (:class:`PassWorker`) holds its own copy of all stage LPs. In a round each worker
first adds the cuts the *other* workers found in the previous round, then runs one iteration
(forward pass on its own noise sample, backward pass adding cuts). Cuts are valid lower
approximations wherever they were found, so sharing them one round late only delays, never
invalidates, them (the scheme of SDDP.jl's asynchronous mode made synchronous, which keeps runs
reproducible for a given seed and worker count). Out-of-sample simulations for the gap rule run on
the same workers, each on a chunk of the members, after adding the cuts it has not seen yet.

Where the workers live:

- one worker: the calling process (:class:`InProcessPool`);
- ``K`` local processes (:class:`ProcessPool`, spawned, talking over pipes);
- a Dask cluster (:class:`DaskPool`): ``K`` Dask actors placed round-robin on the cluster's
  workers, the problem scattered once. Give :func:`make_pool` (or
  :func:`aralnexus.policy.train`) a ``distributed.Client``; start a local cluster with
  ``dask.config.set(aralnexus.ensemble.dask_config.BATCH_CONFIG)`` to turn Dask's interactive
  diagnostics down as for ensembles.

Worker ``w`` samples its noise from the same seed in every backend, so a seed and a worker count
give the same cuts and bounds on local processes and on Dask (tested).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from aralnexus.policy.cuts import Cuts
from aralnexus.policy.passes import PassRunner
from aralnexus.policy.problem import Array, Problem
from aralnexus.policy.simulation import Simulation, concat_simulations, from_trajectories, split_paths


@dataclass(frozen=True)
class RoundResult:
    """What one worker returns from one iteration: its new cuts, its forward-pass cost, its solve count."""

    cuts: Cuts
    cost: float
    stage_solves: int


def worker_seed(seed: int, worker: int, start_iteration: int) -> np.random.SeedSequence:
    """Seed of one worker's noise sampling (distinct per worker and per resumed start)."""
    return np.random.SeedSequence([seed, worker, start_iteration])


class PassWorker:
    """One worker's stage LPs and what it is asked to do (the same on every backend).

    Parameters
    ----------
    problem
        The multistage problem.
    seed
        The worker's noise seed (:func:`worker_seed`).
    cuts
        Cuts found before (resumed training).
    cut_selection_every
        Select the LPs' cuts every this many iterations (:class:`PassRunner`); ``None``: never.
    """

    def __init__(
        self, problem: Problem, seed: np.random.SeedSequence, cuts: Cuts, cut_selection_every: int | None = None
    ) -> None:
        """Build every stage LP and add the cuts found before."""
        self.runner = PassRunner(problem, seed, cut_selection_every)
        self.runner.add_cuts(cuts)

    def round(self, others: Cuts) -> RoundResult:
        """Add the others' cuts of the last round, run one iteration, return its cuts, cost and solves."""
        self.runner.add_cuts(others)
        before = self.runner.stage_solves
        new, cost = self.runner.iteration()
        return RoundResult(new, cost, self.runner.stage_solves - before)

    def simulate(self, others: Cuts, noise_paths: list[Array]) -> tuple[Simulation, int]:
        """Add cuts not seen yet, simulate the policy on ``noise_paths``; return it and the stage solves it took."""
        self.runner.add_cuts(others)
        before = self.runner.stage_solves
        sim = from_trajectories(self.runner.simulate(noise_paths), keep_x=False)
        return sim, self.runner.stage_solves - before


class RoundPool(Protocol):
    """Runs synchronous rounds of SDDP iterations (one per worker) and simulations on the same workers."""

    workers: int

    def run_round(self) -> list[RoundResult]:
        """Run one iteration on each worker; return their results in worker order."""
        ...

    def lower_bound(self) -> tuple[float, int]:
        """Return the lower bound under every cut found so far and the stage solves it took."""
        ...

    def simulate(self, noise_paths: list[Array]) -> tuple[Simulation, int]:
        """Simulate the policy of every cut found so far on ``noise_paths``; return it and the stage solves."""
        ...

    def close(self) -> None:
        """Release the workers."""
        ...


class InProcessPool:
    """One worker: the calling process."""

    def __init__(
        self, problem: Problem, seed: int, cuts: Cuts, start_iteration: int, cut_selection_every: int | None = None
    ) -> None:
        """Build the stage LPs and add the cuts found before."""
        self.workers = 1
        self.worker = PassWorker(problem, worker_seed(seed, 0, start_iteration), cuts, cut_selection_every)
        self._none = Cuts.empty(problem.n_states)

    @property
    def runner(self) -> PassRunner:
        """The worker's pass runner."""
        return self.worker.runner

    def run_round(self) -> list[RoundResult]:
        """Run one iteration."""
        return [self.worker.round(self._none)]

    def lower_bound(self) -> tuple[float, int]:
        """Return the lower bound under every cut found so far and the stage solves it took."""
        before = self.runner.stage_solves
        return self.runner.lower_bound(), self.runner.stage_solves - before

    def simulate(self, noise_paths: list[Array]) -> tuple[Simulation, int]:
        """Simulate in this process."""
        return self.worker.simulate(self._none, noise_paths)

    def close(self) -> None:
        """Nothing to release."""


def _first_stage(cuts: Cuts) -> Cuts:
    """Return the cuts of the first stage's cost-to-go (all the lower bound's LP needs)."""
    return cuts.select(cuts.stage == 0)


class _SharedCuts:
    """Bookkeeping of a pool of remote workers: the cuts each has not seen yet, and a local bound runner.

    The bound is the first stage's expected value, so the local runner holds only the first stage's
    cuts: adding every stage's cuts to LPs this process never solves cost a serial pause after each
    round, growing with the cut count (the workers idle meanwhile).
    """

    def __init__(self, problem: Problem, workers: int, seed: int, cuts: Cuts, start_iteration: int) -> None:
        self.workers = workers
        self._n_states = problem.n_states
        self._pending = [Cuts.empty(problem.n_states) for _ in range(workers)]
        self._bounds = InProcessPool(problem, seed, _first_stage(cuts), start_iteration)

    def _take_pending(self) -> list[Cuts]:
        """Return the cuts each worker has not seen yet (they will have after this call)."""
        pending, self._pending = self._pending, [Cuts.empty(self._n_states) for _ in range(self.workers)]
        return pending

    def _after_round(self, results: list[RoundResult]) -> list[RoundResult]:
        """Give every worker the others' new cuts next time; add them all to the bound runner."""
        for w in range(self.workers):
            others = [r.cuts for j, r in enumerate(results) if j != w]
            self._pending[w] = Cuts.concat([self._pending[w], *others], self._n_states)
        self._bounds.runner.add_cuts(_first_stage(Cuts.concat([r.cuts for r in results], self._n_states)))
        return results

    def lower_bound(self) -> tuple[float, int]:
        """Return the lower bound under every cut found so far (solved in this process)."""
        return self._bounds.lower_bound()

    def _chunks(self, noise_paths: list[Array]) -> list[list[Array]]:
        return split_paths(noise_paths, self.workers)


def _worker_main(
    conn: multiprocessing.connection.Connection,
    problem: Problem,
    seed: np.random.SeedSequence,
    cuts: Cuts,
    cut_selection_every: int | None,
) -> None:
    """Worker loop: ``("round", cuts)`` or ``("simulate", cuts, paths)``; stop on ``None``."""
    try:
        worker = PassWorker(problem, seed, cuts, cut_selection_every)
        conn.send("ready")
        while (message := conn.recv()) is not None:
            if message[0] == "round":
                conn.send(worker.round(message[1]))
            else:
                conn.send(worker.simulate(message[1], message[2]))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass
    except Exception as err:
        conn.send(err)
    finally:
        conn.close()


class WorkerDiedError(RuntimeError):
    """A local worker process ended without answering."""

    def __init__(self, worker: int, exitcode: int | None) -> None:
        """Name the worker and its exit code."""
        super().__init__(
            f"policy worker {worker} ended without answering (exit code {exitcode}); if it failed while "
            "starting, check that the script that trains runs its code under "
            "'if __name__ == \"__main__\":' (workers are spawned and import it)"
        )
        self.worker = worker
        self.exitcode = exitcode


class ProcessPool(_SharedCuts):
    """``workers`` local processes (spawned), each running one iteration per round."""

    def __init__(
        self,
        problem: Problem,
        workers: int,
        seed: int,
        cuts: Cuts,
        start_iteration: int,
        cut_selection_every: int | None = None,
    ) -> None:
        """Start the workers and wait until each has built its stage LPs."""
        ctx = multiprocessing.get_context("spawn")
        self._conns: list[multiprocessing.connection.Connection] = []
        self._procs = []
        for w in range(workers):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=_worker_main,
                args=(child, problem, worker_seed(seed, w, start_iteration), cuts, cut_selection_every),
                daemon=True,
            )
            proc.start()
            child.close()
            self._conns.append(parent)
            self._procs.append(proc)
        try:
            for w in range(workers):
                self._receive(w)
        except BaseException:
            self.close()
            raise
        super().__init__(problem, workers, seed, cuts, start_iteration)

    def _send(self, w: int, message: object) -> None:
        """Send one message to worker ``w``; a worker that has died raises :class:`WorkerDiedError`."""
        try:
            self._conns[w].send(message)
        except (BrokenPipeError, ConnectionResetError):
            raise self._died(w) from None

    def _receive(self, w: int) -> Any:
        """Receive one message from worker ``w``; re-raise a worker's exception here.

        A worker that dies without answering (killed, out of memory, or failed while starting —
        e.g. a script that spawns workers without an ``if __name__ == "__main__":`` guard) raises
        :class:`WorkerDiedError` instead of leaving the parent waiting for ever.
        """
        conn = self._conns[w]
        multiprocessing.connection.wait([conn, self._procs[w].sentinel])  # an answer, or the end of the process
        if not conn.poll():
            raise self._died(w)
        try:
            message = conn.recv()
        except EOFError:
            raise self._died(w) from None
        if isinstance(message, Exception):
            raise message
        return message

    def _died(self, w: int) -> WorkerDiedError:
        """Collect worker ``w``'s exit code and return the error that names it."""
        self._procs[w].join(timeout=5)
        return WorkerDiedError(w, self._procs[w].exitcode)

    def run_round(self) -> list[RoundResult]:
        """Send each worker the cuts it has not seen, run one iteration each, collect the results."""
        for w, pending in enumerate(self._take_pending()):
            self._send(w, ("round", pending))
        return self._after_round([self._receive(w) for w in range(len(self._conns))])

    def simulate(self, noise_paths: list[Array]) -> tuple[Simulation, int]:
        """Simulate chunks of the members on the workers."""
        chunks = self._chunks(noise_paths)
        pending = self._take_pending()
        for w, (others, chunk) in enumerate(zip(pending, chunks, strict=False)):
            self._send(w, ("simulate", others, chunk))
        parts = [self._receive(w) for w in range(len(chunks))]
        self._pending[len(chunks) :] = pending[len(chunks) :]  # workers without a chunk saw nothing
        return concat_simulations([p[0] for p in parts]), sum(p[1] for p in parts)

    def close(self) -> None:
        """Stop the workers (politely, then by terminating any that linger)."""
        for conn in self._conns:
            with contextlib.suppress(BrokenPipeError, OSError):
                conn.send(None)
            conn.close()
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()


class DaskPool(_SharedCuts):
    """``workers`` Dask actors (:class:`PassWorker`) on the cluster of ``client``, placed round-robin.

    The problem is scattered to the chosen Dask workers once; every round sends each actor only the
    cuts it has not seen.
    """

    def __init__(
        self,
        problem: Problem,
        workers: int,
        seed: int,
        cuts: Cuts,
        start_iteration: int,
        client: Any,
        cut_selection_every: int | None = None,
    ) -> None:
        """Create the actors (each builds its stage LPs where it lives) and wait until all exist."""
        addresses = sorted(client.nthreads())
        if not addresses:
            raise RuntimeError("the Dask cluster has no workers")
        places = [addresses[w % len(addresses)] for w in range(workers)]
        shared = client.scatter(problem, workers=sorted(set(places)), broadcast=True, hash=False)
        self._client = client
        self._futures = [
            client.submit(
                PassWorker,
                shared,
                worker_seed(seed, w, start_iteration),
                cuts,
                cut_selection_every,
                actor=True,
                workers=[place],
                allow_other_workers=False,
                pure=False,
            )
            for w, place in enumerate(places)
        ]
        self._actors = [future.result() for future in self._futures]
        super().__init__(problem, workers, seed, cuts, start_iteration)

    def run_round(self) -> list[RoundResult]:
        """Run one iteration on every actor (concurrently), collect the results in worker order."""
        calls = [actor.round(pending) for actor, pending in zip(self._actors, self._take_pending(), strict=True)]
        return self._after_round([call.result() for call in calls])

    def simulate(self, noise_paths: list[Array]) -> tuple[Simulation, int]:
        """Simulate chunks of the members on the actors."""
        chunks = self._chunks(noise_paths)
        pending = self._take_pending()
        calls = [
            actor.simulate(others, chunk) for actor, others, chunk in zip(self._actors, pending, chunks, strict=False)
        ]
        parts = [call.result() for call in calls]
        self._pending[len(chunks) :] = pending[len(chunks) :]
        return concat_simulations([p[0] for p in parts]), sum(p[1] for p in parts)

    def close(self) -> None:
        """Release the actors (the client stays open: it is the caller's)."""
        self._actors = []
        with contextlib.suppress(Exception):
            self._client.cancel(self._futures)
        self._futures = []


def make_pool(
    problem: Problem,
    workers: int,
    seed: int,
    cuts: Cuts,
    start_iteration: int,
    client: Any = None,
    cut_selection_every: int | None = None,
) -> RoundPool:
    """Return a pool: Dask actors when a ``distributed.Client`` is given, else this process or local processes.

    ``cut_selection_every``: each worker selects its LPs' cuts that often (:class:`PassRunner`).
    """
    if client is not None:
        return DaskPool(problem, workers, seed, cuts, start_iteration, client, cut_selection_every)
    if workers <= 1:
        return InProcessPool(problem, seed, cuts, start_iteration, cut_selection_every)
    return ProcessPool(problem, workers, seed, cuts, start_iteration, cut_selection_every)
