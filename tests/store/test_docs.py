from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from aralnexus.results import Results
from aralnexus.store import RunRecord, Store
from aralnexus.store.schema import ALL_TABLES
from aralnexus.testing.sample import sample_summary

DOC = Path(__file__).resolve().parents[2] / "docs" / "store-and-report.md"


def _sql_examples() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_doc_lists_every_table_and_column() -> None:
    text = DOC.read_text(encoding="utf-8")
    for table, columns in ALL_TABLES.items():
        assert f"`{table}`" in text, table
        for column, _ in columns:
            assert f"`{column}`" in text or column in ("run_id",), f"{table}.{column}"


@pytest.mark.parametrize("sql", _sql_examples())
def test_every_sql_example_in_the_doc_runs(
    sql: str, store: Store, record: RunRecord, results: Results, metrics, trade
) -> None:
    run_id = store.save_run(record, results, metrics, trade)
    ensemble = store.start_run(replace(record, kind="ensemble", n_members=2))
    for member in (0, 1):
        store.save_member(ensemble, member, sample_summary(results))
    frame = store.query(sql)
    assert len(frame) > 0, sql
    assert run_id
