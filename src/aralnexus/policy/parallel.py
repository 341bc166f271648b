"""Passes in parallel: synchronous rounds on worker processes that share their cuts.

Every worker holds its own copy of all stage LPs. In a round each worker first adds the cuts the
*other* workers found in the previous round, then runs one iteration (forward pass on its own noise
sample, backward pass adding cuts). Cuts are valid lower approximations wherever they were found, so
sharing them one round late only delays, never invalidates, them (the scheme of SDDP.jl's
asynchronous mode made synchronous, which keeps runs reproducible for a given seed and worker
count). With one worker the round runs in the calling process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from aralnexus.policy.cuts import Cuts
from aralnexus.policy.passes import PassRunner
from aralnexus.policy.problem import Problem


@dataclass(frozen=True)
class RoundResult:
    """What one worker returns from one iteration: its new cuts, its forward-pass cost, its solve count."""

    cuts: Cuts
    cost: float
    stage_solves: int


def worker_seed(seed: int, worker: int, start_iteration: int) -> np.random.SeedSequence:
    """Seed of one worker's noise sampling (distinct per worker and per resumed start)."""
    return np.random.SeedSequence([seed, worker, start_iteration])


class RoundPool(Protocol):
    """Runs synchronous rounds of SDDP iterations (one per worker)."""

    workers: int

    def run_round(self) -> list[RoundResult]:
        """Run one iteration on each worker; return their results in worker order."""
        ...

    def lower_bound(self) -> tuple[float, int]:
        """Return the lower bound under every cut found so far and the stage solves it took."""
        ...

    def close(self) -> None:
        """Release the workers."""
        ...


class InProcessPool:
    """One worker: the calling process."""

    def __init__(self, problem: Problem, seed: int, cuts: Cuts, start_iteration: int) -> None:
        """Build the stage LPs and add the cuts found before."""
        self.workers = 1
        self.runner = PassRunner(problem, worker_seed(seed, 0, start_iteration))
        self.runner.add_cuts(cuts)

    def run_round(self) -> list[RoundResult]:
        """Run one iteration."""
        before = self.runner.stage_solves
        cuts, cost = self.runner.iteration()
        return [RoundResult(cuts, cost, self.runner.stage_solves - before)]

    def lower_bound(self) -> tuple[float, int]:
        """Return the lower bound under every cut found so far and the stage solves it took."""
        before = self.runner.stage_solves
        return self.runner.lower_bound(), self.runner.stage_solves - before

    def close(self) -> None:
        """Nothing to release."""


def _worker_main(
    conn: multiprocessing.connection.Connection, problem: Problem, seed: np.random.SeedSequence, cuts: Cuts
) -> None:
    """Worker loop: receive others' cuts, run an iteration, send the result; stop on ``None``."""
    try:
        runner = PassRunner(problem, seed)
        runner.add_cuts(cuts)
        conn.send("ready")
        while (message := conn.recv()) is not None:
            runner.add_cuts(message)
            before = runner.stage_solves
            new, cost = runner.iteration()
            conn.send(RoundResult(new, cost, runner.stage_solves - before))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass
    except Exception as err:
        conn.send(err)
    finally:
        conn.close()


class ProcessPool:
    """``workers`` local processes (spawned), each running one iteration per round."""

    def __init__(self, problem: Problem, workers: int, seed: int, cuts: Cuts, start_iteration: int) -> None:
        """Start the workers and wait until each has built its stage LPs."""
        ctx = multiprocessing.get_context("spawn")
        self.workers = workers
        self._n_states = problem.n_states
        self._conns: list[multiprocessing.connection.Connection] = []
        self._procs = []
        for w in range(workers):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=_worker_main,
                args=(child, problem, worker_seed(seed, w, start_iteration), cuts),
                daemon=True,
            )
            proc.start()
            child.close()
            self._conns.append(parent)
            self._procs.append(proc)
        for conn in self._conns:
            self._receive(conn)
        self._pending = [Cuts.empty(problem.n_states) for _ in range(workers)]
        self._bounds = InProcessPool(problem, seed, cuts, start_iteration)

    @staticmethod
    def _receive(conn: multiprocessing.connection.Connection) -> object:
        """Receive one message; re-raise a worker's exception here."""
        message = conn.recv()
        if isinstance(message, Exception):
            raise message
        return message

    def run_round(self) -> list[RoundResult]:
        """Send each worker the others' cuts of the last round, run one iteration each, collect the results."""
        for conn, pending in zip(self._conns, self._pending, strict=True):
            conn.send(pending)
        results = []
        for conn in self._conns:
            result = self._receive(conn)
            assert isinstance(result, RoundResult)
            results.append(result)
        self._pending = [
            Cuts.concat([r.cuts for j, r in enumerate(results) if j != w], self._n_states) for w in range(self.workers)
        ]
        self._bounds.runner.add_cuts(Cuts.concat([r.cuts for r in results], self._n_states))
        return results

    def lower_bound(self) -> tuple[float, int]:
        """Return the lower bound under every cut found so far (solved in this process)."""
        return self._bounds.lower_bound()

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


def make_pool(problem: Problem, workers: int, seed: int, cuts: Cuts, start_iteration: int) -> RoundPool:
    """Return an in-process pool for one worker, else a pool of local processes."""
    if workers <= 1:
        return InProcessPool(problem, seed, cuts, start_iteration)
    return ProcessPool(problem, workers, seed, cuts, start_iteration)
