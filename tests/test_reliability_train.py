"""Divergence is measured against the loss at initialisation, within the first epoch too."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests._toy_project import TRAIN_TOML as TOML
from tests._toy_project import toy_table
from yearn.errors import TrainingError
from yearn.train import DivergenceDetector


@pytest.fixture
def project(tmp_path):
    from yearn.splits.project import split_project

    toy_table("w", 160, 0).to_csv(tmp_path / "web.csv", index=False)
    toy_table("p", 120, 1).to_csv(tmp_path / "phone.csv", index=False)
    (tmp_path / "yearn.toml").write_text(TOML)
    split_project(tmp_path, record=False)
    return tmp_path


def test_train_with_a_huge_learning_rate_is_caught(cli, project):
    res = cli("train", "-p", project, "--epochs", "3", "--lr", "1e6")
    assert res.exit_code == 2, res.output
    assert "diverged" in res.output and "1e+06" in res.output


def test_train_with_a_sane_learning_rate_is_not_called_diverged(cli, project):
    res = cli("train", "-p", project, "--epochs", "3", "--lr", "0.01")
    assert res.exit_code == 0, res.output
    assert "diverged" not in res.output


def test_a_loss_that_explodes_within_the_first_epoch_is_caught():
    state = SimpleNamespace(epoch=0, lr=1e6)
    det = DivergenceDetector(factor=10)
    det.on_epoch_start(state)
    det.on_batch_end(state, 0, 0.7)  # the initial weights
    det.on_batch_end(state, 1, 3.0)
    with pytest.raises(TrainingError, match=r"at initialisation \(0\.7\)"):
        det.on_batch_end(state, 2, 7e20)


def test_a_first_epoch_far_above_the_initial_loss_is_caught_at_its_end():
    state = SimpleNamespace(epoch=0, lr=1.0)
    det = DivergenceDetector(factor=10)
    det.on_epoch_start(state)
    det.on_batch_end(state, 0, 0.7)  # one batch per epoch: no running mean to judge
    with pytest.raises(TrainingError, match="at initialisation"):
        det.on_epoch_end(state, {"train_loss": 7e20})


def test_noisy_batches_below_the_factor_are_fine():
    state = SimpleNamespace(epoch=0, lr=0.1)
    det = DivergenceDetector(factor=10)
    for epoch in range(3):
        state.epoch = epoch
        det.on_epoch_start(state)
        for b, loss in enumerate([0.7, 2.0, 0.1, 3.5, 0.05, 0.4]):
            det.on_batch_end(state, b, loss)
        det.on_epoch_end(state, {"train_loss": 1.1})


def _json(result):
    import json

    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{") :])


def test_resume_on_a_tampered_checkpoint_names_the_file_and_leaves_no_failed_run(cli, project):
    from yearn.store import open_store

    first = _json(cli("train", "-p", project, "--epochs", "2", "--json"))
    folder = project / ".yearn" / "artifacts" / first["run_id"] / "checkpoints"
    edited = sorted(folder.glob("epoch-*.safetensors"))[-1]
    edited.write_bytes(edited.read_bytes() + b"\0")
    with open_store(project) as store:
        before = len(store.list_runs())
    for _ in range(2):  # each retry: the same message, no new run
        res = cli("train", "-p", project, "--epochs", "4", "--resume", first["run_id"])
        assert res.exit_code == 2, res.output
        assert str(edited) in res.output.replace("\n", "") and "sha256" in res.output
    with open_store(project) as store:
        assert len(store.list_runs()) == before


def test_a_replaced_model_file_is_named_as_changed_not_as_missing(cli, project):
    import pickle

    from yearn.errors import StoreError
    from yearn.store import open_store
    from yearn.train import load_model

    run_id = _json(cli("train", "-p", project, "--epochs", "1", "--json"))["run_id"]
    assert load_model(project, run_id) is not None  # null case: an intact file loads
    weights = project / ".yearn" / "artifacts" / run_id / "model.safetensors"
    weights.write_bytes(pickle.dumps({"not": "weights"}))
    with pytest.raises(StoreError, match="sha256 mismatch") as info:
        load_model(project, run_id)
    assert "saved no torch weights" not in str(info.value)
    with open_store(project) as store, store.run("sk", "train") as run:  # no weights
        run.log_artifact(b'{"model": "logistic"}', "train_summary.json")
        sk = run.id
    with pytest.raises(TrainingError, match="saved no torch weights"):
        load_model(project, sk)
