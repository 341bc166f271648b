"""The synthetic generator keeps the target statistics (10,000 years, fixed seed)."""

from __future__ import annotations

import numpy as np

from aralnexus.hydrology import par
from aralnexus.hydrology.inflows import InflowModel, synthetic_components
from aralnexus.hydrology.stats import annual_corr, compute_statistics

# Tolerances for 10,000 synthetic years (seed 7); observed errors are ~1/3 of these.
MEAN_REL = 0.03
SD_REL = 0.06
SKEW_ABS = 0.35
LAG1_ABS = 0.04
ANNUAL_CV_ABS = 0.02
PERSISTENCE_ABS = 0.05
CORR_ABS = 0.04
ANNUAL_CORR_ABS = 0.06


def _stats(model: InflowModel, flows: np.ndarray):
    return compute_statistics(flows, model.layout.components, model.layout.component_rivers)


def test_synthetic_monthly_means_sds_and_skews_match_targets(model: InflowModel, synthetic_10k: np.ndarray) -> None:
    got, target = _stats(model, synthetic_10k), model.targets
    np.testing.assert_allclose(got.mean_m3s, target.mean_m3s, rtol=MEAN_REL)
    np.testing.assert_allclose(got.sd_m3s, target.sd_m3s, rtol=SD_REL)
    assert np.all(got.skew > 0)
    np.testing.assert_allclose(got.skew, target.skew, atol=SKEW_ABS)


def test_synthetic_month_to_month_correlation_matches_targets(model: InflowModel, synthetic_10k: np.ndarray) -> None:
    np.testing.assert_allclose(_stats(model, synthetic_10k).lag1, model.targets.lag1, atol=LAG1_ABS)


def test_annual_volumes_reproduce_sourced_means_and_assumed_variability(
    model: InflowModel, synthetic_10k: np.ndarray
) -> None:
    got = _stats(model, synthetic_10k)
    toktogul, nurek = model.layout.components.index("toktogul_inflow"), model.layout.components.index("nurek_inflow")
    # HN-001: 12.3 km3/yr into Toktogul; HV-001: ~20 km3/yr (635 m3/s) on the Vakhsh
    assert abs(got.annual_mean_km3[toktogul] - 12.3) / 12.3 < MEAN_REL
    assert abs(got.annual_mean_km3[nurek] - 20.0) / 20.0 < MEAN_REL
    np.testing.assert_allclose(got.annual_cv, [0.25, 0.20], atol=ANNUAL_CV_ABS)


def test_annual_persistence_and_inter_basin_correlation_match_targets(
    model: InflowModel, synthetic_10k: np.ndarray
) -> None:
    got = _stats(model, synthetic_10k)
    np.testing.assert_allclose(got.annual_lag1, 0.3, atol=PERSISTENCE_ABS)
    assert abs(got.corr[0, 1] - 0.55) < CORR_ABS
    assert abs(annual_corr(synthetic_10k)[0, 1] - 0.55) < ANNUAL_CORR_ABS


def test_synthetic_flows_are_never_negative(model: InflowModel, synthetic_10k: np.ndarray) -> None:
    assert synthetic_10k.min() >= 0.0
    assert np.all(np.isfinite(synthetic_10k))


def test_same_seed_gives_identical_arrays_and_another_seed_does_not(model: InflowModel) -> None:
    a = synthetic_components(model, 50, 3, range(4))
    b = synthetic_components(model, 50, 3, range(4))
    c = synthetic_components(model, 50, 4, range(4))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_a_member_is_the_same_alone_or_within_a_larger_ensemble(model: InflowModel) -> None:
    alone = synthetic_components(model, 20, 11, [3])[0]
    within = synthetic_components(model, 20, 11, range(6))[3]
    np.testing.assert_array_equal(alone, within)


def test_vectorised_generator_matches_the_month_by_month_recursion(model: InflowModel) -> None:
    normals = par.draw_normals(par.member_rngs(5, range(2)), 30, model.model.n_components)
    np.testing.assert_allclose(par.simulate(model.model, normals), par.simulate_loop(model.model, normals), rtol=1e-10)


def test_fitting_to_a_generated_series_recovers_its_parameters(model: InflowModel, synthetic_10k: np.ndarray) -> None:
    original = model.model
    refit = par.fit(_stats(model, synthetic_10k))
    implied = lambda m: m.tau + np.exp(m.mu + m.sigma**2 / 2)  # noqa: E731 - mean of the lognormal
    np.testing.assert_allclose(implied(refit), implied(original), rtol=MEAN_REL)
    sd = lambda m: np.exp(m.mu + m.sigma**2 / 2) * np.sqrt(np.expm1(m.sigma**2))  # noqa: E731
    np.testing.assert_allclose(sd(refit), sd(original), rtol=SD_REL)
    np.testing.assert_allclose(refit.weight_slow, original.weight_slow, atol=0.1)
    np.testing.assert_allclose(refit.phi_slow, original.phi_slow, atol=0.02)
    lag1 = lambda m: m.weight_slow * m.phi_slow + (1 - m.weight_slow) * m.rho_fast  # noqa: E731 - normal-space lag-1
    np.testing.assert_allclose(lag1(refit), lag1(original), atol=0.05)
    np.testing.assert_allclose(
        refit.chol_slow @ refit.chol_slow.T, original.chol_slow @ original.chol_slow.T, atol=0.08
    )
