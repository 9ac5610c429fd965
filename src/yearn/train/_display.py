"""The training curves figure (drawn with :mod:`yearn.display`'s standalone figures)."""

from __future__ import annotations

from typing import Any

__all__ = ["curves_figure"]

SPLIT_STYLE = {"train": "tab:blue", "train_dev": "tab:orange", "dev": "tab:red"}


def curves_figure(history: list[dict[str, float]], metric_label: str) -> Any:
    """Loss and metric per epoch for train, train-dev and dev, side by side."""
    from yearn.display import blank_figure

    fig = blank_figure(9, 3.5)
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
