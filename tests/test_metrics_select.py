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
    assert "<table>" in sel._repr_html_()
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
