"""CI runs lint and types as well as tests, through the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _recipe(makefile: str, target: str) -> tuple[list[str], list[str]]:
    """Return (prerequisites, recipe lines) of a Makefile target."""
    match = re.search(rf"^{target}:([^\n]*)\n((?:\t[^\n]*\n)*)", makefile, flags=re.M)
    assert match, f"no target {target}"
    return match.group(1).split(), [line.strip() for line in match.group(2).splitlines()]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", ci, flags=re.M)
    assert re.search(r"^make test\b", readme, flags=re.M)


def test_make_test_runs_ruff_format_check_and_mypy_before_pytest() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    prereqs, recipe = _recipe(makefile, "test")
    assert "lint" in prereqs
    _, lint = _recipe(makefile, "lint")
    assert any(line.endswith("ruff check src tests benchmarks") for line in lint)
    assert any(line.endswith("ruff format --check src tests benchmarks") for line in lint)
    assert any(line.endswith("mypy") for line in lint)
    assert any("pytest" in line for line in recipe)


def test_pytest_turns_warnings_into_errors() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^filterwarnings = \[(.*?)^\]", text, flags=re.M | re.S)
    assert block
    entries = re.findall(r'"([^"]+)"', block.group(1))
    assert entries[0] == "error"
    # every ignore is narrow: a message and a module, never a whole category
    for entry in entries[1:]:
        action, message, _category, module = [*entry.split(":"), "", "", ""][:4]
        assert action == "ignore" and message and module, entry
