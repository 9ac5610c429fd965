"""yearn.serve's REST API over a real tiny ONNX model: rows in, predictions out, every row
logged, bad input answered 4xx naming the field and the fix."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests._serve_model import TinyImage, TinyTabular
from yearn.serve import RequestLog, columns_of, create_app, read_request_log


@pytest.fixture
def tabular(tmp_path):
    return TinyTabular(tmp_path)


@pytest.fixture
def client(tabular, tmp_path):
    log = RequestLog(tmp_path / "requests", columns_of(tabular.schema), tabular.metadata["classes"])
    app = create_app(tabular, request_log=log, max_batch=16, max_wait_ms=2)
    with TestClient(app) as c:
        c.log_folder = tmp_path / "requests"
        yield c


JSON = {"content-type": "application/json"}
ROWS = [
    {"x1": 0.5, "x2": 1.0, "color": "red"},
    {"x1": -1.0, "x2": None, "color": "blue"},
    {"x1": 2, "color": "green"},
]


def test_predict_many_rows_matches_the_model_and_is_logged(client, tabular):
    r = client.post("/predict", json={"rows": ROWS})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model_version"] == "tiny-1" and body["threshold"] == 0.5
    direct = tabular.predict_frame(
        __import__("pandas").DataFrame(
            {"x1": [0.5, -1.0, 2.0], "x2": [1.0, np.nan, np.nan], "color": ["red", "blue", "green"]}
        )
    )
    got = [p["proba"]["yes"] for p in body["predictions"]]
    np.testing.assert_allclose(got, direct["proba:yes"], atol=1e-7)
    assert [p["pred"] for p in body["predictions"]] == list(direct["pred"])
    client.__exit__(None, None, None)  # shut down: merge segments
    logged = read_request_log(client.log_folder)
    assert len(logged) == 3 and set(logged["request_id"]) == {body["request_id"]}
    assert list(logged["color"]) == ["red", "blue", "green"]
    assert np.isnan(logged["x2"].iloc[1])
    np.testing.assert_allclose(logged["proba:yes"], got, atol=1e-7)
    assert (logged["latency_ms"] >= 0).all() and (logged["model_version"] == "tiny-1").all()
    assert str(logged["time"].dt.tz) == "UTC"


def test_one_row_without_rows_wrapper(client):
    r = client.post("/predict", json=ROWS[0])
    assert r.status_code == 200 and len(r.json()["predictions"]) == 1


def test_threshold_is_the_models_operating_point(tmp_path):
    low = TinyTabular(tmp_path, threshold=0.0)
    with TestClient(create_app(low)) as c:
        preds = c.post("/predict", json={"rows": ROWS}).json()["predictions"]
    assert all(p["pred"] == "yes" for p in preds)


@pytest.mark.parametrize(
    ("body", "field", "fix"),
    [
        ({"x1": 1, "color": "purple"}, "color", "one of 'blue', 'green', 'red'"),
        ({"color": "red"}, "x1", "add 'x1'"),
        ({"x1": "abc", "color": "red"}, "x1", "finite number"),
        ({"x1": 1, "color": "red", "x9": 3}, "x9", "remove 'x9'"),
        ({"rows": [ROWS[0], {"x1": 1, "color": 7}]}, "rows.1.color", "one of"),
        ({"rows": []}, "rows", "rows"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_fix(client, body, field, fix):
    r = client.post("/predict", json=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert field in err and fix in err, err


def test_bad_bodies_are_4xx_never_500(client):
    assert client.post("/predict", content=b"{nope", headers=JSON).status_code == 422
    plain = {"content-type": "text/plain"}
    assert client.post("/predict", content=b"x", headers=plain).status_code == 415
    assert client.post("/predict", json=[1, 2]).status_code == 422
    assert client.post("/predict", json={"x1": None, "color": "red"}).status_code == 422
    nan = b'{"x1": NaN, "color": "red"}'
    assert client.post("/predict", content=nan, headers=JSON).status_code == 422


def test_body_size_limit_is_413(tabular):
    with TestClient(create_app(tabular, max_body_bytes=1000)) as c:
        r = c.post("/predict", json={"rows": [ROWS[0]] * 100})
    assert r.status_code == 413 and "larger than 1000 bytes" in r.json()["error"]


def test_health_metadata_and_openapi(client):
    assert client.get("/health").json()["status"] == "ok"
    meta = client.get("/metadata").json()
    assert meta["metric"] == {"name": "accuracy", "dev_value": 0.9, "interval": [0.85, 0.94]}
    assert meta["threshold"] == 0.5 and meta["fingerprint"] == "abc123"
    assert [c["name"] for c in meta["inputs"]] == ["x1", "x2", "color"]
    spec = client.get("/openapi.json").json()
    row = spec["components"]["schemas"]["Row"]
    assert set(row["required"]) == {"x1", "color"}
    assert "multipart/form-data" in spec["paths"]["/predict"]["post"]["requestBody"]["content"]
    assert client.get("/docs").status_code == 200


def test_foreign_host_header_is_refused(client):
    assert client.get("/health", headers={"host": "evil.example"}).status_code == 400


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def test_images_as_base64_and_multipart_give_the_same_answer(tmp_path):
    model = TinyImage(tmp_path)
    img = (np.arange(256).reshape(16, 16) % 251).astype(np.uint8)  # resized to 8x8
    png = _png(img)
    with TestClient(create_app(model)) as c:
        r1 = c.post("/predict", json={"image": base64.b64encode(png).decode()})
        r2 = c.post("/predict", files={"image": ("x.png", png, "image/png")})
        bad = c.post("/predict", json={"image": base64.b64encode(b"not an image").decode()})
        bad64 = c.post("/predict", json={"image": "%%%"})
    assert r1.status_code == 200 and r2.status_code == 200, (r1.text, r2.text)
    assert r1.json()["predictions"] == r2.json()["predictions"]
    expected = np.asarray(Image.fromarray(img).resize((8, 8), Image.Resampling.BILINEAR)) / 255
    direct = model.session.run(None, {"x": expected[None, None].astype(np.float32)})[0][0]
    np.testing.assert_allclose(
        list(r1.json()["predictions"][0]["proba"].values()), direct, atol=1e-6
    )
    assert bad.status_code == 422 and "PNG or JPEG" in bad.json()["error"]
    assert bad64.status_code == 422 and "base64" in bad64.json()["error"]


def test_a_request_the_model_refuses_does_not_fail_its_batch_neighbours(tmp_path):
    """The model's own validation error → 422 for that caller only."""
    model = TinyTabular(tmp_path)
    model.schema[2]["categories"] = ["blue", "green", "red", "pink"]  # server lets pink through
    import asyncio

    import httpx

    app = create_app(model, max_batch=64, max_wait_ms=50)

    async def go():
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as c,
        ):
            return await asyncio.gather(
                c.post("/predict", json={"x1": 1, "color": "red"}),
                c.post("/predict", json={"x1": 1, "color": "pink"}),
                c.post("/predict", json={"x1": 2, "color": "blue"}),
            )

    ok1, bad, ok2 = asyncio.run(go())
    assert ok1.status_code == 200 and ok2.status_code == 200
    assert bad.status_code == 422 and "pink" in bad.json()["error"]
    assert model.calls[0] == 3  # they did share a batch first


def test_numbers_are_json_numbers_but_form_text_is_parsed(client):
    """A boolean or a string where the schema says number is refused (schemathesis found a
    `false` taken as 0.0); a multipart form, whose fields are text, still sends numbers."""
    for value in (False, "1.5"):
        r = client.post("/predict", json={"x1": value, "color": "red"})
        assert r.status_code == 422 and "x1" in r.json()["error"], r.text
    assert client.post("/predict", json={"x1": 2, "color": "red"}).status_code == 200
    fields = {"x1": (None, "1.5"), "x2": (None, "0.25"), "color": (None, "red")}
    form = client.post("/predict", files=fields)  # multipart fields without file names
    assert form.status_code == 200, form.text
    bad = client.post("/predict", files={"x1": (None, "abc"), "color": (None, "red")})
    assert bad.status_code == 422 and "x1" in bad.json()["error"], bad.text


def test_freeze_heap_moves_the_start_up_heap_out_of_the_collectors_reach(tabular):
    import gc

    try:
        frozen = {}
        for flag in (False, True):
            gc.unfreeze()
            with TestClient(create_app(tabular, freeze_heap=flag)) as c:
                frozen[flag] = gc.get_freeze_count()
                assert c.post("/predict", json=ROWS[0]).status_code == 200
        assert frozen[False] == 0 and frozen[True] > 1000
    finally:
        gc.unfreeze()
