"""Forward and backward passes of SDDP on one set of stage solvers (one process).

A :class:`PassRunner` owns one :class:`StageSolver` per stage. An iteration samples one noise
path, solves the stages forward from the initial state (forward pass, giving trial states), then
walks back: at each trial state it solves the next stage for *every* outcome of its noise and adds
a Benders cut to the stage before (backward pass). With single cuts the cut is the probability-
weighted average of the outcomes' linearisations; with multi-cuts each outcome gets its own cut on
its own cost-to-go column.

With cut selection (``cut_selection_every``), every that many iterations each stage's LP keeps
only the cuts that are highest at one of the trial points its forward passes visited (level-1
dominance, as SDDP.jl); the other cuts stay in the solver's pool, and any of them a solution
violates is put back and the stage solved again (:class:`StageSolver`), so every solve still
gives the solution of the LP with every cut, only faster. The first stage (the lower bound's)
keeps every cut.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from aralnexus.policy.cuts import Cuts
from aralnexus.policy.problem import Array, Problem
from aralnexus.policy.stage_solver import StageSolution, StageSolveError, StageSolver

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trajectory:
    """One forward pass.

    Parameters
    ----------
    states
        Outgoing state of each stage, shape ``(T, n_states)``.
    stage_costs
        Each stage's own cost, shape ``(T,)``.
    x
        Column values of every stage (kept only when asked for), else an empty tuple.
    row_dual
        Row duals of every stage's own rows (kept with ``x``), else an empty tuple.
    extra
        What a stage hook attached to every stage's solution (kept with ``x``), else an empty tuple.
    """

    states: Array
    stage_costs: Array
    x: tuple[Array, ...] = ()
    row_dual: tuple[Array, ...] = ()
    extra: tuple[Array, ...] = ()

    @property
    def cost(self) -> float:
        """Total cost of the pass."""
        return float(self.stage_costs.sum())


class StageHook(Protocol):
    """Re-solve a stage after its first solve in simulation (e.g. a fixed point on coefficients).

    Called with the stage index, its solver (whose coefficients and bounds the hook may change
    and re-solve), and the first solution; returns the solution to use. Must be picklable to
    run on worker processes.
    """

    def __call__(self, stage: int, solver: StageSolver, solution: StageSolution, duals: bool) -> StageSolution:
        """Return the stage's final solution."""
        ...


def one_blas_thread() -> AbstractContextManager[object]:
    """Limit BLAS to one thread while passes run (a context manager; ≈ 0.2 ms to enter).

    :meth:`PassRunner.iteration` and :meth:`PassRunner.simulate` run under it, so every backend
    (this process, local workers, Dask actors, simulation chunks) does.

    A pass's linear algebra is small (cuts × states products for the pool checks and cut
    selection). OpenBLAS's threads made it 3× slower alone and up to 100× slower with two workers
    on two cores, where their threads spin against each other: cut selection took 74 ms per stage
    instead of 0.7 ms after 300 iterations, more than the stage solves (measured, docs/policy.md).
    """
    limits: AbstractContextManager[object] = threadpool_limits(limits=1, user_api="blas")
    return limits


def theta_weights(problem: Problem, stage: int) -> Array:
    """Objective weights of stage ``stage``'s cost-to-go columns (empty after the last stage)."""
    if stage == problem.n_stages - 1:
        return np.zeros(0)
    if problem.cut_type == "single":
        return np.ones(1)
    return np.asarray(problem.stages[stage + 1].noise.probabilities, dtype=np.float64)


class PassRunner:
    """Stage solvers of a problem with the passes that use them.

    Parameters
    ----------
    problem
        The multistage problem.
    seed
        Seed of the noise sampling (a ``numpy`` seed or ``SeedSequence``).
    cut_selection_every
        Select cuts (level-1 dominance at the visited trial points) every this many iterations;
        ``None``: every cut stays in the LPs.
    """

    def __init__(
        self, problem: Problem, seed: int | np.random.SeedSequence = 0, cut_selection_every: int | None = None
    ) -> None:
        """Build every stage LP once."""
        self.problem = problem
        self.rng = np.random.default_rng(seed)
        self.solvers: list[StageSolver] = []
        self.skipped_cuts = 0
        self.cut_selection_every = cut_selection_every
        self.iterations = 0
        # bounds of each stage's outgoing state: solutions are clipped into them before being passed on,
        # so a bound met only to the solver's tolerance cannot make the next stage infeasible
        self._out_lower = [st.col_lower[st.state_out] for st in problem.stages]
        self._out_upper = [st.col_upper[st.state_out] for st in problem.stages]
        for t, stage in enumerate(problem.stages):
            weights = theta_weights(problem, t)
            self.solvers.append(StageSolver(stage, weights.shape[0], weights, problem.cost_to_go_lower_bound))

    @property
    def stage_solves(self) -> int:
        """Stage LPs solved so far by this runner."""
        return sum(s.solves for s in self.solvers)

    def add_cuts(self, cuts: Cuts) -> None:
        """Add cuts to the stage solvers they belong to."""
        for t in np.unique(cuts.stage):
            mine = cuts.stage == t
            self.solvers[int(t)].add_cuts(cuts.theta[mine], cuts.intercept[mine], cuts.slope[mine])

    def sample_noise(self, members: int, rng: np.random.Generator | None = None) -> list[Array]:
        """Sample noise paths from the stages' distributions: per stage an array ``(members, n_terms)``."""
        rng = self.rng if rng is None else rng
        out = []
        for stage in self.problem.stages:
            noise = stage.noise
            k = rng.choice(noise.n_outcomes, size=members, p=noise.probabilities)
            out.append(noise.values[k])
        return out

    def _solve(self, t: int, incoming: Array, values: Array, duals: bool = False) -> StageSolution:
        """Solve stage ``t``; name the stage in the error when it fails."""
        try:
            return self.solvers[t].solve(incoming, values, duals)
        except StageSolveError as err:
            raise StageSolveError(f"stage {t}: {err} (incoming state {incoming.tolist()})") from err

    def forward(self, noise_path: list[Array], keep_x: bool = False, hook: StageHook | None = None) -> Trajectory:
        """Solve the stages in order along one noise path (per stage: the values of its noise terms).

        ``keep_x`` keeps every stage's column values and row duals; ``hook`` re-solves each stage
        after its first solve (simulation only: cuts found with a hook would not be valid).
        """
        x = np.asarray(self.problem.initial_state, dtype=np.float64)
        states = np.empty((self.problem.n_stages, self.problem.n_states))
        costs = np.empty(self.problem.n_stages)
        kept: list[Array] = []
        duals: list[Array] = []
        extra: list[Array] = []
        for t in range(self.problem.n_stages):
            sol = self._solve(t, x, noise_path[t], keep_x)
            if hook is not None:
                sol = hook(t, self.solvers[t], sol, keep_x)
            x = np.clip(sol.outgoing, self._out_lower[t], self._out_upper[t])
            states[t], costs[t] = x, sol.stage_cost
            if keep_x:
                kept.append(sol.x)
                duals.append(sol.row_dual)
                extra.append(sol.extra)
        return Trajectory(states, costs, tuple(kept), tuple(duals), tuple(extra))

    def backward(self, states: Array) -> Cuts:
        """Add cuts at the trial states of one forward pass (last stage first); return them.

        A stage LP that HiGHS cannot solve even after its fallbacks
        (:meth:`StageSolver.resolve`) gives no cut at that trial point (counted in
        ``skipped_cuts``, logged); the pass goes on, since any subset of valid cuts is valid.
        """
        problem, parts = self.problem, []
        for t in range(problem.n_stages - 1, 0, -1):
            trial = states[t - 1]
            noise = problem.stages[t].noise
            try:
                sols = [self._solve(t, trial, noise.values[k]) for k in range(noise.n_outcomes)]
            except StageSolveError as err:  # every fallback failed: no cut here (fewer cuts are still valid)
                log.warning("backward pass: no cut for stage %d at this trial point: %s", t - 1, err)
                self.skipped_cuts += 1
                continue
            values = np.array([s.objective for s in sols])
            slopes = np.array([s.slopes for s in sols]).reshape(noise.n_outcomes, problem.n_states)
            intercepts = values - slopes @ trial
            if problem.cut_type == "single":
                p = noise.probabilities
                cut = Cuts(np.array([t - 1]), np.array([0]), np.array([p @ intercepts]), (p @ slopes)[None, :])
            else:
                k = noise.n_outcomes
                cut = Cuts(np.full(k, t - 1), np.arange(k, dtype=np.int64), intercepts, slopes)
            self.add_cuts(cut)
            parts.append(cut)
        return Cuts.concat(parts, problem.n_states)

    def iteration(self) -> tuple[Cuts, float]:
        """Run one forward pass on sampled noise and its backward pass; return the new cuts and the pass cost.

        Every ``cut_selection_every`` iterations the stage LPs' cuts are then selected.
        """
        with one_blas_thread():
            path = [values[0] for values in self.sample_noise(1)]
            traj = self.forward(path)
            for t in range(self.problem.n_stages - 1):  # where this runner's cuts are judged by selection
                self.solvers[t].dominance.add_points(traj.states[t])
            cuts = self.backward(traj.states)
            self.iterations += 1
            if self.cut_selection_every is not None and self.iterations % self.cut_selection_every == 0:
                self.select_cuts()
        return cuts, traj.cost

    def select_cuts(self) -> None:
        """Keep in each stage LP (but the first) only the cuts highest at one of its visited trial points."""
        for t in range(1, self.problem.n_stages - 1):
            self.solvers[t].select_dominant_cuts()

    def lower_bound(self) -> float:
        """Return the expected optimal value of the first stage under the current cuts (a lower bound)."""
        stage = self.problem.stages[0]
        x0 = np.asarray(self.problem.initial_state, dtype=np.float64)
        noise = stage.noise
        values = [self._solve(0, x0, noise.values[k]).objective for k in range(noise.n_outcomes)]
        return float(noise.probabilities @ np.asarray(values))

    def simulate(
        self, noise_paths: list[Array], keep_x: bool = False, hook: StageHook | None = None
    ) -> list[Trajectory]:
        """Simulate the current policy along given noise paths (per stage ``(members, n_terms)``)."""
        members = noise_paths[0].shape[0]
        with one_blas_thread():
            return [self.forward([v[m] for v in noise_paths], keep_x, hook) for m in range(members)]
