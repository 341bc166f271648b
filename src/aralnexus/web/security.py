"""Safe by default: body size limit, cross-site request checks and protective response headers.

- Every request body is limited to ``max_body_bytes`` (HTTP 413), whether it states its length
  or streams it.
- A state-changing request (POST …) must come from this site's own pages: a browser's
  ``Sec-Fetch-Site`` (when sent) must be ``same-origin`` or ``none``, an ``Origin`` (when sent)
  must be the server's own, and the request must carry the page token
  (:meth:`CsrfToken.check`, a form field or the ``X-CSRF-Token`` header).
- Responses forbid framing, MIME sniffing and loading anything from another origin (CSP).
- The ``Host`` header must name one of the allowed hosts (:class:`HostMiddleware`; protects a
  loopback server from DNS rebinding). IPv6 addresses are compared in their canonical form, so
  ``[::1]`` and ``[0:0:0:0:0:0:0:1]`` are the same loopback host, with or without a port.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aralnexus.web.i18n import _

UNSAFE_METHODS: frozenset[str] = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_FIELD = "csrf_token"
TOKEN_HEADER = "x-csrf-token"

#: Everything from this server only; plotly's chart calls are inline scripts written by the report.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


#: A ``Host`` header: a bracketed IPv6 literal or a name / IPv4 address, then an optional port.
_HOST_HEADER = re.compile(r"^(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[^\[\]:/@\s]+))(?::(?P<port>[0-9]{1,5}))?$")


def canonical_host(value: str) -> str | None:
    """Return the host of a ``Host`` header or of an allowed-host entry in one comparable form.

    Names are lower-cased; an IPv6 address (``::1``, ``[::1]``, ``[0:0:0:0:0:0:0:1]:8000``) becomes
    its compressed form in brackets (``[::1]``); the port is dropped. ``None`` for a malformed value.
    """
    text = value.strip()
    if text.count(":") > 1 and not text.startswith("["):  # a bare IPv6 address (an allowed-host entry)
        text = f"[{text}]"
    match = _HOST_HEADER.fullmatch(text)
    if match is None:
        return None
    if match["ipv6"] is not None:
        try:
            return f"[{ipaddress.IPv6Address(match['ipv6']).compressed}]"
        except ValueError:
            return None
    return str(match["name"]).lower()


class HostMiddleware:
    """ASGI middleware: refuse (HTTP 400) a request whose ``Host`` is not one of ``allowed_hosts`` (``*``: any)."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        hosts = list(allowed_hosts)
        self.allow_any = "*" in hosts
        self.allowed = {h for h in (canonical_host(a) for a in hosts if a != "*") if h is not None}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on when its host is allowed, else answer 400."""
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = canonical_host(Headers(scope=scope).get("host", ""))
        if host is None or host not in self.allowed:
            await _plain(send, 400, _("this server does not answer to that host name (Host header refused)"))
            return
        await self.app(scope, receive, send)


class CsrfToken:
    """The token this server's pages carry; a request from another site cannot read it."""

    def __init__(self, value: str | None = None) -> None:
        self.value = value or secrets.token_urlsafe(32)

    def check(self, given: object) -> None:
        """Raise HTTP 403 unless ``given`` is this server's token."""
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), self.value.encode()):
            detail = _("this form has expired or came from another site: reload the page and try again")
            raise HTTPException(403, detail)


class GuardMiddleware:
    """ASGI middleware: body size limit, cross-site checks on unsafe methods, security headers."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on with a size-limited body and add headers to the response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        problem = self._refuse(scope, headers)
        if problem is not None:
            await _plain(send, *problem)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(*self._too_large())
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, limited_receive, send_with_headers)

    def _too_large(self) -> tuple[int, str]:
        kib = self.max_body_bytes // 1024
        return 413, _("the request is larger than this server accepts ({kib} KiB)", kib=kib)

    def _refuse(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            return self._too_large()
        if scope["method"] not in UNSAFE_METHODS:
            return None
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return 403, _("cross-site request refused ({site})", site=site)
        origin = headers.get("origin")
        if origin is not None and origin != "null":
            parts = urlsplit(origin)
            if parts.netloc != headers.get("host", ""):
                return 403, _("cross-site request refused (Origin {origin})", origin=origin)
        elif origin == "null":
            return 403, _("cross-site request refused (Origin null)")
        return None


async def _plain(send: Send, status: int, text: str) -> None:
    body = f"{status}: {text}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
