"""The report's "Operating policy" section for a policy simulation (``aralnexus policy simulate``).

Three parts, read from the store:

- **Convergence**: the training's lower bound by iteration against the simulated cost of this
  run's members and its 95 % interval (both in US$ million of cost = − welfare, over the
  optimised period), the training's own forward passes (the in-sample cost: the mean and 95 %
  interval of the last :data:`FORWARD_WINDOW` passes at each iteration) and, where the gap rule
  ran, its out-of-sample upper ends. The policy is near-optimal when the bound reaches the interval.
- **Water values**: for Toktogul, Kambarata-1, Nurek and Rogun, the marginal value of stored
  water against storage at the end of each month of the first full year
  (:func:`aralnexus.policy.curves.water_value_curves`).
- **Against perfect foresight on the same members**: when the store holds the ensemble of the
  same scenario and seed (``aralnexus ensemble SCENARIO --members N --seed S``), members
  ``0 … N−1`` are the same inflow series; the value of perfect information is the mean welfare
  difference, and each country's P(winter deficit > x in some winter) and its CASA-1000 exports
  are shown for both.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aralnexus.i18n import _, format_number, get_language, month_names, ngettext
from aralnexus.policy.curves import MAIN_RESERVOIRS, water_value_curves
from aralnexus.policy.estimate import plain_interval
from aralnexus.policy.store_io import (
    POLICY_KIND,
    forward_costs,
    load_info,
    load_training,
    policy_log,
    simulated_policy,
)
from aralnexus.report.charts import PALETTE, Chart, Trace
from aralnexus.report.data import country_name
from aralnexus.report.html import Section, chart_html, table_html
from aralnexus.store import Store

#: Forward passes averaged into the in-sample cost shown at each iteration (the last ones, or all so far).
FORWARD_WINDOW = 50
UPPER = ["upper_mean_musd", "upper_low_musd", "upper_high_musd", "upper_estimator"]


@dataclass(frozen=True)
class PolicyView:
    """What the report shows about a policy simulation.

    Parameters
    ----------
    run_id, policy_run_id
        The simulation's ensemble run and the policy it simulates.
    log
        The training's convergence log (:func:`convergence_log`).
    costs
        ``member, cost_musd`` of the simulated members.
    curves
        Water-value curves (:func:`~aralnexus.policy.curves.water_value_curves`).
    perfect_run_id
        The perfect-foresight ensemble on the same members, if stored.
    comparison
        ``figure, country, policy, perfect_foresight, difference`` rows (empty without that ensemble).
    threshold_twh
        Winter-deficit threshold of the comparison.
    """

    run_id: str
    policy_run_id: str
    log: pd.DataFrame
    costs: pd.DataFrame
    curves: pd.DataFrame
    perfect_run_id: str | None
    comparison: pd.DataFrame
    threshold_twh: float

    def interval(self) -> tuple[float, float, float]:
        """Return the simulated mean cost and its 95 % interval (US$ million)."""
        return plain_interval(self.costs["cost_musd"].to_numpy(dtype=np.float64))


def load_policy_view(store: Store, run_id: str, threshold_twh: float = 1.0) -> PolicyView | None:
    """Return the policy view of a run, or ``None`` when the run is not a policy simulation."""
    policy_id = simulated_policy(store, run_id)
    if policy_id is None:
        return None
    info = load_info(store, policy_id)
    training = load_training(store, policy_id, len(info["state_names"]))  # type: ignore[arg-type]
    log = convergence_log(store, policy_id)
    costs = store.query("SELECT member, cost_musd FROM policy_member_costs WHERE run_id = ? ORDER BY member", [run_id])
    curves = water_value_curves(training.cuts, info) if "reference_states" in info else pd.DataFrame()
    perfect = perfect_foresight_run(store, run_id)
    comparison = compare_runs(store, run_id, perfect, len(costs), threshold_twh) if perfect else pd.DataFrame()
    return PolicyView(run_id, policy_id, log, costs, curves, perfect, comparison, threshold_twh)


def perfect_foresight_run(store: Store, run_id: str) -> str | None:
    """Return the newest perfect-foresight ensemble of the same scenario and seed with at least as many members."""
    found = store.query(
        "SELECT o.run_id FROM runs r JOIN runs o ON o.scenario_hash = r.scenario_hash AND o.seed = r.seed "
        "AND o.horizon_start = r.horizon_start AND o.horizon_end = r.horizon_end "
        "WHERE r.run_id = ? AND o.kind = 'ensemble' AND o.run_id <> r.run_id "
        "AND o.hydrology LIKE 'synthetic ensemble%' AND o.n_members >= r.n_members "
        "ORDER BY o.saved_at DESC LIMIT 1",
        [run_id],
    )
    return str(found["run_id"].iloc[0]) if len(found) else None


def compare_runs(store: Store, policy_run: str, perfect_run: str, members: int, threshold_twh: float) -> pd.DataFrame:
    """Return the policy against perfect foresight on members ``0 … members−1`` of both runs."""
    welfare = store.query(
        "SELECT run_id, avg(objective_musd) AS welfare FROM members WHERE run_id IN (?, ?) AND member < ? "
        "AND status = 'done' GROUP BY run_id",
        [policy_run, perfect_run, members],
    ).set_index("run_id")["welfare"]
    winter = store.query(
        "SELECT run_id, country, avg(CASE WHEN worst > ? THEN 1.0 ELSE 0.0 END) AS p FROM ("
        "  SELECT run_id, country, member, max(value) AS worst FROM member_metrics"
        "  WHERE run_id IN (?, ?) AND member < ? AND metric = 'winter_deficit_twh' AND value IS NOT NULL"
        "  GROUP BY run_id, country, member) GROUP BY run_id, country",
        [threshold_twh, policy_run, perfect_run, members],
    )
    casa = store.query(
        "SELECT run_id, country, avg(total) AS twh FROM ("
        "  SELECT run_id, country, member, sum(value) AS total FROM member_metrics"
        "  WHERE run_id IN (?, ?) AND member < ? AND metric = 'exports_casa_twh' GROUP BY run_id, country, member)"
        " GROUP BY run_id, country",
        [policy_run, perfect_run, members],
    )
    rows = [
        _row(_("expected welfare, US$ million"), _("both"), welfare.get(policy_run), welfare.get(perfect_run)),
    ]
    for frame, label, column in (
        (winter, _("P(winter deficit > {twh} TWh in some winter)", twh=_g(threshold_twh)), "p"),
        (casa, _("CASA-1000 exports over the horizon, TWh (mean)"), "twh"),
    ):
        table = frame.pivot_table(index="country", columns="run_id", values=column)
        for country, r in table.iterrows():
            rows.append(_row(label, country_name(str(country)), r.get(policy_run), r.get(perfect_run)))
    return pd.DataFrame(rows, columns=["figure", "country", "policy", "perfect_foresight", "difference"])


def _g(value: float) -> str:
    text = f"{value:g}"
    return text if get_language() == "en" else text.replace(".", ",")


def reservoir_names() -> dict[str, str]:
    """Return the names of the main reservoirs (``MAIN_RESERVOIRS``) in the current language."""
    return {
        "toktogul": _("Toktogul"),
        "kambarata1": _("Kambarata-1"),
        "nurek": _("Nurek"),
        "rogun": _("Rogun"),
    }


def _number(value: object) -> float:
    """Return a float, NaN for a missing value."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _row(figure: str, country: str, policy: object, perfect: object) -> dict[str, object]:
    p, f = _number(policy), _number(perfect)
    return {"figure": figure, "country": country, "policy": p, "perfect_foresight": f, "difference": f - p}


def policy_charts(view: PolicyView) -> list[Chart]:
    """Return the convergence chart and the water-value chart (four panels)."""
    mean, low, high = view.interval()
    members = ngettext("{n} member", "{n} members", len(view.costs))
    months = month_names("abbreviated")
    it = view.log["iteration"].tolist()
    ends = [it[0], it[-1]] if it else []
    convergence = Chart(
        key="policy_convergence",
        title=_("Policy training: lower bound and simulated cost"),
        y_title=_("cost (− welfare), US$ million"),
        x_title=_("iteration"),
        traces=[
            Trace(
                "band",
                ends,
                [high, high],
                _("simulated cost, {share} interval", share="95 %"),
                y_low=[low, low],
                color="#ff7f0e",
            ),
            Trace("line", ends, [mean, mean], _("simulated mean ({members})", members=members), color="#ff7f0e"),
            *bound_traces(view.log),
        ],
        caption=_(
            "The lower bound of the expected cost rises as cuts are added. The simulated members are the inflow "
            "generator's, with the exact head iteration: their mean and {share} interval include the cost of the "
            "training's approximations (inflow process, fixed heads), so they stay above the bound even for a "
            "converged policy. Convergence is judged on the training's own inflow process (docs/policy.md). "
            "The forward passes are the training's own (in sample, with cuts still being added); the gap rule's "
            "upper ends, where it ran, are out of sample on the training process.",
            share="95 %",
        ),
    )
    traces = []
    plants = [p for p in MAIN_RESERVOIRS if not view.curves.empty and p in set(view.curves["plant"])]
    for panel, plant in enumerate(plants):
        rows = view.curves[view.curves["plant"] == plant]
        for month, r in rows.groupby("month", sort=True):
            m = int(str(month))
            show = months[m - 1]
            traces.append(
                Trace(
                    "line", r["storage_hm3"], r["water_value_usd_per_1000m3"], show, panel, color=PALETTE[(m - 1) % 12]
                )
            )
    curves = Chart(
        key="policy_water_values",
        title=_("Water values by month"),
        y_title=_("US$ per 1000 m3"),
        x_title=_("storage at the end of the month, hm3"),
        traces=traces,
        panels=tuple(reservoir_names()[p] for p in plants) or ("",),
        caption=_(
            "Marginal value of one more unit of water stored at the end of each month, against the reservoir's "
            "storage (other reservoirs and the recent inflows at the policy's own median-inflow path). Steps come "
            "from the cuts; values fall as the reservoir fills."
        ),
    )
    return [convergence, curves]


def policy_section(view: PolicyView, charts: list[Chart], pngs: dict[str, str] | None = None) -> Section:
    """Return the "Operating policy" section of the report."""
    rendered = {c.key: chart_html(c, (pngs or {}).get(c.key)) for c in charts if not c.empty}
    return Section("policy", _("Operating policy (SDDP)"), policy_html(view, rendered))


def policy_html(view: PolicyView, rendered: dict[str, str]) -> str:
    """Return the body of the "Operating policy" section (``rendered``: chart HTML by chart key)."""
    mean, low, high = view.interval()
    bound = float(view.log["lower_bound_musd"].iloc[-1]) if len(view.log) else math.nan
    gap = (high - bound) / abs(high) if high else math.nan
    intro = _(
        "Policy {policy} was trained by SDDP for {rounds} round(s); its lower bound on the expected cost is "
        "{bound} US$ million. Simulated on {members} synthetic members it never saw, with the exact head "
        "iteration each month, it costs {mean} US$ million on average ({share} interval {low} – {high}); the bound "
        "lies {gap} below the interval's upper end: the convergence gap and the cost of the training's approximations "
        "(inflow process, fixed heads) together.",
        policy=view.policy_run_id,
        rounds=len(view.log),
        bound=format_number(bound, 1),
        members=len(view.costs),
        mean=format_number(mean, 1),
        low=format_number(low, 1),
        high=format_number(high, 1),
        gap=f"{format_number(100 * gap, 1)} %",
        share="95 %",
    )
    no_curves = _("No water-value curves (the policy has no cuts for these months).")
    parts = [
        f"<p>{html.escape(intro)}</p>",
        rendered.get("policy_convergence", ""),
        "<h3>" + html.escape(_("Water values")) + "</h3>",
        rendered.get("policy_water_values", f"<p>{html.escape(no_curves)}</p>"),
        "<h3>" + html.escape(_("Against perfect foresight on the same members")) + "</h3>",
    ]
    if view.perfect_run_id is None:
        missing = _(
            "No perfect-foresight ensemble of this scenario and seed is stored. Run the command below with this "
            "run's seed and at least as many members: its members are the same inflow series, and this section "
            "then shows the value of perfect information and how the risk figures change."
        )
        parts.append(f"<p>{html.escape(missing)} <code>aralnexus ensemble SCENARIO --members N --seed S</code></p>")
    else:
        found = _(
            "Perfect foresight: ensemble {run} (each member optimised knowing its inflows). The value of perfect "
            "information is the welfare difference; the policy's risk figures are what an operator without "
            "foresight would face.",
            run=view.perfect_run_id,
        )
        parts.append(f"<p>{html.escape(found)}</p>")
        parts.append(table_html(view.comparison, floats="{:,.3f}"))
    return "".join(parts)


def convergence_log(store: Store, policy_id: str, window: int = FORWARD_WINDOW) -> pd.DataFrame:
    """Return a policy's convergence log, one row per training round.

    Columns: ``iteration, lower_bound_musd, time_s``; the gap rule's out-of-sample estimate
    ``upper_mean_musd, upper_low_musd, upper_high_musd, upper_estimator`` (NaN / empty where it did
    not run); and the in-sample cost ``forward_mean_musd, forward_low_musd, forward_high_musd``: the
    mean and 95 % interval of the last ``window`` forward passes up to the round (NaN when the
    store holds no forward-pass costs, e.g. a policy trained by an older aralnexus).
    """
    log = policy_log(store, policy_id)[["iteration", "lower_bound_musd", "time_s", *UPPER]]
    for column in UPPER[:3]:
        log[column] = log[column].astype("float64")
    log["upper_estimator"] = log["upper_estimator"].fillna("").astype(str)
    forward = forward_costs(store, policy_id)
    costs = forward["cost_musd"].to_numpy(np.float64)
    passes = forward["iteration"].to_numpy(np.int64)
    band = np.full((len(log), 3), np.nan)
    for i, iteration in enumerate(log["iteration"].to_numpy(np.int64)):
        last = costs[passes <= iteration][-window:]
        if last.shape[0] > 1:
            band[i] = plain_interval(last)
    log["forward_mean_musd"], log["forward_low_musd"], log["forward_high_musd"] = band.T
    return log


def load_training_log(store: Store, run: dict[str, object]) -> pd.DataFrame | None:
    """Return the convergence log of a trained policy (:func:`convergence_log`); ``None`` for any other run."""
    if run.get("kind") != POLICY_KIND:
        return None
    return convergence_log(store, str(run["run_id"]))


def bound_traces(log: pd.DataFrame) -> list[Trace]:
    """Return the training's traces: in-sample cost band and mean, gap-rule upper ends, lower bound."""
    traces = []
    it = log["iteration"].tolist()
    if "forward_mean_musd" in log and log["forward_mean_musd"].notna().any():
        name = _("forward passes (in sample), mean of the last {n}", n=FORWARD_WINDOW)
        traces += [
            Trace(
                "band",
                it,
                log["forward_high_musd"].tolist(),
                _("forward passes, {share} interval", share="95 %"),
                y_low=log["forward_low_musd"].tolist(),
                color="#2ca02c",
            ),
            Trace("line", it, log["forward_mean_musd"].tolist(), name, color="#2ca02c"),
        ]
    if "upper_high_musd" in log and log["upper_high_musd"].notna().any():
        checked = log[log["upper_high_musd"].notna()]
        traces.append(
            Trace(
                "points",
                checked["iteration"].tolist(),
                checked["upper_high_musd"].tolist(),
                _("gap rule: upper end of the {share} interval (training process)", share="95 %"),
                color="#d62728",
            )
        )
    traces.append(Trace("line", it, log["lower_bound_musd"].tolist(), _("lower bound (training)"), color="#1f77b4"))
    return traces


def training_chart(log: pd.DataFrame) -> Chart:
    """Return the chart of the lower bound against the in-sample cost of the forward passes by training iteration."""
    return Chart(
        key="policy_training",
        title=_("Policy training: lower bound and forward-pass cost by iteration"),
        y_title=_("cost (− welfare), US$ million"),
        x_title=_("iteration"),
        traces=bound_traces(log),
        caption=_(
            "The lower bound of the expected cost rises as cuts are added; it flattens as the policy converges. "
            "The forward passes' cost (in sample: the noise the cuts were found on, the mean and {share} interval "
            "of the last {n}) falls towards it; the gap between the two is the convergence gap, up to sampling "
            "error. Where the gap rule ran, its out-of-sample upper ends are shown.",
            share="95 %",
            n=FORWARD_WINDOW,
        ),
    )


def training_section(run_id: str, log: pd.DataFrame, chart: Chart, png: str | None = None) -> Section:
    """Return the "Policy training" section of a trained policy's page."""
    if log.empty:
        text = _("No training round of this policy is stored yet.")
        return Section("policy-training", _("Policy training (SDDP)"), f"<p>{html.escape(text)}</p>")
    bound = float(log["lower_bound_musd"].iloc[-1])
    intro = _(
        "Trained by SDDP for {n} iteration(s) in {seconds} s; the lower bound on the expected cost is {bound} US$ "
        "million. Simulate the policy on synthetic members it never saw with",
        n=int(log["iteration"].iloc[-1]),  # iterations, cumulative (a round of K workers is K iterations)
        seconds=format_number(float(log["time_s"].iloc[-1]), 1),  # time_s is cumulative too
        bound=format_number(bound, 1),
    )
    command = f"aralnexus policy simulate {run_id} --members 100"
    body = f"<p>{html.escape(intro)} <code>{html.escape(command)}</code>.</p>" + chart_html(chart, png)
    return Section("policy-training", _("Policy training (SDDP)"), body)
