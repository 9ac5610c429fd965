"""``compress_run``: int8 (dynamic, static), magnitude pruning and their combination,
measured against the float export — size on disk, latency at batch 1 and 256 on this CPU,
and the dev metric with a paired test — and the smallest variant whose loss is not
significant and that meets the project's satisficing constraints recommended."""

from __future__ import annotations

import gzip
import html
import json
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
from yearn.ship._latency import OPTIMIZATION_LEVELS, measure_latencies, speed_of
from yearn.ship._onnx import run_session
from yearn.ship._operating_point import saved_operating_point
from yearn.ship._prune import prune_network, sparsity_of, train_targets
from yearn.ship._quantize import (
    CHAIN_OPS,
    NETWORK_OPS,
    STATIC_FORMATS,
    quantize_dynamic_bytes,
    quantize_static_bytes,
)
from yearn.ship._recommend import recommend
from yearn.ship._schema import frame_to_inputs
from yearn.ship._source import RunSource, load_run_source
from yearn.ship._tables import metric_with_interval, output_frame

__all__ = [
    "COMPRESS_ARTIFACT",
    "COMPRESS_KIND",
    "CompressResult",
    "Variant",
    "compress_run",
    "latest_compress",
    "loss_verdict",
]

COMPRESS_KIND = "compress"
COMPRESS_ARTIFACT = "compress.json"

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
    speed: dict[str, dict[str, Any]] = field(default_factory=dict)  # batch → Speed.to_dict

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Variant:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def speed_text(self, batch: int) -> str:
        """``2.10× faster [1.9, 2.3]`` / ``4.0× slower [...]`` / ``1.02× [0.9, 1.1]``."""
        from yearn.ship._latency import Speed

        s = self.speed.get(str(batch))
        if not s:
            return "—"
        return Speed(s["ratio"], s["low"], s["high"]).text


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
    options: dict[str, Any] = field(default_factory=dict)
    saved_as: str | None = None

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
        if v.name == base.name:
            return (
                "recommended: keep float32 — no compressed variant is smaller on disk without a "
                "loss and within the constraints"
            )
        return (
            f"recommended: {v.name} — {base.size_bytes / v.size_bytes:.2f}× smaller than "
            f"float ({v.size_bytes / 1024:.1f} KiB), {v.sentence}; "
            f"p50 {_ms(base.latency_ms['b1_p50'])} → {_ms(v.latency_ms['b1_p50'])} at batch 1 "
            f"({_speed_words(v, 1)}) and {_ms(base.latency_ms['b256_p50'])} → "
            f"{_ms(v.latency_ms['b256_p50'])} at batch 256 ({_speed_words(v, 256)}), "
            f"{self.threads} thread(s)"
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
                    "speed b256 vs float [95% CI]": "—"
                    if v.name == "float32"
                    else v.speed_text(256),
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
            "rows": self.rows(),
            "options": self.options,
            "out": self.out,
            "saved_as": self.saved_as,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompressResult:
        return cls(
            data["run"], data["metric"], data["split"], int(data["n"]),
            [Variant.from_dict(v) for v in data["variants"]], data["recommended"],
            {k: list(r) for k, r in (data.get("excluded") or {}).items()},
            list(data.get("constraints") or []), int(data.get("threads", 1)), data.get("out"),
            dict(data.get("options") or {}), data.get("saved_as"),
        )  # fmt: skip

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        rows = self.rows()
        names = [v.name for v in self.variants]
        chart = bar_chart(
            names, [v.size_bytes / 1024 for v in self.variants], title="size on disk (KiB)",
            fmt=".1f",
        )  # fmt: skip
        speed = bar_chart(
            names, [v.latency_ms["b256_p50"] for v in self.variants],
            title=f"p50 latency at batch 256 (ms, {self.threads} thread(s))", fmt=".3g",
        )  # fmt: skip
        notes = "".join(
            f"<li>{html.escape(k)}: {html.escape('; '.join(r))}</li>"
            for k, r in self.reasons.items()
        )
        return (
            f"<p><b>{html.escape(self.sentence)}</b></p>"
            + str(html_table(rows, list(rows[0])))
            + (f"<ul>{notes}</ul>" if notes else "")
            + str(chart)
            + str(speed)
        )


def _ms(value: float) -> str:
    return f"{value:.3g} ms"


def _speed_words(v: Variant, batch: int) -> str:
    s = v.speed.get(str(batch))
    if not s:
        return "not measured"
    if s["verdict"] == "no measured difference":
        return f"no measured difference, {v.speed_text(batch)}"
    return v.speed_text(batch)


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


def _finetune_caveat(name: str, verdict: str, finetune_epochs: int) -> str:
    """A pruned variant's gain may come from its extra training, not from pruning: say so."""
    if not name.startswith("pruned") or not verdict.endswith("gain") or finetune_epochs <= 0:
        return ""
    return (
        f" (its fine-tune trained {finetune_epochs} more epoch(s) than the float model had:"
        " the gain is no evidence that pruning itself helps)"
    )


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
    static_format: str = "qoperator",
    per_channel: bool = False,
    reduce_range: bool = False,
    quantize_chain: bool = True,
    quantize_shallow: bool = False,
    optimization: str = "all",
    out: str | Path | None = None,
    save: bool = True,
    random_state: int = 0,
) -> CompressResult:
    """Build and measure float32, int8-dynamic, int8-static, pruned-<s> and
    pruned-<s>+int8 variants of run ``run``; each is written as an exported-model folder
    under ``out`` (default ``.yearn/exports/<run>-variants/<variant>``) and, with ``save``,
    the table is kept in the run store (a ``compress`` run; see :func:`latest_compress`).

    ``static_format`` (``qdq`` / ``qoperator``), ``per_channel``, ``reduce_range`` and
    ``quantize_chain`` (also the Relu/max-pooling between the network's layers, so
    activations stay int8) and ``quantize_shallow`` (also a leading convolution too shallow
    for int8 to be faster; off by default, see ``yearn.ship._quantize``) shape int8-static.
    Timings: every variant with ``threads`` intra-op threads and the same onnxruntime graph
    ``optimization`` level (``yearn.ship._session``), calls interleaved; a speed-up is
    claimed only when its interval excludes 1."""
    from yearn.compare import compare_predictions

    check_positive_int("repeats", repeats)
    check_positive_int("calibration_rows", calibration_rows)
    for s in sparsities:
        if not 0 < s < 1:
            raise ConfigError(f"sparsities must lie in (0, 1); got {s}.")
    if static_format not in STATIC_FORMATS:
        raise ConfigError(
            f"static_format must be one of {', '.join(STATIC_FORMATS)}; got {static_format!r}."
        )
    if optimization not in OPTIMIZATION_LEVELS:
        raise ConfigError(
            f"optimization must be one of {', '.join(OPTIMIZATION_LEVELS)}; got {optimization!r}."
        )
    project = project if isinstance(project, Project) else Project(project)
    src = load_run_source(project, run)
    split = parity_split(src)
    dev_inputs = frame_to_inputs(src.frames[split], src.schema, allow_extra=True, where=split)
    models = _build_variants(
        src, split, sparsities, finetune_epochs, calibration_rows, random_state,
        static_format=static_format, per_channel=per_channel, reduce_range=reduce_range,
        quantize_chain=quantize_chain, quantize_shallow=quantize_shallow,
    )  # fmt: skip
    timings = measure_latencies(
        {name: b for name, b, _ in models}, dev_inputs, threads=threads, repeats_b1=repeats,
        repeats_b256=max(5, repeats // 4), optimization=optimization, random_state=random_state,
    )  # fmt: skip
    op = saved_operating_point(project, src.run_id)
    threshold = default_threshold(src, op)
    metric_name = str(src.summary.get("metric") or "error")
    samples = {name: t.pop("samples") for name, t in timings.items()}
    tables, variants = {}, []
    for name, model_bytes, sparsity in models:
        proba = run_session(model_bytes, dev_inputs)
        tables[name] = output_frame(
            proba, task=src.task, classes=src.classes, threshold=threshold,
            ids=src.ids[split], split=split, labels=src.labels[split],
        )  # fmt: skip
        cmp = compare_predictions(
            tables["float32"], tables[name], metric=metric_name, split=split,
            name_a="float32", name_b=name, task=src.task,
        )  # fmt: skip
        cost = _cost(cmp, metric_name)
        verdict = loss_verdict(cost, float(cmp.p_value))
        variants.append(
            Variant(
                name, len(model_bytes), len(gzip.compress(model_bytes, 6)), sparsity,
                timings[name], float(cmp.value_b), *cost, float(cmp.p_value), verdict,
                _variant_sentence(name, cost, verdict, float(cmp.p_value), metric_name)
                + _finetune_caveat(name, verdict, finetune_epochs),
                speed={b: speed_of(samples["float32"][b], t).to_dict()
                       for b, t in samples[name].items()},
            )
        )  # fmt: skip
    constraints = list(project.config.metric.constraints) if project.has_config else []
    recommended, reasons = recommend(variants, metric_name, constraints)
    target = Path(out) if out is not None else project.paths.exports / f"{src.run_id}-variants"
    groups = None if src.groups is None else src.groups.get(split)
    for (name, model_bytes, _), v in zip(models, variants, strict=True):
        metadata = base_metadata(src, model_bytes)
        metadata.update(
            variant=name,
            threshold=threshold,
            metric={**metric_with_interval(tables[name], metric_name, groups=groups),
                    "split": split,
                    "cost_vs_float": v.sentence},
        )  # fmt: skip
        v.path = str(write_folder(target / name.replace("%", "pct").replace("+", "-"),
                                  model_bytes, metadata))  # fmt: skip
    options = {"static_format": static_format, "per_channel": per_channel,
               "reduce_range": reduce_range, "quantize_chain": quantize_chain,
               "quantize_shallow": quantize_shallow,
               "optimization": optimization, "repeats": repeats,
               "calibration_rows": calibration_rows, "finetune_epochs": finetune_epochs,
               "sparsities": list(sparsities), "random_state": random_state}  # fmt: skip
    result = CompressResult(
        src.run_id, metric_name, split, len(src.frames[split]), variants, recommended, reasons,
        [str(c) for c in constraints], threads, str(target), options,
    )  # fmt: skip
    if save:
        with (
            project.require_store() as store,
            store.run(
                name=f"compress {src.run_id}", kind=COMPRESS_KIND,
                config={"run": src.run_id, **options, "threads": threads},
            ) as record,
        ):  # fmt: skip
            result.saved_as = record.id
            record.log_artifact(
                json.dumps(result.to_dict(), indent=2).encode(), name=COMPRESS_ARTIFACT
            )
    from yearn._io import atomic_write_json

    atomic_write_json(target / COMPRESS_ARTIFACT, json.loads(json.dumps(result.to_dict())))
    return result


def _build_variants(
    src: RunSource,
    split: str,
    sparsities: tuple[float, ...],
    finetune_epochs: int,
    calibration_rows: int,
    random_state: int,
    *,
    static_format: str,
    per_channel: bool,
    reduce_range: bool,
    quantize_chain: bool,
    quantize_shallow: bool = False,
) -> list[tuple[str, bytes, float]]:
    float_bytes = graph_bytes(src)
    check_parity(src, float_bytes, split)
    models: list[tuple[str, bytes, float]] = [("float32", float_bytes, sparsity_of(src.network))]
    models.append(("int8-dynamic", quantize_dynamic_bytes(float_bytes), models[0][2]))
    calibration = _calibration_inputs(src, calibration_rows, random_state)

    def static_int8(model_bytes: bytes) -> bytes:
        return quantize_static_bytes(
            model_bytes, calibration, quant_format=static_format, per_channel=per_channel,
            reduce_range=reduce_range, op_types=CHAIN_OPS if quantize_chain else NETWORK_OPS,
            quantize_shallow=quantize_shallow,
        )  # fmt: skip

    models.append(("int8-static", static_int8(float_bytes), models[0][2]))
    if not sparsities:
        return models
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
        # the same int8 form as int8-static (dynamic int8's ConvInteger is many times
        # slower than float convolutions on a CNN)
        models.append((f"{label}+int8", static_int8(pruned_bytes), sparsity_of(pruned)))
    return models


def latest_compress(project: str | Path | Project, run: str | None = None) -> CompressResult | None:
    """The newest saved ``yearn compress`` table (of run ``run`` when given), or None."""
    project = project if isinstance(project, Project) else Project(project)
    if not project.has_store:
        return None
    with project.store() as store:
        for record in store.list_runs(kind=COMPRESS_KIND, status="completed"):
            if run is None or (record.config or {}).get("run") == run:
                path = store.artifact_path(record.id, COMPRESS_ARTIFACT)
                return CompressResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    return None
