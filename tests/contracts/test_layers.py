"""Every import in ``src/aralnexus`` follows the layer order written in ``docs/architecture.md``.

The order is parsed from the block between ``<!-- layer-order:start -->`` and ``<!-- layer-order:end -->``:
one layer per line, siblings separated by ``|``. A module may import its own package and any layer on an
earlier line; module-level, function-level and ``TYPE_CHECKING`` imports all count.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "aralnexus"
DOC = ROOT / "docs" / "architecture.md"
FACADE = SRC / "__init__.py"  # re-exports the public verbs lazily, by module name


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    source: str  # the importing top-level unit (package or module under aralnexus)
    target: str  # the imported top-level unit
    module: str  # the full imported module name

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.source} imports {self.module}"


def layer_order(text: str) -> list[set[str]]:
    """Return the layers (each a set of sibling units) from the marked block of the architecture doc."""
    match = re.search(r"<!-- layer-order:start -->\s*```\n(.*?)```\s*<!-- layer-order:end -->", text, flags=re.S)
    assert match, "docs/architecture.md has no layer-order block"
    return [{name.strip() for name in line.split("|")} for line in match.group(1).splitlines() if line.strip()]


def unit_of(path: Path) -> str:
    """Return the top-level unit under ``aralnexus`` that a source file belongs to (``dispatch``, ``units`` …)."""
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def facade_exports() -> dict[str, str]:
    """Return the public verbs of ``aralnexus/__init__.py`` and the module each is imported from."""
    for node in ast.walk(ast.parse(FACADE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_EXPORTS" for t in node.targets):
            exports = ast.literal_eval(node.value)
            assert isinstance(exports, dict)
            return exports
    raise AssertionError("aralnexus/__init__.py has no _EXPORTS")


def _from_facade(name: str) -> list[str]:
    """Resolve ``from aralnexus import name`` to the module it really loads (none for ``__version__``)."""
    if (SRC / name).is_dir() or (SRC / f"{name}.py").exists():
        return [f"aralnexus.{name}"]
    exports = facade_exports()
    if name in exports:
        return [exports[name]]
    assert name == "__version__", f"aralnexus has no {name}"
    return []


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def aralnexus_imports(path: Path, source: str | None = None, text: str | None = None) -> list[Import]:
    """Return every absolute import of ``aralnexus.<unit>`` in a file, at any depth of the syntax tree.

    ``source`` and ``text`` default to the file's own unit and contents.
    """
    source = unit_of(path) if source is None else source
    text = path.read_text(encoding="utf-8") if text is None else text
    tree = ast.parse(text, filename=str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Call) and _call_name(node) in {"import_module", "__import__"}:
            arg = node.args[0] if node.args else None  # importlib.import_module("aralnexus.x") counts too
            names = [arg.value] if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else []
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            if node.module == "aralnexus":  # ``from aralnexus import units`` names the unit in the alias
                names = [full for alias in node.names for full in _from_facade(alias.name)]
            else:
                names = [node.module or ""]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "aralnexus" and len(parts) > 1:
                found.append(Import(path, node.lineno, source, parts[1], name))
    return found


def all_imports() -> list[Import]:
    return [imp for path in sorted(SRC.rglob("*.py")) if path != FACADE for imp in aralnexus_imports(path)]


def violations(imports: list[Import], layers: list[set[str]]) -> list[str]:
    """Return a message per import that goes to the same layer's sibling or to a later layer."""
    rank = {unit: i for i, layer in enumerate(layers) for unit in layer}
    bad = []
    for imp in imports:
        if imp.source == imp.target:
            continue
        if imp.target not in rank or imp.source not in rank:
            bad.append(f"{imp}: '{imp.source if imp.source not in rank else imp.target}' has no layer in the doc")
        elif rank[imp.target] >= rank[imp.source]:
            bad.append(f"{imp}: layer {rank[imp.target]} is not below layer {rank[imp.source]}")
    return bad


def test_every_package_and_top_level_module_has_a_layer() -> None:
    layers = layer_order(DOC.read_text(encoding="utf-8"))
    named = set().union(*layers)
    units = {unit_of(p) for p in SRC.rglob("*.py") if p != FACADE and "__pycache__" not in p.parts}
    units |= {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert units - named == set(), "give these a line in the layer-order block of docs/architecture.md"


def test_imports_follow_the_documented_layer_order() -> None:
    layers = layer_order(DOC.read_text(encoding="utf-8"))
    bad = violations(all_imports(), layers)
    assert not bad, "\n".join(bad)


def test_the_walker_sees_function_level_type_checking_facade_and_importlib_imports() -> None:
    text = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from aralnexus.store import Store\n"
        "def f() -> None:\n    import aralnexus.report.build\n    from aralnexus import cli, __version__\n"
        "    from aralnexus import run_pathway\n"
        "    importlib.import_module('aralnexus.ensemble')\n"
    )
    imports = aralnexus_imports(SRC / "dispatch" / "probe.py", "dispatch", text)
    seen = [(i.line, i.target) for i in imports]
    assert seen == [(3, "store"), (5, "report"), (6, "cli"), (7, "pathways"), (8, "ensemble")]
    bad = violations(imports, layer_order(DOC.read_text(encoding="utf-8")))
    assert len(bad) == 5


@pytest.mark.parametrize(
    ("source", "target", "ok"),
    [("dispatch", "simulate", False), ("dispatch", "results", True), ("store", "ensemble", False)],
)
def test_siblings_and_later_layers_are_refused(source: str, target: str, ok: bool) -> None:
    layers = layer_order(DOC.read_text(encoding="utf-8"))
    imp = Import(SRC / source / "x.py", 1, source, target, f"aralnexus.{target}")
    assert (violations([imp], layers) == []) is ok


def test_production_code_never_imports_the_testing_package() -> None:
    bad = [str(i) for i in all_imports() if i.target == "testing" and i.source != "testing"]
    assert not bad, "\n".join(bad)
