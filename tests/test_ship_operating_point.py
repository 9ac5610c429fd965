"""``yearn operating-point``: rates at every threshold with intervals, the three rules,
the manager sentences and caveats, saving with the run, and its use by export."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.project import Project
from yearn.ship._curves import threshold_curve


def test_threshold_curve_matches_brute_force():
    rng = np.random.default_rng(0)
    y = rng.random(300) < 0.3
    score = np.round(rng.random(300), 2)  # ties
    curve = threshold_curve(y, score)
    for i in range(0, len(curve.thresholds), 7):
        flag = score >= curve.thresholds[i]
        assert curve.tp[i] == (flag & y).sum() and curve.fp[i] == (flag & ~y).sum()
        assert curve.fn[i] == (~flag & y).sum() and curve.tn[i] == (~flag & ~y).sum()
    assert curve.tp[-1] + curve.fp[-1] == 0  # the last threshold flags nothing


def _fake_run(root, score, y, run_name="fake"):
    """A store with one completed train run whose predictions are ``score`` on dev."""
    from yearn.predictions import write_predictions
    from yearn.store import open_store

    frame = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(len(y))],
            "split": "dev",
            "label": np.where(y, "yes", "no"),
            "pred": np.where(score >= 0.5, "yes", "no"),
            "proba:no": 1 - score,
            "proba:yes": score,
        }
    )
    root.mkdir(parents=True, exist_ok=True)
    with open_store(root) as store, store.run(name=run_name, kind="train") as run:
        write_predictions(frame, run.artifact_dir / "predictions.parquet")
        run.log_artifact(run.artifact_dir / "predictions.parquet", name="predictions.parquet")
        return run.id


def test_rules_move_the_threshold_the_right_way(tmp_path, cli):
    rng = np.random.default_rng(1)
    y = rng.random(2000) < 0.2
    score = np.clip(np.where(y, 0.65, 0.35) + rng.normal(0, 0.15, 2000), 0, 1)
    run = _fake_run(tmp_path / "p", score, y)

    def chosen(*args):
        result = cli("operating-point", "-p", tmp_path / "p", "--run", run, "--json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    misses_costly = chosen("--cost-fp", "1", "--cost-fn", "20")
    alarms_costly = chosen("--cost-fp", "20", "--cost-fn", "1")
    assert misses_costly["threshold"] < alarms_costly["threshold"]
    precise = chosen("--min-precision", "0.8")
    rates = precise["points"][0]["rates"]
    assert rates["precision"][1] >= 0.8  # established, not just observed
    assert rates["precision"][1] <= rates["precision"][0] <= rates["precision"][2]
    few = chosen("--max-alerts-per-1000", "50")
    assert few["points"][0]["rates"]["alerts"][0] * 1000 <= 50
    # the sentence's numbers are the dev counts at that threshold
    t = precise["threshold"]
    flagged = score >= t
    precision = (flagged & y).sum() / flagged.sum()
    sentence = precise["points"][0]["sentences"][1]
    assert f"about {precision * 1000:.0f} [" in sentence
    assert "not drawn from a target source" in " ".join(precise["caveats"])


def test_calibration_caveat_null_and_effect(tmp_path):
    """Calibrated scores: no claim of miscalibration; scores doubled: the claim is made."""
    from yearn.ship import choose_operating_point

    rng = np.random.default_rng(2)
    p = rng.uniform(0.05, 0.45, 3000)
    y = rng.random(3000) < p
    calibrated = _fake_run(tmp_path / "a", p, y)
    result = choose_operating_point(tmp_path / "a", calibrated, save=False)
    assert any("look calibrated" in c for c in result.caveats)
    assert not any("not calibrated" in c for c in result.caveats)
    skewed = _fake_run(tmp_path / "b", np.clip(p * 2, 0, 1), y)
    result = choose_operating_point(tmp_path / "b", skewed, save=False)
    assert any("not calibrated" in c for c in result.caveats)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--min-precision", "1.5"], "--min-precision must be in (0, 1]"),
        (["--min-precision", "0.9", "--cost-fn", "3"], "give one rule"),
        (["--max-alerts-per-1000", "0"], "--max-alerts-per-1000 must be"),
    ],
)
def test_bad_rules_are_one_line_exit_2(tmp_path, cli, args, expected):
    rng = np.random.default_rng(3)
    y = rng.random(200) < 0.5
    run = _fake_run(tmp_path / "p", rng.random(200), y)
    result = cli("operating-point", "-p", tmp_path / "p", "--run", run, *args)
    assert result.exit_code == 2 and expected in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unreachable_precision_is_refused(tmp_path, cli):
    rng = np.random.default_rng(4)
    y = rng.random(400) < 0.5
    run = _fake_run(tmp_path / "p", rng.random(400), y)  # no signal: precision ≈ 0.5
    result = cli("operating-point", "-p", tmp_path / "p", "--run", run, "--min-precision", "0.99")
    assert result.exit_code == 2 and "no threshold gives precision 0.99" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_saved_point_is_used_by_export_predict_and_report(tmp_path, cli):
    from yearn.ship import load_exported

    from ._ship_projects import make_table_project

    root = make_table_project(tmp_path / "toy", cli)
    result = cli("operating-point", "-p", root, "--cost-fp", "1", "--cost-fn", "10")
    assert result.exit_code == 0, result.output
    assert "Of 1,000 flagged requests about" in result.output and "saved with run" in result.output
    run_id = Project(root).latest_run_with()
    saved = Project(root)
    from yearn.ship import saved_operating_point

    point = saved_operating_point(saved, run_id)
    assert point is not None
    result = cli("export", "-p", root, "-o", tmp_path / "e")
    assert result.exit_code == 0, result.output
    model = load_exported(tmp_path / "e")
    assert model.threshold == pytest.approx(point["threshold"])
    assert model.metadata["operating_point"]["sentences"]
    rows = pd.read_csv(root / "phone.csv").drop(columns=["device", "y"])
    preds = model.predict_frame(rows)
    expected = np.where(preds["proba:yes"] >= point["threshold"], "yes", "no")
    assert (preds["pred"].to_numpy() == expected).all()
    result = cli("report", "-p", root)
    assert result.exit_code == 0, result.output
    page = (root / "report.html").read_text()
    assert "Operating point" in page and "Of 1,000 flagged requests about" in page
    from fastapi.testclient import TestClient

    from yearn.ui import create_app

    client = TestClient(create_app(root), base_url="http://localhost")
    card = client.get(f"/runs/{run_id}")
    assert card.status_code == 200
    assert 'id="operating-point"' in card.text and "Of 1,000 flagged requests about" in card.text
    assert "default threshold 0.5" not in card.text  # the saved point, not the default


def test_multiclass_gets_one_point_per_class(tmp_path):
    from yearn.predictions import write_predictions
    from yearn.ship import choose_operating_point
    from yearn.store import open_store

    rng = np.random.default_rng(5)
    labels = rng.choice(["a", "b", "c"], 600)
    proba = rng.dirichlet([1, 1, 1], 600)
    proba[np.arange(600), np.searchsorted(["a", "b", "c"], labels)] += 1.0
    proba /= proba.sum(axis=1, keepdims=True)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(600)], "split": "dev", "label": labels})
    for j, c in enumerate("abc"):
        frame[f"proba:{c}"] = proba[:, j]
    (tmp_path / "p").mkdir()
    with open_store(tmp_path / "p") as store, store.run(name="m", kind="train") as run:
        write_predictions(frame, run.artifact_dir / "predictions.parquet")
        run.log_artifact(run.artifact_dir / "predictions.parquet", name="predictions.parquet")
    result = choose_operating_point(tmp_path / "p", run.id, max_alerts_per_1000=300, save=False)
    assert [p.target for p in result.points] == ["a", "b", "c"]
    assert result.threshold is None and set(result.thresholds) == {"a", "b", "c"}
    assert all(p.rates["alerts"][0] <= 0.3 for p in result.points)
    assert any("one-vs-rest" in c for c in result.caveats)
    assert "<svg" in result._repr_html_()
