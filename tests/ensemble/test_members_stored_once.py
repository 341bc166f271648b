"""Every member is stored exactly once; a rerun of a complete ensemble runs nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from aralnexus.cli.app import app
from aralnexus.ensemble.runner import run_ensemble
from aralnexus.store import Store


def test_every_member_is_stored_once_and_a_rerun_runs_nothing(
    store: Store, small_spec: Any, stored_members: Any, duplicate_rows: Any
) -> None:
    first = run_ensemble(small_spec(4), store)
    run = first.runs[0]
    assert first.complete and sorted(run.ran) == [0, 1, 2, 3]
    assert stored_members(store, run.run_id) == [0, 1, 2, 3]
    again = run_ensemble(small_spec(4), store)
    assert again.runs[0].run_id == run.run_id
    assert again.runs[0].ran == [] and again.runs[0].already_done == 4
    assert stored_members(store, run.run_id) == [0, 1, 2, 3]
    assert duplicate_rows(store) == 0
    assert store.integrity() == []
    storage = store.query("SELECT DISTINCT plant FROM member_storage WHERE run_id = ?", [run.run_id])
    assert {"nurek", "toktogul"} <= set(storage["plant"])
    assert store.run(run.run_id)["status"] == "ok"
    # an ensemble run says where its members' start storages come from, as a run does (issue 12 item 5)
    start = store.table("start_storage", run.run_id)
    assert {"nurek", "toktogul"} <= set(start["plant"])
    assert len(start) == start["plant"].nunique() and start["storage_hm3"].notna().all()
    assert all(source in run.start_storage for source in start["source"]) and "adjusted:" in run.start_storage


def test_growing_n_runs_only_the_new_members(store: Store, small_spec: Any, stored_members: Any) -> None:
    run_ensemble(small_spec(2), store)
    more = run_ensemble(small_spec(3), store)
    assert more.runs[0].ran == [2]
    assert stored_members(store, more.runs[0].run_id) == [0, 1, 2]


def test_cli_json_reports_runs_and_risk(tmp_path: Path, horizon: Any) -> None:
    db = tmp_path / "cli.duckdb"
    args = ["ensemble", "default", "--members", "2", "--seed", "3", "--workers", "2"]
    args += ["--start", horizon[0], "--end", horizon[1], "--store", str(db), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["complete"] and data["runs"][0]["done"] == 2
    assert set(data["runs"][0]["risk"]) >= {"winter_deficit", "exports_total", "trade_target"}
    assert data["runs"][0]["start_storage"].startswith("data (")
