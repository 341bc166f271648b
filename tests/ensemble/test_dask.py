"""The Dask path: a LocalCluster reached through its scheduler address."""

from __future__ import annotations

from typing import Any

import pytest

from aralnexus.ensemble.runner import run_ensemble
from aralnexus.store import Store


@pytest.mark.slow
def test_ensemble_runs_on_a_dask_scheduler_address(
    store: Store, small_spec: Any, stored_members: Any, duplicate_rows: Any
) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    ) as cluster:
        outcome = run_ensemble(small_spec(3, scheduler=cluster.scheduler_address), store)
        assert outcome.backend == "dask" and outcome.workers == 2
        assert outcome.complete
        run_id = outcome.runs[0].run_id
        assert stored_members(store, run_id) == [0, 1, 2]
        again = run_ensemble(small_spec(4, scheduler=cluster.scheduler_address), store)
        assert again.runs[0].ran == [3]
    assert duplicate_rows(store) == 0
