"""The aralnexus adapter: stage LPs cut from dispatch's LP, the linear inflow process, simulated members."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from aralnexus.dispatch.build import build_lp
from aralnexus.dispatch.head import HeadIteration
from aralnexus.dispatch.inputs import plant_inflows_m3s
from aralnexus.dispatch.lookahead import median_inflows
from aralnexus.dispatch.names import STORAGE
from aralnexus.dispatch.solve import new_highs, run_highs, to_highs_lp
from aralnexus.dispatch.water import (
    LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3,
    LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3,
    STRICT_RELEASE_PENALTY_USD_PER_HM3,
    WATER_DEFICIT_PENALTY_USD_PER_HM3,
)
from aralnexus.errors import InputError
from aralnexus.hydrology import sample_members
from aralnexus.policy import PassRunner, TrainOptions, solve_extensive, train
from aralnexus.policy.aral import (
    COST_SCALE,
    PolicyModel,
    build_policy_model,
    carry_over_reservoirs,
    recourse_slack_costs,
    storage_states_of,
    training_lp,
)
from aralnexus.policy.aral_heads import HeadIterationHook, stage_system
from aralnexus.policy.aral_simulate import PolicySimulation, inflow_noise, simulate_policy
from aralnexus.policy.inflow_process import approximation_error, proportional_rivers
from aralnexus.policy.problem import with_fixed_noise
from aralnexus.results.balances import energy_balance_error, water_balance_error
from aralnexus.scenario import scenario_from_mapping
from aralnexus.scenario.model import Scenario
from aralnexus.units import RHO_G_MW_PER_M3S_M

pytestmark = pytest.mark.slow  # builds the pathway LP and runs the head iteration

_CACHE: dict[str, Any] = {}


def _scenario(**extra: Any) -> Scenario:
    data: dict[str, Any] = {"horizon": {"start": "2030-01", "end": "2030-06"}, "parameters": {"lookahead_months": 2}}
    data.update(extra)
    return scenario_from_mapping(data, label="policy-test")


def _model() -> PolicyModel:
    if "model" not in _CACHE:
        _CACHE["model"] = build_policy_model(_scenario(), n_outcomes=3, fit_years=200)
    model = _CACHE["model"]
    assert isinstance(model, PolicyModel)
    return model


def _simulated() -> PolicySimulation:
    if "sim" not in _CACHE:
        model = _model()
        cuts = train(model.problem, TrainOptions(iterations=8)).cuts
        inflows = sample_members(_scenario(), 2, model.start, model.last, seed=4242)
        _CACHE["inflows"] = inflows
        _CACHE["sim"] = simulate_policy(model, cuts, inflows)
    sim = _CACHE["sim"]
    assert isinstance(sim, PolicySimulation)
    return sim


def _all_states_model() -> PolicyModel:
    if "all" not in _CACHE:
        _CACHE["all"] = build_policy_model(_scenario(), 3, 200, storage_states=_model().system.plant_ids)
    model = _CACHE["all"]
    assert isinstance(model, PolicyModel)
    return model


def _chain_and_lp(model: PolicyModel, inflows: Any, hold: bool) -> tuple[float, float]:
    """Return the stage LPs chained on one inflow path and the training LP on it (small storages held or not)."""
    paths, plant = inflow_noise(model, inflows)
    chain = solve_extensive(with_fixed_noise(model.problem, [p[0] for p in paths]))
    lp = training_lp(model.system, model.process, plant[0], model.heads_m)
    if hold:
        storage = lp.layout.cols[STORAGE].index
        held = ~np.isnan(model.fixed_storage_hm3[0])
        lp.col_lower[storage[:, held]] = lp.col_upper[storage[:, held]] = model.fixed_storage_hm3[:, held]
    h = new_highs()
    h.passModel(to_highs_lp(lp))
    return chain.objective, run_highs(h).objective * COST_SCALE


def test_stage_lps_chained_on_one_inflow_path_reproduce_the_dispatch_lp_optimum() -> None:
    model = _all_states_model()
    median = median_inflows(_scenario(), model.start, model.last)
    chain, reference = _chain_and_lp(model, median, hold=False)
    assert chain == pytest.approx(reference, rel=1e-9, abs=1e-6)
    member = sample_members(_scenario(), 1, model.start, model.last, seed=4242).isel(member=0)
    chain, reference = _chain_and_lp(model, member, hold=False)
    assert chain == pytest.approx(reference, rel=1e-9, abs=1e-6)
    _, plant = inflow_noise(model, median)
    np.testing.assert_allclose(plant[0], plant_inflows_m3s(model.system, median))


def test_small_reservoirs_follow_the_median_plan_so_the_chain_is_the_lp_with_their_storage_held() -> None:
    model, full = _model(), _all_states_model()
    held = ~np.isnan(model.fixed_storage_hm3[0])
    median = median_inflows(_scenario(), model.start, model.last)
    assert _chain_and_lp(model, median, hold=True)[0] == pytest.approx(_chain_and_lp(full, median, hold=False)[1])
    member = sample_members(_scenario(), 1, model.start, model.last, seed=4242).isel(member=0)
    chain, reference = _chain_and_lp(model, member, hold=True)
    assert chain == pytest.approx(reference, rel=1e-9, abs=1e-6)
    assert chain >= _chain_and_lp(full, member, hold=False)[0] - 1e-6  # a restriction of the full model
    ids = np.asarray(model.system.plant_ids)
    assert sorted(ids[~held]) == ["kambarata1", "nurek", "rogun", "toktogul"]
    assert model.problem.initial_state[: (~held).sum()] == pytest.approx(model.system.storage_initial_hm3[~held])


def test_states_are_large_storages_lagged_river_flows_and_capped_annual_imports_in_gwh() -> None:
    model = _model()
    names = model.problem.state_names
    n_s = model.storage_states.shape[0]
    assert names[:n_s] == tuple(f"storage_hm3[{model.system.plant_ids[p]}]" for p in model.storage_states)
    assert carry_over_reservoirs(model.system, model.process).sum() == n_s == 4
    assert list(names[model.lag_states]) == [f"lagged_flow_m3s[{r}]" for r in model.process.rivers]
    assert model.process.rivers == ("naryn", "vakhsh")
    imports = names[model.lag_states.stop :]
    assert len(imports) == model.partners.shape[0] > 0 and all(n.startswith("imports_gwh[") for n in imports)
    assert model.problem.n_stages == 8  # six reported months and two of look-ahead
    assert storage_states_of(names) == ("rogun", "nurek", "kambarata1", "toktogul")


def test_monthly_import_caps_split_each_annual_cap_and_replace_the_import_states() -> None:
    model = _model()
    monthly = build_policy_model(_scenario(), 3, 200, import_states=False)
    assert monthly.problem.state_names == model.problem.state_names[: model.lag_states.stop]
    n_j = model.partners.shape[0]  # the last columns of a stage LP: this year's imports so far (GWh)
    annual = model.problem.stages[0].col_upper[-n_j:]  # every month is in 2030
    months = np.array([st.col_upper[-n_j:] for st in monthly.problem.stages])
    assert (months >= 0).all()
    np.testing.assert_allclose(months.sum(axis=0), annual, rtol=1e-9)


def test_simulated_members_get_the_generator_inflows_and_close_their_balances() -> None:
    model, sim = _model(), _simulated()
    inflows = _CACHE["inflows"]
    for m, res in enumerate(sim.results):
        expected = plant_inflows_m3s(model.system, inflows.isel(member=m))[:6]
        got = res.plants.groupby(["time", "plant"], sort=False)["inflow_m3s"].first().to_numpy()
        np.testing.assert_allclose(got.reshape(6, -1), expected, rtol=1e-9)
        assert water_balance_error(res, model.system.topology.downstream, model.system.storage_initial_hm3) < 1e-9
        assert energy_balance_error(res) < 1e-9
        held = ~np.isnan(model.fixed_storage_hm3[0])
        storage = res.plants.groupby(["time", "plant"], sort=False)["storage_hm3"].first().to_numpy().reshape(6, -1)
        np.testing.assert_allclose(storage[:, held], model.fixed_storage_hm3[:6, held], rtol=1e-9)


def test_simulation_iterates_each_months_heads_to_the_tolerance() -> None:
    for res in _simulated().results:
        assert res.convergence.converged
        assert res.convergence.max_head_change_pct < res.convergence.tolerance_pct


def test_a_simulated_months_power_is_a_of_h_times_q_at_its_converged_head() -> None:
    model = _model()
    efficiency = dict(zip(model.system.plant_ids, model.system.efficiency, strict=True))
    tol = HeadIteration().tolerance_pct / 100.0
    for res in _simulated().results:
        plants = res.plants
        eta = plants["plant"].map(efficiency).to_numpy(dtype=float)
        a_of_h = RHO_G_MW_PER_M3S_M * eta * plants["head_m"].to_numpy()
        np.testing.assert_allclose(plants["power_mw"], a_of_h * plants["turbined_m3s"], rtol=1e-9, atol=1e-6)
        # the converged head is the head at the month's own mean storage, within the head tolerance
        stages = res.plants.groupby(["time", "plant"], sort=False)[["storage_hm3", "head_m"]].first()
        storage = stages["storage_hm3"].to_numpy().reshape(6, -1)
        heads = stages["head_m"].to_numpy().reshape(6, -1)
        start = np.vstack([model.system.storage_initial_hm3[None], storage[:-1]])
        mean = 0.5 * (start + storage)
        own = np.vstack([stage_system(model.system, t).curves.head_m(mean[t : t + 1]) for t in range(6)])
        working = model.system.staging.capacity_mw[:6] > 0
        assert (np.abs(heads - own)[working] <= tol * heads[working]).all()
        assert energy_balance_error(res) < 1e-9  # the LP's power balances used exactly those outputs


def test_the_head_iteration_puts_each_month_back_as_trained() -> None:
    model = _model()
    cuts = train(model.problem, TrainOptions(iterations=3)).cuts
    runner = PassRunner(model.problem)
    runner.add_cuts(cuts)
    hook = HeadIterationHook(model.system, model.index, model.heads_m, HeadIteration())
    state = np.asarray(model.problem.initial_state, dtype=float)
    for t, stage in enumerate(model.problem.stages[:3]):
        values = stage.noise.values[0]
        before = runner.solvers[t].solve(state, values)
        after_hook = hook(t, runner.solvers[t], before, False)
        again = runner.solvers[t].solve(state, values)
        assert again.objective == pytest.approx(before.objective, rel=1e-9, abs=1e-9)
        assert after_hook.extra.shape == (model.system.n_plants + 3,)
        state = after_hook.outgoing


def test_simulated_results_report_the_horizon_and_say_they_come_from_a_policy() -> None:
    res = _simulated().results[0]
    assert res.metadata["operation"] == "policy"
    assert str(res.plants["time"].max())[:7] == "2030-06"


def test_linear_inflow_process_keeps_monthly_means_and_month_to_month_correlation() -> None:
    model = _model()
    error = approximation_error(model.process, _scenario(), model.system, years=400)
    table = error.set_index(["river", "statistic"])["error"]
    for river in model.process.rivers:
        assert table[(river, "mean monthly flow m3/s")] < 0.06
        assert table[(river, "mean month-to-month lag-1 corr")] < 0.06


def test_a_river_always_proportional_to_a_larger_one_is_merged_into_it() -> None:
    rng = np.random.default_rng(3)
    big, other = rng.gamma(2.0, 100.0, size=(50, 12)), rng.gamma(2.0, 100.0, size=(50, 12))
    flows = np.stack([0.05 * big, big, other, 0.2 * other + 1.0], axis=-1)  # the last is not a multiple
    assert proportional_rivers(flows, ("small", "big", "other", "offset")).tolist() == [1, 1, 2, 3]


def test_the_small_kyrgyz_rivers_are_shares_of_the_naryn_not_states_of_their_own() -> None:
    model = _model()
    own = {str(r) for r in model.system.plants["river"] if isinstance(r, str)}
    assert len(own) > 2  # the data has rivers of their own that the generator scales from the Toktogul inflow
    assert model.process.rivers == ("naryn", "vakhsh")
    plant = list(model.system.plant_ids).index("at_bashy")
    assert model.process.plant_river[plant] == 0
    assert model.process.share[:, plant] == pytest.approx(model.process.share[0, plant])  # a constant share


def test_hourly_scenarios_are_refused_with_one_clear_problem() -> None:
    with pytest.raises(InputError, match="resolution"):
        build_policy_model(_scenario(resolution="hourly"))


def test_the_last_month_values_storage_left_at_the_terminal_water_value_as_dispatch_does() -> None:
    model = _model()
    lp = build_lp(
        model.system,
        plant_inflows_m3s(model.system, median_inflows(_scenario(), model.start, model.last)),
        model.heads_m,
    )
    terminal = lp.col_cost[lp.layout.cols[STORAGE].index[-1]] * COST_SCALE
    last = model.problem.stages[-1]
    assert (terminal < 0).any()
    np.testing.assert_allclose(last.col_cost[model.index[-1].storage_out], terminal, rtol=1e-12)


def test_look_ahead_months_are_soft_at_dispatchs_prices_and_horizon_months_at_its_penalties() -> None:
    model = _model()
    deficit, release = recourse_slack_costs(model.system)
    ahead = model.system.lookahead_stage
    assert ahead.tolist() == [False] * 6 + [True] * 2
    np.testing.assert_array_equal(deficit[ahead], LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3)
    np.testing.assert_array_equal(deficit[~ahead], WATER_DEFICIT_PENALTY_USD_PER_HM3)
    rel = model.system.releases
    strict = rel["strict"].to_numpy(dtype=bool)
    rel_ahead = ahead[rel["stage"].to_numpy(dtype=int)]
    np.testing.assert_array_equal(release[strict & rel_ahead], LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3)
    np.testing.assert_array_equal(release[strict & ~rel_ahead], STRICT_RELEASE_PENALTY_USD_PER_HM3)


def test_inflow_volume_controls_are_each_rivers_yearly_flow_with_exact_expectations() -> None:
    import itertools

    from aralnexus.policy.aral_controls import inflow_volume_controls

    model = _model()
    problem, process = model.problem, model.process
    controls = inflow_volume_controls(model)
    n_r = len(process.rivers)
    assert len(controls.names) == n_r  # one calendar year (2030) per river
    assert controls.n_controls == 2 * n_r + n_r * (n_r - 1) // 2  # volumes, their squares, the rivers' products
    # every path of the tree (3 outcomes, 8 months): the centred controls have probability-weighted mean zero
    index = np.array(list(itertools.product(*(range(st.noise.n_outcomes) for st in problem.stages))))
    paths = [st.noise.values[index[:, t]] for t, st in enumerate(problem.stages)]
    prob = np.prod([st.noise.probabilities[index[:, t]] for t, st in enumerate(problem.stages)], axis=0)
    centred = controls.centred(problem, paths)
    scale = np.abs(centred).max(axis=0)
    assert prob @ centred == pytest.approx(np.zeros(controls.n_controls), abs=1e-9 * scale.max())
    # the linear controls are the rivers' flows summed over the year, by the PAR(1) recursion
    months = model.system.calendar.stage_month_start.month.to_numpy() - 1
    flow = problem.initial_state[model.lag_states]
    volume = np.zeros((index.shape[0], n_r))
    for t, values in enumerate(paths):
        flow = values[:, :n_r] + process.slope[months[t]] * flow
        volume += flow
    np.testing.assert_allclose(centred[:, :n_r] - centred[:1, :n_r], volume - volume[:1], atol=1e-6)
