"""Latency of onnxruntime sessions on this CPU, measured so that variants compare fairly:
every session has the same thread count and graph-optimisation level, and the timed calls
are interleaved (one call of each variant per round), so a change of machine load hits all
variants alike. Each timed call follows an untimed call of the same session, so it is timed
warm, as a model serving calls back to back runs: without it, a call that follows a heavy
variant's (dynamic int8's ConvInteger: 40 ms) starts with that variant's data in the
caches, which slowed the digits CNN's next call by 0.15-0.2 ms and moved the int8/float
ratio from 1.45 to 1.25 (bench/README.md). A speed-up is claimed only when the bootstrap
interval of the median per-round ratio excludes 1."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from yearn._validation import check_positive_int
from yearn.errors import ConfigError
from yearn.ship._session import OPTIMIZATION_LEVELS, ort_session

__all__ = [
    "BATCHES",
    "OPTIMIZATION_LEVELS",
    "Speed",
    "measure_latencies",
    "node_times",
    "speed_of",
]

BATCHES = (1, 256)


def measure_latencies(
    models: dict[str, bytes],
    inputs: dict[str, np.ndarray],
    *,
    threads: int = 1,
    repeats_b1: int = 200,
    repeats_b256: int = 20,
    optimization: str = "all",
    random_state: int = 0,
) -> dict[str, dict[str, Any]]:
    """Per model: ``b1_p50``, ``b1_p99``, ``b256_p50``, ``b256_p99`` (ms) and the raw
    per-round times (``samples``: batch → list of ms), calls interleaved round by round in
    an order drawn afresh each round (``random_state``), so no model always follows the same
    one."""
    check_positive_int("threads", threads)
    check_positive_int("repeats_b1", repeats_b1)
    check_positive_int("repeats_b256", repeats_b256)
    sessions = {
        name: ort_session(b, threads=threads, optimization=optimization)
        for name, b in models.items()
    }
    n = len(next(iter(inputs.values())))
    out: dict[str, dict[str, Any]] = {name: {"samples": {}} for name in models}
    order = list(sessions.items())
    rng = np.random.default_rng(random_state)
    for batch, repeats in zip(BATCHES, (repeats_b1, repeats_b256), strict=True):
        idx = np.arange(batch) % n
        feeds = {}
        for name, session in sessions.items():
            names = {i.name for i in session.get_inputs()}
            feeds[name] = {k: v[idx] for k, v in inputs.items() if k in names}
            session.run(None, feeds[name])  # warm-up
        times: dict[str, list[float]] = {name: [] for name in sessions}
        for _ in range(repeats):
            for k in rng.permutation(len(order)):
                name, session = order[k]
                session.run(None, feeds[name])  # warm: the previous call was another model's
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


def node_times(
    model_bytes: bytes,
    inputs: dict[str, np.ndarray],
    *,
    batch: int = 256,
    runs: int = 50,
    threads: int = 1,
    optimization: str = "all",
) -> tuple[list[dict[str, Any]], float]:
    """onnxruntime's profiler over ``runs`` calls at ``batch`` rows (after 5 warm-up calls):
    per node of the optimised graph, in order, ``node``, ``op`` and the median kernel time
    ``ms``; and the median time of a whole call (``model_run``, ms). The profiler adds about
    a microsecond per node, so compare nodes with nodes, not with ``measure_latencies``."""
    import json
    import tempfile
    from pathlib import Path

    check_positive_int("batch", batch)
    check_positive_int("runs", runs)
    warm = 5
    with tempfile.TemporaryDirectory() as tmp:
        session = ort_session(
            model_bytes, threads=threads, optimization=optimization,
            profile_prefix=str(Path(tmp) / "profile"),
        )  # fmt: skip
        names = {i.name for i in session.get_inputs()}
        idx = np.arange(batch) % len(next(iter(inputs.values())))
        feed = {k: v[idx] for k, v in inputs.items() if k in names}
        for _ in range(warm + runs):
            session.run(None, feed)
        events = json.loads(Path(session.end_profiling()).read_text(encoding="utf-8"))
    per: dict[tuple[str, str], list[float]] = {}
    calls: list[float] = []
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            key = (e["name"][: -len("_kernel_time")], str(e.get("args", {}).get("op_name")))
            per.setdefault(key, []).append(e["dur"] / 1000)
        elif e.get("cat") == "Session" and e.get("name") == "model_run":
            calls.append(e["dur"] / 1000)
    rows = [
        {"node": node, "op": op, "ms": float(np.median(t[warm:] or t))}
        for (node, op), t in per.items()
    ]
    return rows, float(np.median(calls[warm:] or calls))
