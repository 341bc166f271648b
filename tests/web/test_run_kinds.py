"""Policy runs (a trained policy and its simulated members) and stored backtests in the explorer.

In-process (Starlette's TestClient): each kind of run is listed on /runs, can be filtered by kind,
and its page renders with the sections of that kind and no traceback.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aralnexus.backtest import run_backtest
from aralnexus.backtest.store_io import save_backtest
from aralnexus.cli.app import app as cli
from aralnexus.report.backtest import SECTION_TITLE
from aralnexus.scenario import load_scenario
from aralnexus.store import open_store
from aralnexus.web import WebConfig, create_app
from aralnexus.web.config import LOOPBACK_HOSTS, repository_examples

starlette_testclient = pytest.importorskip("starlette.testclient")

#: A three-month policy with one look-ahead month: trains and simulates in seconds.
TINY_POLICY = """\
name: policy-web-test
horizon: {start: "2030-01", end: "2030-03"}
parameters: {lookahead_months: 1}
"""


@pytest.fixture(scope="module")
def kinds_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A store with a trained policy (2 iterations), its simulation on 2 members and a 2025 backtest."""
    folder = tmp_path_factory.mktemp("run-kinds")
    scenario, db = folder / "tiny.yaml", folder / "runs.duckdb"
    scenario.write_text(TINY_POLICY, encoding="utf-8")
    args = ["policy", "train", str(scenario), "--iterations", "2", "--store", str(db), "--json"]
    train = CliRunner().invoke(cli, args)
    assert train.exit_code == 0, train.output
    policy = str(json.loads(train.stdout)["run_id"])
    simulate = CliRunner().invoke(cli, ["policy", "simulate", policy, "--members", "2", "--store", str(db), "--json"])
    assert simulate.exit_code == 0, simulate.output
    simulation = str(json.loads(simulate.stdout)["run_id"])
    backtest = save_backtest(open_store(db), load_scenario("default"), run_backtest("default", 2025, 2025))
    return db, {"policy": policy, "simulation": simulation, "backtest": backtest}


@pytest.fixture
def kinds_client(tmp_path: Path, kinds_store: tuple[Path, dict[str, str]]) -> Iterator[starlette_testclient.TestClient]:
    path = tmp_path / "runs.duckdb"
    shutil.copy(kinds_store[0], path)
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    config = WebConfig(
        store=path,
        scenarios=scenarios,
        examples=repository_examples(),
        allowed_hosts=(*LOOPBACK_HOSTS, "testserver"),
    )
    with starlette_testclient.TestClient(create_app(config), raise_server_exceptions=False) as client:
        yield client


def _clean(page: object) -> None:
    status, text = page.status_code, page.text  # type: ignore[attr-defined]
    assert status == 200, text[:2000]
    assert "Traceback" not in text and "Internal Server Error" not in text


def test_policy_and_backtest_runs_appear_in_the_runs_list(kinds_client, kinds_store) -> None:  # type: ignore[no-untyped-def]
    _, ids = kinds_store
    page = kinds_client.get("/runs")
    _clean(page)
    for run_id in ids.values():
        assert f'href="/runs/{run_id}"' in page.text
    for kind in ("policy", "ensemble", "backtest"):
        assert f'<option value="{kind}"' in page.text
    only = kinds_client.get("/runs?kind=backtest")
    _clean(only)
    assert f'href="/runs/{ids["backtest"]}"' in only.text
    assert f'href="/runs/{ids["policy"]}"' not in only.text


def test_a_trained_policy_page_renders(kinds_client, kinds_store) -> None:  # type: ignore[no-untyped-def]
    _, ids = kinds_store
    page = kinds_client.get(f"/runs/{ids['policy']}")
    _clean(page)
    assert ids["policy"] in page.text
    assert "policy-web-test" in page.text
    assert 'id="policy-training"' in page.text and 'id="chart-policy_training"' in page.text  # the lower bound
    assert f"aralnexus policy simulate {ids['policy']}" in page.text


def test_a_policy_simulation_page_shows_the_operating_policy(kinds_client, kinds_store) -> None:  # type: ignore[no-untyped-def]
    _, ids = kinds_store
    page = kinds_client.get(f"/runs/{ids['simulation']}")
    _clean(page)
    assert 'id="policy"' in page.text
    assert ids["policy"] in page.text  # the section names the policy it simulates
    assert 'id="chart-policy_convergence"' in page.text
    assert 'id="risk"' in page.text  # the simulated members are an ensemble: risk across them


def test_a_backtest_page_shows_the_comparison_the_errors_and_the_toktogul_chart(kinds_client, kinds_store) -> None:  # type: ignore[no-untyped-def]
    store_path, ids = kinds_store
    page = kinds_client.get(f"/runs/{ids['backtest']}")
    _clean(page)
    text = page.text
    assert SECTION_TITLE in text
    assert 'id="chart-backtest_toktogul"' in text
    assert "Mean absolute error per group" in text
    table = open_store(store_path).table("backtest_comparison", ids["backtest"])
    assert f"All {len(table)} comparisons" in text
    for source in set(table["source"]):
        assert f"<td>{source}</td>" in text  # every published figure with its source id
    assert "observed" in text and "modelled (end of month)" in text


def test_a_backtest_downloads_as_csv_and_as_its_html_report(kinds_client, kinds_store) -> None:  # type: ignore[no-untyped-def]
    _, ids = kinds_store
    zipped = kinds_client.get(f"/runs/{ids['backtest']}/download/csv")
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    names = {Path(n).name for n in zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()}
    assert {"backtest_comparison.csv", "backtest_storage.csv"} <= names
    report = kinds_client.get(f"/runs/{ids['backtest']}/download/html")
    assert report.status_code == 200
    assert SECTION_TITLE in report.text
