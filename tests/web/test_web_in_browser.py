"""``aralnexus serve`` in headless Chromium: edit, validate as you type, run, read the charts, compare.

A real server (uvicorn, real worker processes, a real store) on a loopback port. Set
``ARALNEXUS_SCREENSHOTS=DIR`` to also save the screenshots used in docs/web.md.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aralnexus.web import WebConfig, create_app
from aralnexus.web.config import repository_examples
from browser_support import severe_console_entries, wait_for_charts

#: A short horizon keeps each run to a few seconds (docs/web.md's screenshots use a longer one).
HORIZON = tuple(os.environ.get("ARALNEXUS_BROWSER_HORIZON", "2026-01:2026-06").split(":"))
SCENARIO = f"""\
name: browser-test
description: Rogun a year late and CASA-1000 from 2030.
horizon: {{start: "{HORIZON[0]}", end: "{HORIZON[1]}"}}
plants:
  rogun:
    schedule_shift_months: 12
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real server on a free loopback port, stopped after the test."""
    uvicorn = pytest.importorskip("uvicorn")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = WebConfig(store=tmp_path / "runs.duckdb", scenarios=tmp_path / "scenarios", examples=repository_examples())
    app = create_app(config)
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert instance.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(20)


def _shoot(driver: Any, name: str, height: int = 0) -> None:
    """Save a screenshot when ``ARALNEXUS_SCREENSHOTS`` names a folder (``height``: grow the window first)."""
    folder = os.environ.get("ARALNEXUS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        if height:
            driver.set_window_size(1280, height)
            time.sleep(0.5)  # let the charts reflow to the new size
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))
        if height:
            driver.set_window_size(1280, 1000)


def _wait_for_run(driver: Any, wait: Any) -> str:
    """On a job page: wait until the run is done; return its run id."""
    from selenium.webdriver.common.by import By

    wait.until(lambda d: d.find_element(By.ID, "job").get_attribute("data-state") in ("done", "failed", "cancelled"))
    state = driver.find_element(By.ID, "job").get_attribute("data-state")
    assert state == "done", driver.find_element(By.ID, "job-error").text
    link = driver.find_element(By.ID, "run-link").get_attribute("href")
    return str(link).rsplit("/", 1)[-1]


@pytest.mark.browser
def test_create_validate_run_read_and_compare_in_the_browser(server: str, chromium: Callable[..., Any]) -> None:
    """Write a scenario, watch a typed error appear and go, run it and the default, read and compare the runs."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium(1280, 1000)
    wait = WebDriverWait(driver, 90, poll_frequency=0.2)
    status = (By.ID, "validation-status")
    try:
        driver.get(server + "/scenarios")
        assert driver.find_elements(By.CSS_SELECTOR, "#scenarios-examples tbody tr")
        _shoot(driver, "scenarios")

        # -- create: type a scenario, see an error appear next to its line and field, then go
        driver.get(server + "/scenarios/new")
        name = driver.find_element(By.ID, "file")
        name.clear()
        name.send_keys("browser-test.yaml")
        yaml = driver.find_element(By.ID, "yaml")
        driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", yaml, SCENARIO
        )
        wait.until(lambda d: "valid" in d.find_element(*status).text and "✓" in d.find_element(*status).text)
        yaml.send_keys(Keys.CONTROL, Keys.END)
        yaml.send_keys("    capacity_mw: lots")
        wait.until(lambda d: "✗" in d.find_element(*status).text)
        problem = driver.find_element(By.CSS_SELECTOR, "#problems li")
        assert problem.get_attribute("data-field") == "plants.rogun.capacity_mw"
        assert problem.get_attribute("data-line") == "7"
        assert "lots" in problem.text
        assert driver.find_element(By.CSS_SELECTOR, "#gutter span.bad").text == "7"
        _shoot(driver, "editor-error")
        for _ in "    capacity_mw: lots":
            yaml.send_keys(Keys.BACKSPACE)
        wait.until(lambda d: "✓" in d.find_element(*status).text)
        assert not driver.find_elements(By.CSS_SELECTOR, "#problems li")
        assert not driver.find_elements(By.CSS_SELECTOR, "#gutter span.bad")

        # the common-fields form: an error shows next to its field, a good value goes into the YAML
        casa = driver.find_element(By.ID, "f-casa_start")
        casa.send_keys("May 2030")
        driver.find_element(By.ID, "apply").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#msg-casa_start li"))
        casa.clear()
        casa.send_keys("2030-05")
        driver.find_element(By.ID, "apply").click()
        wait.until(lambda d: "✓" in d.find_element(*status).text)
        assert "casa1000_pk" in yaml.get_attribute("value")
        assert not driver.find_elements(By.CSS_SELECTOR, "#msg-casa_start li")
        _shoot(driver, "editor")

        # -- run it: queued, progress streamed, then the run page with its charts
        driver.find_element(By.ID, "save-run").click()
        wait.until(lambda d: d.find_elements(By.ID, "job"))
        ours = _wait_for_run(driver, wait)
        assert driver.find_element(By.ID, "job-lines").text.strip()  # streamed progress lines
        _shoot(driver, "job", height=700)
        assert severe_console_entries(driver) == []  # validation answers are results, never HTTP errors
        driver.find_element(By.ID, "run-link").click()
        assert wait_for_charts(driver, 90) >= 4
        assert driver.find_element(By.ID, "findings").text
        _shoot(driver, "run", height=2000)
        assert severe_console_entries(driver) == []

        # -- the default over the same months, then compare
        driver.get(server + "/run?source=default")
        driver.find_element(By.ID, "start").send_keys(HORIZON[0])
        driver.find_element(By.ID, "end").send_keys(HORIZON[1])
        driver.find_element(By.ID, "start-run").click()
        default = _wait_for_run(driver, wait)
        driver.get(f"{server}/compare?a={default}&b={ours}")
        assert wait_for_charts(driver, 90) >= 3
        rows = driver.find_elements(By.CSS_SELECTOR, "#compare-table tbody tr")
        assert rows
        assert "browser-test" in driver.find_element(By.CSS_SELECTOR, "p.subtitle").text
        _shoot(driver, "compare", height=2200)
        assert severe_console_entries(driver) == []
    except Exception:
        _shoot(driver, "failure")
        raise
