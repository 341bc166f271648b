"""Two-speed periodic AR(1) generator of monthly flows with lognormal marginals.

Model, per component ``k`` (a base series or a record column) and month ``t`` (calendar month m)::

    Q_t = tau_m + exp(mu_m + sigma_m · z_t)                  three-parameter lognormal marginal
    z_t = sqrt(w) · s_t + sqrt(1 − w) · e_t                   standard normal
    s_t = phi · s_{t−1} + sqrt(1 − phi²) · eta_t              slow AR(1): multi-year persistence
    e_t = rho_m · e_{t−1} + sqrt(1 − rho_m²) · eps_t          fast periodic AR(1): month to month

``eta`` and ``eps`` are correlated across components (the inter-basin correlation) and independent of
each other. The marginal fixes each month's mean, sd and skew; ``rho_m`` (given ``w`` and ``phi``)
fixes the lag-1 correlation; ``w`` and ``phi`` are solved so the annual volumes have the target CV and
lag-1 persistence (exact lognormal moments, no simulation). See docs/hydrology.md for the reasoning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from scipy import optimize

from aralnexus.hydrology.climatology import FloatArray
from aralnexus.hydrology.stats import FlowStatistics

log = logging.getLogger(__name__)

_W_MAX = 0.97
_PHI_MAX = 0.995
_RHO_LIM = 0.98
_CORR_LIM = 0.99


@dataclass(frozen=True)
class ParModel:
    """Fitted generator parameters (``(12, K)`` per month and component, ``(K,)`` per component)."""

    targets: FlowStatistics
    tau: FloatArray
    mu: FloatArray
    sigma: FloatArray
    weight_slow: FloatArray
    phi_slow: FloatArray
    rho_fast: FloatArray
    chol_slow: FloatArray
    chol_fast: FloatArray
    chol_init_slow: FloatArray
    chol_init_fast: FloatArray

    @property
    def n_components(self) -> int:
        """Number of components."""
        return int(self.tau.shape[1])


class Normals(NamedTuple):
    """Standard normal draws: ``init (batch, 2, K)`` and ``steps (batch, year, 12, 2, K)``."""

    init: FloatArray
    steps: FloatArray


# ---------------------------------------------------------------- marginals and correlations


def lognormal3(mean: FloatArray, sd: FloatArray, skew: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Three-parameter lognormal ``(tau, mu, sigma)`` with the given moments.

    The skew is raised to at least the two-parameter lognormal skew 3·CV + CV³ so that the lower
    bound ``tau`` is ≥ 0 (no negative flows).
    """
    cv = np.divide(sd, mean, out=np.zeros_like(sd), where=mean > 0)
    gamma = np.clip(np.maximum(skew, 3 * cv + cv**3), 1e-3, 20.0)
    root = np.sqrt(gamma**2 / 4 + 1)
    eta = np.cbrt(gamma / 2 + root) + np.cbrt(gamma / 2 - root)  # x³ + 3x = gamma
    sigma = np.sqrt(np.log1p(eta**2))
    scale = np.maximum(sd, 1e-9 * np.maximum(mean, 1.0)) / eta
    tau = np.maximum(mean - scale, 0.0)
    mu = np.log(scale) - sigma**2 / 2
    return tau, mu, sigma


def gaussian_corr(rho_flow: FloatArray, sigma_a: FloatArray, sigma_b: FloatArray) -> FloatArray:
    """Normal-space correlation giving flow correlation ``rho_flow`` between two lognormals."""
    xa, xb = np.sqrt(np.expm1(sigma_a**2)), np.sqrt(np.expm1(sigma_b**2))
    out: FloatArray = np.log1p(np.maximum(rho_flow * xa * xb, -0.999)) / (sigma_a * sigma_b)
    return out


def fast_propagators(rho: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Within-year propagators of the fast periodic AR(1).

    Returns ``L (K, 12, 12)`` with ``e_m = Σ_i L[m, i] eps_i + A[m] e_Dec(prev)`` and ``A (12, K)``.
    """
    n_comp = rho.shape[1]
    b = np.sqrt(1 - rho**2)
    lower = np.zeros((n_comp, 12, 12))
    carry: FloatArray = np.cumprod(rho, axis=0).astype(np.float64)
    for i in range(12):  # 12×12 setup, once per fit
        lower[:, i, i] = b[i]
        for m in range(i + 1, 12):
            lower[:, m, i] = lower[:, m - 1, i] * rho[m]
    return lower, carry


def _z_autocorr(weight: float, phi: float, rho: FloatArray, n: int = 24) -> FloatArray:
    """Normal-space autocorrelation ``(n, n)`` of z over n months starting in January."""
    lag = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    rho_t = rho[np.arange(n) % 12]
    fast = np.eye(n)
    for t in range(n - 1):  # n ≤ 24, setup only
        fast[t, t + 1 :] = np.cumprod(rho_t[t + 1 :])
    fast = np.triu(fast) + np.triu(fast, 1).T
    out: FloatArray = weight * phi**lag + (1 - weight) * fast
    return out


def _fast_rho(r1: FloatArray, weight: float, phi: float) -> FloatArray:
    out: FloatArray = np.clip((r1 - weight * phi) / (1 - weight), -_RHO_LIM, _RHO_LIM)
    return out


def annual_moments(
    weight: float, phi: float, r1: FloatArray, tau: FloatArray, mu: FloatArray, sigma: FloatArray
) -> tuple[float, float]:
    """Exact annual-volume CV and lag-1 correlation of one component for given ``weight, phi``."""
    rho = _fast_rho(r1, weight, phi)
    r = _z_autocorr(weight, phi, rho)
    sig = np.tile(sigma, 2)
    scale = np.tile(np.exp(mu + sigma**2 / 2), 2)
    cov = np.outer(scale, scale) * np.expm1(r * np.outer(sig, sig))
    var = float(cov[:12, :12].sum())
    mean = float((tau + scale[:12]).sum())
    return np.sqrt(var) / mean, float(cov[:12, 12:].sum()) / var


def _solve_annual(
    target_cv: float, target_lag1: float, r1: FloatArray, tau: FloatArray, mu: FloatArray, sigma: FloatArray
) -> tuple[float, float]:
    """Solve ``(w, phi)`` for the annual lag-1 correlation (annual CV is nearly fixed by the months).

    Residuals: annual lag-1 (weight 1), annual CV (relative, weight 0.3), the month-to-month
    correlation lost where ``rho_m`` would leave (−0.98, 0.98) (weight 1), and a weak pull of the
    slow part's annual decay ``phi^12`` towards the annual lag-1 (weight 0.1) so that year-to-year
    correlation fades like an annual AR(1) instead of lingering for decades.
    """
    floor = max(target_lag1, 0.02)

    def residual(x: FloatArray) -> FloatArray:
        weight, phi = float(x[0]), float(x[1])
        cv, lag = annual_moments(weight, phi, r1, tau, mu, sigma)
        achieved = weight * phi + (1 - weight) * _fast_rho(r1, weight, phi)
        return np.concatenate(
            [[lag - target_lag1, 0.3 * (cv - target_cv) / max(target_cv, 1e-6), 0.1 * (phi**12 - floor)], achieved - r1]
        )

    best = optimize.least_squares(residual, x0=[0.4, 0.9], bounds=([0.0, 0.0], [_W_MAX, _PHI_MAX]))
    cv, lag = annual_moments(float(best.x[0]), float(best.x[1]), r1, tau, mu, sigma)
    if abs(lag - target_lag1) > 0.03 or abs(cv - target_cv) > 0.05 * target_cv:
        log.warning(
            "annual targets not reached with these monthly statistics: CV %.3f (target %.3f), lag-1 %.3f (target %.3f)",
            cv,
            target_cv,
            lag,
            target_lag1,
        )
    return float(best.x[0]), float(best.x[1])


def scale_to_annual_cv(targets: FlowStatistics) -> FlowStatistics:
    """Scale each component's monthly sds (keeping their shape) so the annual CV meets its target.

    Used for the assumed variability, where the monthly CVs are a shape and the annual CV the anchor.
    Skews stay two-parameter lognormal (3·CV + CV³) at the scaled CVs.
    """
    sd = targets.sd_m3s.copy()
    for k in range(sd.shape[1]):  # components: a handful

        def gap(c: float, k: int = k) -> float:
            tau, mu, sigma = lognormal3(targets.mean_m3s[:, k], c * targets.sd_m3s[:, k], np.zeros(12))
            r1 = gaussian_corr(targets.lag1[:, k], sigma, np.roll(sigma, 1))
            return annual_moments(0.4, 0.9, r1, tau, mu, sigma)[0] - float(targets.annual_cv[k])

        sd[:, k] *= optimize.brentq(gap, 0.2, 5.0, xtol=1e-6)
    cv = sd / targets.mean_m3s
    return replace(targets, sd_m3s=sd, skew=3 * cv + cv**3)


def _chol(matrix: FloatArray) -> FloatArray:
    out: FloatArray = np.linalg.cholesky(_nearest_corr(matrix)).astype(np.float64)
    return out


def _nearest_corr(matrix: FloatArray) -> FloatArray:
    """Clip to a valid correlation matrix (eigenvalues ≥ 1e-6, unit diagonal)."""
    vals, vecs = np.linalg.eigh((matrix + matrix.T) / 2)
    fixed = (vecs * np.maximum(vals, 1e-6)) @ vecs.T
    d = np.sqrt(np.diag(fixed))
    out: FloatArray = fixed / np.outer(d, d)
    return out


def _periodic_cross(rho_a: FloatArray, rho_b: FloatArray) -> FloatArray:
    """Stationary monthly cross-covariance of two fast AR(1)s driven by unit-correlated innovations."""
    b = np.sqrt(1 - rho_a**2) * np.sqrt(1 - rho_b**2)
    prod = rho_a * rho_b
    g = 0.0
    for m in range(12):  # one year from 0 gives g_Dec = P·g_prev + S
        g = prod[m] * g + b[m]
    g_dec = g / (1 - float(np.prod(prod)))
    out = np.empty(12)
    g = g_dec
    for m in range(12):
        g = prod[m] * g + b[m]
        out[m] = g
    return out


# ---------------------------------------------------------------- fit


def fit(targets: FlowStatistics) -> ParModel:
    """Fit the generator to target statistics (from a record or from the assumptions)."""
    tau, mu, sigma = lognormal3(targets.mean_m3s, targets.sd_m3s, targets.skew)
    n_comp = tau.shape[1]
    weight = np.empty(n_comp)
    phi = np.empty(n_comp)
    rho = np.empty((12, n_comp))
    for k in range(n_comp):  # components: a handful
        r1 = np.clip(gaussian_corr(targets.lag1[:, k], sigma[:, k], np.roll(sigma[:, k], 1)), -0.99, 0.995)
        weight[k], phi[k] = _solve_annual(
            float(targets.annual_cv[k]), float(targets.annual_lag1[k]), r1, tau[:, k], mu[:, k], sigma[:, k]
        )
        rho[:, k] = _fast_rho(r1, weight[k], phi[k])
    slow_innov = np.eye(n_comp)
    fast_innov = np.eye(n_comp)
    slow_stat = np.eye(n_comp)
    fast_dec = np.eye(n_comp)
    for j in range(n_comp):
        for k in range(j + 1, n_comp):
            mix = np.sqrt(weight[j] * weight[k]) + np.sqrt((1 - weight[j]) * (1 - weight[k]))
            q = float(np.clip(targets.corr[j, k] / mix, -_CORR_LIM, _CORR_LIM))
            unit = np.sqrt((1 - phi[j] ** 2) * (1 - phi[k] ** 2))
            cs = float(np.clip(q * (1 - phi[j] * phi[k]) / unit, -_CORR_LIM, _CORR_LIM))
            g = _periodic_cross(rho[:, j], rho[:, k])
            ce = float(np.clip(q / g.mean(), -_CORR_LIM, _CORR_LIM))
            slow_innov[j, k] = slow_innov[k, j] = cs
            fast_innov[j, k] = fast_innov[k, j] = ce
            slow_stat[j, k] = slow_stat[k, j] = cs * unit / (1 - phi[j] * phi[k])
            fast_dec[j, k] = fast_dec[k, j] = ce * g[11]
    return ParModel(
        targets=targets,
        tau=tau,
        mu=mu,
        sigma=sigma,
        weight_slow=weight,
        phi_slow=phi,
        rho_fast=rho,
        chol_slow=_chol(slow_innov),
        chol_fast=_chol(fast_innov),
        chol_init_slow=_chol(slow_stat),
        chol_init_fast=_chol(fast_dec),
    )


# ---------------------------------------------------------------- generate


def draw_normals(rngs: list[np.random.Generator], n_years: int, n_comp: int) -> Normals:
    """Draw the normals of one member per generator (a member's draws depend only on its generator)."""
    init = np.stack([rng.standard_normal((2, n_comp)) for rng in rngs])
    steps = np.stack([rng.standard_normal((n_years, 12, 2, n_comp)) for rng in rngs])
    return Normals(init, steps)


def member_rngs(seed: int, members: range | list[int]) -> list[np.random.Generator]:
    """One independent generator per member, determined by ``(seed, member)`` alone."""
    return [np.random.default_rng([seed, m]) for m in members]


def simulate(model: ParModel, normals: Normals) -> FloatArray:
    """Generate flows ``(batch, year, 12, K)`` in m3/s, vectorised over batch, years and components."""
    batch, n_years = normals.steps.shape[:2]
    n_comp = model.n_components
    eta = normals.steps[..., 0, :] @ model.chol_slow.T
    eps = normals.steps[..., 1, :] @ model.chol_fast.T
    s_init = normals.init[:, 0, :] @ model.chol_init_slow.T
    d_init = normals.init[:, 1, :] @ model.chol_init_fast.T
    phi = model.phi_slow
    eta_t = eta.reshape(batch, n_years * 12, n_comp)
    slow = np.empty_like(eta_t)
    from scipy import signal  # here, not at import: scipy.signal costs ~1 s to import (ensemble workers never simulate)

    lower, carry = fast_propagators(model.rho_fast)
    within = np.einsum("kmi,byik->bymk", lower, eps)
    dec = np.empty((batch, n_years, n_comp))
    for k in range(n_comp):  # components only; time is inside lfilter
        slow[:, :, k] = signal.lfilter(
            [np.sqrt(1 - phi[k] ** 2)], [1.0, -phi[k]], eta_t[:, :, k], axis=1, zi=(phi[k] * s_init[:, k])[:, None]
        )[0]
        p = carry[11, k]
        dec[:, :, k] = signal.lfilter([1.0], [1.0, -p], within[:, :, 11, k], axis=1, zi=(p * d_init[:, k])[:, None])[0]
    prev = np.concatenate([d_init[:, None, :], dec[:, :-1, :]], axis=1)
    fast = within + carry[None, None, :, :] * prev[:, :, None, :]
    z = np.sqrt(model.weight_slow) * slow.reshape(batch, n_years, 12, n_comp) + np.sqrt(1 - model.weight_slow) * fast
    out: FloatArray = model.tau + np.exp(model.mu + model.sigma * z)
    return out


def simulate_loop(model: ParModel, normals: Normals) -> FloatArray:
    """Generate the same flows as :func:`simulate`, one month at a time in Python (reference).

    Used only to check :func:`simulate` and as the benchmark anchor.
    """
    batch, n_years = normals.steps.shape[:2]
    n_comp = model.n_components
    out = np.empty((batch, n_years, 12, n_comp))
    b_slow = np.sqrt(1 - model.phi_slow**2)
    b_fast = np.sqrt(1 - model.rho_fast**2)
    w_s, w_f = np.sqrt(model.weight_slow), np.sqrt(1 - model.weight_slow)
    for b in range(batch):
        s = model.chol_init_slow @ normals.init[b, 0]
        e = model.chol_init_fast @ normals.init[b, 1]
        for y in range(n_years):
            for m in range(12):
                s = model.phi_slow * s + b_slow * (model.chol_slow @ normals.steps[b, y, m, 0])
                e = model.rho_fast[m] * e + b_fast[m] * (model.chol_fast @ normals.steps[b, y, m, 1])
                z = w_s * s + w_f * e
                out[b, y, m] = model.tau[m] + np.exp(model.mu[m] + model.sigma[m] * z)
    return out
