"""``aralnexus policy train`` / ``simulate``: stored cuts and log, resume, ensemble-like members, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from aralnexus.cli.app import app
from aralnexus.errors import InputError
from aralnexus.policy.curves import water_value_curves
from aralnexus.policy.service import train_policy
from aralnexus.policy.store_io import load_info, load_training, write_info
from aralnexus.policy.training import LogRow
from aralnexus.scenario import load_scenario
from aralnexus.store import open_store

pytestmark = pytest.mark.slow  # builds the pathway LP and runs the head iteration

SCENARIO = """\
name: policy-cli-test
horizon: {start: "2030-01", end: "2030-06"}
parameters: {lookahead_months: 2}
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    """A scenario file, a store with a 4-iteration policy, and the train command's JSON."""
    folder = tmp_path_factory.mktemp("policy")
    scenario = folder / "short.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    db = folder / "store.duckdb"
    result = CliRunner().invoke(
        app, ["policy", "train", str(scenario), "--iterations", "4", "--seed", "2", "--store", str(db), "--json"]
    )
    assert result.exit_code == 0, result.output
    return scenario, db, json.loads(result.stdout)


@pytest.fixture(scope="module")
def simulated(trained: tuple[Path, Path, dict[str, object]]) -> dict[str, object]:
    """The simulate command's JSON for 2 members of seed 5 of the trained policy."""
    _, db, data = trained
    code, out = _invoke(
        "policy", "simulate", str(data["run_id"]), "--members", "2", "--seed", "5", "--store", str(db), "--json"
    )
    assert code == 0, out
    result: dict[str, object] = json.loads(out)
    return result


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_train_prints_exactly_the_promised_json_and_stores_cuts_and_log(
    trained: tuple[Path, Path, dict[str, object]],
) -> None:
    scenario, db, data = trained
    assert set(data) == {"run_id", "iterations", "lower_bound", "time_s"}
    assert data["iterations"] == 4
    store = open_store(db)
    run_id = str(data["run_id"])
    assert store.run(run_id)["kind"] == "policy"
    info = load_info(store, run_id)
    assert info["scenario"] == str(scenario.resolve()) and info["staging_key"]
    assert len(load_training(store, run_id, len(info["state_names"])).cuts) > 0  # type: ignore[arg-type]
    log = store.query("SELECT * FROM policy_log WHERE run_id = ? ORDER BY iteration", [run_id])
    assert log["iteration"].tolist() == [1, 2, 3, 4]
    forward = store.query("SELECT * FROM policy_forward_costs WHERE run_id = ? ORDER BY iteration", [run_id])
    assert forward["iteration"].tolist() == [1, 2, 3, 4] and forward["cost_musd"].notna().all()  # in-sample costs
    assert log["lower_bound_musd"].iloc[-1] == pytest.approx(float(data["lower_bound"]))  # type: ignore[arg-type]
    # a policy run states where its start storages come from, as every run does (issue 12 item 5)
    start = store.table("start_storage", run_id)
    assert {"toktogul", "nurek"} <= set(start["plant"]) and start["source"].notna().all()


def test_resume_continues_the_stored_policy(trained: tuple[Path, Path, dict[str, object]]) -> None:
    scenario, db, data = trained
    code, out = _invoke(
        "policy", "train", str(scenario), "--iterations", "2", "--seed", "2", "--resume", "--store", str(db), "--json"
    )
    assert code == 0, out
    again = json.loads(out)
    assert again["run_id"] == data["run_id"] and again["iterations"] == 6
    assert again["lower_bound"] >= data["lower_bound"] - 1e-6  # type: ignore[operator]


def test_simulated_members_are_stored_like_ensemble_members(
    trained: tuple[Path, Path, dict[str, object]], simulated: dict[str, Any]
) -> None:
    _, db, data = trained
    sim = simulated
    assert set(sim) == {"run_id", "members", "cost_mean_musd", "cost_interval_95_musd"}
    low, high = sim["cost_interval_95_musd"]
    assert sim["members"] == 2 and low <= sim["cost_mean_musd"] <= high
    store = open_store(db)
    run = store.run(sim["run_id"])
    assert run["kind"] == "ensemble" and run["status"] == "ok" and str(data["run_id"]) in run["hydrology"]
    members = store.query("SELECT member, status FROM members WHERE run_id = ? ORDER BY member", [sim["run_id"]])
    assert members["member"].tolist() == [0, 1] and set(members["status"]) == {"done"}
    fan = store.query("SELECT DISTINCT plant FROM member_storage WHERE run_id = ?", [sim["run_id"]])
    assert {"toktogul", "nurek"} <= set(fan["plant"])
    assert {"toktogul", "nurek"} <= set(store.table("start_storage", sim["run_id"])["plant"])
    code, out = _invoke("results", "show", sim["run_id"], "--store", str(db))
    assert code == 0, out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--members", "0"], "--members"),
        (["--members", "-3"], "--members"),
        (["--members", "2", "--scheduler", "not an address"], "--scheduler"),
        (["--members", "2", "--workers", "0"], "--workers"),
    ],
)
def test_simulate_refuses_bad_members_with_exit_code_2(
    trained: tuple[Path, Path, dict[str, object]], args: list[str], message: str
) -> None:
    _, db, data = trained
    code, out = _invoke("policy", "simulate", str(data["run_id"]), *args, "--store", str(db))
    assert code == 2 and message in out and "Traceback" not in out


def test_simulating_a_run_that_is_not_a_policy_exits_2(trained: tuple[Path, Path, dict[str, object]]) -> None:
    _, db, data = trained
    code, out = _invoke(
        "policy", "simulate", str(data["run_id"]), "--members", "1", "--seed", "9", "--store", str(db), "--json"
    )
    ensemble_id = json.loads(out)["run_id"]
    code, out = _invoke("policy", "simulate", ensemble_id, "--members", "1", "--store", str(db))
    assert code == 2 and "trained policy" in out


def test_a_scenario_with_other_staging_is_refused(
    trained: tuple[Path, Path, dict[str, object]], tmp_path: Path
) -> None:
    _, db, data = trained
    other = tmp_path / "other.yaml"
    other.write_text(SCENARIO.replace('end: "2030-06"', 'end: "2030-09"'), encoding="utf-8")
    code, out = _invoke(
        "policy", "simulate", str(data["run_id"]), "--members", "1", "--scenario", str(other), "--store", str(db)
    )
    assert code == 2 and "staging" in out


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--time-limit", "0"], "--time-limit"),
        (["--iterations", "0"], "--iterations"),
        (["--workers", "0"], "--workers"),
        (["--scheduler", "not an address"], "--scheduler"),
    ],
)
def test_train_refuses_bad_limits_with_exit_code_2(tmp_path: Path, args: list[str], field: str) -> None:
    code, out = _invoke("policy", "train", "default", *args, "--store", str(tmp_path / "s.duckdb"))
    assert code == 2 and field in out


def test_interrupted_training_keeps_its_cuts_and_resumes(tmp_path: Path) -> None:
    scenario = tmp_path / "short.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    db = open_store(tmp_path / "s.duckdb")
    sc = load_scenario(str(scenario))

    def interrupt(row: LogRow) -> None:
        if row.iteration == 2:
            raise KeyboardInterrupt

    first = train_policy(sc, str(scenario), db, iterations=10, on_round=interrupt)
    assert first.result.stop_reason == "interrupted"
    stored = load_training(db, first.run_id, first.model.problem.n_states)
    assert stored.iterations == 2 and len(stored.cuts) == len(first.result.cuts)
    resumed = train_policy(sc, str(scenario), db, iterations=1, resume=True)
    assert resumed.result.iterations == 3
    assert db.run(first.run_id)["status"] == "ok"


def test_resuming_a_policy_stored_with_another_cut_type_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "short.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    db = open_store(tmp_path / "s.duckdb")
    sc = load_scenario(str(scenario))
    first = train_policy(sc, str(scenario), db, iterations=1)
    assert load_info(db, first.run_id)["cut_type"] == "multi"  # this version's default
    write_info(db, first.run_id, {**load_info(db, first.run_id), "cut_type": "single"})  # as stored before
    with pytest.raises(InputError, match="single cuts"):
        train_policy(sc, str(scenario), db, iterations=1, resume=True)


def test_report_of_a_policy_simulation_has_the_policy_section(
    trained: tuple[Path, Path, dict[str, object]], simulated: dict[str, Any], tmp_path: Path
) -> None:
    _, db, _ = trained
    code, out = _invoke("report", str(simulated["run_id"]), "--store", str(db), "--out", str(tmp_path / "rep"))
    assert code == 0, out
    page = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "Operating policy (SDDP)" in page and "chart-policy_water_values" in page
    assert "No perfect-foresight ensemble" in page  # none stored for this seed: the page says how to get one
    assert (tmp_path / "rep" / "policy_convergence.png").exists()


def test_water_values_never_rise_with_storage(trained: tuple[Path, Path, dict[str, object]]) -> None:
    _, db, data = trained
    store = open_store(db)
    info = load_info(store, str(data["run_id"]))
    cuts = load_training(store, str(data["run_id"]), len(info["state_names"])).cuts  # type: ignore[arg-type]
    curves = water_value_curves(cuts, info)
    assert set(curves["plant"]) == {"toktogul", "kambarata1", "nurek", "rogun"}
    for _, rows in curves.groupby(["plant", "month"]):
        values = rows.sort_values("storage_hm3")["water_value_usd_per_1000m3"].to_numpy()
        assert (np.diff(values) <= 1e-9 * max(1.0, float(np.abs(values).max()))).all()


def test_train_runs_its_passes_on_a_dask_scheduler(tmp_path: Path) -> None:
    import dask
    from distributed import LocalCluster

    from aralnexus.ensemble.dask_config import BATCH_CONFIG

    scenario = tmp_path / "short.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    with (
        dask.config.set(BATCH_CONFIG),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
    ):
        code, out = _invoke(
            "policy", "train", str(scenario), "--iterations", "2", "--scheduler", cluster.scheduler_address,
            "--store", str(tmp_path / "s.duckdb"), "--json",
        )  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["iterations"] == 2  # one round of the cluster's two workers


def test_simulate_runs_its_members_on_a_dask_scheduler(trained: tuple[Path, Path, dict[str, object]]) -> None:
    import dask
    from distributed import LocalCluster

    from aralnexus.ensemble.dask_config import BATCH_CONFIG

    _, db, data = trained
    common = ["policy", "simulate", str(data["run_id"]), "--members", "3", "--seed", "6", "--store", str(db), "--json"]
    with (
        dask.config.set(BATCH_CONFIG),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
    ):
        code, out = _invoke(*common, "--scheduler", cluster.scheduler_address)
    assert code == 0, out
    on_dask = json.loads(out)
    code, out = _invoke(*common, "--workers", "2")  # the same members in the same two chunks, on local processes
    assert code == 0, out
    local = json.loads(out)
    assert on_dask["members"] == local["members"] == 3
    assert on_dask["cost_mean_musd"] == pytest.approx(local["cost_mean_musd"], rel=1e-9)
