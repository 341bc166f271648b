"""Turning result frames and run records into rows of the store's tables, and inserting them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from aralnexus.results import Results
from aralnexus.store.records import RunRecord
from aralnexus.store.schema import quote

Columns = tuple[tuple[str, str], ...]


class StoreSchemaError(ValueError):
    """A table handed to the store lacks columns of its contract."""


def frame_for(
    table: str, frame: pd.DataFrame | None, columns: Columns, optional: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Select the contract columns of ``frame`` in order (optional ones absent → NULL)."""
    names = [c for c, _ in columns]
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in names})
    missing = [c for c in names if c not in frame.columns and c not in optional]
    if missing:
        msg = f"table {table!r} lacks columns {missing}; its contract is {names}"
        raise StoreSchemaError(msg)
    out = pd.DataFrame(index=frame.index)
    for c in names:
        out[c] = frame[c] if c in frame.columns else pd.Series(None, index=frame.index, dtype="object")
    return out.reset_index(drop=True)


def insert(con: duckdb.DuckDBPyConnection, table: str, run_id: str, frame: pd.DataFrame, columns: Columns) -> None:
    """Insert ``frame`` (contract columns in order) into ``table`` for ``run_id``, casting to SQL types."""
    view = f"_in_{table}"
    con.register(view, frame)
    try:
        cols = ", ".join(quote(c) for c, _ in columns)
        select = ", ".join(f"CAST({quote(c)} AS {t})" for c, t in columns)
        con.execute(f"INSERT INTO {quote(table)} (run_id, {cols}) SELECT ?, {select} FROM {view}", [run_id])
    finally:
        con.unregister(view)


def run_row(run: RunRecord, results: Results | None) -> pd.DataFrame:
    """Return the one-row ``runs`` frame of a run (convergence and objective from ``results``)."""
    conv = results.convergence if results is not None else None
    row: dict[str, Any] = {
        "run_id": run.run_id,
        "kind": run.kind,
        "scenario_name": run.scenario_name,
        "description": run.description,
        "scenario_hash": run.scenario_hash,
        "scenario_file": run.scenario_file,
        "package_version": run.package_version,
        "seed": int(run.seed),
        "hydrology": run.hydrology,
        "hydrology_derived": bool(run.hydrology_derived),
        "horizon_start": run.start,
        "horizon_end": run.end,
        "resolution": run.resolution,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "saved_at": datetime.now().replace(microsecond=0),
        "objective_musd": results.objective_musd if results is not None else None,
        "solve_seconds": results.solve_seconds if results is not None else None,
        "head_mode": conv.mode if conv else None,
        "iterations": conv.iterations if conv else None,
        "max_head_change_pct": conv.max_head_change_pct if conv else None,
        "tolerance_pct": conv.tolerance_pct if conv else None,
        "converged": conv.converged if conv else None,
        "n_members": int(run.n_members),
        "metadata": json.dumps(dict(results.metadata) if results is not None else {}, sort_keys=True),
    }
    return pd.DataFrame({k: pd.Series([v], dtype="object") for k, v in row.items()})
