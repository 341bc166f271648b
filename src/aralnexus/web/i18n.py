"""The one place user-visible text of the web pages goes through (translations come with issue 17).

Templates call ``_("text")`` (a Jinja global) and Python code :func:`gettext`; both return the
text unchanged for now, with ``{name}`` placeholders filled from keyword arguments.
"""

from __future__ import annotations

from typing import Any


def gettext(text: str, /, **values: Any) -> str:
    """Return ``text`` in the page's language (English for now), with ``{name}`` placeholders filled."""
    return text.format(**values) if values else text


_ = gettext
