"""``aralnexus run`` and ``compare`` on the synthetic system (fake optimiser), and run_pathway wiring."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import synthetic
from typer.testing import CliRunner

from aralnexus.cli import compare_cmd, run_cmd
from aralnexus.cli.app import app
from aralnexus.pathways import compare_pathways, horizon_totals, pathway_summary, run_pathway
from aralnexus.pathways import runner as runner_mod


def _fake_run(scenario="default", **kwargs):
    kwargs.pop("optimiser", None)
    kwargs.pop("inflow_maker", None)
    return run_pathway(
        synthetic.make_scenario(),
        **{k: v for k, v in kwargs.items() if k not in {"start", "end", "hydrology"}},
        optimiser=synthetic.fake_optimiser,
        inflow_maker=synthetic.fake_inflows,
    )


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setattr(run_cmd, "run_pathway", _fake_run)
    monkeypatch.setattr(compare_cmd, "run_pathway", _fake_run)
    monkeypatch.setattr(compare_cmd, "prepare_scenario", lambda scenario, *args: scenario)


def test_run_pathway_returns_metrics_trade_and_timings():
    result = _fake_run()
    assert result.years == [2025, 2026]
    assert {"inflows", "optimise", "metrics", "total"} <= set(result.timings)
    assert result.metric("KG", "winter_deficit_twh")[2025] == pytest.approx(1.8)
    # storage criterion: KG reservoirs 97 % full at end of September, winter deficit 1.8 TWh → competes
    casa = result.casa.set_index(["country", "year"])
    assert casa.loc[("KG", 2025), "verdict"] == "competes_with_winter"
    assert casa.loc[("KG", 2025), "at_risk_twh"] == pytest.approx(1.0)
    # TJ reservoirs full at the end of September: the exports were true surplus
    assert casa.loc[("TJ", 2025), "verdict"] == "surplus"


def test_summary_has_the_documented_json_keys():
    summary = pathway_summary(_fake_run(), run_id="abc", store="/tmp/x.duckdb", elapsed_s=1.0)
    keys = ("run_id", "scenario", "hydrology", "years", "countries", "trade_turnover_musd", "trade_target_2030_musd")
    for key in keys:
        assert key in summary
    kg = summary["countries"]["KG"]["2025"]
    for key in ("winter_deficit_twh", "unserved_twh", "exports_twh", "export_revenue_musd"):
        assert key in kg
    assert kg["export_revenue_musd"] == pytest.approx(59.0)
    assert summary["countries"]["KG"]["2026"]["winter_deficit_twh"] is None  # winter 2026/27 incomplete
    assert summary["trade_target_2030_musd"] == 500.0
    assert summary["report_command"] == "aralnexus report abc"
    json.dumps(summary)  # JSON-safe


def test_parse_hydrology_accepts_members_and_rejects_unknown_kinds():
    from aralnexus.errors import InputError

    assert runner_mod.parse_hydrology("dry").kind == "dry"
    spec = runner_mod.parse_hydrology("synthetic:3")
    assert (spec.kind, spec.member) == ("synthetic", 3)
    with pytest.raises(InputError):
        runner_mod.parse_hydrology("soggy")


def test_run_command_prints_json(fake, tmp_path):
    out = CliRunner().invoke(app, ["run", "--json", "--store", str(tmp_path / "s.duckdb")])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["run_id"] and data["store"].endswith("s.duckdb")
    assert data["countries"]["TJ"]["2025"]["export_revenue_musd"] == pytest.approx(110.25)
    assert data["trade_turnover_musd"]["2025"] == pytest.approx(33.4)


def test_run_command_prints_tables_and_where_the_results_are(fake, tmp_path):
    args = ["run", "default", "--store", str(tmp_path / "s.duckdb"), "--out", str(tmp_path / "o")]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    assert "energy security" in out.output and "export revenue" in out.output
    words = " ".join(out.output.split())  # sentences wrap at the terminal's width
    assert "out of reach" in words
    assert "aralnexus report" in words and "Done in" in words
    assert (tmp_path / "o" / "summary.json").exists() and (tmp_path / "o" / "metrics.csv").exists()


def test_compare_shows_a_b_and_difference(fake):
    out = CliRunner().invoke(app, ["compare", "a.yaml", "b.yaml", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    row = next(r for r in data["totals"] if r["metric"] == "winter_deficit_twh" and r["country"] == "KG")
    assert row["a"] == pytest.approx(1.8) and row["diff"] == pytest.approx(0.0)
    assert any(r["metric"] == "trade_turnover_musd" for r in data["per_year"])


def test_horizon_totals_sum_flows_and_average_levels():
    a = _fake_run()
    per_year = compare_pathways(a, a)
    totals = horizon_totals(per_year).set_index(["metric", "country"])
    assert totals.loc[("exports_twh", "KG"), "a"] == pytest.approx(2 * 1.3)
    assert totals.loc[("exports_twh", "KG"), "aggregate"] == "sum"
    assert totals.loc[("reserve_margin_pct", "TJ"), "aggregate"] == "mean"


def test_horizon_totals_use_each_metrics_declared_aggregation_not_its_unit():
    rows = [
        # (metric, unit, a by year, b by year): MW peaks combine by max, % by mean, TWh by sum
        ("peak_demand_mw", "MW", [3000.0, 3600.0], [3100.0, 3300.0]),
        ("reserve_margin_pct", "%", [10.0, 20.0], [30.0, 30.0]),
        ("winter_deficit_twh", "TWh", [1.0, 2.0], [0.5, 0.5]),
        ("storage_end_sep_hm3", "hm3", [100.0, 300.0], [200.0, 200.0]),
    ]
    per_year = pd.DataFrame(
        [
            {"country": "KG", "year": 2030 + i, "metric": m, "unit": u, "a": a[i], "b": b[i], "diff": b[i] - a[i]}
            for m, u, a, b in rows
            for i in range(2)
        ]
    )
    totals = horizon_totals(per_year).set_index("metric")
    assert totals.loc["peak_demand_mw", "aggregate"] == "max"
    assert totals.loc["peak_demand_mw", "a"] == pytest.approx(3600.0)  # by unit it was the mean, 3300
    assert totals.loc["peak_demand_mw", "diff"] == pytest.approx(3300.0 - 3600.0)
    assert totals.loc["reserve_margin_pct", ["a", "aggregate"]].tolist() == [pytest.approx(15.0), "mean"]
    assert totals.loc["winter_deficit_twh", ["b", "aggregate"]].tolist() == [pytest.approx(1.0), "sum"]
    assert totals.loc["storage_end_sep_hm3", ["a", "aggregate"]].tolist() == [pytest.approx(200.0), "mean"]


def test_horizon_totals_refuse_a_metric_without_a_declaration():
    per_year = pd.DataFrame(
        [{"country": "KG", "year": 2030, "metric": "made_up_twh", "unit": "TWh", "a": 1.0, "b": 2.0}]
    )
    with pytest.raises(KeyError, match="not declared"):
        horizon_totals(per_year)


def test_run_command_prints_russian_tables_and_sentences(fake, tmp_path):
    args = ["run", "default", "--store", str(tmp_path / "s.duckdb"), "--lang", "ru"]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "энергетическая безопасность" in text and "Экспорт (ТВт·ч)" in text
    assert "Товарооборот КР–РТ" in text and "1 решение ЛП" in text
    assert "недостижимы" in text  # the trade statement, in Russian
    assert "Готово за" in text and "energy security" not in text and "out of reach" not in text
