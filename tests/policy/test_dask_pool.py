"""Passes on a Dask cluster: the same cuts and bounds as on local processes for a seed and a worker count."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dask
import numpy as np
import pytest
from distributed import Client, LocalCluster

from aralnexus.ensemble.dask_config import BATCH_CONFIG
from aralnexus.policy import TrainOptions, train
from aralnexus.policy.examples import hydro_thermal


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two in-process Dask workers of one thread each (light: no extra processes)."""
    with (
        dask.config.set(BATCH_CONFIG),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as dask_client,
    ):
        yield dask_client


@pytest.mark.slow  # spawns two local worker processes for the comparison
def test_dask_actors_find_the_same_bound_as_local_processes(client: Any) -> None:
    problem = hydro_thermal(4, 3, 2, 0.3, seed=2)
    options = TrainOptions(iterations=8, workers=2, seed=5, gap=1e-9, gap_members=40, gap_every=4)
    local = train(problem, options)
    on_dask = train(problem, options, client=client)
    assert [r.iteration for r in on_dask.log] == [r.iteration for r in local.log]
    np.testing.assert_allclose([r.lower_bound for r in on_dask.log], [r.lower_bound for r in local.log], rtol=1e-9)
    np.testing.assert_allclose(on_dask.cuts.intercept, local.cuts.intercept, rtol=1e-9, atol=1e-9)
    # the gap rule's out-of-sample simulation ran on the actors and gives the same interval
    checked = [(r.upper_mean, r.upper_high) for r in on_dask.log if r.upper_high == r.upper_high]
    expected = [(r.upper_mean, r.upper_high) for r in local.log if r.upper_high == r.upper_high]
    assert len(checked) == 2
    np.testing.assert_allclose(checked, expected, rtol=1e-9)


def test_more_actors_than_dask_workers_share_them(client: Any) -> None:
    problem = hydro_thermal(3, 2, 1, seed=3)
    result = train(problem, TrainOptions(iterations=6, workers=3, seed=1), client=client)
    assert result.iterations == 6
    assert len(result.log) == 2  # rounds of three iterations


def test_a_scheduler_that_does_not_answer_is_one_clear_input_error() -> None:
    from aralnexus.ensemble.dask_config import connect
    from aralnexus.errors import InputError

    with pytest.raises(InputError, match="--scheduler") as caught:
        connect("tcp://127.0.0.1:9", timeout_s=1.0)
    assert len(caught.value.problems) == 1
