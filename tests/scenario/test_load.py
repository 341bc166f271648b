"""Valid scenarios: overrides applied, units converted, provenance and a stable content hash."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from scenario_fixture import EXAMPLES, needs_default
from typer.testing import CliRunner

from aralnexus.data.dataset import Dataset
from aralnexus.errors import InputError
from aralnexus.scenario import Scenario, load_scenario, scenario_from_mapping
from aralnexus.scenario.checks import run_checks
from aralnexus.scenario.units_parse import UnitError, parse_quantity

WriteYaml = Callable[..., Path]
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def _plant(ds: Dataset, plant: str, column: str) -> object:
    return ds.plants.loc[ds.plants["plant"] == plant, column].iloc[0]


def test_default_is_the_dataset_without_overrides(base: Dataset) -> None:
    scenario = load_scenario("default", base=base)
    assert scenario.file == "default"
    assert scenario.overrides == ()
    assert scenario.dataset is base


def test_capacity_override_is_visible_in_the_dataset(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml("plants:\n  rogun: {capacity_mw: 3600}\n")
    scenario = load_scenario(path, base=base)
    assert _plant(scenario.dataset, "rogun", "capacity_mw") == 3600.0
    assert _plant(base, "rogun", "capacity_mw") == 3780.0  # the base is not touched
    override, schedule = scenario.overrides  # the commissioning schedule scales with the capacity
    assert (override.path, override.default, override.value) == ("plants.rogun.capacity_mw", "3780", "3600")
    assert schedule.path == "plants.rogun.schedule" and schedule.value.endswith("2030-01: 3600 MW")


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("capacity_mw", "1.86 GW", 1860.0),
        ("capacity_mw", "1,860 MW", 1860.0),
        ("capacity_mw", "500 kW", 0.5),
        ("tariff_usd_per_mwh", "5.15 c/kWh", 51.5),
        ("tariff_usd_per_mwh", "5.15 US cents/kWh", 51.5),
        ("tariff_usd_per_mwh", "51.5 USD/MWh", 51.5),
        ("storage_full_hm3", "14 km3", 14000.0),
        ("storage_full_hm3", "14 million m3", 14.0),
        ("storage_full_hm3", "14 Mm3", 14.0),
        ("demand_base_twh", "7500 GWh", 7.5),
        ("transit_eaeu_musd", "60 US$ million", 60.0),
        ("transit_eaeu_musd", "60 musd", 60.0),
        ("min_release_m3s", "350 m3/s", 350.0),
        ("level_full_m", "1290 m", 1290.0),
        ("loss_pct", "4 %", 4.0),
        ("capacity_mw", 1860, 1860.0),
    ],
)
def test_numbers_with_units_are_converted_to_the_unit_of_the_key(key: str, text: object, expected: float) -> None:
    assert parse_quantity(key, text) == pytest.approx(expected)


@pytest.mark.parametrize(("key", "text"), [("capacity_mw", "1860 m3/s"), ("storage_full_hm3", "14 GW")])
def test_a_unit_of_another_quantity_names_the_expected_unit(key: str, text: str) -> None:
    with pytest.raises(UnitError, match=r"in (MW|hm3)"):
        parse_quantity(key, text)


def test_unit_strings_in_a_file_are_stored_in_the_column_unit(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml(
        """
        plants:
          kambarata1: {capacity_mw: "1.9 GW"}
          toktogul: {storage_full_hm3: "20.5 km3"}
        links:
          casa1000_pk: {tariff_usd_per_mwh: "6 c/kWh"}
        """
    )
    ds = load_scenario(path, base=base).dataset
    assert _plant(ds, "kambarata1", "capacity_mw") == pytest.approx(1900.0)
    assert _plant(ds, "toktogul", "storage_full_hm3") == pytest.approx(20500.0)
    assert ds.links.loc[ds.links["link"] == "casa1000_pk", "tariff_usd_per_mwh"].iloc[0] == pytest.approx(60.0)


def test_hash_is_stable_under_key_order_whitespace_and_units(base: Dataset, write_yaml: WriteYaml) -> None:
    one = write_yaml(
        'name: a\nplants:\n  rogun: {capacity_mw: 3600, in_service: "2018-11"}\nhydrology: dry\n', "one.yaml"
    )
    two = write_yaml(
        '# same content\nhydrology:   dry\nplants:\n  rogun:\n    in_service: "2018-11"\n'
        '    capacity_mw: "3.6 GW"\nname: b\n',
        "two.yaml",
    )
    three = write_yaml("name: a\nplants:\n  rogun: {capacity_mw: 3601}\nhydrology: dry\n", "three.yaml")
    h1, h2, h3 = (load_scenario(p, base=base).content_hash for p in (one, two, three))
    assert h1 == h2
    assert h1 != h3
    assert len(h1) == 64


def test_a_file_that_changes_nothing_hashes_like_the_default(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml('name: same\nplants:\n  rogun: {capacity_mw: 3780}\nhorizon: {start: "2025-01"}\n')
    scenario = load_scenario(path, base=base)
    assert scenario.overrides == ()
    assert scenario.content_hash == load_scenario("default", base=base).content_hash


def test_overridden_values_cite_the_scenario_file(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml("plants:\n  rogun: {capacity_mw: 3600}\n")
    sources = load_scenario(path, base=base).dataset.sources
    row = sources.loc[(sources["table"] == "plants") & (sources["element"] == "rogun")]
    row = row.loc[row["attribute"] == "capacity_mw"]
    assert len(row) == 1
    assert row["source"].iloc[0] == f"scenario file {path}"
    assert row["value"].iloc[0] == "3600"
    assert "VAK-027" in row["note"].iloc[0]  # the replaced source is kept in the note


def test_schedule_shift_moves_future_rows_and_in_service(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml("plants:\n  kambarata1: {schedule_shift_months: 60}\n")
    ds = load_scenario(path, base=base).dataset
    dates = list(ds.plant_schedule.loc[ds.plant_schedule["plant"] == "kambarata1", "date"])
    assert dates == ["2035-05", "2036-01", "2037-01"]  # the impounding row (no capacity) moves too
    assert _plant(ds, "kambarata1", "in_service") == "2036-01"


def test_schedule_shift_keeps_the_rows_already_in_force(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml("plants:\n  rogun: {schedule_shift_months: 36}\n")
    ds = load_scenario(path, base=base).dataset
    dates = list(ds.plant_schedule.loc[ds.plant_schedule["plant"] == "rogun", "date"])
    assert dates == ["2018-11", "2025-01", "2031-01", "2033-01"]
    assert _plant(ds, "rogun", "in_service") == "2018-11"


def test_a_schedule_list_replaces_the_plants_schedule(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml(
        """
        plants:
          rogun:
            schedule:
              - {date: "2018-11", capacity_mw: 240, storage_full_hm3: 115}
              - {date: "2030-01", capacity_mw: "3.78 GW", storage_full_hm3: "13.3 km3"}
        """
    )
    ds = load_scenario(path, base=base).dataset
    rows = ds.plant_schedule.loc[ds.plant_schedule["plant"] == "rogun"]
    assert list(rows["date"]) == ["2018-11", "2030-01"]
    assert list(rows["capacity_mw"]) == [240.0, 3780.0]
    assert list(rows["storage_full_hm3"]) == [115.0, 13300.0]


def test_min_release_accepts_a_month_mapping_or_a_twelve_list(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml(
        """
        min_releases:
          toktogul: {strict: true, min_release_m3s: {jul: 400, 8: 420}}
          nurek: {min_release_m3s: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}
        """
    )
    frame = load_scenario(path, base=base).dataset.min_releases
    tok = frame.loc[frame["point"] == "toktogul"].set_index("month")
    assert tok.loc[7, "min_release_m3s"] == 400.0
    assert tok.loc[8, "min_release_m3s"] == 420.0
    assert tok["strict"].all()
    nurek = frame.loc[frame["point"] == "nurek"].sort_values("month")
    assert list(nurek["min_release_m3s"]) == [float(m) for m in range(1, 13)]


def test_inflow_override_becomes_the_sites_own_series(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml("inflows:\n  rogun_headwater: [100, 100, 100, 150, 400, 900, 1200, 1000, 500, 250, 150, 120]\n")
    ds = load_scenario(path, base=base).dataset
    site = ds.inflow_sites.set_index("site").loc["rogun_headwater"]
    assert site["share"] == 1.0
    series = ds.inflow_monthly.loc[ds.inflow_monthly["series"] == site["base_series"], "mean_m3s"]
    assert list(series)[6] == 1200.0
    # the other site on the same base series is unchanged
    lateral = ds.inflow_sites.set_index("site").loc["nurek_lateral"]
    assert lateral["base_series"] == "nurek_inflow"


def test_a_new_headwater_plant_with_its_inflow_is_added(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml(
        """
        plants:
          sarez:
            name: Sarez (hypothetical)
            country: TJ
            river: vakhsh
            downstream: rogun
            capacity_mw: 300
            units: 2
            turbine_max_m3s: 200
            efficiency: 0.9
            storage_dead_hm3: 100
            storage_full_hm3: "0.5 km3"
            storage_initial_hm3: 300
            rated_head_m: 150
        inflows:
          sarez_headwater: {plant: sarez, mean_m3s: [50, 50, 50, 60, 90, 150, 200, 180, 110, 70, 60, 55]}
        """
    )
    ds = load_scenario(path, base=base).dataset
    assert _plant(ds, "sarez", "storage_full_hm3") == 500.0
    assert ds.inflow_sites.set_index("site").loc["sarez_headwater", "plant"] == "sarez"


def test_options_and_trade_levers_are_resolved(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml(
        """
        horizon: {start: "2026-01", end: "2026-12"}
        resolution: hourly
        head: fixed
        hydrology: {kind: synthetic, seed: 7, member: 3, climate: {volume_change_pct: -10}}
        trade: {transit_eaeu_musd: "60 US$ million", include_electricity: false}
        """
    )
    scenario = load_scenario(path, base=base)
    assert (scenario.start, scenario.end, scenario.resolution, scenario.head_mode) == (
        "2026-01",
        "2026-12",
        "hourly",
        "fixed",
    )
    assert scenario.hydrology.kind == "synthetic"
    assert (scenario.hydrology.seed, scenario.hydrology.member) == (7, 3)
    assert scenario.hydrology.climate.volume_change_pct == -10.0
    assert scenario.trade.transit_eaeu_musd == 60.0
    assert scenario.trade.include_electricity is False
    paths = {o.path for o in scenario.overrides}
    assert {"horizon.start", "resolution", "head", "hydrology.seed", "trade.transit_eaeu_musd"} <= paths


def test_a_bare_hydrology_word_is_its_kind(base: Dataset, write_yaml: WriteYaml) -> None:
    assert load_scenario(write_yaml("hydrology: dry-sequence\n"), base=base).hydrology.kind == "dry-sequence"


def test_name_defaults_to_the_file_stem(base: Dataset, write_yaml: WriteYaml) -> None:
    assert load_scenario(write_yaml("description: x\n", "my_case.yaml"), base=base).name == "my_case"


def test_nothing_is_written_next_to_a_bad_file(base: Dataset, write_yaml: WriteYaml) -> None:
    path = write_yaml("plants: {rogun: {capacity_mw: -1}}\n")
    before = sorted(path.parent.iterdir())
    with pytest.raises(InputError):
        load_scenario(path, base=base)
    assert sorted(path.parent.iterdir()) == before


@needs_default
def test_the_builtin_default_passes_every_structural_check(default_dataset: Dataset) -> None:
    assert run_checks(default_dataset) == []
    assert load_scenario("default").file == "default"


@needs_default
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_validates(path: Path, default_dataset: Dataset) -> None:
    scenario = load_scenario(path, base=default_dataset)
    assert scenario.name
    assert scenario.description


@needs_default
def test_examples_change_what_their_names_say(default_dataset: Dataset) -> None:
    def load(name: str) -> Scenario:
        return load_scenario(EXAMPLES / name, base=default_dataset)

    not_built = load("kambarata1_not_built.yaml")
    assert _plant(not_built.dataset, "kambarata1", "in_service") > not_built.end
    built = load("kambarata1_built.yaml")
    assert built.start <= str(_plant(built.dataset, "kambarata1", "in_service")) <= built.end
    late = load("casa1000_2030.yaml").dataset.links.set_index("link")
    assert late.loc["casa1000_pk", "start"] == "2030-05"
    fast, slow = load("rogun_fast.yaml").dataset, load("rogun_slow.yaml").dataset

    def full_capacity_date(ds: Dataset) -> str:
        rows = ds.plant_schedule.loc[ds.plant_schedule["plant"] == "rogun"]
        return str(rows.loc[rows["capacity_mw"] == rows["capacity_mw"].max(), "date"].min())

    assert full_capacity_date(fast) < full_capacity_date(default_dataset) < full_capacity_date(slow)
    hourly = load("hourly_2026.yaml")
    assert (hourly.resolution, hourly.start, hourly.end) == ("hourly", "2026-01", "2026-12")


runner = CliRunner()


@needs_default
def test_validate_command_lists_the_overrides(cli_default: Dataset) -> None:
    from aralnexus.cli.app import app

    result = runner.invoke(app, ["validate", str(EXAMPLES / "casa1000_2030.yaml")])
    assert result.exit_code == 0, result.output
    assert "casa1000_2030.yaml is valid: 2 overrides" in result.output
    assert "links.casa1000_pk.start: 2027-05 → 2030-05" in result.output


@needs_default
def test_validate_command_json_lists_problems(cli_default: Dataset) -> None:
    from aralnexus.cli.app import app

    bad = Path(__file__).parent / "bad" / "wrong_unit.yaml"
    result = runner.invoke(app, ["validate", str(bad), "--json"])
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    assert payload["problems"][0]["field"] == "plants.rogun.capacity_mw"


@needs_default
def test_validate_default_through_main_exits_0() -> None:
    code = "from aralnexus.cli.app import main; main()"
    done = subprocess.run([sys.executable, "-c", code, "validate", "default"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "default is valid: 0 overrides" in done.stdout


def test_a_parsed_mapping_validates_like_a_file(base: Dataset, write_yaml: WriteYaml) -> None:
    text = "plants:\n  rogun: {capacity_mw: 3600}\n"
    from_file = load_scenario(write_yaml(text), base=base)
    from_data = scenario_from_mapping({"plants": {"rogun": {"capacity_mw": "3.6 GW"}}}, label="variant", base=base)
    assert from_data.content_hash == from_file.content_hash
    assert from_data.file == "variant"
    with pytest.raises(InputError, match=r"variant: plants\.rogun\.capacity_mw"):
        scenario_from_mapping({"plants": {"rogun": {"capacity_mw": -1}}}, label="variant", base=base)
