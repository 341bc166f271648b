"""Hostile corpus: command-line mistakes exit 2 and name the option, command or argument."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostile_support import Cli, assert_refused

pytestmark = pytest.mark.hostile

CASES: list[tuple[str, list[str], list[str]]] = [
    # (case id, arguments, names the message must contain)
    ("unknown-command", ["bogus"], ["bogus"]),
    ("unknown-subcommand", ["results", "bogus"], ["bogus"]),
    ("unknown-option", ["validate", "default", "--bogus"], ["--bogus"]),
    ("unknown-option-run", ["run", "--seed", "3"], ["--seed"]),
    ("no-command", [], ["Usage"]),
    ("missing-argument-show", ["results", "show"], ["run"]),
    ("missing-argument-validate", ["validate"], ["source"]),
    ("missing-argument-compare", ["compare", "a.yaml"], ["scenario_b"]),
    ("missing-out-sample", ["hydrology", "sample"], ["--out"]),
    ("option-without-value", ["results", "query", "select 1", "--limit"], ["--limit"]),
    ("seed-abc-ensemble", ["ensemble", "--seed", "abc"], ["--seed"]),
    ("seed-abc-sample", ["hydrology", "sample", "--seed", "abc", "--out", "s.parquet"], ["--seed"]),
    ("seed-negative-ensemble", ["ensemble", "--seed", "-1"], ["--seed"]),
    ("members-huge", ["ensemble", "--members", "1000000000"], ["--members"]),
    ("members-zero", ["ensemble", "--members", "0"], ["--members"]),
    ("members-abc", ["ensemble", "-n", "abc"], ["--members"]),
    ("workers-zero", ["ensemble", "--workers", "0"], ["--workers"]),
    ("workers-huge", ["ensemble", "--workers", "100000"], ["--workers"]),
    ("years-zero-sample", ["hydrology", "sample", "--years", "0", "--out", "s.parquet"], ["--years"]),
    ("years-huge-sample", ["hydrology", "sample", "--years", "100000000", "--out", "s.parquet"], ["--years"]),
    ("years-zero-stats", ["hydrology", "stats", "--years", "0"], ["--years"]),
    ("years-zero-plot", ["hydrology", "plot", "--years", "0"], ["--years"]),
    (
        "start-year-huge",
        ["hydrology", "sample", "--years", "3", "--start-year", "99999999", "--out", "s.parquet"],
        ["--start-year"],
    ),
    (
        "start-year-negative",
        ["hydrology", "sample", "--years", "3", "--start-year", "-5", "--out", "s.parquet"],
        ["--start-year"],
    ),
    (
        "start-year-late",
        ["hydrology", "sample", "--years", "1000", "--start-year", "9500", "--out", "s.parquet"],
        ["--start-year"],
    ),
    ("limit-abc-query", ["results", "query", "select 1", "--limit", "abc"], ["--limit"]),
    ("limit-abc-show", ["results", "show", "x", "--limit", "abc"], ["--limit"]),
    ("threshold-abc-report", ["report", "x", "--threshold-twh", "abc"], ["--threshold-twh"]),
    ("threshold-abc-ensemble", ["ensemble", "--threshold-twh", "abc"], ["--threshold-twh"]),
    ("threshold-nan-ensemble", ["ensemble", "--threshold-twh", "nan"], ["--threshold-twh"]),
    ("threshold-negative-report", ["report", "x", "--threshold-twh", "-1"], ["--threshold-twh"]),
    ("scheduler-garbage", ["ensemble", "--members", "2", "--scheduler", "garbage"], ["--scheduler"]),
    ("scheduler-no-port", ["ensemble", "--members", "2", "--scheduler", "tcp://"], ["--scheduler"]),
    ("scheduler-bad-port", ["ensemble", "--members", "2", "--scheduler", "tcp://localhost:99999"], ["--scheduler"]),
    ("heads-garbage", ["ensemble", "--members", "2", "--heads", "sometimes"], ["--heads"]),
    ("horizon-garbage", ["ensemble", "--members", "2", "--horizon", "soon"], ["--horizon"]),
    ("vary-garbage", ["ensemble", "--members", "2", "--vary", "nothing"], ["--vary"]),
    ("format-garbage", ["results", "export", "x", "--format", "xlsx"], ["--format"]),
    ("run-start-garbage", ["run", "--start", "yesterday"], ["--start"]),
    ("run-start-month-13", ["run", "--start", "2025-13"], ["--start"]),
    ("run-end-before-start", ["run", "--start", "2026-01", "--end", "2025-06"], ["--end"]),
    ("run-start-far-future", ["run", "--start", "9999-01", "--end", "9999-12"], ["--start"]),
    ("run-hydrology-garbage", ["run", "--hydrology", "rainy"], ["--hydrology"]),
    ("run-casa-rule-garbage", ["run", "--casa-rule", "fair"], ["--casa-rule"]),
    ("optimise-resolution-garbage", ["optimise", "default", "--resolution", "weekly"], ["--resolution"]),
    ("optimise-head-garbage", ["optimise", "default", "--head", "guess"], ["--head"]),
    ("data-table-garbage", ["data", "sources", "--table", "nothing"], ["nothing"]),
    ("data-kind-garbage", ["data", "sources", "--kind", "rumour"], ["rumour"]),
]


@pytest.mark.parametrize(("args", "names"), [pytest.param(a, n, id=i) for i, a, n in CASES])
def test_a_command_line_mistake_exits_2_naming_the_option(cli: Cli, args: list[str], names: list[str]) -> None:
    assert_refused(cli(*args), *names)


NEWER_ENTRY_POINTS: list[tuple[str, list[str], list[str]]] = [
    ("backtest-start-negative", ["backtest", "--start", "-5"], ["--start"]),
    ("backtest-start-huge", ["backtest", "--start", "99999"], ["--start"]),
    ("backtest-reversed", ["backtest", "--start", "2025", "--end", "2019"], ["--start"]),
    ("backtest-record-directory", ["backtest", "--record", "."], ["directory"]),
    ("backtest-record-device", ["backtest", "--record", "/dev/zero"], ["/dev/zero", "character device"]),
    ("serve-port-huge", ["serve", "--port", "99999"], ["--port"]),
    ("serve-port-negative", ["serve", "--port", "-1"], ["--port"]),
    ("serve-workers-zero", ["serve", "--workers", "0"], ["--workers"]),
    ("serve-scenarios-device", ["serve", "--scenarios", "/dev/zero"], ["--scenarios"]),
    ("export-pypsa-device", ["export", "pypsa", "/dev/zero", "--out", "x.nc"], ["/dev/zero"]),
    ("policy-train-directory", ["policy", "train", "."], ["directory"]),
    ("policy-train-scheduler-garbage", ["policy", "train", "--scheduler", "garbage"], ["--scheduler"]),
]


@pytest.mark.parametrize(("args", "names"), [pytest.param(a, n, id=i) for i, a, n in NEWER_ENTRY_POINTS])
def test_newer_commands_refuse_bad_options_and_files(cli: Cli, args: list[str], names: list[str]) -> None:
    assert_refused(cli(*args), *names)


def test_backtest_refuses_a_fifo_as_record(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "record.csv"
    os.mkfifo(path)
    assert_refused(cli("backtest", "--record", path), "record.csv", "FIFO")
