"""Helpers and fixtures of the hostile-input corpus: every case runs the CLI in-process and must be refused.

A case passes when the command exits with code 2, its message names the file and/or the field or
option at fault, and nothing looks like a traceback. ``cli`` runs ``aralnexus`` in-process (the
same :func:`aralnexus.cli.common.run_app` the console script uses), in a fresh working directory
with its own store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from aralnexus.cli import common
from aralnexus.cli.app import app
from aralnexus.data.dataset import Dataset, load_default


@dataclass(frozen=True)
class Outcome:
    """What one in-process CLI call did."""

    code: int
    out: str
    err: str
    seconds: float

    @property
    def text(self) -> str:
        """Standard output and error together, with line breaks removed (rich wraps long lines)."""
        return (self.out + self.err).replace("\n", "")


Cli = Callable[..., Outcome]


def assert_refused(outcome: Outcome, *names: str) -> None:
    """Assert the contract of bad input: exit 2, every ``name`` in the message, no traceback."""
    shown = f"exit {outcome.code}\n--- stdout\n{outcome.out}\n--- stderr\n{outcome.err}"
    assert outcome.code == 2, shown
    for name in names:
        assert name in outcome.text, f"{name!r} not named in the message\n{shown}"
    assert "Traceback" not in outcome.out + outcome.err, shown
    assert 'File "' not in outcome.out + outcome.err, shown


@pytest.fixture(scope="session")
def default_dataset() -> Dataset:
    """The built-in default dataset, read once per session."""
    return load_default()


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], default_dataset: Dataset
) -> Cli:
    """Run ``aralnexus ARGS`` in-process in ``tmp_path`` (store ``tmp_path/runs.duckdb``)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARALNEXUS_STORE", str(tmp_path / "runs.duckdb"))
    for console in (common.console, common.err_console):  # wide, so rich does not wrap names
        monkeypatch.setattr(console, "_width", 400)
    monkeypatch.setattr("aralnexus.scenario.load.load_default", lambda: default_dataset)

    def invoke(*args: object) -> Outcome:
        capsys.readouterr()
        t0 = time.perf_counter()
        code = common.run_app(app, [str(a) for a in args])
        seconds = time.perf_counter() - t0
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err, seconds)

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write text or bytes to ``tmp_path/<name>`` and return the path."""

    def put(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return put
