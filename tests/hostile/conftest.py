"""Fixtures of the hostile-input corpus; helpers live in hostile_support.py (unique name, importable)."""

from hostile_support import cli, default_dataset, write

__all__ = ["cli", "default_dataset", "write"]
