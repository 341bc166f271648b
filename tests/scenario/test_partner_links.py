"""No link trades for free: every direction a partner sells over has a price and a cap from the data."""

from __future__ import annotations

from typing import Any

import pytest

from aralnexus.dispatch import optimise
from aralnexus.errors import InputError
from aralnexus.scenario import scenario_from_mapping


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as err:
        scenario_from_mapping(data, label="links.yaml")
    return [f"{p.file}|{p.field}|{p.expected}|{p.found}|{p.hint}" for p in err.value.problems]


def test_making_a_partner_link_two_way_without_an_import_price_is_rejected() -> None:
    (problem,) = _problems({"links": {"tj_af_existing": {"bidirectional": True}}})
    file, field, expected, found, hint = problem.split("|")
    assert file.startswith("links.yaml")
    assert field == "links.tj_af_existing.bidirectional"
    assert "AF" in expected and "import_price_usd_per_mwh" in expected and "import_max_twh" in expected
    assert "free" in found and "unlimited" in found
    assert "bidirectional: false" in hint


def test_a_partner_price_without_a_cap_is_still_rejected() -> None:
    data = {"links": {"tj_af_existing": {"bidirectional": True}}, "countries": {"AF": {"import_price_usd_per_mwh": 60}}}
    (problem,) = _problems(data)
    assert "no import_max_twh for AF" in problem and "import_price_usd_per_mwh for AF" not in problem


def test_a_new_link_from_a_partner_needs_the_partners_import_price() -> None:
    link = {"name": "AF to TJ", "from_country": "AF", "to_country": "TJ", "capacity_mw": 100, "loss_pct": 2}
    link.update({"months": "1-12", "start": "2020-01", "bidirectional": False})
    (problem,) = _problems({"links": {"af_tj": link}})
    assert "links.af_tj.from_country" in problem


def test_a_partner_that_sells_cheaper_than_it_buys_is_rejected() -> None:
    (problem,) = _problems({"countries": {"UZ": {"import_price_usd_per_mwh": 10}}})
    assert "countries.UZ.import_price_usd_per_mwh" in problem and "earn money" in problem


def test_a_priced_and_capped_two_way_link_imports_at_most_its_cap() -> None:
    data = {
        "horizon": {"start": "2026-01", "end": "2026-12"},
        "head": "fixed",
        "parameters": {"lookahead_months": 0},
        "links": {"tj_af_existing": {"bidirectional": True}},
        "countries": {"AF": {"import_price_usd_per_mwh": 60, "import_max_twh": 0.2}},
    }
    res = optimise(scenario_from_mapping(data, label="af-two-way.yaml"))
    af = res.links[res.links["link"] == "tj_af_existing"]
    imported_mwh = -float(af["energy_mwh"].clip(upper=0.0).sum())  # signed at the sending end: < 0 from AF
    assert imported_mwh <= 0.2e6 * (1 + 1e-9)
    paid_musd = -float(res.objective.set_index("term").at["imports", "value_musd"])
    assert paid_musd >= 60.0 * imported_mwh / 1e6 - 1e-9


def test_the_link_between_the_two_grids_at_zero_price_is_rejected() -> None:
    (problem,) = _problems({"links": {"datka_khujand": {"tariff_usd_per_mwh": 0}}})
    assert "links.datka_khujand.tariff_usd_per_mwh" in problem and "zero price" in problem


def test_a_zero_bilateral_price_parameter_is_rejected_for_a_link_without_a_tariff() -> None:
    problems = _problems({"parameters": {"bilateral_electricity_price_usd_per_mwh": 0}})
    assert len(problems) == 2  # both directions between the grids: datka_khujand and tj_kg
    assert all("parameters.bilateral_electricity_price_usd_per_mwh" in p for p in problems)
    assert any("datka_khujand" in p for p in problems) and any("tj_kg" in p for p in problems)
