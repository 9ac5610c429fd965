"""``yearn export --target device|web``: the device folder runs in a fresh virtual
environment holding only onnxruntime + numpy and agrees with ``yearn predict``; the web
folder holds the page, the model and onnxruntime-web, and names no other host."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests._serve_projects import dev_rows, exported
from yearn.ship import load_exported


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    return exported(tmp_path_factory.mktemp("targets") / "toy", "table")


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return exported(tmp_path_factory.mktemp("targets") / "img", "image")


#: The environment of the bare venv's processes: nothing of this checkout on the path.
BARE_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> Path:
    """A fresh venv with only onnxruntime and numpy (from the package index)."""
    env = tmp_path_factory.mktemp("device-venv") / "venv"
    try:
        venv.EnvBuilder(with_pip=True).create(env)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot create a virtual environment here ({exc})")
    python = env / "bin" / "python"
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "onnxruntime", "numpy"],
        capture_output=True, text=True, timeout=600, env=BARE_ENV, cwd=env,
    )  # fmt: skip
    if pip.returncode != 0:
        pytest.skip(
            f"cannot install onnxruntime + numpy from the package index: {pip.stderr[-300:]}"
        )
    check = subprocess.run(
        [str(python), "-c", "import yearn"],
        capture_output=True,
        text=True,
        timeout=60,
        env=BARE_ENV,
        cwd=env,
    )
    assert check.returncode != 0, "the bare venv must not see yearn"
    return python


def _device(cli, root: Path, out: Path) -> Path:
    result = cli("export", "--project", root, "--target", "device", "--target-out", out)
    assert result.exit_code == 0, result.output
    assert "device build in" in result.output
    return out


def test_device_runner_is_small_and_needs_only_onnxruntime_and_numpy(table, cli, tmp_path):
    root, _ = table
    folder = _device(cli, root, tmp_path / "device")
    assert {p.name for p in folder.iterdir()} == {
        "model.onnx",
        "metadata.json",
        "run.py",
        "README.md",
    }
    code = (folder / "run.py").read_text()
    assert len(code.splitlines()) <= 120
    imported = {
        (n.module if isinstance(n, ast.ImportFrom) else a.name).split(".")[0]
        for n in ast.walk(ast.parse(code))
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert imported - set(sys.stdlib_module_names) == {"numpy", "onnxruntime"}
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["variant"].startswith("int8")
    import onnx

    ops = {n.op_type for n in onnx.load(folder / "model.onnx").graph.node}
    assert ops & {"MatMulInteger", "DynamicQuantizeLinear"}
    assert "python run.py" in (folder / "README.md").read_text()


@pytest.mark.parametrize("kind", ["table", "images"])
def test_device_folder_in_a_bare_venv_equals_yearn_predict(
    kind, request, bare_python, cli, tmp_path
):
    root, _ = request.getfixturevalue(kind)
    folder = _device(cli, root, tmp_path / "device")
    rows = dev_rows(root)
    rows.to_csv(root / "dev20.csv", index=False)  # image paths are relative to the project
    run = subprocess.run(
        [str(bare_python), str(folder / "run.py"), str(root / "dev20.csv"), "-o",
         str(tmp_path / "device.csv")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=BARE_ENV,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = cli("predict", "--model", folder, "--input", root / "dev20.csv", "--out",
                 tmp_path / "yearn.csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    device = pd.read_csv(tmp_path / "device.csv", dtype={"id": str})
    yearn = pd.read_csv(tmp_path / "yearn.csv", dtype={"id": str})
    assert list(device["id"]) == list(yearn["id"]) == list(rows["id"].astype(str))
    assert (device["pred"].astype(str) == yearn["pred"].astype(str)).all()
    probas = [c for c in yearn.columns if c.startswith("proba:")]
    assert probas and set(probas) <= set(device.columns)
    assert np.max(np.abs(device[probas].to_numpy() - yearn[probas].to_numpy())) <= 1e-6


def test_int8_device_model_stays_close_to_the_float_export(table, cli, tmp_path):
    """Informative bound on the tiny model: dynamic int8 weights move probabilities little."""
    root, export = table
    folder = _device(cli, root, tmp_path / "device")
    rows = dev_rows(root).drop(columns=["id"])
    p_float = load_exported(export).predict_frame(rows)["proba:yes"].to_numpy()
    p_int8 = load_exported(folder).predict_frame(rows)["proba:yes"].to_numpy()
    assert 0 < np.max(np.abs(p_float - p_int8)) <= 0.05


@pytest.fixture(scope="module")
def web_runtime():
    from yearn.errors import ConfigError
    from yearn.ship.targets import fetch_runtime

    try:
        return fetch_runtime()
    except ConfigError as exc:
        pytest.skip(f"onnxruntime-web is not available: {exc}")


def test_web_folder_has_page_model_runtime_and_no_foreign_host(table, cli, tmp_path, web_runtime):
    root, export = table
    out = tmp_path / "web"
    result = cli("export", "--project", root, "--target", "web", "--target-out", out, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["target"] == {"name": "web", "path": str(out)}
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "model.onnx", "metadata.json", "ort.wasm.min.js",
            "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"} <= names  # fmt: skip
    assert (out / "model.onnx").read_bytes() == (export / "model.onnx").read_bytes()
    page = (out / "index.html").read_text()
    assert not re.findall(r"(?:src|href)=\"(?:https?:)?//", page)
    assert "default-src 'self'" in page
    assert load_exported(export).model_version in page


def test_unknown_target_is_exit_2(table, cli):
    root, _ = table
    result = cli("export", "--project", root, "--target", "phone")
    assert result.exit_code == 2 and "--target must be one of" in result.output


def test_device_int8_leaves_convolutions_float_and_says_where_the_metric_was_measured(
    images, cli, tmp_path
):
    """Dynamic int8 convolutions (ConvInteger) run ~10x slower than float on CPU: the device
    build quantizes only the fully connected layers of a CNN, and its README says the dev
    metric was measured on the float export, not on this int8 model."""
    import onnx

    root, _ = images
    folder = _device(cli, root, tmp_path / "device")
    ops = {n.op_type for n in onnx.load(folder / "model.onnx").graph.node}
    assert "Conv" in ops and "ConvInteger" not in ops
    assert ops & {"MatMulInteger", "DynamicQuantizeLinear"}  # the dense head is int8
    meta = json.loads((folder / "metadata.json").read_text())
    assert "convolutions stay float32" in meta["variant"]
    readme = (folder / "README.md").read_text()
    assert meta["metric"]["measured_on"] == "float32"
    assert "measured on the float32 export" in readme
