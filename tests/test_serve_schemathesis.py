"""Schemathesis against the served OpenAPI schema (small budget): generated requests for
every operation — valid bodies and deliberately invalid ones — get a documented answer and
never a server error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis (dev extra)")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests._serve_model import TinyTabular  # noqa: E402
from yearn.serve import create_app  # noqa: E402

_DIR = tempfile.TemporaryDirectory(prefix="yearn-schemathesis-")
APP = create_app(TinyTabular(Path(_DIR.name)), max_wait_ms=0)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
OPERATIONS = [("/predict", "POST"), ("/health", "GET"), ("/metadata", "GET")]
BUDGET = settings(
    max_examples=40, deadline=None, database=None, derandomize=True,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip


def _strategy(path: str, method: str, mode: str):
    from schemathesis.generation import GenerationMode

    op = SCHEMA[path][method]
    return op.as_strategy(generation_mode=GenerationMode(mode))


@pytest.mark.parametrize(
    ("path", "method", "mode"),
    [(p, m, mode) for p, m in OPERATIONS for mode in ("positive", "negative")
     if m == "POST" or mode == "positive"],  # GETs take no input to break
)  # fmt: skip
def test_api_conforms_to_its_schema(path, method, mode):
    seen: list[int] = []

    @BUDGET
    @given(case=st.data())
    def check(case):
        drawn = case.draw(_strategy(path, method, mode))
        response = drawn.call()
        seen.append(response.status_code)
        drawn.validate_response(response)
        assert response.status_code < 500, response.text

    check()
    assert seen
    if mode == "positive" and path == "/predict":
        assert 200 in seen  # valid rows were predicted, not only refused
