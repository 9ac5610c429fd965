"""``compress_run``: int8 (dynamic, static), magnitude pruning and their combination,
measured against the float export — size on disk, latency at batch 1 and 256 on this CPU,
and the dev metric with a paired test — and the smallest variant whose loss is not
significant and that meets the project's satisficing constraints recommended."""

from __future__ import annotations

import gzip
import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from yearn._validation import check_positive_int
from yearn.errors import ConfigError
from yearn.project import Project
from yearn.ship._export import (
    base_metadata,
    check_parity,
    default_threshold,
    graph_bytes,
    output_kind,
    parity_split,
    prepared_inputs,
    write_folder,
)
from yearn.ship._onnx import run_session
from yearn.ship._operating_point import saved_operating_point
from yearn.ship._prune import prune_network, sparsity_of, train_targets
from yearn.ship._quantize import quantize_dynamic_bytes, quantize_static_bytes
from yearn.ship._schema import frame_to_inputs
from yearn.ship._source import RunSource, load_run_source
from yearn.ship._tables import metric_with_interval, output_frame

__all__ = ["CompressResult", "Variant", "compress_run", "loss_verdict", "measure_latency"]

POINT_METRICS = ("error", "accuracy", "precision", "recall", "f1", "f1_macro", "f1_micro",
                 "roc_auc", "map")  # fmt: skip


@dataclass
class Variant:
    """One compressed (or the float) model and what it costs."""

    name: str
    size_bytes: int
    zipped_bytes: int
    sparsity: float
    latency_ms: dict[str, float]  # b1_p50, b1_p99, b256_p50, b256_p99
    metric: float
    cost: float  # metric loss vs float in points (or metric units); positive = worse
    cost_low: float
    cost_high: float
    p_value: float
    loss: str  # significant/borderline loss/gain or not significant (see loss_verdict)
    sentence: str
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CompressResult:
    """The compress table and the recommendation."""

    run_id: str
    metric: str
    split: str
    n: int
    variants: list[Variant]
    recommended: str | None
    reasons: dict[str, list[str]] = field(default_factory=dict)
    constraints: list[str] = field(default_factory=list)
    threads: int = 1
    out: str | None = None

    @property
    def sentence(self) -> str:
        if self.recommended is None:
            return (
                "no variant qualifies (each loses on dev or breaks a constraint: "
                + "; ".join(f"{k}: {', '.join(r)}" for k, r in self.reasons.items())
                + ")."
            )
        v = next(x for x in self.variants if x.name == self.recommended)
        base = self.variants[0]
        return (
            f"recommended: {v.name} — {base.size_bytes / v.size_bytes:.1f}× smaller than "
            f"float ({v.size_bytes / 1024:.1f} KiB), {v.sentence}; "
            f"measured p50 {_ms(base.latency_ms['b1_p50'])} → {_ms(v.latency_ms['b1_p50'])} "
            f"at batch 1 and {_ms(base.latency_ms['b256_p50'])} → "
            f"{_ms(v.latency_ms['b256_p50'])} at batch 256 ({self.threads} thread(s))"
        )

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for v in self.variants:
            out.append(
                {
                    "variant": v.name,
                    "size KiB": round(v.size_bytes / 1024, 1),
                    "gzip KiB": round(v.zipped_bytes / 1024, 1),
                    "sparsity": round(v.sparsity, 2),
                    "p50 ms b1": round(v.latency_ms["b1_p50"], 3),
                    "p99 ms b1": round(v.latency_ms["b1_p99"], 3),
                    "p50 ms b256": round(v.latency_ms["b256_p50"], 2),
                    "p99 ms b256": round(v.latency_ms["b256_p99"], 2),
                    self.metric: round(v.metric, 4),
                    "cost vs float [95% CI]": "—"
                    if v.name == "float32"
                    else f"{v.cost:+.2f} [{v.cost_low:+.2f}, {v.cost_high:+.2f}]",
                    "loss": "" if v.name == "float32" else v.loss,
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "metric": self.metric,
            "split": self.split,
            "n": self.n,
            "threads": self.threads,
            "constraints": self.constraints,
            "recommended": self.recommended,
            "sentence": self.sentence,
            "excluded": self.reasons,
            "variants": [v.to_dict() for v in self.variants],
            "out": self.out,
        }

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        rows = self.rows()
        chart = bar_chart(
            [v.name for v in self.variants],
            [v.size_bytes / 1024 for v in self.variants],
            title="size on disk (KiB)",
            fmt=".1f",
        )
        notes = "".join(
            f"<li>{html.escape(k)}: {html.escape('; '.join(r))}</li>"
            for k, r in self.reasons.items()
        )
        return (
            f"<p><b>{html.escape(self.sentence)}</b></p>"
            + str(html_table(rows, list(rows[0])))
            + (f"<ul>{notes}</ul>" if notes else "")
            + str(chart)
        )


def _ms(value: float) -> str:
    return f"{value:.3g} ms"


def measure_latency(
    model_bytes: bytes,
    inputs: dict[str, np.ndarray],
    *,
    threads: int = 1,
    repeats_b1: int = 200,
    repeats_b256: int = 20,
) -> dict[str, float]:
    """p50 / p99 milliseconds of one onnxruntime call at batch 1 and batch 256."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    feeds = {k: v for k, v in inputs.items() if k in names}
    n = len(next(iter(feeds.values())))
    out: dict[str, float] = {}
    for batch, repeats in ((1, repeats_b1), (256, repeats_b256)):
        idx = np.arange(batch) % n
        batch_feeds = {k: v[idx] for k, v in feeds.items()}
        session.run(None, batch_feeds)  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            session.run(None, batch_feeds)
            times.append((time.perf_counter() - start) * 1000)
        out[f"b{batch}_p50"] = float(np.percentile(times, 50))
        out[f"b{batch}_p99"] = float(np.percentile(times, 99))
    return out


def _cost(comparison: Any, metric: str) -> tuple[float, float, float]:
    scale = 100.0 if metric in POINT_METRICS else 1.0
    return (
        -comparison.improvement * scale,
        -comparison.ci_high * scale,
        -comparison.ci_low * scale,
    )


def loss_verdict(cost: tuple[float, float, float], p_value: float, alpha: float = 0.05) -> str:
    """``significant loss`` / ``significant gain`` (p < alpha), ``borderline loss`` /
    ``borderline gain`` (the interval excludes 0 but the test does not: not claimed; a
    borderline loss is not recommended either), or ``not significant``."""
    value, low, high = cost
    side = "loss" if value > 0 else "gain"
    if value != 0 and p_value < alpha:
        return f"significant {side}"
    if low > 0 or high < 0:
        return f"borderline {'loss' if low > 0 else 'gain'}"
    return "not significant"


def _variant_sentence(
    name: str, cost: tuple[float, float, float], verdict: str, p_value: float, metric: str
) -> str:
    unit = "points" if metric in POINT_METRICS else f"{metric} units"
    if verdict.startswith("borderline"):
        verdict = f"{verdict} (the interval excludes 0 but the test does not: p = {p_value:.2g})"
    elif verdict.startswith("significant"):
        verdict = f"{verdict} (p = {p_value:.2g})"
    value, low, high = cost
    if value >= 0:
        return f"{name} costs {value:.2f} {unit} [{low:.2f}, {high:.2f}], {verdict}"
    return f"{name} gains {-value:.2f} {unit} [{-high:.2f}, {-low:.2f}], {verdict}"


def _calibration_inputs(src: RunSource, rows: int, random_state: int) -> dict[str, np.ndarray]:
    frame = src.frames["train"]
    rng = np.random.default_rng(random_state)
    take = rng.choice(len(frame), size=min(rows, len(frame)), replace=False)
    sample = frame.iloc[np.sort(take)].reset_index(drop=True)
    return frame_to_inputs(sample, src.schema, allow_extra=True, where="train split")


def compress_run(
    project: str | Path | Project,
    run: str | None = None,
    *,
    sparsities: tuple[float, ...] = (0.5, 0.8),
    finetune_epochs: int = 2,
    calibration_rows: int = 256,
    threads: int = 1,
    repeats: int = 200,
    out: str | Path | None = None,
    random_state: int = 0,
) -> CompressResult:
    """Build and measure float32, int8-dynamic, int8-static, pruned-<s> and
    pruned-<s>+int8 variants of run ``run``; each is written as an exported-model folder
    under ``out`` (default ``.yearn/exports/<run>-variants/<variant>``)."""
    from yearn.compare import compare_predictions
    from yearn.metrics import choose_best

    check_positive_int("repeats", repeats)
    check_positive_int("calibration_rows", calibration_rows)
    for s in sparsities:
        if not 0 < s < 1:
            raise ConfigError(f"sparsities must lie in (0, 1); got {s}.")
    project = project if isinstance(project, Project) else Project(project)
    src = load_run_source(project, run)
    split = parity_split(src)
    dev_inputs = frame_to_inputs(src.frames[split], src.schema, allow_extra=True, where=split)
    float_bytes = graph_bytes(src)
    check_parity(src, float_bytes, split)
    models: list[tuple[str, bytes, float]] = [("float32", float_bytes, sparsity_of(src.network))]
    models.append(("int8-dynamic", quantize_dynamic_bytes(float_bytes), models[0][2]))
    calibration = _calibration_inputs(src, calibration_rows, random_state)
    models.append(("int8-static", quantize_static_bytes(float_bytes, calibration), models[0][2]))
    if sparsities:
        x_train = prepared_inputs(src, src.frames["train"])
        kind = output_kind(src)
        y_train = train_targets(src.labels["train"], src.task, src.classes, kind)
        for s in sparsities:
            pruned = prune_network(
                src.network, s, x_train, y_train, kind=kind, epochs=finetune_epochs,
                random_state=random_state,
            )  # fmt: skip
            pruned_bytes = graph_bytes(src, network=pruned)
            check_parity(src, pruned_bytes, split, network=pruned)
            label = f"pruned-{round(s * 100)}%"
            models.append((label, pruned_bytes, sparsity_of(pruned)))
            models.append(
                (f"{label}+int8", quantize_dynamic_bytes(pruned_bytes), sparsity_of(pruned))
            )
    op = saved_operating_point(project, src.run_id)
    threshold = default_threshold(src, op)
    metric_name = str(src.summary.get("metric") or "error")
    tables, variants = {}, []
    for name, model_bytes, sparsity in models:
        proba = run_session(model_bytes, dev_inputs)
        tables[name] = output_frame(
            proba, task=src.task, classes=src.classes, threshold=threshold,
            ids=src.ids[split], split=split, labels=src.labels[split],
        )  # fmt: skip
        latency = measure_latency(
            model_bytes, dev_inputs, threads=threads, repeats_b1=repeats,
            repeats_b256=max(5, repeats // 10),
        )  # fmt: skip
        cmp = compare_predictions(
            tables["float32"], tables[name], metric=metric_name, split=split,
            name_a="float32", name_b=name, task=src.task,
        )  # fmt: skip
        cost = _cost(cmp, metric_name)
        verdict = loss_verdict(cost, float(cmp.p_value))
        variants.append(
            Variant(
                name,
                len(model_bytes),
                len(gzip.compress(model_bytes, 6)),
                sparsity,
                latency,
                float(cmp.value_b),
                *cost,
                float(cmp.p_value),
                verdict,
                _variant_sentence(name, cost, verdict, float(cmp.p_value), metric_name),
            )
        )
    constraints = list(project.config.metric.constraints) if project.has_config else []
    candidates = []
    reasons: dict[str, list[str]] = {}
    for v in variants:
        if v.loss.endswith("loss"):
            reasons[v.name] = [f"{v.loss} ({v.sentence})"]
            continue
        candidates.append(
            {
                "name": v.name,
                "metrics": {
                    "size_mb": v.size_bytes / 1e6,
                    "latency_ms": v.latency_ms["b1_p50"],
                    "latency_ms_p99": v.latency_ms["b1_p99"],
                    metric_name: v.metric,
                },
            }
        )
    selection = choose_best(candidates, "size_mb", constraints, higher_is_better=False)
    for name, why in selection.excluded.items():
        reasons[name] = list(why)
    recommended = selection.best
    target = Path(out) if out is not None else project.paths.exports / f"{src.run_id}-variants"
    for (name, model_bytes, _), v in zip(models, variants, strict=True):
        metadata = base_metadata(src, model_bytes)
        metadata.update(
            variant=name,
            threshold=threshold,
            metric={**metric_with_interval(tables[name], metric_name), "split": split,
                    "cost_vs_float": v.sentence},
        )  # fmt: skip
        v.path = str(write_folder(target / name.replace("%", "pct").replace("+", "-"),
                                  model_bytes, metadata))  # fmt: skip
    result = CompressResult(
        src.run_id, metric_name, split, len(src.frames[split]), variants, recommended, reasons,
        [str(c) for c in constraints], threads, str(target),
    )  # fmt: skip
    from yearn._io import atomic_write_json

    atomic_write_json(target / "compress.json", json.loads(json.dumps(result.to_dict())))
    return result
