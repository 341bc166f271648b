"""Fixtures shared by every test package (the folder is on ``sys.path``, so ``browser_support`` imports)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from browser_support import start_chromium


@pytest.fixture
def chromium() -> Iterator[Callable[..., Any]]:
    """Start headless Chromium drivers (``chromium(width, height, lang=…)``); every one is quit after the test."""
    drivers: list[Any] = []

    def start(width: int = 1280, height: int = 1000, *, lang: str | None = None) -> Any:
        driver = start_chromium(width, height, lang=lang)
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.quit()
