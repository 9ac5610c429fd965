"""The search space per model kind, overridable in ``[tune.space]`` of yearn.toml."""

from __future__ import annotations

from typing import Any

from yearn.errors import ConfigError

__all__ = ["DEFAULT_EPOCHS", "default_space", "resolve_space", "suggest", "train_params"]

DEFAULT_EPOCHS = 20
_COMMON: dict[str, Any] = {
    # 1e-4 - 1e-2: above 1e-2 Adam / AdamW / RMSprop diverge (4 of 20 demo trials failed
    # at 0.019 - 0.065 with the old 0.1 end); SGD's momentum 0.9 makes 1e-2 an effective 0.1
    "lr": {"low": 1e-4, "high": 1e-2, "log": True},
    "weight_decay": {"low": 1e-6, "high": 0.1, "log": True},
    "batch_size": [16, 32, 64, 128, 256],
    "optimizer": ["adam", "adamw", "sgd", "rmsprop"],
}
_SHAPE: dict[str, dict[str, Any]] = {
    "mlp": {
        # up to 512 units and 4 layers, as tabular-MLP searches go (Optuna / Ray Tune
        # examples, Gorishniy et al. 2021: layer size <= 512); `yearn scale-up` on the
        # tabular demo reaches its lowest dev error at 512 x 3. 1024 is left to
        # [tune.space]: on one CPU thread a 1024 x 3 epoch costs ~6x a 512 x 3 one
        "width": [16, 32, 64, 128, 256, 512],
        "depth": {"low": 1, "high": 4},
        "dropout": {"low": 0.0, "high": 0.5},
    },
    "cnn": {
        "width": [8, 16, 32, 64],
        "depth": {"low": 1, "high": 3},
        "dropout": {"low": 0.0, "high": 0.5},
    },
    "linear": {},
}
# parameters a trial may set (the fields of yearn.train.TrainConfig that shape a model or
# its optimisation; epochs / metric / random_state are the study's, not the trial's)
TUNABLE = (
    "lr",
    "optimizer",
    "momentum",
    "batch_size",
    "weight_decay",
    "l1",
    "schedule",
    "class_weight",
    "grad_clip",
    "width",
    "depth",
    "activation",
    "dropout",
)


def default_space(model: str, task: str) -> dict[str, Any]:
    """The default space of ``model`` (mlp, cnn, linear) for ``task``."""
    if model not in _SHAPE:
        raise ConfigError(f"yearn tune searches mlp, cnn or linear models; got {model!r}.")
    space = {**_COMMON, **_SHAPE[model]}
    if task in ("binary", "multiclass", "multilabel"):
        space["class_weight"] = ["none", "balanced"]
    return space


def resolve_space(model: str, task: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The default space with ``[tune.space]`` entries replacing (or adding) parameters."""
    unknown = sorted(set(overrides) - set(TUNABLE))
    if unknown:
        raise ConfigError(
            f"yearn.toml: tune.space.{unknown[0]} is not a tunable parameter; use one of "
            f"{', '.join(TUNABLE)}."
        )
    return {**default_space(model, task), **overrides}


def suggest(trial: Any, space: dict[str, Any], n_train: int) -> dict[str, Any]:
    """The training parameters of one Optuna trial drawn from ``space``."""
    params: dict[str, Any] = {}
    for name, spec in space.items():
        if isinstance(spec, dict):
            low, high, log = spec["low"], spec["high"], bool(spec.get("log", False))
            if isinstance(low, int) and isinstance(high, int) and not log:
                params[name] = trial.suggest_int(name, low, high)
            else:
                params[name] = trial.suggest_float(name, float(low), float(high), log=log)
        elif isinstance(spec, list):
            params[name] = trial.suggest_categorical(name, spec)
        else:
            params[name] = spec
    return train_params(params, n_train)


def train_params(params: dict[str, Any], n_train: int) -> dict[str, Any]:
    """A trial's parameters as ``yearn.fit`` takes them (``"none"`` class weight → None,
    batch size at most the train split)."""
    out = dict(params)
    if out.get("class_weight") == "none":
        out["class_weight"] = None
    if isinstance(out.get("batch_size"), int):
        out["batch_size"] = min(out["batch_size"], n_train)
    return out
