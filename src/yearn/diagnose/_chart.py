"""The ladder chart: one bar per rung with interval whiskers, each gap annotated.

matplotlib is imported here, lazily. Files and inline SVG are drawn on a standalone
``matplotlib.figure.Figure`` rendered by the Agg (PNG) / SVG canvases, so the user's
pyplot backend and state are never touched; only :func:`plot_ladder` without an ``ax``
opens a pyplot figure (in the user's own backend).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from yearn._io import atomic_write_bytes
from yearn.diagnose._advice import GAP_LABELS
from yearn.display import figure_bytes, new_figure
from yearn.errors import ConfigError

if TYPE_CHECKING:
    from yearn.diagnose._result import Diagnosis

__all__ = ["ladder_svg", "plot_ladder", "save_ladder_chart"]

_BASE = "#9aa5b1"
_HOT = "#c0392b"


def plot_ladder(diag: Diagnosis, ax: Any = None) -> Any:
    """Draw ``diag`` on ``ax`` (a new figure when ``None``) and return the axes."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    names = list(diag.errors)
    scale = 100.0 if diag.rate else 1.0
    vals = [diag.errors[k].value * scale for k in names]
    hot = {diag.gaps[g].upper for g in diag.principal}
    colours = [_HOT if k in hot else _BASE for k in names]
    bars = ax.bar(range(len(names)), vals, color=colours, width=0.6)
    for i, k in enumerate(names):
        r = diag.errors[k]
        if r.ci_low is not None and r.ci_high is not None and r.ci_high > r.ci_low:
            ax.errorbar(
                i,
                r.value * scale,
                # a bootstrap interval need not contain the estimate: clip the whiskers at 0
                yerr=[
                    [max(0.0, r.value - r.ci_low) * scale],
                    [max(0.0, r.ci_high - r.value) * scale],
                ],
                color="black",
                capsize=4,
                lw=1,
            )
        if r.assumed:
            bars[i].set_hatch("//")
            ax.annotate(
                "assumed 0",
                xy=(i, 0),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                color="#555555",
            )
    index = {k: i for i, k in enumerate(names)}
    highs = [max(diag.errors[k].value, diag.errors[k].ci_high or 0.0) * scale for k in names]
    top = max([*highs, 1e-9])
    for g in diag.gaps.values():
        if g.value is None or g.lower not in index or g.upper not in index:
            continue
        x = (index[g.lower] + index[g.upper]) / 2
        colour = _HOT if g.name in diag.principal else "#34495e"
        weight = "bold" if g.name in diag.principal else "normal"
        ax.annotate(
            f"{GAP_LABELS[g.name]}\n{diag.fmt(g.value, signed=True)}",
            xy=(x, max(highs[index[g.lower]], highs[index[g.upper]]) + 0.04 * top),
            ha="center",
            va="bottom",
            fontsize=7,
            color=colour,
            fontweight=weight,
        )
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([k.replace("_", "-") for k in names])
    ax.set_ylabel(f"{diag.metric} (%)" if diag.rate else diag.metric)
    ax.set_ylim(0, top * 1.35 + (1e-9 if top else 1))
    ax.set_title(diag.verdict() + (f" — task {diag.task}" if diag.task else ""), fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def _render(diag: Diagnosis, fmt: str) -> bytes:
    fig, ax = new_figure()
    plot_ladder(diag, ax=ax)
    return figure_bytes(fig, fmt)


def save_ladder_chart(diag: Diagnosis, path: str | Path) -> Path:
    """Write the chart to ``path`` (``.png`` or ``.svg``) atomically."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ConfigError(f"{path}: the chart is written as .png or .svg; got {path.suffix!r}.")
    return atomic_write_bytes(path, _render(diag, fmt))


def ladder_svg(diag: Diagnosis) -> str:
    """The chart as an inline SVG string (for HTML reports and Jupyter)."""
    text = _render(diag, "svg").decode("utf-8")
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
