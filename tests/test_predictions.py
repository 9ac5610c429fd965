"""The predictions-table contract: loading, validation, and clear errors (API and CLI)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yearn.errors import PredictionsError
from yearn.predictions import load_predictions, write_predictions


def _table(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.ones(3), n)
    return pd.DataFrame(
        {
            "id": [f"x{i}" for i in range(n)],
            "split": np.array(["train", "train_dev", "dev", "test"])[np.arange(n) % 4],
            "label": rng.choice(["cat", "dog", "fox"], n),
            "proba:cat": proba[:, 0],
            "proba:dog": proba[:, 1],
            "proba:fox": proba[:, 2],
            "blur": rng.random(n),
        }
    )


def test_classification_table_roundtrip(tmp_path):
    frame = _table()
    for name in ("p.parquet", "p.csv"):
        path = write_predictions(frame, tmp_path / name)
        preds = load_predictions(path)
        assert preds.task == "multiclass"
        assert preds.classes == ("cat", "dog", "fox")
        assert preds.metadata_columns == ("blur",)
        assert preds.splits == ("train", "train_dev", "dev", "test")
        expected = np.array(["cat", "dog", "fox"])[
            frame[["proba:cat", "proba:dog", "proba:fox"]].to_numpy().argmax(1)
        ]
        assert list(preds.frame["pred"]) == list(expected)
        dev = preds.split("dev")
        assert len(dev) == 10
        assert dev.error_rate() == pytest.approx(np.mean(dev.frame["pred"] != dev.frame["label"]))
        assert preds.proba().shape == (40, 3)
        assert (preds.label_indices() >= 0).all()


def test_task_inference_and_multilabel():
    reg = load_predictions(
        pd.DataFrame(
            {"id": [1, 2], "split": ["dev", "dev"], "label": [1.5, 2.0], "pred": [1.0, 2.5]}
        )
    )
    assert reg.task == "regression"
    ml = load_predictions(
        pd.DataFrame(
            {
                "id": [1, 2, 3],
                "split": ["dev"] * 3,
                "label:car": [1, "", 0],
                "proba:car": [0.9, 0.2, 0.1],
                "label:stop": [0, 1, 1],
                "proba:stop": [0.1, 0.8, 0.6],
            }
        )
    )
    assert ml.task == "multilabel" and ml.tasks == ("car", "stop")
    assert np.isnan(ml.multilabel_labels()[1, 0])
    text = load_predictions(
        pd.DataFrame(
            {
                "id": [1, 2, 3],
                "split": ["dev"] * 3,
                "label": ["cat", "dog", "fox"],
                "pred": ["cat", "fox", "fox"],
            }
        )
    )
    assert text.task == "multiclass" and text.error_rate() == pytest.approx(1 / 3)
    ints = load_predictions(
        pd.DataFrame({"id": [1, 2], "split": ["dev"] * 2, "label": [0, 1], "pred": [1, 1]})
    )
    assert ints.task == "binary"
    binary = load_predictions(
        pd.DataFrame(
            {
                "id": [1, 2],
                "split": ["dev", "test"],
                "label": [0, 1],
                "proba:0": [0.3, 0.6],
                "proba:1": [0.7, 0.4],
            }
        )
    )
    assert binary.task == "binary" and list(binary.correct()) == [False, False]


def test_several_models():
    a, b = _table(seed=1), _table(seed=2)
    a["model"], b["model"] = "a", "b"
    preds = load_predictions(pd.concat([a, b]))
    assert preds.models == ("a", "b")
    assert len(preds.for_model("b")) == 40
    with pytest.raises(PredictionsError, match="no rows for model 'c'"):
        preds.for_model("c")


BAD_CASES = [
    ("missing id", lambda f: f.drop(columns="id"), "missing column 'id'"),
    (
        "unknown split",
        lambda f: f.assign(split=["valid", *list(f.split[1:])]),
        "row 2: split 'valid' is not one of",
    ),
    (
        "duplicate id",
        lambda f: f.assign(id=["x0", "x0", *list(f.id[2:])]),
        "row 3: id 'x0' appears twice",
    ),
    (
        "empty label",
        lambda f: f.assign(label=[None, *list(f.label[1:])]),
        "row 2: column 'label' is empty",
    ),
    (
        "proba not summing",
        lambda f: f.assign(**{"proba:cat": f["proba:cat"] * 0.5}),
        "sum to .* not 1",
    ),
    (
        "proba outside",
        lambda f: f.assign(**{"proba:cat": -f["proba:cat"]}),
        "must lie in \\[0, 1\\]",
    ),
    (
        "proba nan",
        lambda f: f.assign(**{"proba:dog": [np.nan, *list(f["proba:dog"][1:])]}),
        "row 2: column 'proba:dog' holds nan, not a finite number",
    ),
    (
        "unknown label",
        lambda f: f.assign(label=["emu", *list(f.label[1:])]),
        "row 2: label 'emu' has no 'proba:emu' column",
    ),
    (
        "no pred nor proba",
        lambda f: f[["id", "split", "label"]],
        "give a 'pred' column or 'proba:<class>' columns",
    ),
]


@pytest.mark.parametrize(("case", "change", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_tables_are_clear_errors(case, change, message, tmp_path, cli):
    frame = change(_table())
    with pytest.raises(PredictionsError, match=message):
        load_predictions(frame)
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    result = cli("diagnose", "--predictions", path)
    assert result.exit_code == 2, result.output
    assert "bad.csv" in result.output


def test_bad_files(tmp_path, cli):
    with pytest.raises(PredictionsError, match="file not found"):
        load_predictions(tmp_path / "nope.parquet")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(PredictionsError, match="cannot read it as parquet"):
        load_predictions(broken)
    (tmp_path / "p.xlsx").write_bytes(b"x")
    with pytest.raises(PredictionsError, match="unknown extension"):
        load_predictions(tmp_path / "p.xlsx")
    (tmp_path / "empty.csv").write_text("id,split,label,pred\n")
    with pytest.raises(PredictionsError, match="has no rows"):
        load_predictions(tmp_path / "empty.csv")
    result = cli("diagnose", "--predictions", broken)
    assert result.exit_code == 2 and "cannot read it as parquet" in result.output


def test_multilabel_errors():
    base = {"id": [1, 2], "split": ["dev", "dev"], "proba:car": [0.5, 0.5]}
    with pytest.raises(PredictionsError, match="every label of task 'car' is missing"):
        load_predictions(pd.DataFrame({**base, "label:car": ["", None]}))
    with pytest.raises(PredictionsError, match="row 3: label:car is 2"):
        load_predictions(pd.DataFrame({**base, "label:car": [1, 2]}))
    with pytest.raises(PredictionsError, match="no matching proba:bus"):
        load_predictions(pd.DataFrame({**base, "label:car": [1, 0], "label:bus": [1, 0]}))
