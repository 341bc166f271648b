"""The policy's tables in the store: forward-pass costs and the gap rule's estimator, and older stores."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from aralnexus.policy import Cuts
from aralnexus.policy.store_io import append_round, ensure_tables, forward_costs, load_training
from aralnexus.policy.training import LogRow
from aralnexus.report.policy import FORWARD_WINDOW, bound_traces, convergence_log, training_chart, training_section
from aralnexus.store import open_store


def _cuts(n: int) -> Cuts:
    return Cuts(np.zeros(n, np.int64), np.zeros(n, np.int64), np.arange(n, dtype=np.float64), np.ones((n, 2)))


def _rounds() -> list[LogRow]:
    """Three rounds of two workers; the gap rule ran after the second."""
    return [
        LogRow(2, 10.0, 1.0, 50, forward_costs=(30.0, 26.0)),
        LogRow(4, 12.0, 2.0, 100, 20.0, 18.0, 22.0, "control-variate", 25.0, (24.0, 21.0)),
        LogRow(6, 13.0, 3.0, 150, forward_costs=(19.0, 17.0)),
    ]


def test_forward_pass_costs_and_the_gap_estimator_are_stored_and_read_back(tmp_path: Path) -> None:
    db = open_store(tmp_path / "store.duckdb")
    ensure_tables(db)
    count = 0
    for row in _rounds():
        append_round(db, "p1", [row], _cuts(2), count)
        count += 2
    stored = load_training(db, "p1", 2)
    assert [r.forward_costs for r in stored.log] == [r.forward_costs for r in _rounds()]
    assert forward_costs(db, "p1")["iteration"].tolist() == [1, 2, 3, 4, 5, 6]
    checked = stored.log[1]
    assert (checked.upper_estimator, checked.upper_high, checked.upper_high_plain) == ("control-variate", 22.0, 25.0)
    assert stored.log[0].upper_estimator == "" and math.isnan(stored.log[0].upper_high_plain)


def test_the_convergence_chart_shows_the_bound_against_the_forward_passes_and_the_gap_checks(tmp_path: Path) -> None:
    db = open_store(tmp_path / "store.duckdb")
    ensure_tables(db)
    append_round(db, "p1", _rounds(), _cuts(2), 0)
    log = convergence_log(db, "p1")
    costs = [30.0, 26.0, 24.0, 21.0, 19.0, 17.0]
    assert log["forward_mean_musd"].tolist() == pytest.approx([np.mean(costs[:2]), np.mean(costs[:4]), np.mean(costs)])
    assert (log["forward_low_musd"] < log["forward_mean_musd"]).all()
    assert len(costs) < FORWARD_WINDOW  # every pass so far is in the window here
    kinds = [t.kind for t in bound_traces(log)]
    assert kinds == ["band", "line", "points", "line"]  # forward band and mean, gap-rule upper ends, lower bound
    assert not training_chart(log).empty
    intro = training_section("p1", log, training_chart(log)).body
    assert "6 iteration(s) in 3.0 s" in intro  # the log's cumulative iterations and time, not their sums


def test_a_store_written_before_forward_costs_is_read_and_then_upgraded(tmp_path: Path) -> None:
    db = open_store(tmp_path / "store.duckdb")
    db.initialise()
    with db.transaction() as con:  # the policy tables as an older aralnexus created them
        con.execute(
            "CREATE TABLE policy_log (run_id VARCHAR, iteration INTEGER, lower_bound_musd DOUBLE, time_s DOUBLE, "
            "stage_solves BIGINT, upper_mean_musd DOUBLE, upper_low_musd DOUBLE, upper_high_musd DOUBLE)"
        )
        con.execute(
            "CREATE TABLE policy_cuts (run_id VARCHAR, cut INTEGER, stage INTEGER, theta INTEGER, "
            "intercept_musd DOUBLE, slope DOUBLE[])"
        )
        con.execute("INSERT INTO policy_log VALUES ('old', 1, 5.0, 0.5, 10, NULL, NULL, NULL)")
    old = load_training(db, "old", 2)
    assert old.log[0].forward_costs == () and old.log[0].upper_estimator == ""
    assert convergence_log(db, "old")["forward_mean_musd"].isna().all()
    ensure_tables(db)  # upgrades: the new columns and table are added, old rows keep NULL
    append_round(db, "old", [LogRow(2, 6.0, 1.0, 20, forward_costs=(9.0,))], _cuts(1), 0)
    upgraded = load_training(db, "old", 2)
    assert [r.forward_costs for r in upgraded.log] == [(), (9.0,)]
