"""Checks on files a user names, made before reading them: type, size, encoding.

A path given on the command line or in a scenario may be anything: a directory, a FIFO (opening
it blocks), a device (reading it never ends), a file of gigabytes, UTF-16 text. These helpers
refuse such files at once with an :class:`~aralnexus.errors.InputError` naming the file.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from aralnexus.errors import InputError, Problem
from aralnexus.i18n import _


def _file_kind(mode: int) -> str:
    """Describe a file type that is not a regular file."""
    kinds = (
        (stat.S_ISDIR, _("a directory")),
        (stat.S_ISFIFO, _("a named pipe (FIFO)")),
        (stat.S_ISCHR, _("a character device")),
        (stat.S_ISBLK, _("a block device")),
        (stat.S_ISSOCK, _("a socket")),
    )
    return next((text for test, text in kinds if test(mode)), _("not a regular file"))


def regular_file_problem(path: Path, label: str, expected: str, field: str = "") -> Problem | None:
    """Return a problem if ``path`` exists but is not a regular file (a directory, FIFO, device …)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return Problem(label, field, expected, _("no such file (or a broken link)"))
    except OSError as exc:
        return Problem(label, field, expected, _("an unreadable path ({reason})", reason=exc.strerror))
    return None if stat.S_ISREG(info.st_mode) else Problem(label, field, expected, _file_kind(info.st_mode))


def read_limited_bytes(path: Path, label: str, *, expected: str, max_bytes: int, field: str = "") -> bytes:
    """Return the bytes of a regular file of at most ``max_bytes``, checked before reading.

    A directory, FIFO, device or socket is refused without opening it (opening a FIFO would
    block), and a file larger than ``max_bytes`` is refused from its size (and by reading at most
    ``max_bytes + 1`` bytes, for files whose size the system does not report).

    Raises
    ------
    InputError
        Naming ``label`` (and ``field``) when the file is missing, not a regular file, too large
        or unreadable.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError([Problem(label, field, expected, _("no such file"))]) from None
    except OSError as exc:
        problem = Problem(label, field, expected, _("an unreadable path ({reason})", reason=exc.strerror))
        raise InputError([problem]) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError([Problem(label, field, expected, _file_kind(info.st_mode))])
    limit, size = format(max_bytes, ","), format(max(info.st_size, max_bytes + 1), ",")
    too_large = Problem(
        label, field, _("{expected} of at most {n} bytes", expected=expected, n=limit), _("{n} bytes", n=size)
    )
    if info.st_size > max_bytes:
        raise InputError([too_large])
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise InputError([Problem(label, field, expected, _("a file without read permission"))]) from None
    except OSError as exc:
        problem = Problem(label, field, expected, _("an unreadable file ({reason})", reason=exc.strerror))
        raise InputError([problem]) from None
    if len(data) > max_bytes:
        raise InputError([too_large])
    return data


_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 text"),
    (b"\xff\xfe\x00\x00", "UTF-32 text"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)


def text_encoding_problem(data: bytes) -> str:
    """Name a UTF-16/UTF-32 encoding recognised from its byte-order mark ('' for anything else)."""
    return next((name for bom, name in _BOMS if data.startswith(bom)), "")


_SAFE_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


def safe_component(name: str, *, file: str, field: str) -> str:
    """Return ``name`` if it can be used as one file or folder name, else refuse it.

    Names read from untrusted input (a run id or table name from a store) become paths under an
    output folder; ``../../x``, ``/etc/x``, names with separators, leading dots or control
    characters could write elsewhere.

    Raises
    ------
    InputError
        Naming ``file`` and ``field``: expected letters, digits, ``.``, ``_``, ``-`` (first a
        letter or digit, at most 200 characters).
    """
    if not _SAFE_COMPONENT.match(name):
        expected = _("a name of letters, digits, '.', '_' and '-' (starting with a letter or digit)")
        raise InputError([Problem(file, field, expected, repr(name)[:120], _("it would be used as a file name"))])
    return name


def inside(folder: Path, path: Path) -> bool:
    """Whether ``path`` lies inside ``folder`` once both are resolved (links followed)."""
    return Path(path).resolve().is_relative_to(Path(folder).resolve())
