"""The embedded demo data: determinism, partition, planted noise, corruption, cache."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from yearn.config import load_config
from yearn.demo import (
    DEMO_VERSION,
    DIGITS_SETTINGS,
    build_digits_data,
    build_tabular_data,
    demo_cache_dir,
    edge_sharpness,
    make_digits_demo,
    make_tabular_demo,
    summarize_demo,
)
from yearn.errors import ConfigError

MANIFEST = ["id", "path", "label", "base_id", "source"]
META = ["blur", "brightness", "contrast", "rotation", "noise"]


def _hashes(root: Path, part: str = "data") -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / part).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def digits(tmp_path_factory) -> Path:
    return make_digits_demo(tmp_path_factory.mktemp("demo") / "digits", random_state=0)


@pytest.fixture(scope="session")
def manifests(digits) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(digits / "data" / name / "manifest.csv", dtype={"id": str})
        for name in ("web", "phone")
    }


def _pixels(digits: Path, source: str, paths) -> np.ndarray:
    return np.stack(
        [
            np.asarray(Image.open(digits / "data" / source / p), dtype=np.float64) / 255
            for p in paths
        ]
    )


def test_same_random_state_gives_identical_files(digits, tmp_path):
    fresh = tmp_path / "fresh"
    build_digits_data(fresh, random_state=0)
    got = _hashes(fresh) | _hashes(fresh, "truth")
    want = _hashes(digits) | {
        k: v for k, v in _hashes(digits, "truth").items() if k.endswith(".csv")
    }
    assert len(got) > 8000
    assert got == want


def test_manifest_layout_and_images(digits, manifests):
    web, phone = manifests["web"], manifests["phone"]
    assert 5000 <= len(web) <= 7000 and 1500 <= len(phone) <= 2500
    for name, frame in manifests.items():
        assert list(frame.columns) == MANIFEST + META
        assert frame["id"].is_unique and (frame["source"] == name).all()
        assert set(frame["label"]) == set(range(10))
        files = sorted(p.name for p in (digits / "data" / name / "images").iterdir())
        assert files == sorted(Path(p).name for p in frame["path"])
        with Image.open(digits / "data" / name / frame["path"].iloc[0]) as img:
            assert img.mode == "L" and img.size == (16, 16)
    assert not set(web["id"]) & set(phone["id"])


def test_base_images_partitioned_between_web_and_phone(manifests):
    web, phone = manifests["web"], manifests["phone"]
    assert not set(web["base_id"]) & set(phone["base_id"])
    assert web["base_id"].nunique() + phone["base_id"].nunique() == 1797
    share = phone["base_id"].nunique() / 1797
    assert abs(share - DIGITS_SETTINGS.phone_share) < 0.01
    assert (web.groupby("base_id").size() == DIGITS_SETTINGS.web.variants).all()
    assert (phone.groupby("base_id").size() == DIGITS_SETTINGS.phone.variants).all()


def test_planted_label_noise_is_recorded_and_correct(digits, manifests):
    truth = pd.read_csv(digits / "truth" / "mislabeled.csv", dtype={"id": str})
    assert list(truth.columns[:3]) == ["id", "true_label", "given_label"]
    assert truth["id"].is_unique
    assert (truth["true_label"] != truth["given_label"]).all()
    both = pd.concat(manifests.values(), ignore_index=True).set_index("id")
    assert (both.loc[truth["id"], "label"].to_numpy() == truth["given_label"].to_numpy()).all()
    for frame in manifests.values():
        wrong = truth[truth["id"].isin(frame["id"])]
        assert len(wrong) == round(DIGITS_SETTINGS.label_noise * len(frame))
        assert 0.025 <= len(wrong) / len(frame) <= 0.05
    # the truth is right: the other variants of the same base image carry the true label
    wrong_ids = set(truth["id"])
    clean = both[~both.index.isin(wrong_ids)]
    base_label = clean.groupby("base_id")["label"].agg(lambda s: s.mode().iloc[0])
    assert clean.groupby("base_id")["label"].nunique().max() == 1
    bases = both.loc[truth["id"], "base_id"]
    known = bases.isin(base_label.index).to_numpy()
    assert known.mean() > 0.95
    assert (base_label[bases[known]].to_numpy() == truth["true_label"].to_numpy()[known]).all()


def test_phone_images_are_blurrier_darker_in_contrast_and_noisier(digits, manifests):
    stats = {}
    for name, frame in manifests.items():
        sample = frame.iloc[:300]
        x = _pixels(digits, name, sample["path"])
        stats[name] = {
            "contrast": x.std(axis=(1, 2)).mean(),
            "background": np.percentile(x, 10, axis=(1, 2)).mean(),
            "sharp": np.array([edge_sharpness(img) for img in x]),
            "blur": sample["blur"].to_numpy(),
        }
    web, phone = stats["web"], stats["phone"]
    assert phone["contrast"] < 0.75 * web["contrast"]
    assert phone["background"] > web["background"] + 0.05
    assert phone["sharp"].mean() < 0.9 * web["sharp"].mean()
    # the recorded blur is honest: blurrier phone images measure less sharp
    assert np.corrcoef(phone["blur"], phone["sharp"])[0, 1] < -0.5
    for col in META:  # every corruption was applied to the phone images
        assert manifests["phone"][col].abs().max() > 0, col
    assert manifests["phone"]["blur"].min() > manifests["web"]["blur"].max() - 0.01


def test_sharpness_measure_on_a_known_blur():
    from scipy.ndimage import gaussian_filter

    img = np.zeros((16, 16))
    img[4:12, 6:10] = 1.0
    assert edge_sharpness(img) > edge_sharpness(gaussian_filter(img, 1.5))
    assert edge_sharpness(np.full((16, 16), 0.3)) == 0.0
    assert edge_sharpness(0.5 * img) == pytest.approx(edge_sharpness(img))  # contrast-free


def test_project_file_loads(digits):
    cfg = load_config(digits)
    assert cfg.task == "multiclass" and cfg.label_column == "label"
    assert (cfg.id_column, cfg.group_column, cfg.image_column) == ("id", "base_id", "path")
    assert cfg.metadata_columns == tuple(META)
    assert [(s.name, s.role) for s in cfg.sources] == [("web", "train"), ("phone", "target")]
    assert all(s.path.exists() for s in cfg.sources)
    assert 0 < cfg.metric.human_level_error < 0.05


def test_summary_matches_the_files(digits, manifests):
    summary = summarize_demo(digits)
    assert summary.kind == "digits" and summary.random_state == 0
    by = {s.name: s for s in summary.sources}
    for name, frame in manifests.items():
        s = by[name]
        assert s.rows == len(frame) and s.groups == frame["base_id"].nunique()
        assert sum(s.classes.values()) == len(frame)
        assert s.ranges["blur"] == (frame["blur"].min(), frame["blur"].max())
        assert s.mislabeled_share == pytest.approx(DIGITS_SETTINGS.label_noise, abs=0.002)
    assert by["phone"].quality.sharpness < by["web"].quality.sharpness
    assert by["phone"].quality.contrast < by["web"].quality.contrast
    json.dumps(summary.to_dict())
    html = summary._repr_html_()
    assert html.count("<tr>") == 1 + 2 + 1 + 5  # head, sources, head, metadata ranges
    assert "web" in html and "phone" in html and "blur" in html


def test_cache_is_reused_and_keyed_by_version(digits, tmp_path, monkeypatch):
    entry = demo_cache_dir() / f"digits-v{DEMO_VERSION}-rs0"
    assert json.loads((entry / "truth" / "demo.json").read_text())["version"] == DEMO_VERSION

    def fail(*args, **kwargs):
        raise AssertionError("rebuilt although cached")

    monkeypatch.setattr("yearn.demo._projects.build_digits_data", fail)
    copy = make_digits_demo(tmp_path / "again")
    assert _hashes(copy) == _hashes(digits)


def test_incomplete_cache_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("YEARN_CACHE_DIR", str(tmp_path / "cache"))
    entry = demo_cache_dir() / f"tabular-v{DEMO_VERSION}-rs3"
    (entry / "data").mkdir(parents=True)
    (entry / "data" / "registry.csv").write_text("half,written\n")
    project = make_tabular_demo(tmp_path / "p", random_state=3)
    assert (entry / "truth" / "demo.json").exists()
    assert pd.read_csv(project / "data" / "registry.csv").shape[0] > 300
    assert not [p for p in entry.parent.iterdir() if p.name.startswith(".")]  # no temp dirs


def test_refuses_non_empty_folder_unless_forced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match=r"not empty.*--force"):
        make_tabular_demo(tmp_path)
    make_tabular_demo(tmp_path, force=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert load_config(tmp_path).task == "binary"
    with pytest.raises(ConfigError, match="not a folder"):
        make_tabular_demo(tmp_path / "notes.txt")


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_bad_random_state(tmp_path, bad):
    with pytest.raises(ConfigError, match="random_state"):
        make_tabular_demo(tmp_path / "x", random_state=bad)


# ---------------------------------------------------------------- tabular


@pytest.fixture(scope="session")
def tabular(tmp_path_factory) -> Path:
    return make_tabular_demo(tmp_path_factory.mktemp("demo") / "tabular")


def test_tabular_demo_planted_problems(tabular):
    from sklearn.metrics import roc_auc_score

    cfg = load_config(tabular)
    assert cfg.task == "binary" and cfg.label_column == "diagnosis"
    assert [(s.name, s.role) for s in cfg.sources] == [("registry", "train"), ("clinic", "target")]
    registry, clinic = (pd.read_csv(s.path) for s in cfg.sources)
    both = pd.concat([registry, clinic], ignore_index=True)
    assert len(both) == 20_000 and both["id"].is_unique
    y = (both["diagnosis"] == "malignant").astype(int)
    assert 0.98 < roc_auc_score(y, both["pathology_score"]) < 1.0  # leaky, not an exact copy
    assert not np.array_equal(both["pathology_score"], y)
    assert both["record_number"].is_unique  # id-like
    assert both["latitude"].between(42, 47).all() and both["longitude"].between(-93, -87).all()
    assert both["mean_symmetry"].isna().sum() == round(0.03 * 20_000)
    # the target source is shifted: a narrow place, larger tumours, more malignant
    assert clinic["latitude"].std() < 0.2 < registry["latitude"].std()
    assert clinic["mean_radius"].mean() > registry["mean_radius"].mean()
    assert (clinic["diagnosis"] == "malignant").mean() > (
        registry["diagnosis"] == "malignant"
    ).mean()
    notes = summarize_demo(tabular).notes
    assert notes["leaky_column"] == "pathology_score"
    assert notes["id_like_column"] == "record_number"


def test_tabular_demo_is_deterministic(tmp_path):
    build_tabular_data(tmp_path / "a", random_state=5)
    build_tabular_data(tmp_path / "b", random_state=5)
    build_tabular_data(tmp_path / "c", random_state=6)
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    assert _hashes(tmp_path / "a") != _hashes(tmp_path / "c")


def test_demo_loads_with_the_data_layer(digits, tabular):
    data = pytest.importorskip("yearn.data")
    if not hasattr(data, "load_project"):
        pytest.skip("yearn.data.load_project is not there yet")
    ds = data.load_project(load_config(digits))
    assert len(ds) == sum(len(pd.read_csv(s.path)) for s in load_config(digits).sources)
    assert set(ds.frame["role"]) == {"train", "target"}
    assert ds.classes == [str(d) for d in range(10)] or list(ds.classes) == [
        str(d) for d in range(10)
    ]
    images = data.load_images(list(ds.frame[ds.image_column].iloc[:5]))
    assert images.shape == (5, 1, 16, 16)
    tab = data.load_project(load_config(tabular))
    assert len(tab) == 20_000


def test_concurrent_builds_share_one_cache_entry(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; from yearn.demo import make_tabular_demo; "
        "make_tabular_demo(sys.argv[1], random_state=9)"
    )
    env = {**__import__("os").environ, "YEARN_CACHE_DIR": str(tmp_path / "cache")}
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path / f"p{i}")], env=env)
        for i in range(3)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    entries = list((tmp_path / "cache" / "demo").iterdir())
    assert [e.name for e in entries] == [f"tabular-v{DEMO_VERSION}-rs9"]
    assert _hashes(tmp_path / "p0") == _hashes(tmp_path / "p1") == _hashes(tmp_path / "p2")


def test_library_prints_nothing(tmp_path, capsys):
    make_tabular_demo(tmp_path / "quiet")
    summarize_demo(tmp_path / "quiet")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_partition_depends_on_random_state():
    from yearn.demo._digits import _partition

    labels = np.repeat(np.arange(10), 50)
    a = _partition(labels, 0.28, np.random.default_rng(0))
    b = _partition(labels, 0.28, np.random.default_rng(1))
    assert a.sum() == b.sum() == 140 and not np.array_equal(a, b)
    assert all(a[labels == d].sum() == 14 for d in range(10))  # stratified by digit


def test_unwritable_cache_is_a_clear_error(tmp_path, monkeypatch, cli):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("YEARN_CACHE_DIR", str(blocker))
    with pytest.raises(ConfigError, match="YEARN_CACHE_DIR"):
        make_tabular_demo(tmp_path / "p")
    result = cli("demo", "--tabular", "--dir", tmp_path / "q")
    assert result.exit_code == 2 and "YEARN_CACHE_DIR" in result.output


def test_synthetic_tumours_follow_the_real_table_and_reward_a_flexible_model():
    """The synthetic patients look like the 569 real tumours; their diagnosis is almost
    determined by the measurements (Bayes error of the known densities), yet not by a
    straight line through them, which is what leaves tuning something to win."""
    from scipy.special import logsumexp
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from yearn.demo import _tabular as tab
    from yearn.demo import synthesize_tumours

    rng = np.random.default_rng(0)
    x, malignant, source = synthesize_tumours(3000, rng)
    raw = load_breast_cancer()
    real, real_y = raw.data[:, :10], (raw.target == 0).astype(int)
    assert x.shape == (3000, 10) and (x >= 0).all()
    assert np.array_equal(malignant, real_y[source])
    assert abs(malignant.mean() - real_y.mean()) < 0.03
    ratio = np.median(x, axis=0) / np.median(real, axis=0)
    assert np.all((ratio > 0.85) & (ratio < 1.15)), ratio
    # the Bayes classifier of the class densities the patients were drawn from
    shift = tab.LOG_OFFSET * np.median(real, axis=0)
    z, zr = np.log(x + shift), np.log(real + shift)
    scores = []
    for label in (0, 1):
        cls = zr[real_y == label]
        h = tab.BANDWIDTH_SCALE * (4 / 12) ** (1 / 14) * len(cls) ** (-1 / 14)
        cov = h * h * np.cov(cls, rowvar=False)
        inv, logdet = np.linalg.inv(cov), np.linalg.slogdet(cov)[1]
        diff = z[:, None, :] - cls[None, :, :]
        q = np.einsum("nkd,de,nke->nk", diff, inv, diff)
        scores.append(logsumexp(-0.5 * q, axis=1) - 0.5 * logdet)
    bayes_error = np.mean((scores[1] > scores[0]) != malignant.astype(bool))
    assert bayes_error < 0.005
    scaled = StandardScaler().fit_transform(z)
    linear = LogisticRegression(max_iter=2000).fit(scaled[:2000], malignant[:2000])
    assert 1 - linear.score(scaled[2000:], malignant[2000:]) > 0.03
