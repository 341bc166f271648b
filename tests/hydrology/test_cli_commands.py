"""hydrology sample / stats / plot commands (on the fixture dataset)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from aralnexus.cli import common
from aralnexus.cli.app import app


def _run(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["aralnexus", "hydrology", *args])
    return common.run_app(app)


def test_sample_writes_a_long_parquet_of_all_sites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_on_fixture: None
) -> None:
    out = tmp_path / "s.parquet"
    assert _run(monkeypatch, "sample", "--years", "20", "--seed", "3", "--out", str(out)) == 0
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["time", "site", "inflow_m3s"]
    assert len(frame) == 20 * 12 * 5


def test_stats_json_compares_targets_with_a_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cli_on_fixture: None
) -> None:
    out = tmp_path / "s.parquet"
    assert _run(monkeypatch, "sample", "--years", "200", "--out", str(out)) == 0
    capsys.readouterr()
    assert _run(monkeypatch, "stats", str(out), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["label"].startswith("targets: DERIVED + assumed variability")
    assert {row["site"] for row in data["rows"]} >= {"kambarata1_headwater", "rogun_headwater"}
    target, sample = data["rows"][0]["annual_km3"]
    assert abs(sample - target) / target < 0.1


def test_plot_writes_a_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_on_fixture: None) -> None:
    out = tmp_path / "fan.png"
    assert _run(monkeypatch, "plot", "--years", "100", "--out", str(out)) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
