"""Hostile corpus: inflow records given to ``hydrology import``, samples to ``hydrology stats``,
records named by a scenario; and ``import --out`` never overwrites an input or an existing file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hostile_support import Cli, assert_refused

pytestmark = pytest.mark.hostile

Maker = Callable[[Path], Path]
SITE = "toktogul_inflow"


def _record(years: int = 6, site: str = SITE) -> pd.DataFrame:
    months = pd.date_range("1990-01-01", periods=12 * years, freq="MS")
    flows = 400.0 + 300.0 * np.sin(np.arange(len(months)) * np.pi / 6)
    return pd.DataFrame({"site": site, "date": months.strftime("%Y-%m"), "discharge_m3s": flows.round(1)})


def _csv(name: str, frame: pd.DataFrame | None = None, *, encoding: str = "utf-8") -> Maker:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes((frame if frame is not None else _record()).to_csv(index=False).encode(encoding))
        return path

    return make


def _raw(name: str, data: bytes) -> Maker:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def _with(**values: object) -> pd.DataFrame:
    frame = _record()
    for column, value in values.items():
        frame[column] = frame[column].astype(object)
        frame.loc[3, column] = value
    return frame


def _daily(folder: Path) -> Path:
    days = pd.date_range("1990-01-01", "1996-12-31", freq="D")
    frame = pd.DataFrame({"site": SITE, "date": days.strftime("%Y-%m-%d"), "discharge_m3s": 300.0})
    path = folder / "daily.csv"
    frame.to_csv(path, index=False)
    return path


def _parquet_record(folder: Path) -> Path:
    path = folder / "record.parquet"
    _record().to_parquet(path)
    return path


def _directory(folder: Path) -> Path:
    path = folder / "record.csv"
    path.mkdir()
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "record.csv"
    os.mkfifo(path)
    return path


def _huge(folder: Path) -> Path:
    path = folder / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(65 * 1024 * 1024)  # sparse: 65 MB of NUL bytes, over the limit
    return path


def _short(folder: Path) -> Path:
    path = folder / "short.csv"
    _record(years=2).to_csv(path, index=False)
    return path


IMPORT_CASES: list[tuple[str, Maker, list[str]]] = [
    ("empty", _raw("empty.csv", b""), ["empty"]),
    ("blank-lines", _raw("blank.csv", b"\n\n  \n"), ["empty"]),
    ("header-only", _raw("header.csv", b"site,date,discharge_m3s\n"), ["no rows"]),
    ("utf16", _csv("utf16.csv", encoding="utf-16"), ["UTF-16"]),
    (
        "latin1",
        _raw("latin1.csv", "site,date,discharge_m3s\ntoktogul_inflow,1990-01,3°\n".encode("latin-1")),
        ["UTF-8"],
    ),
    ("binary", _raw("binary.csv", b"\x00\x01\x02\x03garbage"), ["binary"]),
    ("directory", _directory, ["directory"]),
    ("fifo", _fifo, ["FIFO"]),
    ("missing", lambda folder: folder / "nothing.csv", ["no such file"]),
    ("too-large", _huge, ["bytes"]),
    ("daily-not-monthly", _daily, ["daily"]),
    ("parquet-given", _parquet_record, ["Parquet"]),
    ("inf-flow", _csv("inf.csv", _with(discharge_m3s="inf")), ["discharge_m3s"]),
    ("minus-inf-flow", _csv("minf.csv", _with(discharge_m3s="-inf")), ["discharge_m3s"]),
    ("1e300-flow", _csv("big.csv", _with(discharge_m3s="1e300")), ["discharge_m3s"]),
    ("nan-flow", _csv("nan.csv", _with(discharge_m3s="nan")), ["discharge_m3s"]),
    ("negative-flow", _csv("neg.csv", _with(discharge_m3s="-3")), ["discharge_m3s"]),
    ("text-flow", _csv("text.csv", _with(discharge_m3s="high")), ["discharge_m3s"]),
    ("bad-date", _csv("date.csv", _with(date="sometime")), ["date"]),
    ("date-far-future", _csv("future.csv", _with(date="99999-01")), ["date"]),
    ("unknown-site", _csv("site.csv", _with(site="amazon")), ["site"]),
    ("no-columns", _raw("cols.csv", b"a,b\n1,2\n"), ["site"]),
    ("ragged-rows", _raw("ragged.csv", b"site,date,discharge_m3s\ntoktogul_inflow,1990-01,3,4,5,6\n"), ["CSV"]),
    ("too-short", _short, ["5 complete"]),
]


@pytest.mark.parametrize(("make", "names"), [pytest.param(m, n, id=i) for i, m, n in IMPORT_CASES])
def test_hydrology_import_refuses_a_bad_record(cli: Cli, tmp_path: Path, make: Maker, names: list[str]) -> None:
    path = make(tmp_path)
    assert_refused(cli("hydrology", "import", path, "--out", tmp_path / "out.parquet"), path.name, *names)
    assert not (tmp_path / "out.parquet").exists()


def _sample(frame: pd.DataFrame) -> Maker:
    def make(folder: Path) -> Path:
        path = folder / "sample.parquet"
        frame.to_parquet(path)
        return path

    return make


STATS_CASES: list[tuple[str, Maker, list[str]]] = [
    ("csv-given", _csv("record.csv"), ["Parquet"]),
    ("empty", _raw("empty.parquet", b""), ["Parquet"]),
    ("garbage", _raw("garbage.parquet", b"PAR1 this is not parquet PAR1"), ["Parquet"]),
    ("directory", _directory, ["directory"]),
    ("missing", lambda folder: folder / "nothing.parquet", ["no such file"]),
    ("other-columns", _sample(pd.DataFrame({"a": [1.0]})), ["inflow_m3s"]),
    ("record-not-sample", _parquet_record, ["inflow_m3s"]),
    (
        "missing-sites",
        _sample(pd.DataFrame({"time": pd.date_range("2000", periods=36, freq="MS"), "site": "x", "inflow_m3s": 1.0})),
        ["site"],
    ),
]


@pytest.mark.parametrize(("make", "names"), [pytest.param(m, n, id=i) for i, m, n in STATS_CASES])
def test_hydrology_stats_refuses_a_bad_sample(cli: Cli, tmp_path: Path, make: Maker, names: list[str]) -> None:
    path = make(tmp_path)
    assert_refused(cli("hydrology", "stats", path), path.name, *names)


def test_hydrology_stats_refuses_infinite_flows(cli: Cli, tmp_path: Path) -> None:
    sample = tmp_path / "s.parquet"
    assert cli("hydrology", "sample", "--years", "3", "--out", sample).code == 0
    frame = pd.read_parquet(sample)
    frame.loc[5, "inflow_m3s"] = np.inf
    frame.to_parquet(sample)
    assert_refused(cli("hydrology", "stats", sample), "s.parquet", "inflow_m3s")


@pytest.mark.parametrize(
    ("make", "names"),
    [
        pytest.param(_csv("inf.csv", _with(discharge_m3s="inf")), ["discharge_m3s"], id="inf-flow"),
        pytest.param(_raw("empty.csv", b""), ["empty"], id="empty"),
        pytest.param(_raw("garbage.parquet", b"not parquet"), ["Parquet"], id="garbage-parquet"),
        pytest.param(_fifo, ["hydrology.record_file"], id="fifo"),
    ],
)
def test_a_scenario_naming_a_bad_record_is_refused(cli: Cli, tmp_path: Path, make: Maker, names: list[str]) -> None:
    path = make(tmp_path)
    scenario = tmp_path / "rec.yaml"
    scenario.write_text(f"hydrology: {{kind: record, record_file: {path.name}}}\n", encoding="utf-8")
    outcome = cli("hydrology", "sample", "--scenario", scenario, "--years", "2", "--out", tmp_path / "s.parquet")
    assert_refused(outcome, path.name, *names)


def test_import_never_overwrites_its_input(cli: Cli, tmp_path: Path) -> None:
    path = _csv("record.csv")(tmp_path)
    before = path.read_bytes()
    for out in (path, tmp_path / "." / "record.csv", Path("record.csv")):
        assert_refused(cli("hydrology", "import", path, "--out", out, "--force"), "record.csv", "--out")
    link = tmp_path / "link.csv"
    link.symlink_to(path)
    assert_refused(cli("hydrology", "import", path, "--out", link, "--force"), "link.csv", "--out")
    assert path.read_bytes() == before


def test_import_refuses_an_existing_output_unless_forced(cli: Cli, tmp_path: Path) -> None:
    path = _csv("record.csv")(tmp_path)
    out = tmp_path / "record.parquet"
    out.write_text("keep me", encoding="utf-8")
    assert_refused(cli("hydrology", "import", path), "record.parquet", "--force")
    assert out.read_text(encoding="utf-8") == "keep me"
    assert cli("hydrology", "import", path, "--force").code == 0
    assert len(pd.read_parquet(out)) == len(_record())


def test_import_refuses_a_directory_as_output(cli: Cli, tmp_path: Path) -> None:
    path = _csv("record.csv")(tmp_path)
    (tmp_path / "out").mkdir()
    assert_refused(cli("hydrology", "import", path, "--out", tmp_path / "out", "--force"), "out", "--out")
