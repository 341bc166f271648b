"""The batch Dask settings recommended for ensemble clusters are valid Dask configuration."""

from __future__ import annotations

import dask
import distributed  # noqa: F401  (registers the distributed.* defaults)

from aralnexus.ensemble.dask_config import BATCH_CONFIG, batch_environment


def test_batch_environment_variables_read_back_as_the_batch_config() -> None:
    collected = dask.config.collect_env(batch_environment())
    for key, value in BATCH_CONFIG.items():
        assert dask.config.get(key, config=collected) == value


def test_every_batch_setting_names_an_existing_dask_option() -> None:
    for key, value in BATCH_CONFIG.items():
        default = dask.config.get(key)
        assert type(default) is type(value), key
        assert default != value, key


def test_batch_config_turns_the_worker_profiler_off_under_dask_config_set() -> None:
    with dask.config.set(BATCH_CONFIG):
        assert dask.config.get("distributed.worker.profile.enabled") is False
        assert dask.config.get("distributed.admin.tick.interval") == "1s"


def test_the_exports_in_docs_ensembles_are_the_batch_environment() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "ensembles.md"
    exports = [line.strip().removeprefix("export ") for line in doc.read_text(encoding="utf-8").splitlines()]
    documented = dict(e.split("=", 1) for e in exports if e.startswith("DASK_"))
    assert documented == batch_environment()
