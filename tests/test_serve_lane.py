"""The plain-ASGI lane of POST /predict answers exactly as FastAPI's route (same status,
error, detail and predictions), and every request it must not take still reaches FastAPI's
checks (foreign host 400, body limit 413, content type 415, multipart, chunked bodies)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests._serve_model import TinyTabular
from yearn.serve import create_app

JSON = {"content-type": "application/json"}
BODIES = [
    b'{"x1": 0.5, "x2": 1.0, "color": "red"}',
    b'{"rows": [{"x1": 1, "color": "blue"}, {"x1": -2.5, "x2": null, "color": "green"}]}',
    b'{"x1": 1, "color": 3}',  # a number for a category: its text, then refused
    b'{"x1": 1, "color": "purple"}',
    b'{"color": "red"}',
    b'{"x1": "1.5", "color": "red"}',
    b'{"x1": false, "color": "red"}',
    b'{"x1": 1e39, "color": "red"}',
    b'{"x1": NaN, "color": "red"}',
    b'{"x1": 1, "color": "red", "x9": 3}',
    b'{"rows": []}',
    b'{"rows": [{"x1": 1, "color": "red"}, {"x1": 1, "color": 7}]}',
    b"[1, 2]",
    b"{nope",
    b"\xff\xfe",
    b"",
]


class _Counting:
    """The app's lane, counting the requests it takes."""

    def __init__(self, lane) -> None:
        self.lane, self.taken = lane, 0

    def takes(self, scope) -> bool:
        return self.lane.takes(scope)

    async def __call__(self, scope, receive, send) -> None:
        self.taken += 1
        await self.lane(scope, receive, send)


def _answers(model, lane: bool) -> tuple[list[tuple[int, dict]], int]:
    app = create_app(model, max_wait_ms=0)
    app.predict_lane = counting = _Counting(app.predict_lane) if lane else None
    out = []
    with TestClient(app) as client:
        for raw in BODIES:
            r = client.post("/predict", content=raw, headers=JSON)
            body = r.json()
            if r.status_code == 200:
                assert r.headers["x-request-id"] == body.pop("request_id")
                assert len(r.headers["x-request-id"]) == 32
            out.append((r.status_code, body))
    return out, counting.taken if counting else 0


def test_the_lane_answers_every_body_like_the_fastapi_route(tmp_path):
    fast, taken = _answers(TinyTabular(tmp_path), lane=True)
    slow, none = _answers(TinyTabular(tmp_path), lane=False)
    assert taken == len(BODIES) and none == 0  # the lane took them all; FastAPI all the others
    assert fast == slow
    statuses = [s for s, _ in fast]
    assert statuses[:2] == [200, 200] and set(statuses[2:]) == {422}
    assert all(b["error"].startswith("body") for s, b in fast if s == 422)


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(TinyTabular(tmp_path), max_body_bytes=1000)) as c:
        yield c


def test_requests_the_lane_must_not_take_get_fastapis_checks(client):
    row = {"x1": 1, "color": "red"}
    r = client.post("/predict", json=row, headers={"host": "evil.example"})
    assert r.status_code == 400 and "host" in r.text.lower()
    r = client.post("/predict", content=json.dumps(row), headers={"content-type": "text/plain"})
    assert r.status_code == 415 and "content-type" in r.json()["error"]
    assert client.post("/predict", json={"rows": [row] * 100}).status_code == 413
    form = client.post("/predict", files={"x1": (None, "1"), "color": (None, "red")})
    assert form.status_code == 200, form.text

    def chunks():  # no Content-Length: the body streams through BodyLimit
        yield json.dumps(row).encode()

    assert client.post("/predict", content=chunks(), headers=JSON).status_code == 200

    def too_many():
        for _ in range(20):
            yield json.dumps({"rows": [row] * 5}).encode()

    assert client.post("/predict", content=too_many(), headers=JSON).status_code == 413


@pytest.mark.parametrize(
    ("host", "allowed", "taken"),
    [
        ("127.0.0.1:8000", None, True),
        ("LOCALHOST", None, True),
        ("testserver", None, True),
        ("evil.example", None, False),
        ("127.0.0.1:80x", None, False),
        ("[::1]:8000", None, False),  # left to TrustedHostMiddleware
        ("anything.example:9", ["*"], True),
        ("a.example", ["*.example"], False),  # wildcards: left to TrustedHostMiddleware
    ],
)
def test_the_lane_takes_only_hosts_trusted_host_middleware_would_pass(
    tmp_path, host, allowed, taken
):
    app = create_app(TinyTabular(tmp_path), allowed_hosts=allowed)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/predict",
        "headers": [(b"host", host.encode()), (b"content-length", b"10")],
    }
    assert app.predict_lane.takes(scope) is taken
    assert app.predict_lane.takes({**scope, "path": "/predict/"}) is False
    assert app.predict_lane.takes({**scope, "method": "GET"}) is False


def test_a_body_longer_than_its_content_length_is_413_not_read_on(tmp_path):
    import asyncio

    app = create_app(TinyTabular(tmp_path), max_body_bytes=1000)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/predict",
        "headers": [(b"host", b"127.0.0.1"), (b"content-length", b"10")],
    }
    pieces = [b"x" * 600] * 3
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": pieces.pop(0), "more_body": bool(pieces)}

    async def send(message):
        sent.append(message)

    assert app.predict_lane.takes(scope)
    asyncio.run(app.predict_lane(scope, receive, send))
    assert sent[0]["status"] == 413 and b"larger than 1000 bytes" in sent[1]["body"]
    assert len(pieces) == 1  # stopped reading at the limit
