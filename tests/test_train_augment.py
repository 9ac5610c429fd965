"""Image augmentation while training (``augment``): what it does to a batch, that it is
reproducible, that tables are refused, and that it helps a CNN across a brightness and
contrast change it never saw."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from yearn.errors import TrainingError
from yearn.train import TrainConfig, fit
from yearn.train._augment import Augmenter


def test_shift_moves_each_image_by_at_most_an_eighth_and_is_reproducible():
    x = torch.zeros(64, 1, 16, 16)
    x[:, 0, 8, 8] = 1.0  # one bright pixel in the middle
    aug = Augmenter("shift", random_state=3)
    aug.start_epoch(0)
    out = aug(x)
    assert out.shape == x.shape
    where = out[:, 0].flatten(1).argmax(dim=1)
    dy, dx = where // 16 - 8, where % 16 - 8
    assert dy.abs().max() <= 2 and dx.abs().max() <= 2  # 16 / 8 = 2 pixels at most
    assert (dy != 0).any() and (dx != 0).any()  # it does move them
    assert torch.equal(out.sum(dim=(1, 2, 3)), x.sum(dim=(1, 2, 3)))  # nothing lost
    again = Augmenter("shift", random_state=3)
    again.start_epoch(0)
    assert torch.equal(again(x), out)
    again.start_epoch(1)
    assert not torch.equal(again(x), out)


def test_color_changes_contrast_about_each_images_mean():
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.random((200, 1, 8, 8)), dtype=torch.float32)
    aug = Augmenter("color", random_state=0)
    aug.start_epoch(0)
    out = aug(x)
    ratio = out.std(dim=(1, 2, 3)) / x.std(dim=(1, 2, 3))
    assert ratio.min() >= 0.5 - 1e-4 and ratio.max() <= 1.5 + 1e-4
    assert ratio.max() - ratio.min() > 0.5  # contrast drawn per image
    moved = (out.mean(dim=(1, 2, 3)) - x.mean(dim=(1, 2, 3))).abs()
    assert moved.max() <= 0.5 * float(x.std()) + 1e-3 and moved.max() > 0.05
    assert torch.equal(Augmenter("none", 0)(x), x)


def test_augment_is_refused_for_tables_and_unknown_kinds():
    x = np.random.default_rng(0).random((40, 5)).astype(np.float32)
    y = np.arange(40) % 2
    with pytest.raises(TrainingError, match="images shaped"):
        fit("mlp", {"train": (x, y)}, epochs=1, augment="shift")
    with pytest.raises(TrainingError, match="augment"):
        TrainConfig(augment="flip").validate()


def _bars(rng: np.random.Generator, n: int, background: float, contrast: float):
    """Class 0: a vertical bar, class 1: a horizontal bar, at a random place."""
    y = rng.integers(0, 2, n)
    x = rng.normal(0.0, 0.05, (n, 1, 12, 12))
    for i in range(n):
        k = rng.integers(2, 10)
        if y[i]:
            x[i, 0, k, 2:10] += 1.0
        else:
            x[i, 0, 2:10, k] += 1.0
    return (background + contrast * x).astype(np.float32), y


def test_color_augmentation_carries_a_cnn_across_a_brightness_change():
    rng = np.random.default_rng(0)
    train = _bars(rng, 160, background=0.0, contrast=1.0)
    dev = _bars(rng, 200, background=0.6, contrast=0.35)  # washed-out photos

    def dev_error(augment: str) -> float:
        errors = []
        for seed in range(3):
            res = fit(
                "cnn",
                {"train": train, "dev": dev},
                epochs=12,
                lr=0.01,
                width=4,
                batch_size=16,
                random_state=seed,
                augment=augment,
            )
            errors.append(res.history[-1]["dev_metric"])
        return float(np.mean(errors))

    plain, augmented = dev_error("none"), dev_error("color")
    assert augmented < plain - 0.1, (plain, augmented)


def test_augment_from_the_shell_is_recorded_with_the_run(tmp_path, cli):
    import json

    from tests._ship_projects import IMAGE_TOML, write_images
    from yearn.store import open_store

    root = tmp_path / "images"
    root.mkdir()
    (root / "yearn.toml").write_text(IMAGE_TOML)
    write_images(root / "img", "w", 60, 0).to_csv(root / "web.csv", index=False)
    write_images(root / "img", "p", 45, 1).to_csv(root / "phone.csv", index=False)
    assert cli("split", "--project", root).exit_code == 0
    args = ["train", "--project", root, "--model", "cnn", "--epochs", "2", "--width", "4"]
    result = cli(*args, "--augment", "shift+color", "--json")
    assert result.exit_code == 0, result.output
    run = open_store(root).get_run(json.loads(result.output)["run_id"])
    assert run.config["augment"] == "shift+color"
    bad = cli(*args, "--augment", "flip")
    assert bad.exit_code == 2 and "augment must be one of" in " ".join(bad.output.split())
