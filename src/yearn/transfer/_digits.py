"""The transfer study on the embedded digits demo.

Task A: the ``web`` digits 0–4 (plenty: every image of those classes). Task B: the
``phone`` digits 5–9 (other classes, other look: blurred, low contrast), with few
examples. A small CNN is pretrained on A once; then, for each task-B train size, scratch
and every policy are trained on the same task-B splits and scored on one fixed dev set.
Phone images are grouped by their base image (a group never straddles train and dev).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from yearn._validation import check_positive_int
from yearn.errors import DataError
from yearn.train import FitResult, SmallCNN, fit
from yearn.transfer._advisor import TransferAdvice, advise_transfer
from yearn.transfer._compare import TransferComparison, compare_transfer
from yearn.transfer._policy import POLICIES

__all__ = ["DigitsTransferStudy", "digits_transfer_study", "load_digits_tasks"]

TASK_A = (0, 1, 2, 3, 4)
TASK_B = (5, 6, 7, 8, 9)
DEFAULT_SIZES = (25, 50, 100, 200, 400)


@dataclass
class DigitsTransferStudy:
    """The pretrained task-A model, the advisor's answer, one comparison per B size."""

    pretrain: FitResult
    n_a: int
    n_b_dev: int
    advice: TransferAdvice
    comparisons: list[TransferComparison] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per task-B size: dev error of scratch and each policy, best gain + CI."""
        rows = []
        for c in self.comparisons:
            row: dict[str, Any] = {"n_train_B": c.n_train}
            for o in c.outcomes:
                row[o.name] = o.dev_value
            best = c.best()
            v = best.versus_scratch
            row["best"] = best.name
            row["gain (points)"] = None if v is None else 100 * v.improvement
            row["95% CI"] = "" if v is None else f"[{100 * v.ci_low:.1f}, {100 * v.ci_high:.1f}]"
            row["p_value"] = None if v is None else v.p_value
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_a": self.n_a,
            "n_b_dev": self.n_b_dev,
            "pretrain_run_id": self.pretrain.run_id,
            "pretrain_dev_error": self.pretrain.final().get("dev_metric"),
            "advice": self.advice.to_dict(),
            "comparisons": [c.to_dict() for c in self.comparisons],
        }

    def _repr_html_(self) -> str:
        return self.advice._repr_html_() + self.table().to_html(
            index=False, float_format=lambda v: f"{v:.3f}"
        )


def _images(folder: Path, frame: pd.DataFrame) -> np.ndarray:
    from yearn.data import load_images

    return load_images([folder / p for p in frame["path"]], grayscale=True)


def load_digits_tasks(project: str | Path) -> dict[str, Any]:
    """Task-A (web 0–4) and task-B (phone 5–9) images, labels and groups of a demo folder."""
    root = Path(project)
    out: dict[str, Any] = {}
    for source, classes in (("web", TASK_A), ("phone", TASK_B)):
        manifest = root / "data" / source / "manifest.csv"
        if not manifest.is_file():
            raise DataError(
                f"{manifest}: not found; {root} is not the digits demo — create it with "
                "'yearn demo --dir DIR --no-run' (yearn.demo.make_digits_demo)."
            )
        frame = pd.read_csv(manifest)
        frame = frame[frame["label"].isin(classes)].reset_index(drop=True)
        out[source] = (_images(manifest.parent, frame), frame)
    return out


def _group_split(groups: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of rows whose group falls in a random ``share`` of the groups."""
    unique = np.unique(groups)
    chosen = rng.choice(unique, size=round(len(unique) * share), replace=False)
    return np.isin(groups, chosen)


def digits_transfer_study(
    project: str | Path,
    *,
    sizes: Sequence[int] = DEFAULT_SIZES,
    policies: Sequence[str] = POLICIES,
    epochs_a: int = 6,
    epochs_b: int = 30,
    width: int = 16,
    store: Any = None,
    random_state: int = 0,
    progress: Any = None,
) -> DigitsTransferStudy:
    """Pretrain on web 0–4, transfer to phone 5–9 at each task-B size in ``sizes``.

    ``project``: a digits demo folder. ``store``: a RunStore or folder for the runs (every
    model is a run with curves). ``progress``: called with a message before each step.
    """
    sizes = [check_positive_int("size", int(s), error=DataError) for s in sizes]
    say = progress or (lambda _msg: None)
    tasks = load_digits_tasks(project)
    rng = np.random.default_rng(random_state)
    xa, fa = tasks["web"]
    xb, fb = tasks["phone"]
    mean, std = float(xa.mean()), float(xa.std()) or 1.0
    xa, xb = (xa - mean) / std, (xb - mean) / std
    dev_a = _group_split(fa["base_id"].to_numpy(), 0.15, rng)
    ya, yb = fa["label"].to_numpy(), fb["label"].to_numpy()
    data_a = {"train": (xa[~dev_a], ya[~dev_a]), "dev": (xa[dev_a], ya[dev_a])}
    say(f"pretraining a small CNN on task A: {int((~dev_a).sum())} web images of digits 0-4")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(random_state)
        model = SmallCNN(1, len(TASK_A), width=width)
    pre = fit(
        model,
        data_a,
        store=store,
        run_name="digits-A-pretrain",
        epochs=epochs_a,
        random_state=random_state,
        num_threads=1,
    )
    dev_b = _group_split(fb["base_id"].to_numpy(), 0.4, rng)
    pool = np.flatnonzero(~dev_b)
    too_big = [s for s in sizes if s > len(pool)]
    if too_big:
        raise DataError(
            f"task-B size {too_big[0]} is larger than the {len(pool)} phone images of digits "
            f"5-9 available for training; use sizes ≤ {len(pool)}."
        )
    order = rng.permutation(pool)
    n_a = int((~dev_a).sum())
    advice = None
    comparisons = []
    for n in sorted(sizes):
        train = order[:n]  # nested: each size holds the smaller ones
        data_b = {"train": (xb[train], yb[train]), "dev": (xb[dev_b], yb[dev_b])}
        if len(np.unique(yb[train])) < 2:
            raise DataError(f"task-B size {n} draws one class only; use a larger size.")
        if advice is None:
            say("advisor: checking the preconditions of transfer")
            advice = advise_transfer(pre.model, data_b, n_a=n_a, random_state=random_state)
        say(f"task B with {n} training images: scratch and {', '.join(policies)}")
        comparisons.append(
            compare_transfer(
                pre.model,
                data_b,
                policies=tuple(policies),
                store=store,
                run_prefix=f"digits-B{n}-",
                epochs=epochs_b,
                random_state=random_state,
                num_threads=1,
            )
        )
    assert advice is not None
    return DigitsTransferStudy(pre, n_a, int(dev_b.sum()), advice, comparisons)
