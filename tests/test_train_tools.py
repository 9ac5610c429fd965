"""lr-find, scale-up, the models, Dataset input and the checkpoint format."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from yearn.errors import DataError, TrainingError
from yearn.train import (
    BackboneHead,
    SmallCNN,
    build_model,
    fit,
    load_checkpoint,
    lr_find,
    make_train_data,
    save_checkpoint,
    scale_up,
)
from yearn.train._data import standardise
from yearn.train._lr_find import suggest

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] - x[:, 1] > 0).astype(int)
    cut = n * 3 // 4
    return {"train": (x[:cut], y[:cut]), "dev": (x[cut:], y[cut:])}


def test_suggest_picks_the_steepest_descent_before_the_minimum():
    lrs = np.logspace(-5, 0, 11)
    losses = np.array([1.0, 1.0, 0.99, 0.9, 0.5, 0.3, 0.25, 0.2, 0.4, 2.0, 5.0])
    rate, method, min_lr = suggest(lrs, losses)
    assert rate == lrs[4] and method == "steepest descent" and min_lr == lrs[7]
    rate, method, _ = suggest(lrs[:3], np.array([1.0, 0.5, 3.0]))
    assert rate == pytest.approx(lrs[1] / 10) and method == "minimum loss ÷ 10"


def test_lr_find_sweeps_and_leaves_the_model_alone(tmp_path):
    net = build_model("mlp", (3,), 2, width=8)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    res = lr_find(net, _data(), num_steps=80, batch_size=16)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert np.all(np.diff(res.lrs) > 0) and res.lrs[0] == pytest.approx(1e-7)
    assert res.lrs[0] < res.suggestion < res.lrs[-1]
    res.plot(tmp_path / "lr.png")
    assert (tmp_path / "lr.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(TrainingError, match="end_lr"):
        lr_find("mlp", _data(), start_lr=1.0, end_lr=0.1)


def test_scale_up_stops_at_human_level():
    res = scale_up(
        _data(),
        human_level_error=0.2,
        epochs=5,
        lr=0.05,
        ladder=((4, 1, 1), (16, 1, 1), (32, 2, 2)),
    )
    assert res.reached_human_level and res.steps[-1].train_error <= 0.2
    assert "reaches the human-level error" in res.message
    page = res._repr_html_()
    assert "<table" in page and "<svg" in page and "human level" in page


def test_scale_up_does_not_call_noise_overfitting():
    """Null: pure-noise labels — every capacity's true dev error is 50%, so a dev rise from
    one step to the next is sampling noise and must not stop the ladder as "overfits"."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 10))
    y = rng.integers(0, 2, 120)
    data = {"train": (x[:60], y[:60]), "dev": (x[60:], y[60:])}
    res = scale_up(
        data, epochs=40, lr=0.02, batch_size=60, ladder=((2, 1, 1), (64, 2, 1), (128, 3, 2))
    )
    assert res.overfit_step is None and len(res.steps) == 3
    assert "overfits first" not in res.message
    rose = [n for n in res.notes if "rose" in n]
    assert all("within sampling noise" in n and "McNemar" in n for n in rose)
    assert res.to_dict()["notes"] == res.notes


def test_dev_rise_needs_more_than_noise():
    from yearn.train._scale_up import dev_rise

    y = np.zeros(496, dtype=int)
    right = np.tile([0.9, 0.1], (496, 1))
    two_worse = right.copy()
    two_worse[:2] = [0.1, 0.9]  # issue 13: 2 of 496 examples
    rose, told = dev_rise("error", "binary", ("a", "b"), y, right, two_worse)
    assert not rose and "2 dev example(s) newly wrong" in told
    forty_worse = right.copy()
    forty_worse[:40] = [0.1, 0.9]
    rose, told = dev_rise("error", "binary", ("a", "b"), y, right, forty_worse)
    assert rose and "McNemar p = " in told
    # other metrics: a paired bootstrap on the same examples
    rng = np.random.default_rng(0)
    yr = rng.normal(size=300)
    a, b = yr + rng.normal(0, 0.5, 300), yr + rng.normal(0, 0.5, 300)  # same true rmse
    rose, _ = dev_rise("rmse", "regression", (), yr, a, b)
    assert not rose
    rose, told = dev_rise("rmse", "regression", (), yr, a, yr + rng.normal(0, 0.8, 300))
    assert rose and "paired-bootstrap" in told


def test_scale_up_says_regularise_only_for_a_real_dev_gap():
    from yearn.train._scale_up import _gap_advice

    class _Data:
        task, classes = "binary", ("a", "b")

        def __init__(self, n_wrong_dev):
            yt, yd = np.zeros(400, dtype=int), np.zeros(400, dtype=int)
            self.splits = {"train": _Split(yt), "dev": _Split(yd)}
            self.wrong = n_wrong_dev

    class _Split:
        def __init__(self, y):
            self.y = y

    class _Result:
        metric = "error"

        def __init__(self, n_wrong_dev):
            import pandas as pd

            self.data = _Data(n_wrong_dev)
            p_dev = np.where(np.arange(400) < n_wrong_dev, 0.1, 0.9)
            self.predictions = pd.DataFrame(
                {
                    "split": ["train"] * 400 + ["dev"] * 400,
                    "proba:a": np.concatenate([np.full(400, 0.9), p_dev]),
                    "proba:b": np.concatenate([np.full(400, 0.1), 1 - p_dev]),
                }
            )

    assert "no dev gap to close" in _gap_advice(_Result(0), "error")
    assert "no dev gap to close" in _gap_advice(_Result(1), "error")
    assert "now regularise" in _gap_advice(_Result(40), "error")


def test_models_are_backbone_plus_head_and_heads_can_be_replaced():
    net = build_model("mlp", (5,), 3, width=16, depth=2, dropout=0.1)
    assert isinstance(net, BackboneHead) and net(torch.zeros(4, 5)).shape == (4, 3)
    net.replace_head(2)
    assert net(torch.zeros(4, 5)).shape == (4, 2)
    cnn = SmallCNN(1, 10, width=4)
    assert cnn(torch.zeros(2, 1, 8, 8)).shape == (2, 10)
    assert build_model("linear", (5,), 1)(torch.zeros(3, 5)).shape == (3, 1)


def test_cnn_trains_on_images():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 64)
    x = rng.random((64, 1, 8, 8)).astype(np.float32) * 0.2
    x[y == 1, :, :4] += 0.8  # bright top half
    res = fit(
        "cnn",
        {"train": (x[:48], y[:48]), "dev": (x[48:], y[48:])},
        epochs=8,
        lr=0.02,
        width=4,
        batch_size=16,
    )
    assert res.history[-1]["dev_metric"] <= 0.25


def test_regression_and_l1_weight_decay_grad_clip_schedules():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(150, 3))
    y = x @ np.array([1.0, 2.0, -1.0]) + 0.1 * rng.normal(size=150)
    data = {"train": (x[:100], y[:100]), "dev": (x[100:], y[100:])}
    res = fit(
        "linear",
        data,
        epochs=30,
        lr=0.05,
        optimizer="sgd",
        schedule="cosine",
        l1=1e-3,
        weight_decay=1e-4,
        grad_clip=5.0,
    )
    assert res.metric == "rmse" and res.history[-1]["dev_metric"] < 0.3
    assert res.history[-1]["lr"] < res.history[0]["lr"]  # cosine annealing
    preds = res.predictions
    assert set(preds.columns) >= {"id", "split", "label", "pred"}
    step = fit(
        "linear", data, epochs=4, lr=0.1, optimizer="adamw", schedule="step", step_size=2, gamma=0.5
    )
    assert [h["lr"] for h in step.history] == pytest.approx([0.1, 0.1, 0.05, 0.05])


def test_standardise_uses_train_statistics_only():
    table = pd.DataFrame({"a": [0.0, 2.0, 100.0, np.nan], "c": ["x", "y", "z", "x"]})
    out = standardise(table, np.array([0, 1]))
    assert out[:, 0].tolist() == pytest.approx([-1.0, 1.0, 99.0, 0.0])
    assert out[:, 1:].tolist() == [[1, 0], [0, 1], [0, 0], [1, 0]]  # 'z' unseen in train


def test_dataset_with_manifest_carries_metadata():
    from yearn.data import from_frame

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(40)],
            "x": rng.normal(size=40),
            "blur": rng.random(40),
            "label": rng.choice(["cat", "dog"], 40),
        }
    )
    ds = from_frame(frame, task="binary", label="label", id_column="id", metadata=["blur"])
    manifest = pd.DataFrame({"id": frame["id"], "split": ["train"] * 30 + ["dev"] * 10})
    data = make_train_data(ds, splits=manifest)
    assert data.classes == ("cat", "dog") and len(data.splits["dev"]) == 10
    res = fit("mlp", ds, splits=manifest, epochs=2)
    assert "blur" in res.predictions.columns
    assert res.predictions.loc[res.predictions["id"] == "e35", "blur"].item() == frame["blur"][35]
    with pytest.raises(DataError, match="needs its splits"):
        fit("mlp", ds, epochs=1)


def test_bad_array_input_is_named():
    with pytest.raises(DataError, match="X row 1 holds NaN"):
        fit("mlp", {"train": (np.array([[0.0], [np.nan]]), np.array([0, 1]))})
    with pytest.raises(DataError, match="label '7' is not a class seen in train"):
        fit("mlp", {"train": (np.zeros((4, 1)), [0, 1, 0, 1]), "dev": (np.zeros((1, 1)), [7])})
    with pytest.raises(DataError, match="one class only \\('1'\\)"):
        fit("mlp", {"train": (np.zeros((4, 1)), [1, 1, 1, 1])})
    with pytest.raises(DataError, match="unknown split 'valid'"):
        fit("mlp", {"train": (np.zeros((4, 1)), [0, 1, 0, 1]), "valid": (np.zeros((1, 1)), [0])})


def test_checkpoint_round_trip_and_tamper_detection(tmp_path):
    state = {
        "w": torch.arange(3.0),
        "opt": {0: {"step": torch.tensor(2.0), "lr": 0.1}},
        "best": float("inf"),
        "hist": [{"epoch": 1, "loss": float("nan")}],
    }
    save_checkpoint(tmp_path, 0, state)
    save_checkpoint(tmp_path, 1, state)
    save_checkpoint(tmp_path, 2, state)
    assert len(list(tmp_path.glob("epoch-*.json"))) == 2  # older ones pruned
    back = load_checkpoint(tmp_path)
    assert back["epoch"] == 2 and torch.equal(back["w"], state["w"])
    assert back["opt"][0]["lr"] == 0.1 and back["best"] == float("inf")
    assert np.isnan(back["hist"][0]["loss"])
    (tmp_path / "epoch-0003.json").write_text("{}")
    with pytest.raises(TrainingError, match="sha256 mismatch"):
        load_checkpoint(tmp_path)


def test_sklearn_regressor_with_a_store(tmp_path):
    from sklearn.linear_model import Ridge

    from yearn.predictions import load_predictions
    from yearn.store import open_store

    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 2))
    y = x @ np.array([2.0, -1.0]) + 0.5
    data = {"train": (x[:60], y[:60]), "dev": (x[60:], y[60:]), "test": (x[60:], y[60:])}
    res = fit(Ridge(alpha=1e-6), data, task="regression", store=tmp_path, run_name="ridge")
    assert res.metric == "rmse" and res.history[0]["dev_metric"] < 1e-3
    store = open_store(tmp_path)
    assert store.get_run(res.run_id).status == "completed"
    preds = load_predictions(store.artifact_path(res.run_id, "predictions.parquet"))
    assert preds.task == "regression" and "test" not in preds.splits
    curves = store.metrics(res.run_id)
    assert set(curves["name"]) == {"loss", "rmse"} and set(curves["step"]) == {1}


def test_failed_training_marks_the_run_failed(tmp_path):
    from yearn.store import open_store

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)) * 10
    with pytest.raises(TrainingError, match="too high"):
        fit(
            "mlp",
            {"train": (x, x.sum(axis=1))},
            task="regression",
            lr=1e6,
            optimizer="sgd",
            store=tmp_path,
        )
    (run,) = open_store(tmp_path).list_runs(kind="train")
    assert run.status == "failed" and "learning rate" in run.error


def test_metric_is_checked_before_training():
    from yearn.errors import ConfigError

    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 2))
    with pytest.raises(ConfigError, match="applies to"):
        fit("mlp", {"train": (x, x[:, 0])}, task="regression", metric="f1", epochs=1)
    with pytest.raises(ConfigError, match="unknown metric"):
        fit("mlp", _data(), metric="auroc2", epochs=1)
    res = fit("mlp", _data(), metric="accuracy", epochs=1)
    assert 0 <= res.history[0]["dev_metric"] <= 1  # error form: 1 - accuracy


def test_resume_from_a_run_without_checkpoint(tmp_path):
    from sklearn.linear_model import LogisticRegression

    from yearn.store import open_store

    first = fit(LogisticRegression(), _data(), store=tmp_path)
    with pytest.raises(TrainingError, match="has no checkpoint to resume from"):
        fit("mlp", _data(), store=tmp_path, resume=first.run_id)
    assert [r.status for r in open_store(tmp_path).list_runs()] == ["completed"]


def test_exported_members():
    import yearn
    import yearn.train

    assert all(hasattr(yearn.train, name) for name in yearn.train.__all__)
    assert yearn.fit is yearn.train.fit and "fit" in yearn.__all__


def test_load_model_of_a_run_reproduces_its_predictions(tmp_path):
    from yearn.train import load_model

    res = fit("mlp", _data(), epochs=2, width=8, depth=1, store=tmp_path)
    net = load_model(tmp_path, res.run_id)
    dev = res.predictions[res.predictions["split"] == "dev"]
    with torch.no_grad():
        proba = torch.softmax(net(torch.as_tensor(_data()["dev"][0], dtype=torch.float32)), 1)
    assert proba.numpy() == pytest.approx(dev[["proba:0", "proba:1"]].to_numpy(), abs=1e-6)
    custom = fit(_TwoOut(), _data(), epochs=1, store=tmp_path)
    with pytest.raises(TrainingError, match="custom model"):
        load_model(tmp_path, custom.run_id)
    assert isinstance(load_model(tmp_path, custom.run_id, model=_TwoOut()), _TwoOut)


class _TwoOut(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)

    def forward(self, x):
        return self.lin(x)


def test_results_display_themselves(tmp_path):
    res = fit("mlp", _data(), epochs=2)
    page = res._repr_html_()
    assert "<img" in page and "data:image/png;base64," in page and "dev_metric" in page
    res.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    lr = lr_find("mlp", _data(), num_steps=20)
    page = lr._repr_html_()
    assert "suggested learning rate" in page and "<img" in page and "<table" in page
