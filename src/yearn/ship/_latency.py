"""Latency of onnxruntime sessions on this CPU, measured so that variants compare fairly:
every session has the same thread count and graph-optimisation level, and the timed calls
are interleaved (one call of each variant per round), so a change of machine load hits all
variants alike. A speed-up is claimed only when the bootstrap interval of the median
per-round ratio excludes 1."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from yearn._validation import check_positive_int
from yearn.errors import ConfigError

__all__ = ["BATCHES", "OPTIMIZATION_LEVELS", "Speed", "measure_latencies", "speed_of"]

BATCHES = (1, 256)
OPTIMIZATION_LEVELS = ("all", "extended", "basic", "disable")


def _session(model_bytes: bytes, threads: int, optimization: str) -> Any:
    import onnxruntime as ort

    levels = {
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    }
    if optimization not in levels:
        raise ConfigError(
            f"optimization must be one of {', '.join(OPTIMIZATION_LEVELS)}; got {optimization!r}."
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = levels[optimization]
    options.log_severity_level = 3
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


def measure_latencies(
    models: dict[str, bytes],
    inputs: dict[str, np.ndarray],
    *,
    threads: int = 1,
    repeats_b1: int = 200,
    repeats_b256: int = 20,
    optimization: str = "all",
) -> dict[str, dict[str, Any]]:
    """Per model: ``b1_p50``, ``b1_p99``, ``b256_p50``, ``b256_p99`` (ms) and the raw
    per-round times (``samples``: batch → list of ms), calls interleaved round by round."""
    check_positive_int("threads", threads)
    check_positive_int("repeats_b1", repeats_b1)
    check_positive_int("repeats_b256", repeats_b256)
    sessions = {name: _session(b, threads, optimization) for name, b in models.items()}
    n = len(next(iter(inputs.values())))
    out: dict[str, dict[str, Any]] = {name: {"samples": {}} for name in models}
    for batch, repeats in zip(BATCHES, (repeats_b1, repeats_b256), strict=True):
        idx = np.arange(batch) % n
        feeds = {}
        for name, session in sessions.items():
            names = {i.name for i in session.get_inputs()}
            feeds[name] = {k: v[idx] for k, v in inputs.items() if k in names}
            session.run(None, feeds[name])  # warm-up
        times: dict[str, list[float]] = {name: [] for name in sessions}
        for _ in range(repeats):
            for name, session in sessions.items():
                start = time.perf_counter()
                session.run(None, feeds[name])
                times[name].append((time.perf_counter() - start) * 1000)
        for name, samples in times.items():
            out[name][f"b{batch}_p50"] = float(np.percentile(samples, 50))
            out[name][f"b{batch}_p99"] = float(np.percentile(samples, 99))
            out[name]["samples"][str(batch)] = samples
    return out


@dataclass(frozen=True)
class Speed:
    """Median of the per-round ratios (reference time / variant time) with its 95%
    bootstrap interval; > 1 means the variant is faster."""

    ratio: float
    low: float
    high: float

    @property
    def verdict(self) -> str:
        if self.low > 1:
            return "faster"
        if self.high < 1:
            return "slower"
        return "no measured difference"

    @property
    def text(self) -> str:
        if self.verdict == "slower":
            shown = f"{1 / self.ratio:.2f}× slower [{1 / self.high:.2f}, {1 / self.low:.2f}]"
        else:
            shown = f"{self.ratio:.2f}× [{self.low:.2f}, {self.high:.2f}]"
            if self.verdict == "faster":
                shown = f"{self.ratio:.2f}× faster [{self.low:.2f}, {self.high:.2f}]"
        return shown

    def to_dict(self) -> dict[str, Any]:
        return {"ratio": self.ratio, "low": self.low, "high": self.high, "verdict": self.verdict}


def speed_of(
    reference: list[float], variant: list[float], *, n_boot: int = 2000, random_state: int = 0
) -> Speed:
    """Speed of ``variant`` relative to ``reference`` from round-paired times."""
    ref, var = np.asarray(reference, float), np.asarray(variant, float)
    if len(ref) != len(var) or len(ref) == 0:
        raise ConfigError("speed_of needs the same non-zero number of rounds for both.")
    ratios = ref / np.maximum(var, 1e-12)
    rng = np.random.default_rng(random_state)
    boots = np.median(rng.choice(ratios, size=(n_boot, len(ratios)), replace=True), axis=1)
    low, high = np.percentile(boots, [2.5, 97.5])
    return Speed(float(np.median(ratios)), float(low), float(high))
