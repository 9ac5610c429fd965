"""Report render time at N runs x M epochs (issue 14: goal <= 2 s at 100 x 100).

Builds a small project (two CSV sources, no workflow run), fills its run store with
``--runs`` training runs of ``--epochs`` epochs (loss and error on three splits, inserted
in one transaction), then times ``build_report(root).to_html()`` — warm (imports and
templates loaded by a first call) — ``--repeats`` times, and prints min / median wall and
CPU seconds with the machine's load average (``/proc/loadavg``). ``--profile`` prints the
top functions by cumulative time of one render.

Run: ``PYTHONPATH=src .venv/bin/python bench/report_render.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

TOML = """\
[project]
name = "bench"
task = "binary"
label_column = "y"
id_column = "id"

[[sources]]
name = "web"
path = "web.csv"
role = "train"

[[sources]]
name = "phone"
path = "phone.csv"
role = "target"

[metric]
optimizing = "error"
"""


def make_project(root: Path) -> Path:
    rng = np.random.default_rng(0)
    root.mkdir(parents=True)
    for name, shift in (("web", 0.0), ("phone", 0.5)):
        x = rng.normal(shift, 1.0, size=(200, 2))
        y = (x[:, 0] + rng.normal(0, 1, 200) > 0).astype(int)
        pd.DataFrame(
            {"id": [f"{name}{i}" for i in range(200)], "a": x[:, 0], "b": x[:, 1], "y": y}
        ).to_csv(root / f"{name}.csv", index=False)
    (root / "yearn.toml").write_text(TOML, encoding="utf-8")
    return root


def fill_store(root: Path, n_runs: int, n_epochs: int) -> None:
    """``n_runs`` runs x ``n_epochs`` epochs x (loss, error) x three splits, one transaction."""
    from sqlalchemy import insert

    from yearn.store import _schema as schema
    from yearn.store import open_store

    rng = np.random.default_rng(0)
    store = open_store(root)
    steps = np.arange(1, n_epochs + 1)
    now = datetime.now(UTC)
    rows = []
    for i in range(n_runs):
        run = store.start_run(name=f"mlp-{i}", kind="train", config={"i": i})
        for split, offset in (("train", 0.0), ("train_dev", 0.02), ("dev", 0.05)):
            noise = rng.normal(0, 0.005, n_epochs)
            for name, values in (("loss", 1.0 / steps), ("error", 0.5 / np.sqrt(steps))):
                rows += [
                    {"run_id": run.id, "name": name, "split": split, "step": int(s),
                     "value": float(v), "logged_at": now}
                    for s, v in zip(steps, values + offset + noise, strict=True)
                ]  # fmt: skip
        run.finish("completed")
    with store._begin() as conn:
        conn.execute(insert(schema.metrics), rows)
    store.close()


def render(root: Path) -> str:
    from yearn.report import build_report

    return build_report(root).to_html()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_project(Path(tmp) / "p")
        fill_store(root, args.runs, args.epochs)
        page = render(root)  # warm: imports, templates
        lines = page.count("<polyline")
        walls, cpus = [], []
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        for _ in range(args.repeats):
            t, c = time.perf_counter(), time.process_time()
            render(root)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        print(
            f"report render, {args.runs} runs x {args.epochs} epochs ({lines} curves drawn), "
            f"{args.repeats} warm repeats"
        )
        print(
            f"wall s: min {min(walls):.3f}  median {statistics.median(walls):.3f}  "
            f"max {max(walls):.3f}"
        )
        print(f"CPU  s: min {min(cpus):.3f}  median {statistics.median(cpus):.3f}")
        print(f"load average (1/5/15 min): before {' '.join(load_before)}, after "
              f"{' '.join(load_after)}")  # fmt: skip
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            render(root)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
