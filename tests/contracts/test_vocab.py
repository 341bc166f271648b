"""Vocabularies are defined once, in ``aralnexus/vocab.py``.

Outside ``vocab.py`` no module writes a ``Literal[...]`` type or a tuple/set of words that spells
the same values as one of the vocabularies there (resolutions, head modes, statuses, channels,
CASA-1000 rules …): it imports the type and the value tuple instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

from aralnexus import vocab

SRC = Path(__file__).resolve().parents[2] / "src" / "aralnexus"
VOCABULARIES: dict[frozenset[str], str] = {
    frozenset(value): name
    for name, value in vars(vocab).items()
    if name.isupper() and isinstance(value, tuple) and len(value) > 1 and all(isinstance(v, str) for v in value)
}


def _words(node: ast.expr) -> frozenset[str] | None:
    """Return the words of ``Literal["a", "b"]``, ``("a", "b")`` or ``{"a", "b"}`` (None for anything else)."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Literal":
        node = node.slice
    words = node.elts if isinstance(node, ast.Tuple | ast.Set | ast.List) else []
    if words and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in words):
        return frozenset(str(e.value) for e in words if isinstance(e, ast.Constant))
    return None


def duplicated_vocabularies(tree: ast.AST, where: str) -> list[str]:
    """Return every place that spells out the values of a vocabulary of ``vocab.py``."""
    found = []
    inside_literal = {id(n.slice) for n in ast.walk(tree) if isinstance(n, ast.Subscript)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript | ast.Tuple | ast.Set | ast.List) and id(node) not in inside_literal:
            words = _words(node)
            if words is not None and words in VOCABULARIES:
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)[:60]} is vocab.{VOCABULARIES[words]}")
    return found


def test_no_module_spells_out_a_vocabulary_of_vocab_py() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "vocab.py" and path.parent == SRC:
            continue
        found += duplicated_vocabularies(ast.parse(path.read_text(encoding="utf-8")), str(path.relative_to(SRC)))
    assert not found, "import these from aralnexus.vocab:\n" + "\n".join(found)


def test_the_check_finds_a_copied_vocabulary() -> None:
    code = 'Kinds = Literal["monthly", "hourly"]\nif x not in ("iterate", "median"):\n    pass\n'
    assert len(duplicated_vocabularies(ast.parse(code), "m.py")) == 2
