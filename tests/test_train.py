"""The training engine: reproducibility, resume, early stopping, losses, divergence, TensorBoard."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from yearn.errors import TrainingError, YearnError
from yearn.predictions import load_predictions
from yearn.train import Callback, EarlyStopping, fit, load_checkpoint, masked_bce, mlp

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _blobs(n=160, d=4, seed=0, classes=2):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = rng.normal(size=(n, d)) + y[:, None] * 1.5
    cut = n * 3 // 4
    return {"train": (x[:cut], y[:cut]), "dev": (x[cut:], y[cut:])}


def _weights(model):
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}  # any device


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


PARAMS = dict(epochs=4, lr=0.05, batch_size=16, dropout=0.2, width=8, optimizer="adam")


def test_seeded_runs_are_identical_and_global_rng_untouched():
    before = torch.get_rng_state()
    a = fit("mlp", _blobs(), random_state=3, **PARAMS)
    b = fit("mlp", _blobs(), random_state=3, **PARAMS)
    c = fit("mlp", _blobs(), random_state=4, **PARAMS)
    assert torch.equal(torch.get_rng_state(), before)
    assert _same(_weights(a.model), _weights(b.model))
    assert a.history == b.history
    assert not _same(_weights(a.model), _weights(c.model))


class _Kill(Callback):
    order = 2000  # after the checkpoint of the epoch is written

    def __init__(self, at_epoch):
        self.at_epoch = at_epoch

    def on_epoch_end(self, state, logs):
        if state.epoch == self.at_epoch:
            os._exit(17)


RESUME = dict(
    epochs=6,
    lr=0.05,
    batch_size=16,
    dropout=0.3,
    width=8,
    optimizer="sgd",
    schedule="step",
    step_size=2,
    gamma=0.5,
    early_stopping=10,
    random_state=7,
)


def test_kill_and_resume_equals_uninterrupted(tmp_path):
    ckpt = tmp_path / "ckpt"
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_train import _blobs, _Kill, RESUME
        import torch
        from yearn.train import fit
        torch.set_num_threads(1)
        fit("mlp", _blobs(), checkpoint_dir={str(ckpt)!r}, callbacks=[_Kill(2)],
            tensorboard_dir={str(tmp_path / "tb")!r}, **RESUME)
        sys.exit(0)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 17, proc.stderr
    assert load_checkpoint(ckpt)["epoch"] == 2  # epochs 1-3 done, then killed

    resumed = fit(
        "mlp",
        _blobs(),
        checkpoint_dir=ckpt,
        resume=True,
        tensorboard_dir=tmp_path / "tb",
        **RESUME,
    )
    straight = fit("mlp", _blobs(), **RESUME)
    assert _same(_weights(resumed.model), _weights(straight.model))
    assert [h["epoch"] for h in resumed.history] == list(range(1, 7))
    for r, s in zip(resumed.history, straight.history, strict=True):
        assert r == pytest.approx(s, rel=1e-6)
    # TensorBoard: one point per epoch across the kill
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(tmp_path / "tb" / "train"))
    acc.Reload()
    events = acc.Scalars("loss")
    assert [e.step for e in events] == [1, 2, 3, 4, 5, 6]
    assert [e.value for e in events] == pytest.approx([h["train_loss"] for h in straight.history])


class _Recorder(Callback):
    def __init__(self):
        self.weights = []

    def on_epoch_end(self, state, logs):
        self.weights.append(_weights(state.model))


def test_early_stopping_restores_best_weights():
    rng = np.random.default_rng(1)
    data = _blobs(n=120)
    x_dev = rng.normal(size=(40, 4))
    data["dev"] = (x_dev, rng.integers(0, 2, 40))  # noise: dev error cannot keep improving
    rec = _Recorder()
    res = fit("mlp", data, epochs=40, lr=0.05, batch_size=16, early_stopping=3, callbacks=[rec])
    assert len(res.history) < 40 and "early stopping" in res.stop_reason
    dev = [h["dev_metric"] for h in res.history]
    assert res.best_epoch == int(np.argmin(dev))
    assert _same(_weights(res.model), rec.weights[res.best_epoch])
    assert not _same(_weights(res.model), rec.weights[-1])


def test_early_stopping_state_round_trips():
    cb = EarlyStopping(patience=2)
    cb.best, cb.best_epoch, cb.wait = 0.25, 3, 1
    cb.best_weights = {"w": torch.ones(2)}
    other = EarlyStopping(patience=2)
    other.load_state_dict(cb.state_dict())
    assert (other.best, other.best_epoch, other.wait) == (0.25, 3, 1)
    assert torch.equal(other.best_weights["w"], torch.ones(2))


def test_masked_multilabel_bce_equals_hand_computed():
    logits = torch.tensor([[0.0, 2.0, -1.0], [1.0, -3.0, 0.5]])
    target = torch.tensor([[1.0, float("nan"), 0.0], [float("nan"), 0.0, 1.0]])

    def bce(z, y):
        p = 1 / (1 + math.exp(-z))
        return -(y * math.log(p) + (1 - y) * math.log(1 - p))

    # (1/m) Σ_i Σ_{j labelled} L(ŷ_ij, y_ij), m = 2 examples
    hand = (bce(0.0, 1) + bce(-1.0, 0) + bce(-3.0, 0) + bce(0.5, 1)) / 2
    assert float(masked_bce(logits, target)) == pytest.approx(hand, rel=1e-6)
    # the unknown entries do not move the gradient
    z = logits.clone().requires_grad_(True)
    masked_bce(z, target).backward()
    assert z.grad[0, 1] == 0 and z.grad[1, 0] == 0


def test_multilabel_training_with_missing_labels():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(120, 3))
    y = np.column_stack([x[:, 0] > 0, x[:, 1] > 0]).astype(float)
    y[rng.random(y.shape) < 0.3] = np.nan
    res = fit("mlp", {"train": (x[:90], y[:90]), "dev": (x[90:], y[90:])}, epochs=3, lr=0.05)
    preds = load_predictions(res.predictions)
    assert preds.task == "multilabel" and preds.tasks == ("task0", "task1")
    assert np.isnan(preds.multilabel_labels()).any()


def test_huge_learning_rate_is_detected_as_divergence():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)) * 10
    y = x @ np.array([1.0, -2.0, 3.0])
    with pytest.raises(TrainingError, match=r"learning rate \(1e\+06\) is too high, try ≈100000"):
        fit("mlp", {"train": (x, y)}, task="regression", epochs=5, lr=1e6, optimizer="sgd")


def test_plateau_is_noted():
    res = fit(
        "linear", _blobs(), epochs=5, lr=1e-9, optimizer="sgd", momentum=0.0, plateau_patience=2
    )
    assert any("loss flat for" in n and "learning rate too low" in n for n in res.notes)


def test_tensorboard_event_files_are_readable(tmp_path):

    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

    res = fit("mlp", _blobs(), epochs=3, lr=0.05, tensorboard_dir=tmp_path / "tb")
    # one TensorBoard run per split, the same tags in each: one chart per tag, all splits on it
    mux = EventMultiplexer().AddRunsFromDirectory(str(tmp_path / "tb"))
    mux.Reload()
    runs = mux.Runs()
    assert {"train", "dev"} <= set(runs)
    assert {"loss", "error", "lr"} <= set(runs["train"]["scalars"])
    assert {"loss", "error"} <= set(runs["dev"]["scalars"])
    for split in ("train", "dev"):
        events = mux.Scalars(split, "loss")
        assert [e.step for e in events] == [1, 2, 3]
        assert [e.value for e in events] == pytest.approx(
            [h[f"{split}_loss"] for h in res.history], rel=1e-6
        )


class _Net(torch.nn.Module):  # a user's module: no yearn base class
    def __init__(self, n_out=3):
        super().__init__()
        self.layer = torch.nn.Linear(4, n_out)

    def forward(self, x):
        return self.layer(x)


def test_plain_torch_module_and_sklearn_estimator_train():
    from sklearn.linear_model import LogisticRegression

    data = _blobs(classes=3)
    res = fit(_Net(), data, epochs=2, lr=0.05)
    assert len(res.history) == 2 and load_predictions(res.predictions).task == "multiclass"
    sk = fit(LogisticRegression(max_iter=200), data)
    assert len(sk.history) == 1 and sk.history[0]["dev_metric"] < 0.5
    preds = load_predictions(sk.predictions)
    expected = sk.model.predict(data["dev"][0]).astype(str)
    assert (preds.split("dev").frame["pred"].to_numpy() == expected).all()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"optimizer": "lbfgs"}, "optimizer must be one of"),
        ({"lr": -0.1}, "learning rate"),
        ({"lr": 0}, "learning rate"),
        ({"batch_size": 10_000}, "batch_size 10000 is larger than the train split"),
        ({"epochs": 0}, "epochs"),
        ({"nonsense": 1}, "unknown training parameter"),
    ],
)
def test_bad_settings_fail_before_training(params, match):
    rec = _Recorder()
    with pytest.raises(TrainingError, match=match):
        fit("mlp", _blobs(), callbacks=[rec], **{"epochs": 2, **params})
    assert rec.weights == []


def test_model_output_size_must_match_classes():
    with pytest.raises(TrainingError, match=r"has 2 outputs but this multiclass task .* needs 3"):
        fit(_Net(n_out=2), _blobs(classes=3), epochs=1)
    with pytest.raises(TrainingError, match="cannot take the data"):
        fit(mlp(7, 2), _blobs(), epochs=1)


def test_errors_are_yearn_errors():
    assert issubclass(TrainingError, YearnError)


def test_resume_with_other_settings_is_refused(tmp_path):
    fit("mlp", _blobs(), epochs=1, width=8, checkpoint_dir=tmp_path)
    with pytest.raises(TrainingError, match="checkpoint does not fit this model"):
        fit("mlp", _blobs(), epochs=2, width=16, checkpoint_dir=tmp_path, resume=True)


def test_divergence_on_a_loss_that_rises_many_fold():
    from types import SimpleNamespace

    from yearn.train import DivergenceDetector

    state = SimpleNamespace(epoch=0, lr=0.5)
    det = DivergenceDetector(factor=10)
    for epoch, loss in enumerate([1.0, 0.5, 0.3]):
        state.epoch = epoch
        det.on_epoch_end(state, {"train_loss": loss})
    state.epoch = 3
    with pytest.raises(TrainingError, match=r"rose to 4, 13\.3× its best .* try ≈0\.05"):
        det.on_epoch_end(state, {"train_loss": 4.0})
    calm = DivergenceDetector(factor=10)  # noisy near zero but below the start: fine
    for loss in [1.0, 0.01, 0.2]:
        calm.on_epoch_end(state, {"train_loss": loss})


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 4),
    st.integers(0, 2**31 - 1),
)
def test_masked_bce_matches_a_numpy_reference(m, t, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(m, t)) * 3
    y = rng.integers(0, 2, (m, t)).astype(float)
    y[rng.random((m, t)) < 0.4] = np.nan
    p = 1 / (1 + np.exp(-z))
    per = -(np.nan_to_num(y) * np.log(p) + (1 - np.nan_to_num(y)) * np.log(1 - p))
    expected = np.where(np.isnan(y), 0.0, per).sum() / m
    got = float(masked_bce(torch.tensor(z), torch.tensor(y)))
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
