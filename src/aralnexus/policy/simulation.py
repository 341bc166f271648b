"""Simulate a trained policy: forward passes with the cuts fixed, on sampled or given noise paths.

The mean simulated cost estimates the policy's expected cost, an upper bound on the optimum (the
policy is feasible and non-anticipative); its 95 % interval is the normal-approximation interval
of the mean. Out of sample means noise the training never used: another seed, or paths a caller
draws from a richer distribution (e.g. a continuous inflow generator) and passes in.
"""

from __future__ import annotations

import itertools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from aralnexus.policy.cuts import Cuts
from aralnexus.policy.estimate import Z_95, CostEstimate, estimate_cost, plain_interval
from aralnexus.policy.passes import PassRunner, StageHook, Trajectory
from aralnexus.policy.problem import Array, Problem


@dataclass(frozen=True)
class Simulation:
    """Simulated members of a policy.

    Parameters
    ----------
    stage_costs
        Each member's cost per stage, shape ``(members, T)``.
    states
        Each member's outgoing state per stage, shape ``(members, T, n_states)``.
    x
        Per member, the column values of each stage (only when asked for), else empty.
    row_dual
        Per member, the row duals of each stage's own rows (with ``x``), else empty.
    extra
        Per member, what a stage hook attached to each stage (with ``x``), else empty.
    """

    stage_costs: Array
    states: Array
    x: tuple[tuple[Array, ...], ...] = ()
    row_dual: tuple[tuple[Array, ...], ...] = ()
    extra: tuple[tuple[Array, ...], ...] = ()

    @property
    def costs(self) -> Array:
        """Total cost of each member, shape ``(members,)``."""
        out: Array = self.stage_costs.sum(axis=1)
        return out

    @property
    def members(self) -> int:
        """Number of simulated members."""
        return int(self.stage_costs.shape[0])

    def interval(self, z: float = Z_95) -> tuple[float, float, float]:
        """Return the mean cost and its (normal-approximation) interval, default 95 % (plain Monte Carlo)."""
        return plain_interval(self.costs, z)

    def estimate(self, controls: Array | None = None) -> CostEstimate:
        """Estimate the policy's expected cost, with control variates when ``controls`` are given.

        ``controls``: each member's controls centred at their exact expectations, e.g.
        ``NoiseControls.centred(problem, noise_paths)`` of the paths simulated
        (:func:`~aralnexus.policy.estimate.estimate_cost`).
        """
        return estimate_cost(self.costs, controls)


def from_trajectories(trajs: list[Trajectory], keep_x: bool) -> Simulation:
    """Stack forward passes into a :class:`Simulation`."""
    return Simulation(
        stage_costs=np.stack([t.stage_costs for t in trajs]),
        states=np.stack([t.states for t in trajs]),
        x=tuple(t.x for t in trajs) if keep_x else (),
        row_dual=tuple(t.row_dual for t in trajs) if keep_x else (),
        extra=tuple(t.extra for t in trajs) if keep_x else (),
    )


def _simulate_chunk(
    problem: Problem, cuts: Cuts, noise_paths: list[Array], keep_x: bool, hook: StageHook | None = None
) -> Simulation:
    """Simulate members in this process (the task of one worker)."""
    runner = PassRunner(problem)
    runner.add_cuts(cuts)
    return from_trajectories(runner.simulate(noise_paths, keep_x, hook), keep_x)


def sample_noise_paths(problem: Problem, members: int, seed: int) -> list[Array]:
    """Draw noise paths from the stages' own distributions: per stage an array ``(members, n_terms)``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
    out = []
    for stage in problem.stages:
        noise = stage.noise
        out.append(noise.values[rng.choice(noise.n_outcomes, size=members, p=noise.probabilities)])
    return out


def simulate(
    problem: Problem,
    cuts: Cuts,
    members: int = 100,
    seed: int = 0,
    noise_paths: list[Array] | None = None,
    workers: int = 1,
    keep_x: bool = False,
    hook: StageHook | None = None,
    client: Any = None,
) -> Simulation:
    """Simulate the policy given by ``cuts``.

    Parameters
    ----------
    problem
        The multistage problem the cuts were trained on.
    cuts
        The policy's cuts.
    members
        Number of members (ignored when ``noise_paths`` are given).
    seed
        Seed of the sampled noise (ignored when ``noise_paths`` are given).
    noise_paths
        Optional noise values per stage, each ``(members, n_terms)``; need not lie in the training support.
    workers
        Local processes to spread the members over, or Dask tasks with ``client``.
    keep_x
        Keep every stage's column values and row duals of every member.
    hook
        Re-solves each stage after its first solve (see :class:`~aralnexus.policy.passes.StageHook`).
    client
        A ``distributed.Client``: simulate ``workers`` chunks of the members as tasks on its cluster
        (the problem and cuts scattered once per call) instead of local processes.
    """
    paths = sample_noise_paths(problem, members, seed) if noise_paths is None else noise_paths
    n = paths[0].shape[0]
    if client is not None:
        chunks = split_paths(paths, max(1, workers))
        shared = client.scatter([problem, cuts], broadcast=True, hash=False)
        futures = [client.submit(_simulate_chunk, *shared, c, keep_x, hook, pure=False) for c in chunks]
        return concat_simulations(client.gather(futures))
    if workers <= 1 or n < 2:
        return _simulate_chunk(problem, cuts, paths, keep_x, hook)
    chunks = split_paths(paths, workers)
    with ProcessPoolExecutor(len(chunks), mp_context=multiprocessing.get_context("spawn")) as pool:
        k = len(chunks)
        parts = list(pool.map(_simulate_chunk, [problem] * k, [cuts] * k, chunks, [keep_x] * k, [hook] * k))
    return concat_simulations(parts)


def split_paths(paths: list[Array], parts: int) -> list[list[Array]]:
    """Split noise paths (per stage ``(members, n_terms)``) into at most ``parts`` consecutive chunks of members."""
    n = paths[0].shape[0]
    bounds = np.linspace(0, n, min(parts, n) + 1).astype(int)
    return [[p[a:b] for p in paths] for a, b in itertools.pairwise(bounds)]


def concat_simulations(parts: list[Simulation]) -> Simulation:
    """Join simulations of consecutive chunks of members."""
    return Simulation(
        stage_costs=np.concatenate([p.stage_costs for p in parts]),
        states=np.concatenate([p.states for p in parts]),
        x=tuple(x for p in parts for x in p.x),
        row_dual=tuple(d for p in parts for d in p.row_dual),
        extra=tuple(e for p in parts for e in p.extra),
    )
