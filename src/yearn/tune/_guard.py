"""The dev-set guard: the top trials and the default config re-scored on the confirm half
of dev (never seen while selecting), a paired test of the winner against the default, the
winner's optimism, and the count of dev evaluations in the project's store."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
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

    With ``seeds`` > 1 the default and the winner are each trained with that many seeds
    (``seed_values``, in ``per_seed``: each seed's confirm error) and ``confirm`` holds their
    mean over seeds; the test is then a paired bootstrap of the seed-averaged error, a
    comparison of the two configs rather than of one trained model of each. The other
    candidates' ``confirm`` is their first seed's.
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
    seeds: int = 1
    seed_values: list[int] = field(default_factory=list)
    per_seed: dict[str, list[float]] = field(default_factory=dict)

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
            f"on the confirm half of dev ({self.n_confirm} examples, not used to select)"
            f"{self._averaged}, "
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
                f"{self.n_confirm} examples{self._with_seeds} a gain that small cannot be told "
                "from chance."
            )
        return text

    @property
    def _averaged(self) -> str:
        if self.seeds < 2:
            return ""
        return f", each config trained with {self.seeds} seeds and averaged"

    @property
    def _with_seeds(self) -> str:
        return f" and {self.seeds} seeds per config" if self.seeds > 1 else ""

    @property
    def seed_line(self) -> str | None:
        """Each seed's confirm error of the default and the winner (``None`` with one seed)."""
        if self.seeds < 2 or not self.per_seed:
            return None
        seeds = ", ".join(str(s) for s in self.seed_values)
        parts = [
            f"{name} " + " / ".join(f"{v:.4g}" for v in values)
            for name, values in self.per_seed.items()
        ]
        return f"{self.metric} on the confirm half per seed ({seeds}): " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["summary"] = self.summary
        return out


def _scores(frame: Any, metric: str) -> tuple[np.ndarray, Any]:
    rows = frame[frame["split"] == "dev"].sort_values("id").reset_index(drop=True)
    return rows["id"].to_numpy(), rows


def _groups(config: Any, dev: Any, ids: np.ndarray) -> np.ndarray | None:
    """Group codes of the confirm rows (in ``ids`` order) when the project names a group
    column that the dev split carries, else ``None`` (rows are resampled)."""
    from yearn.diagnose import group_codes

    column = getattr(config, "group_column", None)
    if not column or column not in dev.meta:
        return None
    by_id = dict(zip(np.asarray(dev.ids).astype(str), dev.meta[column].to_numpy(), strict=True))
    return group_codes([by_id[str(i)] for i in ids])


def confirm(
    spec: Any,
    candidates: dict[str, dict[str, Any]],
    select_values: dict[str, float],
    winner: str,
    n_trials: int,
    *,
    seeds: int = 1,
    random_state: int = 0,
) -> Guard:
    """Retrain each candidate (``name → params``; ``default`` among them) with the trials'
    seed and score it on the confirm half; test the winner against the default. With
    ``seeds`` > 1 the default and the winner are trained with ``seeds`` consecutive seeds
    from the trials' seed each and compared on their seed-averaged error."""
    from yearn.compare import mcnemar_exact, paired_bootstrap, paired_bootstrap_binary
    from yearn.config import error_name
    from yearn.errors import ConfigError
    from yearn.metrics import error_from_predictions
    from yearn.train import fit, project_data
    from yearn.tune._halves import dev_half
    from yearn.tune._seeds import resampled, seed_averaged_test
    from yearn.tune._space import train_params
    from yearn.tune._trial import train_config

    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ConfigError(f"--confirm-seeds must be a positive integer; got {seeds!r}.")
    keep = [c for c in (spec.keep_columns or "").split(",") if c]
    config, data, store = project_data(spec.project, spec.store_url, keep=keep)
    store.close()
    part = dev_half(data, "confirm")
    n_train = len(part.splits["train"])
    seeds = seeds if winner != "default" else 1  # nothing to compare when the default stays
    seed_values = [spec.seed + k for k in range(seeds)]
    runs: dict[str, list[Any]] = {}
    for name, params in candidates.items():
        kwargs = train_config(spec, train_params(params, n_train))
        todo = seed_values if name in ("default", winner) else seed_values[:1]
        for seed in todo:
            result = fit(spec.model, part, **{**kwargs, "random_state": seed})
            runs.setdefault(name, []).append(_scores(result.predictions, spec.metric)[1])
    per_seed = {
        n: [float(error_from_predictions(t, spec.metric)) for t in tables]
        for n, tables in runs.items()
    }
    errors = {n: float(np.mean(v)) for n, v in per_seed.items()}
    a, b = runs["default"][0], runs[winner][0]
    n = len(a)
    if seeds > 1:
        ids = a["id"].to_numpy()
        groups = _groups(config, part.splits["dev"], ids)
        res = seed_averaged_test(
            runs["default"],
            runs[winner],
            spec.metric,
            groups=groups,
            # a resample scores each seed's table: 1,000 like the one-seed bootstrap below
            n_resamples=2000 if error_name(spec.metric) == "error" else 1000,
            random_state=random_state,
        )
        ci_low, ci_high, p, test = res.ci_low, res.ci_high, res.p_value, res.test
    elif error_name(spec.metric) == "error":
        right_a = (a["pred"].astype(str) == a["label"].astype(str)).to_numpy()
        right_b = (b["pred"].astype(str) == b["label"].astype(str)).to_numpy()
        boot = paired_bootstrap_binary(~right_a, ~right_b, random_state=random_state)
        p, test = mcnemar_exact(right_b, right_a).p_value, "McNemar exact"
        ci_low, ci_high = boot.ci_low, boot.ci_high
    else:
        boot = paired_bootstrap(
            lambda idx: error_from_predictions(resampled(a, idx), spec.metric),
            lambda idx: error_from_predictions(resampled(b, idx), spec.metric),
            n,
            n_resamples=1000,
            random_state=random_state,
        )
        p, test = boot.p_value, "paired bootstrap"
        ci_low, ci_high = boot.ci_low, boot.ci_high
    difference = errors[winner] - errors["default"]
    return Guard(
        metric=error_name(spec.metric),
        n_confirm=n,
        n_trials=n_trials,
        winner=winner,
        select={k: float(v) for k, v in select_values.items()},
        confirm=errors,
        difference=difference,
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        p_value=float(p),
        test=test,
        optimism=errors[winner] - select_values[winner],
        beats_default=bool(difference < 0 and p < ALPHA and math.isfinite(p)),
        seeds=seeds,
        seed_values=seed_values,
        per_seed={k: per_seed[k] for k in dict.fromkeys(["default", winner])} if seeds > 1 else {},
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
