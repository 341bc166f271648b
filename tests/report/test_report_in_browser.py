from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aralnexus.report import ReportFiles

CHROMEDRIVER = Path("/usr/bin/chromedriver")


def _driver():  # type: ignore[no-untyped-def]
    if not CHROMEDRIVER.exists() or not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip(
            "headless chromium not installed (apt-get install chromium chromium-driver, or scripts/ensure-chromium.sh)"
        )
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.mark.browser
@pytest.mark.parametrize(("files", "n_charts"), [("report_files", 6), ("ensemble_report_files", 5)])
def test_every_chart_renders_offline_without_console_errors(
    files: str, n_charts: int, request: pytest.FixtureRequest
) -> None:
    """A single run's report (6 charts) and an ensemble's (5 risk charts) draw every chart in headless Chromium."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    report_files: ReportFiles = request.getfixturevalue(files)
    driver = _driver()
    try:
        driver.get(report_files.html.resolve().as_uri())
        charts = driver.find_elements(By.CSS_SELECTOR, "div.plotly-graph-div")
        assert len(charts) == len(report_files.pngs) == n_charts

        def all_rendered(d) -> bool:  # type: ignore[no-untyped-def]
            return all(
                c.find_elements(By.CSS_SELECTOR, "svg.main-svg")
                for c in d.find_elements(By.CSS_SELECTOR, "div.plotly-graph-div")
            )

        WebDriverWait(driver, 30).until(all_rendered)
        for chart in charts:
            assert chart.find_elements(By.CSS_SELECTOR, "svg.main-svg"), chart.get_attribute("id")
            assert chart.find_elements(By.CSS_SELECTOR, ".plot .trace, .barlayer .trace, .scatterlayer .trace")
        assert driver.execute_script("return typeof Plotly") == "object"
        severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert severe == []
    finally:
        driver.quit()
