"""Read a trained policy: the cost-to-go of a stage and its marginal values (water values) at given states."""

from __future__ import annotations

import numpy as np

from aralnexus.policy.cuts import Cuts
from aralnexus.policy.passes import theta_weights
from aralnexus.policy.problem import Array, Problem


def cost_to_go(problem: Problem, cuts: Cuts, stage: int, states: Array) -> tuple[Array, Array]:
    """Return the policy's expected future cost after stage ``stage`` at outgoing ``states`` and its slopes.

    Parameters
    ----------
    problem
        The problem the cuts were trained on.
    cuts
        The policy's cuts.
    stage
        The stage whose outgoing states are evaluated (0 … T-2; after the last stage the cost is 0).
    states
        Outgoing states, shape ``(n, n_states)``.

    Returns
    -------
    values, slopes
        Expected future cost ``(n,)`` and its derivative with respect to each state ``(n, n_states)``.
        For a storage state the negated slope is the marginal value of stored water (the water value).
    """
    pts = np.atleast_2d(np.asarray(states, dtype=np.float64))
    weights = theta_weights(problem, stage)
    return cuts.cost_to_go(stage, pts, weights, problem.cost_to_go_lower_bound)


def water_values(problem: Problem, cuts: Cuts, stage: int, states: Array, state: int) -> Array:
    """Return the marginal value of state ``state`` (−∂ future cost / ∂ state) at outgoing ``states`` of ``stage``."""
    out: Array = -cost_to_go(problem, cuts, stage, states)[1][:, state]
    return out
