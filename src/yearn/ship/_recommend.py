"""Which compressed variant ``yearn compress`` recommends, and why each other one is left
out: the smallest without a (borderline) loss that meets the project's satisficing
constraints (``yearn.metrics.choose_best``, as ``yearn best``), preferred over float only
when measured smaller on disk, and not one measured slower than float at batch 256 when
another qualifying variant is not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yearn.ship._compress import Variant

__all__ = ["MIN_SIZE_GAIN", "recommend"]

MIN_SIZE_GAIN = 0.05  # a variant must be ≥ 5% smaller on disk than float to be preferred


def recommend(
    variants: list[Variant], metric_name: str, constraints: list[Any]
) -> tuple[str | None, dict[str, list[str]]]:
    """The smallest variant without a (borderline) loss that meets the constraints; a
    compressed variant is preferred over float only when measured smaller on disk (by
    ``MIN_SIZE_GAIN``) — pruning alone leaves the file size unchanged — and one measured
    slower than float at batch 256 is passed over when a qualifying compressed variant is
    not (on a CNN, dynamic int8's ConvInteger is many times slower than float convolutions
    at about the size of static int8)."""
    from yearn.metrics import choose_best

    base = variants[0]
    candidates = []
    reasons: dict[str, list[str]] = {}
    for v in variants:
        if v.loss.endswith("loss"):
            reasons[v.name] = [f"{v.loss} ({v.sentence})"]
            continue
        if v is not base and v.size_bytes > (1 - MIN_SIZE_GAIN) * base.size_bytes:
            reasons[v.name] = [
                f"not smaller on disk than float ({v.size_bytes / 1024:.1f} vs "
                f"{base.size_bytes / 1024:.1f} KiB; gzip {v.zipped_bytes / 1024:.1f} KiB)"
            ]
            continue
        candidates.append(v)
    compressed = [v for v in candidates if v is not base]
    slower = [v for v in compressed if _slower_at_256(v)]
    if slower and len(slower) < len(compressed):
        kept = [v.name for v in compressed if v not in slower]
        names = kept[0] if len(kept) == 1 else ", ".join(kept[:-1]) + f" and {kept[-1]}"
        verb = "qualifies and is" if len(kept) == 1 else "qualify and are"
        for v in slower:
            reasons[v.name] = [
                f"slower than float at batch 256 ({v.speed_text(256)}) while {names} {verb} not"
            ]
        candidates = [v for v in candidates if v not in slower]
    rows = [
        {
            "name": v.name,
            "metrics": {
                "size_mb": v.size_bytes / 1e6,
                "latency_ms": v.latency_ms["b1_p50"],
                "latency_ms_p99": v.latency_ms["b1_p99"],
                "latency_b256_ms": v.latency_ms["b256_p50"],
                metric_name: v.metric,
            },
        }
        for v in candidates
    ]
    selection = choose_best(rows, "size_mb", constraints, higher_is_better=False)
    for name, why in selection.excluded.items():
        reasons[name] = list(why)
    return selection.best, reasons


def _slower_at_256(v: Variant) -> bool:
    return (v.speed.get("256") or {}).get("verdict") == "slower"
