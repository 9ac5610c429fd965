"""``yearn export --target web``: a static folder that runs the model in the browser.

It holds ``index.html`` (paste rows or drop an image, see the prediction), ``model.onnx``
(the float32 export: preprocessing + network), ``metadata.json`` and onnxruntime-web's
files, copied from the npm package ``onnxruntime-web`` — fetched once into a cache at
build time (``make web-runtime``, or ``npm pack`` run here when the cache is empty), never
by the page. The page loads nothing from another host (a Content-Security-Policy says so).
Serve it with ``yearn serve --web`` or any static file server (browsers refuse WebAssembly
from ``file://``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from yearn._io import atomic_write_bytes, atomic_write_text
from yearn.errors import ConfigError
from yearn.ship._runtime import METADATA_NAME, MODEL_NAME, load_exported

__all__ = ["ORT_WEB_VERSION", "RUNTIME_FILES", "build_web", "fetch_runtime", "runtime_cache"]

HERE = Path(__file__).parent
#: The onnxruntime-web release the page is built with.
ORT_WEB_VERSION = "1.30.0"
#: Files of the npm package's ``dist/`` the page needs (plain WebAssembly build).
RUNTIME_FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
#: Environment variable: where the npm package is cached.
CACHE_ENV = "YEARN_WEB_RUNTIME_CACHE"
PAGE_KEYS = ("model_version", "run_id", "task", "classes", "threshold", "metric", "schema")


def runtime_cache() -> Path:
    """The folder holding ``onnxruntime-web-<version>.tgz`` (``$YEARN_WEB_RUNTIME_CACHE``,
    else ``~/.cache/yearn/npm``)."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "yearn" / "npm"


def fetch_runtime(cache: str | Path | None = None, *, version: str = ORT_WEB_VERSION) -> Path:
    """The cached npm tarball of onnxruntime-web, fetched with ``npm pack`` when missing."""
    cache = Path(cache) if cache is not None else runtime_cache()
    tgz = cache / f"onnxruntime-web-{version}.tgz"
    if tgz.is_file():
        return tgz
    npm = shutil.which("npm")
    if npm is None:
        raise ConfigError(
            f"onnxruntime-web {version} is not in {cache} and npm is not installed; run "
            f"'npm pack onnxruntime-web@{version} --pack-destination {cache}' on a machine with "
            f"npm (or 'make web-runtime'), or set {CACHE_ENV} to a folder holding {tgz.name}."
        )
    cache.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            [npm, "pack", f"onnxruntime-web@{version}", "--pack-destination", str(cache)],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise ConfigError(
            f"npm pack onnxruntime-web@{version} failed ({detail.strip()[:200]}); check the "
            f"npm registry is reachable, or put {tgz.name} into {cache}."
        ) from None
    if not tgz.is_file():
        raise ConfigError(f"npm pack did not produce {tgz}; put the tarball there by hand.")
    return tgz


def _runtime_files(tgz: Path) -> dict[str, bytes]:
    wanted = {f"package/dist/{n}": n for n in RUNTIME_FILES} | {"package/LICENSE": "ORT-LICENSE"}
    out: dict[str, bytes] = {}
    with tarfile.open(tgz, "r:gz") as tar:
        for member in tar.getmembers():
            if member.name in wanted and member.isfile():
                fh = tar.extractfile(member)
                if fh is not None:
                    out[wanted[member.name]] = fh.read()
    missing = [n for n in RUNTIME_FILES if n not in out]
    if missing:
        raise ConfigError(
            f"{tgz} lacks {', '.join(missing)}; delete it and build again (a different "
            f"onnxruntime-web release than {ORT_WEB_VERSION}?)."
        )
    return out


def page_html(metadata: dict) -> str:
    """index.html with the model's facts inlined (``</`` escaped inside the JSON)."""
    facts = {k: metadata.get(k) for k in PAGE_KEYS}
    text = json.dumps(facts, default=str).replace("</", "<\\/")
    return (HERE / "web_page.html").read_text(encoding="utf-8").replace("__YEARN_METADATA__", text)


def build_web(model_dir: str | Path, out: str | Path, *, runtime: str | Path | None = None) -> Path:
    """Write the web folder for the export at ``model_dir`` into ``out``; ``runtime`` is
    the onnxruntime-web tarball (default: :func:`fetch_runtime`)."""
    model = load_exported(model_dir)
    tgz = Path(runtime) if runtime is not None else fetch_runtime()
    files = _runtime_files(tgz)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = (Path(model_dir) / MODEL_NAME).read_bytes()
    atomic_write_bytes(out / MODEL_NAME, data)
    meta = {k: model.metadata.get(k) for k in PAGE_KEYS}
    meta["onnx_sha256"] = hashlib.sha256(data).hexdigest()
    meta["onnxruntime_web"] = ORT_WEB_VERSION
    atomic_write_text(out / METADATA_NAME, json.dumps(meta, indent=2, default=str) + "\n")
    for name, content in files.items():
        atomic_write_bytes(out / name, content)
    atomic_write_text(out / "index.html", page_html(model.metadata))
    return out
