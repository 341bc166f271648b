"""Benders cuts: ``θ_t[j] ≥ intercept + slope·x_out`` for the cost-to-go of stage ``t``, as arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aralnexus.policy.problem import Array, IntArray


@dataclass(frozen=True)
class Cuts:
    """A set of cuts (one row per cut).

    Parameters
    ----------
    stage
        The stage whose cost-to-go the cut bounds, shape ``(m,)``.
    theta
        Which cost-to-go column of that stage (0 for single cuts; the next stage's outcome for
        multi-cuts), shape ``(m,)``.
    intercept
        Cut intercepts, shape ``(m,)`` (cost units).
    slope
        Cut slopes with respect to the outgoing state, shape ``(m, n_states)`` (cost per state unit).
    """

    stage: IntArray
    theta: IntArray
    intercept: Array
    slope: Array

    @staticmethod
    def empty(n_states: int) -> Cuts:
        """Return an empty set of cuts for ``n_states`` states."""
        return Cuts(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros((0, n_states)))

    @staticmethod
    def concat(parts: Sequence[Cuts], n_states: int) -> Cuts:
        """Concatenate cut sets in order."""
        if not parts:
            return Cuts.empty(n_states)
        return Cuts(
            np.concatenate([p.stage for p in parts]).astype(np.int64),
            np.concatenate([p.theta for p in parts]).astype(np.int64),
            np.concatenate([p.intercept for p in parts]),
            np.concatenate([p.slope.reshape(-1, n_states) for p in parts]),
        )

    def __len__(self) -> int:
        """Return the number of cuts."""
        return int(self.intercept.shape[0])

    def select(self, mask: IntArray | np.ndarray) -> Cuts:
        """Return the cuts picked by a boolean mask or index array."""
        return Cuts(self.stage[mask], self.theta[mask], self.intercept[mask], self.slope[mask])

    def cost_to_go(self, stage: int, states: Array, theta_weights: Array, theta_lower: float) -> tuple[Array, Array]:
        """Evaluate the cut approximation of stage ``stage``'s cost-to-go at outgoing states ``(n, n_states)``.

        Each cost-to-go column is the maximum of its cuts (and ``theta_lower``); the value is their
        weighted sum. Returns the values ``(n,)`` and their slopes (the active cuts' slopes, zero
        where only ``theta_lower`` binds) ``(n, n_states)``.
        """
        pts = np.atleast_2d(states)
        total = np.zeros(pts.shape[0])
        slope = np.zeros(pts.shape)
        for j, weight in enumerate(theta_weights):
            mine = (self.stage == stage) & (self.theta == j)
            if not mine.any():
                total += weight * theta_lower
                continue
            values = self.intercept[mine][None, :] + pts @ self.slope[mine].T
            best = values.argmax(axis=1)
            top = values[np.arange(pts.shape[0]), best]
            active = top > theta_lower
            total += weight * np.where(active, top, theta_lower)
            slope += weight * np.where(active[:, None], self.slope[mine][best], 0.0)
        return total, slope
