"""Safe by default: body size limit, cross-site request checks and protective response headers.

- Every request body is limited to ``max_body_bytes`` (HTTP 413), whether it states its length
  or streams it.
- A state-changing request (POST …) must come from this site's own pages: a browser's
  ``Sec-Fetch-Site`` (when sent) must be ``same-origin`` or ``none``, an ``Origin`` (when sent)
  must be the server's own, and the request must carry the page token
  (:meth:`CsrfToken.check`, a form field or the ``X-CSRF-Token`` header).
- Responses forbid framing, MIME sniffing and loading anything from another origin (CSP).
"""

from __future__ import annotations

import hmac
import secrets
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
