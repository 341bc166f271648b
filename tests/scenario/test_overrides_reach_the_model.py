"""Every override is honoured or rejected: each numeric field of the scenario changes what the model is built from.

For every numeric column of the element sections (plants, links, countries, thermal), the test
overrides it on an element where the model reads it and checks that the :class:`System` built from
the scenario differs from the default's — or that the scenario is rejected naming the field, where
the model would never read the value (reference columns, columns of the other country role,
plant columns a commissioning schedule sets on every row, units without schedule unit counts).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from aralnexus.data.dataset import TABLE_SPECS
from aralnexus.dispatch.api import default_inflows
from aralnexus.errors import InputError
from aralnexus.scenario import load_scenario, scenario_from_mapping
from aralnexus.scenario.model import Scenario
from aralnexus.system.system import System, build_system

HORIZON = {"start": "2025-01", "end": "2035-12"}

#: (section, element, column, value) → the System differs.
HONOURED: list[tuple[str, str, str, float]] = [
    ("plants", "toktogul", "capacity_mw", 700.0),
    ("plants", "rogun", "capacity_mw", 3000.0),
    ("plants", "nurek", "capacity_mw", 3600.0),
    ("plants", "kurpsai", "capacity_mw", 700.0),
    ("plants", "toktogul", "units", 5),
    ("plants", "toktogul", "turbine_max_m3s", 900.0),
    ("plants", "toktogul", "efficiency", 0.8),
    ("plants", "toktogul", "storage_dead_hm3", 6000.0),
    ("plants", "toktogul", "storage_full_hm3", 19000.0),
    ("plants", "toktogul", "storage_initial_hm3", 10000.0),
    ("plants", "toktogul", "level_dead_m", 840.0),
    ("plants", "toktogul", "level_full_m", 905.0),
    ("plants", "toktogul", "curve_exponent", 1.5),
    ("plants", "toktogul", "tailwater_m", 725.0),
    ("plants", "kurpsai", "rated_head_m", 100.0),
    ("plants", "kurpsai", "head_loss_m", 8.0),
    ("links", "datka_khujand", "capacity_mw", 1000.0),
    ("links", "datka_khujand", "loss_pct", 3.0),
    ("links", "datka_khujand", "tariff_usd_per_mwh", 10.0),
    ("countries", "KG", "demand_base_twh", 20.0),
    ("countries", "KG", "base_year", 2024),
    ("countries", "KG", "demand_growth_pct_per_year", 4.0),
    ("countries", "KG", "voll_usd_per_mwh", 800.0),
    ("countries", "UZ", "import_price_usd_per_mwh", 35.0),
    ("countries", "UZ", "export_price_usd_per_mwh", 25.0),
    ("countries", "UZ", "import_max_twh", 2.0),
    ("thermal", "bishkek_chp1", "capacity_mw", 500.0),
    ("thermal", "bishkek_chp1", "cost_usd_per_mwh", 70.0),
    ("thermal", "bishkek_chp1", "availability", 0.8),
    ("thermal", "bishkek_chp1", "must_run_heating", 0.75),
]

#: (section, element, column, value) → rejected, naming the field.
REJECTED: list[tuple[str, str, str, float]] = [
    ("plants", "toktogul", "mean_generation_twh", 5.0),
    ("plants", "rogun", "storage_full_hm3", 15000.0),
    ("plants", "rogun", "storage_dead_hm3", 3500.0),
    ("plants", "rogun", "level_full_m", 1300.0),
    ("plants", "kambarata1", "level_dead_m", 1120.0),
    ("plants", "kurpsai", "units", 5),
    ("countries", "KG", "peak_demand_mw", 4000.0),
    ("countries", "KG", "import_price_usd_per_mwh", 40.0),
    ("countries", "TJ", "export_price_usd_per_mwh", 40.0),
    ("countries", "TJ", "import_max_twh", 1.0),
    ("countries", "UZ", "demand_base_twh", 50.0),
    ("countries", "UZ", "base_year", 2020),
    ("countries", "UZ", "demand_growth_pct_per_year", 2.0),
    ("countries", "UZ", "voll_usd_per_mwh", 300.0),
]


def _numeric_columns() -> set[tuple[str, str]]:
    out = set()
    for section in ("plants", "links", "countries", "thermal"):
        keys, specs = TABLE_SPECS[section]
        out |= {(section, s.name) for s in specs if s.kind in {"float", "int"} and s.name not in keys}
    return out


def _scenario(section: str, element: str, column: str, value: float) -> Scenario:
    data: dict[str, Any] = {"horizon": HORIZON, section: {element: {column: value}}}
    return scenario_from_mapping(data, label="override.yaml")


@functools.cache
def _default_system() -> System:
    return build_system(dataclasses.replace(load_scenario("default"), **HORIZON))


def _differs(a: object, b: object) -> bool:
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return any(_differs(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if sparse.issparse(a):
        return a.shape != b.shape or (a != b).nnz > 0  # type: ignore[attr-defined,operator]
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray)
        return a.shape != b.shape or not np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame)
        return not a.equals(b)
    if isinstance(a, dict):
        return a != b
    if isinstance(a, float) and isinstance(b, float):
        return not (a == b or (np.isnan(a) and np.isnan(b)))
    return bool(a != b)


def test_every_numeric_column_of_the_element_sections_is_audited() -> None:
    audited = {(s, c) for s, _, c, _ in HONOURED + REJECTED}
    assert _numeric_columns() <= audited, f"not audited: {sorted(_numeric_columns() - audited)}"


@pytest.mark.parametrize(("section", "element", "column", "value"), HONOURED)
def test_an_override_changes_the_system_the_model_is_built_from(
    section: str, element: str, column: str, value: float
) -> None:
    table = load_scenario("default").dataset.table(section)
    key = table.columns[0]
    default = table.loc[table[key].astype(str) == element, column]
    assert not (default == value).any(), f"{section}.{element}.{column}: the default is already {value}; pick another"
    system = build_system(_scenario(section, element, column, value))
    assert _differs(system, _default_system()), f"{section}.{element}.{column} is ignored"


@pytest.mark.parametrize(("section", "element", "column", "value"), REJECTED)
def test_an_override_the_model_would_ignore_is_rejected(section: str, element: str, column: str, value: float) -> None:
    with pytest.raises(InputError) as err:
        _scenario(section, element, column, value)
    assert [p.field for p in err.value.problems] == [f"{section}.{element}.{column}"]


def test_capacity_of_a_scheduled_plant_scales_every_schedule_step() -> None:
    """Toktogul 1440 → 700 MW: the run sees 700 MW at full build-out and the earlier steps scaled alike."""
    base = _default_system()
    system = build_system(_scenario("plants", "toktogul", "capacity_mw", 700.0))
    p = system.plant_ids.index("toktogul")
    assert system.staging.capacity_mw[:, p].max() == pytest.approx(700.0)
    np.testing.assert_allclose(system.staging.capacity_mw[:, p], base.staging.capacity_mw[:, p] * 700.0 / 1440.0)


def test_a_scaled_schedule_is_listed_as_an_override_with_its_sources() -> None:
    sc = _scenario("plants", "toktogul", "capacity_mw", 700.0)
    paths = {o.path: o for o in sc.overrides}
    assert "plants.toktogul.schedule" in paths and "700 MW" in paths["plants.toktogul.schedule"].value
    src = sc.dataset.sources
    mine = (src["table"] == "plant_schedule") & src["element"].astype(str).str.startswith("toktogul/")
    rows = src[mine & (src["attribute"] == "capacity_mw")]
    assert len(rows) == 3 and rows["note"].str.contains("scaled by").all()


def test_a_new_schedule_with_a_capacity_is_taken_as_given() -> None:
    sched = [{"date": "1975-12", "capacity_mw": 1000, "units": 4}, {"date": "2030-01", "capacity_mw": 1600, "units": 4}]
    data = {"horizon": HORIZON, "plants": {"toktogul": {"capacity_mw": 1600, "schedule": sched}}}
    system = build_system(scenario_from_mapping(data, label="new-schedule.yaml"))
    p = system.plant_ids.index("toktogul")
    assert set(np.unique(system.staging.capacity_mw[:, p])) == {1000.0, 1600.0}


def test_min_release_and_inflow_overrides_reach_the_model() -> None:
    base = _default_system()
    for data in (
        {"min_releases": {"toktogul": {"min_release_m3s": {"jan": 150}}}},
        {"min_releases": {"toktogul": {"penalty_usd_per_hm3": 5000}}},
        {"min_releases": {"toktogul": {"strict": False}}},
    ):
        system = build_system(scenario_from_mapping({"horizon": HORIZON, **data}, label="releases.yaml"))
        assert _differs(system.releases, base.releases), data
    flows = [100.0] * 12
    sc = scenario_from_mapping(
        {"horizon": {"start": "2026-01", "end": "2026-12"}, "inflows": {"toktogul_lateral": flows}},
        label="inflows.yaml",
    )
    default = dataclasses.replace(load_scenario("default"), start="2026-01", end="2026-12")
    assert not default_inflows(sc, "2026-01", "2026-12").equals(default_inflows(default, "2026-01", "2026-12"))
