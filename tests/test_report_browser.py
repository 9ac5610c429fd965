"""The HTML report opened from disk in a real headless Chromium (Selenium + Debian's
chromedriver): every section rendered, every image decoded, and no request left the page.

A screenshot goes to ``tmp_path`` and, when set, to ``$YEARN_TEST_ARTIFACTS``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests._workflow_project import FAST, SECTION_IDS, make_project

CHROMIUM = Path(os.environ.get("YEARN_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("YEARN_CHROMEDRIVER", "/usr/bin/chromedriver"))

pytestmark = pytest.mark.browser

if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
    pytest.skip(
        f"browser tests need {CHROMIUM} and {CHROMEDRIVER} "
        "(apt-get install -y chromium chromium-driver)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium (dev extra)")
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from yearn.workflow import run_project

    root = make_project(tmp_path_factory.mktemp("report-browser") / "tiny")
    return run_project(root, options=FAST).report


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,4000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        options=opts, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    )
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_report_renders_offline_in_chromium(report, browser, tmp_path):
    browser.get(report.resolve().as_uri())
    for id in SECTION_IDS:
        section = browser.find_element(By.ID, id)
        assert section.get_attribute("data-present") == "yes", id
        assert section.size["height"] > 40, id  # laid out, not collapsed
    # charts drawn: polylines with a real extent
    lines = browser.find_elements(By.CSS_SELECTOR, "#curves svg polyline")
    assert len(lines) >= 6 and all(line.size["width"] > 10 for line in lines)
    assert browser.find_element(By.CSS_SELECTOR, "#diagnosis svg").size["width"] > 100
    # every image decoded from its data URI
    broken = browser.execute_script(
        "return [...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.src.slice(0, 40));"
    )
    assert broken == []
    # nothing was requested: no resource entries, no blocked loads in the console
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);"
    )
    assert resources == []
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    shot = tmp_path / "report.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("YEARN_TEST_ARTIFACTS"):
        out = Path(os.environ["YEARN_TEST_ARTIFACTS"])
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, out / "report.png")
