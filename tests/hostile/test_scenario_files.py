"""Hostile corpus: scenario files given to every command that reads one.

Each case is refused with exit 2 and a message naming the file (and the field where there is
one), before any model is built: alias bombs, FIFOs, devices, directories, huge or deeply nested
files, wrong encodings, unsafe tags, out-of-range values.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_support import Cli, assert_refused

from aralnexus.scenario.yaml_read import MAX_SCENARIO_BYTES

pytestmark = pytest.mark.hostile

Maker = Callable[[Path], Path]


def _text(name: str, text: str) -> Maker:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


def _bytes(name: str, data: bytes) -> Maker:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def _alias_bomb(folder: Path) -> Path:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = folder / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _merge_bomb(folder: Path) -> Path:
    lines = ["b0: &b0 {x0: 1, x1: 1, x2: 1, x3: 1, x4: 1, x5: 1, x6: 1, x7: 1, x8: 1}"]
    lines += [f"b{i}: &b{i} {{{', '.join(f'k{j}: *b{i - 1}' for j in range(9))}}}" for i in range(1, 9)]
    path = folder / "merge_bomb.yaml"
    path.write_text("\n".join(lines) + "\nplants: *b8\n", encoding="utf-8")
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.yaml"
    os.mkfifo(path)
    return path


def _directory(folder: Path) -> Path:
    path = folder / "scenario.yaml"
    path.mkdir()
    return path


def _broken_link(folder: Path) -> Path:
    path = folder / "link.yaml"
    path.symlink_to(folder / "gone.yaml")
    return path


def _device(_folder: Path) -> Path:
    return Path("/dev/zero")


def _huge_line(folder: Path) -> Path:
    path = folder / "huge.yaml"
    path.write_text("name: '" + "x" * 5_000_000 + "'\n", encoding="utf-8")
    return path


def _just_too_big(folder: Path) -> Path:
    path = folder / "big.yaml"
    path.write_text("# " + "y" * (MAX_SCENARIO_BYTES - 1) + "\nname: big\n", encoding="utf-8")
    return path


#: (case id, file maker, names the message must contain besides the file name)
CASES: list[tuple[str, Maker, list[str]]] = [
    ("alias-bomb", _alias_bomb, ["alias"]),
    ("alias-merge-bomb", _merge_bomb, []),
    ("fifo", _fifo, ["FIFO"]),
    ("directory", _directory, ["directory"]),
    ("character-device", _device, ["character device"]),
    ("broken-symlink", _broken_link, ["no such file"]),
    ("missing-file", lambda folder: folder / "nothing.yaml", ["no such file"]),
    ("huge-single-line", _huge_line, ["bytes"]),
    ("one-byte-over-the-limit", _just_too_big, ["bytes"]),
    ("deep-nesting", _text("deep.yaml", "name: " + "[" * 5000 + "]" * 5000 + "\n"), ["nested"]),
    ("deep-block-nesting", _text("deep2.yaml", "".join(" " * i + f"k{i}:\n" for i in range(200)) + "\n"), ["nested"]),
    (
        "many-entries",
        _text("many.yaml", "plants: {" + ", ".join(f"p{i}: {{}}" for i in range(5000)) + "}\n"),
        ["plants"],
    ),
    (
        "long-list",
        _text("list.yaml", "plants:\n  rogun:\n    schedule: [" + ", ".join(["{}"] * 3000) + "]\n"),
        ["plants.rogun.schedule"],
    ),
    ("nul-bytes", _bytes("binary.yaml", b"name: x\x00\x01\x02"), ["binary"]),
    ("utf16", _bytes("utf16.yaml", "name: ünïcode\n".encode("utf-16")), ["UTF-16"]),
    ("latin1", _bytes("latin1.yaml", "name: Nurek-Süd\n".encode("latin-1")), ["UTF-8"]),
    ("empty", _text("empty.yaml", ""), ["empty"]),
    ("only-comments", _text("comments.yaml", "# nothing here\n"), ["empty"]),
    ("top-level-list", _text("list_top.yaml", "- a\n- b\n"), ["mapping"]),
    ("top-level-scalar", _text("scalar.yaml", "42\n"), ["mapping"]),
    ("two-documents", _text("two.yaml", "name: a\n---\nname: b\n"), ["YAML"]),
    ("python-tag", _text("tag.yaml", "name: !!python/object/apply:os.system ['echo pwned']\n"), ["YAML"]),
    ("unknown-tag", _text("tag2.yaml", "name: !secret x\n"), ["YAML"]),
    ("tabs", _text("tabs.yaml", "plants:\n\trogun: {capacity_mw: 1}\n"), ["tab"]),
    ("duplicate-keys", _text("dup.yaml", "name: a\nname: b\n"), ["name"]),
    ("unterminated-quote", _text("quote.yaml", "name: 'abc\n"), ["YAML"]),
    ("unknown-top-key", _text("key.yaml", "nmae: x\n"), ["nmae"]),
    ("non-string-key", _text("intkey.yaml", "plants: {1: {capacity_mw: 3}}\n"), ["plants"]),
    ("capacity-inf", _text("inf.yaml", "plants: {rogun: {capacity_mw: .inf}}\n"), ["plants.rogun.capacity_mw"]),
    ("capacity-nan", _text("nan.yaml", "plants: {rogun: {capacity_mw: .nan}}\n"), ["plants.rogun.capacity_mw"]),
    (
        "capacity-1e400",
        _text("big_number.yaml", "plants: {rogun: {capacity_mw: 1e400}}\n"),
        ["plants.rogun.capacity_mw"],
    ),
    (
        "capacity-huge-integer",
        _text("big_int.yaml", "plants: {rogun: {capacity_mw: " + "9" * 5000 + "}}\n"),
        ["plants.rogun"],
    ),
    ("capacity-negative", _text("neg.yaml", "plants: {rogun: {capacity_mw: -5}}\n"), ["plants.rogun.capacity_mw"]),
    ("capacity-text", _text("text.yaml", "plants: {rogun: {capacity_mw: lots}}\n"), ["plants.rogun.capacity_mw"]),
    (
        "shift-huge",
        _text("shift.yaml", "plants: {rogun: {schedule_shift_months: 100000000}}\n"),
        ["plants.rogun.schedule_shift_months"],
    ),
    (
        "shift-huge-negative",
        _text("shift2.yaml", "plants: {rogun: {schedule_shift_months: -100000000}}\n"),
        ["plants.rogun.schedule_shift_months"],
    ),
    (
        "shift-fraction",
        _text("shift3.yaml", "plants: {rogun: {schedule_shift_months: 1.5}}\n"),
        ["plants.rogun.schedule_shift_months"],
    ),
    ("start-year-huge", _text("year.yaml", "horizon: {start: '9999-01', end: '9999-12'}\n"), ["horizon.start"]),
    ("start-year-five-digits", _text("year2.yaml", "horizon: {start: '99999-01'}\n"), ["horizon.start"]),
    ("start-year-zero", _text("year3.yaml", "horizon: {start: '0000-01', end: '0001-12'}\n"), ["horizon.start"]),
    ("horizon-too-long", _text("long.yaml", "horizon: {start: '1900-01', end: '2200-12'}\n"), ["horizon.end"]),
    ("horizon-reversed", _text("rev.yaml", "horizon: {start: '2030-01', end: '2026-12'}\n"), ["horizon.end"]),
    (
        "record-file-fifo-dir",
        _text("rec.yaml", "hydrology: {kind: record, record_file: /dev/null}\n"),
        ["hydrology.record_file"],
    ),
    (
        "record-file-directory",
        _text("rec2.yaml", "hydrology: {kind: record, record_file: /tmp}\n"),
        ["hydrology.record_file"],
    ),
]


@pytest.mark.parametrize(("make", "names"), [pytest.param(m, n, id=i) for i, m, n in CASES])
def test_validate_refuses_a_hostile_scenario_file(cli: Cli, tmp_path: Path, make: Maker, names: list[str]) -> None:
    path = make(tmp_path)
    assert_refused(cli("validate", path), path.name, *names)


ENTRY_POINTS = [
    ("run", ["run", "{file}", "--no-save"]),
    ("optimise", ["optimise", "{file}"]),
    ("compare", ["compare", "default", "{file}"]),
    ("ensemble", ["ensemble", "{file}", "--members", "2"]),
    ("hydrology-sample", ["hydrology", "sample", "--scenario", "{file}", "--years", "2", "--out", "s.parquet"]),
    ("hydrology-stats", ["hydrology", "stats", "--scenario", "{file}", "--years", "3"]),
    ("hydrology-plot", ["hydrology", "plot", "--scenario", "{file}", "--years", "10"]),
]


@pytest.mark.parametrize("maker", [_alias_bomb, _fifo, _huge_line], ids=["alias-bomb", "fifo", "huge-line"])
@pytest.mark.parametrize("args", [pytest.param(a, id=i) for i, a in ENTRY_POINTS])
def test_every_command_refuses_a_hostile_scenario_file(cli: Cli, tmp_path: Path, maker: Maker, args: list[str]) -> None:
    path = maker(tmp_path)
    assert_refused(cli(*(a.format(file=path) for a in args)), path.name)
