"""Operating policies under uncertainty by stochastic dual dynamic programming (SDDP).

The engine knows nothing of rivers: a :class:`Problem` is a sequence of linear stage programs
(:class:`StageLP`, written with :class:`StageBuilder`) linked by state variables, with finite,
stagewise-independent noise per stage. :func:`train` builds a policy (Benders cuts on each stage's
cost-to-go) and a deterministic lower bound; :func:`simulate` runs the policy out of sample for the
statistical upper bound (:func:`estimate_cost`: plain Monte Carlo or control variates);
:func:`solve_extensive` solves small trees exactly as a check.
See ``docs/policy.md``.
"""

from aralnexus.policy.cuts import Cuts
from aralnexus.policy.estimate import CostEstimate, NoiseControls, estimate_cost
from aralnexus.policy.extensive import ExtensiveSolution, build_extensive, solve_extensive, tree_size
from aralnexus.policy.passes import PassRunner, Trajectory
from aralnexus.policy.problem import CutType, NoiseKind, Problem, StageBuilder, StageLP, StageNoise, StateRef
from aralnexus.policy.simulation import Simulation, sample_noise_paths, simulate
from aralnexus.policy.stage_solver import StageSolution, StageSolveError, StageSolver
from aralnexus.policy.training import LogRow, StopReason, TrainingResult, TrainOptions, train
from aralnexus.policy.values import cost_to_go, water_values

__all__ = [
    "CostEstimate",
    "CutType",
    "Cuts",
    "ExtensiveSolution",
    "LogRow",
    "NoiseControls",
    "NoiseKind",
    "PassRunner",
    "Problem",
    "Simulation",
    "StageBuilder",
    "StageLP",
    "StageNoise",
    "StageSolution",
    "StageSolveError",
    "StageSolver",
    "StateRef",
    "StopReason",
    "TrainOptions",
    "TrainingResult",
    "Trajectory",
    "build_extensive",
    "cost_to_go",
    "estimate_cost",
    "sample_noise_paths",
    "simulate",
    "solve_extensive",
    "train",
    "tree_size",
    "water_values",
]
