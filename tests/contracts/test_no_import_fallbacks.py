"""No silent import fallbacks: a failed import of our own code is an error, and a missing optional
dependency is reported (the handler raises), never replaced by something else behind the user's back."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "aralnexus"
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}
#: Standard-library modules that exist on some platforms only; the fallback is the documented behaviour there.
PLATFORM_MODULES = {"fcntl"}  # store/locking.py: without fcntl (Windows) the DuckDB lock + retry protects


def _caught(handler: ast.ExceptHandler) -> set[str]:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {k.id for k in kinds if isinstance(k, ast.Name)}


def _imported(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names.add(node.module or "")
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
                "import_module",
                "__import__",
            }:
                names.add("<dynamic>")
    return names


def fallbacks(tree: ast.AST, where: str) -> list[str]:
    """Return the ``except ImportError`` handlers that swallow the error instead of raising."""
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        for handler in node.handlers:
            if handler.type is not None and not (_caught(handler) & (IMPORT_ERRORS | {"Exception"})):
                continue
            modules = _imported(node.body)
            if not modules:
                continue
            raises = any(isinstance(n, ast.Raise) for stmt in handler.body for n in ast.walk(stmt))
            top = {m.split(".")[0] for m in modules}
            if "aralnexus" in top or "<dynamic>" in modules:
                bad.append(f"{where}:{handler.lineno}: an import of our own code inside try/except")
            elif not raises and not top <= PLATFORM_MODULES:
                bad.append(f"{where}:{handler.lineno}: a failed import of {sorted(modules)} is swallowed")
    return bad


def test_no_module_swallows_an_import_error() -> None:
    bad = [
        msg
        for path in sorted(SRC.rglob("*.py"))
        for msg in fallbacks(ast.parse(path.read_text(encoding="utf-8")), str(path.relative_to(SRC)))
    ]
    assert not bad, "\n".join(bad)


def test_the_check_catches_a_fallback_to_other_code() -> None:
    source = (
        "try:\n    from aralnexus.hydrology import make_inflows\nexcept ImportError:\n    make_inflows = None\n"
        "try:\n    import pypsa\nexcept ModuleNotFoundError:\n    pypsa = None\n"
        "try:\n    import pypsa\nexcept ImportError as e:\n    raise SystemExit('install pypsa') from e\n"
    )
    assert [m.split(":")[1] for m in fallbacks(ast.parse(source), "probe")] == ["3", "7"]
