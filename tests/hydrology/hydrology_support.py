from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hydro_fixture import fixture_dataset

from aralnexus.data.dataset import Dataset
from aralnexus.hydrology import build_inflow_model
from aralnexus.hydrology.inflows import InflowModel, synthetic_components
from aralnexus.scenario.model import HydrologySpec, Scenario


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    return fixture_dataset()


@pytest.fixture(scope="session")
def model(dataset: Dataset) -> InflowModel:
    return build_inflow_model(dataset)


@pytest.fixture(scope="session")
def synthetic_10k(model: InflowModel) -> np.ndarray:
    """10,000 synthetic years of the components (year, 12, component)."""
    return synthetic_components(model, 10_000, 7, [0])[0]


def make_scenario(dataset: Dataset, **spec: object) -> Scenario:
    return Scenario(
        name="t", description="", file="<test>", content_hash="", dataset=dataset, hydrology=HydrologySpec(**spec)
    )  # type: ignore[arg-type]


@pytest.fixture
def cli_on_fixture(dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the hydrology CLI run on the fixture dataset (independent of the default CSVs' state)."""
    from aralnexus.cli import hydrology_cmd

    monkeypatch.setattr(hydrology_cmd, "load_cli_scenario", lambda name: make_scenario(dataset))
