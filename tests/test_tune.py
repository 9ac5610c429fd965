"""yearn tune: the [tune] config, the search space, the pruning callback, the study in the
run store (resumed by name), the dev-set guard (null and effect cases) and the CLI."""

from __future__ import annotations

import json
import re

import numpy as np
import optuna
import pytest

from yearn.config import load_config
from yearn.errors import ConfigError
from yearn.tune import PruneOnDev, confirm_mask, default_space, resolve_space, tune

from ._tune_project import make_tune_project

LR_LINE = "lr = {low = 0.05, high = 0.2, log = true}"
STRONG_SPACE = """
[tune.space]
lr = {low = 0.05, high = 0.2, log = true}
optimizer = "adam"
batch_size = 32
width = [16, 32]
"""


def test_tune_space_is_read_and_checked(tmp_path):
    root = make_tune_project(tmp_path / "p", n=60, space=STRONG_SPACE)
    cfg = load_config(root)
    assert cfg.tune.epochs == 2
    assert cfg.tune.space["lr"] == {"low": 0.05, "high": 0.2, "log": True}
    assert cfg.tune.space["width"] == [16, 32] and cfg.tune.space["optimizer"] == "adam"
    space = resolve_space("mlp", "binary", dict(cfg.tune.space))
    assert space["optimizer"] == "adam" and "dropout" in space  # defaults kept
    with pytest.raises(ConfigError, match=r"tune\.space\.colour is not a tunable"):
        resolve_space("mlp", "binary", {"colour": ["red"]})
    toml = (root / "yearn.toml").read_text()
    for bad, message in [
        ("lr = {low = 0.1, high = 0.01}", "need low < high"),
        ("lr = {low = 0.0, high = 0.1, log = true}", "low > 0 with log"),
        ("lr = {low = 0.1}", "needs low and high"),
        ("dropout = []", "non-empty list"),
    ]:
        (root / "yearn.toml").write_text(toml.replace(LR_LINE, bad))
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_config(root)


def test_default_space_spans_what_a_practitioner_searches():
    mlp = default_space("mlp", "binary")
    assert max(mlp["width"]) == 512 and mlp["depth"] == {"low": 1, "high": 4}
    assert mlp["lr"] == {"low": 1e-4, "high": 1e-2, "log": True}  # Adam & co. diverge above
    assert max(mlp["batch_size"]) == 256 and mlp["class_weight"] == ["none", "balanced"]
    assert "class_weight" not in default_space("mlp", "regression")
    assert "width" not in default_space("linear", "binary")
    with pytest.raises(ConfigError, match="mlp, cnn or linear"):
        default_space("tree", "binary")


def test_confirm_halves_are_stable_and_about_even():
    ids = np.array([f"id{i}" for i in range(2000)], dtype=object)
    mask = confirm_mask(ids)
    assert 900 < mask.sum() < 1100
    # the same id is in the same half whatever the order or the other rows
    assert (confirm_mask(ids[::-1])[::-1] == mask).all()
    assert (confirm_mask(ids[:10]) == mask[:10]).all()


class _Trial:
    def __init__(self, prune_at: int) -> None:
        self.prune_at, self.reported = prune_at, []

    def report(self, value: float, step: int) -> None:
        self.reported.append((step, value))

    def should_prune(self) -> bool:
        return len(self.reported) >= self.prune_at


@pytest.mark.parametrize("prune_at, epochs_run", [(2, 2), (99, 4)])
def test_pruning_callback_stops_training_when_the_pruner_says_so(tmp_path, prune_at, epochs_run):
    from yearn.train import fit

    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    trial = _Trial(prune_at)
    cb = PruneOnDev(trial)
    result = fit("mlp", {"train": (x[:60], y[:60]), "dev": (x[60:], y[60:])}, epochs=4,
                 callbacks=[cb])  # fmt: skip
    assert len(result.history) == epochs_run
    assert [s for s, _ in trial.reported] == list(range(1, epochs_run + 1))
    assert [v for _, v in trial.reported] == [h["dev_metric"] for h in result.history]
    assert cb.pruned == (prune_at <= 4)


def test_study_lives_in_the_run_store_and_resumes_by_name(tmp_path):
    root = make_tune_project(tmp_path / "p", n=200)
    first = tune(root, "linear", trials=3, study="s1")
    assert first.counts().get("COMPLETE", 0) >= 1 and len(first.trials) == 3
    url = f"sqlite:///{root / '.yearn' / 'runs.db'}"
    stored = optuna.load_study(study_name="s1", storage=url)
    assert len(stored.trials) == 3
    second = tune(root, "linear", trials=2, study="s1")
    assert [t["number"] for t in second.trials] == [0, 1, 2, 3, 4]
    assert second.default["run_id"] == first.default["run_id"]  # trained once per study
    assert second.confirm_looks == 2
    # every trial that ran to the end is a yearn run with its curves
    from yearn.project import Project

    store = Project(root).store()
    run_ids = [t["run_id"] for t in second.trials if t["state"] == "COMPLETE"]
    metrics = store.metrics(run_ids)
    assert set(metrics["run_id"]) == set(run_ids)
    assert {"train", "dev"} <= set(metrics["split"])
    assert second.dev_evaluations >= 6  # five trials and the default scored dev
    # TensorBoard: HParams of each trial, read back with TensorBoard's own readers
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    trial = next(t for t in second.trials if t["state"] == "COMPLETE")
    folder = store.artifact_root / trial["run_id"] / "tensorboard"
    acc = EventAccumulator(str(folder))
    acc.Reload()
    content = acc.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]
    ).session_start_info
    assert set(start.hparams) == set(trial["params"]) | {"pruned"}
    assert start.hparams["lr"].number_value == pytest.approx(trial["params"]["lr"])
    assert acc.Scalars("hparam/dev_error")[0].value == pytest.approx(trial["value"])
    assert {"train", "dev"} <= {p.name for p in folder.iterdir() if p.is_dir()}
    store.close()
    html = second._repr_html_()
    assert "optimisation history" in html and "L2 × dropout" in html
    # each search is also a run of kind tune; the report draws the newest one
    from yearn.report import build_report

    tune_runs = Project(root).store().list_runs(kind="tune")
    assert len(tune_runs) == 2
    section = build_report(root)["tuning"]
    assert section.present and section.result.study == "s1"
    assert len(section.result.trials) == 5 and "optimisation history" in str(section.body)
    assert section.result.guard == second.guard
    # and the dashboard's tuning page
    from fastapi.testclient import TestClient

    from yearn.ui import create_app

    page = TestClient(create_app(root), base_url="http://localhost").get("/tuning")
    assert page.status_code == 200
    assert "optimisation history" in page.text and "study s1" in page.text


def test_guard_makes_no_claim_when_the_labels_are_noise(tmp_path):
    root = make_tune_project(tmp_path / "p", n=400, signal=False)
    result = tune(root, "mlp", trials=4, study="null")
    g = result.guard
    assert g.n_confirm > 50
    assert not g.beats_default
    assert g.select[g.winner] <= g.select["default"]  # the default is a candidate too
    if g.winner == "default":
        assert "no trial beat the default config" in g.summary
    else:
        assert "by chance" in g.summary and "no claim that it beats the default" in g.summary
        if g.ci_low < 0:
            assert f"allows a gain of up to {-g.ci_low:.4g}" in g.summary


def test_guard_claims_a_gain_that_holds_on_the_confirm_half(tmp_path):
    root = make_tune_project(tmp_path / "p", n=400, space=STRONG_SPACE)
    weak = {"optimizer": "sgd", "lr": 1e-4, "momentum": 0.0}
    result = tune(root, "mlp", trials=3, study="effect", default_params=weak)
    g = result.guard
    assert g.beats_default and g.p_value < 0.05 and g.difference < 0
    assert g.confirm[g.winner] < g.confirm["default"] - 0.2
    assert "the tuned config beats the default" in g.summary


WEAK_SPACE = """
[tune.space]
optimizer = "sgd"
momentum = 0.0
lr = {low = 1e-5, high = 1e-4, log = true}
width = [16]
"""


def test_no_trial_beats_the_default_so_the_default_stays(cli, tmp_path):
    # every trial underfits (plain SGD at 1e-5 - 1e-4 for 2 epochs); the default (Adam
    # 1e-3) is a candidate too, so it wins the select half and nothing is claimed
    root = make_tune_project(tmp_path / "p", n=400, space=WEAK_SPACE)
    result = cli("tune", "--project", str(root), "--trials", "2", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    done = [t["value"] for t in out["trials"] if t["state"] == "COMPLETE"]
    assert done and min(done) > out["default"]["value"] + 0.1
    assert out["best"]["number"] is None and out["best"]["state"] == "DEFAULT"
    g = out["guard"]
    assert g["winner"] == "default" and not g["beats_default"]
    assert g["difference"] == 0 and g["p_value"] == 1
    assert g["summary"].startswith("no trial beat the default config on the select half")
    assert "no claim that a tuned config beats the default" in g["summary"]
    text = cli("tune", "--project", str(root), "--trials", "1")
    assert text.exit_code == 0, text.output
    words = " ".join(text.output.split())  # the console wraps at 80 columns
    assert "best: the default config with error" in words and "no trial did better" in words
    assert "│ default │" in words and "best params: the training defaults" in words
    assert "importances not measured" in words  # all trials scored alike: no measurement
    seen = [json.dumps(t["params"], sort_keys=True) for t in out["trials"]]
    assert len(set(seen)) == len(seen)  # a resumed study does not redraw the same configs


def test_cli_tune_json_carries_every_trial(cli, tmp_path):
    root = make_tune_project(tmp_path / "p", n=160)
    result = cli("tune", "--project", str(root), "--model", "linear", "--trials", "3", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert len(out["trials"]) == 3 and sum(out["counts"].values()) == 3
    assert {"guard", "best", "default", "importances", "dev_evaluations"} <= set(out)
    assert out["guard"]["summary"].startswith(("on the confirm half", "no trial beat"))
    text = cli("tune", "--project", str(root), "--model", "linear", "--trials", "1")
    assert text.exit_code == 0, text.output
    assert "4 trials" in text.output and "optimism of the winner" in text.output


def test_cli_tune_bad_input_is_one_line(cli, tmp_path):
    root = make_tune_project(tmp_path / "p", n=60)
    result = cli("tune", "--project", str(root), "--model", "tree", "--trials", "1")
    assert result.exit_code == 2 and "mlp, cnn or linear" in result.output
    result = cli("tune", "--project", str(root), "--executor", "spark", "--trials", "1")
    assert result.exit_code == 2 and "unknown executor 'spark'" in result.output


def test_best_trial_meets_the_satisficing_constraints(tmp_path):
    space = "[tune.space]\nwidth = [16, 256]\ndepth = 1\nlr = {low = 0.01, high = 0.1, log = true}"
    root = make_tune_project(tmp_path / "p", n=200, space=space)
    toml = (root / "yearn.toml").read_text()
    (root / "yearn.toml").write_text(toml + '\n[metric]\nconstraints = ["n_params <= 200"]\n')
    result = tune(root, "mlp", trials=6, study="c")
    done = [t for t in result.trials if t["state"] == "COMPLETE"]
    wide = [t for t in done if t["params"]["width"] == 256]
    assert wide and any(t["params"]["width"] == 16 for t in done)  # both were tried
    assert result.best["params"]["width"] == 16
    assert result.best["measured"]["n_params"] <= 200
    for t in wide:  # excluded, with the measured value as the reason
        assert result.selection["excluded"][f"#{t['number']}"][0].startswith("n_params = ")


def test_dashboard_tuning_page_without_a_search_says_what_to_run(tmp_path):
    from fastapi.testclient import TestClient

    from yearn.ui import create_app

    root = make_tune_project(tmp_path / "p", n=60)
    page = TestClient(create_app(root), base_url="http://localhost").get("/tuning")
    assert page.status_code == 200 and "No search yet" in page.text


def test_study_on_postgresql_lives_with_the_runs(tmp_path):
    import tempfile
    from pathlib import Path

    from ._pg import start_postgres

    url, reason, stop = start_postgres(Path(tempfile.mkdtemp(prefix="yearn-pg-")))
    if url is None:
        pytest.skip(f"PostgreSQL test skipped: {reason}")
    try:
        root = make_tune_project(tmp_path / "p", n=120)
        result = tune(root, "linear", trials=2, study="pg", store_url=url)
        assert result.storage.startswith("postgresql")
        storage = optuna.storages.RDBStorage(result.storage)
        assert len(optuna.load_study(study_name="pg", storage=storage).trials) == 2
        storage.engine.dispose()
        from yearn.project import Project

        store = Project(root, store_url=url).store()
        run_ids = {r.id for r in store.list_runs()}
        store.close()
        assert {t["run_id"] for t in result.trials} <= run_ids  # trials are runs of that store
        assert not (root / ".yearn" / "runs.db").exists()  # nothing went to SQLite
    finally:
        stop()


def test_a_diverged_trial_is_counted_failed_with_its_reason(tmp_path):
    import logging

    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    logging.getLogger("optuna").addHandler(handler)
    space = '[tune.space]\nlr = [0.05, 10000.0]\noptimizer = "sgd"\nwidth = [16]\ndepth = 1'
    root = make_tune_project(tmp_path / "p", n=200, space=space)
    try:
        result = tune(root, "mlp", trials=5, study="f")
    finally:
        logging.getLogger("optuna").removeHandler(handler)
    failed = [t for t in result.trials if t["state"] == "FAIL"]
    assert failed and all(t["params"]["lr"] == 10000.0 for t in failed)
    assert all("diverged" in t["fail_reason"] for t in failed)
    assert result.counts()["FAIL"] == len(failed)
    lines = result.summary_lines()
    assert f"trial #{failed[0]['number']} failed: training diverged" in "\n".join(lines)
    assert all(t["fail_reason"] is None for t in result.trials if t["state"] != "FAIL")
    assert not [r for r in seen if "failed" in r.getMessage()]  # no Optuna traceback printed


def _guard(**changes):
    from yearn.tune import Guard

    base = {
        "metric": "error",
        "n_confirm": 1306,
        "n_trials": 20,
        "winner": "#14",
        "select": {"default": 0.0225, "#14": 0.0113},
        "confirm": {"default": 0.0115, "#14": 0.0130},
        "difference": 0.0015,
        "ci_low": -0.0054,
        "ci_high": 0.0084,
        "p_value": 0.82,
        "test": "McNemar exact",
        "optimism": 0.0017,
        "beats_default": False,
    }
    return Guard(**{**base, **changes})


def test_guard_wording_says_what_the_confirm_half_can_and_cannot_tell():
    # no claim, and the interval allows a gain: say how large a gain chance could hide
    text = _guard().summary
    assert "within what picking the best of 20 trials gives by chance" in text
    assert "no claim that it beats the default" in text
    assert "allows a gain of up to 0.0054: on 1306 examples" in text
    # no claim and no gain allowed by the interval: no such sentence
    assert "allows a gain" not in _guard(ci_low=0.0001, p_value=0.04).summary
    won = _guard(difference=-0.009, ci_low=-0.015, ci_high=-0.003, p_value=0.01,
                 beats_default=True, confirm={"default": 0.02, "#14": 0.011}).summary  # fmt: skip
    assert won.endswith("the tuned config beats the default (p < 0.05).")
    assert "allows a gain" not in won and "no claim" not in won
    stays = _guard(winner="default", difference=0.0, ci_low=0.0, ci_high=0.0, p_value=1.0,
                   select={"default": 0.01, "#3": 0.02}).summary  # fmt: skip
    assert stays.startswith("no trial beat the default config on the select half of dev")
    assert "(best trial #3: 0.02)" in stays and "no claim that a tuned config beats" in stays
