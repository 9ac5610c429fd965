"""PNG figures of check results: histograms, the lat/lon map and sample-image grids.
matplotlib is imported only here, lazily, with the Agg backend."""

from __future__ import annotations

from typing import Any

import numpy as np

from yearn.display import blank_figure, figure_bytes

__all__ = ["figures_of"]

MAX_HISTOGRAMS = 24


def _subplots(*grid: int, figsize: tuple[float, float], **kw: Any) -> tuple[Any, Any]:
    """A standalone figure (no pyplot state) and its grid of axes."""
    fig = blank_figure(*figsize)
    return fig, fig.subplots(*grid, **kw)


def _png(fig: Any) -> bytes:
    return figure_bytes(fig, "png", dpi=80, tight=False, crop=True)


def _histograms(columns: dict[str, Any]) -> bytes | None:
    items = [(n, c) for n, c in columns.items() if "edges" in c][:MAX_HISTOGRAMS]
    items += [(n, c) for n, c in columns.items() if c.get("kind") == "categorical"][
        : max(0, MAX_HISTOGRAMS - len(items))
    ]
    if not items:
        return None
    cols = 4
    rows = (len(items) + cols - 1) // cols
    fig, axes = _subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax, (name, info) in zip(axes.ravel(), items, strict=False):
        by_group = info.get("by_group") or info.get("length_by_group") or {}
        if "edges" in info:
            edges = np.asarray(info["edges"])
            centers = (edges[:-1] + edges[1:]) / 2
            for g, s in by_group.items():
                h = np.asarray(s.get("histogram", []), dtype=float)
                if h.size and h.sum():
                    ax.step(centers, h / h.sum(), where="mid", label=g)
        else:
            for k, (g, s) in enumerate(by_group.items()):
                top = s.get("top", {})
                total = max(s.get("count", 0), 1)
                x = np.arange(len(top)) + 0.8 * k / max(len(by_group), 1)
                ax.bar(
                    x,
                    np.asarray(list(top.values())) / total,
                    width=0.8 / max(len(by_group), 1),
                    label=g,
                )
                ax.set_xticks(
                    np.arange(len(top)), [str(t)[:8] for t in top], rotation=60, fontsize=6
                )
        ax.set_title(str(name)[:30], fontsize=8)
        ax.tick_params(labelsize=6)
    for ax in axes.ravel()[len(items) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=6)
    # fixed margins: tight_layout and a cropped save would each draw the 24 axes again
    fig.subplots_adjust(
        left=0.04,
        right=0.99,
        top=1 - 0.3 / fig.get_figheight(),
        bottom=0.55 / fig.get_figheight(),
        hspace=0.5,
        wspace=0.22,
    )
    return figure_bytes(fig, "png", dpi=80, tight=False)


def _map(data: dict[str, Any]) -> bytes:
    fig, ax = _subplots(figsize=(6, 4.5))
    color = data.get("color")
    sc = ax.scatter(
        data["lon"],
        data["lat"],
        c=color if color is not None else "tab:blue",
        s=4,
        alpha=0.6,
        cmap="viridis",
    )
    if color is not None and data.get("classes"):
        handles = sc.legend_elements()[0]
        ax.legend(handles, data["classes"][: len(handles)], fontsize=7, title="label")
    elif color is not None:
        fig.colorbar(sc, ax=ax, label="label")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(alpha=0.3)
    return _png(fig)


def _image_grid(images: dict[str, list[str]]) -> bytes | None:
    from PIL import Image

    classes = [c for c, paths in images.items() if paths]
    if not classes:
        return None
    cols = max(len(images[c]) for c in classes)
    fig, axes = _subplots(
        len(classes), cols, figsize=(1.4 * cols, 1.5 * len(classes)), squeeze=False
    )
    for r, cls in enumerate(classes):
        for c in range(cols):
            ax = axes[r, c]
            ax.axis("off")
            if c < len(images[cls]):
                try:
                    with Image.open(images[cls][c]) as im:
                        ax.imshow(np.asarray(im.convert("RGB")))
                except (OSError, ValueError):
                    ax.text(0.5, 0.5, "unreadable", ha="center", fontsize=6)
            if c == 0:
                ax.set_title(str(cls), fontsize=8, loc="left")
    return _png(fig)


def _rows_grid(rows: dict[str, list[dict]], columns: list[str]) -> bytes | None:
    """Sample rows per class as one small table per class, stacked."""
    classes = [c for c, r in rows.items() if r]
    if not classes:
        return None
    shown = columns[:8]
    heights = [len(rows[c]) + 1.6 for c in classes]
    fig, axes = _subplots(
        len(classes),
        1,
        squeeze=False,
        figsize=(1.3 * len(shown) + 1, 0.28 * sum(heights) + 0.3),
        gridspec_kw={"height_ratios": heights},
    )
    for ax, cls in zip(axes[:, 0], classes, strict=True):
        ax.axis("off")
        cells = [[_short(r.get(c)) for c in shown] for r in rows[cls]]
        table = ax.table(
            cellText=cells, colLabels=[str(c)[:12] for c in shown], loc="center", cellLoc="left"
        )
        table.auto_set_font_size(False)
        table.set_fontsize(7)
        ax.set_title(f"class {cls}", fontsize=8, loc="left")
    return _png(fig)


def _short(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)[:14]


def figures_of(result) -> dict[str, bytes]:
    """The PNG figures a check result can draw, keyed by a short name."""
    out: dict[str, bytes] = {}
    if result.name == "summary" and result.data.get("columns"):
        png = _histograms(result.data["columns"])
        if png:
            out["histograms"] = png
    elif result.name == "geo" and result.data.get("lat") is not None:
        out["map"] = _map(result.data)
    elif result.name == "samples":
        if result.data.get("rows"):
            png = _rows_grid(result.data["rows"], result.data.get("columns", []))
            if png:
                out["rows"] = png
        if result.data.get("images"):
            png = _image_grid(result.data["images"])
            if png:
                out["images"] = png
    return out
