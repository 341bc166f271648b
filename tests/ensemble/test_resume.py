"""Interrupted ensembles resume: only the missing members run, none is lost or stored twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from aralnexus.ensemble.runner import run_ensemble
from aralnexus.ensemble.solver import CRASH_MEMBER_ENV, CRASH_ONCE_ENV, SLOW_ENV
from aralnexus.store import Store, open_store


def test_a_worker_killed_mid_member_leaves_it_for_the_rerun(
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    small_spec: Any,
    stored_members: Any,
    duplicate_rows: Any,
) -> None:
    monkeypatch.setenv(CRASH_MEMBER_ENV, "2")
    monkeypatch.setenv(CRASH_ONCE_ENV, str(tmp_path / "crashed"))
    first = run_ensemble(small_spec(5, retries=0), store)
    run = first.runs[0]
    assert (tmp_path / "crashed").exists()
    assert not first.complete and 2 not in run.ran
    missing = sorted(set(range(5)) - set(stored_members(store, run.run_id)))
    assert 2 in missing
    second = run_ensemble(small_spec(5, retries=0), store)
    assert sorted(second.runs[0].ran) == missing
    assert second.complete
    assert stored_members(store, run.run_id) == [0, 1, 2, 3, 4]
    assert duplicate_rows(store) == 0


def test_a_dead_worker_is_replaced_within_the_run(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_spec: Any, stored_members: Any
) -> None:
    monkeypatch.setenv(CRASH_MEMBER_ENV, "1")
    monkeypatch.setenv(CRASH_ONCE_ENV, str(tmp_path / "crashed"))
    outcome = run_ensemble(small_spec(3, retries=2), store)
    assert outcome.complete
    assert stored_members(store, outcome.runs[0].run_id) == [0, 1, 2]


_SCRIPT = """
import sys
from aralnexus.ensemble.runner import EnsembleSpec, run_ensemble
run_ensemble(EnsembleSpec(members=6, seed=7, start="{start}", end="{end}", workers=2), sys.argv[1])
"""


def _done(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        frame = open_store(path).query("SELECT count(*) AS n FROM members WHERE status = 'done'")
    except Exception:  # the store may be mid-creation
        return 0
    return int(frame["n"].iloc[0])


@pytest.mark.slow
def test_parent_killed_with_sigkill_then_rerun_completes_exactly_the_missing(
    tmp_path: Path, small_spec: Any, stored_members: Any, duplicate_rows: Any, horizon: Any
) -> None:
    db = tmp_path / "killed.duckdb"
    # 1.5 s per member: the four members left after the second is stored take ≥ 3 s on two
    # workers, so the kill lands before they finish even when polling the store is slow
    # under load (at 0.5 s all six were sometimes stored before the kill arrived).
    env = {**os.environ, SLOW_ENV: "1.5"}
    script = _SCRIPT.format(start=horizon[0], end=horizon[1])
    proc = subprocess.Popen([sys.executable, "-c", script, str(db)], env=env)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    while _done(db) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    children = parent.children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _, alive = psutil.wait_procs(children, timeout=15)  # workers notice and exit by themselves
    for child in alive:  # pragma: no cover - only if the watchdog failed
        child.kill()
    assert not alive, "workers outlived their killed parent"
    store = open_store(db)
    run_id = str(store.query("SELECT run_id FROM runs")["run_id"].iloc[0])
    before = stored_members(store, run_id)
    assert 2 <= len(before) < 6
    outcome = run_ensemble(small_spec(6), store)
    assert sorted(outcome.runs[0].ran) == sorted(set(range(6)) - set(before))
    assert stored_members(store, run_id) == list(range(6))
    assert duplicate_rows(store) == 0
    assert store.integrity() == []
