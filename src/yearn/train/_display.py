"""Display of training results: curves and the lr-find plot (matplotlib, imported lazily)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

__all__ = ["curves_figure", "figure_html", "save_figure"]

SPLIT_STYLE = {"train": "tab:blue", "train_dev": "tab:orange", "dev": "tab:red"}


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def curves_figure(history: list[dict[str, float]], metric_label: str) -> Any:
    """Loss and metric per epoch for train, train-dev and dev, side by side."""
    fig = _figure(9, 3.5)
    epochs = [h["epoch"] for h in history]
    for k, (what, label) in enumerate((("loss", "loss"), ("metric", metric_label))):
        ax = fig.add_subplot(1, 2, k + 1)
        for split, color in SPLIT_STYLE.items():
            key = f"{split}_{what}"
            if history and key in history[0]:
                ax.plot(
                    epochs,
                    [h[key] for h in history],
                    marker="o",
                    ms=3,
                    color=color,
                    label=split.replace("_", "-"),
                )
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.legend()
    fig.tight_layout()
    return fig


def save_figure(fig: Any, path: str | Path) -> Path:
    """Write a figure as PNG atomically."""
    from yearn._io import atomic_write

    with atomic_write(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    return Path(path)


def figure_html(fig: Any, alt: str) -> str:
    """An ``<img>`` tag with the figure inlined as a PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"/>'
