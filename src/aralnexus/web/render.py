"""Jinja2 templates (autoescaped) and the responses built from them, including error pages."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import jinja2
import pandas as pd
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from aralnexus import __version__
from aralnexus.errors import Problem
from aralnexus.i18n import format_number, get_language, ngettext
from aralnexus.web.i18n import gettext

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("aralnexus.web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def number(value: object, digits: int = 2) -> str:
    """Format a number for a table cell in the page's language (empty for missing values)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_number(value, 0)
    if isinstance(value, float):
        return format_number(value, digits)
    return str(value)


def when(value: object) -> str:
    """Format a timestamp as ``YYYY-MM-DD HH:MM`` (empty when missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


ENV.globals.update(_=gettext, ngettext=ngettext, lang=get_language, version=__version__)
ENV.filters.update(number=number, when=when)


def html(request: Request, template: str, **context: Any) -> str:
    """Return ``template`` rendered with the page context (CSRF token, current path) and ``context``."""
    token = request.app.state.csrf.value
    return ENV.get_template(template).render(csrf_token=token, path=request.url.path, **context)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Return the response of ``template`` rendered with the page context and ``context``."""
    return HTMLResponse(html(request, template, **context), status_code=status)


def wants_json(request: Request) -> bool:
    """Whether the request is one of the JSON API's (``/api/…``) or asks for JSON."""
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def error(
    request: Request, status: int, title: str, message: str = "", problems: list[Problem] | None = None
) -> Response:
    """Return an error page (or JSON for the API) with the CLI's problem lines; never a traceback."""
    lines = [str(p) for p in problems or []]
    if wants_json(request):
        return JSONResponse({"error": title, "message": message, "problems": lines}, status_code=status)
    try:
        return page(request, "error.html", status, status_code=status, title=title, message=message, problems=lines)
    except Exception:  # a page that cannot render still answers plainly
        body = "\n".join([f"{status}: {title}", message, *lines])
        return Response(body, status_code=status, media_type="text/plain")
