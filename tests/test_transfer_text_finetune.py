"""Fine-tuning the packaged MiniLM text encoder: policies last_k / all train exactly the
layers they should; the frozen wrapper equals the cached embeddings; all of it offline."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from yearn.errors import TrainingError
from yearn.train import Callback
from yearn.transfer import (
    MiniLMBackbone,
    TextEncoder,
    text_encoder_available,
    tokenize_texts,
    transfer_text,
)

from ._text_data import NEGATIVE, POSITIVE

AVAILABLE, REASON = text_encoder_available()
pytestmark = pytest.mark.skipif(not AVAILABLE, reason=f"text encoder unavailable: {REASON}")

TEXTS = POSITIVE + NEGATIVE
LABELS = ["pos"] * 6 + ["neg"] * 6
TRAIN = [f"{t} {s}".strip() for t in TEXTS for s in ("", "indeed")]
TRAIN_Y = [y for y in LABELS for _ in range(2)]
DATA = {"train": (TRAIN, TRAIN_Y), "dev": (TEXTS, LABELS)}
FAST = {"epochs": 1, "lr": 1e-3, "max_length": 16, "num_threads": 1}


@pytest.fixture(autouse=True)
def offline_one_thread(no_network):
    """No network, and one torch thread (restored afterwards)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    enc = TextEncoder(cache_dir=tmp_path_factory.mktemp("text-cache"))
    enc.load()  # once for the module (the slow part: ~6 s)
    return enc


def _pretrained(encoder) -> dict[str, torch.Tensor]:
    """The packaged transformer's weights, named as in the fine-tuned model."""
    state = encoder.load()[0].auto_model.state_dict()
    return {f"backbone.model.{k}": v.detach().clone() for k, v in state.items()}


def _changed(before: dict[str, torch.Tensor], model: torch.nn.Module) -> set[str]:
    after = dict(model.named_parameters())
    return {
        k
        for k in after
        if k in before and not torch.equal(before[k].cpu(), after[k].detach().cpu())
    }


def _params_of(model: torch.nn.Module, prefixes: tuple[str, ...]) -> set[str]:
    return {k for k, _ in model.named_parameters() if k.startswith(prefixes)}


def test_frozen_wrapper_equals_the_cached_embeddings(encoder):
    texts = [*TEXTS[:4], "a cat sits on the mat", "ok"]
    cached = encoder.encode(texts)
    assert encoder.encode(texts) is not None and encoder.hits >= 1  # served from the cache
    backbone = MiniLMBackbone.from_encoder(encoder).eval()
    tokens = tokenize_texts(encoder, texts, max_length=16)
    assert tokens.shape == (6, 2, 16) and tokens.dtype == np.int64
    assert set(np.unique(tokens[:, 1])) == {0, 1}  # padded: the mask matters
    with torch.no_grad():
        out = backbone(torch.as_tensor(tokens, dtype=torch.float32)).numpy()
    assert out.shape == (6, 384)
    np.testing.assert_allclose(out, cached, atol=1e-5)
    # the pooler of BERT is unused by sentence embeddings and is dropped
    assert not any(k.startswith("model.pooler") for k, _ in backbone.named_parameters())
    assert [n for n, _ in backbone.transfer_layers()][:2] == [
        "model.embeddings",
        "model.encoder.layer.0",
    ]


def test_last_k_trains_the_last_layers_only(encoder):
    before = _pretrained(encoder)
    result = transfer_text(DATA, encoder=encoder, policy="last_k", k=2, **FAST)
    model = result.fit.model
    trainable = _params_of(
        model, ("backbone.model.encoder.layer.4.", "backbone.model.encoder.layer.5.")
    )
    frozen = _params_of(model, ("backbone.",)) - trainable
    changed = _changed(before, model)
    assert trainable and frozen
    assert changed == trainable  # every weight of the last two layers moved, no other
    assert result.trained_layers == [
        "backbone.model.encoder.layer.4",
        "backbone.model.encoder.layer.5",
        "head",
    ]
    assert result.policy.policy == "last_k" and not result.policy.chosen_by_default
    assert result.backbone == "all-MiniLM-L6-v2"
    # the encoder's own model (used for cached embeddings) is never changed
    assert not _changed(before, _as_named(encoder))


def _as_named(encoder) -> torch.nn.Module:
    class Wrap(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.backbone = torch.nn.Module()
            self.backbone.model = inner

    return Wrap(encoder.load()[0].auto_model)


class _GroupRates(Callback):
    def __init__(self) -> None:
        self.rates: list[float] = []

    def on_epoch_end(self, state, logs) -> None:
        self.rates = [g["lr"] for g in state.optimizer.param_groups]


def test_all_trains_everything_with_a_lower_backbone_rate(encoder):
    before = _pretrained(encoder)
    rates = _GroupRates()
    result = transfer_text(
        DATA,
        encoder=encoder,
        policy="all",
        backbone_lr_factor=0.2,
        callbacks=[rates],
        **FAST,
    )
    model = result.fit.model
    backbone = _params_of(model, ("backbone.",))
    # word embeddings of tokens never seen get no gradient, but the matrix as a whole moves
    assert _changed(before, model) == backbone
    assert rates.rates == pytest.approx([1e-3, 2e-4])  # head group, then the backbone's
    assert len(result.trained_layers) == 8 and "backbone learning rate = 0.2 × lr" in result.notes
    assert result.fit.history[0]["train_loss"] > 0


def test_default_policy_follows_the_amount_of_task_b_data(encoder, monkeypatch):
    small = transfer_text(DATA, encoder=encoder, epochs=2, lr=0.05)
    assert small.policy.policy == "head" and small.policy.chosen_by_default
    assert "24 task-B training examples" in small.summary() and "cached" in small.summary()
    import yearn.transfer._policy as policy_module

    monkeypatch.setattr(policy_module, "HEAD_ONLY_BELOW", 10)  # 24 examples now count as many
    more = transfer_text(DATA, encoder=encoder, **FAST)
    assert more.policy.policy == "last_k" and more.policy.chosen_by_default
    assert more.trained_layers == ["backbone.model.encoder.layer.5", "head"]


def test_bad_requests_are_refused(encoder):
    with pytest.raises(TrainingError, match="backbone has 7 layers"):
        transfer_text(DATA, encoder=encoder, policy="last_k", k=8, **FAST)
    with pytest.raises(TrainingError, match="max_length ≥ 3"):
        transfer_text(DATA, encoder=encoder, policy="all", **{**FAST, "max_length": 2})
    with pytest.raises(TrainingError, match="policy"):
        transfer_text(DATA, encoder=encoder, policy="everything", **FAST)
    with pytest.raises(TrainingError, match="not a string"):
        tokenize_texts(encoder, ["fine", 3])
    backbone = MiniLMBackbone.from_encoder(encoder)
    with pytest.raises(TrainingError, match=r"\(N, 2, L\)"):
        backbone(torch.zeros(2, 16))


TOML = """
[project]
task = "binary"
label_column = "y"
id_column = "id"
text_columns = ["review"]

[[sources]]
name = "main"
path = "reviews.csv"
role = "target"

[split]
dev = 0.3
test = 0.2
"""


def test_fine_tuning_from_the_cli(cli, tmp_path):
    import pandas as pd

    from yearn.splits.project import split_project

    rows = [(f"{t} {s}".strip(), y) for t, y in zip(TEXTS, LABELS, strict=True) for s in ("", "!")]
    order = np.random.default_rng(0).permutation(len(rows))
    frame = pd.DataFrame([rows[i] for i in order], columns=["review", "y"])
    frame.insert(0, "id", [f"r{i}" for i in range(len(frame))])
    frame.to_csv(tmp_path / "reviews.csv", index=False)
    (tmp_path / "yearn.toml").write_text(TOML)
    split_project(tmp_path, record=False)
    args = ("transfer", "-p", tmp_path, "--text-encoder", "--epochs", "1", "--max-length", "16")
    result = cli(*args, "--policy", "last_k", "--k", "1", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output[result.output.index("{") :])
    assert out["backbone"] == "all-MiniLM-L6-v2" and out["policy"] == "last_k"
    assert out["trained_layers"] == ["backbone.model.encoder.layer.5", "head"]
    assert out["run_id"] and np.isfinite(out["final"]["dev_loss"])
    shown = cli(*args, "--policy", "all")
    assert shown.exit_code == 0, shown.output
    assert "policy all (requested)" in shown.output and "0.1 × lr" in shown.output
    bad = cli(*args, "--policy", "last_k", "--k", "9")
    assert bad.exit_code == 2 and "backbone has 7 layers" in bad.output
    both = cli(*args, "--from", tmp_path / "w.safetensors")
    assert both.exit_code == 2 and "not both" in both.output
