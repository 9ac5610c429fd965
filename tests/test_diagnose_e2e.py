"""End to end with the real trainer: yearn.train writes a run, the diagnosis reads it back."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


def _source(rng: np.random.Generator, n: int, shift: float, prefix: str) -> pd.DataFrame:
    X = rng.normal(size=(n, 4))
    X[:, 0] += shift
    y = X[:, 0] + X[:, 1] - shift > 0
    return pd.DataFrame(
        {
            "id": [f"{prefix}{i}" for i in range(n)],
            "a": X[:, 0],
            "b": X[:, 1],
            "c": X[:, 2],
            "d": X[:, 3],
            "label": np.where(y, "yes", "no"),
        }
    )


@pytest.mark.slow
def test_trained_run_is_diagnosed(tmp_path, cli):
    from yearn.scaffold import write_project_file
    from yearn.splits import split_project
    from yearn.train import train_project

    rng = np.random.default_rng(0)
    _source(rng, 3000, 0.0, "w").to_csv(tmp_path / "web.csv", index=False)
    _source(rng, 1000, 1.5, "p").to_csv(tmp_path / "phone.csv", index=False)
    write_project_file(
        tmp_path,
        task="binary",
        label="label",
        id_column="id",
        sources=["web=web.csv:train", "phone=phone.csv:target"],
        metric="error",
        human_level_error=0.0,
    )
    split_project(tmp_path)
    result = train_project(tmp_path, "mlp", epochs=3, random_state=0)

    r = cli("diagnose", "--project", tmp_path, "--json")  # the newest run with predictions
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["run_id"] == result.run_id
    assert set(out["errors"]) >= {"human", "train", "train_dev", "dev"}
    assert out["errors"]["human"] == 0.0  # from yearn.toml
    # the phone source is shifted: what separates train-dev from dev is the mismatch
    assert out["gaps"]["data_mismatch"]["ci_low"] > 0
    assert "data_mismatch" in (
        out["principal"] if isinstance(out["principal"], list) else [out["principal"]]
    )
    assert out["training_health"]["monitored"] == "error"
    assert out["training_health"]["epochs"] == 3
