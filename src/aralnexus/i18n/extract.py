"""Babel extraction for the command-line modules: the marked messages plus the help of every command.

Typer takes a command's help from the docstring of its function, and a docstring cannot carry a
gettext marker. This extractor yields what Babel's Python extractor finds (``_``, ``N_``,
``ngettext`` …) and, in addition, the docstring of every function registered as a command or
callback in the file (``@group.command(...)``, ``@group.callback(...)`` or
``group.command("name")(function)``), so ``make i18n-update`` puts the help texts into the catalog
and the catalog test covers them. ``babel.cfg`` maps the CLI modules to it.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

#: Registration methods whose function's docstring becomes a command's help.
REGISTERING = frozenset({"command", "callback"})


def _registering_call(node: ast.expr) -> bool:
    """Whether ``node`` is a call ``<anything>.command(...)`` / ``<anything>.callback(...)``."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in REGISTERING


def command_functions(tree: ast.Module) -> set[str]:
    """Return the names of the functions a module registers as commands or callbacks."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(_registering_call(d) for d in node.decorator_list):
            names.add(node.name)
        # group.command("name")(function)
        if isinstance(node, ast.Call) and _registering_call(node.func):
            names.update(arg.id for arg in node.args if isinstance(arg, ast.Name))
    return names


def command_docstrings(source: str) -> Iterator[tuple[int, str]]:
    """Yield ``(line, docstring)`` of every command or callback function defined in ``source``."""
    tree = ast.parse(source)
    wanted = command_functions(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in wanted:
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.body[0].lineno, doc


def extract_python_and_help(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Any,
) -> Iterator[tuple[Any, ...]]:
    """Babel extraction method: the Python extractor's messages, then the commands' docstrings.

    Yields ``(line, function name, message, comments)`` as Babel's extraction methods do.
    """
    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)
    encoding = str(options.get("encoding", "utf-8"))
    for line, doc in command_docstrings(source.decode(encoding)):
        yield line, "_", doc, []
