"""``aralnexus serve``: loopback by default, a warning for any other host, clear errors for bad options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aralnexus.cli.app import app

pytest.importorskip("uvicorn")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Capture what ``uvicorn.run`` would serve instead of serving it."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: calls.append({"app": application, **kw}))
    return calls


def _serve(tmp_path: Path, *extra: str) -> Any:
    args = ["serve", "--store", str(tmp_path / "s.duckdb"), "--scenarios", str(tmp_path / "sc"), *extra]
    return CliRunner().invoke(app, args)


def test_serve_listens_on_loopback_by_default_without_warning(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    result = _serve(tmp_path, "--port", "8123")
    assert result.exit_code == 0, result.output
    [call] = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 8123)
    assert "warning" not in result.output
    assert "http://127.0.0.1:8123/" in result.output
    assert call["app"].state.config.allowed_hosts[:2] == ("127.0.0.1", "localhost")


def test_serve_warns_when_asked_for_another_host(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    result = _serve(tmp_path, "--host", "0.0.0.0")
    assert result.exit_code == 0, result.output
    assert served[0]["host"] == "0.0.0.0"
    assert "warning: listening on 0.0.0.0" in " ".join(result.output.split())


def test_serve_rejects_bad_options_with_exit_code_2(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(app, ["serve", "--port", "0", "--workers", "0", "--scenarios", str(tmp_path / "file")])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "--port: expected a port 1..65535, found 0" in text
    assert "--workers" in text and "--scenarios" in text
    assert served == []
