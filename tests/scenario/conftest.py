"""Fixtures for scenario tests: the small fixture dataset and a YAML writer."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from scenario_fixture import write_dataset

from aralnexus.data.dataset import Dataset, load_dataset, load_default


@pytest.fixture(scope="session")
def base(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The small fixture dataset (same ids as the default: rogun, nurek, toktogul, kambarata1, …)."""
    return load_dataset(write_dataset(tmp_path_factory.mktemp("dataset")))


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented YAML text to ``tmp_path/<name>`` and return the path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def default_dataset() -> Dataset:
    """The built-in default dataset, read once per test session."""
    return load_default()


@pytest.fixture
def cli_default(monkeypatch: pytest.MonkeyPatch, default_dataset: Dataset) -> Dataset:
    """Make in-process CLI calls reuse the session's default dataset instead of re-reading the CSVs."""
    monkeypatch.setattr("aralnexus.scenario.load.load_default", lambda: default_dataset)
    return default_dataset
