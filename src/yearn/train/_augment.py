"""Data augmentation for image batches, applied while training only.

``augment`` names what a training batch (N, C, H, W) goes through before the forward
pass; prediction and evaluation always see the images as they are:

* ``shift``: each image moves by a random whole number of pixels, up to 1/8 of its side
  (at least 1) in each direction, its border pixels repeated into the gap;
* ``color``: each image's contrast is scaled by a factor drawn in [0.5, 1.5] about its own
  mean, and its brightness moved by up to ±0.5 of the batch's per-channel standard
  deviation (so it does not depend on how the pixels are scaled);
* ``shift+color``: both.

No flips or rotations: they change what a digit or a letter means. The draws come from a
generator seeded with (``random_state``, epoch), so a run is reproducible and a resumed
run draws what the uninterrupted one would have.
"""

from __future__ import annotations

import torch

from yearn.errors import TrainingError

__all__ = ["AUGMENTS", "Augmenter"]

AUGMENTS = ("none", "shift", "color", "shift+color")
CONTRAST = (0.5, 1.5)
BRIGHTNESS = 0.5


class Augmenter:
    """Random shifts and/or brightness-contrast changes of image batches (see module)."""

    def __init__(self, kind: str, random_state: int) -> None:
        if kind not in AUGMENTS:
            raise TrainingError(f"augment must be one of {', '.join(AUGMENTS)}; got {kind!r}.")
        self.shift = "shift" in kind
        self.color = "color" in kind
        self.random_state = int(random_state)
        self.generator = torch.Generator()

    @staticmethod
    def check(kind: str, x: torch.Tensor) -> None:
        """Augmentation needs image inputs (N, C, H, W)."""
        if kind != "none" and x.dim() != 4:
            raise TrainingError(
                f"augment={kind!r} takes images shaped (N, C, H, W); the inputs have shape "
                f"{tuple(x.shape)}. Use augment='none' for tables."
            )

    def start_epoch(self, epoch: int) -> None:
        self.generator.manual_seed(self.random_state * 1_000_003 + epoch)

    def _uniform(self, n: int, low: float, high: float, device: torch.device) -> torch.Tensor:
        u = torch.rand(n, generator=self.generator)
        return (low + (high - low) * u).to(device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        if self.shift:
            x = self._shifted(x, max(1, round(min(h, w) / 8)))
        if self.color:
            work = x.float()
            mean = work.mean(dim=(1, 2, 3), keepdim=True)
            spread = work.std(dim=(0, 2, 3), keepdim=True)  # (1, C, 1, 1), per channel
            a = self._uniform(n, *CONTRAST, x.device).view(n, 1, 1, 1)
            b = self._uniform(n, -BRIGHTNESS, BRIGHTNESS, x.device).view(n, 1, 1, 1)
            x = (mean + a * (work - mean) + b * spread).to(x.dtype)
        return x

    def _shifted(self, x: torch.Tensor, most: int) -> torch.Tensor:
        n, c, h, w = x.shape
        padded = torch.nn.functional.pad(x, (most, most, most, most), mode="replicate")
        dy = torch.randint(0, 2 * most + 1, (n,), generator=self.generator).to(x.device)
        dx = torch.randint(0, 2 * most + 1, (n,), generator=self.generator).to(x.device)
        rows = (dy[:, None] + torch.arange(h, device=x.device)[None, :])[:, None, :, None]
        cols = (dx[:, None] + torch.arange(w, device=x.device)[None, :])[:, None, None, :]
        out = padded.gather(2, rows.expand(n, c, h, w + 2 * most))
        return out.gather(3, cols.expand(n, c, h, w))
