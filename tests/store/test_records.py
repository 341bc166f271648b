from __future__ import annotations

from typing import get_args

import pytest

from aralnexus.data.dataset import SourceKind
from aralnexus.results import Results
from aralnexus.store import RunRecord, Store


def test_a_record_from_a_real_scenario_stores_its_sources_and_overrides(store: Store, results: Results) -> None:
    scenario_mod = pytest.importorskip("aralnexus.scenario")
    scenario = scenario_mod.load_scenario("default")
    record = RunRecord.from_scenario(scenario, kind="optimise").finished()
    assert record.scenario_hash == scenario.content_hash
    assert record.hydrology == scenario.hydrology.label
    assert record.hydrology_derived
    run_id = store.save_run(record, results)
    sources = store.table("sources", run_id)
    assert len(sources) == len(scenario.dataset.sources)
    assert set(sources["kind"]) <= set(get_args(SourceKind))
    assert len(store.table("overrides", run_id)) == len(scenario.overrides)
    assert record.run_id != RunRecord.from_scenario(scenario, kind="run").run_id
