"""Fixtures of the simulate tests; helpers live in simulate_support.py (unique name, importable from tests)."""

from simulate_support import members, system

__all__ = ["members", "system"]
