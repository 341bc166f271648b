"""Reading requests safely: forms and JSON bodies with the page token, and checked identifiers."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from aralnexus.errors import InputError, Problem
from aralnexus.web.i18n import _
from aralnexus.web.security import TOKEN_FIELD, TOKEN_HEADER

#: A run id or a unique prefix of one (hex digits of the run key).
RUN_ID = re.compile(r"^[0-9a-f]{4,64}$")
#: A month as the CLI's ``--start`` / ``--end`` take it.
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: Hydrology overrides the browser may ask for (``record:FILE`` would name a path: not offered).
HYDROLOGY = re.compile(r"^(median|mean|dry|wet|dry-sequence|synthetic(:\d{1,6})?)$")
MAX_FIELDS = 64


async def read_form(request: Request) -> FormData:
    """Return the posted form (no files, at most :data:`MAX_FIELDS` fields) after checking its token."""
    try:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    except HTTPException:
        raise
    except Exception as error:  # a malformed body is the client's problem
        raise HTTPException(400, _("the form could not be read: {error}", error=error)) from None
    request.app.state.csrf.check(form.get(TOKEN_FIELD))
    return form


async def read_json(request: Request) -> dict[str, Any]:
    """Return the posted JSON object after checking the ``X-CSRF-Token`` header."""
    request.app.state.csrf.check(request.headers.get(TOKEN_HEADER))
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, _("the request body is not JSON")) from None
    if not isinstance(data, dict):
        raise HTTPException(400, _("the request body must be a JSON object"))
    return data


def text(form: FormData | dict[str, Any], name: str, default: str = "") -> str:
    """Return a text field of a form or JSON body (``default`` when absent; 400 for a file or non-text)."""
    value = form.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise HTTPException(400, _("field {name} must be text", name=name))
    return value


def run_id(value: str, field: str = "run") -> str:
    """Return ``value`` when it looks like a run id (or a prefix of one).

    Raises
    ------
    InputError
        Otherwise, naming the field (HTTP 400).
    """
    if not RUN_ID.fullmatch(value):
        raise InputError([Problem("<request>", field, "a run id (hex digits, at least 4)", repr(value[:80]))])
    return value


def run_options(start: str, end: str, hydrology: str) -> tuple[str | None, str | None, str | None]:
    """Check the run overrides of the run form (as ``aralnexus run --start --end --hydrology``).

    Raises
    ------
    InputError
        Listing every bad option.
    """
    problems = []
    for option, value in (("--start", start), ("--end", end)):
        if value and not MONTH.fullmatch(value):
            problems.append(Problem("<run form>", option, 'a month "YYYY-MM"', repr(value[:40])))
    if hydrology and not HYDROLOGY.fullmatch(hydrology):
        expected = "median, mean, dry, wet, dry-sequence or synthetic[:MEMBER]"
        problems.append(Problem("<run form>", "--hydrology", expected, repr(hydrology[:40])))
    if start and end and not problems and end < start:
        problems.append(Problem("<run form>", "--end", f"a month not before the start ({start})", repr(end)))
    if problems:
        raise InputError(problems)
    return start or None, end or None, hydrology or None
