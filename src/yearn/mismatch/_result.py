"""The result of :func:`yearn.mismatch.find_mismatch`: numbers, rows and their HTML."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from markupsafe import Markup, escape

__all__ = ["Example", "MismatchResult", "thumbnail_uri"]

THUMBNAIL_PX = 64


def thumbnail_uri(source: Any) -> str | None:
    """A PNG data URI of an image file (or a 2-D array in [0, 1]), scaled to 64 pixels;
    None when the file cannot be read."""
    import io

    import numpy as np
    from PIL import Image

    from yearn.display import data_uri

    try:
        if isinstance(source, np.ndarray):
            img = Image.fromarray(np.round(np.clip(source, 0, 1) * 255).astype(np.uint8))
        else:
            with Image.open(source) as opened:
                img = opened.convert("L" if opened.mode in ("L", "1", "I", "F") else "RGB")
        scale = THUMBNAIL_PX / max(img.size)
        size = (max(1, round(img.size[0] * scale)), max(1, round(img.size[1] * scale)))
        img = img.resize(size, Image.Resampling.NEAREST if scale > 1 else Image.Resampling.BOX)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
    except (OSError, ValueError):
        return None
    return data_uri(buf.getvalue())


def image_grid(items: list[tuple[str | None, str]]) -> Markup:
    """Figures of ``(data URI, caption)`` in the display kit's grid."""
    from yearn.display import render

    cells = [
        Markup(
            f"<figure style='margin:2px'><img src='{escape(src)}' alt='{escape(cap)}' "
            f"width='{THUMBNAIL_PX}' height='{THUMBNAIL_PX}'>"
            f"<figcaption style='font-size:11px'>{escape(cap)}</figcaption></figure>"
        )
        if src
        else Markup(f"<span>{escape(cap)} (unreadable)</span>")
        for src, cap in items
    ]
    return Markup(render("grid.html.j2", items=cells))


@dataclass
class Example:
    """One row scored by the domain classifier (out of sample)."""

    id: str
    source: str
    label: str | None
    p_target: float  # the classifier's probability that the row is target data
    image: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "label": self.label,
            "p_target": self.p_target,
            **self.values,
        }


@dataclass
class MismatchResult:
    """Train vs target: the domain classifier's AUC (≈ 0.5: no detectable difference), its
    drivers and the examples on the wrong side of the boundary."""

    project: str
    compared: str
    auc: float
    ci: tuple[float, float]
    n_scored: tuple[int, int]
    detected: bool
    threshold: float
    drivers: list[dict[str, Any]]
    target_like_train: list[Example]
    train_like_target: list[Example]
    kind: str = "table"

    @property
    def driver_names(self) -> list[str]:
        return [d["feature"] for d in self.drivers if d["driver"]]

    def message(self) -> str:
        """One sentence: the verdict with its numbers."""
        auc = f"AUC {self.auc:.3f} [{self.ci[0]:.3f}, {self.ci[1]:.3f}]"
        if not self.detected:
            return (
                f"no detectable mismatch ({self.compared}): domain classifier {auc}; the "
                f"lower end is not above {self.threshold}."
            )
        names = ", ".join(self.driver_names) or "no single feature (a combination)"
        return (
            f"train and target differ ({self.compared}): domain classifier {auc}; "
            f"driven by {names}."
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ci"] = list(self.ci)
        out["n_scored"] = list(self.n_scored)
        out["message"] = self.message()
        return out

    def _repr_html_(self) -> str:
        from yearn.display import html_table

        parts = [Markup("<p>{}</p>").format(self.message())]
        parts.append(
            html_table(
                self.drivers,
                ["feature", "driver", "auc_drop", "alone_auc", "train_mean", "target_mean"],
                caption="Drivers: AUC lost when the feature is shuffled (permutation, held "
                "out), AUC of the feature alone, and its mean on each side",
            )
        )
        for title, rows in (
            ("Most target-like training examples", self.target_like_train),
            ("Most train-like target examples", self.train_like_target),
        ):
            parts.append(Markup("<h4>{}</h4>").format(title))
            if self.kind == "images":
                parts.append(
                    image_grid(
                        [(thumbnail_uri(e.image), f"{e.id} p={e.p_target:.2f}") for e in rows]
                    )
                )
            parts.append(html_table([e.row() for e in rows]))
        return str(Markup("<div class='yearn-mismatch'>{}</div>").format(Markup("").join(parts)))
