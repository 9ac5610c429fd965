"""Device plumbing of the training engine: inputs built on the model's device, batch-
invariant prediction, streamed batches, the precision setting. Device-agnostic: these run
on CUDA when torch sees a GPU (``bench/gpu_check.py``) and on the CPU otherwise."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from yearn import fit
from yearn.errors import TrainingError
from yearn.train import (
    TorchClassifier,
    TorchRegressor,
    default_device,
    mlp,
    module_device,
    predict_outputs,
)
from yearn.train._device import check_precision, resolve_device

DEVICE = default_device()


def _data(n: int = 240, d: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    cut = n * 3 // 4
    return {"train": (x[:cut], y[:cut]), "dev": (x[cut:], y[cut:])}


def test_fit_puts_the_model_on_the_default_device_and_predicts_every_split():
    res = fit("mlp", _data(), epochs=2, width=8, num_threads=1)
    assert module_device(res.model).type == DEVICE.type
    assert set(res.predictions["split"]) == {"train", "dev"}


def test_predict_outputs_moves_host_inputs_to_the_model_device():
    net = mlp(5, 2, width=8, depth=1).to(DEVICE)
    x = torch.randn(70, 5)  # on the CPU
    out = predict_outputs(net, x, chunk=16)
    assert out.device.type == DEVICE.type and out.shape == (70, 2)
    with torch.no_grad():
        direct = net(x.to(DEVICE))
    # same rows, different chunking: equal up to float32 rounding on any device
    torch.testing.assert_close(out, direct, rtol=1e-5, atol=1e-6)


def test_fixed_shape_prediction_does_not_depend_on_the_other_rows():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 6))
    y = X @ rng.normal(size=6) + 0.1 * rng.normal(size=300)
    est = TorchRegressor(epochs=3, width=32, depth=2, num_threads=1).fit(X, y)
    full = est.predict(X)
    by_rows = np.concatenate([est.predict(X[i : i + 7]) for i in range(0, 300, 7)])
    single = np.array([est.predict(X[i : i + 1])[0] for i in range(0, 300, 37)])
    np.testing.assert_array_equal(full, by_rows)  # exact: every pass has the same shape
    np.testing.assert_array_equal(full[::37], single)
    clf = TorchClassifier(epochs=2, num_threads=1).fit(X, y > 0)
    np.testing.assert_array_equal(clf.predict_proba(X)[5:9], clf.predict_proba(X[5:9]))


def test_streamed_batches_train_exactly_like_batches_on_the_device():
    kw = dict(epochs=3, width=16, depth=2, batch_size=32, lr=0.01, num_threads=1)
    on_device = fit("mlp", _data(), stream=False, **kw)
    streamed = fit("mlp", _data(), stream=True, **kw)
    assert [h["train_loss"] for h in streamed.history] == pytest.approx(
        [h["train_loss"] for h in on_device.history], rel=1e-6
    )
    cols = ["proba:0", "proba:1"]
    np.testing.assert_allclose(
        streamed.predictions[cols].to_numpy(), on_device.predictions[cols].to_numpy(), atol=1e-6
    )


def test_precision_is_checked():
    with pytest.raises(TrainingError, match="precision must be one of"):
        fit("mlp", _data(), epochs=1, precision="fp8")
    with pytest.raises(TrainingError, match="stream must be"):
        fit("mlp", _data(), epochs=1, stream="yes")
    with pytest.raises(TrainingError, match="needs a CUDA device"):
        check_precision("bf16", torch.device("cpu"))
    if DEVICE.type == "cpu":
        with pytest.raises(TrainingError, match="needs a CUDA device"):
            fit("mlp", _data(), epochs=1, precision="bf16")


def test_a_device_that_is_not_there_is_a_clear_error():
    with pytest.raises(TrainingError, match="not a torch device"):
        resolve_device("gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(TrainingError, match="CUDA is not available"):
            fit("mlp", _data(), epochs=1, device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_bf16_autocast_trains_close_to_float32():
    kw = dict(epochs=4, width=32, depth=2, batch_size=32, lr=0.01, num_threads=1)
    full = fit("mlp", _data(600), **kw)
    half = fit("mlp", _data(600), precision="bf16", **kw)
    assert half.history[-1]["train_loss"] == pytest.approx(full.history[-1]["train_loss"], abs=0.05)
    assert abs(half.history[-1]["dev_metric"] - full.history[-1]["dev_metric"]) <= 0.05


def test_epoch_metrics_computed_on_the_device_match_the_predictions_table():
    res = fit("mlp", _data(), epochs=2, width=8, num_threads=1)
    dev = res.predictions[res.predictions["split"] == "dev"]
    error = float((dev["pred"].astype(str) != dev["label"].astype(str)).mean())
    assert res.history[-1]["dev_metric"] == pytest.approx(error, abs=1e-12)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.1).astype(np.float32)
    reg = fit("linear", {"train": (x[:90], y[:90]), "dev": (x[90:], y[90:])}, epochs=2)
    rows = reg.predictions[reg.predictions["split"] == "dev"]
    rmse = float(np.sqrt(np.mean((rows["pred"] - rows["label"]) ** 2)))
    assert reg.history[-1]["dev_metric"] == pytest.approx(rmse, rel=1e-5)


def test_labels_are_encoded_by_their_text_whatever_their_type():
    from yearn.errors import DataError
    from yearn.train._data import _encode_labels

    classes = ("0", "1", "1.0")
    got = _encode_labels(np.array([1, 0, 1]), "binary", classes, "train")
    assert got.tolist() == [1, 0, 1]
    mixed = np.array([1, 1.0, 0], dtype=object)  # 1 and 1.0 are different texts
    assert _encode_labels(mixed, "multiclass", classes, "train").tolist() == [1, 2, 0]
    with pytest.raises(DataError, match="row 2: label '7'"):
        _encode_labels(np.array([0, 1, 7]), "binary", classes, "dev")


def test_predictions_are_those_of_the_final_weights_after_a_restore():
    """Without a restore the last evaluation's outputs are reused; after early stopping
    restores the best epoch's weights, the predictions come from those weights."""
    kw = dict(width=32, depth=2, lr=0.05, num_threads=1, batch_size=16)
    plain = fit("mlp", _data(), epochs=3, **kw)
    dev = plain.predictions[plain.predictions["split"] == "dev"]
    x_dev = torch.as_tensor(_data()["dev"][0])
    fresh = torch.softmax(predict_outputs(plain.model, x_dev), 1).cpu().numpy()
    np.testing.assert_allclose(dev[["proba:0", "proba:1"]].to_numpy(), fresh, atol=1e-6)
    stopped = fit("mlp", _data(), epochs=25, early_stopping=2, **kw)
    assert stopped.best_epoch is not None and stopped.best_epoch < len(stopped.history) - 1
    rows = stopped.predictions[stopped.predictions["split"] == "dev"]
    restored = torch.softmax(predict_outputs(stopped.model, x_dev), 1).cpu().numpy()
    np.testing.assert_allclose(rows[["proba:0", "proba:1"]].to_numpy(), restored, atol=1e-6)


def test_exact_float32_turns_tf32_off_for_the_block_and_restores_it():
    from yearn.train._device import exact_float32

    cuda, b = torch.device("cuda"), torch.backends  # only flags: no GPU needed
    before = (b.cuda.matmul.allow_tf32, b.cudnn.allow_tf32)
    with exact_float32(cuda):
        assert (b.cuda.matmul.allow_tf32, b.cudnn.allow_tf32) == (False, False)
    assert (b.cuda.matmul.allow_tf32, b.cudnn.allow_tf32) == before
    conv = b.cudnn.conv.fp32_precision
    try:  # a caller who mixed the legacy and the new API: the new API is used
        b.cudnn.conv.fp32_precision = "ieee" if conv != "ieee" else "tf32"
        mixed = [b.cuda.matmul.fp32_precision, b.cudnn.conv.fp32_precision]
        with exact_float32(cuda):
            assert b.cudnn.conv.fp32_precision == b.cudnn.rnn.fp32_precision == "ieee"
        assert [b.cuda.matmul.fp32_precision, b.cudnn.conv.fp32_precision] == mixed
    finally:
        b.cudnn.conv.fp32_precision = conv
    with exact_float32(torch.device("cpu")):  # nothing to do off CUDA
        assert (b.cuda.matmul.allow_tf32, b.cudnn.allow_tf32) == before


def test_lr_find_streams_and_checks_precision_like_fit():
    from yearn.train import lr_find

    kw = dict(num_steps=30, batch_size=16, width=8, num_threads=1)
    on_device = lr_find("mlp", _data(), stream=False, **kw)
    streamed = lr_find("mlp", _data(), stream=True, **kw)
    assert streamed.losses == pytest.approx(on_device.losses, rel=1e-6)
    if DEVICE.type == "cpu":
        with pytest.raises(TrainingError, match="needs a CUDA device"):
            lr_find("mlp", _data(), precision="bf16", **kw)


def test_test_rows_stay_on_the_host_and_are_predicted_when_asked():
    data = _data(320)
    rng = np.random.default_rng(9)
    x_test = rng.normal(size=(50, 5)).astype(np.float32)
    data["test"] = (x_test, (x_test[:, 0] > 0).astype(int))
    res = fit("mlp", data, epochs=2, width=8, num_threads=1, include_test=True)
    rows = res.predictions[res.predictions["split"] == "test"]
    want = torch.softmax(predict_outputs(res.model, torch.as_tensor(x_test)), 1).cpu().numpy()
    np.testing.assert_allclose(rows[["proba:0", "proba:1"]].to_numpy(), want, atol=1e-6)
    hidden = fit("mlp", data, epochs=1, width=8, num_threads=1)
    assert "test" not in set(hidden.predictions["split"])
