"""The hyperparameters of one training run, as a typed, validated dataclass."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from yearn._validation import check_choice, check_number, check_positive_int
from yearn.errors import TrainingError
from yearn.train._device import PRECISIONS

__all__ = ["CLASS_WEIGHTS", "OPTIMIZERS", "SCHEDULES", "TrainConfig", "scaled_batch_size"]

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
CLASS_WEIGHTS = ("balanced",)
SCHEDULES = ("none", "step", "cosine")
DEFAULT_BATCH_SIZE = 32
#: ``scaled_batch_size``: an epoch of at most about this many steps...
STEPS_PER_EPOCH = 1_000
#: ... with batches of at most this many rows.
MAX_SCALED_BATCH = 1_024


def scaled_batch_size(n_train: int) -> int:
    """The batch size ``yearn run`` trains with when none is set: 32 (the default) while an
    epoch of ``n_train`` rows is at most ~1,000 steps (32,000 rows), then the smallest
    power of two that keeps it there, at most 1,024 — as one would set it by hand so that
    an epoch over a million rows does not take 30,000 steps. The number of epochs is not
    changed: each epoch still sees every row once."""
    check_positive_int("n_train", n_train)
    batch = DEFAULT_BATCH_SIZE
    while batch < MAX_SCALED_BATCH and -(-n_train // batch) > STEPS_PER_EPOCH:
        batch *= 2
    return min(batch, n_train)


@dataclass
class TrainConfig:
    """Everything :func:`yearn.fit` can be told (all keyword arguments of ``fit``).

    ``weight_decay`` is the L2 penalty (decoupled for AdamW); ``l1`` adds
    ``l1 · Σ|w|`` over weight matrices to the loss. ``early_stopping`` is a patience in
    epochs on the dev metric (``None``: off). ``schedule = "step"`` multiplies the rate by
    ``gamma`` every ``step_size`` epochs; ``"cosine"`` anneals it to 0 over ``epochs``.
    ``batch_size``: ``None`` means 32, or the whole train split when it is smaller.
    ``plateau_patience``: epochs of flat training loss before the plateau note.
    ``optimizer``: ``sgd`` (with ``momentum``), ``adam``, ``adamw`` or ``rmsprop``.
    ``class_weight = "balanced"`` weights each class's examples in the loss by
    ``n / (classes · n_class)`` (binary BCE and multi-label: the positives of each label by
    ``n_negative / n_positive``), for imbalanced classes.
    ``num_threads``: CPU threads torch may use while training (restored afterwards; small
    models train fastest with 1, especially on a busy machine). ``None``: leave as is.
    ``precision``: ``"float32"`` or ``"bf16"`` (the forward pass under CUDA autocast to
    bfloat16; CUDA only — on the CPU it is refused with an error, see docs/train.md).
    ``augment``: what image training batches go through (``none``, ``shift``, ``color``,
    ``shift+color``; see :mod:`yearn.train._augment`); images (N, C, H, W) only.
    ``stream``: keep the inputs in (pinned) host memory and copy each batch to the device
    (``None``: only when they would take more than half of the GPU's free memory).
    """

    epochs: int = 10
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.9
    batch_size: int | None = None
    weight_decay: float = 0.0
    l1: float = 0.0
    schedule: str = "none"
    step_size: int = 10
    gamma: float = 0.1
    loss: str | None = None
    metric: str | None = None
    early_stopping: int | None = None
    grad_clip: float | None = None
    class_weight: str | None = None
    random_state: int = 0
    divergence_factor: float = 10.0
    plateau_patience: int = 5
    num_threads: int | None = None
    precision: str = "float32"
    stream: bool | None = None
    augment: str = "none"
    # built-in models (when ``fit`` gets a model name)
    width: int | None = None
    depth: int | None = None
    activation: str = "relu"
    dropout: float = 0.0

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise TrainingError(
                f"unknown training parameter {unknown[0]!r}; known ones are "
                f"{', '.join(sorted(known))}."
            )
        return cls(**params).validate()

    def validate(self) -> TrainConfig:
        """Check every value; raises :class:`TrainingError` naming the bad one."""
        err = TrainingError
        check_positive_int("epochs", self.epochs, error=err)
        if isinstance(self.lr, int | float) and not isinstance(self.lr, bool) and self.lr <= 0:
            raise err(
                f"learning rate (lr) must be > 0; got {self.lr:g}. Typical values are 1e-4 to "
                "1e-1; 'yearn lr-find' suggests one."
            )
        check_number("lr", self.lr, low=0.0, low_inclusive=False, error=err)
        check_choice("optimizer", self.optimizer, OPTIMIZERS, error=err)
        check_number("momentum", self.momentum, low=0.0, high=1.0, high_inclusive=False, error=err)
        if self.batch_size is not None:
            check_positive_int("batch_size", self.batch_size, error=err)
        check_number("weight_decay", self.weight_decay, low=0.0, error=err)
        check_number("l1", self.l1, low=0.0, error=err)
        check_choice("schedule", self.schedule, SCHEDULES, error=err)
        check_positive_int("step_size", self.step_size, error=err)
        check_number("gamma", self.gamma, low=0.0, low_inclusive=False, high=1.0, error=err)
        if self.early_stopping is not None:
            check_positive_int("early_stopping", self.early_stopping, error=err)
        if self.class_weight is not None:
            check_choice("class_weight", self.class_weight, CLASS_WEIGHTS, error=err)
        if self.grad_clip is not None:
            check_number("grad_clip", self.grad_clip, low=0.0, low_inclusive=False, error=err)
        if isinstance(self.random_state, bool) or not isinstance(self.random_state, int):
            raise err(f"random_state must be an integer; got {self.random_state!r}.")
        check_number("divergence_factor", self.divergence_factor, low=1.0, error=err)
        check_positive_int("plateau_patience", self.plateau_patience, error=err)
        if self.num_threads is not None:
            check_positive_int("num_threads", self.num_threads, error=err)
        check_choice("precision", self.precision, PRECISIONS, error=err)
        if self.stream is not None and not isinstance(self.stream, bool):
            raise err(f"stream must be True, False or None (automatic); got {self.stream!r}.")
        from yearn.train._augment import AUGMENTS

        check_choice("augment", self.augment, AUGMENTS, error=err)
        check_number("dropout", self.dropout, low=0.0, high=1.0, high_inclusive=False, error=err)
        return self

    def resolved_batch_size(self, n_train: int) -> int:
        """The batch size to use; an explicit one larger than the data is an error."""
        from yearn.train._config import DEFAULT_BATCH_SIZE

        if self.batch_size is None:
            return min(DEFAULT_BATCH_SIZE, n_train)
        if self.batch_size > n_train:
            raise TrainingError(
                f"batch_size {self.batch_size} is larger than the train split ({n_train} "
                f"examples); use a batch size of at most {n_train}."
            )
        return self.batch_size

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
