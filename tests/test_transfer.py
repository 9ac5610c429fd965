"""yearn.transfer: policies train exactly the layers they should; backbones load safely."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from yearn.errors import DataError, TrainingError
from yearn.train import SmallCNN, mlp
from yearn.transfer import (
    BackboneLearningRate,
    advise_transfer,
    apply_policy,
    choose_policy,
    compare_transfer,
    infer_builtin,
    load_backbone,
    read_weights,
    transfer,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _task(n: int, seed: int, n_inputs: int = 6, shift: float = 0.0):
    """Two classes separated along a direction shared by tasks A and B."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_inputs)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + shift > 0).astype(int)
    return x, y


def _data(n_train: int = 60, n_dev: int = 60, seed: int = 1):
    xt, yt = _task(n_train, seed)
    xd, yd = _task(n_dev, seed + 100)
    return {"train": (xt, yt), "dev": (xd, yd)}


@pytest.fixture(scope="module")
def pretrained():
    from yearn import fit

    xa, ya = _task(400, 0)
    return fit(mlp(6, 2, width=16, depth=3), {"train": (xa, ya)}, epochs=3, lr=0.01).model


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def _changed(before, after) -> set[str]:
    """Tensors that differ (compared on the CPU: the model may have trained on CUDA)."""
    return {k for k in before if not torch.equal(before[k].cpu(), after[k].detach().cpu())}


def test_head_policy_freezes_the_backbone_and_trains_the_head(pretrained):
    before = _snapshot(pretrained)
    result = transfer(pretrained, _data(), policy="head", epochs=3, lr=0.05)
    after = result.fit.model.state_dict()
    backbone = {k for k in before if k.startswith("backbone.")}
    assert backbone and not (_changed(before, after) & backbone)
    # the head is new: trained from its fresh initialisation (3 outputs → 2 classes here)
    assert result.fit.history[0]["train_loss"] > result.fit.history[-1]["train_loss"]
    assert result.trained_layers == ["head"]
    # the source model itself is never changed
    assert not _changed(before, pretrained.state_dict())


def test_last_k_trains_only_the_last_k_backbone_layers(pretrained):
    before = _snapshot(pretrained)
    result = transfer(pretrained, _data(), policy="last_k", k=1, epochs=3, lr=0.05)
    changed = _changed(before, result.fit.model.state_dict())
    assert changed & {"backbone.4.weight", "backbone.4.bias"} == {
        "backbone.4.weight",
        "backbone.4.bias",
    }
    assert not changed & {"backbone.0.weight", "backbone.0.bias", "backbone.2.weight"}
    assert result.trained_layers == ["backbone.4", "head"]
    result2 = transfer(pretrained, _data(), policy="last_k", k=2, epochs=2, lr=0.05)
    changed2 = _changed(before, result2.fit.model.state_dict())
    assert "backbone.2.weight" in changed2 and "backbone.0.weight" not in changed2


def test_all_trains_everything_with_a_lower_backbone_rate(pretrained):
    seen = {}

    from yearn.train import Callback

    class Groups(Callback):
        def on_epoch_end(self, state, logs):
            seen["lrs"] = [g["lr"] for g in state.optimizer.param_groups]
            seen["sizes"] = [len(g["params"]) for g in state.optimizer.param_groups]

    before = _snapshot(pretrained)
    result = transfer(
        pretrained,
        _data(),
        policy="all",
        backbone_lr_factor=0.1,
        epochs=2,
        lr=0.02,
        callbacks=[Groups()],
        schedule="cosine",
    )
    changed = _changed(before, result.fit.model.state_dict())
    assert {"backbone.0.weight", "backbone.2.weight", "backbone.4.weight"} <= changed
    assert seen["sizes"] == [2, 6]  # head (weight, bias) | 3 backbone layers
    head_lr, backbone_lr = seen["lrs"]
    assert backbone_lr == pytest.approx(0.1 * head_lr)
    assert "0.1 × lr" in result.notes[0]


def test_default_policy_follows_the_amount_of_task_b_data():
    assert choose_policy(100).policy == "head"
    assert choose_policy(1000).policy == "last_k"
    assert choose_policy(20000).policy == "all"
    assert choose_policy(100, "all").chosen_by_default is False
    with pytest.raises(TrainingError, match="policy"):
        choose_policy(100, "everything")


def test_default_policy_is_stated_in_the_result(pretrained):
    result = transfer(pretrained, _data(), epochs=1)
    assert result.policy.policy == "head" and result.policy.chosen_by_default
    assert "policy head (default): 60 task-B training examples" in result.summary()


def test_apply_policy_rejects_k_larger_than_the_backbone(pretrained):
    model = copy.deepcopy(pretrained)
    with pytest.raises(TrainingError, match="k=5, but the backbone has 3 layers"):
        apply_policy(model, "last_k", 5)


def test_head_that_does_not_fit_the_backbone_is_refused(pretrained):
    with pytest.raises(TrainingError, match="backbone outputs 16 features but the head takes 8"):
        transfer(pretrained, _data(), head=nn.Linear(8, 2), epochs=1)
    with pytest.raises(TrainingError, match="the head has 3 outputs but task B needs 2"):
        transfer(pretrained, _data(), head=nn.Linear(16, 3), epochs=1)


def test_backbone_that_cannot_take_task_b_inputs_is_refused(pretrained):
    xt, yt = _task(40, 3, n_inputs=4)
    with pytest.raises(TrainingError, match=r"cannot take task-B inputs of shape \(4,\)"):
        transfer(pretrained, {"train": (xt, yt)}, epochs=1)


# -- weights files ---------------------------------------------------------------------
def test_safetensors_and_state_dict_files_rebuild_the_model(tmp_path, pretrained):
    weights = {k: v.contiguous() for k, v in pretrained.state_dict().items()}
    save_file(weights, tmp_path / "a.safetensors")
    torch.save(pretrained.state_dict(), tmp_path / "a.pt")
    for name in ("a.safetensors", "a.pt"):
        model = load_backbone(tmp_path / name)
        assert not _changed(weights, model.state_dict())
    cnn = SmallCNN(1, 5, width=4, depth=2)
    save_file(cnn.state_dict(), tmp_path / "cnn.safetensors")
    rebuilt = infer_builtin(read_weights(tmp_path / "cnn.safetensors"))
    assert isinstance(rebuilt, SmallCNN) and rebuilt.n_features == cnn.n_features


def test_pickle_onnx_and_unknown_files_are_refused_with_the_reason(tmp_path):
    (tmp_path / "m.pkl").write_bytes(pickle.dumps({"w": [1.0]}))
    with pytest.raises(TrainingError, match=r"pickle file is refused.*arbitrary code"):
        read_weights(tmp_path / "m.pkl")
    (tmp_path / "bare.pt").write_bytes(pickle.dumps({"w": [1.0]}))
    with pytest.raises(TrainingError, match="bare pickle stream"):
        read_weights(tmp_path / "bare.pt")
    torch.save({"w": torch.zeros(2), "opt": np.random.default_rng(0)}, tmp_path / "obj.pt")
    with pytest.raises(TrainingError, match=r"weights_only=True"):
        read_weights(tmp_path / "obj.pt")
    (tmp_path / "m.onnx").write_bytes(b"\x08\x07")
    with pytest.raises(TrainingError, match="ONNX files hold a computation graph"):
        read_weights(tmp_path / "m.onnx")
    (tmp_path / "m.h5").write_bytes(b"HDF")
    with pytest.raises(TrainingError, match=r"unknown weights format '\.h5'"):
        read_weights(tmp_path / "m.h5")
    (tmp_path / "bad.safetensors").write_bytes(b"not really")
    with pytest.raises(TrainingError, match="not a valid safetensors file"):
        read_weights(tmp_path / "bad.safetensors")
    with pytest.raises(TrainingError, match="not found"):
        read_weights(tmp_path / "none.safetensors")
    save_file({"w": torch.zeros(2)}, tmp_path / "odd.safetensors")
    with pytest.raises(TrainingError, match=r"no 'head\.weight'"):
        load_backbone(tmp_path / "odd.safetensors")


# -- comparison and advisor ------------------------------------------------------------
def test_compare_transfer_gives_a_verdict_with_a_ci_per_policy(pretrained):
    result = compare_transfer(pretrained, _data(20, 200), epochs=5, lr=0.02, n_resamples=300)
    names = [o.name for o in result.outcomes]
    assert names == ["scratch", "head", "last_k", "all"]
    table = result.table()
    assert pd.isna(table["gain vs scratch"].iloc[0])
    for o in result.outcomes[1:]:
        c = o.versus_scratch
        assert c.n == 200 and c.ci_low <= c.improvement <= c.ci_high
        expected = result.outcome("scratch").dev_value - o.dev_value
        assert c.improvement == pytest.approx(expected)


def test_compare_transfer_needs_a_dev_split(pretrained):
    with pytest.raises(DataError, match="needs a dev split"):
        compare_transfer(pretrained, {"train": _task(30, 1)}, epochs=1)


def test_advisor_says_likely_when_a_features_help(pretrained):
    advice = advise_transfer(pretrained, _data(30, 200), n_a=400)
    assert [c.name for c in advice.checks] == [
        "same input kind",
        "much more data for A",
        "A features useful for B",
    ]
    assert advice.checks[1].passed  # 400 vs 30
    assert advice.probe_error_features is not None


def test_advisor_says_unlikely_when_inputs_differ_or_a_is_small(pretrained):
    xt, yt = _task(40, 3, n_inputs=4)
    xd, yd = _task(40, 4, n_inputs=4)
    advice = advise_transfer(pretrained, {"train": (xt, yt), "dev": (xd, yd)})
    assert not advice.likely_helps and "inputs differ" in advice.verdict
    small = advise_transfer(pretrained, _data(60, 60), n_a=100)
    assert not small.likely_helps and "much more data for A" in small.verdict


class _Raising(nn.Module):
    """A backbone whose forward fails (as a model on CUDA fed CPU tensors would)."""

    def forward(self, x):
        raise RuntimeError("Expected all tensors to be on the same device (simulated)")


def test_a_probe_that_raises_is_not_measured_never_a_verdict():
    from yearn.train import BackboneHead

    model = BackboneHead(_Raising(), nn.Linear(4, 2), 4)
    advice = advise_transfer(model, _data(30, 40), n_a=4000)
    assert not advice.measured and not advice.likely_helps
    assert advice.verdict.startswith("transfer advice not measured")
    assert "unlikely" not in advice.verdict and "RuntimeError" in advice.verdict
    assert advice.checks[0].passed is None and "not measured" in advice.checks[0].detail
    assert advice.to_dict()["measured"] is False


def test_input_mismatch_is_read_from_the_first_layer():
    from yearn.transfer._advisor import input_mismatch

    assert input_mismatch(mlp(6, 2, width=8, depth=2).backbone, (6,)) is None
    assert "reads 6 values" in input_mismatch(mlp(6, 2, width=8, depth=2).backbone, (4,))
    cnn = SmallCNN(1, 2, width=4, depth=1).backbone
    assert input_mismatch(cnn, (1, 8, 8)) is None
    assert "1 channel" in input_mismatch(cnn, (3, 8, 8))
    assert "2-d" in input_mismatch(cnn, (64,))
    assert input_mismatch(_Raising(), (6,)) is None  # unknown: the probe decides


def test_advisor_probe_measures_on_a_working_backbone(pretrained):
    advice = advise_transfer(pretrained, _data(30, 60), n_a=4000)
    assert advice.measured and advice.checks[0].passed is True


def test_backbone_lr_factor_is_validated():
    with pytest.raises(TrainingError, match="backbone_lr_factor"):
        BackboneLearningRate(0.0)


def test_head_policy_keeps_batch_norm_statistics_of_the_backbone():
    from yearn.train import BackboneHead

    backbone = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5))
    model = BackboneHead(backbone, nn.Linear(8, 2), 8)
    before = _snapshot(model)
    xt, yt = _task(64, 5, shift=3.0)  # shifted inputs would move the running mean
    result = transfer(model, {"train": (xt, yt)}, policy="head", epochs=2, lr=0.01)
    after = result.fit.model.state_dict()
    assert not _changed(before, after) & {k for k in before if k.startswith("backbone.")}
