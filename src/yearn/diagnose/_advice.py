"""Next steps for each gap, as the course lists them, and the reading of the ladder."""

from __future__ import annotations

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

#: Each step names the yearn command that carries it out.
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    "avoidable_bias": (
        "train a bigger model (more layers or units): yearn train --width 256 --depth 3",
        "train longer, or use a better optimisation algorithm (momentum, RMSprop, Adam): "
        "yearn train --epochs 50 --optimizer rmsprop (or --optimizer sgd --momentum 0.9)",
        "search for a better learning rate: yearn lr-find, then yearn train --lr <rate>",
        "reduce regularisation (smaller L2 penalty, less dropout): "
        "yearn train --weight-decay 0 --dropout 0",
    ),
    "variance": (
        "get more training data (yearn learning-curve estimates what doubling it buys)",
        "add regularisation (L2, dropout): yearn train --weight-decay 1e-4 --dropout 0.2",
        "use early stopping: yearn train --early-stopping 5",
        "try a smaller model: yearn train --width 64 --depth 1",
    ),
    "data_mismatch": (
        "carry out error analysis to understand what differs between the training data and "
        "the dev/test data: yearn errors",
        "collect more training data that looks like the dev/test data, or move part of the "
        "target source into training: raise target_to_train of the split in yearn.toml, "
        "then yearn run",
        "find the slices of dev where the model fails most: yearn slices",
        "synthesise training data that looks like the dev/test data (distortions fitted "
        "to the target's measured statistics) and measure whether the gap closes: "
        "yearn synthesize --evaluate",
    ),
    "dev_overfitting": (
        "get a bigger dev set: raise dev of the split in yearn.toml, then yearn run",
        "get a fresh dev set (this one has been tuned to): change salt of the split in "
        "yearn.toml, then yearn run",
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

#: What the learning curve says about more data, when it disagrees with a gap's advice.
MORE_DATA = "get more training data"
CURVE_SAYS_NO = (
    "more training data is unlikely to help, by the learning curve of this model ({why}): "
    "regularise instead (yearn train --weight-decay 1e-4 --dropout 0.2)"
)
CURVE_SAYS_YES = "get more training data: by the learning curve of this model, {why}"


def next_steps(diagnosis: object, k: int = 3, curve: dict | None = None) -> list[str]:
    """The ``k`` most useful next steps of a diagnosis: the first step of each principal
    gap, then the second of each, ... (several gaps of similar size are all covered); the
    general advice when no gap stands out. ``curve`` (a learning curve's ``to_dict()``)
    settles whether more data helps: its verdict replaces the gap's "get more training
    data" when they disagree, and adds that step when the curve expects a real gain."""
    recs = getattr(diagnosis, "recommendations", {})
    lists = [list(recs.get(g, ())) for g in getattr(diagnosis, "principal", ())]
    if not any(lists):
        lists = [list(v) for v in recs.values()]
    longest = max(map(len, lists), default=0)
    steps = [lst[i] for i in range(longest) for lst in lists if i < len(lst)]
    if curve is not None and "more_data_helps" in curve:
        helps = bool(curve["more_data_helps"])
        why = str(curve.get("verdict", "")).split(": ", 1)[-1].rstrip(".")
        if helps:
            if not any(st.startswith(MORE_DATA) for st in steps):
                steps.insert(min(1, len(steps)), CURVE_SAYS_YES.format(why=why))
        else:
            steps = [CURVE_SAYS_NO.format(why=why) if st.startswith(MORE_DATA) else st
                     for st in steps]  # fmt: skip
    return steps[:k]
