"""The dev-set guard: the top trials and the default config re-scored on the confirm half
of dev (never seen while selecting), a paired test of the winner against the default, the
winner's optimism, and the count of dev evaluations in the project's store."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["ALPHA", "Guard", "confirm", "dev_evaluations"]

ALPHA = 0.05


@dataclass(frozen=True)
class Guard:
    """The outcome on the confirm half (error form: lower is better).

    ``winner`` is ``#<trial>``, or ``default`` when no trial beat the default on the
    select half (then there is no gain to test: difference 0, p 1, no claim).
    ``confirm`` maps each candidate (``default``, ``#<trial>``) to its confirm error;
    ``select`` to its select-half error; ``optimism`` is the winner's confirm minus its
    select error (how much choosing it on the select half flattered it); ``difference`` is
    winner minus default on the confirm half with its 95% interval and the paired test's
    p-value; ``beats_default`` holds only when the winner is better at p < ``ALPHA``.
    """

    metric: str
    n_confirm: int
    n_trials: int
    winner: str
    select: dict[str, float]
    confirm: dict[str, float]
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str
    optimism: float
    beats_default: bool

    @property
    def summary(self) -> str:
        m = self.metric
        if self.winner == "default":
            others = {k: v for k, v in self.select.items() if k != "default"}
            best = min(others, key=others.__getitem__) if others else None
            runner = f" (best trial {best}: {others[best]:.4g})" if best else ""
            return (
                f"no trial beat the default config on the select half of dev: default {m} "
                f"{self.select['default']:.4g}{runner}; the default stays, and there is no "
                f"gain to confirm (the default's {m} on the confirm half, {self.n_confirm} "
                f"examples: {self.confirm['default']:.4g}); no claim that a tuned config beats the "
                "default."
            )
        sel_gain = self.select["default"] - self.select[self.winner]
        text = (
            f"on the confirm half of dev ({self.n_confirm} examples, not used to select), "
            f"{self.winner} has {m} {self.confirm[self.winner]:.4g} vs the default's "
            f"{self.confirm['default']:.4g}: difference {self.difference:+.4g} "
            f"[{self.ci_low:+.4g}, {self.ci_high:+.4g}], {self.test} p = {self.p_value:.3g}"
        )
        if self.beats_default:
            return text + f"; the tuned config beats the default (p < {ALPHA:g})."
        if self.difference > 0 and self.p_value < ALPHA:
            return (
                text + f". It does worse than the default on examples it was not chosen on: "
                f"its gain on the select half ({sel_gain:+.4g}) came from picking the best of "
                f"{self.n_trials} trials by chance; no claim that it beats the default."
            )
        text += (
            f". Its gain on the select half ({sel_gain:+.4g}) is within what picking "
            f"the best of {self.n_trials} trials gives by chance: no claim that it beats "
            "the default."
        )
        if self.ci_low < 0:  # say what the half could not rule out (no claim is not "equal")
            text += (
                f" The interval still allows a gain of up to {-self.ci_low:.4g}: on "
                f"{self.n_confirm} examples a gain that small cannot be told from chance."
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["summary"] = self.summary
        return out


def _scores(frame: Any, metric: str) -> tuple[np.ndarray, Any]:
    rows = frame[frame["split"] == "dev"].sort_values("id").reset_index(drop=True)
    return rows["id"].to_numpy(), rows


def confirm(
    spec: Any,
    candidates: dict[str, dict[str, Any]],
    select_values: dict[str, float],
    winner: str,
    n_trials: int,
    *,
    random_state: int = 0,
) -> Guard:
    """Retrain each candidate (``name → params``; ``default`` among them) with the trials'
    seed and score it on the confirm half; test the winner against the default."""
    from yearn.compare import mcnemar_exact, paired_bootstrap, paired_bootstrap_binary
    from yearn.config import error_name
    from yearn.metrics import error_from_predictions
    from yearn.train import fit
    from yearn.tune._halves import dev_half
    from yearn.tune._space import train_params
    from yearn.tune._trial import _load, train_config

    data, store = _load(spec)
    store.close()
    part = dev_half(data, "confirm")
    n_train = len(part.splits["train"])
    tables = {}
    for name, params in candidates.items():
        result = fit(spec.model, part, **train_config(spec, train_params(params, n_train)))
        tables[name] = _scores(result.predictions, spec.metric)[1]
    errors = {n: float(error_from_predictions(t, spec.metric)) for n, t in tables.items()}
    a, b = tables["default"], tables[winner]
    n = len(a)
    if error_name(spec.metric) == "error":
        right_a = (a["pred"].astype(str) == a["label"].astype(str)).to_numpy()
        right_b = (b["pred"].astype(str) == b["label"].astype(str)).to_numpy()
        boot = paired_bootstrap_binary(~right_a, ~right_b, random_state=random_state)
        p, test = mcnemar_exact(right_b, right_a).p_value, "McNemar exact"
    else:
        boot = paired_bootstrap(
            lambda idx: error_from_predictions(a.iloc[idx], spec.metric),
            lambda idx: error_from_predictions(b.iloc[idx], spec.metric),
            n,
            n_resamples=1000,
            random_state=random_state,
        )
        p, test = boot.p_value, "paired bootstrap"
    difference = errors[winner] - errors["default"]
    return Guard(
        metric=error_name(spec.metric),
        n_confirm=n,
        n_trials=n_trials,
        winner=winner,
        select={k: float(v) for k, v in select_values.items()},
        confirm=errors,
        difference=difference,
        ci_low=float(boot.ci_low),
        ci_high=float(boot.ci_high),
        p_value=float(p),
        test=test,
        optimism=errors[winner] - select_values[winner],
        beats_default=bool(difference < 0 and p < ALPHA and math.isfinite(p)),
    )


def dev_evaluations(store: Any) -> int:
    """Runs in the store that scored a dev split (each one is a look at dev)."""
    runs = store.list_runs()
    if not runs:
        return 0
    metrics = store.metrics([r.id for r in runs])
    if metrics.empty:
        return 0
    return int(metrics.loc[metrics["split"] == "dev", "run_id"].nunique())
