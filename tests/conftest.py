"""Shared test setup: hermetic HOME and caches, a headless matplotlib."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# No test asserts a wall-clock time: hypothesis' per-example deadline (200 ms by default)
# and its too-slow health check are timings, failing on a loaded machine, not on code.
settings.register_profile("yearn", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("yearn")

_SANDBOX = Path(tempfile.mkdtemp(prefix="yearn-tests-home-"))
for _var, _sub in {
    "HOME": "home",
    "XDG_CACHE_HOME": "cache",
    "XDG_CONFIG_HOME": "config",
    "YEARN_CACHE_DIR": "yearn-cache",
    "TORCH_HOME": "torch",
    "HF_HOME": "hf",
}.items():
    (_SANDBOX / _sub).mkdir(parents=True, exist_ok=True)
    os.environ[_var] = str(_SANDBOX / _sub)
# matplotlib's font cache is kept inside the repository (git-ignored), so it is built once
_MPL_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "test-mpl"
_MPL_CACHE.mkdir(parents=True, exist_ok=True)
os.environ["MPLCONFIGDIR"] = str(_MPL_CACHE)
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.pop("YEARN_STORE_URL", None)
os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture
def cli():
    """Invoke the ``yearn`` CLI in-process: ``cli("runs", "--project", path)``."""
    from typer.testing import CliRunner

    from yearn.cli import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input)

    return invoke


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def one_torch_thread():
    """Tiny models train fastest on one CPU thread (and are immune to a busy machine); a test
    module that trains opts in with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
