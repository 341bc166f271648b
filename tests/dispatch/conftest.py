"""Fixtures of the dispatch tests; helpers live in dispatch_support.py (unique name, importable from tests)."""

from dispatch_support import scenario

__all__ = ["scenario"]
