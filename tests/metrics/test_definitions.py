"""Planner definitions are read from the dataset once and travel with a run."""

from __future__ import annotations

import dataclasses

from aralnexus.data.dataset import load_default
from aralnexus.data.definitions import PlannerDefinitions, month_span, planner_definitions


def test_default_definitions_come_from_the_dataset() -> None:
    defs = planner_definitions(load_default())
    assert defs.winter_months == (10, 11, 12, 1, 2, 3)
    assert defs.vegetation_months == (4, 5, 6, 7, 8, 9)
    assert defs.casa_links == ("casa1000_af", "casa1000_pk")
    assert defs.pair_label == "KG-TJ"
    assert (defs.trade_target_musd, defs.trade_target_year) == (500.0, 2030)


def test_a_changed_parameter_changes_the_season() -> None:
    dataset = load_default()
    params = dataset.parameters.copy()
    params.loc[params["name"] == "winter_last_month", "value"] = 4
    defs = planner_definitions(dataclasses.replace(dataset, parameters=params))
    assert defs.winter_months == (10, 11, 12, 1, 2, 3, 4)


def test_winter_is_labelled_by_the_year_it_starts_and_counted_only_when_complete() -> None:
    defs = planner_definitions(load_default())
    years = [2025] * 12 + [2026] * 3
    months = [*range(1, 13), 1, 2, 3]
    assert list(defs.winter_label([2025, 2026, 2026], [11, 2, 7])) == [2025, 2025, -1]
    assert defs.complete_winters(years, months) == [2025]


def test_definitions_round_trip_through_their_record() -> None:
    defs = planner_definitions(load_default())
    assert PlannerDefinitions.from_record(defs.to_record()) == defs


def test_month_span_wraps_over_december() -> None:
    assert month_span(11, 2) == (11, 12, 1, 2)
    assert month_span(4, 9) == (4, 5, 6, 7, 8, 9)


def test_swap_partners_are_the_markets_that_trade_both_ways() -> None:
    dataset = load_default()
    assert planner_definitions(dataset).swap_partners == ("KZ", "UZ")
    countries = dataset.countries.copy()
    countries.loc[countries["country"] == "TM", "export_price_usd_per_mwh"] = 25.0  # TM now also buys
    defs = planner_definitions(dataclasses.replace(dataset, countries=countries))
    assert defs.swap_partners == ("KZ", "TM", "UZ")


def test_a_run_recorded_before_swap_partners_reads_as_kazakhstan_and_uzbekistan() -> None:
    record = dataclasses.asdict(planner_definitions(load_default()))
    del record["swap_partners"]
    assert PlannerDefinitions.from_record(record).swap_partners == ("KZ", "UZ")
