"""The web target in a real headless Chromium, served by ``yearn serve --web``'s app:
predictions for 20 dev examples (table and images) equal onnxruntime's in Python to 1e-4,
a pasted row is predicted through the page's UI, and the page requests nothing from another
host. Screenshots go to ``tmp_path`` and, when set, to ``$YEARN_TEST_ARTIFACTS``."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from tests._serve_projects import dev_rows, exported

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("YEARN_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("YEARN_CHROMEDRIVER", "/usr/bin/chromedriver"))

if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
    pytest.skip(
        f"browser tests need {CHROMIUM} and {CHROMEDRIVER} "
        "(apt-get install -y chromium chromium-driver)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium (dev extra)")
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def web_runtime():
    from yearn.errors import ConfigError
    from yearn.ship.targets import fetch_runtime

    try:
        return fetch_runtime()
    except ConfigError as exc:
        pytest.skip(f"onnxruntime-web is not available: {exc}")


def _serve(export: Path, root: Path):
    import uvicorn

    from yearn.serve import plan_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    plan = plan_server(project=root, model=export, web=True, log=False)
    srv = uvicorn.Server(uvicorn.Config(plan.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("yearn serve --web did not start within 30 s")
        time.sleep(0.05)
    return srv, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    root, export = exported(tmp_path_factory.mktemp("web") / "toy", "table")
    srv, thread, url = _serve(export, root)
    yield root, export, url
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    root, export = exported(tmp_path_factory.mktemp("web") / "img", "image")
    srv, thread, url = _serve(export, root)
    yield root, export, url
    srv.should_exit = True
    thread.join(timeout=10)


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
        "--window-size=1000,760",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(
        options=opts, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    )
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(120)
    driver.implicitly_wait(20)
    yield driver
    driver.quit()


def _open(browser, url: str) -> None:
    browser.get_log("performance")  # drop earlier pages' events
    browser.get(f"{url}/web/")
    state = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.yearn.ready.then(() => done('ok')).catch(e => done('error: ' + e.message));"
    )
    assert state == "ok", (state, browser.get_log("browser"))


def _call(browser, fn: str, arg):
    out = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"window.yearn.{fn}(arguments[0]).then(done).catch(e => done({{error: e.message}}));",
        arg,
    )
    assert not (isinstance(out, dict) and "error" in out), out
    return out


def _requested_urls(browser) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def _only_own_host(urls: list[str], base: str) -> None:
    own = urlparse(base).netloc
    assert urls, "no request seen (performance log empty?)"
    foreign = [u for u in urls if urlparse(u).scheme in ("http", "https", "ws", "wss")
               and urlparse(u).netloc != own]  # fmt: skip
    assert not foreign, foreign


def _shot(browser, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    browser.save_screenshot(str(path))
    if os.environ.get("YEARN_TEST_ARTIFACTS"):
        out = Path(os.environ["YEARN_TEST_ARTIFACTS"])
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out / name)


def test_table_page_equals_onnxruntime_in_python(table, browser, tmp_path):
    from yearn.ship import load_exported

    root, export, url = table
    _open(browser, url)
    rows = dev_rows(root).drop(columns=["id"])
    assert len(rows) == 20
    payload = json.loads(rows.to_json(orient="records"))  # NaN → null
    got = _call(browser, "predictRows", payload)
    expected = load_exported(export).predict_frame(rows)
    assert [g["pred"] for g in got] == list(expected["pred"])
    for c in ("no", "yes"):
        diff = np.abs(np.array([g["proba"][c] for g in got]) - expected[f"proba:{c}"])
        assert diff.max() <= 1e-4, diff.max()
    # a person pastes a row and clicks
    first = rows.iloc[0]
    text = "x1,x2,color\n" + ",".join(
        "" if isinstance(v, float) and np.isnan(v) else str(v) for v in first
    )
    area = browser.find_element(By.ID, "rows")
    area.clear()
    area.send_keys(text)
    browser.find_element(By.ID, "predict").click()
    cell = browser.find_element(By.CSS_SELECTOR, "#result td.pred")
    assert cell.text == expected["pred"].iloc[0]
    browser.find_element(By.ID, "rows").send_keys("\n1,2,purple")
    browser.find_element(By.ID, "predict").click()
    assert "never seen in training" in browser.find_element(By.ID, "error").text
    area = browser.find_element(By.ID, "rows")
    area.clear()
    area.send_keys(text)
    browser.find_element(By.ID, "predict").click()
    _shot(browser, tmp_path, "serve-web-table.png")
    _only_own_host(_requested_urls(browser), url)


def test_image_page_equals_onnxruntime_in_python(images, browser, tmp_path):
    from yearn.data import load_images
    from yearn.ship import load_exported

    root, export, url = images
    _open(browser, url)
    rows = dev_rows(root)
    assert len(rows) == 20
    pixels = load_images([root / p for p in rows["path"]], grayscale=True)
    got = _call(browser, "predictImages", [a.reshape(-1).tolist() for a in pixels])
    expected = load_exported(export).predict_frame(rows.drop(columns=["id"]), base_dir=root)
    assert [g["pred"] for g in got] == list(expected["pred"])
    for c in ("c0", "c1", "c2"):
        diff = np.abs(np.array([g["proba"][c] for g in got]) - expected[f"proba:{c}"])
        assert diff.max() <= 1e-4, diff.max()
    # a person picks an image file: the page decodes it itself
    browser.find_element(By.ID, "file").send_keys(str(root / rows["path"].iloc[0]))
    cell = browser.find_element(By.CSS_SELECTOR, "#result td.pred")
    assert cell.text == expected["pred"].iloc[0]
    _shot(browser, tmp_path, "serve-web-image.png")
    _only_own_host(_requested_urls(browser), url)
