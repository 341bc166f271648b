from __future__ import annotations

import json
import math
import sys

import numpy as np
import pandas as pd
import typer

from aralnexus.cli import common
from aralnexus.errors import InputError, Problem


def test_json_output_handles_frames_timestamps_and_missing_values() -> None:
    frame = pd.DataFrame(
        {"t": pd.to_datetime(["2025-01-01", None]), "x": [1.5, math.nan], "n": np.array([1, 2], dtype="int32")}
    )
    data = json.loads(common.to_json({"rows": frame, "value": np.float64(2.0), "nan": float("nan")}))
    assert data["rows"] == [{"t": "2025-01-01T00:00:00", "x": 1.5, "n": 1}, {"t": None, "x": None, "n": 2}]
    assert data["value"] == 2.0
    assert data["nan"] is None


def test_progress_is_silent_when_quiet_or_not_a_terminal(capsys) -> None:  # type: ignore[no-untyped-def]
    with common.progress("working", total=3, quiet=True) as bar:
        bar.advance()
        bar.update("still working")
    with common.progress("working", total=3) as bar:  # pytest's stderr is not a terminal
        bar.advance()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_run_app_returns_the_exit_code_of_a_handled_input_error() -> None:
    app = typer.Typer()

    @app.command()
    def fails() -> None:
        """Fail with bad input."""
        with common.handled():
            raise InputError([Problem("x.yaml", "a.b", "a number", "'abc'")])

    argv = sys.argv
    sys.argv = ["aralnexus"]
    try:
        assert common.run_app(app) == 2
    finally:
        sys.argv = argv
