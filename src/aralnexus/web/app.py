"""The Starlette application: routes, static files, protections and error pages.

Errors become pages (or JSON under ``/api/``) with the CLI's problem lines and a 4xx status:
bad input 400 (422 for a scenario that does not validate), unknown run or file 404, an existing
file 409, a full queue 429; anything unexpected is logged and answered 500 without a traceback.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from importlib import resources
from pathlib import Path

from plotly.offline import get_plotlyjs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from aralnexus.errors import InfeasibleScenarioError, InputError
from aralnexus.i18n import LANGUAGES, Language, use_language
from aralnexus.i18n.plotly_locale import plotly_locale_js
from aralnexus.store import UnknownRunError, open_store
from aralnexus.store.locking import StoreBusyError
from aralnexus.web import views_jobs, views_runs, views_scenarios
from aralnexus.web.cache import StoreCache
from aralnexus.web.catalog import Catalog, ConflictError, NotFoundError
from aralnexus.web.config import WebConfig
from aralnexus.web.i18n import LanguageMiddleware, _
from aralnexus.web.jobs import JobQueue, QueueFullError
from aralnexus.web.render import error
from aralnexus.web.security import CsrfToken, GuardMiddleware, HostMiddleware

log = logging.getLogger(__name__)

#: Files of ``aralnexus/web/static`` served under ``/static/``, with their media types.
STATIC_FILES: dict[str, str] = {
    "app.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}

#: plotly.js locales served under ``/static/`` (file name → language); English is plotly's own.
PLOTLY_LOCALES: dict[str, Language] = {f"plotly-locale-{lang}.js": lang for lang in LANGUAGES if lang != "en"}


@cache
def _asset(name: str) -> tuple[bytes, str]:
    """Return a static file's bytes and ETag; ``plotly.min.js`` comes from the installed plotly package.

    ``plotly-locale-ru.js`` is plotly.js's Russian locale, built offline from CLDR and the catalog
    (:func:`aralnexus.i18n.plotly_locale.plotly_locale_js`).
    """
    if name == "plotly.min.js":
        body = get_plotlyjs().encode()
    elif name in PLOTLY_LOCALES:
        with use_language(PLOTLY_LOCALES[name]):
            body = plotly_locale_js().encode()
    else:
        body = resources.files("aralnexus.web").joinpath("static", name).read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


async def static(request: Request) -> Response:
    """Serve the web's own CSS/JS and plotly.js (no CDN: the pages work offline)."""
    name = request.path_params["name"]
    if name == "plotly.min.js" or name in PLOTLY_LOCALES:
        media = "text/javascript; charset=utf-8"
    elif name in STATIC_FILES:
        media = STATIC_FILES[name]
    else:
        raise HTTPException(404, _("no such file"))
    body, etag = _asset(name)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


async def favicon(request: Request) -> Response:
    """Browsers that ask for ``/favicon.ico`` get the SVG icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


async def home(request: Request) -> Response:
    """Start at the scenarios."""
    return RedirectResponse("/scenarios", status_code=302)


async def health(request: Request) -> Response:
    """``ok`` once the server answers (for scripts that start it)."""
    return PlainTextResponse("ok")


async def _input_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InputError)
    if isinstance(exc, NotFoundError | UnknownRunError):
        return error(request, 404, _("Not found"), problems=exc.problems)
    if isinstance(exc, ConflictError):
        return error(request, 409, _("Already exists"), problems=exc.problems)
    return error(request, 400, _("Bad input"), problems=exc.problems)


async def _infeasible(request: Request, exc: Exception) -> Response:
    return error(request, 422, _("Infeasible scenario"), str(exc))


async def _queue_full(request: Request, exc: Exception) -> Response:
    response = error(request, 429, _("The run queue is full"), str(exc))
    response.headers["Retry-After"] = "30"
    return response


async def _busy(request: Request, exc: Exception) -> Response:
    return error(request, 503, _("The store is busy"), str(exc))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {404: _("Not found"), 405: _("Method not allowed"), 403: _("Forbidden"), 413: _("Too large")}
    return error(request, exc.status_code, titles.get(exc.status_code, _("Bad request")), str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    message = _("Something went wrong on the server; the details are in its log.")
    return error(request, 500, _("Internal error"), message)


def create_app(config: WebConfig) -> Starlette:
    """Return the web application for ``config`` (the run queue starts with the app's lifespan)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.queue = JobQueue(config.workers, config.max_queue)
        try:
            yield
        finally:
            app.state.queue.close()

    routes = [
        Route("/", home),
        Route("/health", health),
        Route("/static/{name}", static, name="static"),
        Route("/favicon.ico", favicon),
        *views_scenarios.ROUTES,
        *views_jobs.ROUTES,
        *views_runs.ROUTES,
    ]
    middleware = [
        Middleware(HostMiddleware, allowed_hosts=config.allowed_hosts),
        Middleware(GuardMiddleware, max_body_bytes=config.max_body_bytes),
        Middleware(LanguageMiddleware),
    ]
    handlers = {
        InputError: _input_error,
        InfeasibleScenarioError: _infeasible,
        QueueFullError: _queue_full,
        StoreBusyError: _busy,
        HTTPException: _http,
        Exception: _unexpected,
    }
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=lifespan)
    app.state.config = config
    app.state.catalog = Catalog(config)
    app.state.store = open_store(config.store)
    app.state.cache = StoreCache(Path(config.store))
    app.state.csrf = CsrfToken()
    return app
