from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aralnexus.ensemble.runner import EnsembleSpec
from aralnexus.store import Store, open_store

#: A short horizon keeps every member to a second or two.
START, END = "2025-01", "2025-12"


def _small_spec(members: int = 4, **kwargs: object) -> EnsembleSpec:
    """An ensemble of the default scenario over 2025, on two local workers."""
    base: dict[str, object] = {"members": members, "seed": 7, "start": START, "end": END, "workers": 2}
    base.update(kwargs)
    return EnsembleSpec(**base)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "ens.duckdb")


def _stored_members(store: Store, run_id: str) -> list[int]:
    """Member numbers in the members table (with repeats, if any)."""
    frame = store.query("SELECT member FROM members WHERE run_id = ? ORDER BY member", [run_id])
    return [int(m) for m in frame["member"]]


def _duplicate_rows(store: Store) -> int:
    """Rows of members, member_metrics or member_storage stored more than once."""
    sql = """
    SELECT (SELECT count(*) FROM (SELECT run_id, member FROM members GROUP BY ALL HAVING count(*) > 1))
         + (SELECT count(*) FROM (SELECT run_id, member, country, year, metric FROM member_metrics
                                  GROUP BY ALL HAVING count(*) > 1))
         + (SELECT count(*) FROM (SELECT run_id, member, plant, time FROM member_storage
                                  GROUP BY ALL HAVING count(*) > 1)) AS n
    """
    return int(store.query(sql)["n"].iloc[0])


@pytest.fixture
def small_spec() -> Callable[..., EnsembleSpec]:
    return _small_spec


@pytest.fixture
def stored_members() -> Callable[[Store, str], list[int]]:
    return _stored_members


@pytest.fixture
def duplicate_rows() -> Callable[[Store], int]:
    return _duplicate_rows


@pytest.fixture
def horizon() -> tuple[str, str]:
    return START, END
