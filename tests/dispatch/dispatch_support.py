from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd
import pytest

from aralnexus.data.dataset import Dataset
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


def with_economics(
    dataset: Dataset, rate_pct: float = 0.0, depth_pct: float = 100.0, factor: float = 1.0, demand_scale: float = 1.0
) -> Dataset:
    """The dataset with a discount rate, deficit segments and detailed demand scaled (to make it shed)."""
    rows = [
        ("discount_rate_pct_per_year", rate_pct, "%/yr"),
        ("deficit_segment_depth_pct", depth_pct, "%"),
        ("deficit_deep_cost_factor", factor, "-"),
    ]
    extra = pd.DataFrame([{"name": a, "value": v, "unit": u, "description": "test"} for a, v, u in rows])
    parameters = pd.concat([dataset.parameters, extra], ignore_index=True)
    countries = dataset.countries.copy()
    countries.loc[countries["role"] == "detailed", "demand_base_twh"] *= demand_scale
    return dataclasses.replace(dataset, parameters=parameters, countries=countries)
