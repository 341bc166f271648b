"""DuckDB run store: runs, members and tidy result tables; export to Parquet and CSV."""

from aralnexus.store.records import RunRecord, run_key
from aralnexus.store.rows import StoreSchemaError
from aralnexus.store.store import Store, UnknownRunError, default_store_path, open_store

__all__ = ["RunRecord", "Store", "StoreSchemaError", "UnknownRunError", "default_store_path", "open_store", "run_key"]
