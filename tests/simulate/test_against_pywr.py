"""The simulator against pywr 1.29 on the default network (13 plants, both rivers), one member, 3 years.

Same network (Catchment → Storage → turbine/spill Links → next Storage), same monthly storage
accounting (pywr monthly timestep, flows in hm3/day), same level curves and power equation
(``HydropowerRecorder`` with the System's curve at the start-of-month volume). Agreement asserted:
storage, turbined and spilled flows and power to 1e-9 relative (measured: ~1e-14).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
import pytest
from pywr_network import build_pywr, feasible_schedule

from aralnexus.simulate import default_rules, min_release_m3s, schedule_rules, simulate
from aralnexus.simulate.engine import member_plant_inflows_m3s

RTOL = 1e-9


def _compare(ours: dict[str, npt.NDArray[np.float64]], theirs: dict[str, npt.NDArray[np.float64]]) -> dict[str, float]:
    worst = {}
    for key, value in ours.items():
        scale = max(float(np.abs(theirs[key]).max()), 1.0)
        worst[key] = float(np.abs(value - theirs[key]).max() / scale)
    return worst


@pytest.fixture
def system(system):
    """The default system without irrigation withdrawals: the pywr twin checks storage routing only
    (withdrawals are checked against hand-computed flows in tests/dispatch/test_withdrawals.py and
    tests/simulate/test_engine.py)."""
    return dataclasses.replace(system, withdrawal_m3s=None)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # pywr writes GLPK debug files to the working directory on failure


def test_fixed_monthly_schedule_matches_pywr_storage_flows_and_power(system, members):
    one = members.isel(member=[1])
    natural = member_plant_inflows_m3s(system, one)[0][0]
    schedule = feasible_schedule(system, natural)
    result = simulate(system, one, schedule_rules(system, schedule), head_at="start")
    net = build_pywr(system, natural, schedule, system.curves.has_curve)
    net.model.run()
    theirs = net.arrays()
    ours = {k: getattr(result, k)[0] for k in theirs}
    worst = _compare(ours, theirs)
    assert max(worst.values()) < RTOL, worst
    assert result.spilled_m3s.sum() > 0  # the check covers spill above full storage
    assert (np.ptp(result.storage_hm3[0][:, system.curves.has_curve], axis=0) > 100).all()  # and moving storage


def test_default_rule_curve_replayed_in_pywr_gives_the_same_trajectories(system, members):
    one = members.isel(member=[2])
    natural = member_plant_inflows_m3s(system, one)[0][0]
    result = simulate(system, one, default_rules(system), head_at="start")
    turbined = result.turbined_m3s[0]
    # where the rule cannot meet a run-of-river minimum release, pywr gets what the rule released
    met = np.minimum(min_release_m3s(system), result.release_m3s[0])
    net = build_pywr(system, natural, turbined, system.curves.has_curve, min_flow_m3s=met)
    net.model.run()
    theirs = net.arrays()
    worst = _compare({k: getattr(result, k)[0] for k in theirs}, theirs)
    assert max(worst.values()) < RTOL, worst


def test_head_at_mean_storage_moves_energy_by_a_few_percent_against_pywr(system, members):
    one = members.isel(member=[2])
    start = simulate(system, one, head_at="start")
    mean = simulate(system, one, head_at="mean")
    np.testing.assert_allclose(mean.storage_hm3, start.storage_hm3, rtol=1e-6, atol=1e-6)
    total_start, total_mean = start.energy_mwh.sum(), mean.energy_mwh.sum()
    assert abs(total_mean / total_start - 1.0) < 0.03
