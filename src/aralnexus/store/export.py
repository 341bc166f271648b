"""Export a stored run to Parquet or CSV (one file per table) or netCDF (the labelled solution); read exports back."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from aralnexus.errors import InputError, Problem
from aralnexus.input_files import inside, safe_component
from aralnexus.store import schema
from aralnexus.store.labelled import run_dataset
from aralnexus.store.schema import quote
from aralnexus.store.store import Store
from aralnexus.vocab import EXPORT_FORMATS, ExportFormat

FORMATS: tuple[ExportFormat, ...] = EXPORT_FORMATS


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_run(
    store: Store, run_id: str, out_dir: Path, fmt: ExportFormat = "parquet", tables: tuple[str, ...] | None = None
) -> list[Path]:
    """Write every table of one run to ``out_dir/<run_id>/<table>.<fmt>``; return the files written.

    ``netcdf`` writes the labelled solution (:func:`aralnexus.store.labelled.run_dataset`) as one file,
    ``out_dir/<run_id>/solution.nc``. Tables without rows for the run are still written (with their
    header), so an export always has the same set of files; tables other packages added to the store
    with a ``run_id`` column (the ensemble's ``member_storage``) are exported too.
    """
    full = store.resolve(run_id)
    label = str(store.path)
    folder = Path(out_dir) / safe_component(full, file=label, field="runs.run_id")
    if fmt == "netcdf":
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "solution.nc"
        run_dataset(store, full).to_netcdf(path)
        return [path]
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    written: list[Path] = []
    with store._read() as con:
        extra = [t for t in store._run_keyed_tables(con) if t not in schema.ALL_TABLES]
        names = tables or (*schema.ALL_TABLES, *extra)
        # A store is untrusted input: every name becomes a path, so check them all before writing.
        paths = {t: folder / f"{safe_component(t, file=label, field='table name')}.{fmt}" for t in names}
        if not all(inside(out_dir, path) for path in paths.values()):  # pragma: no cover - names are checked
            raise InputError([Problem(label, "table name", "names that stay inside --out", repr(names))])
        folder.mkdir(parents=True, exist_ok=True)
        for table, path in paths.items():
            if table in schema.ALL_TABLES:
                columns = schema.column_list(table, run_id=True)
                order = schema.order_clause(table)
            else:  # a table another package added (the ensemble's member_storage): all its columns
                columns, order = "*", ""
            select = f"SELECT {columns} FROM {quote(table)} WHERE run_id = {_sql_string(full)} {order}"
            con.execute(f"COPY ({select}) TO {_sql_string(str(path))} ({options})")
            written.append(path)
    return written


def read_export(folder: Path, fmt: Literal["parquet", "csv"] = "parquet") -> dict[str, pd.DataFrame]:
    """Read a Parquet or CSV export back into DataFrames with the store's column types.

    A netCDF export is read with ``xarray.open_dataset(folder / "solution.nc")``.
    """
    out: dict[str, pd.DataFrame] = {}
    con = duckdb.connect()
    try:
        for table, columns in schema.ALL_TABLES.items():
            path = Path(folder) / f"{table}.{fmt}"
            if not path.exists():
                continue
            if fmt == "parquet":
                source = f"read_parquet({_sql_string(str(path))})"
            else:
                types = "{" + ", ".join(f"{_sql_string(c)}: {_sql_string(t)}" for c, t in columns) + "}"
                source = (
                    f"read_csv({_sql_string(str(path))}, header = true, allow_quoted_nulls = false, columns = {types})"
                )
            out[table] = con.execute(f"SELECT * FROM {source}").df()
    finally:
        con.close()
    return out
