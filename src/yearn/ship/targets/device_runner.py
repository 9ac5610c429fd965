"""Run an exported yearn model where yearn is not installed (needs onnxruntime + numpy).

    python run.py rows.csv [-o predictions.csv]

rows.csv holds the model's input columns (see metadata.json "schema"); an image column holds
paths (relative to the CSV's folder) of 8-bit PNG files or .npy arrays (C, H, W) in [0, 1],
already at the model's size. Output: the id column when present, pred, proba:<class>.
"""

import argparse
import csv
import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import onnxruntime as ort

HERE = Path(__file__).resolve().parent


def read_png(path):
    """8-bit, non-interlaced grey / grey+alpha / RGB / RGBA PNG -> uint8 (H, W, C)."""
    data, pos, idat, head = Path(path).read_bytes(), 8, b"", None
    while pos < len(data):
        (n,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", data[pos + 8 : pos + 21])
        elif kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + n]
        pos += 12 + n
    w, h, depth, color, _, _, interlace = head
    if depth != 8 or interlace or color not in (0, 2, 4, 6):
        sys.exit(f"{path}: only 8-bit non-interlaced PNG (or .npy) is supported")
    c = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    raw, stride = np.frombuffer(zlib.decompress(idat), np.uint8), w * c
    out, prev = np.zeros((h, stride), np.int32), np.zeros(stride, np.int32)
    for y in range(h):
        f, row = raw[y * (stride + 1)], raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]
        row = row.astype(np.int32)
        if f == 2:
            row = (row + prev) & 255
        elif f in (1, 3, 4):
            for x in range(stride):
                a = row[x - c] if x >= c else 0
                b, d = prev[x], prev[x - c] if x >= c else 0
                pa, pb, pc = abs(b - d), abs(a - d), abs(a + b - 2 * d)
                paeth = a if pa <= pb and pa <= pc else b if pb <= pc else d
                pr = a if f == 1 else (a + b) // 2 if f == 3 else paeth
                row[x] = (row[x] + pr) & 255
        out[y], prev = row, row
    return out.reshape(h, w, c).astype(np.uint8)


def image(path, spec):
    if str(path).endswith(".npy"):
        return np.load(path, allow_pickle=False).astype(np.float32)
    px = read_png(path).astype(np.int64)
    if px.shape[2] in (2, 4):
        px = px[:, :, :-1]  # drop alpha
    if spec["channels"] == 1 and px.shape[2] == 3:  # as PIL's convert("L")
        px = (px[..., :1] * 19595 + px[..., 1:2] * 38470 + px[..., 2:] * 7471 + 0x8000) >> 16
    if spec["channels"] == 3 and px.shape[2] == 1:
        px = np.repeat(px, 3, axis=2)
    return (px.astype(np.float32) / 255.0).transpose(2, 0, 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("-o", "--out")
    args = ap.parse_args(argv)
    meta = json.loads((HERE / "metadata.json").read_text())
    cols, task, classes = meta["schema"]["columns"], meta["task"], meta["classes"]
    with open(args.input, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    feeds, base = {}, Path(args.input).resolve().parent
    num = [c["name"] for c in cols if c["kind"] == "numeric"]
    cat = [c["name"] for c in cols if c["kind"] == "category"]
    img = [c for c in cols if c["kind"] == "image"]
    if num:
        feeds["numeric"] = np.array([[float(r[n] or "nan") for n in num] for r in rows])
    if cat:
        feeds["categorical"] = np.array([[r[n] or "missing" for n in cat] for r in rows], object)
    if img:
        feeds["image"] = np.stack([image(base / r[img[0]["name"]], img[0]) for r in rows])
    session = ort.InferenceSession(  # as yearn's sessions (a static int8 CNN stays fast)
        str(HERE / "model.onnx"), providers=["CPUExecutionProvider"],
        disabled_optimizers=["QDQPropagationTransformer"])  # fmt: skip
    names = {i.name for i in session.get_inputs()}
    p = session.run(None, {k: v for k, v in feeds.items() if k in names})[0].astype(float)
    out = {}
    if task == "regression":
        out["pred"] = list(p.reshape(-1))
    elif task == "multilabel":
        thr = meta.get("threshold") or {}
        for j, t in enumerate(classes):
            out[f"pred:{t}"] = list((p[:, j] >= float(thr.get(t, 0.5))).astype(int))
            out[f"proba:{t}"] = list(p[:, j])
    else:
        p = p / p.sum(axis=1, keepdims=True)
        thr = meta.get("threshold")
        binary = task == "binary" and thr is not None
        k = (p[:, 1] >= float(thr)).astype(int) if binary else p.argmax(1)
        out["pred"] = [classes[i] for i in k]
        out.update({f"proba:{c}": list(p[:, j]) for j, c in enumerate(classes)})
    id_col = meta.get("id_column")
    if id_col and rows and id_col in rows[0]:
        out = {id_col: [r[id_col] for r in rows], **out}
    cells = [[repr(float(v)) if isinstance(v, float) else v for v in c] for c in out.values()]
    with open(args.out or 1, "w", newline="", encoding="utf-8", closefd=bool(args.out)) as sink:
        csv.writer(sink).writerows([list(out), *zip(*cells, strict=True)])


if __name__ == "__main__":
    main()
