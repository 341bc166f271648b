"""``--vary`` builds a grid of scenario variants, one run each."""

from __future__ import annotations

from typing import Any

import pytest

from aralnexus.ensemble.runner import run_ensemble
from aralnexus.ensemble.variants import expand_variants, parse_vary
from aralnexus.errors import InputError
from aralnexus.scenario import load_scenario
from aralnexus.store import Store


def test_casa_alias_sets_both_hvdc_branches_to_the_may_export_season() -> None:
    _, values = parse_vary("casa1000.start=2027,2029")
    assert values[1] == (
        "casa1000.start=2029",
        {"links.casa1000_pk.start": "2029-05", "links.casa1000_af.start": "2029-05"},
    )


def test_grid_is_the_cartesian_product_with_validated_scenarios() -> None:
    base = load_scenario("default")
    grid = expand_variants(base, ["casa1000.start=2027,2029", "rogun.delay_months=0,12"])
    assert [v.label for v in grid] == [
        "casa1000.start=2027, rogun.delay_months=0",
        "casa1000.start=2027, rogun.delay_months=12",
        "casa1000.start=2029, rogun.delay_months=0",
        "casa1000.start=2029, rogun.delay_months=12",
    ]
    links = grid[2].scenario.dataset.links.set_index("link")
    assert links.loc["casa1000_pk", "start"] == "2029-05" and links.loc["casa1000_af", "start"] == "2029-05"
    assert len({v.scenario.content_hash for v in grid}) == 4


def test_unknown_path_is_an_input_error_naming_the_option() -> None:
    with pytest.raises(InputError) as error:
        expand_variants(load_scenario("default"), ["links.no_such_link.start=2029-05"])
    assert "--vary" in str(error.value)


def test_variants_grid_creates_one_run_per_variant(store: Store, small_spec: Any) -> None:
    spec = small_spec(1, vary=("links.casa1000_pk.start=2027-05,2029-05",))
    outcome = run_ensemble(spec, store)
    assert outcome.complete and len(outcome.runs) == 2
    ids = [r.run_id for r in outcome.runs]
    assert len(set(ids)) == 2
    runs = store.query("SELECT run_id, kind, scenario_name, n_members FROM runs ORDER BY scenario_name")
    assert list(runs["kind"]) == ["ensemble", "ensemble"] and set(runs["run_id"]) == set(ids)
    overrides = store.query("SELECT run_id, value FROM overrides WHERE path LIKE '%casa1000_pk%start%'")
    # 2027-05 is the default (no override); the 2029 variant records its override
    assert list(overrides["run_id"]) == [ids[1]] and list(overrides["value"]) == ["2029-05"]
