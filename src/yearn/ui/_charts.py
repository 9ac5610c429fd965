"""Geometry of the overlaid-curves charts (rendered as inline SVG by the templates).

One chart per metric name (``loss``, ``error``, ...). Each run gets a colour and each split
a dash pattern, so several runs' train / train-dev / dev curves read on one chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yearn.display import RUN_COLOURS, nice_ticks

__all__ = ["Chart", "ChartLine", "build_charts"]

COLOURS = RUN_COLOURS
DASHES = {"train": "", "train_dev": "6 3", "dev": "2 2", "test": "8 2 2 2"}
SPLIT_ORDER = ("train", "train_dev", "dev", "test")
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 34


@dataclass(frozen=True)
class ChartLine:
    """One run × split line of a chart, placed in SVG coordinates."""

    run_id: str
    run_name: str
    split: str
    colour: str
    dash: str
    points: str  # SVG polyline "x,y x,y ..."
    last: float
    n: int

    @property
    def label(self) -> str:
        return f"{self.run_name} · {self.split.replace('_', '-')}"


@dataclass(frozen=True)
class Chart:
    metric: str
    series: list[ChartLine]
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_w: int = WIDTH - LEFT - RIGHT
    plot_h: int = HEIGHT - TOP - BOTTOM


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def build_charts(
    metrics: pd.DataFrame, names: dict[str, str], *, splits: tuple[str, ...] = SPLIT_ORDER
) -> list[Chart]:
    """One :class:`Chart` per metric name in ``metrics`` (columns run_id, name, split, step,
    value); ``names`` maps run ids (in display order) to their names."""
    frame = metrics[metrics["split"].isin(splits)].dropna(subset=["step", "value"])
    frame = frame[np.isfinite(frame["value"].astype(float))]
    colour = {rid: COLOURS[i % len(COLOURS)] for i, rid in enumerate(names)}
    charts = []
    preferred = ["loss", "error"]
    metric_names = sorted(
        set(frame["name"]),
        key=lambda n: (preferred.index(n) if n in preferred else len(preferred), n),
    )
    for metric in metric_names:
        sub = frame[frame["name"] == metric]
        if sub.empty:
            continue
        x_lo, x_hi = float(sub["step"].min()), float(sub["step"].max())
        y_lo, y_hi = float(sub["value"].min()), float(sub["value"].max())
        if x_hi == x_lo:
            x_lo, x_hi = x_lo - 1, x_hi + 1
        pad = (y_hi - y_lo) * 0.05 or abs(y_hi) * 0.05 or 0.05
        y_lo, y_hi = y_lo - pad, y_hi + pad
        chart = Chart(metric, [])
        sx = chart.plot_w / (x_hi - x_lo)
        sy = chart.plot_h / (y_hi - y_lo)

        def px(x: float, lo: float = x_lo, s: float = sx) -> float:
            return LEFT + (x - lo) * s

        def py(y: float, lo: float = y_lo, s: float = sy, h: int = chart.plot_h) -> float:
            return TOP + h - (y - lo) * s

        for rid in names:
            for split in splits:
                pts = sub[(sub["run_id"] == rid) & (sub["split"] == split)].sort_values("step")
                if pts.empty:
                    continue
                xs, ys = pts["step"].to_numpy(float), pts["value"].to_numpy(float)
                points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys, strict=True))
                chart.series.append(
                    ChartLine(
                        rid,
                        names[rid],
                        split,
                        colour[rid],
                        DASHES.get(split, ""),
                        points,
                        float(ys[-1]),
                        len(xs),
                    )
                )
        chart.x_ticks.extend((px(t), _fmt(t)) for t in nice_ticks(x_lo, x_hi) if x_lo <= t <= x_hi)
        chart.y_ticks.extend((py(t), _fmt(t)) for t in nice_ticks(y_lo, y_hi) if y_lo <= t <= y_hi)
        charts.append(chart)
    return charts
