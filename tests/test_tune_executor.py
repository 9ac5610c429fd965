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


def test_ray_executor_gives_the_local_executors_trials(tmp_path):
    pytest.importorskip("ray")
    a = make_tune_project(tmp_path / "a", n=160)
    b = make_tune_project(tmp_path / "b", n=160)
    local = tune(a, "linear", trials=4, jobs=2, executor="local", study="s")
    remote = tune(b, "linear", trials=4, jobs=2, executor="ray", study="s")
    assert remote.executor == "ray (a local Ray with 2 CPUs)"
    assert len(local.trials) == len(remote.trials) == 4
    assert _trials(local) == _trials(remote)
    assert local.guard.confirm == remote.guard.confirm
    assert local.default["value"] == remote.default["value"]
