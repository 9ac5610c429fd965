"""``yearn mismatch``: the domain classifier, drivers and side-by-side examples."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests._mismatch_project import make_image_project
from yearn.cli import app
from yearn.errors import DataError
from yearn.mismatch import find_mismatch


@pytest.fixture(scope="module")
def shifted(tmp_path_factory):
    return make_image_project(tmp_path_factory.mktemp("shifted"), shifted=True)


def test_shift_detected_with_drivers_and_examples(shifted):
    result = find_mismatch(shifted, n_examples=3)
    assert result.detected and result.ci[0] > 0.55
    assert {"contrast", "brightness"} & set(result.driver_names)
    assert len(result.target_like_train) == 3 and len(result.train_like_target) == 3
    assert all(e.source == "web" for e in result.target_like_train)
    assert all(e.source == "phone" for e in result.train_like_target)
    html = result._repr_html_()
    assert "data:image/png;base64," in html and "Most train-like target examples" in html


def test_no_shift_no_claim(tmp_path):
    result = find_mismatch(make_image_project(tmp_path, shifted=False), n_examples=2)
    assert not result.detected
    assert result.message().startswith("no detectable mismatch")


def test_no_target_is_an_error(tmp_path):
    root = make_image_project(tmp_path, shifted=False)
    text = (root / "yearn.toml").read_text().replace('role = "target"', 'role = "train"')
    (root / "yearn.toml").write_text(text)
    with pytest.raises(DataError, match="role 'target'"):
        find_mismatch(root)


def test_cli_json_every_row_and_report_section(shifted):
    runner = CliRunner()
    out = runner.invoke(app, ["mismatch", "--project", str(shifted), "--json", "--examples", "4"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert len(data["target_like_train"]) == 4 and data["drivers"]
    assert data["auc"] > 0.55 and data["message"].startswith("train and target differ")
    text = runner.invoke(app, ["mismatch", "--project", str(shifted)])
    assert text.exit_code == 0 and "Most target-like training examples" in text.output

    from yearn.report._mismatch import has_mismatch, mismatch
    from yearn.report._sections import ProjectView

    view = ProjectView(shifted, None, None, [], {})
    assert has_mismatch(view) and "yearn-mismatch" in str(mismatch(view).body)


def test_dashboard_shows_the_last_mismatch(shifted, tmp_path):
    from fastapi.testclient import TestClient

    from yearn.ui import create_app

    empty = make_image_project(tmp_path, shifted=False)
    client = TestClient(create_app(empty), base_url="http://localhost")
    assert "No mismatch view yet" in client.get("/mismatch").text

    out = CliRunner().invoke(app, ["mismatch", "--project", str(shifted), "--examples", "2"])
    assert out.exit_code == 0, out.output
    client = TestClient(create_app(shifted), base_url="http://localhost")
    page = client.get("/mismatch")
    assert page.status_code == 200
    assert "yearn-mismatch" in page.text and "data:image/png;base64," in page.text
    assert 'href="/mismatch"' in client.get("/").text
