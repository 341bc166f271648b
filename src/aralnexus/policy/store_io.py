"""The policy's additions to the store: a trained policy's cuts, convergence log and settings.

A trained policy is a run (``runs.kind = 'policy'``) with three tables, created with ``CREATE …
IF NOT EXISTS`` when a policy is first stored:

- ``policy_info(run_id, key, value)``: settings and the staging fingerprint the policy was trained on;
- ``policy_log(run_id, iteration, lower_bound_musd, time_s, stage_solves, upper_mean_musd,
  upper_low_musd, upper_high_musd, upper_estimator, upper_high_plain_musd)``: the convergence log,
  one row per round (the ``upper_*`` columns where the gap rule simulated);
- ``policy_forward_costs(run_id, iteration, cost_musd)``: the cost of each forward pass (the
  in-sample estimate of the policy's cost while it trains; ``iteration`` numbers the pass);
- ``policy_cuts(run_id, cut, stage, theta, intercept_musd, slope)``: every Benders cut, ``slope`` a
  ``DOUBLE[]`` over the states (US$ million per state unit);
- ``policy_simulations(run_id, policy_run_id, seed, members)``: which ensemble run simulates which
  policy, and ``policy_member_costs(run_id, member, cost_musd)``: each simulated member's cost over
  the optimised period (the quantity the lower bound bounds).

Each training round is appended in one transaction (:func:`append_round`), so an interrupted
training keeps every round it finished and ``--resume`` continues from them.

Changes are additive, as for the store's own tables (:func:`aralnexus.store.schema.upgrade_statements`):
:func:`ensure_tables` creates missing tables and adds missing columns to a store written by an
older aralnexus (NULL in rows stored before), and the readers accept a store not upgraded yet.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import get_args

import numpy as np
import pandas as pd
import pyarrow as pa

from aralnexus.errors import InputError, Problem
from aralnexus.policy.cuts import Cuts
from aralnexus.policy.problem import CutType
from aralnexus.policy.training import LogRow, TrainingResult
from aralnexus.store import Store
from aralnexus.store.rows import insert
from aralnexus.store.schema import quote
from aralnexus.vocab import RunKind

POLICY_KIND: RunKind = "policy"
LOG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("iteration", "INTEGER"),
    ("lower_bound_musd", "DOUBLE"),
    ("time_s", "DOUBLE"),
    ("stage_solves", "BIGINT"),
    ("upper_mean_musd", "DOUBLE"),
    ("upper_low_musd", "DOUBLE"),
    ("upper_high_musd", "DOUBLE"),
    ("upper_estimator", "VARCHAR"),
    ("upper_high_plain_musd", "DOUBLE"),
)
FORWARD_COLUMNS: tuple[tuple[str, str], ...] = (("iteration", "INTEGER"), ("cost_musd", "DOUBLE"))
CUT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("cut", "INTEGER"),
    ("stage", "INTEGER"),
    ("theta", "INTEGER"),
    ("intercept_musd", "DOUBLE"),
    ("slope", "DOUBLE[]"),
)
INFO_COLUMNS: tuple[tuple[str, str], ...] = (("key", "VARCHAR"), ("value", "VARCHAR"))
SIMULATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("policy_run_id", "VARCHAR"),
    ("seed", "BIGINT"),
    ("members", "INTEGER"),
)
MEMBER_COST_COLUMNS: tuple[tuple[str, str], ...] = (("member", "INTEGER"), ("cost_musd", "DOUBLE"))
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "policy_info": INFO_COLUMNS,
    "policy_log": LOG_COLUMNS,
    "policy_cuts": CUT_COLUMNS,
    "policy_forward_costs": FORWARD_COLUMNS,
    "policy_simulations": SIMULATION_COLUMNS,
    "policy_member_costs": MEMBER_COST_COLUMNS,
}
#: Tables of a trained policy (the simulation tables belong to the simulation's run).
POLICY_TABLES = ("policy_info", "policy_log", "policy_cuts", "policy_forward_costs")


def ensure_tables(db: Store) -> None:
    """Create the policy tables that do not exist and add the columns an older store's tables lack."""
    db.initialise()
    with db.transaction() as con:
        for name, columns in TABLES.items():
            body = ", ".join(f"{quote(c)} {t}" for c, t in (("run_id", "VARCHAR"), *columns))
            con.execute(f"CREATE TABLE IF NOT EXISTS {quote(name)} ({body})")
            found = {str(r[0]) for r in con.execute(_COLUMNS_SQL, [name]).fetchall()}
            for column, sql_type in columns:
                if column not in found:
                    con.execute(f"ALTER TABLE {quote(name)} ADD COLUMN {quote(column)} {sql_type}")


_COLUMNS_SQL = (
    "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
    "AND schema_name = 'main' AND table_name = ?"
)


def _columns(db: Store, table: str) -> set[str]:
    """Return the columns of a table of the store (empty when it does not exist)."""
    return set(db.query(_COLUMNS_SQL, [table])["column_name"].astype(str))


def _select(db: Store, table: str, columns: tuple[tuple[str, str], ...]) -> str:
    """Return the select list of ``columns``, ``NULL`` for those an older store's table lacks."""
    found = _columns(db, table)
    return ", ".join(quote(c) if c in found else f"NULL AS {quote(c)}" for c, _ in columns)


def write_info(db: Store, run_id: str, info: Mapping[str, object]) -> None:
    """Replace the policy's settings (values stored as JSON)."""
    frame = pd.DataFrame({"key": list(info), "value": [json.dumps(v) for v in info.values()]})
    with db.transaction() as con:
        con.execute("DELETE FROM policy_info WHERE run_id = ?", [run_id])
        insert(con, "policy_info", run_id, frame, INFO_COLUMNS)


def append_round(db: Store, run_id: str, rows: list[LogRow], cuts: Cuts, first_cut: int) -> None:
    """Append log rows and cuts (numbered from ``first_cut``) of finished rounds in one transaction."""
    log = pd.DataFrame(
        {
            "iteration": [r.iteration for r in rows],
            "lower_bound_musd": [r.lower_bound for r in rows],
            "time_s": [r.time_s for r in rows],
            "stage_solves": [r.stage_solves for r in rows],
            "upper_mean_musd": [None if math.isnan(r.upper_mean) else r.upper_mean for r in rows],
            "upper_low_musd": [None if math.isnan(r.upper_low) else r.upper_low for r in rows],
            "upper_high_musd": [None if math.isnan(r.upper_high) else r.upper_high for r in rows],
            "upper_estimator": [r.upper_estimator or None for r in rows],
            "upper_high_plain_musd": [None if math.isnan(r.upper_high_plain) else r.upper_high_plain for r in rows],
        }
    )
    forward = pd.DataFrame(
        {
            "iteration": [
                r.iteration - len(r.forward_costs) + 1 + k for r in rows for k in range(len(r.forward_costs))
            ],
            "cost_musd": [c for r in rows for c in r.forward_costs],
        }
    )
    table = pa.table(
        {
            "cut": pa.array(first_cut + np.arange(len(cuts), dtype=np.int64)),
            "stage": pa.array(cuts.stage),
            "theta": pa.array(cuts.theta),
            "intercept_musd": pa.array(cuts.intercept),
            "slope": pa.array(list(cuts.slope), type=pa.list_(pa.float64())),
        }
    )
    with db.transaction() as con:
        insert(con, "policy_log", run_id, log, LOG_COLUMNS)
        if len(forward):
            insert(con, "policy_forward_costs", run_id, forward, FORWARD_COLUMNS)
        if len(cuts):
            insert(con, "policy_cuts", run_id, table, CUT_COLUMNS)


def clear_policy(db: Store, run_id: str) -> None:
    """Delete a policy's log and cuts (training starts over)."""
    with db.transaction() as con:
        for name in POLICY_TABLES:
            con.execute(f"DELETE FROM {quote(name)} WHERE run_id = ?", [run_id])


def require_policy(db: Store, run_id: str) -> str:
    """Return the full id of a stored policy; raise ``InputError`` if the run is not one."""
    full = db.resolve(run_id)
    kind = db.run(full).get("kind")
    if kind != POLICY_KIND:
        hint = "train one with `aralnexus policy train SCENARIO`; `aralnexus results list` shows run kinds"
        raise InputError([Problem(str(db.path), "RUN_ID", "the id of a trained policy", f"a {kind} run", hint)])
    return full


def load_info(db: Store, run_id: str) -> dict[str, object]:
    """Return the policy's settings."""
    frame = db.query("SELECT key, value FROM policy_info WHERE run_id = ?", [run_id])
    return {str(k): json.loads(str(v)) for k, v in zip(frame["key"], frame["value"], strict=True)}


def load_training(db: Store, run_id: str, n_states: int) -> TrainingResult:
    """Return the stored cuts and log of a policy as a :class:`TrainingResult` (to resume or simulate)."""
    log = policy_log(db, run_id)
    forward = forward_costs(db, run_id)
    by_iteration = dict(zip(forward["iteration"].tolist(), forward["cost_musd"].tolist(), strict=True))
    cuts = db.query(
        "SELECT stage, theta, intercept_musd, slope FROM policy_cuts WHERE run_id = ? ORDER BY cut", [run_id]
    )
    upper = log[["upper_mean_musd", "upper_low_musd", "upper_high_musd"]].astype("float64").to_numpy()
    plain = log["upper_high_plain_musd"].astype("float64").to_numpy()
    estimator = [str(e) if isinstance(e, str) else "" for e in log["upper_estimator"]]
    iterations = log["iteration"].to_numpy(np.int64)
    previous = np.concatenate([[0], iterations[:-1]])
    rows = tuple(
        LogRow(
            int(i),
            float(lb),
            float(t),
            int(n),
            upper_mean=float(up[0]),
            upper_low=float(up[1]),
            upper_high=float(up[2]),
            upper_estimator=est,
            upper_high_plain=float(hp),
            forward_costs=tuple(by_iteration[k] for k in range(int(before) + 1, int(i) + 1) if k in by_iteration),
        )
        for i, before, lb, t, n, up, est, hp in zip(
            iterations,
            previous,
            log["lower_bound_musd"].to_numpy(np.float64),
            log["time_s"].to_numpy(np.float64),
            log["stage_solves"].to_numpy(),
            upper,
            estimator,
            plain,
            strict=True,
        )
    )
    slope = np.array([np.asarray(s, dtype=np.float64) for s in cuts["slope"]]).reshape(len(cuts), n_states)
    found = Cuts(
        cuts["stage"].to_numpy(np.int64),
        cuts["theta"].to_numpy(np.int64),
        cuts["intercept_musd"].to_numpy(np.float64),
        slope,
    )
    return TrainingResult(found, rows, "interrupted")


def policy_log(db: Store, run_id: str) -> pd.DataFrame:
    """Return a policy's convergence log (every :data:`LOG_COLUMNS` column; NULL where an older store lacks it)."""
    return db.query(
        f"SELECT {_select(db, 'policy_log', LOG_COLUMNS)} FROM policy_log WHERE run_id = ? ORDER BY iteration",
        [run_id],
    )


def forward_costs(db: Store, run_id: str) -> pd.DataFrame:
    """Return ``iteration, cost_musd`` of a policy's forward passes (empty for a store without them)."""
    if not _columns(db, "policy_forward_costs"):
        return pd.DataFrame({"iteration": pd.Series(dtype="int64"), "cost_musd": pd.Series(dtype="float64")})
    return db.query(
        "SELECT iteration, cost_musd FROM policy_forward_costs WHERE run_id = ? ORDER BY iteration", [run_id]
    )


def record_simulation(db: Store, run_id: str, policy_run_id: str, seed: int, costs_musd: np.ndarray) -> None:
    """Record that ensemble run ``run_id`` simulates ``policy_run_id``, with each member's cost."""
    link = pd.DataFrame({"policy_run_id": [policy_run_id], "seed": [int(seed)], "members": [int(costs_musd.shape[0])]})
    costs = pd.DataFrame({"member": np.arange(costs_musd.shape[0]), "cost_musd": costs_musd})
    with db.transaction() as con:
        for name in ("policy_simulations", "policy_member_costs"):
            con.execute(f"DELETE FROM {quote(name)} WHERE run_id = ?", [run_id])
        insert(con, "policy_simulations", run_id, link, SIMULATION_COLUMNS)
        insert(con, "policy_member_costs", run_id, costs, MEMBER_COST_COLUMNS)


def simulated_policy(db: Store, run_id: str) -> str | None:
    """Return the policy an ensemble run simulates (``None`` for any other run or a store without policies)."""
    found = db.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'policy_simulations'")
    if not int(found["n"].iloc[0]):
        return None
    rows = db.query("SELECT policy_run_id FROM policy_simulations WHERE run_id = ?", [run_id])
    return str(rows["policy_run_id"].iloc[0]) if len(rows) else None


def stored_cut_type(info: dict[str, object]) -> CutType:
    """Return the cut type a stored policy was trained with (``single`` for policies stored before it was recorded)."""
    found = str(info.get("cut_type", "single"))
    if found not in get_args(CutType):
        raise ValueError(f"stored policy has an unknown cut type {found!r}")
    return found  # type: ignore[return-value]
