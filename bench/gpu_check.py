"""One GPU check anyone can run (issue 14): the CUDA-relevant tests, the digits demo, the
throughput table against a plain PyTorch loop at batch 64 / 1024 / 8192, bf16 and
streaming parity — then one summary table. At most ~5 minutes on one GPU.

It runs on the CPU too (no GPU: it says so in its first line and in the summary, and the
figures are CPU figures). ``--quick`` is a small setting (fewer tests and rows, a one-epoch
demo) to prove the script works on a machine without a GPU.

Run from the repository root:
``PYTHONPATH=src .venv/bin/python bench/gpu_check.py [--quick]``; exit status 0 when every
check passed, 1 otherwise. Paste the output into bench/README.md with the date and card.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import train_overhead as bench  # noqa: E402

#: Tests that build tensors for a model: train, estimators, multitask, transfer, curves.
CUDA_TESTS = [
    "tests/test_train_device.py",
    "tests/test_train.py",
    "tests/test_train_tools.py",
    "tests/test_multitask.py",
    "tests/test_transfer.py",
    "tests/test_learning_curve_yearn.py",
    "tests/test_transfer_text_finetune.py",
]
QUICK_TESTS = ["tests/test_train_device.py", "tests/test_transfer.py"]


@dataclasses.dataclass
class Check:
    name: str
    ok: bool | None  # None: not run / not applicable (the detail says why)
    detail: str
    seconds: float


def run_tests(files: list[str], timeout: int) -> Check:
    """pytest on ``files`` in a subprocess (slow tests included: the estimator checks)."""
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "", *files]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent, check=False
        )
    except subprocess.TimeoutExpired:
        return Check("CUDA-relevant tests", False, f"timed out after {timeout} s", timeout)
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-300:]
    failed = [ln for ln in proc.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    if failed:
        print("\n".join(failed[:20]))
    counts = dict((k, int(v)) for v, k in re.findall(r"(\d+) (passed|failed|error|skipped)", tail))
    ok = proc.returncode == 0 and counts.get("passed", 0) > 0
    return Check(f"CUDA-relevant tests ({len(files)} files)", ok, tail, time.perf_counter() - start)


def run_demo(quick: bool) -> Check:
    """The digits demo workflow (`yearn demo`); quick: one epoch, fewer steps."""
    from yearn.demo import DEMO_OPTIONS
    from yearn.demo import run_demo as demo

    options = DEMO_OPTIONS
    if quick:
        options = dataclasses.replace(
            DEMO_OPTIONS, epochs=1, lr_find=False, learning_curve_fractions=(0.25, 0.5, 1.0)
        )
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = demo(Path(tmp) / "digits", options=options)
        failed = [(s.name, s.note) for s in result.failed]
        train = [s for s in result.steps if s.name == "train"]
    seconds = time.perf_counter() - start
    detail = f"verdict: {result.verdict}" if not failed else f"failed steps: {failed}"
    if train:
        detail += f"; train step {train[0].status}"
    return Check("digits demo" + (" (1 epoch)" if quick else ""), not failed, detail, seconds)


def run_throughput(device: torch.device, quick: bool) -> tuple[Check, list[str]]:
    """The issue's table: MLP 64→512×3 (CPU, quick: 32→128×2), plain loop vs yearn."""
    if device.type == "cuda":  # batch 64 on 64k rows: 3,000 steps keep the check short
        n, d, width, depth, repeats, n64 = 160_000, 64, 512, 3, 2, 64_000
    elif quick:
        n, d, width, depth, repeats, n64 = 16_384, 32, 64, 2, 1, 16_384
    else:
        n, d, width, depth, repeats, n64 = 40_960, 32, 128, 2, 3, 40_960
    data = bench.make_data(n, d, 4)
    small = bench.make_data(n64, d, 4)
    kw = dict(width=width, depth=depth, epochs=3, lr=1e-3)
    start = time.perf_counter()
    rows = [
        bench.measure(small if b == 64 else data, b, repeats, device, **kw)
        for b in (64, 1024, 8192)
    ]
    clock = 0 if device.type == "cuda" else 1  # CPU time on the CPU (steadier under load)
    loop = min(r.ratio("loop", clock) for r in rows)
    whole = min(r.ratio("fit", clock) for r in rows)
    tol = 1e-4 if device.type == "cuda" else 1e-5
    parity = max(r.diff for r in rows)
    ok: bool | None = loop >= 0.97 and whole >= 0.85 and parity <= tol
    lines = [
        f"throughput on {device}: {n} rows ({n64} at batch 64) x {d}, MLP width {width} "
        f"depth {depth}, 3 epochs, "
        f"{repeats} repeat(s), load average {bench.loadavg()}",
        *bench.table(rows, device),
    ]
    detail = (
        f"worst ratio loop {loop:.3f} (goal 0.97), fit() {whole:.3f} (goal 0.85); "
        f"loss parity {parity:.1e}"
    )
    if quick and parity <= tol:  # tiny data, one repeat: proves the script, judges nothing
        ok, detail = None, f"quick setting, not judged: {detail}"
    return Check("throughput vs plain loop", ok, detail, time.perf_counter() - start), lines


def run_bf16(device: torch.device) -> Check:
    """bf16 autocast vs float32: same data, seed and batches; final losses and dev error."""
    from yearn import fit

    if device.type != "cuda":
        return Check("bf16 vs float32", None, "not run: bf16 autocast needs CUDA", 0.0)
    data = bench.make_data(40_960, 64, 4)
    kw = dict(width=512, depth=3, epochs=3, lr=1e-3, batch_size=1024, device=device)
    start = time.perf_counter()
    times = {}
    runs = {}
    for precision in ("float32", "bf16", "float32", "bf16"):  # second round timed warm
        t = time.perf_counter()
        runs[precision] = fit("mlp", data, precision=precision, **kw)
        torch.cuda.synchronize(device)
        times[precision] = time.perf_counter() - t
    f32, b16 = runs["float32"].history[-1], runs["bf16"].history[-1]
    d_loss = abs(f32["train_loss"] - b16["train_loss"])
    d_err = abs(f32["dev_metric"] - b16["dev_metric"])
    ok = d_loss <= 0.02 and d_err <= 0.02
    detail = (
        f"train loss {f32['train_loss']:.4f} vs {b16['train_loss']:.4f} (|diff| {d_loss:.4f}); "
        f"dev error {f32['dev_metric']:.4f} vs {b16['dev_metric']:.4f}; fit() "
        f"{times['float32']:.2f} s vs {times['bf16']:.2f} s"
    )
    return Check("bf16 vs float32", ok, detail, time.perf_counter() - start)


def run_stream(device: torch.device, quick: bool) -> Check:
    """Batches streamed from (pinned) host memory vs data on the device: parity and time."""
    from yearn import fit

    n = 16_384 if quick else 160_000
    data = bench.make_data(n, 64, 4)
    kw = dict(width=128, depth=2, epochs=2, lr=1e-3, batch_size=1024, device=device)
    start = time.perf_counter()
    res, times = {}, {}
    for stream in (False, True, False, True):
        t = time.perf_counter()
        res[stream] = fit("mlp", data, stream=stream, **kw)
        bench._sync(device)
        times[stream] = time.perf_counter() - t
    a = [h["train_loss"] for h in res[False].history]
    b = [h["train_loss"] for h in res[True].history]
    diff = max(abs(x - y) for x, y in zip(a, b, strict=True))
    ok = diff <= 1e-5
    where = "pinned host memory" if device.type == "cuda" else "host memory (CPU: no pinning)"
    detail = (
        f"from {where}: loss |diff| {diff:.1e}; fit() {times[False]:.2f} s on the device vs "
        f"{times[True]:.2f} s streamed"
    )
    return Check("streamed batches", ok, detail, time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small setting (CPU proof run)")
    parser.add_argument("--skip", default="", help="comma list: tests,demo,throughput,bf16,stream")
    parser.add_argument("--test-timeout", type=int, default=240)
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    device = bench_device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.set_num_threads(1 if device.type == "cpu" else torch.get_num_threads())
    if device.type == "cuda":
        where = f"GPU: {torch.cuda.get_device_name(device)} (torch {torch.__version__}, CUDA "
        where += f"{torch.version.cuda})"
    else:
        where = (
            f"NO GPU: torch {torch.__version__} sees no CUDA device; every check runs on the "
            "CPU and says nothing about CUDA"
        )
    print(f"yearn GPU check, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {where}")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    checks: list[Check] = []
    extra: list[str] = []
    started = time.perf_counter()
    if "tests" not in skip:
        files = QUICK_TESTS if args.quick else CUDA_TESTS
        checks.append(run_tests(files, args.test_timeout))
    if "demo" not in skip:
        checks.append(run_demo(args.quick))
    if "throughput" not in skip:
        check, lines = run_throughput(bench_device, args.quick)
        checks.append(check)
        extra += lines
    if "bf16" not in skip:
        checks.append(run_bf16(device))
    if "stream" not in skip:
        checks.append(run_stream(device, args.quick))
    print()
    print("\n".join(extra))
    print()
    print(f"summary ({device.type.upper()}{', quick setting' if args.quick else ''}; "
          f"{time.perf_counter() - started:.0f} s in all)")  # fmt: skip
    width = max(len(c.name) for c in checks) if checks else 10
    for c in checks:
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[c.ok]
        print(f"  {mark}  {c.name:<{width}}  {c.seconds:6.1f} s  {c.detail}")
    if device.type != "cuda":
        print("  (no GPU here: run this script on a CUDA machine to check the CUDA paths)")
    sys.exit(0 if all(c.ok is not False for c in checks) else 1)


if __name__ == "__main__":
    main()
