"""Fixtures of the hydrology tests; helpers live in hydrology_support.py (unique name, importable from tests)."""

from hydrology_support import cli_on_fixture, dataset, model, synthetic_10k

__all__ = ["cli_on_fixture", "dataset", "model", "synthetic_10k"]
