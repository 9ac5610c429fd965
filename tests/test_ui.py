"""The dashboard app through its HTTP interface (FastAPI TestClient), on a real project."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import pytest

from tests.browser._project import UIProject, clone_ui_project
from yearn.erroranalysis import load_worksheet
from yearn.ui import create_app


def _client(root: Path, **kwargs):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx2.*")
        from fastapi.testclient import TestClient
    # the dashboard admits loopback names only: the client says it is localhost
    return TestClient(create_app(root, **kwargs), base_url="http://localhost")


@pytest.fixture
def proj(tmp_path_factory, tmp_path) -> UIProject:
    """A private copy of the project (tests below edit it)."""
    return clone_ui_project(tmp_path_factory, tmp_path / "proj")


@pytest.fixture
def client(proj):
    return _client(proj.root)


# -- pages ------------------------------------------------------------------------------
def test_runs_page_lists_runs_with_status_times_and_metrics(client, proj):
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    for name in ("mlp-small", "mlp-wide", "broken"):
        assert name in html
    assert "status-failed" in html and "status-completed" in html
    assert "dev error" in html and "dev loss" in html
    runs = client.get("/api/runs").json()["runs"]
    assert {r["name"] for r in runs} == {"mlp-small", "mlp-wide", "broken"}
    small = next(r for r in runs if r["name"] == "mlp-small")
    assert small["epochs"] == 12 and small["status"] == "completed"
    assert 0 < small["metrics"]["dev error"] < 1


def test_last_metric_values_match_the_store(client, proj):
    from yearn.store import open_store

    with open_store(proj.root) as store:
        m = store.metrics(proj.run_b)
    last = m[(m["split"] == "dev") & (m["name"] == "loss")].sort_values("step")["value"].iloc[-1]
    runs = client.get("/api/runs").json()["runs"]
    wide = next(r for r in runs if r["id"] == proj.run_b)
    assert wide["metrics"]["dev loss"] == pytest.approx(last)
    assert wide["epochs"] == 15


def test_curves_overlay_several_runs_on_one_chart(client, proj):
    page = client.get(f"/curves?run={proj.run_a}&run={proj.run_b}")
    assert page.status_code == 200
    charts = re.findall(
        r'<figure class="chart" data-metric="(\w+)">(.*?)</figure>', page.text, flags=re.S
    )
    assert [c[0] for c in charts] == ["loss", "error"]
    for _, body in charts:
        lines = re.findall(
            r'<polyline class="series" points="([^"]+)"[^>]*data-run="([^"]+)" '
            r'data-split="(\w+)"',
            body,
        )
        assert {(r, s) for _, r, s in lines} == {
            (rid, s) for rid in (proj.run_a, proj.run_b) for s in ("train", "train_dev", "dev")
        }
        n_points = {r: len(p.split()) for p, r, s in lines if s == "dev"}
        assert n_points == {proj.run_a: 12, proj.run_b: 15}
    api = client.get(f"/api/curves?run={proj.run_a}").json()["metrics"]
    assert len(api) == 12 * 3 * 2


def test_run_page_shows_the_diagnosis_with_intervals_and_next_steps(client, proj):
    page = client.get(f"/runs/{proj.run_a}")
    assert page.status_code == 200
    assert "yearn-diagnosis" in page.text and "95% CI" in page.text
    assert "Next steps" in page.text and "<svg" in page.text
    data = client.get(f"/api/runs/{proj.run_a}").json()
    assert data["diagnosis"]["errors"]["dev"] == pytest.approx(0.375)  # fixture's dev error
    assert data["no_diagnosis"] is None


def test_run_without_predictions_says_so(client, proj):
    page = client.get(f"/runs/{proj.run_b}")
    assert page.status_code == 200
    assert "no predictions for this run" in page.text
    errors = client.get(f"/runs/{proj.run_b}/errors")
    assert errors.status_code == 200 and "No predictions for this run" in errors.text
    failed = client.get(f"/runs/{proj.run_failed}")
    assert "loss became NaN at epoch 3" in failed.text


def test_unknown_run_is_404_page_and_json(client):
    page = client.get("/runs/no-such-run")
    assert page.status_code == 404 and "no run 'no-such-run'" in page.text.replace("&#39;", "'")
    api = client.get("/api/runs/no-such-run")
    assert api.status_code == 404 and "no run" in api.json()["error"]
    assert client.get("/api/curves?run=nope").status_code == 404
    assert client.get("/api/curves").status_code == 400


def test_project_without_store_and_missing_folder(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    page = _client(empty).get("/")
    assert page.status_code == 200 and "No runs yet" in page.text
    assert not (empty / ".yearn").exists()  # looking does not create a store
    from yearn.errors import DataError

    with pytest.raises(DataError, match="does not exist"):
        create_app(tmp_path / "nowhere")


def test_corrupt_store_gives_a_clear_message(tmp_path):
    root = tmp_path / "p"
    (root / ".yearn").mkdir(parents=True)
    (root / ".yearn" / "runs.db").write_bytes(b"this is not a database" * 100)
    client = _client(root)
    page = client.get("/")
    assert page.status_code == 503
    assert "not a valid SQLite database" in page.text
    assert "not a valid SQLite database" in client.get("/api/runs").json()["error"]


def test_changed_predictions_artifact_is_reported(client, proj):
    from yearn.store import open_store

    with open_store(proj.root) as store:
        path = store.artifact_path(proj.run_a, "predictions.parquet")
    path.write_bytes(path.read_bytes() + b"tampered")
    page = client.get(f"/runs/{proj.run_a}")
    assert page.status_code == 200
    assert "sha256 mismatch" in page.text


# -- tagging ----------------------------------------------------------------------------
def test_error_page_shows_cards_with_previews_and_shortcuts(client, proj):
    page = client.get(f"/runs/{proj.run_a}/errors")
    assert page.status_code == 200
    sheet = load_worksheet(proj.worksheet)
    assert page.text.count('<article class="card') == len(sheet) == 10
    assert f"/runs/{proj.run_a}/files/images/{sheet.ids[0]}.png" in page.text
    for key in ("<kbd>j</kbd>", "<kbd>k</kbd>", "<kbd>t</kbd>", "<kbd>1</kbd>"):
        assert key in page.text
    examples = client.get(f"/api/runs/{proj.run_a}/examples").json()["examples"]
    first = examples[0]
    assert first["preview"] == {"kind": "image", "path": f"images/{first['id']}.png"}
    assert set(first["metadata"]) == {"blur", "source"}
    assert "blurry" in {t for e in examples for t in e["suggested_tags"]}


def test_put_tags_saves_the_worksheet_at_once(client, proj):
    ex = load_worksheet(proj.worksheet).ids[3]
    url = f"/api/runs/{proj.run_a}/examples/{ex}/tags"
    res = client.put(url, json={"tags": ["blurry", "great cat", "blurry"]})
    assert res.status_code == 200, res.text
    assert res.json() == {"id": ex, "tags": ["blurry", "great cat"], "saved": True}
    assert load_worksheet(proj.worksheet).tags(ex) == ["blurry", "great cat"]
    assert client.get(url).json()["tags"] == ["blurry", "great cat"]
    assert list((proj.worksheet.parent / ".yearn-backups").glob("*.csv"))
    client.put(url, json={"tags": "dark; blurry"})
    assert load_worksheet(proj.worksheet).tags(ex) == ["dark", "blurry"]
    client.put(url, json={"tags": []})
    assert load_worksheet(proj.worksheet).tags(ex) == []
    # a fresh app (server restarted) reads what was saved
    client.put(url, json={"tags": ["kept"]})
    assert _client(proj.root).get(url).json()["tags"] == ["kept"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"not json", 400, "not JSON"),
        (b'["blurry"]', 422, '"tags" list'),
        (b'{"tag": ["x"]}', 422, '"tags" list'),
        (b'{"tags": [1, 2]}', 422, "list of strings"),
        (b'{"tags": ["a,b"]}', 422, "separator"),
        (b'{"tags": ["<script>"]}', 422, "not a valid tag"),
        (b'{"tags": ["' + b"x" * 61 + b'"]}', 422, "not a valid tag"),
        (b'{"tags": "a, b"}', 422, "separate tags with ';'"),
        (b'{"tags": [' + b",".join([b'"t%d"' % i for i in range(51)]) + b"]}", 422, "at most"),
        (b'{"tags": ["' + b"a" * 70000 + b'"]}', 413, "over"),
    ],
)
def test_malformed_tags_are_refused_with_a_json_message(client, proj, body, status, message):
    ex = load_worksheet(proj.worksheet).ids[0]
    before = proj.worksheet.read_bytes()
    res = client.put(
        f"/api/runs/{proj.run_a}/examples/{ex}/tags",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert res.status_code == status
    assert message in res.json()["error"]
    assert proj.worksheet.read_bytes() == before


def test_unknown_example_and_run_without_worksheet(client, proj):
    res = client.put(f"/api/runs/{proj.run_a}/examples/nope/tags", json={"tags": ["x"]})
    assert res.status_code == 404 and "'nope' is not in the worksheet" in res.json()["error"]
    assert client.get(f"/api/runs/{proj.run_a}/examples/nope/tags").status_code == 404
    res = client.put(f"/api/runs/{proj.run_b}/examples/x/tags", json={"tags": ["x"]})
    assert res.status_code == 404 and "no error-analysis worksheet" in res.json()["error"]


def test_create_worksheet_for_a_run(client, proj):
    proj.worksheet.unlink()
    page = client.get(f"/runs/{proj.run_a}/errors")
    assert "has no error-analysis worksheet yet" in page.text
    token = client.app.state.form_token
    res = client.post(f"/runs/{proj.run_a}/errors", data={"token": token}, follow_redirects=False)
    assert res.status_code == 303
    assert proj.worksheet.is_file()
    sheet = load_worksheet(proj.worksheet)
    errors = int((sheet.frame["correct"].astype(str) == "False").sum())
    assert errors == 15 and len(sheet) == 25  # every dev error (0.375 x 40) and 10 correct
    assert client.get(f"/runs/{proj.run_a}/errors").text.count('<article class="card') == len(sheet)
    res = client.post(f"/api/runs/{proj.run_b}/worksheet", json={})
    assert res.status_code == 404 and "no predictions for run" in res.json()["error"]


def test_corrupt_worksheet_gives_a_clear_message(client, proj):
    proj.worksheet.write_text("id,label\n1,a\n", encoding="utf-8")
    page = client.get(f"/runs/{proj.run_a}/errors")
    assert page.status_code == 422 and "missing column(s)" in page.text


# -- files ------------------------------------------------------------------------------
def test_worksheet_images_are_served(client, proj):
    ex = load_worksheet(proj.worksheet).ids[0]
    res = client.get(f"/runs/{proj.run_a}/files/images/{ex}.png")
    assert res.status_code == 200 and res.headers["content-type"] == "image/png"
    assert res.content == (proj.root / "images" / f"{ex}.png").read_bytes()


@pytest.mark.parametrize(
    "rel",
    [
        "%2e%2e/%2e%2e/etc/passwd",
        "images/%2e%2e/yearn.toml",
        "..%2f..%2fetc%2fpasswd",
        "%2fetc%2fpasswd",
        "/etc/passwd",
        "C:%5cWindows%5cwin.ini",
    ],
)
def test_traversal_and_absolute_paths_are_refused(client, proj, rel):
    res = client.get(f"/runs/{proj.run_a}/files/{rel}")
    assert res.status_code == 403, res.text
    assert "not served" in res.json()["error"]


def test_only_files_the_worksheet_refers_to(client, proj):
    # a project image that is not in the worksheet, and the project file itself
    sheet_ids = set(load_worksheet(proj.worksheet).ids)
    other = next(p for p in sorted((proj.root / "images").iterdir()) if p.stem not in sheet_ids)
    assert client.get(f"/runs/{proj.run_a}/files/images/{other.name}").status_code == 403
    assert client.get(f"/runs/{proj.run_a}/files/yearn.toml").status_code == 403
    assert client.get(f"/runs/{proj.run_a}/files/.yearn/runs.db").status_code == 403
    assert client.get(f"/runs/{proj.run_a}/files/images/missing.png").status_code == 404
    assert client.get(f"/runs/{proj.run_b}/files/images/{other.name}").status_code == 404


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_symlink_out_of_the_project_is_refused(client, proj, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    sheet = load_worksheet(proj.worksheet)
    ex = sheet.ids[0]
    target = proj.root / "images" / f"{ex}.png"
    target.unlink()
    target.symlink_to(secret)
    res = client.get(f"/runs/{proj.run_a}/files/images/{ex}.png")
    assert res.status_code == 403 and "outside the project" in res.json()["error"]
    # the card no longer points at it either
    assert f"/files/images/{ex}.png" not in client.get(f"/runs/{proj.run_a}/errors").text


def test_static_files_are_served_and_nothing_else(client):
    assert client.get("/static/tagging.js").status_code == 200
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")
    for bad in ("/static/%2e%2e/_app.py", "/static/../_app.py", "/static/nope.js"):
        res = client.get(bad)
        assert res.status_code == 404, bad
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 404


def test_pages_make_no_external_requests(client, proj):
    for url in ("/", "/curves", f"/runs/{proj.run_a}", f"/runs/{proj.run_a}/errors"):
        html = client.get(url).text
        assert not re.search(r'(src|href)="(https?:)?//', html), url


def test_images_found_through_the_project_sources(client, proj):
    """A worksheet without a path column: images come from yearn.toml's image_column."""
    sheet = load_worksheet(proj.worksheet)
    sheet.frame = sheet.frame.drop(columns=["path"]).assign(preview="")
    sheet.save(proj.worksheet)
    ids = sorted(p.stem for p in (proj.root / "images").glob("*.png"))
    (proj.root / "photos.csv").write_text(
        "id,path\n" + "".join(f"{i},images/{i}.png\n" for i in ids), encoding="utf-8"
    )
    toml = proj.root / "yearn.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'id_column = "id"\n', 'id_column = "id"\nimage_column = "path"\n'
        ),
        encoding="utf-8",
    )
    examples = client.get(f"/api/runs/{proj.run_a}/examples").json()["examples"]
    assert all(e["preview"] == {"kind": "image", "path": f"images/{e['id']}.png"} for e in examples)
    first = examples[0]["id"]
    assert client.get(f"/runs/{proj.run_a}/files/images/{first}.png").status_code == 200
    other = next(i for i in ids if i not in {e["id"] for e in examples})
    assert client.get(f"/runs/{proj.run_a}/files/images/{other}.png").status_code == 403


def test_chart_geometry_is_linear_in_step_and_value():
    import pandas as pd

    from yearn.display import nice_ticks
    from yearn.ui._charts import LEFT, TOP, build_charts

    frame = pd.DataFrame(
        {
            "run_id": ["a"] * 3 + ["b"] * 2,
            "name": ["loss"] * 5,
            "split": ["dev"] * 5,
            "step": [1, 2, 3, 1, 2],
            "value": [1.0, 0.5, 0.0, 1.0, 0.75],
        }
    )
    (chart,) = build_charts(frame, {"a": "run a", "b": "run b"})
    pts = {
        s.run_id: [tuple(map(float, p.split(","))) for p in s.points.split()] for s in chart.series
    }
    xs = [x for x, _ in pts["a"]]
    assert xs[0] == pytest.approx(LEFT) and xs[2] == pytest.approx(LEFT + chart.plot_w)
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.1)
    ys = [y for _, y in pts["a"]]
    assert ys[1] - ys[0] == pytest.approx(ys[2] - ys[1], abs=0.1)  # linear in value
    assert TOP < ys[0] < ys[2] < TOP + chart.plot_h  # higher loss drawn higher
    assert pts["b"][1][1] == pytest.approx(ys[0] + (ys[1] - ys[0]) / 2, abs=0.1)
    colours = [s.colour for s in chart.series]
    assert colours[0] != colours[1]
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(1, 15) == [5, 10, 15]


def test_foreign_host_header_is_refused(client):
    """A page on another site that rebinds its name to 127.0.0.1 gets nothing."""
    assert client.get("/api/runs", headers={"host": "evil.example:8765"}).status_code == 400
    assert client.get("/api/runs", headers={"host": "localhost:8765"}).status_code == 200
    # an IPv6 loopback Host carries its port after the brackets: still this machine
    assert client.get("/api/runs", headers={"host": "[::1]:8765"}).status_code == 200
    assert client.get("/api/runs", headers={"host": "[::2]:8765"}).status_code == 400


def test_missing_predictions_file_is_reported(client, proj):
    from yearn.store import open_store

    with open_store(proj.root) as store:
        path = store.artifact_path(proj.run_a, "predictions.parquet")
    path.unlink()
    page = client.get(f"/runs/{proj.run_a}")
    assert page.status_code == 200 and "missing on disk" in page.text
    assert "missing on disk" in client.get(f"/api/runs/{proj.run_a}").json()["no_diagnosis"]


def test_odd_example_ids_are_escaped_and_taggable(client, proj):
    from urllib.parse import quote

    sheet = load_worksheet(proj.worksheet)
    odd = "<script>alert(1)</script> a/b"
    sheet.frame.loc[0, "id"] = odd
    sheet.save(proj.worksheet)
    page = client.get(f"/runs/{proj.run_a}/errors").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    url = f"/api/runs/{proj.run_a}/examples/{quote(odd, safe='')}/tags"
    res = client.put(url, json={"tags": ["odd id"]})
    assert res.status_code == 200, res.text
    assert load_worksheet(proj.worksheet).tags(odd) == ["odd id"]
