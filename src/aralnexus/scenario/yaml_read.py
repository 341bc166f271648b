"""Read a scenario file's text and parse its YAML, keeping the line of every key.

Duplicate keys (which YAML would silently collapse) and syntax errors become problems with the
line and column; an unreadable file (missing, a directory, no permission, binary, not UTF-8)
is one problem.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from aralnexus.errors import InputError, Problem

_EXPECTED_FILE = "a readable YAML scenario file (or the word 'default')"


def read_scenario_text(path: Path, label: str) -> str:
    """Return the UTF-8 text of a scenario file.

    Raises
    ------
    InputError
        If the file is missing, a directory, unreadable, binary or not UTF-8.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        siblings = sorted(p.name for p in path.parent.glob("*.y*ml")) if path.parent.is_dir() else []
        close = difflib.get_close_matches(path.name, siblings, n=1)
        hint = f"did you mean {close[0]!r}?" if close else ""
        raise InputError([Problem(label, "", _EXPECTED_FILE, "no such file", hint)]) from None
    except IsADirectoryError:
        raise InputError([Problem(label, "", _EXPECTED_FILE, "a directory")]) from None
    except PermissionError:
        raise InputError([Problem(label, "", _EXPECTED_FILE, "a file without read permission")]) from None
    except OSError as exc:
        raise InputError([Problem(label, "", _EXPECTED_FILE, f"an unreadable file ({exc.strerror})")]) from None
    if b"\x00" in data:
        raise InputError([Problem(label, "", "a text (YAML) file", "binary data (a NUL byte)")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            [
                Problem(
                    f"{label}:{line}",
                    "",
                    "UTF-8 text",
                    f"the byte 0x{data[exc.start]:02x}, which is not UTF-8",
                    "save the file as UTF-8",
                )
            ]
        ) from None


def _walk(node: yaml.Node, path: str, lines: dict[str, int], problems: list[Problem], label: str) -> None:
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
                        "each key once in a mapping",
                        f"{key!r} again (first on line {first[key]})",
                        "YAML keeps only the last one; merge the two entries",
                    )
                )
            first.setdefault(key, line)
            lines.setdefault(child, line)
            _walk(value_node, child, lines, problems, label)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = f"{path}.{i}"
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, problems, label)


def read_yaml(text: str, label: str) -> tuple[Any, dict[str, int]]:
    """Parse YAML text; return the data and a map ``dotted.path`` → line (1-based).

    Raises
    ------
    InputError
        On a syntax error (with line and column) or a duplicate key.
    """
    loader = yaml.SafeLoader(text)
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines
        _walk(node, "", lines, problems, label)
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
        raise InputError([Problem(where, "", "valid YAML", found, hint)]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(label, "", "valid YAML", str(exc))]) from None
    finally:
        loader.dispose()
    return data, lines
