"""An hourly horizon solved month by month under a monthly plan stays close to the monolithic optimum."""

from __future__ import annotations

import pytest
from dispatch_support import system_and_inflows, with_economics

from aralnexus.dispatch import optimise_system
from aralnexus.dispatch.decompose import optimise_hourly_by_month
from aralnexus.dispatch.inputs import climatology_inflows
from aralnexus.results import energy_balance_error
from aralnexus.testing.examples import random_dataset


@pytest.mark.parametrize("seed", [1, 7])
def test_month_by_month_hourly_is_near_the_monolithic_optimum(seed: int) -> None:
    dataset = random_dataset(seed, 3, 2)
    system, inflow = system_and_inflows(dataset, "2026-01", "2026-03", "hourly")
    whole = optimise_system(system, inflow, "fixed")
    parts = optimise_hourly_by_month(dataset, climatology_inflows(dataset, "2026-01", "2026-03"), "2026-01", "2026-03")
    assert len(parts.countries) == len(whole.countries)
    assert energy_balance_error(parts) < 1e-6
    assert parts.objective_musd <= whole.objective_musd + 1e-6 * abs(whole.objective_musd)
    assert parts.objective_musd == pytest.approx(whole.objective_musd, rel=0.02)


def test_month_by_month_hourly_counts_present_values_from_the_horizon_start() -> None:
    """Each month's objective is discounted from the horizon's first month, as in the monolithic LP."""
    dataset = with_economics(random_dataset(7, 3, 2), rate_pct=60.0)
    system, inflow = system_and_inflows(dataset, "2026-01", "2026-03", "hourly")
    whole = optimise_system(system, inflow, "fixed")
    parts = optimise_hourly_by_month(dataset, climatology_inflows(dataset, "2026-01", "2026-03"), "2026-01", "2026-03")
    assert parts.objective_musd <= whole.objective_musd + 1e-6 * abs(whole.objective_musd)
    assert parts.objective_musd == pytest.approx(whole.objective_musd, rel=0.01)
