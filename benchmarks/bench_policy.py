"""Policy benchmarks: SDDP against the extensive form on the same tree; training the default pathway.

``sddp-vs-extensive``: a seeded hydro-thermal problem (``aralnexus.policy.examples.hydro_thermal``)
whose scenario tree is large enough that HiGHS needs a minute or more on its extensive form. The
anchor is building and solving that extensive form (HiGHS defaults); ours is building the stage
LPs and training SDDP (one process) until its deterministic lower bound is within 1e-4 (relative)
of the extensive form's optimum. Target ratio ≤ 0.25.

``policy-default``: training the default pathway's policy (``aralnexus.policy.aral``) on 2 worker
processes until the gap between the lower bound and the upper end of the 95 % interval of 1,000
out-of-sample members (sampled from the training's inflow process with a seed training never used,
checked every 50 iterations on the training's own workers, screened first by the mean cost of the
last 300 forward passes of training, which costs no stage solve) is ≤ 2 %,
capped at ``ARALNEXUS_BENCH_POLICY_MAX_S`` (default 2,700 s). ``ARALNEXUS_BENCH_POLICY_STATES=all``
makes every reservoir's storage a state (default ``large``: the model's own rule, the small
reservoirs following the median plan; the line prints ``states``). The interval is the cross-fitted
control-variate estimate of the policy's expected cost (controls: each river's calendar-year
inflow volume, its square and products of consecutive years and of the two rivers,
:mod:`aralnexus.policy.aral_controls`; unbiased, members i.i.d.,
docs/policy.md "Which gap measures convergence"): ``estimator`` names it, ``gap`` is its gap and
``gap_plain`` the plain Monte Carlo gap of the same members, ``variance_reduction`` the ratio of
their variances. The anchor is the 15-minute target; ratio ≤ 1 meets it. Prints iterations, stage
solves per second (passes, bounds and gap simulations), where the gap stands at the end
(``final_*``: 100 out-of-sample members of the final cuts, simulated after the timed training; too
few for the controls, so plain) and the machine's 1-minute load average (the machine is shared).
Progress goes to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from aralnexus.policy import (
    Cuts,
    LogRow,
    TrainOptions,
    estimate_cost,
    sample_noise_paths,
    simulate,
    solve_extensive,
    train,
    tree_size,
)
from aralnexus.policy.aral import build_policy_model
from aralnexus.policy.aral_controls import inflow_volume_controls
from aralnexus.policy.examples import hydro_thermal
from aralnexus.scenario import load_scenario

#: Tree of the benchmark: stages, outcomes per stage, reservoirs (override with ARALNEXUS_BENCH_POLICY_TREE=T,K,R).
#: 9 stages of 4 outcomes (349,524 nodes): on a quiet 2-core machine HiGHS took 27 s on the
#: 8-stage tree (87,380 nodes), short of the case's 60 s; one more stage is 4x the extensive form.
TREE = tuple(int(v) for v in os.environ.get("ARALNEXUS_BENCH_POLICY_TREE", "9,4,3").split(","))
RTOL = 1e-4


def _sddp_vs_extensive() -> dict[str, object]:
    n_stages, n_outcomes, n_reservoirs = TREE
    problem = hydro_thermal(n_stages, n_outcomes, n_reservoirs, seed=1)
    start = time.perf_counter()
    exact = solve_extensive(problem)
    anchor_s = time.perf_counter() - start

    def reached(row: LogRow, _cuts: Cuts) -> bool:
        return abs(row.lower_bound - exact.objective) <= RTOL * abs(exact.objective)

    start = time.perf_counter()
    result = train(problem, TrainOptions(iterations=20_000, seed=1), callback=reached)
    ours_s = time.perf_counter() - start
    assert result.stop_reason == "callback", f"SDDP stopped by {result.stop_reason} before reaching the optimum"
    return {
        "case": "sddp-vs-extensive",
        "ours_s": ours_s,
        "anchor": "highs-extensive-form",
        "anchor_s": anchor_s,
        "ratio": ours_s / anchor_s,
        "target_ratio": 0.25,
        "anchor_over_60s": anchor_s >= 60.0,
        "tree": f"{n_stages}x{n_outcomes}x{n_reservoirs}res",
        "tree_nodes": tree_size(problem),
        "extensive_cols": exact.n_cols,
        "iterations": result.iterations,
        "stage_solves_per_s": result.log[-1].stage_solves / ours_s,
        "lower_bound": result.lower_bound,
        "optimum": exact.objective,
    }


MAX_S = float(os.environ.get("ARALNEXUS_BENCH_POLICY_MAX_S", "2700"))
TARGET_S = 900.0
#: Out-of-sample members simulated on the final cuts after training (not timed): where the gap stands.
FINAL_MEMBERS = 100
FINAL_SEED = 99
#: ``large`` (default): the model's own storage states (the large reservoirs); ``all``: every reservoir's.
STATES = os.environ.get("ARALNEXUS_BENCH_POLICY_STATES", "large")


def _policy_default() -> dict[str, object]:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("aralnexus.policy.training").setLevel(logging.INFO)  # gap screens
    start = time.perf_counter()
    scenario = load_scenario("default")
    model = build_policy_model(scenario)
    if STATES == "all":  # every reservoir's storage a state, as before the small ones followed the median plan
        model = build_policy_model(scenario, storage_states=model.system.plant_ids)
    controls = inflow_volume_controls(model)
    build_s = time.perf_counter() - start
    options = TrainOptions(
        iterations=None,
        time_limit_s=MAX_S,
        gap=0.02,
        gap_members=1000,
        gap_every=50,
        gap_screen_members=300,
        gap_screen="forward passes",
        gap_controls=controls,
        workers=2,
        seed=1,
    )

    def report(row: LogRow, _cuts: Cuts) -> bool:  # progress on stderr; the case line stays on stdout
        if row.iteration % 10 == 0 or row.upper_high == row.upper_high:
            upper = f", upper end of the 95 % interval {row.upper_high:.6g}" if row.upper_high == row.upper_high else ""
            print(
                f"policy-default: iteration {row.iteration}, lower bound {row.lower_bound:.6g}{upper}, "
                f"{row.time_s:.0f} s",
                file=sys.stderr,
                flush=True,
            )
        return False

    start = time.perf_counter()
    result = train(model.problem, options, callback=report)
    ours_s = time.perf_counter() - start
    checked = [r for r in result.log if r.upper_high == r.upper_high]
    last = checked[-1] if checked else result.log[-1]
    gap = (last.upper_high - last.lower_bound) / abs(last.upper_high) if checked else float("nan")
    gap_plain = (last.upper_high_plain - last.lower_bound) / abs(last.upper_high_plain) if checked else float("nan")
    spread = (
        ((last.upper_high_plain - last.upper_mean) / (last.upper_high - last.upper_mean)) ** 2
        if checked
        else float("nan")
    )
    # where it stands at the end (outside the timed training): 100 out-of-sample members of the final cuts
    paths = sample_noise_paths(model.problem, FINAL_MEMBERS, FINAL_SEED)
    final_sim = simulate(model.problem, result.cuts, noise_paths=paths, workers=2)
    final = estimate_cost(final_sim.costs, controls.centred(model.problem, paths))
    return {
        "case": "policy-default",
        "ours_s": ours_s,
        "anchor": "target-15-minutes",
        "anchor_s": TARGET_S,
        "ratio": ours_s / TARGET_S,
        "reached_gap": result.stop_reason == "gap",
        "estimator": last.upper_estimator or "none",
        "gap": gap,
        "gap_plain": gap_plain,
        "variance_reduction": spread,
        "stop_reason": result.stop_reason.replace(" ", "-"),
        "iterations": result.iterations,
        "stage_solves_per_s": result.log[-1].stage_solves / ours_s,
        "lower_bound_musd": result.lower_bound,
        "upper_high_musd": last.upper_high,
        "final_mean_musd": final.mean,
        "final_upper_high_musd": final.high,
        "final_gap": final.gap(result.lower_bound),
        "final_members": FINAL_MEMBERS,
        "final_estimator": final.estimator,
        "states": model.problem.n_states,
        "build_s": build_s,
        "load_1min": os.getloadavg()[0],
    }


def run() -> list[dict[str, object]]:
    cases = os.environ.get("ARALNEXUS_BENCH_POLICY_CASES", "sddp-vs-extensive,policy-default").split(",")
    out = []
    if "sddp-vs-extensive" in cases:
        out.append(_sddp_vs_extensive())
    if "policy-default" in cases:
        out.append(_policy_default())
    return out
