"""Turning result frames and run records into rows of the store's tables, and inserting them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

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


def _arrow_column(frame: pd.DataFrame | pa.Table, column: str) -> pa.ChunkedArray | pa.Array:
    if isinstance(frame, pa.Table):
        return frame.column(column)
    return pa.array(frame[column].to_numpy(), from_pandas=True)


def _numpy_column(frame: pd.DataFrame | pa.Table, column: str) -> npt.NDArray[Any]:
    if isinstance(frame, pa.Table):
        return np.asarray(frame.column(column).to_numpy(zero_copy_only=False))
    return np.asarray(frame[column].to_numpy())


def stack_frames(
    table: str,
    frames: Sequence[pd.DataFrame | pa.Table],
    columns: Columns,
    extra: Mapping[str, npt.NDArray[Any]],
) -> pa.Table | pd.DataFrame:
    """Stack the contract columns of several frames into one table to :func:`insert` (one statement).

    ``frames`` are DataFrames or Arrow tables; ``extra`` holds per-row columns that they lack
    (e.g. ``member``). The result is an Arrow table (a pandas object frame if Arrow cannot type a
    column); :func:`insert` casts it to the SQL types as it does a single frame.

    Raises
    ------
    StoreSchemaError
        If a frame lacks a contract column.
    """
    names = [c for c, _ in columns]
    for frame in frames:
        have = set(frame.column_names) if isinstance(frame, pa.Table) else set(frame.columns)
        missing = [c for c in names if c not in extra and c not in have]
        if missing:
            msg = f"table {table!r} lacks columns {missing}; its contract is {names}"
            raise StoreSchemaError(msg)
    try:
        arrays = {}
        for c in names:
            if c in extra:
                arrays[c] = pa.array(np.asarray(extra[c]), from_pandas=True)
            else:
                pieces = [_arrow_column(f, c) for f in frames]
                chunks = [chunk for p in pieces for chunk in (p.chunks if isinstance(p, pa.ChunkedArray) else [p])]
                arrays[c] = pa.chunked_array(chunks, type=chunks[0].type if chunks else pa.null())
        return pa.table(arrays)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        data = {
            c: np.asarray(extra[c]) if c in extra else np.concatenate([_numpy_column(f, c) for f in frames])
            for c in names
        }
        return pd.DataFrame({c: pd.Series(v, dtype=object if v.dtype == object else v.dtype) for c, v in data.items()})


def insert(
    con: duckdb.DuckDBPyConnection, table: str, run_id: str, frame: pd.DataFrame | pa.Table, columns: Columns
) -> None:
    """Insert ``frame`` (contract columns in order) into ``table`` for ``run_id``, casting to SQL types."""
    view = f"_in_{table}"
    con.register(view, frame)
    try:
        cols = ", ".join(quote(c) for c, _ in columns)
        select = ", ".join(f"CAST({quote(c)} AS {t})" for c, t in columns)
        con.execute(f"INSERT INTO {quote(table)} (run_id, {cols}) SELECT ?, {select} FROM {view}", [run_id])
    finally:
        con.unregister(view)


def run_row(run: RunRecord, results: Results | None, metadata: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Return the one-row ``runs`` frame of a run (convergence and objective from ``results``).

    ``runs.metadata`` is the JSON of ``results.metadata`` with the entries of ``metadata`` added.
    """
    conv = results.convergence if results is not None else None
    meta = {**(dict(results.metadata) if results is not None else {}), **(metadata or {})}
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
        "metadata": json.dumps(meta, sort_keys=True),
    }
    return pd.DataFrame({k: pd.Series([v], dtype="object") for k, v in row.items()})
