"""``results export`` of an ensemble run includes the per-member tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from aralnexus.ensemble.runner import run_ensemble
from aralnexus.store import Store
from aralnexus.store.export import export_run


def test_exporting_an_ensemble_run_writes_its_members_and_member_storage(
    tmp_path: Path, small_spec: Any, store: Store
) -> None:
    outcome = run_ensemble(small_spec(2), store)
    run_id = outcome.runs[0].run_id
    files = {p.name: p for p in export_run(store, run_id, tmp_path / "out", "csv")}
    assert {"members.csv", "member_metrics.csv", "member_storage.csv"} <= set(files)
    storage = pd.read_csv(files["member_storage.csv"])
    assert set(storage["member"]) == {0, 1} and (storage["run_id"] == run_id).all()
    assert len(pd.read_csv(files["members.csv"])) == 2
