from __future__ import annotations

import html
import re
from dataclasses import replace

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from aralnexus.report import ReportFiles
from aralnexus.report.data import load_report_data, winter_deficit
from aralnexus.report.figures import standard_charts
from aralnexus.report.summary import findings, trade_sentence, winter_sentences
from aralnexus.store import Store

CHARTS = ("storage", "generation", "winter_deficit", "casa1000", "trade", "water_values")


def test_report_writes_html_and_a_png_per_chart(report_files: ReportFiles) -> None:
    assert report_files.html.exists()
    assert set(report_files.pngs) == set(CHARTS)
    for path in report_files.pngs.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 5_000


def test_html_is_self_contained_and_has_every_chart(report_html: str) -> None:
    plotly_js = get_plotlyjs()
    assert plotly_js in report_html  # plotly.js is inline …
    page = report_html.replace(plotly_js, "")
    assert not re.findall(r"<script\b[^>]*\bsrc\s*=", page)  # … and nothing is loaded from elsewhere
    assert "cdn.plot.ly" not in page
    assert not re.findall(r"<(?:link|img)\b[^>]*(?:href|src)\s*=\s*[\"']https?:", page)
    assert "Plotly.newPlot" in report_html
    for key in CHARTS:
        assert f'id="chart-{key}"' in report_html


def test_html_states_hydrology_overrides_and_sources(report_html: str) -> None:
    assert "DERIVED" in report_html
    assert "links.casa1000.start" in report_html  # the scenario's override
    assert "XB-001" in report_html  # a source of its data
    assert "assumption" in report_html
    assert "minimum release" in report_html  # what could not be met


def test_findings_are_written_from_the_numbers(stored: tuple[Store, str], report_html: str) -> None:
    store, run_id = stored
    data = load_report_data(store, run_id)
    text = " ".join(findings(data))
    assert "Kyrgyzstan's winter deficit" in text
    assert "CASA-1000 carries" in text
    assert "US$500 million 2030 target" in text
    deficit = winter_deficit(data)
    kg_2025 = deficit[(deficit["country"] == "KG") & (deficit["year"] == 2025)]["value"].iloc[0]
    assert f"{kg_2025:,.2f} TWh" in text
    assert re.search(r"converged in 4 solves", text)
    for sentence in findings(data):
        assert html.escape(sentence) in report_html


def test_a_falling_winter_deficit_is_described_as_falling(stored: tuple[Store, str]) -> None:
    store, run_id = stored
    data = load_report_data(store, run_id)
    metrics = pd.DataFrame(
        {
            "country": ["KG", "KG", "TJ", "TJ"],
            "year": [2025, 2035, 2025, 2035],
            "metric": "winter_deficit_twh",
            "value": [3.0, 1.5, 2.0, 2.01],
            "unit": "TWh",
        }
    )
    sentences = winter_sentences(replace(data, metrics=metrics))
    expected = (
        "Kyrgyzstan's winter deficit falls from 3.00 TWh in winter 2025/26 to 1.50 TWh in winter 2035/36 (-50 %)."
    )
    assert sentences[0] == expected
    assert sentences[1].startswith("Tajikistan's winter deficit stays at about 2.01 TWh")


def test_without_stored_metrics_the_report_shows_no_winter_deficit(stored: tuple[Store, str]) -> None:
    """The report reads the stored metric; it never recomputes the winter deficit another way."""
    store, run_id = stored
    data = replace(
        load_report_data(store, run_id), metrics=pd.DataFrame(columns=["country", "year", "metric", "value", "unit"])
    )
    assert winter_deficit(data).empty
    assert all(c.key != "winter_deficit" for c in standard_charts(data))
    assert winter_sentences(data) == []


def test_headline_sentences_read_the_stored_metrics(stored: tuple[Store, str]) -> None:
    store, run_id = stored
    data = load_report_data(store, run_id)
    text = " ".join(findings(data))
    assert re.search(r"Toktogul holds [\d,]+–[\d,]+ hm3 \(\d+–\d+ % of its usable volume", text)
    assert "-" not in re.findall(r"\(([-\d]+)–", text)[0]
    assert "Water spilled past the last plant of each river: Naryn" in text
    assert "is the welfare the optimiser maximises" in text


def test_charts_have_data_for_every_reservoir_and_country(stored: tuple[Store, str]) -> None:
    store, run_id = stored
    charts = {c.key: c for c in standard_charts(load_report_data(store, run_id))}
    assert charts["storage"].panels == ("Nurek", "Rogun", "Toktogul")
    assert charts["generation"].panels == ("Kyrgyzstan", "Tajikistan")
    casa = charts["casa1000"].traces[0]
    assert sum(casa.y) == pytest.approx(6.238, rel=1e-3)


def test_small_pondages_are_left_out_of_the_storage_chart() -> None:
    from aralnexus.report.data import seasonal_reservoirs
    from aralnexus.report.figures import storage_chart

    rows = [("big", 5000.0, 19000.0), ("mid", 500.0, 3500.0), ("pond", 10.0, 40.0)]
    frame = pd.DataFrame(
        [(pd.Timestamp("2025-01-01"), 2025, 1, p, lo + 1, lo, hi, 800.0, 1.0, 20.0) for p, lo, hi in rows],
        columns=[
            "time",
            "year",
            "month",
            "plant",
            "storage_hm3",
            "storage_min_hm3",
            "storage_max_hm3",
            "level_m",
            "water_value_usd_per_1000m3",
            "water_value_usd_per_mwh",
        ],
    )
    assert seasonal_reservoirs(frame) == ["big", "mid"]
    chart = storage_chart(frame)
    assert chart.panels == ("Big", "Mid")
    assert "Pond" in chart.caption


def test_storage_chart_draws_each_level_within_its_bounds(stored: tuple[Store, str], report_html: str) -> None:
    from aralnexus.report.charts import to_plotly

    store, run_id = stored
    data = load_report_data(store, run_id)
    chart = next(c for c in standard_charts(data) if c.key == "storage")
    bands = [t for t in chart.traces if t.kind == "band" and t.name == "level bounds"]
    assert len(bands) == len(chart.panels) == 3  # one level band per reservoir …
    for band, plant in zip(bands, ("nurek", "rogun", "toktogul"), strict=True):
        r = data.reservoirs[data.reservoirs["plant"] == plant].sort_values("time")
        assert band.secondary  # … on the level axis
        assert list(band.y_low) == pytest.approx(list(r["level_min_m"]))
        assert list(band.y) == pytest.approx(list(r["level_max_m"]))
        assert (r["level_m"] >= r["level_min_m"]).all() and (r["level_m"] <= r["level_max_m"]).all()
    assert "minimum operating and full supply levels" in chart.caption
    fig = to_plotly(chart)
    level_axes = {tr.yaxis for tr in fig.data if tr.name == "level bounds"}
    storage_axes = {tr.yaxis for tr in fig.data if tr.name == "storage"}
    assert level_axes and not level_axes & storage_axes  # a right axis of its own, not the storage one
    assert fig.layout.yaxis2.rangemode != "tozero"  # levels are hundreds of metres a.s.l.: no zero-based axis
    assert "level bounds" in report_html


def test_without_level_bounds_the_level_is_drawn_without_a_band(stored: tuple[Store, str]) -> None:
    store, run_id = stored
    data = load_report_data(store, run_id)
    older = data.reservoirs.drop(columns=["level_min_m", "level_max_m"])  # a run stored before schema 2
    from aralnexus.report.figures import storage_chart

    chart = storage_chart(older)
    assert not [t for t in chart.traces if t.name == "level bounds"]
    assert [t for t in chart.traces if t.name == "level"]
    nulls = data.reservoirs.assign(level_min_m=float("nan"), level_max_m=float("nan"))  # … or upgraded (NULL)
    assert not [t for t in storage_chart(nulls).traces if t.name == "level bounds"]


def test_trade_sentence_speaks_of_the_runs_last_year_when_it_ends_before_the_target_year(
    stored: tuple[Store, str],
) -> None:
    store, run_id = stored
    data = load_report_data(store, run_id)  # horizon 2025-01 – 2026-12, trade projected to 2030
    assert data.definitions.trade_target_year == 2030
    assert int(data.trade["year"].max()) == 2030
    sentence = trade_sentence(data)
    assert "reaches" in sentence and "in 2026" in sentence
    assert "in 2030" not in sentence
    assert "after the run ends" in sentence


def test_trade_sentence_holds_the_target_year_against_the_target_when_the_run_covers_it(
    stored: tuple[Store, str],
) -> None:
    store, run_id = stored
    data = load_report_data(store, run_id)
    covering = replace(data, run={**data.run, "horizon_end": "2030-12"})
    turnover_2030 = float(data.trade.loc[data.trade["year"] == 2030, "value_musd"].sum())
    sentence = trade_sentence(covering)
    assert f"US${turnover_2030:,.0f} million in 2030" in sentence
    assert "% of the US$500 million 2030 target" in sentence
