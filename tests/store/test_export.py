from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aralnexus.results import Results
from aralnexus.store import RunRecord, Store
from aralnexus.store.export import export_run, read_export
from aralnexus.store.schema import ALL_TABLES


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_round_trip_reads_back_equal(
    fmt: str, tmp_path: Path, store: Store, record: RunRecord, results: Results, metrics, trade
) -> None:
    run_id = store.save_run(record, results, metrics, trade)
    files = export_run(store, run_id, tmp_path / "out", fmt)  # type: ignore[arg-type]
    assert {f.stem for f in files} == set(ALL_TABLES)
    back = read_export(tmp_path / "out" / run_id, fmt)  # type: ignore[arg-type]
    for table in ("plants", "countries", "links", "reservoirs", "metrics", "trade", "runs", "sources", "violations"):
        stored = store.table(table, run_id).reset_index(drop=True)
        pd.testing.assert_frame_equal(back[table], stored, check_dtype=False, rtol=1e-12, obj=table)


def test_csv_export_is_readable_by_plain_pandas(
    tmp_path: Path, store: Store, record: RunRecord, results: Results
) -> None:
    run_id = store.save_run(record, results)
    export_run(store, run_id, tmp_path, "csv", tables=("plants",))
    frame = pd.read_csv(tmp_path / run_id / "plants.csv", parse_dates=["time"])
    assert frame["energy_mwh"].sum() == pytest.approx(results.plants["energy_mwh"].sum())
    assert (frame["run_id"] == run_id).all()
