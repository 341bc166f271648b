"""The aralnexus adapter: the pathway's monthly LP cut into SDDP stages.

One LP formulation, two uses: the stage LPs are slices of the LP that :mod:`aralnexus.dispatch`
builds for the whole optimised period (horizon plus look-ahead, ``build_lp``), one slice per month
(its load-block steps, its water and power balances, its minimum releases). What couples the months
in that LP becomes a state:

- **storage** of every large reservoir (hm3): the water balance's ``−storage[s−1]`` becomes an
  incoming state column. A reservoir whose usable storage is under
  :data:`STATE_STORAGE_MIN_MONTHS` of its river's mean monthly flow (the nine small ones of the
  default dataset: 4–84 hm3 against 1,000+ hm3 a month) carries no water from month to month in
  the policy: its storage at the end of each month is fixed, the training LP's own optimum on
  median inflows (:func:`median_plan_storage_hm3`), the same in every member;
- **lagged river flow** (m3/s), one per river: the inflow process
  (:class:`~aralnexus.policy.inflow_process.LinearInflowProcess`) is
  ``Q = a[m] + b[m]·Q_lag + ε`` and each plant's natural inflow is ``share[m, p]·Q`` (plus a
  correction ``δ`` that is zero in training and makes simulated inflows exact), less the
  irrigation withdrawal at the plant (deterministic);
- **imports so far this year** (GWh, :data:`IMPORT_STATE_SCALE` times the LP's MWh, so cut
  slopes are of the order of the other states') per partner with an annual import cap: the annual
  import-limit row becomes ``cum_out = cum_in + Σ imports of the month ≤ cap`` (``cum_in`` dropped
  in January).

Heads are fixed per stage in training, from the head iteration on median inflows; simulation
iterates each month's heads with dispatch's head iteration (:mod:`aralnexus.policy.aral_heads`). Costs are in
US$ million (the dispatch LP's US$ × 1e-6) for numerical range. The look-ahead months after the
scenario's end are marked as in dispatch (``horizon_end``): their strict constraints are soft at
dispatch's look-ahead prices; the horizon's strict constraints are priced at dispatch's
explain-infeasibility penalties so every stage is feasible for every state (relatively complete
recourse, :func:`recourse_slack_costs`), and storage lower bounds follow first filling at dry (5 %
quantile) inflows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from aralnexus.dispatch import names as n
from aralnexus.dispatch.build import build_lp
from aralnexus.dispatch.head import solve_heads
from aralnexus.dispatch.inputs import plant_inflows_m3s
from aralnexus.dispatch.lookahead import median_inflows, optimised_to
from aralnexus.dispatch.lp import LPArrays
from aralnexus.dispatch.objective import stage_weights
from aralnexus.dispatch.solve import SolveStatus, new_highs, run_highs, to_highs_lp
from aralnexus.dispatch.stages import column_stages, row_stages
from aralnexus.dispatch.start import build_run_system
from aralnexus.dispatch.water import (
    K,
    release_slack_cost_usd_per_hm3,
    storage_lower_hm3,
    water_deficit_cost_usd_per_hm3,
)
from aralnexus.errors import InputError
from aralnexus.errors import Problem as InputProblem
from aralnexus.policy.inflow_process import LinearInflowProcess, fit_inflow_process
from aralnexus.policy.problem import Array, CutType, IntArray, NoiseKind, Problem, StageLP, StageNoise
from aralnexus.scenario.model import Scenario
from aralnexus.system.system import System

#: Stage-LP costs are the dispatch LP's US$ times this (US$ million).
COST_SCALE = 1e-6
#: A reservoir's storage is a state when its usable range (highest upper less lowest lower bound
#: over the stages) holds at least this many months of its river's mean flow; smaller ones are
#: held to the median plan's storage (docs/policy.md, "The aralnexus adapter"). A modelling choice, not data:
#: on the default dataset the states' ratios are 2.6–12, the others' at most 0.05.
STATE_STORAGE_MIN_MONTHS = 1.0
#: Annual-import states are the LP's MWh times this (GWh).
IMPORT_STATE_SCALE = 1e-3


@dataclass(frozen=True)
class StageIndex:
    """Where a stage LP's columns and rows come from in the full dispatch LP.

    Parameters
    ----------
    cols, rows
        Full-LP column / row of each of the stage LP's leading columns / rows.
    steps
        The stage's power steps (global indices).
    turbine
        Stage-local column of ``turbine[step, plant]``, shape ``(n_steps, P)``.
    power_rows
        Stage-local power-balance row of each plant's country per step, shape ``(n_steps, P)``.
    storage_in, storage_out
        Stage-local columns of incoming and outgoing storage, shape ``(P,)``.
    layout
        The dispatch LP's families restricted to the stage, in stage-local positions (the stage
        LP's leading columns and rows are laid out exactly so).
    """

    cols: IntArray
    rows: IntArray
    steps: IntArray
    turbine: IntArray
    power_rows: IntArray
    storage_in: IntArray
    storage_out: IntArray
    layout: n.Layout


@dataclass(frozen=True)
class PolicyModel:
    """An aralnexus pathway as a multistage problem.

    Parameters
    ----------
    problem
        The SDDP problem (one stage per month of ``start … optimised_to``).
    system
        The system of the optimised period.
    process
        The inflow process the stages use.
    heads_m
        Heads per (stage, plant) fixed in training (head iteration on median inflows), m.
    index
        Per stage, where its columns and rows come from.
    layout
        The full dispatch LP's layout.
    start, end, last
        First month, last reported month, last optimised month (end plus look-ahead).
    partners
        Partner indices (into ``countries.partners``) whose annual imports are states.
    staging_key
        Fingerprint of the calendar and staging (what a stored policy must match).
    storage_states
        Plant indices whose storage is a state (the first states, in this order).
    fixed_storage_hm3
        Storage ``(S, P)`` at the end of each stage of the reservoirs that are not states (NaN for
        those that are).
    """

    problem: Problem
    system: System
    process: LinearInflowProcess
    heads_m: Array
    index: tuple[StageIndex, ...]
    layout: n.Layout
    start: str
    end: str
    last: str
    partners: IntArray
    staging_key: str
    storage_states: IntArray
    fixed_storage_hm3: Array

    @property
    def lag_states(self) -> slice:
        """Positions of the lagged river flows in the state vector."""
        first = self.storage_states.shape[0]
        return slice(first, first + len(self.process.rivers))


def withdrawals_m3s(system: System) -> Array:
    """Return the irrigation withdrawals per (stage, plant), m3/s (zero when the system has none).

    Dispatch nets them out of the natural inflow (``plant_inflows_m3s``); the stage LPs subtract
    them from the water-balance right-hand side, which the inflow noise sets.
    """
    if system.withdrawal_m3s is None:
        return np.zeros((system.calendar.n_stages, system.n_plants))
    return np.asarray(system.withdrawal_m3s, dtype=np.float64)


def staging_key(system: System) -> str:
    """Return a fingerprint of the calendar and commissioning schedule of a system."""
    digest = hashlib.sha256()
    digest.update(",".join(t.strftime("%Y-%m") for t in system.calendar.stage_month_start).encode())
    st = system.staging
    for arr in (st.capacity_mw, st.turbine_max_m3s, st.storage_min_hm3, st.storage_max_hm3, system.links.capacity_mw):
        digest.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
    digest.update(",".join(system.plant_ids).encode())
    return digest.hexdigest()[:16]


def build_policy_model(
    scenario: Scenario,
    n_outcomes: int = 5,
    fit_years: int = 1000,
    cut_type: CutType = "multi",
    storage_states: Sequence[str] | None = None,
    import_states: bool = True,
) -> PolicyModel:
    """Build the SDDP problem of a scenario's pathway (monthly, horizon plus look-ahead).

    ``cut_type``: multi-cuts by default (one cost-to-go column per next month's outcome): on the
    default pathway they gave a higher bound for the same training time than single cuts
    (docs/policy.md, *Measured on the default pathway*). ``storage_states``: the reservoirs
    (plant ids) whose storage is a state; the others follow the median plan
    (:func:`median_plan_storage_hm3`). Default: those
    :func:`carry_over_reservoirs` selects. ``import_states=False``: each month's imports have a
    cap of their own (:func:`monthly_import_caps_mwh`) instead of annual-import states.

    Raises
    ------
    InputError
        If the scenario is not at monthly resolution.
    """
    if scenario.resolution != "monthly":
        expected = "monthly (the policy's stages are months)"
        raise InputError([InputProblem(scenario.file, "resolution", expected, scenario.resolution)])
    start, end = scenario.start, scenario.end
    last = optimised_to(scenario.dataset, end, "monthly")
    # start storage as a run states it; the months after ``end`` are a look-ahead, soft as in dispatch
    system = build_run_system(scenario, start, last, "monthly", horizon_end=end)
    median = plant_inflows_m3s(system, median_inflows(scenario, start, last))
    heads = solve_heads(system, median, "iterate").heads_m
    process = fit_inflow_process(scenario, system, n_outcomes, fit_years)
    lp = training_lp(system, process, median, heads)
    if storage_states is None:
        states = carry_over_reservoirs(system, process)
    else:
        unknown = sorted(set(storage_states) - set(system.plant_ids))
        if unknown:
            raise InputError([InputProblem(scenario.file, "storage_states", "plants of the system", str(unknown))])
        states = np.isin(np.asarray(system.plant_ids), list(storage_states))
    return _assemble(system, process, heads, lp, start, end, last, cut_type, states, import_states)


def storage_states_of(state_names: Sequence[str]) -> tuple[str, ...]:
    """Return the reservoirs (plant ids) whose storage is among ``state_names`` (a stored policy's)."""
    return tuple(name[len("storage_hm3[") : -1] for name in state_names if name.startswith("storage_hm3["))


def carry_over_reservoirs(system: System, process: LinearInflowProcess) -> np.ndarray:
    """Return which reservoirs ``(P,)`` carry storage from month to month in the policy (are states).

    Those whose usable range — the highest storage upper bound less the lowest lower bound over
    the stages — holds at least :data:`STATE_STORAGE_MIN_MONTHS` of their river's mean flow over
    an average month; a plant on no river is always a state.
    """
    st = system.staging
    usable_hm3 = st.storage_max_hm3.max(axis=0) - st.storage_min_hm3.min(axis=0)
    hours = float(np.mean(system.calendar.stage_hours))
    river_month_hm3 = K * hours * stationary_mean_m3s(process).mean(axis=0)  # (R,)
    on_river = process.plant_river >= 0
    month_hm3 = np.where(on_river, river_month_hm3[np.maximum(process.plant_river, 0)], 0.0)
    return np.asarray(~on_river | (usable_hm3 >= STATE_STORAGE_MIN_MONTHS * month_hm3), dtype=bool)


def median_plan(lp: LPArrays) -> Array:
    """Return the training LP's own optimum (its right-hand sides: median inflows), every column.

    What is not a state in the policy follows this plan (:func:`median_plan_storage_hm3`,
    :func:`monthly_import_caps_mwh`).

    Raises
    ------
    RuntimeError
        If HiGHS does not solve the LP to optimality.
    """
    h = new_highs()
    h.passModel(to_highs_lp(lp))
    solution = run_highs(h)
    if solution.status is not SolveStatus.OPTIMAL:
        raise RuntimeError(f"the training LP on median inflows: {solution.status}")
    return solution.x


def median_plan_storage_hm3(lp: LPArrays, plan: Array) -> Array:
    """Return the storage ``(S, P)`` at the end of each stage of the median plan (:func:`median_plan`).

    The reservoirs that are not states follow it in the policy: their month-to-month carry-over
    is this plan's, the same in every member (a seasonal rule curve: on the default pathway the
    small reservoirs are drawn down in March and refilled over the summer). Their level within
    the month does not matter to the stage LPs (their heads are fixed: no level curves).
    """
    storage = lp.layout.cols[n.STORAGE].index
    return np.clip(plan[storage], lp.col_lower[storage], lp.col_upper[storage])


def monthly_import_caps_mwh(
    system: System, lp: LPArrays, matrix: sp.csr_matrix, col_stage: IntArray, partners: IntArray, plan: Array
) -> Array:
    """Return a cap ``(J, S)`` on each month's imports per capped partner: the annual cap split by the median plan.

    Each month may import what the median plan (:func:`median_plan`) imports in it, plus the
    part of the year's cap the plan leaves unused, spread over the year's months by their hours.
    The months' caps sum to the annual cap; a member cannot move imports between months.
    """
    block = lp.layout.rows[n.IMPORT_LIMIT]
    cal = system.calendar
    year = cal.stage_month_start.year.to_numpy() - int(cal.stage_month_start[0].year)
    hours = np.asarray(cal.stage_hours, dtype=np.float64)
    caps = lp.row_upper[block.index[partners]]  # (J, Y)
    use = np.zeros((partners.shape[0], cal.n_stages))
    for t in range(cal.n_stages):
        rows = matrix[block.index[partners, year[t]]]
        in_stage = (col_stage == t).astype(np.float64)
        use[:, t] = rows @ (plan * in_stage)
    out = np.empty_like(use)
    for y in np.unique(year):
        months = year == y
        spare = np.maximum(caps[:, y] - use[:, months].sum(axis=1), 0.0)
        out[:, months] = use[:, months] + spare[:, None] * hours[months] / hours[months].sum()
    return out


def training_lp(system: System, process: LinearInflowProcess, inflow_m3s: Array, heads_m: Array) -> LPArrays:
    """Return the full dispatch LP the stages are cut from: complete recourse, heads fixed, dry filling bounds.

    ``inflow_m3s`` (stage, plant) sets the water-balance right-hand sides (replaced by the noise in
    the stages); storage lower bounds follow first filling at the process's dry (5 %) flows; strict
    constraints are priced as :func:`recourse_slack_costs` says.
    """
    months = system.calendar.stage_month_start.month.to_numpy() - 1
    river = np.maximum(process.plant_river, 0)
    has_river = process.plant_river >= 0
    dry_plant = np.where(has_river, process.share[months] * process.dry_m3s[months][:, river], 0.0)
    dry_plant = dry_plant - withdrawals_m3s(system)
    lp = build_lp(system, inflow_m3s, heads_m)
    deficit_usd_per_hm3, release_usd_per_hm3 = recourse_slack_costs(system)
    w = stage_weights(system)  # present values, as dispatch's own costs (dispatch.objective.discount_costs)
    lp.set_cols(n.WATER_DEFICIT, 0.0, np.inf, (deficit_usd_per_hm3 * w)[:, None])
    if release_usd_per_hm3.size:
        lp.set_cols(n.RELEASE_SLACK, 0.0, np.inf, release_usd_per_hm3 * w[system.releases["stage"].to_numpy()])
    storage = lp.layout.cols[n.STORAGE].index  # bounds only: the last month's cost is the terminal water value
    lp.col_lower[storage] = storage_lower_hm3(system, dry_plant)
    lp.col_upper[storage] = system.staging.storage_max_hm3
    return lp


def recourse_slack_costs(system: System) -> tuple[Array, Array]:
    """Return the price of artificial water ``(S,)`` and of release shortfalls ``(R,)``, US$/hm3, in the policy's LPs.

    Dispatch's own prices wherever dispatch allows the slack: look-ahead months
    (:attr:`System.lookahead_stage`) are soft at the look-ahead prices, relaxable releases cost
    their penalty. Where dispatch forbids it — the horizon's strict constraints — the policy
    prices it at dispatch's explain-infeasibility penalties instead, so every month is feasible
    for every state the policy can reach (relatively complete recourse). A dispatch run that is
    feasible pays none of them.
    """
    prices = []
    for price in (water_deficit_cost_usd_per_hm3, release_slack_cost_usd_per_hm3):
        strict, relaxed = price(system, False), price(system, True)
        prices.append(np.where(np.isfinite(strict), strict, relaxed))
    return prices[0], prices[1]


def _assemble(
    system: System,
    process: LinearInflowProcess,
    heads: Array,
    lp: LPArrays,
    start: str,
    end: str,
    last: str,
    cut_type: CutType = "multi",
    storage_states: np.ndarray | None = None,
    import_states: bool = True,
) -> PolicyModel:
    """Cut the full LP into stage LPs and wrap them in a :class:`PolicyModel`.

    ``storage_states`` ``(P,)``: which reservoirs' storages are states (default: all);
    ``import_states``: the annual imports so far are states (else each month has its own cap,
    :func:`monthly_import_caps_mwh`).
    """
    layout = lp.layout
    matrix = lp.matrix().tocsr()
    col_stage, row_stage = column_stages(system, layout), row_stages(system, layout)
    cap = _import_caps_mwh(system, lp)
    partners = np.flatnonzero(np.isfinite(cap).any(axis=1)).astype(np.int64)
    is_state = np.ones(system.n_plants, dtype=bool) if storage_states is None else np.asarray(storage_states, bool)
    storage = layout.cols[n.STORAGE].index
    plan = median_plan(lp) if not is_state.all() or not import_states else None
    fixed = np.full(storage.shape, np.nan) if plan is None else median_plan_storage_hm3(lp, plan)
    fixed[:, is_state] = np.nan
    month_cap = None
    if plan is not None and not import_states:
        month_cap = monthly_import_caps_mwh(system, lp, matrix, col_stage, partners, plan)
    stages, index = [], []
    for t in range(system.calendar.n_stages):  # one stage LP per month: ~150 slices of one sparse matrix
        caps = (cap, month_cap)
        stage, idx = _stage_lp(system, process, lp, matrix, (col_stage, row_stage), caps, partners, fixed, t)
        stages.append(stage)
        index.append(idx)
    first = int(system.calendar.stage_month_start[0].month) - 1
    lag0 = stationary_mean_m3s(process)[(first - 1) % 12]
    n_j = partners.shape[0] if import_states else 0
    initial = np.concatenate([system.storage_initial_hm3[is_state], lag0, np.zeros(n_j)])
    names = (
        *(f"storage_hm3[{p}]" for p, s in zip(system.plant_ids, is_state, strict=True) if s),
        *(f"lagged_flow_m3s[{r}]" for r in process.rivers),
        *(f"imports_gwh[{system.countries.partners[j]}]" for j in partners[:n_j]),
    )
    tail = np.cumsum([_stage_cost_floor(s) for s in stages][::-1])[::-1]
    floor = float(min(0.0, tail[1:].min())) if len(stages) > 1 else 0.0
    problem = Problem(tuple(stages), initial, names, cost_to_go_lower_bound=floor - 1.0, cut_type=cut_type)
    states = np.flatnonzero(is_state).astype(np.int64)
    return PolicyModel(
        problem,
        system,
        process,
        heads,
        tuple(index),
        layout,
        start,
        end,
        last,
        partners[:n_j],
        staging_key(system),
        states,
        fixed,
    )


def stationary_mean_m3s(process: LinearInflowProcess) -> Array:
    """Return the mean river flow ``(12, R)`` of each calendar month implied by the PAR(1) recursion."""
    mean = np.zeros((12, len(process.rivers)))
    current = np.zeros(len(process.rivers))
    for _ in range(100):  # the periodic mean recursion converges geometrically (Π b over a year < 1)
        for m in range(12):
            current = process.intercept_m3s[m] + process.slope[m] * current
            mean[m] = current
    return mean


def _import_caps_mwh(system: System, lp: LPArrays) -> Array:
    """Return the annual import caps ``(partners, years)`` in MWh (inf where none)."""
    block = lp.layout.rows[n.IMPORT_LIMIT]
    if block.size == 0:
        return np.zeros((len(system.countries.partners), 0))
    return lp.row_upper[block.index]


def _stage_cost_floor(stage: StageLP) -> float:
    """Return a lower bound on a stage's cost (−inf bounds on negative costs give a large negative floor)."""
    c, lo, up = stage.col_cost, stage.col_lower, stage.col_upper
    worst = np.where(c >= 0, c * np.where(np.isfinite(lo), lo, 0.0), c * np.where(np.isfinite(up), up, 1e9))
    return float(worst.sum() + stage.offset)


def _stage_lp(
    system: System,
    process: LinearInflowProcess,
    lp: LPArrays,
    matrix: sp.csr_matrix,
    element_stages: tuple[IntArray, IntArray],
    caps: tuple[Array, Array | None],
    partners: IntArray,
    fixed_hm3: Array,
    t: int,
) -> tuple[StageLP, StageIndex]:
    """Build stage ``t``'s LP from the full LP (see the module docstring).

    ``element_stages``: the stage of every full-LP column and row; ``fixed_hm3`` ``(S, P)``: end
    storage of the reservoirs held at a fixed level (NaN: a state); ``caps``: the annual import
    caps ``(J_all, Y)`` (MWh) and, when imports are not states, each month's ``(J, S)``.
    """
    layout, cal = lp.layout, system.calendar
    cap, month_cap = caps
    col_stage, row_stage = element_stages
    n_p, n_r, n_j = system.n_plants, len(process.rivers), partners.shape[0]
    cols, rows = np.flatnonzero(col_stage == t), np.flatnonzero(row_stage == t)
    local_col = np.full(layout.n_cols, -1, dtype=np.int64)
    local_col[cols] = np.arange(cols.shape[0])
    local_row = np.full(layout.n_rows, -1, dtype=np.int64)
    local_row[rows] = np.arange(rows.shape[0])
    own = matrix[rows]
    _check_coupling(own, cols, layout, t)
    base = own[:, cols].tocoo()
    n_c, n_m = cols.shape[0], rows.shape[0]
    # added columns: storage_in (P), flow (R), lag_in (R), lag_out (R), cum_in (J), cum_out (J)
    c_sin = n_c + np.arange(n_p)
    c_q = n_c + n_p + np.arange(n_r)
    c_lin, c_lout = c_q + n_r, c_q + 2 * n_r
    c_cin = n_c + n_p + 3 * n_r + np.arange(n_j)
    c_cout = c_cin + n_j
    n_cols = n_c + n_p + 3 * n_r + 2 * n_j
    # added rows: inflow (R), lag (R), imports (J)
    r_in = n_m + np.arange(n_r)
    r_lag, r_imp = r_in + n_r, n_m + 2 * n_r + np.arange(n_j)
    n_rows = n_m + 2 * n_r + n_j
    month = int(cal.stage_month_start[t].month) - 1
    wb = local_row[layout.rows[n.WATER_BALANCE].index[t]]
    hours = float(cal.stage_hours[t])
    has_river = process.plant_river >= 0
    share = process.share[month]
    ri, ci, vi = [base.row], [base.col], [base.data]
    ri += [wb, r_in, r_in, r_lag, r_lag]
    ci += [c_sin, c_q, c_lin, c_lout, c_q]
    vi += [-np.ones(n_p), np.ones(n_r), -process.slope[month], np.ones(n_r), -np.ones(n_r)]
    ri.append(wb[has_river])
    ci.append(c_q[process.plant_river[has_river]])
    vi.append(-K * hours * share[has_river])
    col_lower = np.concatenate([lp.col_lower[cols], np.full(n_cols - n_c, -np.inf)])
    col_upper = np.concatenate([lp.col_upper[cols], np.full(n_cols - n_c, np.inf)])
    row_lower = np.concatenate([lp.row_lower[rows], np.zeros(n_rows - n_m)])
    row_upper = np.concatenate([lp.row_upper[rows], np.zeros(n_rows - n_m)])
    row_lower[wb] = row_upper[wb] = 0.0
    if n_j:
        block = layout.rows[n.IMPORT_LIMIT]
        year = int(cal.stage_month_start[t].year) - int(cal.stage_month_start[0].year)
        limit_rows = block.index[partners, year]
        imp = matrix[limit_rows][:, cols].tocoo()
        carry = 0.0 if month == 0 or month_cap is not None else 1.0
        ri += [r_imp[imp.row], r_imp, r_imp]
        ci += [imp.col, c_cout, c_cin]
        vi += [-imp.data * IMPORT_STATE_SCALE, np.ones(n_j), np.full(n_j, -carry)]
        col_lower[c_cout] = 0.0
        col_upper[c_cout] = (cap[partners, year] if month_cap is None else month_cap[:, t]) * IMPORT_STATE_SCALE
        if month_cap is not None:  # not states: this month's imports only
            col_lower[c_cin] = col_upper[c_cin] = 0.0
    mat = sp.csc_matrix(
        (np.concatenate(vi), (np.concatenate(ri), np.concatenate(ci))), shape=(n_rows, n_cols), dtype=np.float64
    )
    cost = np.concatenate([lp.col_cost[cols], np.zeros(n_cols - n_c)]) * COST_SCALE
    k_out = process.n_outcomes
    withdrawn = K * hours * withdrawals_m3s(system)[t]  # taken before the turbines, the same in every outcome
    values = np.column_stack(
        [
            process.intercept_m3s[month][None, :] + process.outcomes_m3s[month],
            np.broadcast_to(-withdrawn, (k_out, n_p)),
        ]
    )
    rhs: NoiseKind = "rhs"
    kinds = (rhs,) * (n_r + n_p)
    noise = StageNoise(process.probabilities[month], values, kinds, np.concatenate([r_in, wb]).astype(np.int64))
    storage_out = local_col[layout.cols[n.STORAGE].index[t]]
    held = ~np.isnan(fixed_hm3[t])  # no carry-over: incoming and outgoing storage fixed, not states
    incoming = fixed_hm3[t - 1] if t > 0 else system.storage_initial_hm3
    col_lower[c_sin[held]] = col_upper[c_sin[held]] = incoming[held]
    col_lower[storage_out[held]] = col_upper[storage_out[held]] = fixed_hm3[t, held]
    stage = StageLP(
        matrix=mat,
        col_lower=col_lower,
        col_upper=col_upper,
        col_cost=cost,
        row_lower=row_lower,
        row_upper=row_upper,
        state_in=np.concatenate([c_sin[~held], c_lin, c_cin[: n_j if month_cap is None else 0]]).astype(np.int64),
        state_out=np.concatenate([storage_out[~held], c_lout, c_cout[: n_j if month_cap is None else 0]]).astype(
            np.int64
        ),
        noise=noise,
        offset=lp.offset * COST_SCALE if t == 0 else 0.0,
    )
    steps = np.flatnonzero(cal.step_stage == t)
    turbine = local_col[layout.cols[n.TURBINE].index[steps]]
    power_rows = local_row[layout.rows[n.POWER_BALANCE].index[steps][:, system.country_index]]
    local = stage_layout(layout, local_col, local_row)
    return stage, StageIndex(cols, rows, steps, turbine, power_rows, c_sin.astype(np.int64), storage_out, local)


def stage_layout(layout: n.Layout, local_col: IntArray, local_row: IntArray) -> n.Layout:
    """Return the families of ``layout`` restricted to one stage (``local_*``: stage-local index or −1).

    Every family keeps its trailing axes; its leading axis keeps the stage's entries. Families
    without entries in the stage (the annual import limits) are left out.
    """

    def restrict(blocks: dict[str, n.Block], local: IntArray) -> dict[str, tuple[int, ...]]:
        shapes = {}
        for name, block in blocks.items():
            mine = local[block.index.ravel()]
            mine = mine[mine >= 0]
            if mine.size == 0:
                continue
            shapes[name] = (mine.size // int(np.prod(block.shape[1:])), *block.shape[1:])
        return shapes

    out = n.Layout.from_shapes(restrict(layout.cols, local_col), restrict(layout.rows, local_row))
    for blocks, local, mine in ((layout.cols, local_col, out.cols), (layout.rows, local_row, out.rows)):
        for name, block in mine.items():
            found = local[blocks[name].index.ravel()]
            if not np.array_equal(found[found >= 0], block.index.ravel()):
                raise NotImplementedError(f"the stage's {name} entries are not laid out as one block")
    return out


def _check_coupling(own: sp.csr_matrix, cols: IntArray, layout: n.Layout, t: int) -> None:
    """Refuse a full LP whose stage-``t`` rows reference other stages beyond the previous storage."""
    allowed = np.zeros(layout.n_cols, dtype=bool)
    allowed[cols] = True
    if t > 0:
        allowed[layout.cols[n.STORAGE].index[t - 1]] = True
    used = np.unique(own.tocoo().col)
    outside = used[~allowed[used]]
    if outside.size:
        names = sorted({name for name, b in layout.cols.items() if (outside >= b.offset).any() and b.offset >= 0})
        msg = f"stage {t} rows of the dispatch LP reference columns of other stages ({names[:3]}); not a stage LP"
        raise NotImplementedError(msg)
