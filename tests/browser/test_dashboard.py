"""The dashboard in a real headless Chromium (Selenium + Debian's chromedriver).

Opens the runs list, overlays curves, opens a run, tags two examples on the error-analysis
page (one by clicking, one with the keyboard), reloads, and checks that the tags are on the
page and in the worksheet file. Screenshots go to ``tmp_path`` and, when set, to
``$YEARN_TEST_ARTIFACTS``; with ``YEARN_UPDATE_SCREENSHOTS=1`` the README screenshots in
``docs/img/`` are rewritten too.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.browser._project import clone_ui_project
from yearn.erroranalysis import load_worksheet

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("YEARN_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("YEARN_CHROMEDRIVER", "/usr/bin/chromedriver"))
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"

if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
    pytest.skip(
        f"browser tests need {CHROMIUM} and {CHROMEDRIVER} "
        "(apt-get install -y chromium chromium-driver)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium (dev extra)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return clone_ui_project(tmp_path_factory, tmp_path_factory.mktemp("browser") / "shop-photos")


@pytest.fixture(scope="module")
def server(project):
    import uvicorn

    from yearn.ui import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(project.root), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the dashboard did not start within 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download
    profile = tmp_path_factory.mktemp("chromium-profile")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=opts, service=service)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _shot(driver, tmp_path: Path, name: str, docs_name: str | None = None) -> Path:
    path = tmp_path / name
    driver.save_screenshot(str(path))
    if os.environ.get("YEARN_TEST_ARTIFACTS"):
        out = Path(os.environ["YEARN_TEST_ARTIFACTS"])
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out / name)
    if docs_name and os.environ.get("YEARN_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMG / docs_name)
    return path


def _chips_on(card) -> list[str]:
    return [b.get_attribute("data-tag") for b in card.find_elements(By.CSS_SELECTOR, ".chip.on")]


def _wait_saved(driver, example_id: str) -> None:
    WebDriverWait(driver, 10).until(
        EC.text_to_be_present_in_element((By.ID, "status"), f"saved {example_id}")
    )


def test_open_run_tag_two_examples_reload_tags_kept(server, project, browser, tmp_path):
    b = browser
    b.get(server + "/")
    rows = b.find_elements(By.CSS_SELECTOR, "tr.run-row")
    assert {r.find_element(By.CSS_SELECTOR, "a.run-link").text for r in rows} == {
        "mlp-small",
        "mlp-wide",
        "broken",
    }
    _shot(b, tmp_path, "01-runs.png", "dashboard-runs.png")

    # overlay the curves of the two train runs
    b.find_element(By.CSS_SELECTOR, "#runs-form button[type=submit]").click()
    WebDriverWait(b, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "figure.chart")))
    runs_drawn = {
        p.get_attribute("data-run") for p in b.find_elements(By.CSS_SELECTOR, "polyline.series")
    }
    assert runs_drawn == {project.run_a, project.run_b}
    _shot(b, tmp_path, "02-curves.png", "dashboard-curves.png")

    # open the run and its diagnosis
    b.get(server + "/")
    b.find_element(By.LINK_TEXT, "mlp-small").click()
    WebDriverWait(b, 20).until(EC.presence_of_element_located((By.ID, "diagnosis")))
    assert "Diagnosis" in b.find_element(By.ID, "diagnosis").text
    assert b.find_elements(By.CSS_SELECTOR, "#diagnosis .yearn-diagnosis")
    _shot(b, tmp_path, "03-run.png")

    # the error-analysis page
    b.find_element(By.ID, "errors-link").click()
    WebDriverWait(b, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "article.card")))
    cards = b.find_elements(By.CSS_SELECTOR, "article.card")
    assert len(cards) == 10
    img = cards[0].find_element(By.CSS_SELECTOR, ".preview img")
    assert b.execute_script("return arguments[0].naturalWidth", img) == 24  # served image
    first, second = (c.get_attribute("data-id") for c in cards[:2])

    # tag the first example by clicking a tag
    cards[0].find_element(By.CSS_SELECTOR, '.chip[data-tag="blurry"]').click()
    _wait_saved(b, first)
    # tag the second one with the keyboard: j (next), 1 (first palette tag), t + type + Enter
    body = b.find_element(By.TAG_NAME, "body")
    cards[0].click()
    body = b.switch_to.active_element
    body.send_keys("j")
    WebDriverWait(b, 5).until(lambda d: "current" in cards[1].get_attribute("class"))
    b.switch_to.active_element.send_keys("1")
    _wait_saved(b, second)
    b.switch_to.active_element.send_keys("t")
    box = b.switch_to.active_element
    assert box.get_attribute("class") == "tag-input"
    box.send_keys("thick stroke\n")
    WebDriverWait(b, 10).until(EC.text_to_be_present_in_element((By.ID, "status"), "thick stroke"))
    _shot(b, tmp_path, "04-tagging.png", "tagging.png")

    # reload: the tags come back from the worksheet file
    b.refresh()
    WebDriverWait(b, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "article.card")))
    cards = b.find_elements(By.CSS_SELECTOR, "article.card")
    assert _chips_on(cards[0]) == ["blurry"]
    assert _chips_on(cards[1]) == ["mislabeled", "thick stroke"]
    sheet = load_worksheet(project.worksheet)
    assert sheet.tags(first) == ["blurry"]
    assert sheet.tags(second) == ["mislabeled", "thick stroke"]

    # nothing left the machine, and the page logged no errors
    urls = b.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href])"
    )
    assert urls and all(u.startswith(server) or u.startswith("data:") for u in urls), urls
    severe = [e for e in b.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe
