"""Training overhead: yearn's loop vs a plain hand-written PyTorch loop (parity + time).

Same data, model, seed, optimizer, batch size and epochs; both loops shuffle with a
seeded ``torch.Generator``, compute the epoch's running training loss and accuracy from
the batches, and evaluate dev (loss + error) after every epoch. Prints the per-epoch
training loss of both (they must agree to 1e-5) and the wall-time ratio, timed:

- ``loop``: from the first to the last epoch (yearn: ``on_fit_start`` → ``on_fit_end``);
- ``fit()``: the whole call, including data preparation and the predictions table of
  every split (work the plain loop does not do);

each as wall time and as CPU time of the process (steadier on a busy machine), the
minimum and the median over interleaved repeats.

Then, when ``yearn.demo.make_digits_demo`` exists, the time per epoch of the small CNN on
the demo data (web → phone digits). Run: ``.venv/bin/python bench/train_overhead.py``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

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


def plain_loop(data, *, width, depth, epochs, lr, batch_size, seed):
    """What one would write by hand: no framework, same computations."""
    x_train = torch.as_tensor(data["train"][0])
    y_train = torch.as_tensor(data["train"][1], dtype=torch.long)
    x_dev = torch.as_tensor(data["dev"][0])
    y_dev = torch.as_tensor(data["dev"][1], dtype=torch.long)
    k = int(y_train.max()) + 1
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers, size = [], x_train.shape[1]
        for _ in range(depth):
            layers += [nn.Linear(size, width), nn.ReLU()]
            size = width
        model = nn.Sequential(*layers, nn.Linear(size, k))
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        gen = torch.Generator().manual_seed(seed)
        n = len(x_train)
        losses = []
        start, cpu = time.perf_counter(), time.process_time()
        for _epoch in range(epochs):
            model.train()
            perm = torch.randperm(n, generator=gen)
            total, correct = 0.0, 0
            for i in range(0, n, batch_size):
                idx = perm[i : i + batch_size]
                out = model(x_train[idx])
                loss = F.cross_entropy(out, y_train[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
                correct += int((out.argmax(1) == y_train[idx]).sum())
            losses.append(total / n)
            model.eval()
            with torch.no_grad():
                dev_out = model(x_dev)
                _dev_loss = float(F.cross_entropy(dev_out, y_dev))
                _dev_error = float((dev_out.argmax(1) != y_dev).float().mean())
        elapsed = (time.perf_counter() - start, time.process_time() - cpu)
    return losses, elapsed


class LoopTimer(Callback):
    """Wall and CPU seconds from the first epoch to the end of the last."""

    def on_fit_start(self, state):
        self.start, self.cpu = time.perf_counter(), time.process_time()

    def on_fit_end(self, state):
        self.elapsed = (time.perf_counter() - self.start, time.process_time() - self.cpu)


def yearn_loop(data, *, width, depth, epochs, lr, batch_size, seed):
    timer = LoopTimer()
    start, cpu = time.perf_counter(), time.process_time()
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
        device="cpu",
    )
    total = (time.perf_counter() - start, time.process_time() - cpu)
    return [h["train_loss"] for h in res.history], timer.elapsed, total


def demo_epoch_time(epochs: int) -> str:
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
            "cnn", data, epochs=epochs, lr=0.003, batch_size=64, callbacks=[timer], device="cpu"
        )
        n = len(data.splits["train"])
        shape = data.input_shape
        return (
            f"digits demo: {n} train images {shape}, small CNN: "
            f"{timer.elapsed[0] / epochs:.2f} s/epoch wall, "
            f"{timer.elapsed[1] / epochs:.2f} s/epoch CPU over {epochs} epochs "
            f"(dev error {res.history[-1]['dev_metric']:.3f}; loading + decoding the "
            f"images took {load:.1f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8192)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--demo-epochs", type=int, default=3)
    parser.add_argument("--no-demo", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = make_data(args.n, args.features, args.classes)
    kw = dict(
        width=args.width,
        depth=args.depth,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=0,
    )
    plain_loss, _ = plain_loop(data, **kw)  # warm-up (and the parity reference)
    yearn_loss, _, _ = yearn_loop(data, **kw)
    plain_t, yearn_t, yearn_total = [], [], []
    for _ in range(args.repeats):  # interleaved so machine load hits both alike
        plain_t.append(plain_loop(data, **kw)[1])
        _, loop, total = yearn_loop(data, **kw)
        yearn_t.append(loop)
        yearn_total.append(total)

    print(
        f"data: {args.n} x {args.features}, {args.classes} classes; MLP width {args.width} "
        f"depth {args.depth}; Adam lr {args.lr}; batch {args.batch_size}; "
        f"{args.epochs} epochs; {args.threads} thread(s); {args.repeats} interleaved repeats"
    )
    print(f"{'epoch':>5}  {'plain loss':>12}  {'yearn loss':>12}  {'|diff|':>9}")
    worst = 0.0
    for e, (p, y) in enumerate(zip(plain_loss, yearn_loss, strict=True), 1):
        worst = max(worst, abs(p - y))
        print(f"{e:>5}  {p:>12.7f}  {y:>12.7f}  {abs(p - y):>9.2e}")
    print(f"max |diff| = {worst:.2e} -> {'OK (<= 1e-5)' if worst <= 1e-5 else 'MISMATCH'}")
    print(f"{'seconds':>16}{'plain':>10}{'yearn':>10}{'ratio':>8}")
    for clock, i in (("wall", 0), ("CPU", 1)):
        for how, pick in (("min", min), ("median", statistics.median)):
            p = pick(v[i] for v in plain_t)
            for what, times in (("loop", yearn_t), ("fit()", yearn_total)):
                y = pick(v[i] for v in times)
                label = f"{what} {clock} {how}"
                print(
                    f"{label:>16}{p:>10.3f}{y:>10.3f}{y / p:>8.3f}"
                    f"  overhead {100 * (y / p - 1):+.1f}%"
                )
    if not args.no_demo:
        print(demo_epoch_time(args.demo_epochs))


if __name__ == "__main__":
    main()
