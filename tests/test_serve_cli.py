"""``yearn serve`` end to end over real exports: a uvicorn subprocess answers /predict like
``yearn predict``, logs every row to the project's request log, and stops cleanly; images
by multipart; the CLI's checks and the warning for a non-loopback host."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests._serve_projects import dev_rows, exported
from yearn.serve import plan_server, read_request_log
from yearn.ship import load_exported

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    return exported(tmp_path_factory.mktemp("serve-cli") / "toy", "table")


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return exported(tmp_path_factory.mktemp("serve-cli") / "img", "image")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_yearn_serve_answers_like_yearn_predict_and_logs(table, tmp_path):
    root, folder = table
    rows = dev_rows(root)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-c", "from yearn.cli import main; main()", "serve",
           "--run", folder.name, "-p", str(root), "--port", str(port),
           "--max-wait-ms", "2"]  # fmt: skip
    out = tmp_path / "serve.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen(cmd, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            if proc.poll() is not None:
                raise AssertionError(out.read_text())
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        payload = {"rows": rows.drop(columns=["id"]).replace({np.nan: None}).to_dict("records")}
        r = httpx.post(f"http://127.0.0.1:{port}/predict", json=payload, timeout=30)
        meta = httpx.get(f"http://127.0.0.1:{port}/metadata", timeout=5).json()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert r.status_code == 200, r.text
    expected = load_exported(folder).predict_frame(rows.drop(columns=["id"]))
    got = r.json()["predictions"]
    assert [p["pred"] for p in got] == list(expected["pred"])
    np.testing.assert_allclose([p["proba"]["yes"] for p in got], expected["proba:yes"], atol=1e-6)
    assert meta["model_version"] == folder.name or meta["run_id"] == folder.name
    assert meta["metric"]["interval"][0] <= meta["metric"]["dev_value"]
    text = out.read_text()
    assert "serving" in text and "/docs" in text and "request log" in text
    logged = read_request_log(root)
    assert len(logged) == len(rows) and set(logged["request_id"]) == {r.json()["request_id"]}
    np.testing.assert_allclose(logged["proba:yes"], expected["proba:yes"], atol=1e-6)


def test_image_by_multipart_and_base64_equals_yearn_predict(images):
    root, folder = images
    rows = dev_rows(root, n=3)
    plan = plan_server(project=root, model=folder, log=False)
    expected = load_exported(folder).predict_frame(rows.drop(columns=["id"]), base_dir=root)
    with TestClient(plan.app) as client:
        for i, path in enumerate(rows["path"]):
            png = (root / path).read_bytes()
            r1 = client.post("/predict", files={"path": ("x.png", png, "image/png")})
            r2 = client.post("/predict", json={"path": base64.b64encode(png).decode()})
            assert r1.status_code == 200 and r2.status_code == 200, (r1.text, r2.text)
            assert r1.json()["predictions"] == r2.json()["predictions"]
            p = r1.json()["predictions"][0]
            assert p["pred"] == expected["pred"].iloc[i]
            for c in ("c0", "c1", "c2"):
                assert abs(p["proba"][c] - expected[f"proba:{c}"].iloc[i]) <= 1e-6


def test_cli_checks_and_non_loopback_warning(table, cli, monkeypatch):
    root, folder = table
    result = cli("serve", "--model", folder, "--run", folder.name, "-p", root)
    assert result.exit_code == 2 and "exactly one of --model" in result.output
    result = cli("serve", "--run", "no-such-run", "-p", root)
    assert result.exit_code == 2 and "yearn export" in result.output
    calls = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    result = cli("serve", "--model", folder, "--host", "0.0.0.0", "--port", str(_free_port()),
                 "--no-log")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "0.0.0.0" in result.output
    assert calls and calls[0]["host"] == "0.0.0.0"
    calls.clear()
    result = cli("serve", "--model", folder, "--port", str(_free_port()), "--no-log")
    assert result.exit_code == 0 and "warning" not in result.output
    assert calls[0]["host"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("mode", "says"), [("process", "survives a killed server"), ("machine", "machine crash")]
)
def test_the_start_up_line_states_the_log_sync_mode(table, cli, monkeypatch, mode, says):
    root, folder = table
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    args = ["serve", "--run", folder.name, "-p", root, "--port", str(_free_port())]
    result = cli(*args, "--log-sync", mode)
    assert result.exit_code == 0, result.output
    assert f"--log-sync {mode}" in result.output and says in result.output
    result = cli(*args, "--log-sync", "always")
    assert result.exit_code == 2 and "'process'" in result.output and "'machine'" in result.output


def test_serve_web_serves_the_page_from_memory_only(table, cli, monkeypatch):
    from yearn.errors import ConfigError
    from yearn.ship.targets import fetch_runtime

    try:
        fetch_runtime()
    except ConfigError as exc:
        pytest.skip(f"onnxruntime-web is not available: {exc}")
    _root, folder = table
    apps = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: apps.append(app))
    result = cli("serve", "--model", folder, "--web", "--no-log", "--port", str(_free_port()))
    assert result.exit_code == 0, result.output
    assert "/web/" in result.output
    with TestClient(apps[0]) as client:
        page = client.get("/web/")
        assert page.status_code == 200 and folder.name in page.text
        assert client.get("/web/model.onnx").content == (folder / "model.onnx").read_bytes()
        assert client.get("/web/ort-wasm-simd-threaded.wasm").headers["content-type"] == (
            "application/wasm"
        )
        for name in ("yearn.toml", "..%2Fyearn.toml", "metadata.json.tmp"):
            assert client.get(f"/web/{name}").status_code == 404
        assert client.get("/").status_code == 200  # redirected to the page
