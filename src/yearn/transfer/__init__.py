"""Transfer learning: a backbone pretrained on task A, a new head for task B.

- :func:`transfer` — train a new head with one policy (``head``, ``last_k``, ``all``;
  the default picked by the amount of task-B data);
- :func:`advise_transfer` — the course's preconditions, measured;
- :func:`compare_transfer` — scratch vs each policy on the same splits, with verdicts;
- :func:`digits_transfer_study` — the web 0–4 → phone 5–9 study on the digits demo;
- :class:`TextEncoder` / :func:`transfer_text` — the packaged all-MiniLM-L6-v2 encoder
  (offline, cached embeddings) with a new head, or fine-tuned (:class:`MiniLMBackbone`).
"""

from yearn.transfer._advisor import (
    Check,
    TransferAdvice,
    advise_transfer,
    backbone_features,
    linear_probe_right,
)
from yearn.transfer._backbone import infer_builtin, load_backbone, read_weights
from yearn.transfer._compare import (
    PolicyOutcome,
    TransferComparison,
    compare_transfer,
    scratch_copy,
)
from yearn.transfer._digits import DigitsTransferStudy, digits_transfer_study, load_digits_tasks
from yearn.transfer._policy import (
    POLICIES,
    BackboneLearningRate,
    FrozenBackboneEval,
    PolicyChoice,
    apply_policy,
    backbone_layers,
    choose_policy,
)
from yearn.transfer._project import (
    advise_transfer_project,
    compare_transfer_project,
    transfer_project,
    transfer_text_project,
)
from yearn.transfer._text import TextEncoder, text_cache_dir, text_encoder_available
from yearn.transfer._text_backbone import MiniLMBackbone, tokenize_texts
from yearn.transfer._transfer import TransferResult, attach_head, transfer, transfer_text

__all__ = [
    "POLICIES",
    "BackboneLearningRate",
    "Check",
    "DigitsTransferStudy",
    "FrozenBackboneEval",
    "MiniLMBackbone",
    "PolicyChoice",
    "PolicyOutcome",
    "TextEncoder",
    "TransferAdvice",
    "TransferComparison",
    "TransferResult",
    "advise_transfer",
    "advise_transfer_project",
    "apply_policy",
    "attach_head",
    "backbone_features",
    "backbone_layers",
    "choose_policy",
    "compare_transfer",
    "compare_transfer_project",
    "digits_transfer_study",
    "infer_builtin",
    "linear_probe_right",
    "load_backbone",
    "load_digits_tasks",
    "read_weights",
    "scratch_copy",
    "text_cache_dir",
    "text_encoder_available",
    "tokenize_texts",
    "transfer",
    "transfer_project",
    "transfer_text",
    "transfer_text_project",
]
