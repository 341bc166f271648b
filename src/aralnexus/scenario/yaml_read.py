"""Read a scenario file's text and parse its YAML, keeping the line of every key.

Duplicate keys (which YAML would silently collapse) and syntax errors become problems with the
line and column; an unreadable file (missing, a directory, a FIFO or device, too large, no
permission, binary, not UTF-8) is one problem. Hostile YAML is refused before it costs time or
memory: at most :data:`MAX_SCENARIO_BYTES` bytes are read, aliases may expand the document to
at most :data:`MAX_YAML_NODES` nodes (a "billion laughs" alias bomb is refused), and nesting
deeper than Python's recursion allows is one problem, not a crash.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml

from aralnexus.errors import InputError, Problem
from aralnexus.i18n import N_, _
from aralnexus.input_files import read_limited_bytes, text_encoding_problem

_EXPECTED_FILE = N_("a readable YAML scenario file (or the word 'default')")

#: Largest scenario file read, bytes (a scenario is a few kB; 64 KiB of YAML still parses in well under a second).
MAX_SCENARIO_BYTES = 64 * 1024
#: Deepest nesting of mappings and lists in a scenario (a real one nests about 5 levels).
MAX_YAML_DEPTH = 64
#: Most entries of one mapping or list (the largest table of the dataset has a few dozen rows).
MAX_YAML_ENTRIES = 100
#: Most YAML nodes a scenario may expand to, counting every alias expansion (refuses alias bombs).
MAX_YAML_NODES = 100_000


def read_scenario_text(path: Path, label: str) -> str:
    """Return the UTF-8 text of a scenario file.

    Raises
    ------
    InputError
        If the file is missing, not a regular file (a directory, FIFO, device), larger than
        :data:`MAX_SCENARIO_BYTES`, unreadable, binary or not UTF-8.
    """
    try:
        if not path.exists():
            raise FileNotFoundError(path)
        data = read_limited_bytes(path, label, expected=_(_EXPECTED_FILE), max_bytes=MAX_SCENARIO_BYTES)
    except FileNotFoundError:
        siblings = sorted(p.name for p in path.parent.glob("*.y*ml")) if path.parent.is_dir() else []
        close = difflib.get_close_matches(path.name, siblings, n=1)
        hint = _("did you mean {choice}?", choice=repr(close[0])) if close else ""
        raise InputError([Problem(label, "", _(_EXPECTED_FILE), _("no such file"), hint)]) from None
    encoding = text_encoding_problem(data)
    if encoding:
        raise InputError([Problem(label, "", _("UTF-8 text"), encoding, _("save the file as UTF-8"))])
    if b"\x00" in data:
        raise InputError([Problem(label, "", _("a text (YAML) file"), _("binary data (a NUL byte)"))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            [
                Problem(
                    f"{label}:{line}",
                    "",
                    _("UTF-8 text"),
                    _("the byte 0x{byte}, which is not UTF-8", byte=format(data[exc.start], "02x")),
                    _("save the file as UTF-8"),
                )
            ]
        ) from None


_MAX_DIGITS = 100
_DEEP_FLOW = re.compile(r"(?:[\[{]\s*){" + str(MAX_YAML_DEPTH + 1) + "}")


class _TooManyNodes(Exception):
    """The document expands (through aliases) to more than :data:`MAX_YAML_NODES` nodes."""


class _TooDeep(Exception):
    """The document nests deeper than :data:`MAX_YAML_DEPTH` levels."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than :data:`MAX_YAML_DEPTH` while composing."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Compose one node, counting the nesting depth."""
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise _TooDeep
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _walk(
    node: yaml.Node, path: str, lines: dict[str, int], problems: list[Problem], label: str, budget: list[int]
) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooManyNodes
    if isinstance(node, yaml.ScalarNode) and node.style is None and len(node.value) > _MAX_DIGITS:
        digits = node.value.replace("_", "").lstrip("+-")
        if digits.isdigit():  # YAML would turn it into a Python int, which refuses over 4,300 digits
            where = f"{label}:{node.start_mark.line + 1}"
            found = f"a number of {len(digits):,} digits"
            problems.append(Problem(where, path, f"a number of at most {_MAX_DIGITS} digits", found))
            return
    entries = node.value if isinstance(node, yaml.MappingNode | yaml.SequenceNode) else ()
    if len(entries) > MAX_YAML_ENTRIES:
        kind = "entries" if isinstance(node, yaml.MappingNode) else "items"
        problems.append(
            Problem(
                f"{label}:{node.start_mark.line + 1}",
                path,
                f"at most {MAX_YAML_ENTRIES} {kind}",
                f"{len(entries):,} {kind}",
                "a scenario changes a few elements of the dataset; split it or use a smaller change",
            )
        )
        return
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = key_node.start_mark.line + 1
            child = f"{path}.{key}" if path else key
            if key in first and key != "<<":
                problems.append(
                    Problem(
                        f"{label}:{line}",
                        child,
                        _("each key once in a mapping"),
                        _("{key} again (first on line {line})", key=repr(key), line=first[key]),
                        "YAML keeps only the last one; merge the two entries",
                    )
                )
            first.setdefault(key, line)
            lines.setdefault(child, line)
            _walk(value_node, child, lines, problems, label, budget)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = f"{path}.{i}"
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, problems, label, budget)


def read_yaml(text: str, label: str) -> tuple[Any, dict[str, int]]:
    """Parse YAML text; return the data and a map ``dotted.path`` → line (1-based).

    Raises
    ------
    InputError
        On a syntax error (with line and column) or a duplicate key.
    """
    if _DEEP_FLOW.search(text):  # refused before PyYAML's scanner spends O(depth²) on it
        expected = f"YAML nested at most {MAX_YAML_DEPTH} levels deep"
        raise InputError([Problem(label, "", expected, f"more than {MAX_YAML_DEPTH} '[' or '{{' in a row")])
    loader = _Loader(text)
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines
        _walk(node, "", lines, problems, label, [MAX_YAML_NODES])
        if problems:
            raise InputError(problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark else label
        found = (exc.problem or "invalid YAML").removeprefix("found ")
        if exc.context:
            found = f"{found} ({exc.context})"
        hint = "YAML indents with spaces, not tabs" if "'\\t'" in found else ""
        hint = hint or "check the indentation and the ':' after each key on or just before this line"
        raise InputError([Problem(where, "", _("valid YAML"), found, hint)]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(label, "", _("valid YAML"), str(exc))]) from None
    except _TooManyNodes:
        expected = f"a scenario of at most {MAX_YAML_NODES:,} YAML values (counting each alias expansion)"
        hint = "a YAML alias bomb? write the values out instead of nesting aliases"
        raise InputError([Problem(label, "", expected, "more (aliases expanding exponentially)", hint)]) from None
    except (_TooDeep, RecursionError):
        expected = f"YAML nested at most {MAX_YAML_DEPTH} levels deep"
        raise InputError([Problem(label, "", expected, "deeper nesting")]) from None
    finally:
        loader.dispose()
    return data, lines
