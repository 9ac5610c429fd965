"""Training throughput: yearn's loop and ``fit()`` vs a plain PyTorch loop, per batch size.

Same data, model, seed, optimizer (Adam), batch order and epochs. The plain loop is what
one writes by hand with the data on the device: a seeded ``torch.Generator`` shuffles,
each batch is gathered by index, ``loss.item()`` once a batch (as yearn does: its
callbacks get the batch loss), the running accuracy accumulated on the device, dev loss
and error after each epoch. Timed, for each batch size (default 64, 1024, 8192):

- ``loop``: first to last epoch (yearn: ``on_fit_start`` → ``on_fit_end``, its built-in
  callbacks included);
- ``fit()``: the whole call, with data preparation, the model's construction and the
  predictions table of every split (work the plain loop does not do);

as wall time and as CPU time of the process (steadier on a busy machine; on CUDA only wall
time means anything), minimum and median over interleaved repeats. Throughput ratio =
plain time / yearn time (1.00 = as fast; goal: loop ≥ 0.97, fit() ≥ 0.85). The per-epoch
training losses of the two must agree to 1e-5 (CPU) / 1e-4 (CUDA).

Run: ``PYTHONPATH=src .venv/bin/python bench/train_overhead.py [--device cuda]``;
``--profile B`` prints cProfile's top functions of one yearn ``fit()`` at batch size B.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from yearn.train import Callback, fit


def make_data(n: int, d: int, k: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, d)) * 0.3  # overlapping classes: loss stays > 0
    y = rng.integers(0, k, n)
    x = (centers[y] + rng.normal(size=(n, d))).astype(np.float32)
    cut = n * 4 // 5
    return {"train": (x[:cut], y[:cut]), "dev": (x[cut:], y[cut:])}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def plain_loop(data, *, width, depth, epochs, lr, batch_size, seed, device):
    """What one would write by hand: no framework, same computations."""
    x_train = torch.as_tensor(data["train"][0], device=device)
    y_train = torch.as_tensor(data["train"][1], dtype=torch.long, device=device)
    x_dev = torch.as_tensor(data["dev"][0], device=device)
    y_dev = torch.as_tensor(data["dev"][1], dtype=torch.long, device=device)
    k = int(data["train"][1].max()) + 1
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        layers, size = [], x_train.shape[1]
        for _ in range(depth):
            layers += [nn.Linear(size, width), nn.ReLU()]
            size = width
        model = nn.Sequential(*layers, nn.Linear(size, k)).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        gen = torch.Generator().manual_seed(seed)
        n = len(x_train)
        losses = []
        _sync(device)
        start = _clock()
        for _epoch in range(epochs):
            model.train()
            perm = torch.randperm(n, generator=gen).to(device)
            total, correct = 0.0, torch.zeros((), device=device, dtype=torch.long)
            for i in range(0, n, batch_size):
                idx = perm[i : i + batch_size]
                xb, yb = x_train[idx], y_train[idx]
                out = model(xb)
                loss = F.cross_entropy(out, yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
                correct += (out.detach().argmax(1) == yb).sum()
            losses.append(total / n)
            _train_accuracy = int(correct) / n
            model.eval()
            with torch.no_grad():
                dev_out = model(x_dev)
                _dev_loss = float(F.cross_entropy(dev_out, y_dev))
                _dev_error = float((dev_out.argmax(1) != y_dev).float().mean())
        _sync(device)
        elapsed = _since(start)
    return losses, elapsed


class LoopTimer(Callback):
    """Wall and CPU seconds from the first epoch to the end of the last."""

    def on_fit_start(self, state):
        _sync(state.device)
        self.start = _clock()

    def on_fit_end(self, state):
        _sync(state.device)
        self.elapsed = _since(self.start)


def yearn_fit(data, *, width, depth, epochs, lr, batch_size, seed, device):
    timer = LoopTimer()
    _sync(device)
    start = _clock()
    res = fit(
        "mlp",
        data,
        width=width,
        depth=depth,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        random_state=seed,
        optimizer="adam",
        callbacks=[timer],
        device=device,
    )
    _sync(device)
    total = _since(start)
    return [h["train_loss"] for h in res.history], timer.elapsed, total


@dataclass
class Row:
    batch: int
    steps: int
    diff: float
    plain: list[tuple[float, float]]
    loop: list[tuple[float, float]]
    whole: list[tuple[float, float]]

    def ratio(self, which: str, clock: int, pick=statistics.median) -> float:
        times = self.loop if which == "loop" else self.whole
        return pick(v[clock] for v in self.plain) / pick(v[clock] for v in times)

    def seconds(self, which: str, clock: int, pick=statistics.median) -> float:
        times = {"plain": self.plain, "loop": self.loop, "fit": self.whole}[which]
        return pick(v[clock] for v in times)


def measure(data, batch: int, repeats: int, device: torch.device, **kw) -> Row:
    kw = dict(kw, batch_size=batch, seed=0, device=device)
    plain_loss, _ = plain_loop(data, **kw)  # warm-up (and the parity reference)
    yearn_loss, _, _ = yearn_fit(data, **kw)
    diff = max(abs(p - y) for p, y in zip(plain_loss, yearn_loss, strict=True))
    plain, loop, whole = [], [], []
    for _ in range(repeats):  # interleaved so machine load hits both alike
        plain.append(plain_loop(data, **kw)[1])
        _, lp, tot = yearn_fit(data, **kw)
        loop.append(lp)
        whole.append(tot)
    steps = -(-len(data["train"][0]) // batch) * kw["epochs"]
    return Row(batch, steps, diff, plain, loop, whole)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def table(rows: list[Row], device: torch.device) -> list[str]:
    clocks = [("wall", 0)] if device.type == "cuda" else [("wall", 0), ("CPU", 1)]
    out = []
    head = f"{'batch':>6} {'steps':>6} {'|dloss|':>8}"
    for name, _ in clocks:
        head += (
            f" | {name + ' s plain':>12} {'loop':>7} {'fit()':>7}"
            f" {'loop ratio':>10} {'fit ratio':>9}"
        )
    out.append(head)
    for r in rows:
        line = f"{r.batch:>6} {r.steps:>6} {r.diff:>8.1e}"
        for _, c in clocks:
            line += (
                f" | {r.seconds('plain', c):>12.3f} {r.seconds('loop', c):>7.3f}"
                f" {r.seconds('fit', c):>7.3f} {r.ratio('loop', c):>10.3f}"
                f" {r.ratio('fit', c):>9.3f}"
            )
        out.append(line)
    out.append(
        "medians over the repeats; ratio = plain time / yearn time (throughput relative to "
        "the plain loop; goal loop >= 0.97, fit() >= 0.85)"
    )
    return out


def demo_epoch_time(epochs: int, device: torch.device) -> str:
    try:
        from yearn.demo import make_digits_demo
        from yearn.splits.project import split_project
        from yearn.train._project import project_data
    except ImportError as exc:
        return f"demo data not available ({exc})"
    with tempfile.TemporaryDirectory() as tmp:
        root = make_digits_demo(f"{tmp}/digits")
        split_project(root)
        t0 = time.perf_counter()
        _, data, _ = project_data(root)
        load = time.perf_counter() - t0
        timer = LoopTimer()
        res = fit(
            "cnn", data, epochs=epochs, lr=0.003, batch_size=64, callbacks=[timer], device=device
        )
        n = len(data.splits["train"])
        return (
            f"digits demo on {device}: {n} train images {data.input_shape}, small CNN: "
            f"{timer.elapsed[0] / epochs:.2f} s/epoch wall over {epochs} epochs (dev error "
            f"{res.history[-1]['dev_metric']:.3f}; loading + decoding the images {load:.1f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40960, help="rows (4/5 train, 1/5 dev)")
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-sizes", default="64,1024,8192")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--demo-epochs", type=int, default=2)
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--profile", type=int, default=None, metavar="BATCH")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    data = make_data(args.n, args.features, args.classes)
    kw = dict(width=args.width, depth=args.depth, epochs=args.epochs, lr=args.lr)
    if args.profile:
        yearn_fit(data, batch_size=args.profile, seed=0, device=device, **kw)  # warm
        prof = cProfile.Profile()
        prof.enable()
        yearn_fit(data, batch_size=args.profile, seed=0, device=device, **kw)
        prof.disable()
        pstats.Stats(prof).sort_stats(args.sort).print_stats(30)
        return
    before = loadavg()
    rows = [measure(data, int(b), args.repeats, device, **kw) for b in args.batch_sizes.split(",")]
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        f"device {device} ({name}); data {args.n} x {args.features}, {args.classes} classes; "
        f"MLP width {args.width} depth {args.depth}; Adam lr {args.lr}; {args.epochs} epochs; "
        f"{args.threads} CPU thread(s); {args.repeats} interleaved repeats; load average "
        f"{before} before, {loadavg()} after"
    )
    print("\n".join(table(rows, device)))
    tol = 1e-4 if device.type == "cuda" else 1e-5
    worst = max(r.diff for r in rows)
    print(f"loss parity: max |diff| {worst:.1e} -> {'OK' if worst <= tol else 'MISMATCH'}")
    if not args.no_demo:
        print(demo_epoch_time(args.demo_epochs, device))


if __name__ == "__main__":
    main()
