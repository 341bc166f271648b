"""Start storage is stated, not invented: data, the scenario's initial_storage_hm3, or a stated rule."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from dispatch_support import system_and_inflows

from aralnexus.dispatch import optimise
from aralnexus.errors import InputError
from aralnexus.scenario import load_scenario, scenario_from_mapping
from aralnexus.system.system import build_system
from aralnexus.testing.examples import random_dataset


def _scenario(start: str, end: str, **extra: Any) -> Any:
    data: dict[str, Any] = {"horizon": {"start": start, "end": end}, "head": "fixed", **extra}
    return scenario_from_mapping(data, label="start-storage.yaml")


def test_a_run_at_the_datasets_storage_date_starts_from_the_data() -> None:
    system = build_system(_scenario("2025-01", "2025-12"))
    table = system.start_storage
    assert table is not None and set(table["source"]) == {"data"}
    data = load_scenario("default").dataset.plants.set_index("plant")["storage_initial_hm3"]
    np.testing.assert_allclose(system.storage_initial_hm3, data.loc[list(system.plant_ids)].to_numpy())
    assert (table["adjustment_hm3"] == 0.0).all()


def test_a_later_start_takes_the_end_storage_of_a_median_run_up_to_it_not_clipped_water() -> None:
    """2033: Rogun starts where a median run from 2025 leaves it, not at its 2033 dead storage.

    (Which of several equally good end states the run reaches is issue 10's tie-breaking: the
    default import price equals the terminal water value.)
    """
    sc = _scenario("2033-01", "2033-03")
    res = optimise(sc)
    table = res.start_storage.set_index("plant")
    assert set(table["source"]) == {"rule: median run 2025-01 … 2032-12"}
    assert res.metadata["start_storage"].startswith("rule: median run 2025-01 … 2032-12 (18 plants)")
    # a state the reservoirs can be in at the end of December 2032 (not the 2033 bounds the clip used)
    dec = build_system(dataclasses.replace(sc, start="2032-12", end="2032-12"))
    stor = table.loc[list(dec.plant_ids), "storage_hm3"].to_numpy()
    assert (stor >= dec.staging.storage_min_hm3[0] - 1e-6).all()
    assert (stor <= dec.staging.storage_max_hm3[0] + 1e-6).all()
    assert table.at["rogun", "storage_hm3"] != pytest.approx(3000.0)  # the dead storage the clip used to invent


def test_the_scenario_states_start_storage_per_plant_and_the_rest_follows_the_rule() -> None:
    sc = _scenario("2026-01", "2026-03", initial_storage_hm3={"toktogul": 9000.0}, parameters={"lookahead_months": 0})
    assert ("initial_storage_hm3.toktogul", "", "9000") in {(o.path, o.default, o.value) for o in sc.overrides}
    assert sc.content_hash != _scenario("2026-01", "2026-03", parameters={"lookahead_months": 0}).content_hash
    system = build_system(sc)
    table = system.start_storage
    assert table is not None
    tok = table.set_index("plant").loc["toktogul"]
    assert (tok["source"], tok["storage_hm3"]) == ("scenario", 9000.0)
    assert set(table["source"]) == {"scenario", "data"}  # build_system alone: no rule, data stated as such
    assert table.set_index("plant").at["rogun", "note"].endswith("used at the later start 2026-01 as it is")


@pytest.mark.parametrize(
    ("stated", "field"),
    [({"toktogull": 9000.0}, "initial_storage_hm3.toktogull"), ({"toktogul": 25000.0}, "initial_storage_hm3.toktogul")],
)
def test_a_start_storage_the_scenario_cannot_have_is_rejected(stated: dict[str, float], field: str) -> None:
    with pytest.raises(InputError) as err:
        _scenario("2026-01", "2026-12", initial_storage_hm3=stated)
    assert [p.field for p in err.value.problems] == [field]


def test_a_stated_storage_above_what_the_reservoir_holds_at_the_start_is_rejected() -> None:
    """Rogun holds 951 hm3 in 2026 (its dam is being raised)."""
    with pytest.raises(InputError) as err:
        build_system(_scenario("2026-01", "2026-12", initial_storage_hm3={"rogun": 5000.0}))
    (problem,) = err.value.problems
    assert problem.field == "initial_storage_hm3.rogun" and "951" in problem.expected


def test_start_storage_is_never_raised_and_every_lowering_is_reported() -> None:
    """On random networks (plants not yet built hold nothing), storage only ever goes down, and says so."""
    lowered = 0
    for seed in range(40):
        system, _ = system_and_inflows(random_dataset(seed, 4, 2), "2026-01", "2026-06")
        table = system.start_storage
        assert table is not None
        stated = table["stated_hm3"].to_numpy()
        assert (table["adjustment_hm3"] <= 0.0).all()
        np.testing.assert_allclose(table["storage_hm3"], stated + table["adjustment_hm3"])
        np.testing.assert_allclose(system.storage_initial_hm3, table["storage_hm3"])
        low = table["adjustment_hm3"] < 0
        assert table.loc[low, "note"].str.contains("can hold at the start").all()
        lowered += int(low.sum())
    assert lowered > 0, "some random plant must start out of service to exercise the lowering"
