"""Training options the advice names: rmsprop, sgd with momentum, class weights."""

from __future__ import annotations

import numpy as np
import pytest

from yearn.errors import TrainingError
from yearn.train import fit


def _imbalanced(n: int = 1200, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    score = X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.6, n)
    y = (score > np.quantile(score, 0.92)).astype(np.int64)  # 8% positive
    return X, y


@pytest.mark.parametrize("optimizer", ["rmsprop", "sgd"])
def test_optimizers_named_by_the_advice_train(optimizer):
    X, y = _imbalanced()
    result = fit(
        "mlp", {"train": (X, y)}, task="binary", optimizer=optimizer, momentum=0.9,
        lr=0.01, epochs=4, num_threads=1,
    )  # fmt: skip
    losses = [h["train_loss"] for h in result.history]
    assert losses[-1] < losses[0]


def test_balanced_class_weight_finds_the_minority():
    X, y = _imbalanced()
    Xd, yd = _imbalanced(600, seed=1)
    common = dict(task="binary", lr=0.003, epochs=3, num_threads=1, width=16, random_state=0)
    plain = fit("mlp", {"train": (X, y), "dev": (Xd, yd)}, **common)
    weighted = fit("mlp", {"train": (X, y), "dev": (Xd, yd)}, class_weight="balanced", **common)

    def dev_recall(res) -> float:
        import torch

        from yearn.train import predict_outputs

        out = predict_outputs(res.model, torch.as_tensor(Xd)).numpy()
        pred = out.argmax(axis=1)
        return float((pred[yd == 1] == 1).mean())

    assert dev_recall(weighted) > dev_recall(plain) + 0.2
    assert dev_recall(weighted) > 0.5


def test_class_weight_is_checked():
    X, y = _imbalanced(100)
    with pytest.raises(TrainingError, match="class_weight"):
        fit("mlp", {"train": (X, y)}, task="binary", class_weight="heavy", epochs=1)
    with pytest.raises(TrainingError, match="regression"):
        fit("mlp", {"train": (X, y.astype(np.float32))}, task="regression",
            class_weight="balanced", epochs=1)  # fmt: skip


def test_run_suggests_class_weights_when_the_profile_finds_imbalance(tmp_path):
    import pandas as pd

    from yearn.workflow import WorkflowOptions, run_project

    X, y = _imbalanced(900)
    y[:40] = 1  # 12:1 or so: severe
    y[40:] = (X[40:, 0] > 2.2).astype(np.int64)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame.insert(0, "id", [f"r{i}" for i in range(len(frame))])
    frame["y"] = np.where(y == 1, "yes", "no")
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "yearn.toml").write_text(
        '[project]\ntask = "binary"\nlabel_column = "y"\nid_column = "id"\n'
        '[[sources]]\nname = "all"\npath = "data.csv"\nrole = "target"\n',
        encoding="utf-8",
    )
    options = WorkflowOptions(epochs=1, baselines=("majority",), lr_find=False,
                              learning_curve=False, worksheet_size=10)  # fmt: skip
    result = run_project(tmp_path, options=options, report=False)
    assert result.failed == []
    assert any("--class-weight balanced" in s for s in result.next_steps)
