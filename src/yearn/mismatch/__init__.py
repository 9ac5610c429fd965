"""Data mismatch: see what separates training data from target data, and synthesise
training data that looks like the target (see ``docs/mismatch.md``)."""

from yearn.mismatch._audio import AudioMix, mix_at_snr, mix_noise_folder
from yearn.mismatch._coverage import MAX_REUSE, Coverage, coverage_check
from yearn.mismatch._evaluate import Evaluation, evaluate_synthesis, gap_change
from yearn.mismatch._find import find_mismatch
from yearn.mismatch._ops import IMAGE_OPS, apply_ops
from yearn.mismatch._result import Example, MismatchResult, thumbnail_uri
from yearn.mismatch._saved import mismatch_html, save_mismatch
from yearn.mismatch._synth import DEFAULT_OPS, SynthesisResult, synthesize

__all__ = [
    "DEFAULT_OPS",
    "IMAGE_OPS",
    "MAX_REUSE",
    "AudioMix",
    "Coverage",
    "Evaluation",
    "Example",
    "MismatchResult",
    "SynthesisResult",
    "apply_ops",
    "coverage_check",
    "evaluate_synthesis",
    "find_mismatch",
    "gap_change",
    "mismatch_html",
    "mix_at_snr",
    "mix_noise_folder",
    "save_mismatch",
    "synthesize",
    "thumbnail_uri",
]
