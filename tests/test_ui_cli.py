"""``yearn ui`` from the command line: binding, busy ports, bad projects, a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.browser._project import clone_ui_project
from yearn.errors import ConfigError
from yearn.ui import check_port, is_loopback


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fake_uvicorn(monkeypatch):
    """Record what uvicorn would serve instead of blocking on a real server."""
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


def test_binds_localhost_by_default(cli, tmp_path, fake_uvicorn):
    port = _free_port()
    result = cli("ui", "--project", tmp_path, "--port", port)
    assert result.exit_code == 0, result.output
    assert fake_uvicorn[0]["host"] == "127.0.0.1" and fake_uvicorn[0]["port"] == port
    assert f"http://127.0.0.1:{port}/" in result.output
    assert "warning" not in result.output


def test_warns_when_binding_elsewhere(cli, tmp_path, fake_uvicorn):
    result = cli("ui", "--project", tmp_path, "--host", "0.0.0.0", "--port", _free_port())
    assert result.exit_code == 0, result.output
    assert "warning: binding to 0.0.0.0" in result.output
    assert sum("warning" in line for line in result.output.splitlines()) == 1
    assert fake_uvicorn[0]["host"] == "0.0.0.0"


def test_port_in_use_exits_2_with_a_clear_message(cli, tmp_path, fake_uvicorn):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("ui", "--project", tmp_path, "--port", port)
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.output
    assert "--port" in result.output
    assert not fake_uvicorn


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_bad_port_exits_2(cli, tmp_path, port, fake_uvicorn):
    result = cli("ui", "--project", tmp_path, "--port", port)
    assert result.exit_code == 2
    assert "port must be a whole number from 1 to 65535" in result.output


def test_missing_project_exits_2(cli, tmp_path, fake_uvicorn):
    result = cli("ui", "--project", tmp_path / "nowhere", "--port", _free_port())
    assert result.exit_code == 2
    assert "does not exist" in result.output and "--project" in result.output
    assert not fake_uvicorn


def test_python_helpers():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    with pytest.raises(ConfigError, match="cannot resolve host"):
        check_port("no-such-host.invalid", 8765)
    with pytest.raises(ConfigError, match="port must be"):
        check_port("127.0.0.1", True)


def test_real_server_in_a_subprocess(tmp_path_factory, tmp_path):
    proj = clone_ui_project(tmp_path_factory, tmp_path / "proj")
    port = _free_port()
    exe = Path(sys.executable).with_name("yearn")
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [str(exe), "ui", "--project", str(proj.root), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                res = httpx.get(f"http://127.0.0.1:{port}/api/runs", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"yearn ui did not start: {out}")
                time.sleep(0.2)
        assert res.status_code == 200
        assert {r["name"] for r in res.json()["runs"]} == {"mlp-small", "mlp-wide", "broken"}
        ex = "dev-000"
        put = httpx.put(
            f"http://127.0.0.1:{port}/api/runs/{proj.run_a}/examples/{ex}/tags",
            json={"tags": ["blurry"]},
            timeout=10,
        )
        assert put.status_code == 200, put.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
    # the server is gone; the tag is in the file
    from yearn.erroranalysis import load_worksheet

    assert load_worksheet(proj.worksheet).tags(ex) == ["blurry"]
