"""The report of an ensemble run: a "Risk across members" section with charts, PNGs and probabilities in words."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from aralnexus.cli.app import app
from aralnexus.ensemble.tables import ensure_ensemble_schema, save_member_storage
from aralnexus.report import ReportFiles
from aralnexus.report.data import load_report_data
from aralnexus.report.ensemble import load_ensemble_risk
from aralnexus.report.risk_charts import risk_charts, risk_figures
from aralnexus.report.risk_summary import members_sentence, probability_table, risk_findings
from aralnexus.report.summary import findings
from aralnexus.store import RunRecord, Store, open_store

RISK_CHARTS = ("risk-storage-fan", "risk-winter-deficit", "risk-exports", "risk-revenue", "risk-trade-target")

# -- a tiny hand-made ensemble: exact probabilities ------------------------------------------
DEFICIT = {0: (0.5, 1.5, 0.0, 0.2), 1: (0.2, 0.4, 2.0, 0.1), 2: (1.2, 0.9, 0.0, 0.0), 3: (0.0, 0.0, 0.3, 0.3)}
TRADE_2030 = {0: 450.0, 1: 510.0, 2: 520.0, 3: 499.0}


def _metrics(member: int, *, trade: bool = True, winters: bool = True) -> pd.DataFrame:
    kg25, kg26, tj25, tj26 = DEFICIT[member]
    rows = [
        ("KG", 2025, "exports_twh", 1.0 + member, "TWh"),
        ("KG", 2025, "export_revenue_musd", 50.0 * (1 + member), "US$ million"),
        ("TJ", 2025, "exports_twh", 2.0, "TWh"),
    ]
    if winters:
        rows += [
            ("KG", 2025, "winter_deficit_twh", kg25, "TWh"),
            ("KG", 2026, "winter_deficit_twh", kg26, "TWh"),
            ("TJ", 2025, "winter_deficit_twh", tj25, "TWh"),
            ("TJ", 2026, "winter_deficit_twh", tj26, "TWh"),
        ]
    if trade:
        rows.append(("KG-TJ", 2030, "trade_turnover_musd", TRADE_2030[member], "US$ million"))
    return pd.DataFrame(rows, columns=["country", "year", "metric", "value", "unit"])


def _tiny(path: Path, *, trade: bool = True, winters: bool = True) -> tuple[Store, str]:
    store = open_store(path)
    record = RunRecord(
        "tiny", "hash", "default", 1, "synthetic ensemble", "2025-01", "2030-12", kind="ensemble", n_members=6
    )
    run = store.start_run(record)
    ensure_ensemble_schema(store)
    for member in DEFICIT:
        storage = pd.DataFrame(
            {
                "plant": ["nurek", "nurek", "kambarata1", "kambarata1"],
                "time": pd.to_datetime(["2025-01-01", "2025-02-01"] * 2),
                "storage_hm3": [1000.0 + member, 2000.0 + 10 * member, 0.0, 0.0],
            }
        )
        save_member_storage(store, run, member, storage)
        store.save_member(run, member, {}, metrics=_metrics(member, trade=trade, winters=winters))
    store.save_member(run, 4, {}, metrics=_metrics(0).assign(value=99.0), status="failed")
    store.save_member(run, 5, {}, status="infeasible")
    store.finish_run(run, "ok")
    return store, run


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Store, str]:
    return _tiny(tmp_path / "tiny.duckdb")


def test_findings_state_each_probability_with_its_member_count(tiny: tuple[Store, str]) -> None:
    store, run_id = tiny
    text = " ".join(findings(load_report_data(store, run_id)))
    assert "Ensemble run" in text
    assert "count 4 finished members of the 6 planned; 1 infeasible and 1 failed members are not counted" in text
    # KG exceeds 1 TWh in some winter in members 0 and 2, TJ in member 1 only; the failed member's 99s do not count
    assert "Kyrgyzstan's winter deficit exceeds 1 TWh in at least one winter is 50 % (2 of 4 members)" in text
    assert "Tajikistan's winter deficit exceeds 1 TWh in at least one winter is 25 % (1 of 4 members)" in text
    assert "in each of its 2 winters it is 25 %" in text  # KG: 1.2 in 2025, 1.5 in 2026
    assert "ranges from 0 % (winter 2026/27) to 25 % (winter 2025/26)" in text  # TJ
    assert "reaches the US$500 million target in 2030 is 50 % (2 of 4 members)" in text  # 510 and 520
    assert "Kyrgyzstan 1.30 / 2.50 / 3.70 TWh earning US$65 / 125 / 185 million" in text  # 1..4 TWh, P10/50/90
    assert "Nurek 1,000 hm3 (January 2025)" in text  # lowest P10; Kambarata1 never stores water
    assert "Kambarata1" not in text
    # an ensemble stores no single dispatch, so nothing is said about one
    for absent in ("All demand is served", "CASA-1000 carries", "Every constraint is met"):
        assert absent not in text


def test_a_higher_threshold_lowers_the_probabilities(tiny: tuple[Store, str]) -> None:
    store, run_id = tiny
    table = probability_table(load_ensemble_risk(store, run_id, threshold_twh=0.25)).set_index(["figure", "country"])
    assert table.loc[("P(winter deficit > 0.25 TWh in at least one winter)", "Tajikistan"), "probability"] == 0.5
    assert table.loc[("P(winter deficit > 0.25 TWh in at least one winter)", "Tajikistan"), "members"] == 4


def test_risk_charts_draw_the_stored_quantiles(tiny: tuple[Store, str]) -> None:
    store, run_id = tiny
    risk = load_ensemble_risk(store, run_id)
    charts = {c.key: c for c in risk_charts(risk)}
    assert list(charts) == list(RISK_CHARTS)
    fan = charts["risk-storage-fan"]
    assert fan.panels == ("Nurek",)  # a reservoir that never stores water is left out …
    assert "Kambarata1" in fan.caption  # … and named
    band = next(t for t in fan.traces if t.kind == "band")
    nurek = risk.storage[risk.storage["plant"] == "nurek"].sort_values("time")
    assert list(band.y) == pytest.approx(list(nurek["p90_hm3"]))
    assert list(band.y_low) == pytest.approx(list(nurek["p10_hm3"]))
    bars = {t.name: list(t.y) for t in charts["risk-winter-deficit"].traces}
    assert bars["Kyrgyzstan"] == pytest.approx([0.25, 0.25])
    assert charts["risk-winter-deficit"].y_range == (0.0, 1.0)
    curve = charts["risk-trade-target"].traces[0]
    at_target = [p for v, p in zip(curve.x, curve.y, strict=True) if v >= 500.0]
    assert max(at_target) == pytest.approx(0.5)  # the curve read at the target is P(reach)
    assert "50 %" in charts["risk-trade-target"].caption
    figures = risk_figures(store, run_id)  # the same charts as plotly figures, outside the report
    assert list(figures) == list(RISK_CHARTS)


def test_without_2030_or_a_complete_winter_the_report_says_why(tmp_path: Path) -> None:
    store, run_id = _tiny(tmp_path / "short.duckdb", trade=False, winters=False)
    risk = load_ensemble_risk(store, run_id)
    text = " ".join(risk_findings(risk))
    assert "2030 lies outside the horizon" in text
    assert "No complete winter (October–March) lies in the horizon" in text
    keys = [c.key for c in risk_charts(risk)]
    assert "risk-trade-target" not in keys
    assert "risk-winter-deficit" not in keys


def test_unfinished_members_are_named_in_the_member_sentence(tmp_path: Path) -> None:
    store, run_id = _tiny(tmp_path / "t.duckdb")
    with store._write() as con:
        con.execute("UPDATE runs SET n_members = 10 WHERE run_id = ?", [run_id])
    sentence = members_sentence(load_ensemble_risk(store, run_id))
    assert "4 finished members of the 10 planned" in sentence
    assert "1 infeasible and 1 failed and 4 unfinished members are not counted" in sentence


# -- a small real ensemble: the whole report -------------------------------------------------
def test_ensemble_report_has_a_risk_section_with_every_chart_and_png(
    ensemble_stored: tuple[Store, str], ensemble_report_files: ReportFiles, ensemble_report_html: str
) -> None:
    store, run_id = ensemble_stored
    n = int(store.run(run_id)["n_members"])
    page = ensemble_report_html
    assert '<section id="risk"><h2>Risk across members</h2>' in page
    assert '<a href="#risk">Risk across members</a>' in page
    risk_part = page[page.index('<section id="risk">') : page.index('<section id="assumptions">')]
    for key in RISK_CHARTS:
        assert f'id="chart-{key}"' in risk_part, key
        assert ensemble_report_files.pngs[key].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(ensemble_report_files.pngs) == set(RISK_CHARTS)  # no single-dispatch charts for an ensemble
    assert "Headline numbers" not in page
    assert f"{n} of {n} members finished" in page


def test_ensemble_report_states_the_probabilities_the_store_holds(
    ensemble_stored: tuple[Store, str], ensemble_report_html: str
) -> None:
    store, run_id = ensemble_stored
    n = int(store.run(run_id)["n_members"])
    trade = store.query("SELECT p_reach, members FROM risk_trade_target WHERE run_id = ?", [run_id]).iloc[0]
    assert int(trade["members"]) == n
    k = round(float(trade["p_reach"]) * n)
    expected = f"reaches the US$500 million target in 2030 is {100 * k / n:.0f} % ({k} of {n} members)"
    text = " ".join(findings(load_report_data(store, run_id)))
    assert expected in text
    winter = store.query(
        "SELECT country, p_exceed_any_year FROM risk_winter_deficit_any WHERE run_id = ? ORDER BY country", [run_id]
    )
    assert list(winter["country"]) == ["KG", "TJ"]
    for row in winter.itertuples():
        k = round(float(row.p_exceed_any_year) * n)
        assert f"in at least one winter is {100 * k / n:.0f} % ({k} of {n} members)" in text
    assert "P10 / P50 / P90" in text
    for paragraph in findings(load_report_data(store, run_id)):
        assert html.escape(paragraph) in ensemble_report_html


def test_report_command_takes_the_winter_deficit_threshold(ensemble_stored: tuple[Store, str], tmp_path: Path) -> None:
    store, run_id = ensemble_stored
    args = ["report", run_id[:6], "--out", str(tmp_path), "--no-png", "--json", "--threshold-twh", "25"]
    result = CliRunner().invoke(app, [*args, "--store", str(store.path)])
    assert result.exit_code == 0, result.stderr
    page = Path(json.loads(result.stdout)["html"]).read_text(encoding="utf-8")
    n = int(store.run(run_id)["n_members"])
    assert f"exceeds 25 TWh in at least one winter is 0 % (0 of {n} members)" in html.unescape(page)
    assert re.search(r'id="chart-risk-winter-deficit"', page)
