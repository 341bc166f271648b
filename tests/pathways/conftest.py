from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic


@pytest.fixture
def dataset():
    return synthetic.make_dataset()


@pytest.fixture
def scenario():
    return synthetic.make_scenario()


@pytest.fixture
def results():
    return synthetic.make_results()
