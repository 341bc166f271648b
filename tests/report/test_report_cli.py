from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aralnexus.cli.app import app
from aralnexus.store import Store

runner = CliRunner()


def test_report_command_writes_the_report_and_prints_json(stored: tuple[Store, str], tmp_path: Path) -> None:
    store, run_id = stored
    args = ["report", run_id[:6], "--out", str(tmp_path), "--no-png", "--json", "--store", str(store.path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["run_id"] == run_id
    assert Path(data["html"]).exists()
    assert data["pngs"] == {}


def test_report_of_an_unknown_run_exits_2(stored: tuple[Store, str]) -> None:
    store, _ = stored
    result = runner.invoke(app, ["report", "nosuchrun", "--store", str(store.path)])
    assert result.exit_code == 2
    assert "nosuchrun" in result.stderr


def test_report_help_has_examples() -> None:
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    assert "Examples" in result.stdout
