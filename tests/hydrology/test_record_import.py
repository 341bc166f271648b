"""Importing observed records: clear errors for bad files; a good record drives every statistic."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydrology_support import make_scenario

from aralnexus.cli import common
from aralnexus.cli.app import app
from aralnexus.data.dataset import Dataset
from aralnexus.errors import InputError
from aralnexus.hydrology import build_inflow_model, load_record, make_inflows, read_record_csv, write_record
from aralnexus.hydrology.inflows import InflowModel, synthetic_components


def _record_frame(model: InflowModel, years: int = 30, first: int = 1990) -> pd.DataFrame:
    flows = synthetic_components(model, years, 99, [0])[0]  # (year, 12, component)
    dates = pd.date_range(f"{first}-01-01", periods=years * 12, freq="MS").strftime("%Y-%m")
    parts = [
        pd.DataFrame({"site": name, "date": dates, "discharge_m3s": flows[:, :, k].ravel().round(2)})
        for k, name in enumerate(model.layout.components)
    ]
    return pd.concat(parts, ignore_index=True)


def _write(frame: pd.DataFrame, tmp_path: Path, name: str = "record.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _problems(path: Path, dataset: Dataset) -> str:
    with pytest.raises(InputError) as info:
        read_record_csv(path, dataset)
    return str(info.value)


def test_a_valid_record_round_trips_through_parquet(model: InflowModel, dataset: Dataset, tmp_path: Path) -> None:
    frame = _record_frame(model)
    table = read_record_csv(_write(frame, tmp_path), dataset)
    write_record(table, tmp_path / "record.parquet", "record.csv")
    back = load_record(tmp_path / "record.parquet", dataset)
    pd.testing.assert_frame_equal(table, back)
    assert set(back.columns) == {"site", "date", "discharge_m3s"}


def test_a_record_is_fitted_and_replayed(model: InflowModel, dataset: Dataset, tmp_path: Path) -> None:
    frame = _record_frame(model)
    path = _write(frame, tmp_path)
    fitted = build_inflow_model(dataset, str(path))
    assert fitted.label.startswith("record record.csv (1990–2019")
    observed = frame[frame["site"] == "toktogul_inflow"]["discharge_m3s"].to_numpy().reshape(30, 12)
    k = fitted.layout.components.index("toktogul_inflow")
    np.testing.assert_allclose(fitted.targets.mean_m3s[:, k], observed.mean(axis=0))
    scenario = make_scenario(dataset, kind="record", record_file=str(path))
    inflows = make_inflows(scenario, "2025-01", "2026-12")
    assert inflows.attrs["label"].startswith("record")
    toktogul = inflows.sel(site=["kambarata1_headwater", "toktogul_lateral"]).sum("site").to_numpy()
    np.testing.assert_allclose(toktogul[:12], observed[0], rtol=1e-9)  # first horizon year = first record year
    np.testing.assert_allclose(toktogul[12:], observed[1], rtol=1e-9)


def test_a_gap_is_reported_with_the_missing_months(model: InflowModel, dataset: Dataset, tmp_path: Path) -> None:
    frame = _record_frame(model)
    frame = frame.drop(index=[5, 6])
    text = _problems(_write(frame, tmp_path), dataset)
    assert (
        "record.csv: date (toktogul_inflow): expected consecutive months without gaps, found missing 1990-06, 1990-07"
        in text
    )


def test_an_empty_discharge_is_a_gap(model: InflowModel, dataset: Dataset, tmp_path: Path) -> None:
    frame = _record_frame(model).astype({"discharge_m3s": object})
    frame.loc[3, "discharge_m3s"] = ""
    assert "discharge_m3s (row 5): expected a discharge for every month (no gaps), found an empty value" in _problems(
        _write(frame, tmp_path), dataset
    )


def test_a_negative_discharge_is_reported_with_its_row(model: InflowModel, dataset: Dataset, tmp_path: Path) -> None:
    frame = _record_frame(model)
    frame.loc[10, "discharge_m3s"] = -5.0
    assert "record.csv: discharge_m3s (row 12): expected a discharge ≥ 0 m3/s, found -5.0" in _problems(
        _write(frame, tmp_path), dataset
    )


def test_an_unknown_site_is_reported_with_a_suggestion(model: InflowModel, dataset: Dataset, tmp_path: Path) -> None:
    frame = _record_frame(model)
    frame.loc[frame["site"] == "nurek_inflow", "site"] = "nurek_inflw"
    text = _problems(_write(frame, tmp_path), dataset)
    assert "expected an inflow site or base series" in text
    assert "found 'nurek_inflw' (did you mean 'nurek_inflow'?)" in text


def test_a_discharge_column_in_litres_per_second_is_refused(
    model: InflowModel, dataset: Dataset, tmp_path: Path
) -> None:
    frame = _record_frame(model).rename(columns={"discharge_m3s": "discharge_l_s"})
    text = _problems(_write(frame, tmp_path), dataset)
    assert (
        "discharge_l_s: expected discharge in m3/s (column 'discharge_m3s'), "
        "found a column 'discharge_l_s' in other units" in text
    )


def test_a_unit_column_saying_litres_per_second_is_refused(
    model: InflowModel, dataset: Dataset, tmp_path: Path
) -> None:
    frame = _record_frame(model).rename(columns={"discharge_m3s": "discharge"})
    frame["unit"] = "m3/s"
    frame.loc[2, "unit"] = "l/s"
    text = _problems(_write(frame, tmp_path), dataset)
    assert "unit (row 4): expected m3/s, found 'l/s' (convert the discharge to m3/s (l/s ÷ 1000))" in text


def test_a_duplicate_month_is_reported(model: InflowModel, dataset: Dataset, tmp_path: Path) -> None:
    frame = _record_frame(model)
    frame = pd.concat([frame, frame.iloc[[7]]], ignore_index=True)
    text = _problems(_write(frame, tmp_path), dataset)
    assert "expected one value per site and month for toktogul_inflow, found 2 rows for 1990-08" in text


def test_import_command_writes_parquet_and_prints_the_scenario_line(
    model: InflowModel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cli_on_fixture: None,
) -> None:
    path = _write(_record_frame(model), tmp_path)
    monkeypatch.setattr(sys, "argv", ["aralnexus", "hydrology", "import", str(path)])
    assert common.run_app(app) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "record.parquet").exists()
    assert f"hydrology: {{kind: record, record_file: {tmp_path / 'record.parquet'}}}" in out


def test_import_command_exits_2_on_bad_input(
    model: InflowModel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cli_on_fixture: None,
) -> None:
    frame = _record_frame(model)
    frame.loc[0, "discharge_m3s"] = -1.0
    path = _write(frame, tmp_path)
    monkeypatch.setattr(sys, "argv", ["aralnexus", "hydrology", "import", str(path)])
    assert common.run_app(app) == 2
    assert "expected a discharge ≥ 0 m3/s" in capsys.readouterr().err


def test_a_dry_year_is_fitted_from_the_record_when_one_is_given(
    model: InflowModel, dataset: Dataset, tmp_path: Path
) -> None:
    # Twice the flows of the fixture's record → the dry year fitted from it is about twice as large
    # as the dry year of the derived climatology.
    frame = _record_frame(model)
    frame["discharge_m3s"] *= 2.0
    path = _write(frame, tmp_path)
    from_record = make_inflows(make_scenario(dataset, kind="dry", record_file=str(path)), "2025-01", "2025-12")
    derived = make_inflows(make_scenario(dataset, kind="dry"), "2025-01", "2025-12")
    ratio = float(from_record.sum()) / float(derived.sum())
    assert 1.6 < ratio < 2.4
