"""``units.py`` is the only home of conversion factors.

Outside ``aralnexus/units.py`` no code multiplies or divides by a conversion factor written as a
number (1e6, 1e3, 3.6, 0.0036, 8760, 24, 86400, 9.81 …), defines a ``*_PER_*`` constant, or writes
such a factor into SQL text; it uses the named constants and converters of :mod:`aralnexus.units`.
Tolerances (1e-9, 1e-3 · span …) are not factors and are not in the list.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "aralnexus"
FACTORS = {1e6, 1e-6, 1e3, 1e9, 1e12, 3.6, 0.0036, 3600.0, 86400.0, 0.0864, 8760.0, 8784.0, 9.81, 9.81e-3, 24.0}
SQL_FACTOR = re.compile(r"[*/]\s*(1e6|1e-6|1e3|1e9|1000(?:\.0)?|1000000|3\.6|0\.0036|8760|86400)\b")
_UNIT = r"(?:[KMGT]WH|[KMG]W|[HK]?M3S?|[MB]?USD|HOURS?|DAYS?|SECONDS?|MONTHS?|YEARS?)"
PER_NAME = re.compile(rf"^_?{_UNIT}_PER_{_UNIT}$")  # TWH_PER_MWH; not a price (TIE_BREAK_USD_PER_MWH) or a count


def _is_factor(node: ast.expr) -> bool:
    value = node.value if isinstance(node, ast.Constant) else None
    return isinstance(value, int | float) and not isinstance(value, bool) and float(value) in FACTORS


def factor_uses(tree: ast.AST, where: str, *, scan_text: bool = True) -> list[str]:
    """Return every place a conversion factor is written as a number."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Div):
            if _is_factor(node.left) or _is_factor(node.right):
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)[:80]}")
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            names = [t.id for t in node.targets if isinstance(t, ast.Name) and PER_NAME.match(t.id)]
            if names and isinstance(node.value.value, int | float):
                found.append(f"{where}:{node.lineno}: {names[0]} defined outside units.py")
        elif (
            scan_text
            and isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "select" in node.value.lower()
        ):
            found += [f"{where}:{node.lineno}: SQL '{m.group(0)}'" for m in SQL_FACTOR.finditer(node.value)]
    return sorted(found, key=lambda m: int(m.split(":")[1]))


def test_no_conversion_factor_is_written_outside_units_py() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.as_posix() == "units.py":
            continue
        # the CLI's help texts show users SQL they can type; they are examples, not computations
        found += factor_uses(
            ast.parse(path.read_text(encoding="utf-8")), rel.as_posix(), scan_text=rel.parts[0] != "cli"
        )
    assert not found, "use the constants of aralnexus.units:\n" + "\n".join(found)


def test_the_check_finds_factors_in_code_constants_and_sql() -> None:
    source = (
        "a = energy_mwh / 1e6\nb = 24.0 * days\nTWH_PER_MWH = 1e-6\n"
        "q = 'SELECT sum(x) / 1e6 FROM t'\nok = np.maximum(x, 1e-9)\nok2 = span * 1e-3\n"
    )
    assert [m.split(":")[1] for m in factor_uses(ast.parse(source), "probe")] == ["1", "2", "3", "4"]
