"""The diagnosis ladder: errors → gaps → principal gap → next steps.

The rule for the principal gap (documented in docs/diagnosis.md):

1. the **tolerance** τ (the smallest gap worth naming) scales with the errors: for error
   rates with a human level given, a fifth of the largest error on the ladder, at most one
   percentage point (0.36 point on a 1.8% dev error, 1 point from 5% up); with no human
   level there is no scale to judge a small error against, so τ is one point;
2. gap intervals are **simultaneous**: each at ``1 − (1 − confidence) / k`` for the k gaps
   of the ladder (Bonferroni), so all hold together at ``confidence``;
3. a gap *stands out* when its estimate is above τ **and** its simultaneous interval lies
   above τ / 2, so a gap truly under half the tolerance is named in under 5% of ladders
   (bench/diagnose_calibration.py); when no interval can be computed (sizes unknown) it is
   judged on size alone, with a caveat;
4. the principal gap is the largest gap that stands out; every other one that stands out
   and is at least ``similar_ratio`` (default 0.5) times the largest is reported with it,
   ranked by size.

With ``strict=True`` the lower end of the simultaneous interval must exceed τ itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from yearn._validation import check_number
from yearn.diagnose._advice import (
    BELOW_HUMAN,
    GAP_LABELS,
    GAP_NAMES,
    NEXT_STEPS,
    NOTHING_STANDS_OUT,
    TOO_GOOD,
    UNDECIDED,
)
from yearn.diagnose._intervals import newcombe_diff, wilson
from yearn.diagnose._result import Diagnosis, Gap, Rung
from yearn.diagnose._values import LADDER, parse_errors, parse_rate, parse_sizes
from yearn.errors import ConfigError

__all__ = [
    "DEFAULT_RATE_TOLERANCE",
    "SIMILAR_RATIO",
    "assemble",
    "diagnose",
    "is_rate_metric",
    "metric_kind",
    "pooled_rung",
]

#: Default tolerance for error rates: one percentage point.
DEFAULT_RATE_TOLERANCE = 0.01
#: Default tolerance for unbounded metrics (RMSE, MAE): this share of the largest error.
DEFAULT_RELATIVE_TOLERANCE = 0.05
#: Gaps at least this share of the largest standing-out gap are reported together.
SIMILAR_RATIO = 0.5
_UNBOUNDED = ("rmse", "mae", "log_loss")
_EPS = 1e-9

#: Share of the largest error on the ladder used as the tolerance (human level given).
RELATIVE_RATE_TOLERANCE = 0.2

#: ``gap_ci(lower, upper, confidence)`` → the gap's interval at that level, or ``None``.
GapCI = Callable[[str, str, float], "tuple[float, float] | None"]


def metric_kind(metric: str) -> tuple[bool, bool]:
    """(rate, proportion) for a metric named in error form: ``error``, ``1-f1``, ``rmse``.

    ``rate`` — bounded in [0, 1]; ``proportion`` — a share of examples (error,
    1-accuracy), for which sample sizes alone give Wilson / Newcombe intervals.
    """
    from yearn.metrics import get_metric

    key = str(metric).strip().lower()
    one_minus = key.startswith(("1-", "1−"))
    m = get_metric(key[2:] if one_minus else key)
    if one_minus and not m.higher_is_better:
        raise ConfigError(
            f"metric {metric!r}: {m.name} is already an error (lower is better); pass {m.name!r}."
        )
    if not one_minus and m.higher_is_better:
        raise ConfigError(
            f"metric {metric!r}: the diagnosis works on errors (lower is better); pass "
            f"{m.error_name!r} and give the errors (1 − {m.name})."
        )
    rate = m.name not in _UNBOUNDED
    return rate, m.name in ("error", "accuracy")


def is_rate_metric(metric: str) -> bool:
    """Whether ``metric`` (in error form) is bounded in [0, 1] (error, 1-f1, ...)."""
    return metric_kind(metric)[0]


def default_tolerance(rate: bool, values: Mapping[str, float], human_known: bool = False) -> float:
    """The smallest gap worth naming (see the module docstring)."""
    top = max((abs(v) for v in values.values()), default=0.0)
    if rate:
        if not human_known:
            return DEFAULT_RATE_TOLERANCE
        return min(DEFAULT_RATE_TOLERANCE, RELATIVE_RATE_TOLERANCE * top)
    return DEFAULT_RELATIVE_TOLERANCE * top


def gap_confidence(confidence: float, k: int) -> float:
    """Per-gap level for ``k`` simultaneous intervals at ``confidence`` (Bonferroni)."""
    return 1.0 - (1.0 - confidence) / max(k, 1)


def _gap_pairs(rungs: Mapping[str, Rung]) -> dict[str, tuple[str, str, str | None]]:
    """For each gap, the (lower, upper) rungs used and a note, when both are present."""
    have = set(rungs)
    pairs: dict[str, tuple[str, str, str | None]] = {}
    if {"human", "train"} <= have:
        pairs["avoidable_bias"] = ("human", "train", None)
    # without dev, test is the distribution the model is meant for: gaps go up to it
    held_out = "dev" if "dev" in have else "test" if "test" in have else None
    if {"train", "train_dev"} <= have:
        pairs["variance"] = ("train", "train_dev", None)
    elif held_out is not None and "train" in have:
        pairs["variance"] = (
            "train",
            held_out,
            f"no train-dev set: this is variance and data mismatch together ({held_out} − train)",
        )
    if "train_dev" in have and held_out is not None:
        note = None if held_out == "dev" else "no dev set: measured up to test (test − train-dev)"
        pairs["data_mismatch"] = ("train_dev", held_out, note)
    if {"dev", "test"} <= have:
        pairs["dev_overfitting"] = ("dev", "test", None)
    return pairs


def assemble(
    *,
    metric: str,
    rate: bool,
    rungs: Mapping[str, Rung],
    gap_ci: GapCI,
    tolerance: float | str | None,
    confidence: float,
    similar_ratio: float,
    ci_method: str,
    strict: bool = False,
    caveats: list[str] | None = None,
    task: str | None = None,
    pooled: Rung | None = None,
    group_column: str | None = None,
) -> Diagnosis:
    """Turn measured rungs into gaps, the principal gap and next steps.

    ``pooled``: train-dev and dev together, when dev is drawn from the training
    distribution; variance is then measured on it (``gap_ci("train", "pooled", level)``)
    and data mismatch, noise by construction, is never named.
    """
    caveats = list(caveats or [])
    if len([r for r in rungs.values() if not r.assumed]) < 2:
        raise ConfigError(
            "the diagnosis needs at least two rungs of the ladder (e.g. --train 8% --dev 10%); "
            f"got {', '.join(rungs) or 'none'}."
        )
    if "dev" not in rungs:
        caveats.append(
            "no dev set: the diagnosis is about dev, so the gaps above train run up to "
            + ("test instead" if "test" in rungs else "the last rung given")
            + " and dev-set overfitting cannot be measured. Draw a dev split (yearn split) "
            "or add the dev predictions."
        )
    values = {k: r.value for k, r in rungs.items()}
    human_known = "human" in rungs and not rungs["human"].assumed
    fixed_default = tolerance is None and rate and not human_known
    if tolerance is None:
        tolerance = default_tolerance(rate, values, human_known)
    elif isinstance(tolerance, str):  # "1%" or "0.01": the rule every rate follows
        tolerance = parse_rate("tolerance", tolerance, rate=rate)
    tolerance = check_number("tolerance", tolerance, low=0.0)
    similar_ratio = check_number("similar_ratio", similar_ratio, low=0.0, high=1.0)

    gaps: dict[str, Gap] = {}
    pairs = _gap_pairs(rungs)
    level = gap_confidence(confidence, len(pairs))
    for name in GAP_NAMES:
        if name not in pairs:
            lo, hi = _default_pair(name)
            gaps[name] = Gap(name, lo, hi, note=_missing_note(name, rungs))
            continue
        lo, hi, note = pairs[name]
        value = rungs[hi].value - rungs[lo].value
        ci_hi = hi
        if pooled is not None and name == "variance" and hi == "train_dev":
            value, ci_hi = pooled.value - rungs[lo].value, "pooled"
            note = (
                f"dev is drawn from the training distribution: variance is measured on "
                f"train-dev and dev together ({pooled.n or 'unknown'} examples), "
                "the cross-check that a few train-dev rows cannot give"
            )
        ci = gap_ci(lo, ci_hi, level)
        ci_low, ci_high = ci if ci is not None else (None, None)
        dist = None if ci is None else bool(ci[0] > 0 or ci[1] < 0)
        above = value > tolerance + _EPS
        if ci_low is not None:  # the interval must lie above half the tolerance (strict: all)
            above = above and ci_low > (tolerance if strict else tolerance / 2) + _EPS
        if pooled is not None and name == "data_mismatch":
            above = False
            note = "dev is drawn from the training distribution: any mismatch is sampling noise"
        gaps[name] = Gap(name, lo, hi, value, ci_low, ci_high, dist, above, note)

    order = {n: i for i, n in enumerate(GAP_NAMES)}  # ties: the ladder's order (bias first)
    standing = sorted(
        (g for g in gaps.values() if g.stands_out),
        key=lambda g: (-round(g.value or 0.0, 12), order[g.name]),
    )
    principal: tuple[str, ...] = ()
    if standing:
        top = standing[0].value or 0.0
        principal = tuple(g.name for g in standing if (g.value or 0.0) >= similar_ratio * top)
    _explain(gaps, principal, caveats, tolerance, rate, strict)
    top_error = max(values.values(), default=0.0)
    hidden = [g for g in gaps.values() if (g.value or 0.0) > RELATIVE_RATE_TOLERANCE * top_error]
    if not principal and fixed_default and top_error < 0.05 and hidden:
        caveats.append(
            "no human-level error: gaps are judged against a fixed 1-point tolerance, which "
            f"is large next to errors of {top_error * 100:.2f}%; give --human to judge them "
            "relative to the errors (a fifth of the largest error)."
        )

    recs: dict[str, tuple[str, ...]] = {g: NEXT_STEPS[g] for g in principal}
    below = too_good(rungs, tolerance)
    if below == "significant":
        if principal:  # said beside the gaps' advice; without a gap it is the advice
            caveats.append(TOO_GOOD)
        else:
            recs["too_good"] = (TOO_GOOD,)
    if not principal and "too_good" not in recs:
        wide = [g.ci_high for g in gaps.values() if g.ci_high is not None]
        if below:
            recs["none"] = (BELOW_HUMAN,)
        elif wide and max(wide) > tolerance + _EPS:
            top = max(wide)
            shown = f"{top * 100:.2f}%" if rate else f"{top:.4g}"
            recs["none"] = (UNDECIDED.format(widest=shown),)
        else:
            recs["none"] = (NOTHING_STANDS_OUT,)
    return Diagnosis(
        metric=metric,
        rate=rate,
        errors=dict(rungs),
        gaps=gaps,
        principal=principal,
        recommendations=recs,
        caveats=tuple(caveats),
        tolerance=tolerance,
        confidence=confidence,
        gap_confidence=level,
        ci_method=ci_method,
        similar_ratio=similar_ratio,
        task=task,
        strict=strict,
        group_column=group_column,
    )


def too_good(rungs: Mapping[str, Rung], tolerance: float) -> str | None:
    """``"significant"`` when dev error is far below a given human level (its interval's
    upper end lies more than the tolerance below it), ``"point"`` when only its value does,
    else ``None``."""
    human, dev = rungs.get("human"), rungs.get("dev")
    if human is None or dev is None or human.assumed:
        return None
    if dev.value >= human.value - tolerance - _EPS:
        return None
    if dev.ci_high is not None and dev.ci_high < human.value - tolerance - _EPS:
        return "significant"
    return "point"


def _default_pair(name: str) -> tuple[str, str]:
    from yearn.diagnose._advice import GAP_SPLITS

    return GAP_SPLITS[name]


def _missing_note(name: str, rungs: Mapping[str, Rung]) -> str:
    if name == "data_mismatch" and "train_dev" not in rungs:
        return "no train-dev set: variance and data mismatch cannot be separated"
    need = [r.replace("_", "-") for r in _default_pair(name) if r not in rungs]
    return f"not computed: no {' or '.join(need)} error"


def _explain(
    gaps: Mapping[str, Gap],
    principal: tuple[str, ...],
    caveats: list[str],
    tolerance: float,
    rate: bool,
    strict: bool,
) -> None:
    def fmt(v: float) -> str:
        return f"{v * 100:.2f}%" if rate else f"{v:.4g}"

    no_ci = [GAP_LABELS[g.name] for g in gaps.values() if g.value is not None and g.ci_low is None]
    if no_ci:
        caveats.append(
            f"no confidence interval for {', '.join(no_ci)} (sample sizes unknown"
            + ("" if rate else " or metric not a proportion")
            + "): judged on size alone. Give the sizes (--n-train, --n-dev, ...) or a "
            "predictions table to know whether a gap is more than sampling noise."
        )
    top = max((gaps[g].value or 0.0 for g in principal), default=0.0)
    floor = tolerance if strict else tolerance / 2
    for g in gaps.values():
        if g.value is None or g.name in principal:
            continue
        judged_out = g.value > tolerance + _EPS and not g.above_tolerance
        if judged_out and g.ci_low is not None and g.ci_low <= 0:
            caveats.append(
                f"{GAP_LABELS[g.name]} is {fmt(g.value)} but its interval "
                f"[{fmt(g.ci_low)}, {fmt(g.ci_high or 0)}] includes zero: too few examples "
                "to tell it from sampling noise."
            )
        elif judged_out and g.ci_low is not None:
            caveats.append(
                f"{GAP_LABELS[g.name]} is {fmt(g.value)} but its interval reaches down to "
                f"{fmt(g.ci_low)}, not clearly above {fmt(floor)} "
                + ("(the tolerance, --strict)" if strict else "(half the tolerance)")
                + ": it may be sampling noise; measure it on more examples."
            )
        elif g.above_tolerance and not g.stands_out:
            continue
        elif principal and g.ci_high is not None and g.ci_high > top:
            caveats.append(
                f"{GAP_LABELS[g.name]} cannot be ruled out as the larger problem: its interval "
                f"reaches {fmt(g.ci_high)}; measure it on more examples."
            )
    if gaps["avoidable_bias"].value is not None and gaps["avoidable_bias"].value < -tolerance:
        caveats.append(
            "train error is below the human-level error: human level is no longer a good "
            "proxy for the Bayes error; progress from here is harder to judge."
        )


def diagnose(
    human: Any = None,
    train: Any = None,
    train_dev: Any = None,
    dev: Any = None,
    test: Any = None,
    *,
    n_human: int | None = None,
    n_train: int | None = None,
    n_train_dev: int | None = None,
    n_dev: int | None = None,
    n_test: int | None = None,
    metric: str = "error",
    rate: bool | None = None,
    tolerance: float | None = None,
    confidence: float = 0.95,
    similar_ratio: float = SIMILAR_RATIO,
    strict: bool = False,
    dev_same_distribution: bool = False,
) -> Diagnosis:
    """Diagnose from bare numbers: ``diagnose(train="8%", dev="10%", n_dev=5000)``.

    Errors are percent strings or fractions (not mixed). Sizes, when given, yield Wilson
    intervals for the errors and Newcombe intervals for the gaps (error-rate metrics).
    A human-level error given without ``n_human`` is taken as exact.
    ``dev_same_distribution``: dev is drawn from the training distribution (no target
    source), so variance is measured on train-dev and dev together.
    """
    kind_rate, proportion = metric_kind(metric)
    rate = kind_rate if rate is None else bool(rate)
    confidence = check_number("confidence", confidence, low=0.5, high=1.0, high_inclusive=False)
    similar_ratio = check_number("similar_ratio", similar_ratio, low=0.0, high=1.0)
    values = parse_errors(
        {"human": human, "train": train, "train_dev": train_dev, "dev": dev, "test": test},
        rate=rate,
    )
    sizes = parse_sizes(
        {"human": n_human, "train": n_train, "train_dev": n_train_dev, "dev": n_dev, "test": n_test}
    )
    for k in sizes:
        if k not in values:
            raise ConfigError(
                f"--n-{k.replace('_', '-')} is given but --{k.replace('_', '-')} is not; give "
                "the error measured on that set too."
            )
    caveats: list[str] = []
    rungs = _rungs(values, sizes if proportion else {}, confidence, caveats)
    if sizes and not proportion:
        caveats.append(
            f"{metric} is not a share of examples, so sizes alone give no interval; pass a "
            "predictions table for bootstrap intervals."
        )

    pooled = None
    if dev_same_distribution and {"train_dev", "dev"} <= set(values):
        pooled = pooled_rung(rungs["train_dev"], rungs["dev"])
    held = {**values, "pooled": pooled.value if pooled else 0.0}
    held_n = {**sizes, **({"pooled": pooled.n} if pooled and pooled.n else {})}

    def gap_ci(lo: str, hi: str, level: float) -> tuple[float, float] | None:
        if not proportion:
            return None
        n_lo = held_n.get(lo)
        n_hi = held_n.get(hi)
        lo_exact = lo == "human" and n_lo is None
        if n_hi is None or (n_lo is None and not lo_exact):
            return None
        return newcombe_diff(held[hi], n_hi, rungs[lo].value, n_lo, level)

    method = "wilson+newcombe" if proportion and sizes else "none"
    return assemble(
        metric=metric,
        rate=rate,
        rungs=rungs,
        gap_ci=gap_ci,
        tolerance=tolerance,
        confidence=confidence,
        similar_ratio=similar_ratio,
        ci_method=method,
        caveats=caveats,
        strict=strict,
        pooled=pooled,
    )


def pooled_rung(train_dev: Rung, dev: Rung) -> Rung:
    """Train-dev and dev as one held-out sample of the training distribution."""
    if train_dev.n and dev.n:
        n = train_dev.n + dev.n
        return Rung("pooled", (train_dev.value * train_dev.n + dev.value * dev.n) / n, n=n)
    return Rung("pooled", (train_dev.value + dev.value) / 2)


def _rungs(
    values: Mapping[str, float],
    sizes: Mapping[str, int],
    confidence: float,
    caveats: list[str],
) -> dict[str, Rung]:
    rungs: dict[str, Rung] = {}
    if "human" not in values and "train" in values:
        rungs["human"] = Rung("human", 0.0, 0.0, 0.0, None, assumed=True)
        caveats.append(human_caveat())
    for k in LADDER:
        if k not in values:
            continue
        n = sizes.get(k)
        if n is not None:
            low, high = wilson(values[k], n, confidence)
        elif k == "human":
            low = high = values[k]
        else:
            low = high = None
        rungs[k] = Rung(k, values[k], low, high, n)
    if "train" in values and "dev" in values and "train_dev" not in values:
        caveats.append(
            "no train-dev error: variance and data mismatch cannot be separated; the "
            "'variance' gap is dev − train and holds both. Carve a train-dev set out of the "
            "training data (yearn split) to tell them apart."
        )
    return rungs


def human_caveat() -> str:
    return (
        "no human-level error given: avoidable bias cannot be separated from unavoidable "
        "(Bayes) error; human level is taken as 0, so 'avoidable bias' is the whole train "
        "error. Give --human (or metric.human_level_error in yearn.toml)."
    )
