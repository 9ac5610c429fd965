"""Best-model choice under satisficing constraints."""

from __future__ import annotations

import math

import pytest

from yearn.config import parse_constraint
from yearn.errors import ConfigError
from yearn.metrics import choose_best

CANDIDATES = [
    {"name": "A", "metrics": {"accuracy": 0.90, "latency_ms": 80}},
    {"name": "B", "metrics": {"accuracy": 0.92, "latency_ms": 95}},
    {"name": "C", "metrics": {"accuracy": 0.95, "latency_ms": 1500}},
]


def test_course_example_best_meeting_constraint() -> None:
    # the course's cat-classifier example: C is most accurate but too slow
    sel = choose_best(CANDIDATES, "accuracy", ["latency_ms <= 100"])
    assert sel.best == "B"
    assert sel.best_value == pytest.approx(0.92)
    assert sel.ranking == (("B", 0.92), ("A", 0.90))
    assert sel.excluded == {"C": ("latency_ms = 1500 > 100",)}
    assert "best: B" in sel.summary and "latency_ms = 1500 > 100" in sel.summary
    assert "<table" in sel._repr_html_()
    assert sel.to_dict()["excluded"] == {"C": ["latency_ms = 1500 > 100"]}


def test_lower_is_better_and_constraint_objects() -> None:
    cands = [
        {"name": "m1", "metrics": {"error": 0.10, "size_mb": 4}},
        {"name": "m2", "metrics": {"error": 0.08, "size_mb": 6}},
        {"name": "m3", "metrics": {"error": 0.12, "size_mb": 2}},
    ]
    sel = choose_best(cands, "error", [parse_constraint("size_mb <= 5")])
    assert sel.best == "m1" and not sel.higher_is_better
    assert sel.excluded == {"m2": ("size_mb = 6 > 5",)}
    none = choose_best(cands, "1-f1")
    assert none.best is None and none.excluded["m1"] == ("1-f1 not measured",)


def test_error_name_and_custom_direction() -> None:
    cands = [{"name": "a", "metrics": {"1-f1": 0.3}}, {"name": "b", "metrics": {"1-f1": 0.2}}]
    assert choose_best(cands, "1-f1").best == "b"
    cands = [{"name": "a", "metrics": {"qps": 30}}, {"name": "b", "metrics": {"qps": 50}}]
    assert choose_best(cands, "qps", higher_is_better=True).best == "b"
    with pytest.raises(ConfigError, match="direction is unknown"):
        choose_best(cands, "qps")


def test_missing_and_nan_metrics_excluded_with_reason() -> None:
    cands = [
        {"name": "a", "metrics": {"accuracy": 0.9}},
        {"name": "b", "metrics": {"accuracy": math.nan, "latency_ms": 10}},
        {"name": "c", "metrics": {"accuracy": 0.8, "latency_ms": 10}},
    ]
    sel = choose_best(cands, "accuracy", ["latency_ms < 50"])
    assert sel.best == "c"
    assert sel.excluded == {"a": ("latency_ms not measured",), "b": ("accuracy not measured",)}


def test_none_eligible_and_ties() -> None:
    sel = choose_best(CANDIDATES, "accuracy", ["latency_ms <= 10"])
    assert sel.best is None and sel.ranking == ()
    assert "no candidate meets every constraint" in sel.summary
    assert "no candidate has a value" not in sel.summary
    unmeasured = choose_best(CANDIDATES, "accuracy", ["size_mb <= 5"])
    assert "no candidate has a value for size_mb: log it" in unmeasured.summary
    tie = [{"name": "x", "metrics": {"error": 0.1}}, {"name": "y", "metrics": {"error": 0.1}}]
    assert choose_best(tie, "error").best == "x"


def test_bad_input() -> None:
    with pytest.raises(ConfigError, match="cannot read constraint"):
        choose_best(CANDIDATES, "accuracy", ["latency < fast"])
    with pytest.raises(ConfigError, match="no candidates"):
        choose_best([], "accuracy")
    with pytest.raises(ConfigError, match="appears twice"):
        choose_best([CANDIDATES[0], CANDIDATES[0]], "accuracy")
    with pytest.raises(ConfigError, match="must be a mapping"):
        choose_best([{"name": "a"}], "accuracy")
    with pytest.raises(ConfigError, match="unknown metric"):
        choose_best(CANDIDATES, "1-f3")


# -- candidates from the run store or a table, and ``yearn best`` --------------------------


def _flat(result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def store_project(tmp_path):
    from yearn.store import open_store

    store = open_store(tmp_path)
    for name, acc, latency in (("small", 0.90, 40), ("medium", 0.93, 95), ("huge", 0.97, 1500)):
        with store.run(name=name, kind="train") as run:
            run.log_metrics({"accuracy": acc - 0.05}, split="dev", step=0)
            run.log_metrics({"accuracy": acc}, split="dev", step=1)  # the last step counts
            run.log_metrics({"accuracy": 0.99}, split="train", step=1)
            run.log_metric("latency_ms", latency)
    with store.run(name="unmeasured", kind="train") as run:
        run.log_metric("accuracy", 0.999, split="dev")
    store.close()
    return tmp_path


def test_candidates_from_store(store_project) -> None:
    from yearn.metrics import candidates_from_store

    cands = candidates_from_store(store_project)
    names = [c["name"] for c in cands]
    assert names == ["small", "medium", "huge", "unmeasured"]
    small = cands[0]["metrics"]
    assert small["accuracy"] == pytest.approx(0.90) and small["latency_ms"] == 40
    assert small["error"] == pytest.approx(0.10)  # error form derived
    sel = choose_best(cands[:3], "error", ["latency_ms <= 100"])
    assert sel.best == "medium" and sel.excluded == {"huge": ("latency_ms = 1500 > 100",)}


def test_candidates_from_table(tmp_path) -> None:
    import json

    import pandas as pd

    from yearn.errors import DataError
    from yearn.metrics import candidates_from_table

    pd.DataFrame({"name": ["a", "b"], "f1": [0.8, 0.7], "size_mb": [9, 3]}).to_csv(
        tmp_path / "c.csv", index=False
    )
    cands = candidates_from_table(tmp_path / "c.csv")
    assert cands[0]["metrics"]["1-f1"] == pytest.approx(0.2)
    assert choose_best(cands, "1-f1", ["size_mb <= 5"]).best == "b"
    (tmp_path / "c.json").write_text(json.dumps([{"name": "x", "metrics": {"rmse": 1.5}}]))
    assert choose_best(candidates_from_table(tmp_path / "c.json"), "rmse").best == "x"
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(DataError, match="cannot read it"):
        candidates_from_table(tmp_path / "bad.json")
    pd.DataFrame({"model": ["a"]}).to_csv(tmp_path / "noname.csv", index=False)
    with pytest.raises(DataError, match="missing column 'name'"):
        candidates_from_table(tmp_path / "noname.csv")


def test_best_cli(cli, store_project, tmp_path) -> None:
    import json

    res = cli("best", "--project", store_project, "--optimizing", "accuracy",
              "--constraint", "latency_ms <= 100", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["best"] == "medium"
    assert out["excluded"] == {
        "huge": ["latency_ms = 1500 > 100"],
        "unmeasured": ["latency_ms not measured"],
    }
    res = cli("best", "--project", store_project, "--optimizing", "accuracy")
    assert res.exit_code == 0 and "best: unmeasured" in _flat(res)
    res = cli("best", "--project", tmp_path / "empty", "--optimizing", "error")
    assert res.exit_code == 2 and "no completed runs" in _flat(res)
    res = cli("best", "--project", store_project, "--optimizing", "speed")
    assert res.exit_code == 2 and "direction is unknown" in _flat(res)
