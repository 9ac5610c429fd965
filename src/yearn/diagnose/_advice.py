"""Next steps for each gap, as the course lists them, and the reading of the ladder."""

from __future__ import annotations

from typing import Any

__all__ = [
    "BELOW_HUMAN",
    "GAP_LABELS",
    "GAP_NAMES",
    "GAP_SPLITS",
    "NEXT_STEPS",
    "NOTHING_STANDS_OUT",
    "TOO_GOOD",
    "UNDECIDED",
    "next_steps",
]

GAP_NAMES = ("avoidable_bias", "variance", "data_mismatch", "dev_overfitting")

#: Each gap is the difference between two adjacent rungs: (lower rung, upper rung).
GAP_SPLITS = {
    "avoidable_bias": ("human", "train"),
    "variance": ("train", "train_dev"),
    "data_mismatch": ("train_dev", "dev"),
    "dev_overfitting": ("dev", "test"),
}

GAP_LABELS = {
    "avoidable_bias": "avoidable bias",
    "variance": "variance",
    "data_mismatch": "data mismatch",
    "dev_overfitting": "dev-set overfitting",
}

NEXT_STEPS: dict[str, tuple[str, ...]] = {
    "avoidable_bias": (
        "train a bigger model (more layers or units)",
        "train longer, or use a better optimisation algorithm (momentum, RMSprop, Adam)",
        "search for a better architecture or hyperparameters",
        "reduce regularisation (smaller L2 penalty, less dropout)",
    ),
    "variance": (
        "get more training data",
        "add regularisation (L2, dropout)",
        "use data augmentation",
        "use early stopping",
        "search for a better architecture or hyperparameters",
    ),
    "data_mismatch": (
        "carry out error analysis to understand what differs between the training data and "
        "the dev/test data (yearn errors)",
        "collect more training data that looks like the dev/test data, or move part of the "
        "target source into training",
        "synthesise artificial training data that resembles dev/test — but beware of "
        "repeating a small noise source over a large clean set (1 hour of car noise mixed "
        "into 10,000 hours of speech): the model can overfit to that one noise",
    ),
    "dev_overfitting": (
        "get a bigger dev set",
        "get a fresh dev set: this one has been tuned to",
    ),
}

NOTHING_STANDS_OUT = (
    "no gap stands out: every gap is within the tolerance or not distinguishable from zero "
    "at this sample size. If you expected a gap, enlarge the smaller sets (the intervals "
    "above show how wide they are) or lower --tolerance; otherwise the model is as close to "
    "human level as these measurements can tell."
)

#: Dev error far below human level is a finding, never "done".
TOO_GOOD = (
    "suspect leakage or an easy dev set: dev error is far below the human-level error, "
    "which careful people do not reach. Check the features for columns that give the "
    "label away (yearn profile, leakage check) and whether dev holds near-copies of train "
    "examples or only easy cases, before trusting this number."
)

#: Dev error below human level, but not significantly: no "done" either.
BELOW_HUMAN = (
    "no gap stands out, and dev error is below the human-level error (not significantly "
    "at this dev size): before calling the model done, check the features for columns that "
    "give the label away (yearn profile) and whether dev is easier than the cases people "
    "judged; measure on a bigger dev set."
)

#: No gap stands out, but the intervals are too wide to call the model near human level.
UNDECIDED = (
    "no gap is measured beyond chance, yet the intervals are too wide to call the model "
    "near human level (the widest gap may reach {widest}): enlarge the smaller sets "
    "(more dev and train-dev examples: raise dev and train_dev of the split in yearn.toml, "
    "then yearn run) before deciding what to work on."
)


def next_steps(diagnosis: Any, k: int = 3) -> list[str]:
    """The ``k`` most useful next steps of a diagnosis: the first step of each principal
    gap, then the second of each, ... (with several gaps of similar size, all are covered);
    the general advice when no gap stands out."""
    lists = [list(diagnosis.recommendations.get(g, ())) for g in diagnosis.principal]
    if not any(lists):
        lists = [list(v) for v in diagnosis.recommendations.values()]
    longest = max(map(len, lists), default=0)
    steps = [lst[i] for i in range(longest) for lst in lists if i < len(lst)]
    return steps[:k]
