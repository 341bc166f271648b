"""The one place user-visible text of the web pages goes through: the catalogs of :mod:`aralnexus.i18n`.

Templates call ``_("text")`` (a Jinja global) and Python code :func:`gettext`; both return the
text in the page's language with ``{name}`` placeholders filled from keyword arguments.

The page's language is chosen per request by :class:`LanguageMiddleware`: ``?lang=ru|en`` (the
switch in the page footer; remembered in a cookie), else the cookie, else the browser's
``Accept-Language``, else English. JSON bodies keep their English keys.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Final
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aralnexus.i18n import LANGUAGES, Language, get_language, gettext, use_language

COOKIE: Final = "aralnexus_lang"

_ = gettext


def _known(value: str | None) -> Language | None:
    name = (value or "").strip().lower()
    return next((language for language in LANGUAGES if language == name), None)


def accepted_language(header: str | None) -> Language | None:
    """Return the supported language the browser prefers most (``Accept-Language``), or None.

    ``ru-RU,ru;q=0.9,en;q=0.8`` → ``ru``; entries with ``q=0`` are refused; ties keep header order.
    """
    best: tuple[float, int, Language] | None = None
    for index, item in enumerate((header or "").split(",")):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = _known(tag.split("-")[0])
        if language is None or not quality > 0:
            continue
        if best is None or (quality, -index) > (best[0], -best[1]):
            best = (quality, index, language)
    return None if best is None else best[2]


def request_language(query_string: str, cookie_header: str | None, accept_language: str | None) -> Language:
    """Choose the language of a request: ``?lang=``, else the cookie, else ``Accept-Language``, else English.

    An unknown ``?lang=`` value is ignored (the page still renders), like an unknown browser language.
    """
    chosen = _known(parse_qs(query_string).get("lang", [""])[-1])
    if chosen is None and cookie_header:
        cookie = SimpleCookie()
        cookie.load(cookie_header)
        if COOKIE in cookie:
            chosen = _known(cookie[COOKIE].value)
    return chosen or accepted_language(accept_language) or "en"


class LanguageMiddleware:
    """ASGI middleware: the request is handled in its language; ``?lang=`` is remembered in a cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle the request with the language of :func:`request_language` set."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        query = scope.get("query_string", b"").decode("latin-1")
        language = request_language(query, headers.get("cookie"), headers.get("accept-language"))
        switched = _known(parse_qs(query).get("lang", [""])[-1]) is not None

        async def send_with_cookie(message: Message) -> None:
            if switched and message["type"] == "http.response.start":
                cookie = f"{COOKIE}={language}; Path=/; SameSite=Lax; Max-Age=31536000"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        with use_language(language):
            await self.app(scope, receive, send_with_cookie)


__all__ = ["COOKIE", "LanguageMiddleware", "_", "accepted_language", "get_language", "gettext", "request_language"]
