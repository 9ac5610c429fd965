"""The packaged pretrained text encoder (all-MiniLM-L6-v2) loads and runs with no network."""

from __future__ import annotations

import numpy as np
import pytest

from yearn.transfer import TextEncoder, text_encoder_available, transfer_text

from ._text_data import NEGATIVE, POSITIVE

AVAILABLE, REASON = text_encoder_available()
pytestmark = pytest.mark.skipif(not AVAILABLE, reason=f"text encoder unavailable: {REASON}")


def test_encoder_loads_offline_and_caches_embeddings(no_network, tmp_path):
    encoder = TextEncoder(cache_dir=tmp_path)
    emb = encoder.encode(["a cat sits on the mat", "a kitten rests on a rug", "stock prices fell"])
    assert emb.shape == (3, 384) and emb.dtype == np.float32
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)  # normalised sentences
    similar, unrelated = float(emb[0] @ emb[1]), float(emb[0] @ emb[2])
    assert similar > unrelated + 0.3  # a real pretrained encoder, not random weights
    assert (encoder.hits, encoder.misses) == (0, 1)
    again = TextEncoder(cache_dir=tmp_path)  # a new process would find the same file
    assert np.array_equal(
        again.encode(["a cat sits on the mat", "a kitten rests on a rug", "stock prices fell"]), emb
    )
    assert (again.hits, again._model) == (1, None)  # served from the cache, model not loaded
    assert list(tmp_path.glob("*.safetensors"))


def test_new_head_on_the_frozen_encoder(no_network, tmp_path):
    encoder = TextEncoder(cache_dir=tmp_path)
    texts = POSITIVE[:4] + NEGATIVE[:4]
    labels = ["pos"] * 4 + ["neg"] * 4
    dev = POSITIVE[4:] + NEGATIVE[4:]
    result = transfer_text(
        {"train": (texts, labels), "dev": (dev, ["pos"] * 2 + ["neg"] * 2)},
        encoder=encoder,
        epochs=60,
        lr=0.05,
    )
    assert result.policy.policy == "head" and result.trained_layers == ["head"]
    assert result.fit.final()["dev_metric"] <= 0.25


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


def test_text_transfer_on_a_project_from_the_cli(cli, no_network, tmp_path):
    import json

    import pandas as pd

    from yearn.splits.project import split_project

    rng = np.random.default_rng(0)
    rows = [(t, "pos") for t in POSITIVE] + [(t, "neg") for t in NEGATIVE]
    rows = [(f"{t} {suffix}", y) for t, y in rows for suffix in ("", "!", "indeed", "really")]
    order = rng.permutation(len(rows))
    frame = pd.DataFrame([rows[i] for i in order], columns=["review", "y"])
    frame.insert(0, "id", [f"r{i}" for i in range(len(frame))])
    frame.to_csv(tmp_path / "reviews.csv", index=False)
    (tmp_path / "yearn.toml").write_text(TOML)
    split_project(tmp_path, record=False)
    result = cli(
        "transfer", "-p", tmp_path, "--text-encoder", "--epochs", "40", "--lr", "0.05", "--json"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output[result.output.index("{") :])
    assert out["backbone"] == "all-MiniLM-L6-v2" and out["policy"] == "head"
    assert out["final"]["dev_metric"] <= 0.2
    bad = cli("transfer", "-p", tmp_path, "--from", tmp_path / "reviews.csv")
    assert bad.exit_code == 2 and "unknown weights format '.csv'" in bad.output
