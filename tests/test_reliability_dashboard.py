"""The dashboard refuses what a hostile page can send: foreign Hosts and Origins, non-JSON
writes, token-less forms, and oversized bodies (cut off while streaming)."""

from __future__ import annotations

import asyncio
import warnings

import pytest

from tests.browser._project import clone_ui_project
from yearn.erroranalysis import load_worksheet
from yearn.ui import create_app


def _client(app, base_url: str = "http://localhost"):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx2.*")
        from fastapi.testclient import TestClient
    return TestClient(app, base_url=base_url)


@pytest.fixture
def proj(tmp_path_factory, tmp_path):
    return clone_ui_project(tmp_path_factory, tmp_path / "proj")


@pytest.fixture
def app(proj):
    return create_app(proj.root)


def test_only_loopback_names_are_admitted_by_default(app, proj):
    assert _client(app, "http://testserver").get("/api/runs").status_code == 400
    assert _client(app, "http://evil.example").get("/api/runs").status_code == 400
    for name in ("http://localhost:8765", "http://127.0.0.1:8765"):
        assert _client(app, name).get("/api/runs").status_code == 200
    named = create_app(proj.root, allowed_hosts=["testserver"])  # a test names its client
    assert _client(named, "http://testserver").get("/api/runs").status_code == 200


def _tags_url(proj) -> tuple[str, str]:
    ex = load_worksheet(proj.worksheet).ids[0]
    return ex, f"/api/runs/{proj.run_a}/examples/{ex}/tags"


def test_a_foreign_origin_cannot_save_tags(app, proj):
    client = _client(app)
    ex, url = _tags_url(proj)
    before = proj.worksheet.read_bytes()
    body = b'{"tags": ["pwned"]}'
    res = client.put(
        url, content=body, headers={"content-type": "text/plain", "origin": "http://evil.com"}
    )
    assert res.status_code == 403 and "evil.com" in res.json()["error"]
    res = client.put(
        url, content=body, headers={"content-type": "application/json", "origin": "http://evil.com"}
    )
    assert res.status_code == 403
    res = client.put(
        url,
        content=body,
        headers={"content-type": "application/json", "sec-fetch-site": "cross-site"},
    )
    assert res.status_code == 403
    assert proj.worksheet.read_bytes() == before
    # text/plain from the page itself is still not JSON
    res = client.put(
        url, content=body, headers={"content-type": "text/plain", "origin": "http://localhost"}
    )
    assert res.status_code == 415 and "application/json" in res.json()["error"]
    assert proj.worksheet.read_bytes() == before
    # the dashboard's own request: same origin, JSON
    res = client.put(url, json={"tags": ["kept"]}, headers={"origin": "http://localhost"})
    assert res.status_code == 200, res.text
    assert load_worksheet(proj.worksheet).tags(ex) == ["kept"]


def test_a_cross_site_form_cannot_create_a_worksheet(app, proj):
    client = _client(app)
    proj.worksheet.unlink()
    url = f"/runs/{proj.run_a}/errors"
    assert client.post(url, data={}, follow_redirects=False).status_code == 403
    assert client.post(url, data={"token": "guess"}, follow_redirects=False).status_code == 403
    token = app.state.form_token
    res = client.post(
        url, data={"token": token}, headers={"origin": "http://evil.com"}, follow_redirects=False
    )
    assert res.status_code == 403
    assert not proj.worksheet.exists()
    assert f'value="{token}"' in client.get(url).text  # the page embeds the token
    res = client.post(url, data={"token": token}, follow_redirects=False)
    assert res.status_code == 303 and proj.worksheet.is_file()


def test_an_api_post_needs_json(app, proj):
    client = _client(app)
    proj.worksheet.unlink()
    url = f"/api/runs/{proj.run_a}/worksheet"
    assert client.post(url, content=b"", headers={"content-type": "text/plain"}).status_code == 415
    assert not proj.worksheet.exists()
    assert client.post(url, json={}).status_code == 200 and proj.worksheet.is_file()


def _send_chunked(app, path: str, total: int, chunk: int) -> tuple[int, int]:
    """Stream ``total`` bytes in chunks without Content-Length; (status, bytes read)."""
    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        if read >= total:
            return {"type": "http.disconnect"}
        read += chunk
        return {"type": "http.request", "body": b"x" * chunk, "more_body": read < total}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PUT",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8765),
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], read


def test_a_chunked_upload_is_cut_off_at_the_limit(app, proj):
    from yearn.ui._app import MAX_BODY

    _, url = _tags_url(proj)
    status, read = _send_chunked(app, url, total=8 * 1024 * 1024, chunk=16 * 1024)
    assert status == 413
    assert read <= MAX_BODY + 16 * 1024  # stopped reading: not 8 MB
    status, _ = _send_chunked(app, url, total=1024, chunk=512)  # null case: a small body
    assert status != 413
