"""``aralnexus export pypsa``: a netCDF file PyPSA opens and solves to our LP's objective at fixed heads."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from aralnexus.cli.app import app
from aralnexus.dispatch.api import default_inflows
from aralnexus.dispatch.head import initial_heads_m
from aralnexus.dispatch.inputs import plant_inflows_m3s
from aralnexus.dispatch.model import LPModel
from aralnexus.dispatch.pypsa_network import require_pypsa, solve_network
from aralnexus.scenario import load_scenario
from aralnexus.system.system import build_system

runner = CliRunner()
START, END = "2026-01", "2026-12"


def _our_objective_usd() -> float:
    scenario = load_scenario("default")
    system = build_system(scenario, START, END, scenario.resolution)
    inflow = plant_inflows_m3s(system, default_inflows(scenario, START, END))
    model = LPModel(system, inflow, initial_heads_m(system, "fixed"))
    return model.solve().objective - model.arrays.offset


@pytest.mark.slow
def test_exported_network_opens_in_pypsa_and_solves_to_our_objective(tmp_path) -> None:
    pypsa = require_pypsa()
    out = tmp_path / "default.nc"
    result = runner.invoke(
        app, ["export", "pypsa", "default", "--out", str(out), "--start", START, "--end", END, "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["file"] == str(out) and summary["snapshots"] == 36
    network = pypsa.Network(str(out))
    # the agreements and import limits travel as native components, not as extra code
    assert any(name.startswith("meter:") for name in network.stores.index)
    assert network.generators["e_sum_max"].lt(float("inf")).any()
    assert solve_network(network) == pytest.approx(_our_objective_usd(), rel=1e-6)
    before = out.read_bytes()
    again = runner.invoke(app, ["export", "pypsa", "default", "--out", str(out), "--start", START, "--end", END])
    assert again.exit_code == 2
    assert "--force" in again.output and out.read_bytes() == before
    forced = runner.invoke(app, ["export", "pypsa", "default", "--out", str(out), "--start", START, "--end", "2026-03"])
    assert forced.exit_code == 2
    forced = runner.invoke(
        app, ["export", "pypsa", "default", "--out", str(out), "--start", START, "--end", "2026-03", "--force", "-q"]
    )
    assert forced.exit_code == 0, forced.output
    assert len(pypsa.Network(str(out)).snapshots) == 9
    assert [p.name for p in tmp_path.iterdir()] == ["default.nc"]  # no temporary file left behind


def test_missing_pypsa_is_a_clear_message_and_exit_2(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pypsa", None)  # ``import pypsa`` now raises ImportError
    out = tmp_path / "x.nc"
    result = runner.invoke(app, ["export", "pypsa", "default", "--out", str(out)])
    assert result.exit_code == 2
    assert "pip install 'aralnexus[pypsa]'" in result.output
    assert not out.exists()
