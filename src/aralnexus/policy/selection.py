"""Level-1 dominance of cuts at visited trial points, kept up to date as cuts and points arrive.

Cut selection (SDDP.jl's rule) keeps, for each visited trial point and each cost-to-go column, the
first cut of the highest value there. Recomputing it from scratch costs ``cuts × points`` products
per selection, which grows with the square of the iterations (both grow by one batch per
iteration). :class:`Dominance` keeps the best cut of every (column, point) pair and evaluates only
what is new since the last call: the new cuts at the old points and every cut at the new points.
The result is that of the full recomputation (:meth:`StageSolver.dominant_cuts`, tested).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aralnexus.policy.problem import Array, IntArray


def highest_cuts(
    n_theta: int, theta: IntArray, intercept: Array, slope: Array, ids: IntArray, points: Array
) -> tuple[Array, IntArray]:
    """Return, per cost-to-go column and point, the highest value among the cuts ``ids`` and the first cut giving it.

    Both are ``(n_theta, n_points)``; a column with no cut among ``ids`` gets ``−inf`` and cut ``−1``.
    """
    value = np.full((n_theta, points.shape[0]), -np.inf)
    cut = np.full((n_theta, points.shape[0]), -1, dtype=np.int64)
    for j in np.unique(theta[ids]):
        mine = ids[theta[ids] == j]
        values = intercept[mine, None] + slope[mine] @ points.T  # (cuts, points)
        top = values.argmax(axis=0)  # the first of the highest
        value[j] = values[top, np.arange(points.shape[0])]
        cut[j] = mine[top]
    return value, cut


class Dominance:
    """The highest cut of each cost-to-go column at each trial point seen so far.

    Parameters
    ----------
    n_theta
        Number of cost-to-go columns of the stage (cuts carry one of ``0 … n_theta − 1``).
    n_states
        Length of a trial point (the stage's outgoing state).
    """

    def __init__(self, n_theta: int, n_states: int) -> None:
        """Start with no point and no cut seen."""
        self.n_theta = n_theta
        self._points = np.zeros((0, n_states))
        self._best_value = np.full((n_theta, 0), -np.inf)  # (column, point)
        self._best_cut = np.full((n_theta, 0), -1, dtype=np.int64)
        self._cuts_seen = 0

    @property
    def n_points(self) -> int:
        """Number of trial points seen."""
        return int(self._points.shape[0])

    def add_points(self, points: Array) -> None:
        """Record new trial points ``(n, n_states)`` (judged against every cut at the next :meth:`keep`)."""
        pts = np.atleast_2d(np.asarray(points, dtype=np.float64))
        if pts.shape[0]:
            self._points = np.concatenate([self._points, pts])

    def keep(self, theta: IntArray, intercept: Array, slope: Array) -> npt.NDArray[np.bool_]:
        """Return which cuts of the pool are the highest of their column at one of the points seen.

        ``theta``, ``intercept`` and ``slope`` are the whole pool in the order the cuts were added
        (a pool only grows: the cuts seen before keep their positions).
        """
        n_cuts = int(intercept.shape[0])
        if n_cuts < self._cuts_seen:
            raise ValueError(f"the pool shrank from {self._cuts_seen} to {n_cuts} cuts; a pool only grows")
        old_points = self._best_value.shape[1]
        self._raise_old_points(theta, intercept, slope, old_points)
        self._judge_new_points(theta, intercept, slope, old_points)
        self._cuts_seen = n_cuts
        keep = np.zeros(n_cuts, dtype=bool)
        best = self._best_cut[self._best_cut >= 0]
        keep[best] = True
        return keep

    def _raise_old_points(self, theta: IntArray, intercept: Array, slope: Array, old_points: int) -> None:
        """Let the cuts added since the last call take over the old points where they are strictly higher."""
        new = np.arange(self._cuts_seen, intercept.shape[0])
        if new.size == 0 or old_points == 0:
            return
        value, cut = highest_cuts(self.n_theta, theta, intercept, slope, new, self._points[:old_points])
        better = value > self._best_value  # strictly: an older cut of equal value stays first
        self._best_value[better] = value[better]
        self._best_cut[better] = cut[better]

    def _judge_new_points(self, theta: IntArray, intercept: Array, slope: Array, old_points: int) -> None:
        """Find the highest cut of each column at the points added since the last call."""
        pts = self._points[old_points:]
        if pts.shape[0] == 0:
            return
        value, cut = highest_cuts(self.n_theta, theta, intercept, slope, np.arange(theta.shape[0]), pts)
        self._best_value = np.concatenate([self._best_value, value], axis=1)
        self._best_cut = np.concatenate([self._best_cut, cut], axis=1)
