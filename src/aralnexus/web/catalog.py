"""Scenario files the browser may see: the examples (read-only) and the user's folder.

Every path is built here from a folder and a plain file name checked against :data:`FILE_NAME`
and resolved inside its folder, so no request can name ``../`` or an absolute path. Validation
is :func:`aralnexus.scenario.scenario_from_text` — the checks of ``aralnexus validate`` — plus one
rule of the web's own: an inflow record (``hydrology.record_file``) must lie in the scenario's
folder, so a scenario cannot make the server look at other files.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from aralnexus.data.dataset import Dataset, load_default
from aralnexus.errors import InputError, Problem
from aralnexus.scenario import Scenario, scenario_from_text
from aralnexus.scenario.yaml_read import read_scenario_text, read_yaml
from aralnexus.web.config import WebConfig
from aralnexus.web.i18n import _

Source = Literal["examples", "user"]
SOURCES: tuple[Source, ...] = ("examples", "user")
#: A scenario file name: letters, digits, ``. _ -``, ending in ``.yaml`` or ``.yml``; no folders.
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}\.ya?ml$")
#: Validations remembered (the editor asks again for the same text, e.g. on every page view).
MAX_VALIDATIONS = 256
_NAME_EXPECTED = "a file name such as my-scenario.yaml (letters, digits, '.', '_' and '-'; no folders)"

#: What a new scenario starts from.
STARTER = """\
# A scenario is a YAML overlay on the default dataset: list only what you change.
name: my-scenario
description: What this scenario assumes, in one or two sentences.
"""


class NotFoundError(InputError):
    """A scenario file that does not exist (HTTP 404)."""


class ConflictError(InputError):
    """Saving would overwrite a file without being asked to (HTTP 409)."""


@dataclass(frozen=True)
class ScenarioEntry:
    """One scenario file as listed on the scenarios page."""

    source: Source
    file: str
    name: str
    description: str
    note: str = ""


@dataclass(frozen=True)
class Finding:
    """One validation problem placed in the editor: its line (if known) and field."""

    line: int | None
    field: str
    message: str
    expected: str
    found: str
    hint: str


@dataclass(frozen=True)
class Validation:
    """The outcome of validating a scenario text."""

    valid: bool
    findings: tuple[Finding, ...] = ()
    overrides: tuple[tuple[str, str, str], ...] = ()
    name: str = ""

    def as_json(self) -> dict[str, Any]:
        """Return the JSON form sent to the editor (``aralnexus validate --json`` in spirit)."""
        return {
            "valid": self.valid,
            "name": self.name,
            "problems": [f.__dict__ for f in self.findings],
            "overrides": [{"path": p, "default": d, "value": v} for p, d, v in self.overrides],
        }


def check_file_name(file: str) -> str:
    """Return ``file`` when it is a plain scenario file name.

    Raises
    ------
    InputError
        For anything else (a folder, ``..``, an absolute path, another extension).
    """
    if not FILE_NAME.fullmatch(file or ""):
        raise InputError([Problem("<request>", "file", _NAME_EXPECTED, repr(file))])
    return file


def _line_of(problem: Problem, label: str) -> int | None:
    rest = problem.file[len(label) + 1 :] if problem.file.startswith(label + ":") else ""
    head = rest.split(":", 1)[0]
    return int(head) if head.isdigit() else None


def findings(error: InputError, label: str) -> tuple[Finding, ...]:
    """Turn an :class:`InputError` about ``label`` into editor findings (line and field of each problem)."""
    out = []
    for p in error.problems:
        line = _line_of(p, label)
        where = (f"line {line}: " if line else "") + (f"{p.field}: " if p.field else "")
        text = f"{where}expected {p.expected}, found {p.found}" + (f" ({p.hint})" if p.hint else "")
        out.append(Finding(line, p.field, text, p.expected, p.found, p.hint))
    return tuple(out)


class Catalog:
    """The scenario files of one web application."""

    def __init__(self, config: WebConfig) -> None:
        self.user = config.scenarios
        self.examples = config.examples
        self._lock = threading.Lock()
        self._validations: OrderedDict[tuple[str, str, str], Validation] = OrderedDict()
        self._listing: tuple[object, list[ScenarioEntry]] | None = None

    def folder(self, source: str) -> Path:
        """Return the folder of ``source`` (``examples`` or ``user``)."""
        if source == "user":
            return self.user
        if source == "examples" and self.examples is not None:
            return self.examples
        raise NotFoundError([Problem("<request>", "source", "examples or user", repr(source))])

    def path(self, source: str, file: str) -> Path:
        """Return the path of an existing scenario file, checked to lie inside its folder.

        Raises
        ------
        InputError
            If ``file`` is not a plain file name (HTTP 400).
        NotFoundError
            If there is no such file (HTTP 404).
        """
        folder = self.folder(source)
        path = self._inside(folder, check_file_name(file))
        if not path.is_file():
            raise NotFoundError([Problem(f"{source}/{file}", "", "an existing scenario file", "no such file")])
        return path

    @staticmethod
    def _inside(folder: Path, file: str) -> Path:
        root = folder.resolve()
        path = (root / file).resolve()
        if path.parent != root:
            raise InputError([Problem("<request>", "file", "a file inside the scenarios folder", repr(file))])
        return path

    def _files(self) -> list[tuple[Source, Path]]:
        out: list[tuple[Source, Path]] = []
        for source in SOURCES:
            try:
                folder = self.folder(source)
            except NotFoundError:
                continue
            if not folder.is_dir():
                continue
            root = folder.resolve()
            paths = sorted(folder.iterdir())
            out.extend(
                (source, p) for p in paths if FILE_NAME.fullmatch(p.name) and p.is_file() and p.resolve().parent == root
            )
        return out

    def entries(self) -> list[ScenarioEntry]:
        """Return the example scenarios, then the user's, each sorted by file name.

        Files are read again only when one of them (or the set of files) has changed.
        """
        files = self._files()
        signature = tuple((source, p.name, p.stat().st_mtime_ns, p.stat().st_size) for source, p in files)
        with self._lock:
            if self._listing is not None and self._listing[0] == signature:
                return self._listing[1]
        listed = [_entry(source, p) for source, p in files]
        with self._lock:
            self._listing = (signature, listed)
        return listed

    def read(self, source: str, file: str) -> str:
        """Return the text of a scenario file (read as ``aralnexus validate`` reads one: size-limited UTF-8)."""
        return read_scenario_text(self.path(source, file), f"{source}/{file}")

    def save(self, file: str, text: str, *, overwrite: bool) -> Path:
        """Write ``text`` to the user's folder atomically; an existing file only when ``overwrite``.

        Raises
        ------
        ConflictError
            If the file exists and ``overwrite`` is false (nothing is written).
        """
        self.user.mkdir(parents=True, exist_ok=True)
        path = self._inside(self.user, check_file_name(file))
        if path.exists() and not overwrite:
            hint = "tick 'overwrite' to replace it, or choose another file name"
            raise ConflictError([Problem(f"user/{file}", "", "a new file name", "an existing file", hint)])
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def remembered(self, text: str, file: str, source: str = "user") -> Validation | None:
        """Return the validation of this text if it was done before (never validates)."""
        with self._lock:
            return self._validations.get((text, file, source))

    def validate(self, text: str, file: str, source: str = "user") -> Validation:
        """Validate a scenario text as if it were ``file`` in ``source``'s folder (remembered per text)."""
        key = (text, file, source)
        with self._lock:
            if key in self._validations:
                self._validations.move_to_end(key)
                return self._validations[key]
        try:
            scenario = self.load_text(text, file, source)
        except InputError as error:
            validation = Validation(False, findings(error, file))
        else:
            overrides = tuple((o.path, o.default or "", o.value or "") for o in scenario.overrides)
            validation = Validation(True, (), overrides, scenario.name)
        with self._lock:
            self._validations[key] = validation
            while len(self._validations) > MAX_VALIDATIONS:
                self._validations.popitem(last=False)
        return validation

    def load_text(self, text: str, file: str, source: str = "user") -> Scenario:
        """Return the scenario of ``text`` as if it were ``file`` in ``source``'s folder.

        Raises
        ------
        InputError
            Every problem ``aralnexus validate`` finds, or an inflow record outside the folder.
        """
        return load_checked(text, file, self.folder(source))


def load_checked(text: str, file: str, folder: Path) -> Scenario:
    """Validate ``text`` as the scenario file ``file`` in ``folder`` (the editor's and the worker's check).

    Raises
    ------
    InputError
        Every problem ``aralnexus validate`` finds, or an inflow record outside ``folder``.
    """
    check_file_name(file)
    raw, lines = read_yaml(text, file)
    record_problem = _record_outside(raw, lines, file, folder)
    if record_problem is not None:
        raise InputError([record_problem])
    return scenario_from_text(text, label=file, folder=folder, base=default_dataset())


@cache
def default_dataset() -> Dataset:
    """Return the default dataset, loaded once per process (the overlay copies what it changes)."""
    return load_default()


def _record_outside(raw: object, lines: dict[str, int], label: str, folder: Path) -> Problem | None:
    """Return a problem when ``hydrology.record_file`` points outside ``folder``."""
    hydrology = raw.get("hydrology") if isinstance(raw, dict) else None
    record = hydrology.get("record_file") if isinstance(hydrology, dict) else None
    if not isinstance(record, str) or not record:
        return None
    root = folder.resolve()
    inside = not Path(record).is_absolute() and (root / record).resolve().is_relative_to(root)
    if inside:
        return None
    line = lines.get("hydrology.record_file")
    where = f"{label}:{line}" if line else label
    hint = "copy the record into the scenarios folder and give its name"
    return Problem(where, "hydrology.record_file", "a file inside the scenarios folder", repr(record), hint)


def _entry(source: Source, path: Path) -> ScenarioEntry:
    try:  # the guarded readers of aralnexus.scenario: size, depth and alias limits
        raw, _lines = read_yaml(read_scenario_text(path, path.name), path.name)
    except InputError:
        return ScenarioEntry(source, path.name, path.stem, "", _("not readable as YAML: open it to see why"))
    data = raw if isinstance(raw, dict) else {}
    name = data.get("name")
    description = data.get("description")
    return ScenarioEntry(
        source,
        path.name,
        str(name) if name else path.stem,
        " ".join(str(description).split()) if description else "",
    )
