"""Every ```python block in README.md and docs/*.md runs, in file order, with one namespace per file.

A block that cannot run in a test (it would take minutes) is preceded by a line
``<!-- not run: <reason> -->``; the reason is required. Blocks run in a temporary working directory
that sees the repository's ``examples/`` folder, so relative paths in the docs work and nothing is
written into the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"(?:^<!-- not run: (?P<reason>[^>]*?)\s*-->\n)?^```python\n(?P<code>.*?)^```", re.M | re.S)


def blocks(path: Path) -> list[tuple[int, str, str | None]]:
    """Return (line, code, reason-not-run) for every python block of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start("code")), m.group("code"), m.group("reason")) for m in FENCE.finditer(text)]


DOCS_WITH_EXAMPLES = [p for p in DOCS if blocks(p)]


def test_the_fence_parser_finds_blocks_and_skip_reasons(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("a\n```python\nx = 1\n```\n<!-- not run: slow -->\n```python\ny = 2\n```\n", encoding="utf-8")
    assert blocks(doc) == [(2, "x = 1\n", None), (6, "y = 2\n", "slow")]


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS_WITH_EXAMPLES, ids=[p.name for p in DOCS_WITH_EXAMPLES])
def test_every_python_example_in_the_docs_runs(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARALNEXUS_STORE", raising=False)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    namespace: dict[str, object] = {"__name__": f"doc_{doc.stem}"}
    for line, code, reason in blocks(doc):
        if reason is not None:
            assert reason.strip(), f"{doc.name}:{line}: a block that is not run must say why"
            compile(code, f"{doc.name}:{line}", "exec")  # still valid Python
            continue
        exec(compile(code, f"{doc.name}:{line}", "exec"), namespace)
