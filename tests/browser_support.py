"""Headless Chromium for the browser tests: Debian's chromium and chromedriver through Selenium.

One place for the driver's setup (the report's and the web pages' browser tests use it through the
``chromium`` fixture of ``tests/conftest.py``): no browser is downloaded; when chromium, chromedriver
or Selenium are missing the test is skipped with the command that installs them.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = "headless chromium not installed (scripts/ensure-chromium.sh installs Debian's chromium, chromedriver)"
#: Flags for a headless browser in a container: no sandbox, GPU or background traffic.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
)


def start_chromium(width: int = 1280, height: int = 1000, *, lang: str | None = None) -> Any:
    """Return a Selenium driver of headless Chromium that keeps the console log (skip the test if unavailable).

    ``lang`` sets the browser's preferred language (``Accept-Language``), e.g. ``ru``.
    """
    if not CHROMEDRIVER.exists() or not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip(INSTALL_HINT)
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in (*CHROMIUM_ARGS, f"--window-size={width},{height}"):
        options.add_argument(arg)
    if lang:
        options.add_argument(f"--lang={lang}")
        options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def severe_console_entries(driver: Any) -> list[dict[str, Any]]:
    """Return the console entries of level SEVERE (errors) logged since the last call."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def wait_for_charts(driver: Any, timeout_s: float = 30) -> int:
    """Wait until every plotly chart on the page has drawn its traces; return how many charts there are."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def drawn(d: Any) -> bool:
        charts = d.find_elements(By.CSS_SELECTOR, "div.plotly-graph-div")
        return bool(charts) and all(c.find_elements(By.CSS_SELECTOR, "svg.main-svg") for c in charts)

    WebDriverWait(driver, timeout_s, poll_frequency=0.2).until(drawn)
    charts = driver.find_elements(By.CSS_SELECTOR, "div.plotly-graph-div")
    for chart in charts:
        traces = chart.find_elements(By.CSS_SELECTOR, ".scatterlayer .trace, .barlayer .trace, .plot .trace")
        assert traces, chart.get_attribute("id")
    assert driver.execute_script("return typeof Plotly") == "object"
    return len(charts)
