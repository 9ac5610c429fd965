"""Executors: local processes and Ray give the same trials for the same seeds."""

from __future__ import annotations

import pytest

from yearn.errors import ConfigError
from yearn.tune import LocalExecutor, get_executor, tune

from ._tune_project import make_tune_project


def _square(x: int) -> int:
    return x * x


def _trials(result) -> list[tuple]:
    return sorted(
        (tuple(sorted((k, repr(v)) for k, v in t["params"].items())), t["state"], t["value"])
        for t in result.trials
    )


def test_local_executor_keeps_order_in_processes_and_in_process():
    assert LocalExecutor(1).map(_square, [3, 1, 2]) == [9, 1, 4]
    assert LocalExecutor(2).map(_square, [3, 1, 2]) == [9, 1, 4]
    with pytest.raises(ConfigError, match="needs --executor ray"):
        get_executor("local", address="auto")
    with pytest.raises(ConfigError, match="positive integer"):
        LocalExecutor(0)


def test_ray_gives_the_local_results_for_trials_folds_and_curve_points(cli, tmp_path):
    """One local Ray of 2 CPUs serves tune trials, cv folds and learning-curve points."""
    import json

    ray = pytest.importorskip("ray")
    from yearn.diagnose import project_learning_curve
    from yearn.train import cv_project

    a = make_tune_project(tmp_path / "a", n=160)
    b = make_tune_project(tmp_path / "b", n=160)
    local = tune(a, "linear", trials=4, jobs=2, executor="local", study="s")
    cv_local = cv_project(a, "mlp", record=False, settings={"epochs": 2})
    curve = {"model": "linear", "settings": {"epochs": 2}, "fractions": [0.3, 0.6, 1.0]}
    lc_local = project_learning_curve(a, **curve).curve
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        remote = tune(b, "linear", trials=4, jobs=2, executor="ray", study="s")
        runner = get_executor("ray", workers=2)
        cv_ray = cv_project(a, "mlp", record=False, settings={"epochs": 2}, map_fn=runner.map)
        lc_ray = project_learning_curve(a, map_fn=runner.map, **curve).curve
        out = cli("cv", "-p", str(a), "--model", "logistic", "--executor", "ray", "--json",
                  "--no-record")  # fmt: skip
        cli_local = cli("cv", "-p", str(a), "--model", "logistic", "--json", "--no-record")
        lc = ["learning-curve", "-p", str(a), "--model", "linear", "--epochs", "2", "--json"]
        lc_cli_ray = cli(*lc, "--executor", "ray")
        lc_cli_local = cli(*lc)
        tune_cli = cli("tune", "-p", str(b), "--model", "linear", "--trials", "2", "--epochs", "2",
                       "--study", "cli", "--executor", "ray", "--json")  # fmt: skip
    finally:
        ray.shutdown()
    assert remote.executor == "ray (a local Ray with 2 CPUs)"
    assert len(local.trials) == len(remote.trials) == 4
    assert _trials(local) == _trials(remote)
    # trial numbers follow the two workers' timing; the trials and scores do not
    assert sorted(local.guard.confirm.values()) == sorted(remote.guard.confirm.values())
    assert local.default["value"] == remote.default["value"]
    assert len(cv_ray["result"]["scores"]) == 5
    assert cv_ray["result"]["scores"] == cv_local["result"]["scores"]
    assert (lc_ray.sizes, lc_ray.train_errors, lc_ray.dev_errors) == (
        lc_local.sizes,
        lc_local.train_errors,
        lc_local.dev_errors,
    )
    assert out.exit_code == 0, out.output
    scores = json.loads(out.output)["result"]["scores"]
    assert scores == json.loads(cli_local.output)["result"]["scores"]
    for got in (lc_cli_ray, lc_cli_local, tune_cli):
        assert got.exit_code == 0, got.output
    keys = ("sizes", "train_errors", "dev_errors")
    lc_ray_json, lc_local_json = json.loads(lc_cli_ray.output), json.loads(lc_cli_local.output)
    assert [lc_ray_json[k] for k in keys] == [lc_local_json[k] for k in keys]
    tuned = json.loads(tune_cli.output)
    assert tuned["executor"].startswith("ray") and len(tuned["trials"]) == 2
