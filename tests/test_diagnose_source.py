"""``diagnose_source``: the rules of ``yearn diagnose`` for choosing its one source."""

from __future__ import annotations

import pytest

from yearn.diagnose import diagnose_source
from yearn.errors import ConfigError


def test_errors_alone_are_diagnosed_with_their_sizes(tmp_path) -> None:
    result = diagnose_source(
        errors={"train": "2%", "dev": "10%"},
        sizes={"train": 5000, "dev": 5000},
        human="1%",
        project=tmp_path,
    )
    assert result.source == "errors given on the command line"
    assert result.health is None and result.to_dict()["source"] == result.source
    assert result.diagnosis.principal == ("variance",)


def test_errors_without_a_gap_name_none(tmp_path) -> None:
    """The null case: errors close to human level name no principal gap."""
    result = diagnose_source(
        errors={"train": "2%", "dev": "2.1%"},
        sizes={"train": 5000, "dev": 5000},
        human="1.9%",
        project=tmp_path,
    )
    assert result.diagnosis.principal == ()


def test_no_source_in_an_empty_project_is_refused(tmp_path) -> None:
    with pytest.raises(ConfigError, match="exactly one source"):
        diagnose_source(project=tmp_path)


def test_two_sources_are_refused(tmp_path) -> None:
    with pytest.raises(ConfigError, match="got --predictions, errors"):
        diagnose_source(predictions=tmp_path / "p.csv", errors={"dev": "3%"}, project=tmp_path)


def test_sizes_with_a_table_and_model_with_errors_are_refused(tmp_path) -> None:
    with pytest.raises(ConfigError, match="--n-dev: sizes come from the predictions table"):
        diagnose_source(predictions=tmp_path / "p.csv", sizes={"dev": 10}, project=tmp_path)
    with pytest.raises(ConfigError, match="--model and --task apply to predictions tables"):
        diagnose_source(errors={"dev": "3%"}, model="a", project=tmp_path)


def test_a_table_diagnosed_in_another_metric_gets_no_human_level_of_the_projects(
    tmp_path,
) -> None:
    """The project's human level is for its own metric (error here): a table diagnosed in
    1-f1 must not be measured against it; in the project's metric it is."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 600
    label = rng.choice(["no", "yes"], n, p=[0.7, 0.3])
    p = np.clip(np.where(label == "yes", 0.7, 0.25) + rng.normal(0, 0.2, n), 0.01, 0.99)
    frame = pd.DataFrame({"id": range(n), "label": label, "proba:no": 1 - p, "proba:yes": p})
    frame["split"] = np.repeat(["train", "train_dev", "dev"], [300, 150, 150])
    frame.to_csv(tmp_path / "preds.csv", index=False)
    (tmp_path / "yearn.toml").write_text(
        '[project]\ntask = "binary"\nlabel_column = "label"\nid_column = "id"\n\n'
        '[metric]\noptimizing = "error"\nhuman_level_error = 0.05\n\n'
        '[[sources]]\nname = "main"\npath = "data.csv"\nrole = "target"\n'
    )
    own = diagnose_source(predictions=tmp_path / "preds.csv", project=tmp_path).diagnosis
    other = diagnose_source(
        predictions=tmp_path / "preds.csv", project=tmp_path, metric="1-f1"
    ).diagnosis
    assert own.errors["human"].value == pytest.approx(0.05)
    assert other.metric == "1-f1" and other.errors["human"].assumed  # none given: assumed 0
