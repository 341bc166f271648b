"""The expected cost of a policy from simulated members: plain Monte Carlo or control variates.

A policy's expected cost is estimated by the mean cost of i.i.d. simulated members; its 95 %
interval is ``mean ± 1.96·sd/√n`` (plain Monte Carlo). When the member costs spread widely the
interval is wide even for many members. **Control variates** narrow it without changing how
members are drawn: a control is a quantity computed from each member's noise whose expectation
is known exactly — here a linear function of the noise path (e.g. a year's inflow volume) and its
square. Members whose cost is high because their noise was unlucky (a dry year) are corrected by
how unlucky they were, ``y_i − β·(c_i − E[c])``; the correction has expectation zero, so the mean
stays an estimate of the same expected cost, with the variance of the part of the cost the
controls do not explain.

The coefficients ``β`` are estimated by least squares, **cross-fitted**: the members are split
into folds and each fold is corrected with coefficients fitted on the other folds. A member's
correction then uses coefficients independent of it, so the estimator is exactly unbiased (not
only asymptotically, as with coefficients fitted on the same members); the interval is the
normal-approximation interval of the corrected costs. The members themselves are untouched
(i.i.d. draws), so anything else read from them — risk metrics, quantiles — is unaffected.

:class:`NoiseControls` holds the controls of a problem (weights per stage on its noise terms) and
computes their exact expectations from the stages' finite noise distributions: they are exact
for members sampled from those distributions (:func:`~aralnexus.policy.simulation.sample_noise_paths`,
the gap rule), not for noise paths from another generator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from aralnexus.policy.problem import Array, Problem

#: Two-sided 97.5 % quantile of the standard normal distribution (95 % interval).
Z_95 = 1.959963984540054
#: Folds of the cross-fitted control-variate coefficients.
FOLDS = 10
#: Least members per fitted coefficient (controls + intercept) in each fold's fit; with fewer the
#: plain estimate is used (a regression rule of thumb: ten observations per parameter).
MEMBERS_PER_COEFFICIENT = 10

Estimator = Literal["plain", "control-variate"]


@dataclass(frozen=True)
class CostEstimate:
    """The expected cost of a policy estimated from ``members`` simulated members.

    Parameters
    ----------
    estimator
        ``plain`` (the members' mean) or ``control-variate`` (cross-fitted control variates).
    members
        Members the estimate uses.
    mean, low, high
        The estimate and its 95 % interval.
    plain_mean, plain_low, plain_high
        The plain Monte Carlo estimate of the same members, for comparison.
    controls
        Controls used (0 for ``plain``).
    """

    estimator: Estimator
    members: int
    mean: float
    low: float
    high: float
    plain_mean: float
    plain_low: float
    plain_high: float
    controls: int = 0

    @property
    def interval(self) -> tuple[float, float, float]:
        """``(mean, low, high)``."""
        return self.mean, self.low, self.high

    @property
    def variance_reduction(self) -> float:
        """Plain variance over the estimator's: how many times more plain members the same width needs."""
        half, plain_half = self.high - self.mean, self.plain_high - self.plain_mean
        return (plain_half / half) ** 2 if half > 0 else math.inf

    def gap(self, lower_bound: float, plain: bool = False) -> float:
        """Return ``(upper end − lower bound) / |upper end|`` of this estimate (or of the plain one)."""
        high = self.plain_high if plain else self.high
        return (high - lower_bound) / abs(high) if high else math.nan


def plain_interval(costs: Array, z: float = Z_95) -> tuple[float, float, float]:
    """Return the mean of ``costs`` and its normal-approximation interval (infinite for one member)."""
    mean = float(costs.mean())
    n = costs.shape[0]
    half = z * float(costs.std(ddof=1)) / math.sqrt(n) if n > 1 else math.inf
    return mean, mean - half, mean + half


def estimate_cost(costs: Array, controls: Array | None = None, folds: int = FOLDS, z: float = Z_95) -> CostEstimate:
    """Estimate the expected cost from i.i.d. member costs, with control variates if given.

    Parameters
    ----------
    costs
        Each member's cost, shape ``(n,)``.
    controls
        Each member's controls, **centred at their exact expectations**, shape ``(n, q)``
        (:meth:`NoiseControls.centred`); ``None``: plain Monte Carlo.
    folds
        Folds of the cross-fitting (members ``i`` with ``i mod folds = f`` form fold ``f``).
    z
        Normal quantile of the interval (default 95 %).

    The control-variate estimate is used when each fold's fit has at least
    :data:`MEMBERS_PER_COEFFICIENT` members per coefficient; otherwise the plain one.
    """
    y = np.asarray(costs, dtype=np.float64)
    n = y.shape[0]
    if n < 1:
        raise ValueError("no members to estimate the cost from")
    plain = plain_interval(y, z)
    c = np.zeros((n, 0)) if controls is None else np.asarray(controls, dtype=np.float64).reshape(n, -1)
    c = c[:, c.std(axis=0) > 0] if n > 1 else c[:, :0]  # a constant control explains nothing
    q = c.shape[1]
    fit_members = n - math.ceil(n / folds)
    if q == 0 or folds < 2 or fit_members < MEMBERS_PER_COEFFICIENT * (q + 1):
        return CostEstimate("plain", n, *plain, *plain)
    fold = np.arange(n) % folds
    adjusted = np.empty(n)
    design = np.column_stack([np.ones(n), c])
    for f in range(folds):
        mine = fold == f
        beta = np.linalg.lstsq(design[~mine], y[~mine], rcond=None)[0][1:]
        adjusted[mine] = y[mine] - c[mine] @ beta
    return CostEstimate("control-variate", n, *plain_interval(adjusted, z), *plain, controls=q)


@dataclass(frozen=True)
class NoiseControls:
    """Control variates of a problem: linear functions of the noise path, their squares and products.

    Control ``j`` of a member is ``L_j = Σ_t noise_t · weights[t][:, j]`` with ``noise_t`` the values
    of stage ``t``'s noise terms on the member's path. With stagewise-independent noise its
    expectation and covariances are known exactly from the stages' distributions; :meth:`centred`
    returns ``c_j = L_j − E[L_j]``, with ``squares`` also ``c_j² − Var[L_j]`` (the part of a cost
    that grows faster in dry and wet members), and for each pair ``(i, j)`` of ``products``
    ``c_i·c_j − Cov[L_i, L_j]`` (e.g. two dry years in a row): every one has mean zero.

    Parameters
    ----------
    weights
        Per stage, shape ``(n_terms_t, n_linear)``.
    names
        One name per linear control.
    squares
        Add the centred squares as controls.
    products
        Pairs of linear controls whose centred product is added as a control.
    """

    weights: tuple[Array, ...]
    names: tuple[str, ...]
    squares: bool = True
    products: tuple[tuple[int, int], ...] = ()

    @property
    def n_controls(self) -> int:
        """Controls per member (linear ones, squares, products)."""
        return len(self.names) * (2 if self.squares else 1) + len(self.products)

    def check(self, problem: Problem) -> None:
        """Raise ``ValueError`` if the weights do not fit the problem's stages and noise terms."""
        if len(self.weights) != problem.n_stages:
            raise ValueError(f"control weights for {len(self.weights)} stages, the problem has {problem.n_stages}")
        for t, (w, stage) in enumerate(zip(self.weights, problem.stages, strict=True)):
            if w.shape != (stage.noise.n_terms, len(self.names)):
                expected = (stage.noise.n_terms, len(self.names))
                raise ValueError(f"stage {t}: control weights of shape {w.shape}, expected {expected}")
        for i, j in self.products:
            if not (0 <= i < len(self.names) and 0 <= j < len(self.names)):
                raise ValueError(f"product of controls ({i}, {j}): there are {len(self.names)} linear controls")

    def moments(self, problem: Problem) -> tuple[Array, Array]:
        """Return the exact expectation ``(n_linear,)`` and covariance ``(n_linear, n_linear)`` of the linear ones."""
        self.check(problem)
        n = len(self.names)
        mean, cov = np.zeros(n), np.zeros((n, n))
        for w, stage in zip(self.weights, problem.stages, strict=True):  # stagewise independence: sums
            p, v = stage.noise.probabilities, stage.noise.values @ w
            m = p @ v
            mean += m
            cov += (v - m).T @ ((v - m) * p[:, None])
        return mean, cov

    def centred(self, problem: Problem, noise_paths: Sequence[Array]) -> Array:
        """Return each member's controls minus their exact expectations, shape ``(members, n_controls)``."""
        mean, cov = self.moments(problem)
        members = np.asarray(noise_paths[0]).shape[0]
        linear = np.zeros((members, len(self.names)))
        for values, w in zip(noise_paths, self.weights, strict=True):
            linear += np.asarray(values, dtype=np.float64) @ w
        linear -= mean
        parts = [linear]
        if self.squares:
            parts.append(linear**2 - np.diag(cov))
        if self.products:
            i, j = (np.array(k, dtype=np.int64) for k in zip(*self.products, strict=True))
            parts.append(linear[:, i] * linear[:, j] - cov[i, j])
        return np.concatenate(parts, axis=1)

    @staticmethod
    def stage_sums(problem: Problem, groups: Sequence[int] | None = None) -> NoiseControls:
        """Return controls summing each noise term over groups of stages (default: one group of all stages).

        ``groups[t]`` is stage ``t``'s group; every stage of a group must have the same noise
        terms. Terms that never vary are left out.
        """
        g = np.zeros(problem.n_stages, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
        if g.shape != (problem.n_stages,):
            raise ValueError(f"{g.shape[0]} stage groups for {problem.n_stages} stages")
        columns: dict[tuple[int, int], int] = {}
        for t, stage in enumerate(problem.stages):
            varying = np.flatnonzero(stage.noise.values.std(axis=0) > 0)
            for term in varying.tolist():
                columns.setdefault((int(g[t]), int(term)), len(columns))
        weights = []
        for t, stage in enumerate(problem.stages):
            w = np.zeros((stage.noise.n_terms, len(columns)))
            for (group, term), j in columns.items():
                if group == g[t] and term < stage.noise.n_terms:
                    w[term, j] = 1.0
            weights.append(w)
        names = tuple(f"group {group} term {term}" for group, term in columns)
        return NoiseControls(tuple(weights), names)
