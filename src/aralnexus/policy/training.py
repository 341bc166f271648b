"""Train an SDDP policy: rounds of forward/backward passes until a stopping rule holds.

After every round the deterministic lower bound (the first stage's expected value under the
current cuts) is recomputed. Stopping rules, any of which ends training: an iteration count, a
wall-time limit, a stalled bound (relative improvement below ``stall_tol`` over
``stall_iterations`` iterations), a gap (upper end of the 95 % interval of an out-of-sample
simulation against the lower bound — plain Monte Carlo or control variates,
:mod:`aralnexus.policy.estimate` — checked every ``gap_every`` iterations, optionally screened by
a smaller simulation first), or the caller's callback returning ``True``. ``KeyboardInterrupt``
ends training too, keeping every cut found. Passes and gap simulations run on the pool's workers:
this process, local processes or Dask actors (:mod:`aralnexus.policy.parallel`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

from aralnexus.policy.cuts import Cuts
from aralnexus.policy.estimate import CostEstimate, NoiseControls, estimate_cost
from aralnexus.policy.parallel import RoundPool, make_pool
from aralnexus.policy.problem import Problem
from aralnexus.policy.simulation import sample_noise_paths

log = logging.getLogger(__name__)

StopReason = Literal["iterations", "time limit", "bound stall", "gap", "callback", "interrupted"]
#: Where the gap rule's screen takes its members from (:class:`TrainOptions`).
GapScreen = Literal["simulate", "forward passes"]


@dataclass(frozen=True)
class TrainOptions:
    """When to stop and how to run.

    Parameters
    ----------
    iterations
        Stop after this many iterations (forward/backward passes, summed over workers); ``None``: no limit.
    time_limit_s
        Stop when a round ends after this many seconds; ``None``: no limit.
    stall_iterations, stall_tol
        Stop when the lower bound improved by less than ``stall_tol`` (relative) over the last
        ``stall_iterations`` iterations; ``None``: never.
    gap
        Stop when ``(upper end of the 95 % interval − lower bound) / |upper end| ≤ gap``; ``None``: never.
    gap_members, gap_every
        Members of the out-of-sample simulation behind the gap rule, and how many iterations apart it runs.
    gap_screen_members
        If given, each gap check first simulates this many members and runs the full
        ``gap_members`` simulation only when their mean is within ``gap`` of the lower bound (the
        upper end of the full interval lies above its mean, so a check that fails on the mean
        would fail anyway); ``None``: always the full simulation. The decision to stop is always
        taken on ``gap_members`` members.
    gap_screen
        What the screen's members are: ``simulate`` — ``gap_screen_members`` new out-of-sample
        members (each a forward pass of every stage: 100 members cost as many stage solves as
        ~17 iterations of a 5-outcome problem); ``forward passes`` — the costs of the last
        ``gap_screen_members`` forward passes of training (at no cost; each is a draw of the
        policy of its iteration on noise sampled before its cuts were added, so their mean
        estimates the recent policies' expected cost, which lies above the current one's while
        the policy improves: a screen that errs towards not checking yet). With fewer forward
        passes so far than ``gap_screen_members``, those there are.
    gap_controls
        Control variates of the gap rule's estimate (:class:`~aralnexus.policy.estimate.NoiseControls`):
        the upper end is then that of the cross-fitted control-variate estimate
        (:func:`~aralnexus.policy.estimate.estimate_cost`; plain Monte Carlo when the members are too
        few for the controls); ``None``: plain Monte Carlo.
    workers
        Workers running passes in parallel: local processes (1: this process), or Dask actors
        when :func:`train` is given a client.
    seed
        Seed of the forward-pass noise.
    cut_selection_every
        Every this many iterations each worker keeps in its stage LPs (but the first stage's) only
        the cuts that are highest at one of the trial points it visited (level-1 dominance); the
        others stay in its pool and come back when a later point makes them highest. Every cut
        is still returned and stored; simulations use them all. ``None``: every cut stays in the LPs.
    """

    iterations: int | None = 100
    time_limit_s: float | None = None
    stall_iterations: int | None = None
    stall_tol: float = 1e-6
    gap: float | None = None
    gap_members: int = 200
    gap_every: int = 20
    gap_screen_members: int | None = None
    gap_screen: GapScreen = "simulate"
    gap_controls: NoiseControls | None = None
    workers: int = 1
    seed: int = 0
    cut_selection_every: int | None = 10

    def __post_init__(self) -> None:
        """Reject options that could never stop or make no sense."""
        if self.iterations is None and self.time_limit_s is None and self.stall_iterations is None and self.gap is None:
            raise ValueError("no stopping rule: give iterations, time_limit_s, stall_iterations or gap")
        if self.time_limit_s is not None and self.time_limit_s <= 0:
            raise ValueError(f"time_limit_s must be > 0, found {self.time_limit_s}")
        if self.iterations is not None and self.iterations < 0:
            raise ValueError(f"iterations must be ≥ 0, found {self.iterations}")
        if self.workers < 1:
            raise ValueError(f"workers must be ≥ 1, found {self.workers}")
        if self.cut_selection_every is not None and self.cut_selection_every < 1:
            raise ValueError(f"cut_selection_every must be ≥ 1, found {self.cut_selection_every}")
        if self.gap is not None and self.gap_members < 2:
            raise ValueError(f"gap_members must be ≥ 2, found {self.gap_members}")
        if self.gap_screen_members is not None and self.gap_screen_members < 2:
            raise ValueError(f"gap_screen_members must be ≥ 2, found {self.gap_screen_members}")
        if self.gap_screen not in get_args(GapScreen):
            raise ValueError(f"gap_screen must be one of {get_args(GapScreen)}, found {self.gap_screen!r}")


@dataclass(frozen=True)
class LogRow:
    """One line of the convergence log.

    Parameters
    ----------
    iteration
        Iterations done so far (cumulative over resumed runs).
    lower_bound
        Deterministic lower bound after them.
    time_s
        Training wall time so far (cumulative over resumed runs).
    stage_solves
        Stage LPs solved so far (cumulative; passes, lower bounds and gap simulations).
    upper_mean, upper_low, upper_high
        Simulated mean cost and its 95 % interval, where the gap rule simulated (else NaN), by
        ``upper_estimator``.
    upper_estimator
        The estimator of ``upper_*`` (``plain`` or ``control-variate``; empty where none ran).
    upper_high_plain
        The upper end of the plain Monte Carlo interval of the same members (for comparison).
    forward_costs
        The cost of each forward pass of the round (in-sample: the noise the cuts were found on).
    """

    iteration: int
    lower_bound: float
    time_s: float
    stage_solves: int
    upper_mean: float = math.nan
    upper_low: float = math.nan
    upper_high: float = math.nan
    upper_estimator: str = ""
    upper_high_plain: float = math.nan
    forward_costs: tuple[float, ...] = ()


@dataclass(frozen=True)
class TrainingResult:
    """Cuts and convergence log of a training run.

    Parameters
    ----------
    cuts
        Every cut found (including those of the run resumed from).
    log
        Convergence log, one row per round (including the run resumed from).
    stop_reason
        Why training stopped.
    """

    cuts: Cuts
    log: tuple[LogRow, ...]
    stop_reason: StopReason

    @property
    def iterations(self) -> int:
        """Iterations done in total."""
        return self.log[-1].iteration if self.log else 0

    @property
    def lower_bound(self) -> float:
        """The last lower bound."""
        return self.log[-1].lower_bound if self.log else -math.inf


def _stalled(log: list[LogRow], options: TrainOptions) -> bool:
    """Whether the bound improved by less than ``stall_tol`` over the last ``stall_iterations`` iterations."""
    if options.stall_iterations is None or not log:
        return False
    now = log[-1]
    earlier = [r for r in log if r.iteration <= now.iteration - options.stall_iterations]
    if not earlier:
        return False
    then = earlier[-1].lower_bound
    return abs(now.lower_bound - then) <= options.stall_tol * max(1.0, abs(now.lower_bound))


def _gap_check(
    pool: RoundPool,
    problem: Problem,
    options: TrainOptions,
    lower_bound: float,
    seed: int,
    forward_costs: Sequence[float] = (),
) -> tuple[CostEstimate | None, int]:
    """Simulate out of sample for the gap rule; return the cost estimate (``None``: screened out) and solves.

    ``forward_costs``: the costs of the training's forward passes so far, oldest first (the
    screen's members with ``gap_screen="forward passes"``).
    """
    assert options.gap is not None
    solves = 0

    def estimate(members: int, noise_seed: int) -> tuple[CostEstimate, int]:
        paths = sample_noise_paths(problem, members, noise_seed)
        sim, n = pool.simulate(paths)
        controls = None if options.gap_controls is None else options.gap_controls.centred(problem, paths)
        return estimate_cost(sim.costs, controls), n

    screen = options.gap_screen_members
    in_sample = options.gap_screen == "forward passes"
    if screen is not None and screen < options.gap_members and (not in_sample or len(forward_costs) >= 2):
        if in_sample:
            screened = estimate_cost(np.asarray(forward_costs[-screen:], dtype=np.float64))
        else:
            screened, solves = estimate(screen, seed + 1)
        if screened.mean - lower_bound > options.gap * abs(screened.mean):
            log.info(
                "gap screen (%d %s, %s): mean %.6g, lower bound %.6g: not yet",
                screened.members,
                "forward passes" if in_sample else "members",
                screened.estimator,
                screened.mean,
                lower_bound,
            )
            return None, solves
    full, n = estimate(options.gap_members, seed)
    log.info(
        "gap check (%d members, %s): mean %.6g, upper end %.6g (plain %.6g), lower bound %.6g",
        full.members,
        full.estimator,
        full.mean,
        full.high,
        full.plain_high,
        lower_bound,
    )
    return full, solves + n


def train(
    problem: Problem,
    options: TrainOptions | None = None,
    resume: TrainingResult | None = None,
    callback: Callable[[LogRow, Cuts], bool | None] | None = None,
    client: Any = None,
) -> TrainingResult:
    """Train a policy for ``problem`` by SDDP.

    Parameters
    ----------
    problem
        The multistage problem.
    options
        Stopping rules, workers and seed (defaults: 100 iterations, one process).
    resume
        A previous result on the same problem: its cuts are loaded and its log continued.
    callback
        Called after each round with the new log row and the round's new cuts (e.g. to store
        them and draw progress); returning ``True`` stops training.
    client
        A ``distributed.Client``: run the passes on ``options.workers`` Dask actors on its cluster
        (:class:`~aralnexus.policy.parallel.DaskPool`) instead of local processes.
    """
    opts = options or TrainOptions()
    cuts_parts = [resume.cuts] if resume is not None else []
    log_rows = list(resume.log) if resume is not None else []
    done = resume.iterations if resume is not None else 0
    t0_offset = log_rows[-1].time_s if log_rows else 0.0
    solves0 = log_rows[-1].stage_solves if log_rows else 0
    start_cuts = Cuts.concat(cuts_parts, problem.n_states)
    start = time.perf_counter()
    pool = make_pool(problem, opts.workers, opts.seed, start_cuts, done, client, opts.cut_selection_every)
    reason: StopReason = "iterations"
    solves = solves0
    try:
        last_gap = done
        while True:
            if opts.iterations is not None and done >= opts.iterations:
                reason = "iterations"
                break
            results = pool.run_round()
            new = Cuts.concat([r.cuts for r in results], problem.n_states)
            cuts_parts.append(new)
            done += len(results)
            solves += sum(r.stage_solves for r in results)
            lb, bound_solves = pool.lower_bound()
            solves += bound_solves
            elapsed = t0_offset + time.perf_counter() - start
            forward = tuple(r.cost for r in results)
            row = LogRow(done, lb, elapsed, solves, forward_costs=forward)
            if opts.gap is not None and done - last_gap >= opts.gap_every:
                last_gap = done
                passes = [c for r in log_rows for c in r.forward_costs] + list(forward)
                found, gap_solves = _gap_check(pool, problem, opts, lb, opts.seed + done, passes)
                solves += gap_solves
                elapsed = t0_offset + time.perf_counter() - start
                row = LogRow(done, lb, elapsed, solves, forward_costs=forward)
                if found is not None:
                    row = LogRow(done, lb, elapsed, solves, *found.interval, found.estimator, found.plain_high, forward)
            log_rows.append(row)
            log.debug("iteration %d: lower bound %.6g (%.1f s)", row.iteration, row.lower_bound, row.time_s)
            if callback is not None and callback(row, new):
                reason = "callback"
                break
            if opts.time_limit_s is not None and time.perf_counter() - start >= opts.time_limit_s:
                reason = "time limit"
                break
            if _stalled(log_rows, opts):
                reason = "bound stall"
                break
            gap = row.upper_high - row.lower_bound
            if opts.gap is not None and np.isfinite(gap) and gap <= opts.gap * abs(row.upper_high):
                reason = "gap"
                break
    except KeyboardInterrupt:
        reason = "interrupted"
    finally:
        pool.close()
    return TrainingResult(Cuts.concat(cuts_parts, problem.n_states), tuple(log_rows), reason)
