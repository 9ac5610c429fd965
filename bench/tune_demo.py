"""``yearn tune --trials 20`` on the tabular demo: wall time, trials per state, per-trial
time and the dev-set guard's verdict; and from the per-trial time, what 1,000 trials take
on 50 nodes. Run: ``OMP_NUM_THREADS=1 python bench/tune_demo.py [--trials 20]``."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--cores-per-node", type=int, default=8)
    args = parser.parse_args()
    from yearn.demo import make_tabular_demo
    from yearn.splits import split_project

    with tempfile.TemporaryDirectory() as tmp:
        root = make_tabular_demo(Path(tmp) / "demo")
        split_project(root, record=False)
        cli = [sys.executable, "-c", "from yearn.cli import main; main()"]
        cmd = [*cli, "tune", "--project", str(root)]
        start = time.perf_counter()
        out = subprocess.run(
            [*cmd, "--trials", str(args.trials), "--json"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        wall = time.perf_counter() - start
    result = json.loads(out.stdout)
    trials = result["trials"]
    seconds = [t["seconds"] for t in trials if t["seconds"] is not None]
    per_trial = sum(seconds) / len(seconds)
    slots = 50 * args.cores_per_node
    rounds = -(-1000 // slots)
    print(f"load average before/after: {os.getloadavg()[0]:.1f}; cpus: {os.cpu_count()}")
    print(f"wall {wall:.1f} s for {len(trials)} trials; counts {result['counts']}")
    print(f"mean recorded time per trial (complete and pruned): {per_trial:.2f} s")
    print("\n".join(result["summary"]))
    print(
        f"1,000 trials on 50 nodes x {args.cores_per_node} workers: {rounds} rounds x "
        f"{per_trial:.2f} s = {rounds * per_trial:.0f} s of training (+ start-up, storage)"
    )


if __name__ == "__main__":
    main()
