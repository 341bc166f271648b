"""Look-ahead beyond the horizon: reported horizon, end storage, bad parameter, soft look-ahead constraints."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import pytest

from aralnexus.dispatch import optimise
from aralnexus.dispatch.lookahead import extend_end, lookahead_months
from aralnexus.errors import InfeasibleScenarioError, InputError
from aralnexus.scenario import scenario_from_mapping
from aralnexus.scenario.model import Scenario


def _scenario(**parameters: Any) -> Scenario:
    data: dict[str, Any] = {"horizon": {"start": "2026-01", "end": "2027-12"}, "head": "fixed"}
    if parameters:
        data["parameters"] = parameters
    return scenario_from_mapping(data, label="lookahead-test")


def test_extend_end_counts_calendar_months() -> None:
    assert extend_end("2035-12", 12) == "2036-12"
    assert extend_end("2030-05", 0) == "2030-05"
    assert extend_end("2030-05", 9) == "2031-02"


def test_the_default_looks_ahead_one_year_monthly_and_not_hourly() -> None:
    sc = _scenario()
    assert lookahead_months(sc.dataset, "monthly") == 12
    assert lookahead_months(sc.dataset, "hourly") == 0


@pytest.mark.parametrize("bad", [2.5, -1, 61])
def test_a_bad_lookahead_parameter_names_the_field(bad: float) -> None:
    with pytest.raises(InputError) as err:
        _scenario(lookahead_months=bad)
    assert "parameters.lookahead_months" in str(err.value)


def test_a_bad_lookahead_in_a_dataset_is_caught_before_solving() -> None:
    dataset = _scenario().dataset
    params = dataset.parameters.copy()
    params.loc[params["name"] == "lookahead_months", "value"] = 1.5
    with pytest.raises(InputError) as err:
        lookahead_months(dataclasses.replace(dataset, parameters=params))
    assert "lookahead_months" in str(err.value)


def test_results_cover_the_horizon_only_and_say_until_when_they_were_optimised() -> None:
    res = optimise(_scenario())
    for table in (res.plants, res.countries, res.links, res.reservoirs):
        assert pd.to_datetime(table["time"]).max() < pd.Timestamp("2028-01-01")
    assert res.metadata["optimised_to"] == "2028-12"
    assert res.metadata["end"] == "2027-12"


def test_looking_ahead_keeps_water_in_the_reservoirs_at_the_horizon_end() -> None:
    """Without look-ahead the end storage is worth only the terminal value and gets drawn down."""
    ahead = optimise(_scenario())
    myopic = optimise(_scenario(lookahead_months=0))
    assert myopic.metadata["optimised_to"] == "2027-12"

    def end_storage_hm3(res: Any) -> float:
        r = res.reservoirs
        return float(r.loc[pd.to_datetime(r["time"]) == pd.to_datetime(r["time"]).max(), "storage_hm3"].sum())

    assert end_storage_hm3(ahead) > end_storage_hm3(myopic) + 100.0


def test_default_partner_imports_and_casa1000_exports_never_share_a_month() -> None:
    """Imports from Uzbekistan and Kazakhstan (October–April) never coincide with CASA-1000 exports."""
    spec = {"horizon": {"start": "2030-01", "end": "2030-12"}, "head": "fixed"}
    res = optimise(scenario_from_mapping(spec, label="casa-months"))
    links = res.links
    monthly = links.groupby(["month", "link"])["energy_mwh"].sum().unstack(fill_value=0.0)
    casa = monthly[["casa1000_pk", "casa1000_af"]].sum(axis=1)
    imports = monthly[["uz_tj", "uz_kg", "kz_kg"]].sum(axis=1)
    assert casa.sum() > 0 and imports.sum() > 0
    assert (imports[casa > 0] == 0).all()


def _winter_minimum(m3s: float, **parameters: Any) -> Scenario:
    """Jan–Mar 2025 with a strict Toktogul minimum in every winter month (January–March, October–December).

    2025-01 is the dataset's storage date: the run starts from the data's storages.
    """
    data: dict[str, Any] = {
        "horizon": {"start": "2025-01", "end": "2025-03"},
        "head": "fixed",
        "min_releases": {"toktogul": {"strict": True, "min_release_m3s": dict.fromkeys((1, 2, 3, 10, 11, 12), m3s)}},
    }
    if parameters:
        data["parameters"] = parameters
    return scenario_from_mapping(data, label="winter-minimum")


def test_a_strict_minimum_the_lookahead_cannot_meet_leaves_a_feasible_horizon_feasible() -> None:
    """900 m3/s all winter cannot be held through October 2025 – March 2026, but January–March can."""
    myopic = optimise(_winter_minimum(900.0, lookahead_months=0))
    ahead = optimise(_winter_minimum(900.0))
    assert float(ahead.metadata["lookahead_shortfall_hm3"]) > 0.0
    for res in (myopic, ahead):
        assert not res.violations["constraint"].str.contains("minimum release").any()
    for res in (myopic, ahead):
        tok = res.releases[res.releases["point"] == "toktogul"]
        assert (tok["released_m3s"] >= 900.0 - 1e-6).all()
    terms = ahead.objective.set_index("term")["value_musd"]
    assert terms["lookahead_shortfall_penalties"] < 0.0
    assert terms["strict_relaxation_penalties"] == 0.0


def test_an_infeasible_horizon_names_only_months_inside_it() -> None:
    with pytest.raises(InfeasibleScenarioError) as err:
        optimise(_winter_minimum(3000.0))
    periods = {s.period for s in err.value.shortfalls}
    assert periods and periods <= {"2025-01", "2025-02", "2025-03"}
