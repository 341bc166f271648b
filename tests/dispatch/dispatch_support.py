from __future__ import annotations

import functools

import numpy as np
import pytest

from aralnexus.dispatch.inputs import climatology_inflows, plant_inflows_m3s
from aralnexus.scenario import load_scenario
from aralnexus.scenario.model import Scenario
from aralnexus.system.system import System, build_system_from_dataset


@functools.cache
def default_scenario() -> Scenario:
    return load_scenario("default")


def system_and_inflows(dataset, start: str, end: str, resolution: str = "monthly") -> tuple[System, np.ndarray]:
    system = build_system_from_dataset(dataset, start, end, resolution)  # type: ignore[arg-type]
    return system, plant_inflows_m3s(system, climatology_inflows(dataset, start, end))


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return default_scenario()
