"""The ensemble's additions to the store: the ``member_storage`` table and the risk views.

The store (``aralnexus.store``) owns ``runs``, ``members`` and ``member_metrics``; this module adds,
with ``CREATE … IF NOT EXISTS`` / ``CREATE OR REPLACE`` when an ensemble runs or risk is read:

- ``member_storage(run_id, member, plant, time, storage_hm3)``: end-of-month storage of the main
  reservoirs per member (storage fan charts);
- ``ensemble_member_metrics``: ``member_metrics`` rows of finished (``done``) members only;
- table macros ``risk_winter_deficit_at(threshold_twh)``, ``risk_winter_deficit_any_at(threshold_twh)``,
  ``risk_trade_target_at(target_musd, target_year)`` and the views ``risk_winter_deficit``
  (1 TWh), ``risk_winter_deficit_any`` (1 TWh), ``risk_exports``, ``risk_exports_total``,
  ``risk_trade_target`` (the default dataset's target, US$500 million in 2030), ``risk_storage_fan``.

Quantiles are ``quantile_cont`` (linear interpolation, as numpy's default). Finished members are
written in batches (:func:`save_members`): their storage series, ``members`` rows and
``member_metrics`` in one transaction, so a member is either stored in full or absent, and a
member re-run after an interruption replaces all its rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from aralnexus.data.dataset import load_default
from aralnexus.data.definitions import planner_definitions
from aralnexus.store import Store
from aralnexus.store.locking import connection
from aralnexus.store.records import MemberRecord
from aralnexus.store.rows import insert, stack_frames

STORAGE_COLUMNS: tuple[str, ...] = ("plant", "time", "storage_hm3")
#: ``member_storage`` columns after ``run_id``, with their SQL types.
MEMBER_STORAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("member", "INTEGER"),
    ("plant", "VARCHAR"),
    ("time", "TIMESTAMP"),
    ("storage_hm3", "DOUBLE"),
)
#: The default dataset's threshold and trade target (``parameters.csv``): the plain views' settings.
#: A run's own values (recorded with it) go through the ``…_at`` macros, as the report does.
_DEFAULTS = planner_definitions(load_default())
DEFAULT_THRESHOLD_TWH = _DEFAULTS.winter_deficit_threshold_twh
TRADE_TARGET_MUSD = _DEFAULTS.trade_target_musd
TRADE_TARGET_YEAR = _DEFAULTS.trade_target_year

_QUANTILES = "quantile_cont(value, 0.1) AS p10, quantile_cont(value, 0.5) AS p50, quantile_cont(value, 0.9) AS p90"

STATEMENTS: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS member_storage "
    "(run_id VARCHAR, member INTEGER, plant VARCHAR, time TIMESTAMP, storage_hm3 DOUBLE)",
    """CREATE OR REPLACE VIEW ensemble_member_metrics AS
       SELECT mm.* FROM member_metrics mm
       JOIN members m ON m.run_id = mm.run_id AND m.member = mm.member
       WHERE m.status = 'done'""",
    f"""CREATE OR REPLACE MACRO risk_winter_deficit_at(threshold_twh) AS TABLE
       SELECT run_id, country, year, count(*) AS members, threshold_twh AS threshold_twh,
              avg(CASE WHEN value > threshold_twh THEN 1.0 ELSE 0.0 END) AS p_exceed,
              avg(value) AS mean, {_QUANTILES}
       FROM ensemble_member_metrics
       WHERE metric = 'winter_deficit_twh' AND value IS NOT NULL
       GROUP BY run_id, country, year""",
    """CREATE OR REPLACE MACRO risk_winter_deficit_any_at(threshold_twh) AS TABLE
       SELECT run_id, country, count(*) AS members, threshold_twh AS threshold_twh,
              avg(CASE WHEN worst > threshold_twh THEN 1.0 ELSE 0.0 END) AS p_exceed_any_year,
              quantile_cont(worst, 0.5) AS p50_worst_twh, quantile_cont(worst, 0.9) AS p90_worst_twh
       FROM (SELECT run_id, country, member, max(value) AS worst FROM ensemble_member_metrics
             WHERE metric = 'winter_deficit_twh' AND value IS NOT NULL
             GROUP BY run_id, country, member)
       GROUP BY run_id, country""",
    f"CREATE OR REPLACE VIEW risk_winter_deficit AS SELECT * FROM risk_winter_deficit_at({DEFAULT_THRESHOLD_TWH})",
    f"""CREATE OR REPLACE VIEW risk_winter_deficit_any AS
       SELECT * FROM risk_winter_deficit_any_at({DEFAULT_THRESHOLD_TWH})""",
    f"""CREATE OR REPLACE VIEW risk_exports AS
       SELECT run_id, country, year, metric, count(*) AS members, avg(value) AS mean, {_QUANTILES}
       FROM ensemble_member_metrics
       WHERE metric IN ('exports_twh', 'export_revenue_musd') AND value IS NOT NULL
       GROUP BY run_id, country, year, metric""",
    f"""CREATE OR REPLACE VIEW risk_exports_total AS
       SELECT run_id, country, metric, count(*) AS members, avg(value) AS mean, {_QUANTILES}
       FROM (SELECT run_id, country, metric, member, sum(value) AS value FROM ensemble_member_metrics
             WHERE metric IN ('exports_twh', 'export_revenue_musd')
             GROUP BY run_id, country, metric, member)
       GROUP BY run_id, country, metric""",
    f"""CREATE OR REPLACE MACRO risk_trade_target_at(target_musd, target_year) AS TABLE
       SELECT run_id, year, count(*) AS members, target_musd AS target_musd,
              avg(CASE WHEN value >= target_musd THEN 1.0 ELSE 0.0 END) AS p_reach,
              avg(value) AS mean, {_QUANTILES}
       FROM ensemble_member_metrics
       WHERE metric = 'trade_turnover_musd' AND year = target_year
       GROUP BY run_id, year""",
    f"""CREATE OR REPLACE VIEW risk_trade_target AS
       SELECT * FROM risk_trade_target_at({TRADE_TARGET_MUSD}, {TRADE_TARGET_YEAR})""",
    """CREATE OR REPLACE VIEW risk_storage_fan AS
       SELECT s.run_id, s.plant, s.time, count(*) AS members,
              quantile_cont(s.storage_hm3, 0.1) AS p10_hm3, quantile_cont(s.storage_hm3, 0.5) AS p50_hm3,
              quantile_cont(s.storage_hm3, 0.9) AS p90_hm3
       FROM member_storage s
       JOIN members m ON m.run_id = s.run_id AND m.member = s.member
       WHERE m.status = 'done'
       GROUP BY s.run_id, s.plant, s.time""",
)

#: Views a user can query (``aralnexus results query "SELECT * FROM risk_exports"``).
RISK_VIEWS: tuple[str, ...] = (
    "risk_winter_deficit",
    "risk_winter_deficit_any",
    "risk_exports",
    "risk_exports_total",
    "risk_trade_target",
    "risk_storage_fan",
)


def ensure_ensemble_schema(store: Store) -> None:
    """Create the ``member_storage`` table and (re)create the risk views and macros."""
    with connection(store.path, write=True, timeout_s=store.timeout_s) as con:
        con.begin()
        for statement in STATEMENTS:
            con.execute(statement)
        con.commit()


def write_member_storage(
    con: duckdb.DuckDBPyConnection, run_id: str, members: Sequence[tuple[int, pd.DataFrame | pa.Table | None]]
) -> None:
    """Replace the ``member_storage`` rows of several members of one run on ``con`` (caller's transaction)."""
    if not members:
        return
    con.execute(
        "DELETE FROM member_storage WHERE run_id = ? AND list_contains(?, member)",
        [run_id, [int(m) for m, _ in members]],
    )
    stored = [(int(m), s) for m, s in members if s is not None]
    frames = [s for _, s in stored]
    tags = np.repeat([m for m, _ in stored], [len(s) for s in frames]).astype(np.int64)
    rows = stack_frames("member_storage", frames, MEMBER_STORAGE_COLUMNS, {"member": tags})
    if len(rows):
        insert(con, "member_storage", run_id, rows, MEMBER_STORAGE_COLUMNS)


def save_member_storage(store: Store, run_id: str, member: int, storage: pd.DataFrame | pa.Table | None) -> None:
    """Replace one member's ``member_storage`` rows (one transaction)."""
    with store.transaction() as con:
        write_member_storage(con, run_id, [(member, storage)])


def save_members(
    store: Store, batch: Mapping[str, Sequence[tuple[MemberRecord, pd.DataFrame | pa.Table | None]]]
) -> None:
    """Store finished members of one or more runs in one transaction: storage series and ``members`` rows.

    ``batch`` maps a run id to ``(record, storage)`` pairs. Either every member of the batch is
    stored (each replacing earlier rows of the same member) or, on any error or interruption,
    none is.
    """
    with store.transaction() as con:
        for run_id, items in batch.items():
            write_member_storage(con, run_id, [(record.member, storage) for record, storage in items])
            store.write_members(con, run_id, [record for record, _ in items])


def delete_member_storage(store: Store, run_id: str | None = None) -> None:
    """Delete ``member_storage`` rows of a run (or, with ``None``, of runs no longer stored)."""
    with connection(store.path, write=True, timeout_s=store.timeout_s) as con:
        if run_id is None:
            con.execute("DELETE FROM member_storage WHERE run_id NOT IN (SELECT run_id FROM runs)")
        else:
            con.execute("DELETE FROM member_storage WHERE run_id = ?", [run_id])
