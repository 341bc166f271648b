from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from aralnexus.cli import results_cmd
from aralnexus.results import Results
from aralnexus.store import RunRecord, Store

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    cli = typer.Typer()

    @cli.callback()
    def main() -> None:
        """Test app."""

    results_cmd.register(cli)
    return cli


@pytest.fixture
def two_runs(store: Store, record: RunRecord, results: Results, metrics, trade) -> tuple[str, str]:
    a = store.save_run(record, results, metrics, trade)
    b = store.save_run(replace(record, seed=7), results, metrics, trade)
    return a, b


def _run(app: typer.Typer, store: Store, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["results", *args, "--store", str(store.path)])
    return result.exit_code, result.stdout, result.stderr


def test_results_list_json_lists_every_run(app: typer.Typer, store: Store, two_runs: tuple[str, str]) -> None:
    code, out, _ = _run(app, store, "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["run_id"] for r in rows} == set(two_runs)
    assert all(r["status"] == "ok" for r in rows)


def test_results_list_reads_the_store_from_the_environment(
    app: typer.Typer, store: Store, two_runs: tuple[str, str]
) -> None:
    result = runner.invoke(app, ["results", "list", "--json"], env={"ARALNEXUS_STORE": str(store.path)})
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 2


def test_results_show_json_has_the_record_and_headline_numbers(
    app: typer.Typer, store: Store, two_runs: tuple[str, str]
) -> None:
    code, out, _ = _run(app, store, "show", two_runs[0][:6], "--json")
    assert code == 0
    data = json.loads(out)
    assert data["run"]["run_id"] == two_runs[0]
    figures = {f["figure"]: f["value"] for f in data["figures"]}
    assert figures["CASA-1000 exports"] > 0


def test_results_show_a_table(app: typer.Typer, store: Store, two_runs: tuple[str, str]) -> None:
    code, out, _ = _run(app, store, "show", two_runs[0], "--table", "metrics", "--limit", "0", "--json")
    assert code == 0
    assert {"country", "year", "metric", "value", "unit"} <= set(json.loads(out)[0])


def test_results_compare_json(app: typer.Typer, store: Store, two_runs: tuple[str, str]) -> None:
    code, out, _ = _run(app, store, "compare", *two_runs, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["runs"] == list(two_runs)
    assert all("difference" in row for row in data["figures"])


def test_results_query_json(app: typer.Typer, store: Store, two_runs: tuple[str, str]) -> None:
    sql = "SELECT run_id, sum(energy_mwh) / 1e6 AS twh FROM plants GROUP BY run_id ORDER BY run_id"
    code, out, _ = _run(app, store, "query", sql, "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["run_id"] for r in rows] == sorted(two_runs)
    assert rows[0]["twh"] > 0


def test_unknown_run_exits_2_with_a_clear_message(app: typer.Typer, store: Store, two_runs: tuple[str, str]) -> None:
    code, out, err = _run(app, store, "show", "nosuchrun")
    assert code == 2
    assert "nosuchrun" in err
    assert "results list" in err
    assert out == ""


@pytest.mark.parametrize("sql", ["SELEC 1", "SELECT * FROM nope", "DROP TABLE runs"])
def test_bad_sql_exits_2(app: typer.Typer, store: Store, two_runs: tuple[str, str], sql: str) -> None:
    code, _, err = _run(app, store, "query", sql)
    assert code == 2
    assert "read-only DuckDB query" in err


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_results_export_writes_one_file_per_table(
    app: typer.Typer, store: Store, two_runs: tuple[str, str], tmp_path: Path, fmt: str
) -> None:
    code, out, _ = _run(app, store, "export", two_runs[0], "--format", fmt, "--out", str(tmp_path), "--json")
    assert code == 0
    files = [Path(f) for f in json.loads(out)["files"]]
    assert all(f.exists() and f.suffix == f".{fmt}" for f in files)
    assert "plants" in {f.stem for f in files}


def test_human_output_is_a_table(app: typer.Typer, store: Store, two_runs: tuple[str, str]) -> None:
    code, out, _ = _run(app, store, "list")
    assert code == 0
    assert two_runs[0] in out


def test_every_command_has_help_with_examples(app: typer.Typer) -> None:
    for command in ("list", "show", "compare", "query", "export"):
        result = runner.invoke(app, ["results", command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.stdout
        assert "--store" in result.stdout


def test_show_summarises_ensemble_members(app: typer.Typer, store: Store, record: RunRecord, results: Results) -> None:
    from aralnexus.testing.sample import sample_summary

    run_id = store.start_run(replace(record, kind="ensemble", n_members=3))
    for member in range(3):
        store.save_member(run_id, member, sample_summary(results))
    code, out, _ = _run(app, store, "show", run_id, "--json")
    assert code == 0
    assert json.loads(out)["members"] == [{**json.loads(out)["members"][0], "status": "done", "members": 3}]


def test_a_file_that_is_not_a_store_is_bad_input(app: typer.Typer, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("not a database")
    result = runner.invoke(app, ["results", "list", "--store", str(bogus)])
    assert result.exit_code == 2
    assert "aralnexus store" in result.stderr
